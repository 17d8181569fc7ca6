"""The build's validation stages, made from the build state and applied back to it.

Order is fixed: PII scrub (replaces values, rejects nothing) → dedup (exact, near, leak of the
trusted sample, published before) → drift gate (judges the whole set). Each is a
`schemas.stage.BatchStage` from `validators`, run by `pipelines.executor` on either target; this
module only says which fields each stage reads, from the generator's `Roles`.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.state import BuildState
from schemas.stage import StageResult
from validators.dedup.index import FileIndex, PublishedIndex, open_index
from validators.dedup.stage import DedupReport, DedupStage
from validators.drift.report import DriftReport
from validators.drift.stage import DriftStage
from validators.pii.stage import ScrubReport, ScrubStage


def scrub_stage(state: BuildState) -> ScrubStage:
    """Scrub the generator's text fields."""
    return ScrubStage(state.config.pii, state.roles.text_fields)


def apply_scrub(state: BuildState, result: StageResult[ScrubReport]) -> None:
    n = state.frame.height
    state.keep(result.kept)
    state.report.pii = result.report
    state.record_stage("pii", n, result.kept.height)


def dedup_stage(state: BuildState, index_dir: Path | None = None) -> DedupStage:
    """Dedup on the text fields; the leak check compares those the trusted sample also has.

    A text field with no trusted column is still deduplicated; the report says the leak check
    does not cover it, so no check is ever switched off silently.
    """
    reference = state.reference()
    texts = list(state.roles.text_fields)
    shared = [f for f in texts if f in reference.columns]
    # the build's records are named by `id`: rejections must carry it to join their payloads
    cfg = state.config.dedup.model_copy(update={"fields": tuple(shared or texts), "id_field": "id"})
    index: PublishedIndex | None = (
        FileIndex(cfg, index_dir) if index_dir is not None else open_index(cfg)
    )
    return DedupStage(cfg, reference if shared else None, index)


def apply_dedup(state: BuildState, stage: DedupStage, result: StageResult[DedupReport]) -> None:
    n = state.frame.height
    state.keep(result.kept)
    state.rejections.extend(result.rejections)
    state.record_stage("dedup", n, result.kept.height)
    summary = dict(result.report.summary) if result.report else {}
    reference = state.reference()
    summary["leak_check_fields"] = list(stage.config.fields) if stage.reference is not None else []
    uncovered = [f for f in state.roles.text_fields if f not in reference.columns]
    if uncovered:
        summary["leak_check_not_covered"] = uncovered
    state.report.dedup = summary


def drift_stage(state: BuildState) -> DriftStage | None:
    """The drift gate over the payload fields the trusted sample maps (None when it maps none),
    against the gate rows (all trusted rows when nothing was fitted on them)."""
    reference = state.reference_part("gate").drop("id")
    if not reference.columns:
        return None
    roles = state.roles
    cfg = state.config.drift.model_copy(
        update={
            "label_field": roles.label_field if roles.label_field in reference.columns else None,
            "text_fields": tuple(f for f in roles.text_fields if f in reference.columns),
        }
    )
    return DriftStage(cfg, reference, cfg.text_fields)


def apply_drift(state: BuildState, report: DriftReport | None, note: str = "") -> bool:
    """Record the drift verdict and its plots; True when the build may go on to publish."""
    from validators.drift.plots import write_plots

    n = state.frame.height
    state.record_stage("drift", n, n)
    fail_on_drift = state.config.drift.fail_on_drift
    if report is None:
        verdict = "skipped" if not state.config.build.drift or not n else "fail"
        state.report.drift = {"verdict": verdict, "checks": [], "notes": [note] if note else []}
        return verdict == "skipped" or not fail_on_drift
    plots = write_plots(report, state.run_dir / "plots")
    data = report.model_dump(mode="json")
    data["plots"] = [str(Path(p).relative_to(state.run_dir)) for p in plots]
    state.report.drift = data
    return report.verdict == "pass" or not fail_on_drift


def publish(stage: DedupStage | None, state: BuildState) -> int:
    """Remember the published records, so later runs never publish them again."""
    if stage is None or stage.index is None or stage.publication is None:
        return 0
    keys, signatures, texts = stage.publication
    return int(stage.index.add(keys, signatures, texts)) if keys else 0
