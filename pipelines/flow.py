"""The Prefect `build_dataset` flow: thin tasks around `pipelines.build` and `pipelines.stages`.

One build: prepare → generate (n x oversample) → scrub → dedup → label check → selection (keep
n) → drift gate (on the gate rows) → write (unpublished) → fine-tune and
evaluate → export (when configured) → publish. Each validation stage runs through
`executor.run_stage`, the same on the `local` and `ray` targets. The dataset is on disk before
the fine-tune starts, so a fine-tune that fails leaves a complete, unpublished dataset and a
report that says why.

Retries only around teacher I/O (the generation chunks). Re-running pays no teacher call twice:
answers live in the run folder's content-addressed teacher cache.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed, State

from generators.base import Generator
from generators.runner import GenerationResult
from generators.teachers import Teacher, make_teacher, release_engines
from pipelines import fidelity, stages
from pipelines.build import base_manifest, close_counts, collect_generation, generate_chunk, prepare
from pipelines.config import RunConfig, load_config
from pipelines.console import stage
from pipelines.executor import Executor, open_executor, run_stage
from pipelines.lanes import generate_in_lanes
from pipelines.outputs import write_outputs, write_reports
from pipelines.prefect_server import detach_temporary_server
from pipelines.report import report_markdown, stage_rows
from pipelines.report_sections import evaluation_rows
from pipelines.state import BuildState
from schemas.errors import GateFailed, SynthmillError, TeacherError
from schemas.stage import spans
from schemas.tables import write_json
from validators.dedup.stage import DedupStage
from validators.pii.stage import ScrubReport

# Before any flow runs: Prefect's temporary API server must outlive the user's Ctrl-C, so that an
# interrupted build is recorded and exits 130 at once (pipelines/prefect_server.py).
detach_temporary_server()


class FinetuneFailed(SynthmillError):
    """The fine-tune or evaluation failed; the dataset was written and is not published."""


@task(name="generate-chunk", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def generate_chunk_task(
    generator: Generator,
    teacher: Teacher,
    config: RunConfig,
    run_dir: Path,
    start: int,
    count: int,
    progress: Callable[[int], None] | None = None,
) -> GenerationResult:
    return generate_chunk(generator, teacher, config, run_dir, start, count, progress)


@task(name="write-outputs", cache_policy=NO_CACHE)
def write_task(state: BuildState, manifest: dict[str, Any]) -> dict[str, Path]:
    return write_outputs(state, manifest)


_FINETUNE_ERRORS = (SynthmillError, RuntimeError, MemoryError, OSError, ValueError)


# log_prints off: datasets fingerprints functions with dill, which reads `dis.dis` output from a
# redirected stdout; Prefect's print capture would log that disassembly instead (as INFO lines).
@task(name="finetune-evaluate", cache_policy=NO_CACHE, log_prints=False)
def finetune_task(state: BuildState) -> SynthmillError | None:
    """Train and evaluate; a failure is recorded in the report and returned, not raised, so the
    build can still say what it wrote (and Prefect logs no traceback for a known failure)."""
    from pipelines.evaluate import evaluate_build

    report = state.report
    try:
        report.evaluation = evaluate_build(state)
    except GateFailed as exc:  # the student missed min_improvement
        report.evaluation = {"gate_failed": str(exc)}
        report.not_published_because = "the student missed min_improvement"
        return exc
    except _FINETUNE_ERRORS as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        report.finetune_error = f"{type(exc).__name__}: {first}"
        report.not_published_because = f"the fine-tune failed ({type(exc).__name__})"
        return FinetuneFailed(
            f"fine-tune failed ({report.finetune_error}); the dataset is complete in "
            f"{state.run_dir} and not published; see {state.run_dir / 'report.md'}"
        )
    return None


@task(name="export-student", cache_policy=NO_CACHE)
def export_task(state: BuildState) -> SynthmillError | None:
    """Write `student.gguf` and score it (`pipelines.export.step`); a failure is returned."""
    from pipelines.export.step import run_export

    return run_export(state)


@task(name="publish", cache_policy=NO_CACHE)
def publish_task(state: BuildState, dedup: DedupStage | None, manifest: dict[str, Any]) -> int:
    """Flip the published flag in every output, then add the kept records to the index."""
    state.report.published = True
    manifest["published"] = True
    write_reports(state, manifest)
    return stages.publish(dedup, state)


def _publish_artifacts(report: dict[str, Any]) -> None:
    create_markdown_artifact(
        report_markdown(report),
        key="build-report",
        description=f"synthmill build report: {report['name']}",
    )
    create_table_artifact(
        stage_rows(report), key="stage-counts", description="records in, out and rejected per stage"
    )
    evaluation = evaluation_rows(report)
    if evaluation:
        create_table_artifact(
            evaluation, key="evaluation", description="models scored on held-out real data"
        )


def _partial_report(
    state: BuildState, results: list[GenerationResult], teacher: Teacher, error: str
) -> None:
    """After a teacher failure: write what finished, so the user sees how far it got."""
    write_json(
        state.run_dir / "report.partial.json",
        {
            "name": state.config.name,
            "status": "failed",
            "error": error,
            "requested": state.config.requests(),
            "finished": sum(r.stats.requested for r in results),
            "accepted_so_far": sum(r.stats.accepted for r in results),
            "teacher": {"kind": teacher.kind, "model": teacher.model_id},
        },
    )


def _generate(
    state: BuildState,
    generator: Generator,
    teacher: Teacher,
    executor: Executor,
    progress: Callable[[int], None] | None,
) -> list[GenerationResult]:
    """All chunks: here with this process's teacher, or across engines or endpoints in lanes."""
    config = state.config
    results: list[GenerationResult] = []
    try:  # (engines > 1 is only valid on ray: the config refuses it on local)
        if executor.target == "ray" or len(config.teacher.endpoints) > 1:
            return generate_in_lanes(config, state.prompt_rows(), state.run_dir, executor)
        for start, count in spans(config.requests(), config.build.chunk_size):
            results.append(
                generate_chunk_task(
                    generator, teacher, config, state.run_dir, start, count, progress
                )
            )
    except TeacherError as exc:
        _partial_report(state, results, teacher, str(exc))
        raise
    return results


