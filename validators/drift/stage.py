"""The drift gate as a batch stage: batches return text lengths and word counts, which merge
(after the reference's, so the vocabulary ranks the same) into the features the whole-frame
comparison computes. Label counts and the permutation tests run once, in `reduce`.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from schemas.stage import StageResult
from validators.drift.config import DriftConfig
from validators.drift.report import DriftReport
from validators.drift.text import TextSummary, merge_summaries, summarise_texts


class DriftStage:
    """Judge the candidate rows against `reference` (same column names); rejects nothing.

    The verdict is in the report; whether it stops the build is the caller's decision.
    """

    name = "drift"

    def __init__(
        self, config: DriftConfig, reference: pl.DataFrame, text_fields: Sequence[str]
    ) -> None:
        self.config = config
        self.reference = reference
        self.columns = list(reference.columns)
        self.text_fields = [f for f in text_fields if f in self.columns]

    def map(self, batch: pl.DataFrame) -> dict[str, TextSummary]:
        return {f: summarise_texts(batch[f].drop_nulls()) for f in self.text_fields}

    def reduce(
        self, frame: pl.DataFrame, partials: Sequence[dict[str, TextSummary]]
    ) -> StageResult[DriftReport]:
        from validators.drift.compare import drift_report

        features = {}
        for field in self.text_fields:
            first = summarise_texts(self.reference[field].drop_nulls())
            parts = [p[field] for p in partials]
            features[field] = merge_summaries(
                [first, *parts], first.chars.size, self.config.max_vocabulary
            )
        report = drift_report(self.reference, frame.select(self.columns), self.config, features)
        return StageResult(frame, [], report)
