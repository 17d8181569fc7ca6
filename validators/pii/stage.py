"""PII scrub as a batch stage: each batch is scrubbed on its own, reports merge by type and field.

Rows are scrubbed independently and fakes depend only on (seed, type, value), so scrubbed batches
concatenate to exactly the whole-frame result. The stage rejects nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import polars as pl

from schemas.base import FrozenModel
from schemas.stage import StageResult, worker_name
from validators.pii.config import PIIConfig


class ScrubReport(FrozenModel):
    """Counts only, never values: rows changed, entities by type and by field, where it ran."""

    rows_changed: int = 0
    by_type: dict[str, int] = {}
    by_field: dict[str, dict[str, int]] = {}
    batches: int = 0
    nodes: int = 0


class ScrubStage:
    """Replace (or redact) PII in `fields` of every row."""

    name = "pii"

    def __init__(self, config: PIIConfig, fields: Sequence[str]) -> None:
        self.config = config
        self.fields = list(fields)

    def map(self, batch: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, object], str]:
        from validators.pii.scrubber import cached_scrubber

        if batch.height == 0:
            return batch, {"rows_changed": 0, "totals": {}, "counts": {}}, worker_name()
        scrubbed, report = cached_scrubber(self.config).scrub_frame(batch, self.fields)
        return scrubbed, report.model_dump(), worker_name()

    def reduce(
        self, frame: pl.DataFrame, partials: Sequence[tuple[pl.DataFrame, dict[str, object], str]]
    ) -> StageResult[ScrubReport]:
        by_field: dict[str, Counter[str]] = {f: Counter() for f in self.fields}
        by_type: Counter[str] = Counter()
        changed = 0
        for _, report, _node in partials:
            by_type.update(report["totals"])  # type: ignore[arg-type]
            for field, counts in report["counts"].items():  # type: ignore[attr-defined]
                by_field.setdefault(field, Counter()).update(counts)
            changed += int(report["rows_changed"])  # type: ignore[call-overload]
        kept = pl.concat([part for part, _, _ in partials]) if partials else frame
        return StageResult(
            kept,
            [],
            ScrubReport(
                rows_changed=changed,
                by_type=dict(sorted(by_type.items())),
                by_field={f: dict(sorted(c.items())) for f, c in by_field.items()},
                batches=len(partials),
                nodes=len({node for _, _, node in partials}),
            ),
        )
