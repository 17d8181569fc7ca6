"""The Prefect `build_dataset` flow: thin tasks around `pipelines.build` and `pipelines.stages`.

Retries only around teacher I/O (the generation chunks). Re-running pays no teacher call twice:
answers live in the run folder's content-addressed teacher cache, which is what the
generation task's caching is keyed by.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from generators.teachers import make_teacher
from pipelines import stages
from pipelines.build import (
    BuildState,
    base_manifest,
    chunks,
    collect_generation,
    generate_chunk,
    prepare,
    reconcile,
)
from pipelines.executor import Executor, open_executor
from pipelines.outputs import write_outputs
from pipelines.parallel import (
    generate_in_lanes,
    scrub_in_batches,
    sketch_in_batches,
    text_features_in_batches,
)
from pipelines.report import report_markdown, stage_rows
from schemas.config import RunConfig, load_config
from schemas.errors import GateFailed, SynthmillError, TeacherError


@task(name="generate-chunk", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def generate_chunk_task(
    generator: Any,
    teacher: Any,
    run_dir: Path,
    seed: int,
    start: int,
    count: int,
    progress: Any = None,
) -> Any:
    return generate_chunk(generator, teacher, run_dir, seed, start, count, progress)


@task(name="pii-scrub", cache_policy=NO_CACHE)
def scrub_task(state: BuildState) -> None:
    stages.scrub_stage(state)


@task(name="dedup", cache_policy=NO_CACHE)
def dedup_task(state: BuildState, index_dir: Path | None, sketches: Any = None) -> Any:
    return stages.dedup_stage(state, index_dir, sketches)


@task(name="drift-gate", cache_policy=NO_CACHE)
def drift_task(state: BuildState, features: Any = None) -> bool:
    return stages.drift_stage(state, features)


@task(name="write-outputs", cache_policy=NO_CACHE)
def write_task(state: BuildState, manifest: dict[str, Any]) -> dict[str, Path]:
    return write_outputs(state, manifest)


@task(name="finetune-evaluate", cache_policy=NO_CACHE)
def finetune_task(state: BuildState) -> dict[str, Any]:
    return stages.finetune_stage(state)


def _publish_artifacts(report: dict[str, Any]) -> None:
    create_markdown_artifact(
        report_markdown(report),
        key="build-report",
        description=f"synthmill build report: {report['name']}",
    )
    create_table_artifact(
        stage_rows(report), key="stage-counts", description="records in, out and rejected per stage"
    )


def _generate(
    config: RunConfig,
    state: BuildState,
    generator: Any,
    teacher: Any,
    executor: Executor,
    progress: Any,
) -> list[Any]:
    """All chunks: here with this process's teacher, or across engines or endpoints in lanes."""
    results: list[Any] = []
    try:  # (engines > 1 is only valid on ray: the config refuses it on local)
        if executor.target == "ray" or len(config.teacher.endpoints) > 1:
            return generate_in_lanes(config, state, executor)
        for start, count in chunks(config.n, config.build.chunk_size):
            results.append(
                generate_chunk_task(
                    generator, teacher, state.run_dir, config.seed, start, count, progress
                )
            )
    except TeacherError as exc:
        stages.partial_report(state, results, teacher, str(exc))
        raise
    return results


def run_build(
    config: RunConfig, run_dir: Path, *, index_dir: Path | None = None, progress: Any = None
) -> dict[str, Any]:
    """The whole build inside a flow run; returns a summary with the exit code it implies."""
    log = get_run_logger()
    state, generator = prepare(config, run_dir)
    teacher = make_teacher(config.teacher)
    with open_executor(config.execution) as executor:
        state.report["execution"] = executor.describe()
        log.info("execution: %s", state.report["execution"])
        results = _generate(config, state, generator, teacher, executor, progress)
        collect_generation(state, results, teacher)
        log.info(
            "generated %d of %d",
            state.accepted.height if state.accepted is not None else 0,
            config.n,
        )
        if executor.target == "local":
            scrub_task(state)
            sketches = None
        else:
            scrub_in_batches(state, executor)
            sketches = sketch_in_batches(state, executor)
        index = dedup_task(state, index_dir, sketches)
        features = None if executor.target == "local" else text_features_in_batches(state, executor)
    passed = drift_task(state, features)
    student_gate: GateFailed | None = None
    if passed and config.build.finetune:
        try:
            state.report["evaluation"] = finetune_task(state)
        except GateFailed as exc:  # the student missed min_improvement: still write everything
            student_gate = exc
            state.report["evaluation"] = {"gate_failed": str(exc)}
    counts = reconcile(state)
    published = passed and student_gate is None
    stages.finish_report(state, counts, published)
    manifest = base_manifest(state, generator)
    manifest["counts"] = {**counts, "rejected_by_reason": state.report["rejected_by_reason"]}
    write_task(state, manifest)
    if published and index is not None:
        stages.publish(index, state)
    _publish_artifacts(state.report)
    log.info("build %s: %d accepted, published=%s", config.name, counts["accepted"], published)
    if not passed:
        raise GateFailed(f"drift gate failed; report in {run_dir / 'report.md'}, not published")
    if student_gate is not None:
        raise student_gate
    return {"run_dir": str(run_dir), "counts": counts, "published": published}


@flow(name="build-dataset", log_prints=True)
def build_dataset(
    config: str,
    out: str | None = None,
    n: int | None = None,
    seed: int | None = None,
    schedule_root: str | None = None,
    target: str | None = None,
    address: str | None = None,
) -> dict[str, Any]:
    """Build a validated synthetic dataset from a run config (YAML path).

    One-off builds write to `out` (default `runs/<name>`). Scheduled builds pass `schedule_root`:
    each run gets a new dated folder below it, a seed offset by the runs before it, and the
    root's published index, so no run re-publishes an earlier run's records.
    """
    overrides: dict[str, Any] = {}
    if n is not None:
        overrides["n"] = n
    if seed is not None:
        overrides["seed"] = seed
    if target is not None:
        overrides["execution.target"] = target
    if address is not None:
        overrides["execution.address"] = address
    cfg = load_config(config, overrides)
    if schedule_root is not None:
        from pipelines.history import next_scheduled_run

        root = Path(schedule_root)
        run_dir, cfg = next_scheduled_run(root, cfg)
        try:
            summary = run_build(cfg, run_dir, index_dir=root / "published-index")
        except SynthmillError as exc:
            from pipelines.history import append_history

            append_history(root, run_dir, error=str(exc))
            raise
        from pipelines.history import append_history

        append_history(root, run_dir)
        return summary
    run_dir = Path(out) if out else Path("runs") / cfg.name
    return run_build(cfg, run_dir)
