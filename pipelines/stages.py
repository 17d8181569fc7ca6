"""The validation stages of a build, on `BuildState`: scrub, dedup, drift gate, fine-tune.

Order is fixed: PII scrub (replaces values, rejects nothing) → dedup (exact, near, leak of the
trusted sample, published before) → drift gate (judges the whole set) → fine-tune and evaluate.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.build import BuildState
from schemas.config import RunConfig
from validators.dedup_config import DedupConfig
from validators.dedup_sketch import Sketches
from validators.pii_config import PIIConfig

_SCRUBBERS: dict[str, Any] = {}


def scrubber(config: PIIConfig) -> Any:
    """One presidio engine per PII config per process (building it loads spaCy)."""
    from validators.pii import PIIScrubber

    key = config.model_dump_json()
    if key not in _SCRUBBERS:
        _SCRUBBERS[key] = PIIScrubber(config)
    return _SCRUBBERS[key]


def _trusted_text_fields(config: RunConfig) -> list[str]:
    d = config.data
    if config.generator == "instruction":
        return [d.instruction_field, d.response_field]
    return [d.text_field]


def scrub_trusted(config: RunConfig, trusted: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Scrub the trusted sample's text before any row can reach a teacher prompt."""
    if not config.build.pii:
        return trusted, {"skipped": "pii.enabled is false"}
    frame, report = scrubber(config.pii).scrub_frame(trusted, _trusted_text_fields(config))
    return frame, {"rows_changed": report.rows_changed, "by_type": report.totals}


def scrub_stage(state: BuildState) -> None:
    """Replace PII in generated records; counts by type and field go to the report."""
    frame = state.accepted
    assert frame is not None
    n = frame.height
    if state.config.build.pii and n:
        frame, report = scrubber(state.config.pii).scrub_frame(frame, state.text_fields)
        state.accepted = frame
        state.report["pii"] = {
            "rows_changed": report.rows_changed,
            "by_type": report.totals,
            "by_field": report.counts,
        }
    else:
        state.report["pii"] = {"rows_changed": 0, "by_type": {}, "by_field": {}}
    state.record_stage("pii", n, n)


def reference_frame(state: BuildState) -> pl.DataFrame:
    """The trusted sample with the payload's column names and ids `trusted-<row>`."""
    d = state.config.data
    mapping = {d.text_field: "text", d.label_field: "label"}
    if state.config.generator == "instruction":
        mapping = {d.instruction_field: "instruction", d.response_field: "response"}
    frame = state.trusted.select([pl.col(src).alias(dst) for src, dst in mapping.items()])
    ids = [f"trusted-{i + 1:06d}" for i in range(frame.height)]
    return frame.with_columns(pl.Series("id", ids))


@dataclass
class PendingPublication:
    """Kept records to add to the published index once the build is published."""

    index: Any
    keys: list[str]
    signatures: Any


def dedup_settings(state: BuildState) -> tuple[DedupConfig, pl.DataFrame | None]:
    """The dedup config for this build's fields, and the trusted reference for the leak check.

    The leak check compares the text fields the trusted sample also has.
    """
    reference = reference_frame(state)
    shared = [f for f in state.text_fields if f in reference.columns]
    fields = shared or state.text_fields
    cfg = state.config.dedup.model_copy(update={"fields": tuple(fields)})
    return cfg, (reference if shared else None)


def dedup_stage(
    state: BuildState, index_dir: Path | None, sketches: Sketches | None = None
) -> PendingPublication | None:
    """Exact and near duplicates, leaks of the trusted sample, records published before.

    `sketches` of the accepted records' text, made batch by batch elsewhere, skip that step.
    """
    from validators.dedup import dedup_frame
    from validators.dedup_index import FileIndex, open_index

    frame = state.accepted
    assert frame is not None
    cfg, reference = dedup_settings(state)
    index = FileIndex(cfg, index_dir) if index_dir is not None else open_index(cfg)
    n = frame.height
    if n == 0:
        state.record_stage("dedup", 0, 0)
        state.report["dedup"] = {}
        return None
    result = dedup_frame(frame, cfg, reference=reference, index=index, sketches=sketches)
    state.accepted = result.kept
    state.rejections.extend(result.rejections)
    state.record_stage("dedup", n, result.kept.height)
    state.report["dedup"] = result.report
    if index is None:
        return None
    return PendingPublication(index, list(result.kept_keys), result.kept_signatures)


