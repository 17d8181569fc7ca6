"""The run config: one typed tree loaded from YAML; unknown keys are an error naming key and file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipelines.execution_config import ExecutionConfig
from pipelines.finetune_config import FinetuneConfig
from schemas.errors import ConfigError, describe_validation_error
from schemas.record import stable_hash
from validators.dedup_config import DedupConfig
from validators.drift_config import DriftConfig
from validators.pii_config import PIIConfig

TeacherKind = Literal["vllm", "openai", "transformers"]
TEACHER_KINDS: tuple[str, ...] = ("vllm", "openai", "transformers")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class TeacherConfig(_Strict):
    """Which model writes the records, and how it is sampled."""

    kind: TeacherKind = "vllm"
    model: str = Field("embedded", description="'embedded', a local HF folder or a hub id")
    api: Literal["completions", "chat"] = Field(
        "completions", description="plain completion prompt (base models) or chat messages"
    )
    max_tokens: int = Field(96, gt=0)
    temperature: float = Field(1.0, ge=0)
    top_p: float = Field(0.95, gt=0, le=1)
    batch_size: int = Field(64, gt=0, description="prompts sent to the teacher in one call")
    max_retries: int = Field(3, ge=0, description="fresh-seed retries before a rejection")
    # openai-compatible servers
    base_url: str = "http://127.0.0.1:8000/v1"
    endpoints: list[str] = Field(
        default_factory=list,
        description="several servers of the same model: a run's requests are split across them",
    )
    api_key_env: str = Field("OPENAI_API_KEY", description="name of the env var holding the key")
    concurrency: int = Field(8, gt=0)
    timeout_s: float = Field(60.0, gt=0)
    http_retries: int = Field(4, ge=0)
    # engine
    max_model_len: int = Field(1024, gt=0)
    dtype: str = "bfloat16"
    enforce_eager: bool = Field(
        True, description="skip torch.compile: engine starts ~100 s sooner on CPU"
    )
    kv_cache_gib: float = Field(2.0, gt=0, description="KV cache size for the vLLM engine")
    trust_remote_code: bool = False


class SamplingConfig(_Strict):
    """What varies between records: all driven by the run seed."""

    few_shot: int = Field(4, ge=0)
    label_weights: dict[str, float] = Field(default_factory=dict)
    topics: list[str] = Field(default_factory=list)
    personas: list[str] = Field(default_factory=list)
    pin_label: bool = Field(True, description="constrain each record to its sampled label")
    min_chars: int = Field(12, gt=0)
    max_chars: int = Field(200, gt=0)


class DataConfig(_Strict):
    """The trusted real sample and the held-out split, with the column names."""

    trusted: Path
    held_out: Path | None = None
    text_field: str = "text"
    label_field: str = "label"
    labels: list[str] = Field(default_factory=list, description="closed label set; default: data")
    instruction_field: str = "instruction"
    response_field: str = "response"
    attribution: str = ""
    license: str = "unknown"


class BuildConfig(_Strict):
    """Which stages a build runs, and how generation is chunked (the unit of resume)."""

    chunk_size: int = Field(64, gt=0, description="records per generation task")
    pii: bool = True
    dedup: bool = True
    drift: bool = True
    finetune: bool = False


_NOT_HASHED: dict[str, Any] = {"source": True, "execution": True, "teacher": {"endpoints"}}


class RunConfig(_Strict):
    """Everything one build needs. Paths are relative to the config file."""

    name: str
    generator: str = "labeled_text"
    domain: str = Field("", description="a short description used in the teacher prompt")
    task: str = ""
    seed: int = 0
    n: int = Field(100, gt=0)
    data: DataConfig
    teacher: TeacherConfig = Field(default_factory=TeacherConfig)
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    build: BuildConfig = Field(default_factory=BuildConfig)
    pii: PIIConfig = Field(default_factory=PIIConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    drift: DriftConfig = Field(default_factory=DriftConfig)
    finetune: FinetuneConfig = Field(default_factory=FinetuneConfig)
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)
    source: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _labels_unique(self) -> RunConfig:
        if len(set(self.data.labels)) != len(self.data.labels):
            raise ValueError("data.labels has a repeated label")
        if self.teacher.endpoints and self.teacher.kind != "openai":
            raise ValueError("teacher.endpoints needs teacher.kind: openai")
        if self.execution.engines > 1 and self.teacher.kind == "openai":
            raise ValueError(
                "execution.engines is for local engines; list the servers in teacher.endpoints"
            )
        if self.execution.engines > 1 and self.execution.target == "local":
            raise ValueError(
                "execution.engines > 1 needs execution.target: ray (one engine per worker); "
                "on one machine, list servers in teacher.endpoints instead"
            )
        return self

    def config_hash(self) -> str:
        """A hash of what the run does (not where the config lies, nor where it runs)."""
        return stable_hash(self.model_dump(mode="json", exclude=_NOT_HASHED))


def _describe(err: dict[str, Any]) -> str:
    if err["type"] == "literal_error" and err["loc"][-1] == "kind":
        loc = ".".join(str(p) for p in err["loc"])
        return f"unknown teacher '{err['input']}' at '{loc}' (choose one of {', '.join(TEACHER_KINDS)})"
    return describe_validation_error(err)


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> RunConfig:
    """Load and validate a run config; relative data paths resolve against the config's folder."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found; pass the path to a YAML run config")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{path}: not valid YAML ({first})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    for dotted, value in (overrides or {}).items():
        node = raw
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    try:
        cfg = RunConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc.errors()[0])}") from None
    base = path.resolve().parent
    data = cfg.data
    updates: dict[str, Any] = {"trusted": (base / data.trusted).resolve()}
    if data.held_out is not None:
        updates["held_out"] = (base / data.held_out).resolve()
    extra: dict[str, Any] = {"data": data.model_copy(update=updates), "source": path.resolve()}
    if cfg.pii.recognizers_file is not None:
        extra["pii"] = cfg.pii.model_copy(
            update={"recognizers_file": (base / cfg.pii.recognizers_file).resolve()}
        )
    cfg = cfg.model_copy(update=extra)
    if not cfg.data.trusted.is_file():
        raise ConfigError(
            f"{path}: trusted sample '{cfg.data.trusted}' not found; fix data.trusted in the config"
        )
    if cfg.data.held_out is not None and not cfg.data.held_out.is_file():
        raise ConfigError(
            f"{path}: held-out file '{cfg.data.held_out}' not found; fix data.held_out in the config"
        )
    return cfg
