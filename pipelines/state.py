"""What a build passes from stage to stage: `BuildState`, and the typed `BuildReport` it fills."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import Field

from generators.base import Roles
from pipelines.config import RunConfig
from schemas.base import StrictModel
from schemas.rejection import Rejection
from validators.pii.stage import ScrubReport


class StageCounts(StrictModel):
    """Rows into and out of one stage; what went missing is in the rejections."""

    in_: int = Field(alias="in")
    out: int
    rejected: int


class BuildReport(StrictModel):
    """Everything `report.json` says about a build; each stage fills its own section."""

    name: str
    run_dir: str
    seed: int
    config_hash: str
    roles: dict[str, Any] = Field(default_factory=dict)
    execution: dict[str, Any] = Field(default_factory=dict)
    trusted_pii: ScrubReport | None = None
    trusted_pii_skipped: str | None = None
    pii: ScrubReport | None = None
    dedup: dict[str, Any] | None = None
    label_check: dict[str, Any] | None = None
    selection: dict[str, Any] | None = None
    drift: dict[str, Any] | None = None
    fidelity: dict[str, Any] | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    stages: dict[str, StageCounts] = Field(default_factory=dict)
    rejected_by_reason: dict[str, int] = Field(default_factory=dict)
    rejected_by_stage: dict[str, int] = Field(default_factory=dict)
    generation: dict[str, Any] = Field(default_factory=dict)
    evaluation: dict[str, Any] | None = None
    finetune_error: str | None = None
    stage_seconds: dict[str, float] = Field(default_factory=dict)  # wall time per stage
    samples: dict[str, Any] | None = None  # scrubbed examples for the report (report_samples)
    published: bool = False
    not_published_because: str = ""

    def to_json(self) -> dict[str, Any]:
        """The JSON form written to `report.json` and read by `report.md` and the card."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


@dataclass
class BuildState:
    """The current accepted frame, all rejections so far, the counts and the report."""

    config: RunConfig
    run_dir: Path
    trusted: pl.DataFrame
    roles: Roles
    payload_fields: list[str]
    report: BuildReport
    accepted: pl.DataFrame | None = None
    rejections: list[Rejection] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    fit_rows: list[int] | None = None
    gate_rows: list[int] | None = None
    dropped: list[pl.DataFrame] = field(default_factory=list)
    label_model: Any = None  # fitted on the fit rows once, for the label check and selection
    _reference: pl.DataFrame | None = field(default=None, repr=False)

    def prompt_rows(self) -> pl.DataFrame:
        """The trusted rows prompts may show: the fit rows when the sample is split (the gate
        rows never reach a teacher), else all of them."""
        return self.trusted if self.fit_rows is None else self.trusted[self.fit_rows]

    @property
    def frame(self) -> pl.DataFrame:
        """The accepted records (after generation, always set)."""
        if self.accepted is None:
            raise RuntimeError("no records yet: generation has not run")
        return self.accepted

    def keep(self, kept: pl.DataFrame) -> None:
        """Make `kept` the accepted frame. The rows of the old frame that are not in it are
        kept in `dropped`, so that the rejected output can carry each rejected record."""
        old = self.accepted
        if old is not None and old.height > kept.height:
            self.dropped.append(old.filter(~pl.col("id").is_in(kept["id"].implode())))
        self.accepted = kept

    def record_stage(self, name: str, n_in: int, n_out: int) -> None:
        self.report.stages[name] = StageCounts.model_validate(
            {"in": n_in, "out": n_out, "rejected": n_in - n_out}
        )

    def reference(self) -> pl.DataFrame:
        """The trusted sample under the payload's field names, ids `trusted-<row>`.

        Only payload fields the generator maps to a trusted column (`Roles.trusted_columns`).
        Made once: the trusted sample and the roles do not change after `prepare`.
        """
        if self._reference is None:
            mapping = self.roles.reference_columns(self.payload_fields)
            frame = self.trusted.select([pl.col(src).alias(dst) for src, dst in mapping.items()])
            ids = [f"trusted-{i + 1:06d}" for i in range(frame.height)]
            self._reference = frame.with_columns(pl.Series("id", ids))
        return self._reference

    def reference_part(self, part: str) -> pl.DataFrame:
        """The reference rows that fit ('fit': prompts, label check, selection) or grade the
        drift gate ('gate'); all rows when the trusted sample is not split."""
        rows = self.fit_rows if part == "fit" else self.gate_rows
        reference = self.reference()
        return reference if rows is None else reference[rows]
