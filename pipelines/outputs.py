"""Write a run folder: accepted (Parquet + JSONL), train.jsonl, rejected.parquet, reports, card.

`rejected.parquet` has one row per rejection: stage, check, reason, detail, the teacher's raw
output where no record was made, and the record's payload (JSON) where one was.

`write_outputs` writes the dataset and its reports once, unpublished; `write_reports` rewrites
only the reports, card and manifest (after the fine-tune, and when the build is published).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.records_frame import record_line, rejections_frame
from pipelines.report import dataset_card, report_markdown
from pipelines.report_extras import finish_evaluation, sample_records
from pipelines.state import BuildState
from schemas.rejection import WITHHELD
from schemas.tables import atomic_open, write_json, write_jsonl


def chat_example(row: dict[str, Any], state: BuildState) -> dict[str, Any]:
    """One accepted record as a TRL chat example (user prompt → assistant answer)."""
    from pipelines.prompt_format import to_chat_example

    roles = state.roles
    if roles.task == "labels":
        assert roles.input_field is not None and roles.target_field is not None
        return to_chat_example(
            row[roles.input_field],
            row[roles.target_field],
            state.config.data.labels,
            list_labels=state.config.finetune.list_labels,
        )
    if roles.task == "instruction":
        assert roles.input_field is not None and roles.target_field is not None
        return {
            "messages": [
                {"role": "user", "content": row[roles.input_field]},
                {"role": "assistant", "content": row[roles.target_field]},
            ]
        }
    if roles.task == "chat":
        return {"messages": row["messages"]}
    # Any other payload: the student learns to write such a record as JSON.
    payload = {f: row[f] for f in state.payload_fields}
    return {
        "messages": [
            {"role": "user", "content": f"Write one {state.config.name} record as JSON."},
            {"role": "assistant", "content": json.dumps(payload, ensure_ascii=False)},
        ]
    }


def write_reports(state: BuildState, manifest: dict[str, Any]) -> None:
    """report.json, report.md, the dataset card and the manifest, from the current report."""
    d = state.run_dir
    finish_evaluation(state)  # plots into the report, the adapter's model card
    report = state.report.to_json()
    write_json(d / "report.json", report)
    with atomic_open(d / "report.md") as fh:
        fh.write(report_markdown(report))
    with atomic_open(d / "README.md") as fh:
        fh.write(dataset_card(state.config, report, manifest))
    write_json(d / "manifest.json", manifest)


def _scrubbed_raw(state: BuildState, frame: pl.DataFrame) -> pl.DataFrame:
    """Rejected teacher answers scrubbed like accepted records: a teacher can write PII-like
    values into an answer that never became a record."""
    if not state.config.build.pii or frame.height == 0 or "raw_output" not in frame.columns:
        return frame
    from validators.pii.scrubber import cached_scrubber

    raw = frame["raw_output"].to_list()
    clean = cached_scrubber(state.config.pii).scrub_texts(raw)
    return frame.with_columns(pl.Series("raw_output", clean, dtype=pl.String))


def rejected_payloads(state: BuildState) -> dict[str, str]:
    """Record id -> payload JSON of every record a stage dropped (scrubbed, as the stages saw
    it), except those whose reason is in `schemas.rejection.WITHHELD` (a trusted row's text). Nothing is lost: each rejected record can
    be read back from the rejected output."""
    if not state.dropped:
        return {}
    withheld = {r.record_id for r in state.rejections if r.reason in WITHHELD}
    fields = state.payload_fields
    frame = pl.concat(state.dropped, how="diagonal_relaxed")
    return {
        row["id"]: json.dumps({f: row.get(f) for f in fields}, ensure_ascii=False, default=str)
        for row in frame.iter_rows(named=True)
        if row["id"] not in withheld
    }


def rejected_frame(state: BuildState) -> pl.DataFrame:
    """The rows of `rejected.parquet` before the scrub of teacher answers: every rejection with
    the rejected record's payload; for a reason in `WITHHELD` neither payload nor raw answer."""
    rejected = rejections_frame(state.rejections, rejected_payloads(state))
    withheld = pl.col("reason").is_in([r.value for r in WITHHELD])
    return rejected.with_columns(
        pl.when(withheld).then(pl.lit("")).otherwise(pl.col("raw_output")).alias("raw_output")
    )


def write_outputs(state: BuildState, manifest: dict[str, Any]) -> dict[str, Path]:
    """Every output of a build, each written atomically; returns their paths."""
    d = state.run_dir
    accepted = state.frame
    paths = {
        "accepted_parquet": d / "accepted.parquet",
        "accepted_jsonl": d / "accepted.jsonl",
        "train_jsonl": d / "train.jsonl",
        "rejected_parquet": d / "rejected.parquet",
        "report_json": d / "report.json",
        "report_md": d / "report.md",
        "card": d / "README.md",
        "manifest": d / "manifest.json",
    }
    public = accepted.select(["id", *state.payload_fields, "provenance"])
    with atomic_open(paths["accepted_parquet"], "wb") as fh:
        public.write_parquet(fh)
    rows = list(accepted.iter_rows(named=True))
    write_jsonl(paths["accepted_jsonl"], (record_line(r, state.payload_fields) for r in rows))
    write_jsonl(paths["train_jsonl"], (chat_example(r, state) for r in rows))
    with atomic_open(paths["rejected_parquet"], "wb") as fh:
        _scrubbed_raw(state, rejected_frame(state)).write_parquet(fh)
    state.report.samples = sample_records(state)
    write_reports(state, manifest)
    return paths
