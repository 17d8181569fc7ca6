"""Records in bulk: `Record`s to a polars frame (payload fields as columns) and back."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from pydantic import BaseModel

from schemas.record import Provenance, Record
from schemas.rejection import Rejection


def records_to_frame(records: list[Record[Any]]) -> pl.DataFrame:
    """id, the payload's fields, and provenance/annotations as JSON text columns."""
    rows = []
    for rec in records:
        row: dict[str, Any] = {"id": rec.id}
        row.update(rec.payload.model_dump(mode="json"))
        row["provenance"] = rec.provenance.model_dump_json()
        row["annotations"] = json.dumps(rec.annotations, sort_keys=True)
        rows.append(row)
    if not rows:
        return pl.DataFrame(
            {"id": [], "provenance": [], "annotations": []},
            schema={"id": pl.String, "provenance": pl.String, "annotations": pl.String},
        )
    return pl.from_dicts(rows, infer_schema_length=None)


def frame_to_records(frame: pl.DataFrame, model: type[BaseModel]) -> list[Record[Any]]:
    """The inverse of `records_to_frame` (payload validated again by `model`)."""
    fields = list(model.model_fields)
    out: list[Record[Any]] = []
    for row in frame.iter_rows(named=True):
        out.append(
            Record[Any](
                id=row["id"],
                payload=model.model_validate({f: row[f] for f in fields}),
                provenance=Provenance.model_validate_json(row["provenance"]),
                annotations=json.loads(row.get("annotations") or "{}"),
            )
        )
    return out


def record_line(row: dict[str, Any], payload_fields: list[str]) -> dict[str, Any]:
    """A frame row as the public line format {"id", "payload", "provenance"}."""
    line: dict[str, Any] = {
        "id": row["id"],
        "payload": {f: row[f] for f in payload_fields},
        "provenance": json.loads(row["provenance"]),
    }
    annotations = json.loads(row.get("annotations") or "{}")
    if annotations:
        line["annotations"] = annotations
    return line


def rejections_frame(
    rejections: list[Rejection], payloads: dict[str, str] | None = None
) -> pl.DataFrame:
    """One row per rejection with stage and reason (empty frame keeps the columns). `payloads`:
    record id -> the rejected record's payload as JSON, in the `payload` column (null for a
    teacher output that never became a record, or one whose payload is withheld)."""
    schema = {
        "record_id": pl.String,
        "stage": pl.String,
        "check": pl.String,
        "reason": pl.String,
        "detail": pl.String,
        "raw_output": pl.String,
        "duplicate_of": pl.String,
        "payload": pl.String,
    }
    payloads = payloads or {}
    rows = [{**r.model_dump(mode="json"), "payload": payloads.get(r.record_id)} for r in rejections]
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
