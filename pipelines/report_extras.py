"""What `write_outputs` / `write_reports` add for a reader: sample records (scrubbed), the
evaluation's plots and the adapter's model card.

Accepted samples come from the accepted frame, which the PII stage scrubbed. A rejection's
`raw_output` and `detail` can hold the teacher's text from before the scrub (a record rejected
at generation never reached it), so they are scrubbed here with the run's PII config, or left
out when the run does not scrub.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any

import polars as pl

from pipelines.model_card import write_model_card
from pipelines.report_plots import evaluation_plots
from pipelines.report_sections import held_out
from pipelines.state import BuildState
from schemas.errors import SynthmillError
from schemas.rejection import WITHHELD

PER_GROUP = 5
_MAX_CHARS = 300
log = logging.getLogger(__name__)


def _text_of(row: dict[str, Any], field: str | None, payload_fields: list[str]) -> str:
    if field is not None and isinstance(row.get(field), str):
        return row[field]
    return json.dumps({f: row.get(f) for f in payload_fields}, ensure_ascii=False, default=str)


def _raw_text(raw: str, field: str | None) -> str:
    """The input field of a teacher answer that parsed as JSON, else the answer as it was."""
    try:
        parsed = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        return raw
    if isinstance(parsed, dict) and field is not None and isinstance(parsed.get(field), str):
        return parsed[field]
    return raw


def accepted_samples(state: BuildState, per_group: int = PER_GROUP) -> dict[str, list[str]]:
    """Up to `per_group` accepted (scrubbed) texts per label, in the frame's order."""
    roles, frame = state.roles, state.frame
    field = roles.input_field or (roles.text_fields[0] if roles.text_fields else None)
    group = roles.target_field if roles.task == "labels" else None
    out: dict[str, list[str]] = defaultdict(list)
    for row in frame.iter_rows(named=True):
        key = str(row[group]) if group is not None and group in frame.columns else ""
        if len(out[key]) < per_group:
            out[key].append(_text_of(row, field, state.payload_fields)[:_MAX_CHARS])
    return dict(sorted(out.items()))


def rejected_samples(
    state: BuildState, per_group: int = PER_GROUP
) -> tuple[dict[str, list[dict[str, str]]], str]:
    """Up to `per_group` rejections per reason: id, detail, text (scrubbed); and a note."""
    field = state.roles.input_field or (
        state.roles.text_fields[0] if state.roles.text_fields else None
    )
    chosen: dict[str, list[Any]] = defaultdict(list)
    for r in state.rejections:
        if len(chosen[r.reason.value]) < per_group:
            chosen[r.reason.value].append(r)
    picked = [r for reason in sorted(chosen) for r in chosen[reason]]
    texts = [
        _raw_text(r.raw_output, field) if r.raw_output and r.reason not in WITHHELD else ""
        for r in picked
    ]
    details = [r.detail for r in picked]
    note = ""
    if not state.config.build.pii:
        texts, details = [""] * len(picked), [""] * len(picked)
        note = "Rejected texts are left out: this build does not scrub PII."
    elif picked:
        try:
            from validators.pii.scrubber import cached_scrubber

            scrubber = cached_scrubber(state.config.pii)
            done = scrubber.scrub_texts([*texts, *details], field or "text")
            texts, details = list(done[: len(texts)]), list(done[len(texts) :])
        except (SynthmillError, ImportError, OSError, RuntimeError, ValueError) as exc:
            log.warning("sample rejections not scrubbed, texts left out: %s", exc)
            texts, details = [""] * len(picked), [""] * len(picked)
            note = "Rejected texts are left out: the PII scrub of the samples failed."
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r, text, detail in zip(picked, texts, details, strict=True):
        out[r.reason.value].append(
            {"id": r.record_id, "text": (text or "")[:_MAX_CHARS], "detail": detail or ""}
        )
    return dict(out), note


def sample_records(state: BuildState) -> dict[str, Any]:
    """`report.samples`: accepted texts per label, rejected per reason, all scrubbed."""
    rejected, note = rejected_samples(state)
    samples: dict[str, Any] = {"accepted": accepted_samples(state), "rejected": rejected}
    if note:
        samples["note"] = note
    return samples


def held_out_truth(state: BuildState, ev: dict[str, Any]) -> list[str] | None:
    """The held-out labels in the order the evaluation scored them; None when that order cannot
    be rebuilt (checked: they must give the student's recorded accuracy)."""
    from schemas.tables import read_table

    if ev.get("truth"):
        return [str(t) for t in ev["truth"]]
    data, roles = state.config.data, state.roles
    predicted = (ev.get("student") or {}).get("predictions")
    if data.held_out is None or roles.target_field is None or not predicted:
        return None
    column = roles.trusted_columns.get(roles.target_field, roles.target_field)
    rows = read_table(data.held_out, required=[column])
    limit, seed = state.config.finetune.eval.limit, state.config.finetune.eval.seed
    if limit is not None and limit < rows.height:  # as pipelines.evaluate samples them
        rows = rows.sample(n=limit, seed=seed, shuffle=True)
    truth = [str(v) for v in rows[column].cast(pl.String).to_list()]
    if len(truth) != len(predicted):
        return None
    hits = sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)
    if abs(hits - ev["student"].get("accuracy", -1)) > 1e-9:
        return None
    return truth


def finish_evaluation(state: BuildState) -> None:
    """After the fine-tune: the evaluation's plots (into the report) and the model card."""
    wrapper = state.report.evaluation
    if not wrapper:
        return
    ev = held_out({"evaluation": wrapper})
    if ev and "plots" not in wrapper:
        wrapper["plots"] = evaluation_plots(ev, held_out_truth(state, ev), state.run_dir)
    ft = wrapper.get("finetune") or {}
    adapter = state.run_dir / "adapter"
    if ft.get("out_dir"):
        from pathlib import Path

        adapter = Path(ft["out_dir"])
    write_model_card(
        state.report.to_json(),
        adapter,
        model=state.config.finetune.model,
        dataset=state.config.name,
        license=state.config.data.license,
    )
