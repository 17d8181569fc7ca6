"""`synthmill scrub`: replace (or redact) PII in the text fields of a JSONL, CSV or Parquet file.

Every input row comes out, in order, with its other fields untouched; the format of IN and OUT
is chosen by extension. The optional report counts detections by field and entity type and never
holds a detected value. Bad input is one line naming file, line and problem (exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from schemas.errors import InputError
from schemas.tables import read_table, write_json, write_table


def register(app: typer.Typer) -> None:
    """Add the `scrub` command to the synthmill CLI."""
    app.command("scrub")(scrub)


def scrub(
    input_path: Annotated[
        Path, typer.Argument(metavar="IN", help="records: .jsonl, .csv or .parquet")
    ],
    out: Annotated[Path, typer.Option("--out", help="scrubbed records (format by extension)")],
    fields: Annotated[
        str | None, typer.Option(help="comma-separated text fields [default: all string fields]")
    ] = None,
    mode: Annotated[str, typer.Option(help="replace (realistic fakes) | redact (<TYPE>)")] = (
        "replace"
    ),
    report: Annotated[Path | None, typer.Option(help="write the counts report (JSON) here")] = None,
    recognizers: Annotated[
        Path | None, typer.Option(help="YAML of domain recognizers (e.g. account numbers)")
    ] = None,
    entities: Annotated[
        str | None, typer.Option(help="comma-separated entity types [default: the usual PII]")
    ] = None,
    threshold: Annotated[float, typer.Option(help="minimum detection score to act on")] = 0.4,
    seed: Annotated[int, typer.Option(help="seeds the fakes: same seed, same output")] = 0,
) -> None:
    """Replace PII in text fields with consistent fakes, or redact it."""
    from validators.pii_config import make_config

    names = _split(fields)
    config = make_config(
        mode=mode,
        fields=names,
        entities=_split(entities),
        threshold=threshold,
        recognizers_file=recognizers,
        seed=seed,
    )
    frame = read_table(input_path, required=names or ())
    chosen = names or tuple(c for c, t in frame.schema.items() if t == pl.String)
    if not chosen:
        raise InputError(input_path, "no text fields to scrub; name them with --fields")
    from validators.pii import PIIScrubber  # loads presidio and spaCy: after input checks

    scrubber = PIIScrubber(config)
    scrubbed, counts = scrubber.scrub_frame(frame, chosen)
    write_table(out, scrubbed)
    if report is not None:
        write_json(report, {**counts.model_dump(mode="json"), "input_file": str(input_path)})
    found = ", ".join(f"{k} {v}" for k, v in counts.totals.items()) or "no PII found"
    typer.echo(
        f"scrubbed {counts.rows} rows ({counts.rows_changed} changed) in "
        f"{', '.join(chosen)}: {found} -> {out}"
    )


def _split(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    return names or None
