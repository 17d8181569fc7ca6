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
from prefect import task
from prefect.cache_policies import NO_CACHE

from generators.runner import GenerationResult
from pipelines.build import generate_chunk
from pipelines.config import RunConfig, TeacherConfig
from pipelines.executor import Executor
from pipelines.generate import build_generator
from schemas.stage import spans

_LOCAL_ENGINES = ("vllm", "transformers")


@dataclass(frozen=True)
class Lane:
    """One teacher and the (start, count) chunks it generates."""

    index: int
    endpoint: str | None
    chunks: tuple[tuple[int, int], ...]


def plan_lanes(config: RunConfig, engines: int) -> list[Lane]:
    """Deal the run's chunks into one lane per endpoint, or into `engines` lanes."""
    work = spans(config.requests(), config.build.chunk_size)
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
            generate_chunk(generator, teacher, config, run_dir, start, count)
            for start, count in lane.chunks
        ]
    finally:
        teacher.close()


def in_chunk_order(
    lanes: list[Lane], results: list[list[GenerationResult]]
) -> list[GenerationResult]:
    """The chunk results of all lanes, ordered by chunk start."""
    pairs = [
        (start, result)
        for lane, lane_results in zip(lanes, results, strict=True)
        for (start, _count), result in zip(lane.chunks, lane_results, strict=True)
    ]
    return [result for _start, result in sorted(pairs, key=lambda pair: pair[0])]


@task(name="generate-lane", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def generate_lane_task(
    config: RunConfig, trusted: pl.DataFrame, run_dir: Path, lane: Lane
) -> list[GenerationResult]:
    return run_lane(config, trusted, run_dir, lane)


def generate_in_lanes(
    config: RunConfig, trusted: pl.DataFrame, run_dir: Path, executor: Executor
) -> list[GenerationResult]:
    """Generate the run's chunks across lanes (engines or endpoints), results by chunk."""
    lanes = plan_lanes(config, config.execution.engines)
    resources: dict[str, Any] = {}
    if executor.target == "ray" and config.teacher.kind in _LOCAL_ENGINES:
        gpus = config.execution.engine_gpus
        if gpus is None:
            gpus = 1.0 if executor.gpus() >= 1 else 0.0
        # One engine per worker process, which exits after its lane and frees the memory.
        resources = {"num_gpus": gpus, "max_calls": 1}
    calls = [
        {"config": config, "trusted": trusted, "run_dir": run_dir, "lane": lane} for lane in lanes
    ]
    results = executor.map(generate_lane_task, calls, threads=len(lanes), resources=resources)
    return in_chunk_order(lanes, results)
