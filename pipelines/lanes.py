"""Generation across several teacher engines or servers: the chunks of a run dealt into lanes.

A lane is one teacher (a vLLM engine on one Ray worker and its GPUs, or one OpenAI-compatible
endpoint) and the chunks it generates, in order. Chunk k goes to lane k mod the number of
lanes, so each record index is requested by exactly one lane. Cache keys name the model and
its weights, not the lane, so an answer is stored once and a re-run finds it whichever lane
asks; the records come back sorted by index, whatever lane finished first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from generators.runner import GenerationResult
from pipelines.build import chunks, generate_chunk
from pipelines.generate import build_generator
from schemas.config import RunConfig, TeacherConfig


@dataclass(frozen=True)
class Lane:
    """One teacher and the (start, count) chunks it generates."""

    index: int
    endpoint: str | None
    chunks: tuple[tuple[int, int], ...]


def plan_lanes(config: RunConfig, engines: int) -> list[Lane]:
    """Deal the run's chunks into one lane per endpoint, or into `engines` lanes."""
    work = chunks(config.n, config.build.chunk_size)
    endpoints: list[str | None] = list(config.teacher.endpoints) or [None] * engines
    k = max(1, min(len(endpoints), len(work)))
    return [Lane(i, endpoints[i], tuple(work[i::k])) for i in range(k)]


def lane_teacher_config(cfg: TeacherConfig, lane: Lane) -> TeacherConfig:
    """The lane's teacher: the same model and sampling, at the lane's endpoint if it has one."""
    if lane.endpoint is None:
        return cfg
    return cfg.model_copy(update={"base_url": lane.endpoint, "endpoints": []})


def run_lane(
    config: RunConfig, trusted: pl.DataFrame, run_dir: Path, lane: Lane
) -> list[GenerationResult]:
    """Generate a lane's chunks with a teacher of its own, then release the teacher."""
    from generators.teachers import make_teacher

    generator = build_generator(config, trusted)
    teacher = make_teacher(lane_teacher_config(config.teacher, lane))
    try:
        return [
            generate_chunk(generator, teacher, run_dir, config.seed, start, count)
            for start, count in lane.chunks
        ]
    finally:
        teacher.close()


def in_chunk_order(lanes: list[Lane], results: list[list[GenerationResult]]) -> list[Any]:
    """The chunk results of all lanes, ordered by chunk start."""
    pairs = [
        (start, result)
        for lane, lane_results in zip(lanes, results, strict=True)
        for (start, _count), result in zip(lane.chunks, lane_results, strict=True)
    ]
    return [result for _start, result in sorted(pairs, key=lambda pair: pair[0])]
