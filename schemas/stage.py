"""The one stage interface every validator implements, and the batching every runner shares.

A stage is `map(batch) -> partial` over slices of the records, then `reduce(frame, partials) ->
StageResult(kept, rejections, report)` over all partials in batch order. The batches are fixed by
the row count and `batch_rows`, never by the number of workers, so a stage gives the same result
wherever its `map` calls run: in this process (`run_stage`, no Prefect needed) or as tasks on Ray
(`pipelines.executor`). A stage's `map` may only use what pickles cheaply (its config); what it
needs in `reduce` alone (an index connection, say) stays in the process that reduces.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

import polars as pl
from pydantic import BaseModel

from schemas.rejection import Rejection

Partial = TypeVar("Partial")
Report = TypeVar("Report", bound=BaseModel, covariant=True)
R = TypeVar("R", bound=BaseModel)


@dataclass
class StageResult(Generic[R]):
    """What a stage leaves: the rows kept (input order), one rejection per dropped row, a report."""

    kept: pl.DataFrame
    rejections: list[Rejection] = field(default_factory=list)
    report: R | None = None


class BatchStage(Protocol[Partial, Report]):
    """A validator: `map` runs on each batch anywhere, `reduce` once over every batch's result."""

    name: str

    def map(self, batch: pl.DataFrame) -> Partial:
        """The partial result of one batch of rows."""
        ...

    def reduce(self, frame: pl.DataFrame, partials: Sequence[Partial]) -> StageResult[Report]:
        """The stage's result on `frame`, from the partials of its batches in order."""
        ...


def spans(n: int, size: int) -> list[tuple[int, int]]:
    """(start, count) slices covering [0, n) in steps of `size`: fixed by n and size alone."""
    return [(start, min(size, n - start)) for start in range(0, n, size)]


def batches(frame: pl.DataFrame, size: int) -> list[pl.DataFrame]:
    """`frame` cut into `spans(frame.height, size)`; an empty frame is one empty batch."""
    if frame.height == 0:
        return [frame]
    return [frame.slice(start, count) for start, count in spans(frame.height, size)]


def run_stage(
    stage: BatchStage[Partial, R], frame: pl.DataFrame, batch_rows: int
) -> StageResult[R]:
    """A stage in this process: every batch mapped in order, then reduced."""
    return stage.reduce(frame, [stage.map(batch) for batch in batches(frame, batch_rows)])


def worker_name() -> str:
    """The Ray node a `map` runs on, or this host's name outside Ray (Ray is never imported here)."""
    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        return str(ray.get_runtime_context().get_node_id())
    import socket

    return socket.gethostname()