def publish(pending: PendingPublication | None, state: BuildState) -> int:
    """Remember the published records, so later runs never publish them again."""
    if pending is None or not pending.keys:
        return 0
    return int(pending.index.add(pending.keys, pending.signatures))


def drift_columns(state: BuildState) -> list[str]:
    """The payload columns the drift gate compares: those both sets have."""
    frame = state.accepted
    assert frame is not None
    reference = reference_frame(state)
    return [
        c
        for c in ("text", "label", "instruction", "response")
        if c in frame.columns and c in reference.columns
    ]


def drift_stage(state: BuildState, features: dict[str, Any] | None = None) -> bool:
    """Judge the accepted set against the trusted sample; True when the build may publish.

    `features` of text fields, merged from per-batch summaries, skip computing them here.
    """
    from validators.drift import drift_report
    from validators.drift_plots import write_plots

    frame = state.accepted
    assert frame is not None
    n = frame.height
    state.record_stage("drift", n, n)
    if not state.config.build.drift:
        state.report["drift"] = {"verdict": "skipped", "checks": []}
        return True
    if n == 0:
        state.report["drift"] = {"verdict": "fail", "checks": [], "notes": ["no records left"]}
        return not state.config.drift.fail_on_drift
    columns = drift_columns(state)
    reference = reference_frame(state).select(columns)
    cfg = state.config.drift
    if state.label_field is not None:
        cfg = cfg.model_copy(
            update={"label_field": state.label_field, "text_fields": tuple(state.text_fields)}
        )
    report = drift_report(reference, frame.select(columns), cfg, features)
    plots = write_plots(report, state.run_dir / "plots")
    data = report.model_dump(mode="json")
    data["plots"] = [str(Path(p).relative_to(state.run_dir)) for p in plots]
    state.report["drift"] = data
    return report.verdict == "pass" or not cfg.fail_on_drift


def finetune_stage(state: BuildState) -> dict[str, Any]:
    """QLoRA-train the student on the accepted records and score base vs student on held-out."""
    from pipelines.evaluate import evaluate_build

    return evaluate_build(state)


def partial_report(state: BuildState, results: list[Any], teacher: Any, error: str) -> None:
    """After a teacher failure: write what finished, so the user sees how far it got."""
    from schemas.tables import write_json

    done = sum(r.stats.requested for r in results)
    write_json(
        state.run_dir / "report.partial.json",
        {
            "name": state.config.name,
            "status": "failed",
            "error": error,
            "requested": state.config.n,
            "finished": done,
            "accepted_so_far": sum(r.stats.accepted for r in results),
            "teacher": {"kind": teacher.kind, "model": teacher.model_id},
        },
    )


def finish_report(state: BuildState, counts: dict[str, Any], published: bool) -> None:
    c = state.config
    reasons = Counter(r.reason.value for r in state.rejections)
    drift = state.report.get("drift") or {}
    state.report.update(
        {
            "name": c.name,
            "run_dir": str(state.run_dir),
            "seed": c.seed,
            "config_hash": c.config_hash(),
            "counts": counts,
            "stages": state.stages,
            "rejected_by_reason": dict(sorted(reasons.items())),
            "rejected_by_stage": dict(Counter(r.stage.value for r in state.rejections)),
            "generation": state.generation,
            "published": published,
            "not_published_because": ""
            if published
            else (
                f"drift gate verdict '{drift.get('verdict', '?')}'"
                if drift.get("verdict") == "fail"
                else "the student missed min_improvement"
            ),
        }
    )
    state.stages["write"] = {"in": counts["accepted"], "out": counts["accepted"], "rejected": 0}