def _validate(
    state: BuildState, executor: Executor, index_dir: Path | None
) -> tuple[bool, DedupStage | None]:
    """Scrub, dedup, label check, selection and the drift gate; (may publish, the dedup stage
    holding the publication)."""
    build, rows = state.config.build, state.config.execution.batch_rows
    n = state.frame.height
    if build.pii:
        with stage("scrub", state):
            scrub = run_stage(executor, stages.scrub_stage(state), state.frame, rows)
            stages.apply_scrub(state, scrub)
    else:
        state.report.pii = ScrubReport()
        state.record_stage("pii", n, n)
    dedup: DedupStage | None = None
    if build.dedup:
        with stage("dedup", state):
            dedup = stages.dedup_stage(state, index_dir)
            stages.apply_dedup(state, dedup, run_stage(executor, dedup, state.frame, rows))
    else:
        state.record_stage("dedup", n, n)
    check = fidelity.label_check_stage(state) if state.frame.height else None
    if check is not None:
        with stage("label check", state):
            fidelity.apply_label_check(state, run_stage(executor, check, state.frame, rows))
    select = fidelity.select_stage(state)
    if select is not None:
        with stage("select", state):
            fidelity.apply_select(state, run_stage(executor, select, state.frame, rows))
    state.report.fidelity = fidelity.fidelity_summary(state)
    drift = stages.drift_stage(state) if build.drift and state.frame.height else None
    if drift is None:
        note = "no records left" if build.drift and not state.frame.height else ""
        return stages.apply_drift(state, None, note), dedup
    with stage("drift", state):
        result = run_stage(executor, drift, state.frame, rows)
        verdict = stages.apply_drift(state, result.report)
    return verdict, dedup


def run_build(
    config: RunConfig,
    run_dir: Path,
    *,
    index_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The whole build inside a flow run; returns a summary with the exit code it implies."""
    log = get_run_logger()
    state, generator = prepare(config, run_dir)
    teacher = make_teacher(config.teacher)
    with open_executor(config.execution) as executor:
        state.report.execution = executor.describe()
        log.info("execution: %s", state.report.execution)
        with stage("generate", state, total=config.requests()) as advance:
            results = _generate(state, generator, teacher, executor, progress or advance)
            collect_generation(state, results, teacher)
        log.info("generated %d of %d", state.frame.height, config.requests())
        passed, dedup = _validate(state, executor, index_dir)
    close_counts(state)
    report = state.report
    if not passed:
        report.not_published_because = f"drift gate verdict '{(report.drift or {}).get('verdict')}'"
    manifest = base_manifest(state, generator)
    with stage("write", state):
        write_task(state, manifest)  # the whole dataset, published: false
    failure: SynthmillError | None = None
    if passed and config.build.finetune:
        teacher.close()  # the fine-tune gets the teacher's memory (an in-process engine too)
        if release_engines():
            log.info("teacher engine shut down: the fine-tune gets its memory")
        with stage("evaluate", state):  # the fine-tune shows itself (console.trainer_callbacks)
            failure = finetune_task(state)
        if failure is None and config.export is not None:
            with stage("export", state):
                failure = export_task(state)
        write_reports(state, manifest)
    if passed and failure is None:
        with stage("publish", state):
            publish_task(state, dedup, manifest)
    _publish_artifacts(report.to_json())
    log.info(
        "build %s: %d accepted, published=%s",
        config.name,
        report.counts["accepted"],
        report.published,
    )
    if not passed:
        raise GateFailed(f"drift gate failed; report in {run_dir / 'report.md'}, not published")
    if failure is not None:
        raise failure
    return {"run_dir": str(run_dir), "counts": report.counts, "published": report.published}


@flow(name="build-dataset", log_prints=True)
def build_dataset(
    config: str,
    out: str | None = None,
    n: int | None = None,
    seed: int | None = None,
    schedule_root: str | None = None,
    target: str | None = None,
    address: str | None = None,
) -> dict[str, Any] | State:
    """Build a validated synthetic dataset from a run config (YAML path).

    One-off builds write to `out` (default `runs/<name>`). Scheduled builds pass `schedule_root`:
    each run gets a new dated folder below it, a seed offset by the runs before it, and the
    root's published index, so no run re-publishes an earlier run's records.
    """
    given = {"n": n, "seed": seed, "execution.target": target, "execution.address": address}
    cfg = load_config(config, {k: v for k, v in given.items() if v is not None})
    root = Path(schedule_root) if schedule_root is not None else None
    if root is None:
        run_dir = Path(out) if out else Path("runs") / cfg.name
    else:
        from pipelines.history import next_scheduled_run

        run_dir, cfg = next_scheduled_run(root, cfg)
    try:
        summary = run_build(cfg, run_dir, index_dir=root / "published-index" if root else None)
    except SynthmillError as exc:
        if root is not None:
            from pipelines.history import append_history

            append_history(root, run_dir, error=str(exc))
        # A failed state, not a raised exception: the run is marked failed and calling the flow
        # still raises `exc`, but Prefect logs one line instead of a traceback.
        return Failed(message=str(exc), data=exc)
    if root is not None:
        from pipelines.history import append_history

        append_history(root, run_dir)
    return summary
