"""The run config: one typed tree loaded from YAML; unknown keys are an error naming key and file.

Each stage's config lives beside its stage (`generators.config`, `validators.*.config`,
`pipelines.execution_config`, `pipelines.finetune_config`); this module composes them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pydantic import Field, StrictInt, ValidationError, model_validator

from generators.base import GeneratorContext
from generators.config import TEACHER_KINDS, DataConfig, SamplingConfig, TeacherConfig
from pipelines.execution_config import ExecutionConfig
from pipelines.export_config import ExportConfig
from pipelines.finetune_config import FinetuneConfig
from schemas.base import Settings
from schemas.errors import ConfigError, describe_validation_error
from schemas.record import stable_hash
from schemas.settings_file import SettingsFile
from validators.dedup.config import DedupConfig
from validators.drift.config import DriftConfig
from validators.fidelity.config import FidelityConfig
from validators.pii.config import PIIConfig

__all__ = [
    "BuildConfig",
    "DataConfig",
    "ExportConfig",
    "RunConfig",
    "SamplingConfig",
    "TeacherConfig",
    "load_config",
]


class BuildConfig(Settings):
    """Which stages a build runs, and how generation is chunked (the unit of resume)."""

    chunk_size: int = Field(64, gt=0, description="records per generation task")
    pii: bool = True
    dedup: bool = True
    drift: bool = True
    finetune: bool = False


# Where and how far a run goes, not what it makes: left out of the config hash.
_NOT_HASHED: dict[str, Any] = {
    "source": True,
    "execution": True,
    "export": True,  # how the student is packaged, not what is generated or trained
    "teacher": {"endpoints", "max_requests", "max_tokens_total"},
}


class RunConfig(Settings):
    """Everything one build needs. Paths are relative to the config file."""

    name: str
    generator: str = "labeled_text"
    domain: str = Field("", description="a short description used in the teacher prompt")
    task: str = ""
    seed: int = 0
    n: StrictInt = Field(100, gt=0, le=1_000_000_000)  # `n: true` is no count
    data: DataConfig
    teacher: TeacherConfig = Field(default_factory=TeacherConfig)
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    build: BuildConfig = Field(default_factory=BuildConfig)
    pii: PIIConfig = Field(default_factory=PIIConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    drift: DriftConfig = Field(default_factory=DriftConfig)
    fidelity: FidelityConfig = Field(default_factory=FidelityConfig)
    finetune: FinetuneConfig = Field(default_factory=FinetuneConfig)
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)
    export: ExportConfig | None = Field(None, description="write the student as one file; off")
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
        if self.export is not None and not self.build.finetune:
            raise ValueError("export needs build.finetune: true (it exports the trained student)")
        if self.export is not None and self.export.base_gguf is None:
            if self.finetune.model != "embedded":
                raise ValueError(
                    "export.base_gguf: needed when finetune.model is not 'embedded' "
                    "(a GGUF of that base)"
                )
        return self

    def requests(self) -> int:
        """Records asked of the teacher: `n`, times `fidelity.selection.oversample`."""
        return math.ceil(self.n * self.fidelity.selection.oversample - 1e-9)

    def splits_trusted(self) -> bool:
        """Whether the trusted rows are split into fit and gate rows (see `FidelityConfig`)."""
        f = self.fidelity
        return f.label_check.enabled or f.selection.oversample > 1.0

    def generator_context(self) -> GeneratorContext:
        """What the generator gets of this config."""
        return GeneratorContext(
            data=self.data, sampling=self.sampling, domain=self.domain, run_name=self.name
        )

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
    settings = SettingsFile(path, "config file")
    raw = settings.data
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    for dotted, value in (overrides or {}).items():
        node = raw
        *parents, leaf = dotted.split(".")
        for depth, key in enumerate(parents, start=1):
            if node.get(key) is None:  # absent, or `teacher:` with nothing under it
                node[key] = {}
            elif not isinstance(node[key], dict):
                line = settings.line_of(tuple(parents[:depth]))
                where = f"{path}:{line}" if line is not None else f"{path}"
                raise ConfigError(
                    f"{where}: '{'.'.join(parents[:depth])}' must be a mapping of settings "
                    f"(the command sets {dotted})"
                )
            node = node[key]
        node[leaf] = value
    try:
        cfg = RunConfig.model_validate(raw)
    except ValidationError as exc:
        err = settings.first(exc.errors())
        dotted = ".".join(str(p) for p in err["loc"])
        if any(dotted == key or dotted.startswith(key + ".") for key in overrides or {}):
            raise ConfigError(f"{path} with the command's options: {_describe(err)}") from None
        raise settings.error(err, RunConfig, describe=_describe) from None
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
    if cfg.export is not None and cfg.export.base_gguf is not None:
        extra["export"] = cfg.export.model_copy(
            update={"base_gguf": (base / cfg.export.base_gguf).resolve()}
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
