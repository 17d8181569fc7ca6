"""Dedup as a batch stage: batches return each row's exact key and MinHash signature, and one
LSH join over the merged sketches (within the set, against the trusted reference, against the
published index) decides, exactly as the single-process `dedup_frame` would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from schemas.base import FrozenModel
from schemas.stage import StageResult
from validators.dedup.config import DedupConfig
from validators.dedup.index import PublishedIndex
from validators.dedup.sketch import RowSketch


class DedupReport(FrozenModel):
    """What the dedup stage found: rows in and kept, drops by kind, the LSH settings and timing."""

    summary: dict[str, Any] = {}


class DedupStage:
    """Exact and near duplicates, leaks of `reference` (the trusted sample), records in `index`.

    `reference` and `index` are used in `reduce` only and are not shipped to `map` workers.
    After `reduce`, `publication` holds the kept rows' keys, signatures and texts to add to the
    index once the build is published.
    """

    name = "dedup"

    def __init__(
        self,
        config: DedupConfig,
        reference: pl.DataFrame | None = None,
        index: PublishedIndex | None = None,
    ) -> None:
        self.config = config
        self.reference = reference
        self.index = index
        self.publication: tuple[list[str], np.ndarray, list[str]] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "reference": None, "index": None, "publication": None}

    def map(self, batch: pl.DataFrame) -> RowSketch:
        from validators.dedup.frame import text_column
        from validators.dedup.minhash import Signer
        from validators.dedup.sketch import sketch_rows

        return sketch_rows(text_column(batch, self.config, "input"), Signer(self.config))

    def reduce(
        self, frame: pl.DataFrame, partials: Sequence[RowSketch]
    ) -> StageResult[DedupReport]:
        from validators.dedup.frame import dedup_frame
        from validators.dedup.sketch import merge_sketches

        if frame.height == 0:
            return StageResult(frame, [], DedupReport())
        result = dedup_frame(
            frame,
            self.config,
            reference=self.reference,
            index=self.index,
            sketches=merge_sketches(list(partials)),
        )
        self.publication = (list(result.kept_keys), result.kept_signatures, result.kept_texts)
        return StageResult(result.kept, result.rejections, DedupReport(summary=result.report))
