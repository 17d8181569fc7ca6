"""The fan-out half of the stages: generation lanes and validator batches as Prefect tasks.

On the `ray` target each lane or batch is one task on a Ray worker; the merge runs here, in
batch order, so the result equals the `local` target's whole-frame stage:
- PII: rows are scrubbed one by one with order-free fakes, so batches concatenate exactly;
- dedup: batches return every row's exact key and MinHash signature (`dedup_sketch`), and the
  LSH join over the merged sketches is the single-process one;
- drift: batches return text lengths and per-row word counts (`drift_text`); merged after the
  reference's, they are the features the gate computes from the whole frame.
"""

from __future__ import annotations

import socket
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from generators.runner import GenerationResult
from pipelines.build import BuildState
from pipelines.executor import Executor
from pipelines.lanes import Lane, in_chunk_order, plan_lanes, run_lane
from schemas.config import RunConfig
from validators.dedup_config import DedupConfig
from validators.dedup_sketch import RowSketch, Sketches, merge_sketches, sketch_rows
from validators.drift_text import TextFeatures, TextSummary, merge_summaries, summarise_texts
from validators.pii_config import PIIConfig

_LOCAL_ENGINES = ("vllm", "transformers")
_SPREAD = {"scheduling_strategy": "SPREAD"}  # validator batches: use every node, not the nearest


@task(name="generate-lane", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def generate_lane_task(
    config: RunConfig, trusted: pl.DataFrame, run_dir: Path, lane: Lane
) -> list[GenerationResult]:
    return run_lane(config, trusted, run_dir, lane)


@task(name="pii-scrub-batch", cache_policy=NO_CACHE)
def scrub_batch_task(
    config: PIIConfig, frame: pl.DataFrame, fields: list[str]
) -> tuple[pl.DataFrame, dict[str, Any]]:
    from pipelines.stages import scrubber

    scrubbed, report = scrubber(config).scrub_frame(frame, fields)
    return scrubbed, {**report.model_dump(), "node": node_name()}


@task(name="dedup-sketch-batch", cache_policy=NO_CACHE)
def sketch_batch_task(config: DedupConfig, texts: pl.Series) -> RowSketch:
    from validators.minhash import Signer

    return sketch_rows(texts, Signer(config))


@task(name="drift-summary-batch", cache_policy=NO_CACHE)
def summarise_batch_task(texts: pl.Series) -> TextSummary:
    return summarise_texts(texts.drop_nulls())


def node_name() -> str:
    """The Ray node this task runs on (the host name outside Ray)."""
    try:
        import ray

        if ray.is_initialized():
            return str(ray.get_runtime_context().get_node_id())
    except ImportError:
        pass
    return socket.gethostname()


def row_batches(n: int, size: int) -> list[tuple[int, int]]:
    """(offset, length) slices of `size` rows: fixed by the data and config, not by workers."""
    return [(lo, min(size, n - lo)) for lo in range(0, n, size)]


def generate_in_lanes(
    config: RunConfig, state: BuildState, executor: Executor
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
        {"config": config, "trusted": state.trusted, "run_dir": state.run_dir, "lane": lane}
        for lane in lanes
    ]
    results = executor.map(generate_lane_task, calls, threads=len(lanes), resources=resources)
    return in_chunk_order(lanes, results)


def scrub_in_batches(state: BuildState, executor: Executor) -> None:
    """`stages.scrub_stage`, one task per `execution.batch_rows` records."""
    frame = state.accepted
    assert frame is not None
    n = frame.height
    if not (state.config.build.pii and n):
        from pipelines.stages import scrub_stage

        scrub_stage(state)
        return
    calls = [
        {"config": state.config.pii, "frame": frame.slice(lo, k), "fields": state.text_fields}
        for lo, k in row_batches(n, state.config.execution.batch_rows)
    ]
    parts = executor.map(scrub_batch_task, calls, resources=_SPREAD)
    state.accepted = pl.concat([scrubbed for scrubbed, _ in parts])
    by_field: dict[str, Counter[str]] = {f: Counter() for f in state.text_fields}
    by_type: Counter[str] = Counter()
    for _, report in parts:
        by_type.update(report["totals"])
        for field, counts in report["counts"].items():
            by_field[field].update(counts)
    state.report["pii"] = {
        "rows_changed": sum(report["rows_changed"] for _, report in parts),
        "by_type": dict(sorted(by_type.items())),
        "by_field": {f: dict(sorted(c.items())) for f, c in by_field.items()},
        "batches": len(parts),
        "nodes": len({report["node"] for _, report in parts}),
    }
    state.record_stage("pii", n, n)


def sketch_in_batches(state: BuildState, executor: Executor) -> Sketches | None:
    """MinHash sketches of the accepted records, one task per `execution.batch_rows` records."""
    from pipelines.stages import dedup_settings
    from validators.dedup import text_column

    frame = state.accepted
    assert frame is not None
    if frame.height == 0:
        return None
    config, _reference = dedup_settings(state)
    texts = text_column(frame, config, "input")
    calls = [
        {"config": config, "texts": texts.slice(lo, k)}
        for lo, k in row_batches(texts.len(), state.config.execution.batch_rows)
    ]
    return merge_sketches(executor.map(sketch_batch_task, calls, resources=_SPREAD))


def text_features_in_batches(state: BuildState, executor: Executor) -> dict[str, TextFeatures]:
    """The drift gate's text features, from per-batch summaries merged after the reference's."""
    from pipelines.stages import drift_columns, reference_frame

    frame = state.accepted
    assert frame is not None
    if not state.config.build.drift or frame.height == 0:
        return {}
    reference = reference_frame(state)
    fields = [f for f in drift_columns(state) if f in state.text_fields]
    batches = row_batches(frame.height, state.config.execution.batch_rows)
    calls = [{"texts": frame[f].slice(lo, k)} for f in fields for lo, k in batches]
    parts = executor.map(summarise_batch_task, calls, resources=_SPREAD)
    features = {}
    for i, field in enumerate(fields):
        first = summarise_texts(reference[field].drop_nulls())
        own = parts[i * len(batches) : (i + 1) * len(batches)]
        features[field] = merge_summaries(
            [first, *own], first.chars.size, state.config.drift.max_vocabulary
        )
    return features
