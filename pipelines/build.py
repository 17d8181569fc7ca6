"""The build, as plain functions: prepare → generate in chunks → (stages) → reconcile → manifest.

Each function here works without Prefect; `pipelines.flow` wraps them as thin tasks. A run folder
holds the teacher cache, so a build killed at any point and run again pays only for what is missing,
and writes the same records as an uninterrupted build with the same seed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from generators.base import Generator
from generators.cache import TeacherCache
from generators.runner import GenerationResult, GenerationRun
from generators.teachers import Teacher
from pipelines.config import RunConfig
from pipelines.generate import CACHE_FILE, build_generator, package_versions
from pipelines.records_frame import records_to_frame
from pipelines.state import BuildReport, BuildState
from pipelines.trusted import read_trusted, scrub_trusted
from schemas.errors import ConfigError


def prepare(config: RunConfig, run_dir: Path) -> tuple[BuildState, Generator]:
    """Load the trusted sample, scrub it before any row can reach a prompt, build the generator.

    Every check on the config and the data runs before the run folder is made.
    """
    raw = read_trusted(config)
    least = config.drift.min_reference_rows
    if config.build.drift and raw.height < least:
        raise ConfigError(
            f"{config.data.trusted}: the trusted sample has {raw.height} rows; the drift gate needs "
            f"at least {least} to tell drift from chance (add rows, set drift.min_reference_rows, "
            "or build.drift: false)"
        )
    trusted, trusted_pii = scrub_trusted(config, raw)
    generator = build_generator(config, trusted)
    roles = generator.roles()
    fit_rows, gate_rows = _split(config, trusted, roles.label_field, generator)
    payload_fields = list(generator.output_model().model_fields)
    report = BuildReport(
        name=config.name,
        run_dir=str(run_dir),
        seed=config.seed,
        config_hash=config.config_hash(),
        roles=asdict(roles),
        trusted_pii=trusted_pii,
        trusted_pii_skipped=None if trusted_pii else "build.pii is false",
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    state = BuildState(config, run_dir, trusted, roles, payload_fields, report)
    state.fit_rows, state.gate_rows = fit_rows, gate_rows
    if fit_rows is not None:  # prompts see the fit rows only; the gate grades on the others
        generator = build_generator(config, state.prompt_rows())
    return state, generator


def _split(
    config: RunConfig, trusted: Any, label_field: str | None, generator: Generator
) -> tuple[list[int] | None, list[int] | None]:
    """Fit and gate rows of the trusted sample, when a label check or a selection is fitted.

    Checked before anything is made: the gate still needs `drift.min_reference_rows` rows."""
    from validators.fidelity.split import split_rows

    labelled = label_field is not None and config.fidelity.label_check.enabled
    if not (labelled or config.fidelity.selection.oversample > 1.0):
        return None, None
    column = generator.roles().trusted_columns.get(label_field or "", None)
    labels = trusted[column].to_list() if column and column in trusted.columns else None
    fit, gate = split_rows(labels, trusted.height, config.fidelity.fit_share, config.seed)
    least = config.drift.min_reference_rows
    if config.build.drift and len(gate) < least:
        raise ConfigError(
            f"{config.data.trusted}: {trusted.height} trusted rows leave {len(gate)} for the "
            f"drift gate after {len(fit)} fit the label check and selection; the gate needs "
            f"{least} (add rows, lower fidelity.fit_share, or turn off "
            "fidelity.label_check.enabled and fidelity.selection)"
        )
    return fit, gate


def generate_chunk(
    generator: Generator,
    teacher: Teacher,
    config: RunConfig,
    run_dir: Path,
    start: int,
    count: int,
    progress: Any = None,
) -> GenerationResult:
    """One chunk of records, through the run folder's teacher cache (committed per teacher call)."""
    cache = TeacherCache(run_dir / CACHE_FILE)
    try:
        run = GenerationRun(
            generator,
            teacher,
            cache,
            seed=config.seed,
            settings=config.teacher,
            progress=progress,
        )
        return run.run(start, count)
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
                "spare_attempts": s.spare_attempts,
                "tokens_in": s.tokens_in,
                "tokens_out": s.tokens_out,
                "http_requests": s.http_requests,
                "http_retries": s.http_retries,
            }
        )
    requested = sum(res.stats.requested for res in results)
    state.accepted = records_to_frame(records)
    state.rejections.extend(rejections)
    state.record_stage("generate", requested, len(records))
    state.report.generation = {
        "teacher": {
            "kind": teacher.kind,
            "model": teacher.model_id,
            "weights_hash": teacher.weights_hash,
            "calls": totals["calls"],
            "batches": totals["batches"],
            "cache_hits": totals["cache_hits"],
            "http_requests": totals["http_requests"],
            # HTTP requests repeated by the client (backoff, Retry-After, malformed answers)
            "retries": totals["http_retries"],
        },
        "tokens": {"in": totals["tokens_in"], "out": totals["tokens_out"]},
        "retries": totals["retries"],
        # retries sent ahead with their later attempts whose answers were not needed
        "spare_attempts": totals["spare_attempts"],
        "rejected_by_reason": dict(reasons),
    }


def reconcile(state: BuildState) -> dict[str, int]:
    """requested = accepted + rejected, overall and per stage; raises if they ever disagree."""
    stages = state.report.stages
    requested = stages["generate"].in_
    accepted = 0 if state.accepted is None else state.accepted.height
    rejected = len(state.rejections)
    per_stage = Counter(r.stage.value for r in state.rejections)
    for name, s in stages.items():
        if name in per_stage and per_stage[name] != s.rejected:
            raise RuntimeError(
                f"stage {name}: {s.rejected} dropped but {per_stage[name]} rejections"
            )
    if requested != accepted + rejected:
        raise RuntimeError(f"counts do not reconcile: {requested} != {accepted} + {rejected}")
    return {"requested": requested, "accepted": accepted, "rejected": rejected}


def close_counts(state: BuildState) -> None:
    """Reconcile, then put the final counts and rejection tallies into the report."""
    counts = reconcile(state)
    report = state.report
    report.counts = counts
    report.rejected_by_reason = dict(
        sorted(Counter(r.reason.value for r in state.rejections).items())
    )
    report.rejected_by_stage = dict(Counter(r.stage.value for r in state.rejections))
    state.record_stage("write", counts["accepted"], counts["accepted"])


def base_manifest(state: BuildState, generator: Generator) -> dict[str, Any]:
    c = state.config
    report = state.report
    return {
        "name": c.name,
        "config_hash": c.config_hash(),
        "config_path": str(c.source) if c.source else None,
        "seed": c.seed,
        "n": c.n,
        "generator": {"name": generator.name, "version": generator.version},
        "generator_version": generator.version,
        "versions": package_versions(),
        **report.generation,
        "counts": {**report.counts, "rejected_by_reason": report.rejected_by_reason},
        "published": report.published,
    }
