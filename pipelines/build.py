"""The build, as plain functions: generate in chunks → scrub → dedup → drift gate → write.

Each function here works without Prefect; `pipelines.flow` wraps them as thin tasks. A run folder
holds the teacher cache, so a build killed at any point and run again pays only for what is missing,
and writes the same records as an uninterrupted build with the same seed.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from generators.base import Generator
from generators.cache import TeacherCache
from generators.runner import GenerationResult, GenerationRun
from generators.teachers import Teacher
from pipelines.generate import CACHE_FILE, build_generator, load_trusted, package_versions
from pipelines.records_frame import records_to_frame
from schemas.config import RunConfig
from schemas.rejection import Rejection


@dataclass
class BuildState:
    """What the stages pass on: the current accepted frame, all rejections, counts per stage."""

    config: RunConfig
    run_dir: Path
    trusted: pl.DataFrame
    payload_fields: list[str]
    text_fields: list[str]
    label_field: str | None
    accepted: pl.DataFrame | None = None
    rejections: list[Rejection] = field(default_factory=list)
    stages: dict[str, dict[str, int]] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    generation: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def record_stage(self, name: str, n_in: int, n_out: int) -> None:
        self.stages[name] = {"in": n_in, "out": n_out, "rejected": n_in - n_out}


def prepare(config: RunConfig, run_dir: Path) -> tuple[BuildState, Generator]:
    """Load the trusted sample, scrub it before any row can reach a prompt, build the generator."""
    from pipelines.stages import scrub_trusted

    run_dir.mkdir(parents=True, exist_ok=True)
    trusted = load_trusted(config)
    trusted, trusted_pii = scrub_trusted(config, trusted)
    generator = build_generator(config, trusted)
    model = generator.output_model()
    payload_fields = list(model.model_fields)
    label_field = "label" if "label" in payload_fields else None
    text_fields = [f for f in payload_fields if f != label_field and f != "messages"]
    state = BuildState(config, run_dir, trusted, payload_fields, text_fields, label_field)
    state.report["trusted_pii"] = trusted_pii
    return state, generator


def chunks(n: int, size: int) -> list[tuple[int, int]]:
    """(start, count) pairs covering [0, n): fixed by n and size, never by timing."""
    return [(start, min(size, n - start)) for start in range(0, n, size)]


def generate_chunk(
    generator: Generator,
    teacher: Teacher,
    run_dir: Path,
    seed: int,
    start: int,
    count: int,
    progress: Any = None,
) -> GenerationResult:
    """One chunk of records, through the run folder's teacher cache (committed per batch)."""
    cache = TeacherCache(run_dir / CACHE_FILE)
    try:
        return GenerationRun(generator, teacher, cache, seed=seed, progress=progress).run(
            start, count
        )
    finally:
        cache.close()


def collect_generation(
    state: BuildState, results: list[GenerationResult], teacher: Teacher
) -> None:
    """Merge chunk results into the state; count calls, hits, tokens and reasons."""
    records = [r for res in results for r in res.records]
    rejections = [r for res in results for r in res.rejections]
    reasons: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for res in results:
        reasons.update(res.stats.by_reason)
        s = res.stats
        totals.update(
            {
                "calls": s.teacher_calls,
                "batches": s.teacher_batches,
                "cache_hits": s.cache_hits,
                "retries": s.retries,
                "tokens_in": s.tokens_in,
                "tokens_out": s.tokens_out,
            }
        )
    requested = sum(res.stats.requested for res in results)
    state.accepted = records_to_frame(records)
    state.rejections.extend(rejections)
    state.record_stage("generate", requested, len(records))
    state.generation = {
        "teacher": {
            "kind": teacher.kind,
            "model": teacher.model_id,
            "weights_hash": teacher.weights_hash,
            "calls": totals["calls"],
            "batches": totals["batches"],
            "cache_hits": totals["cache_hits"],
        },
        "tokens": {"in": totals["tokens_in"], "out": totals["tokens_out"]},
        "retries": totals["retries"],
        "rejected_by_reason": dict(reasons),
    }


def reconcile(state: BuildState) -> dict[str, Any]:
    """requested = accepted + rejected, overall and per stage; raises if they ever disagree."""
    requested = state.stages["generate"]["in"]
    accepted = 0 if state.accepted is None else state.accepted.height
    rejected = len(state.rejections)
    per_stage = Counter(r.stage.value for r in state.rejections)
    for name, s in state.stages.items():
        if name in per_stage and per_stage[name] != s["rejected"]:
            raise RuntimeError(
                f"stage {name}: {s['rejected']} dropped but {per_stage[name]} rejections"
            )
    if requested != accepted + rejected:
        raise RuntimeError(f"counts do not reconcile: {requested} != {accepted} + {rejected}")
    return {"requested": requested, "accepted": accepted, "rejected": rejected}


def base_manifest(state: BuildState, generator: Generator) -> dict[str, Any]:
    c = state.config
    return {
        "name": c.name,
        "config_hash": c.config_hash(),
        "config_path": str(c.source) if c.source else None,
        "seed": c.seed,
        "n": c.n,
        "generator": {"name": generator.name, "version": generator.version},
        "generator_version": generator.version,
        "versions": package_versions(),
        **state.generation,
    }
