"""`synthmill scrub`: replace (or redact) PII in the text of a JSONL, CSV or Parquet file.

Every input row comes out, in order, with its other fields untouched; the format of IN and OUT
is chosen by extension. Fields are dotted paths into nested records (`payload.text`; a list on
the way covers each element); by default every string, at any depth, is scrubbed. A JSONL file
is rewritten line by line: only the scrubbed strings change, every other byte of a line (numbers,
key order, spacing, missing keys) is kept, and a line with nothing found is copied as read.
The optional report counts detections by field path and entity type and never holds a detected
value. Bad input is one line naming file, line and problem (exit 2).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from pipelines.cli.options import given, note, shown_default, split_list
from schemas.errors import InputError
from schemas.tables import (
    atomic_open,
    check_outputs,
    check_table_output,
    read_table,
    staged,
    write_json,
    write_table,
)
from validators.pii.config import PIIConfig


def register(app: typer.Typer) -> None:
    """Add the `scrub` command to the synthmill CLI."""
    app.command("scrub")(scrub)


def scrub(
    input_path: Annotated[
        Path, typer.Argument(metavar="IN", help="records: .jsonl, .csv or .parquet")
    ],
    out: Annotated[Path, typer.Option("--out", help="scrubbed records (format by extension)")],
    fields: Annotated[
        str | None,
        typer.Option(
            help=note(
                "comma-separated fields, dotted into nested records (payload.text)",
                "default: all string fields",
            )
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            help=shown_default("replace (realistic fakes) | redact (<TYPE>)", PIIConfig, "mode")
        ),
    ] = None,
    report: Annotated[Path | None, typer.Option(help="write the counts report (JSON) here")] = None,
    recognizers: Annotated[
        Path | None,
        typer.Option(
            help="YAML of domain recognizers (e.g. account numbers); format in the README"
        ),
    ] = None,
    entities: Annotated[
        str | None,
        typer.Option(help=note("comma-separated entity types", "default: the usual PII")),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            help=shown_default("minimum detection score to act on", PIIConfig, "threshold")
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            help=shown_default("seeds the fakes: same seed, same output", PIIConfig, "seed")
        ),
    ] = None,
) -> None:
    """Replace PII in text fields with consistent fakes, or redact it."""
    from validators.pii.config import make_config

    names = split_list(fields)
    config = make_config(
        **given(
            mode=mode,
            fields=names,
            entities=split_list(entities),
            threshold=threshold,
            recognizers_file=recognizers,
            seed=seed,
        )
    )
    check_outputs(
        {"--out": out, "--report": report},
        inputs=(input_path, recognizers),
        tables={"--out"},
    )
    if input_path.suffix.lower() == ".jsonl":
        counts, chosen, write = _scrub_jsonl(input_path, out, names, config)
    else:
        counts, chosen, write = _scrub_table(input_path, out, names, config)
    with staged():  # both files or neither
        write()
        if report is not None:
            write_json(report, {**counts.model_dump(mode="json"), "input_file": str(input_path)})
    found = ", ".join(f"{k} {v}" for k, v in counts.totals.items()) or "no PII found"
    where = ", ".join(chosen) if len(chosen) <= 6 else f"{len(chosen)} fields"
    typer.echo(
        f"scrubbed {counts.rows} rows ({counts.rows_changed} changed) in {where}: {found} -> {out}"
    )


def _report(config: PIIConfig, nested: Any, chosen: tuple[str, ...]) -> Any:
    from validators.pii.scrubber import PIIReport

    totals: Counter[str] = Counter()
    for found in nested.counts.values():
        totals.update(found)
    return PIIReport(
        mode=config.mode,
        rows=nested.rows,
        rows_changed=nested.rows_changed,
        fields=chosen,
        counts={k: dict(sorted(v.items())) for k, v in nested.counts.items()},
        totals=dict(sorted(totals.items())),
    )


def _scrub_jsonl(
    input_path: Path, out: Path, names: tuple[str, ...] | None, config: PIIConfig
) -> tuple[Any, tuple[str, ...], Callable[[], None]]:
    """JSON lines, line by line: only scrubbed strings change; the rest of a line is as read."""
    from validators.pii.nested import check_fields, read_jsonl_records, scrub_jsonl

    data = read_jsonl_records(input_path)
    if names:
        check_fields(data, names)
    chosen = names or tuple(data.leaf_paths())
    if not chosen:
        raise InputError(input_path, "no text fields to scrub; name them with --fields")
    frame = None
    if out.suffix.lower() != ".jsonl":
        frame = _frame_of(input_path, [obj for _, obj in data.records])
        check_table_output(out, frame)
    from validators.pii import PIIScrubber  # loads presidio and spaCy: after input checks

    lines, nested = scrub_jsonl(data, names, PIIScrubber(config))

    def write() -> None:
        if frame is None:
            with atomic_open(out) as fh:
                fh.write("".join(lines))
        else:
            rows = [json.loads(line) for line in lines if line.strip()]
            write_table(out, _frame_of(input_path, rows))

    return _report(config, nested, chosen), chosen, write


def _frame_of(path: Path, rows: list[dict[str, Any]]) -> pl.DataFrame:
    try:
        return pl.from_dicts(rows, infer_schema_length=None)
    except (pl.exceptions.PolarsError, OverflowError, TypeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(path, f"cannot read the records as columns ({first})") from None


def _scrub_table(
    input_path: Path, out: Path, names: tuple[str, ...] | None, config: PIIConfig
) -> tuple[Any, tuple[str, ...], Callable[[], None]]:
    """CSV or Parquet: text columns as columns; dotted fields and nested columns by record."""
    top = tuple(n for n in names or () if "." not in n)
    frame = read_table(input_path, required=top)
    nested_columns = [c for c, t in frame.schema.items() if isinstance(t, (pl.Struct, pl.List))]
    by_record = any("." in n and n not in frame.columns for n in names or ()) or (
        not names and bool(nested_columns)
    )
    check_table_output(out, frame)
    if not by_record:
        chosen = names or tuple(c for c, t in frame.schema.items() if t == pl.String)
        if not chosen:
            raise InputError(input_path, "no text fields to scrub; name them with --fields")
        from validators.pii import PIIScrubber  # loads presidio and spaCy: after input checks

        scrubbed, counts = PIIScrubber(config).scrub_frame(frame, chosen)
        return counts, chosen, lambda: write_table(out, scrubbed)
    from validators.pii.nested import JsonlRecords, check_fields, scrub_objects

    rows = frame.to_dicts()
    data = JsonlRecords(input_path, [], list(enumerate(rows)))
    if names:
        check_fields(data, names)
    chosen = names or tuple(data.leaf_paths())
    from validators.pii import PIIScrubber  # loads presidio and spaCy: after input checks

    new_rows, nested = scrub_objects(rows, names, PIIScrubber(config))
    scrubbed = pl.DataFrame(new_rows, schema=frame.schema)
    return _report(config, nested, chosen), chosen, lambda: write_table(out, scrubbed)
