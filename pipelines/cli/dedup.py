"""`synthmill dedup`: exact and near duplicates, leaks of trusted data, records published before.

Reads JSONL, CSV or Parquet; writes the surviving rows (input order, all fields), optionally the
rejects (one row per dropped input: id, row, reason, duplicate_of, similarity) and a JSON report.
With `--index file|redis` the kept rows are added to the published index after everything
else is written, so a failed run publishes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from pipelines.cli.options import given, shown_default, split_list
from schemas.tables import (
    check_outputs,
    check_table_output,
    derived_columns,
    read_table,
    staged,
    write_json,
    write_table,
)
from validators.dedup.config import DedupConfig, IndexConfig

DEFAULT_REDIS_URL = str(IndexConfig.model_fields["redis_url"].default)


def register(app: typer.Typer) -> None:
    """Add the `dedup` command to the synthmill CLI."""
    app.command("dedup")(dedup)


def dedup(
    input_path: Annotated[
        Path, typer.Argument(metavar="IN", help="records: .jsonl, .csv or .parquet")
    ],
    out: Annotated[Path, typer.Option("--out", help="surviving records (format by extension)")],
    reference: Annotated[
        Path | None, typer.Option(help="trusted real records: near copies are leaks")
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            help=shown_default("estimated Jaccard to call a near copy", DedupConfig, "threshold")
        ),
    ] = None,
    fields: Annotated[
        str | None,
        typer.Option(
            help=shown_default("comma-separated text fields compared", DedupConfig, "fields")
        ),
    ] = None,
    short_words: Annotated[
        int | None,
        typer.Option(
            help=shown_default(
                "texts of at most this many words are compared word by word (0: Jaccard only)",
                DedupConfig,
                "short_words",
            )
        ),
    ] = None,
    added_words: Annotated[
        int | None,
        typer.Option(
            help=shown_default(
                "words a short near copy may add or drop besides small talk",
                DedupConfig,
                "added_words",
            )
        ),
    ] = None,
    changed_places: Annotated[
        int | None,
        typer.Option(
            help=shown_default(
                "places where a short near copy may differ from its original",
                DedupConfig,
                "changed_places",
            )
        ),
    ] = None,
    frame_min_texts: Annotated[
        int | None,
        typer.Option(
            help=shown_default(
                "an edge segment of this many short texts is a re-send frame (0: off)",
                DedupConfig,
                "frame_min_texts",
            )
        ),
    ] = None,
    rejects: Annotated[Path | None, typer.Option(help="write the rejected rows here")] = None,
    report: Annotated[Path | None, typer.Option(help="write the JSON report here")] = None,
    id_field: Annotated[
        str | None,
        typer.Option(
            help=shown_default("record id column (else row numbers)", DedupConfig, "id_field")
        ),
    ] = None,
    num_perm: Annotated[
        int | None,
        typer.Option(help=shown_default("MinHash permutations", DedupConfig, "num_perm")),
    ] = None,
    shingle: Annotated[
        str | None, typer.Option(help=shown_default("word | char", DedupConfig, "shingle"))
    ] = None,
    shingle_size: Annotated[
        int | None,
        typer.Option(
            help=shown_default("words or characters per shingle", DedupConfig, "shingle_size")
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help=shown_default("permutation seed", DedupConfig, "seed"))
    ] = None,
    hash_kind: Annotated[
        str | None,
        typer.Option(
            "--hash",
            help=shown_default("fast | sha1 (datasketch's default hash)", DedupConfig, "hash"),
        ),
    ] = None,
    index: Annotated[
        str | None,
        typer.Option(
            help=shown_default("earlier runs' records: none | file | redis", IndexConfig, "kind")
        ),
    ] = None,
    index_path: Annotated[
        Path | None, typer.Option(help="file index folder (default: $SYNTHMILL_HOME/dedup-index)")
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(help=f"Redis index (default: $SYNTHMILL_REDIS_URL or {DEFAULT_REDIS_URL})"),
    ] = None,
    redis_prefix: Annotated[
        str | None, typer.Option(help=shown_default("Redis key prefix", IndexConfig, "prefix"))
    ] = None,
    index_texts: Annotated[
        bool | None,
        typer.Option(
            "--index-texts/--no-index-texts",
            help=shown_default(
                "keep published texts in the index (off: signatures only)",
                IndexConfig,
                "keep_texts",
            ),
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help=shown_default("threads that normalise and sign", DedupConfig, "workers")),
    ] = None,
    publish: Annotated[
        bool, typer.Option(help="add the kept rows to the index after writing")
    ] = True,
) -> None:
    """Drop exact and near duplicates, leaks of --reference, and earlier runs' records."""
    from validators.dedup import dedup_frame
    from validators.dedup.index import open_index

    index_settings: dict[str, Any] = given(kind=index, prefix=redis_prefix, keep_texts=index_texts)
    if index == "file":
        index_settings["path"] = index_path or _home() / "dedup-index"
    if index == "redis":
        index_settings["redis_url"] = redis_url or os.environ.get(
            "SYNTHMILL_REDIS_URL", DEFAULT_REDIS_URL
        )
    config = DedupConfig.build(
        **given(
            fields=split_list(fields),
            id_field=id_field,
            threshold=threshold,
            short_words=short_words,
            added_words=added_words,
            changed_places=changed_places,
            frame_min_texts=frame_min_texts,
            num_perm=num_perm,
            seed=seed,
            shingle=shingle,
            shingle_size=shingle_size,
            hash=hash_kind,
            workers=workers,
        ),
        index=index_settings,
    )
    outputs = {"--out": out, "--rejects": rejects, "--report": report}
    check_outputs(outputs, inputs=(input_path, reference), tables={"--out", "--rejects"})
    frame = read_table(input_path, required=config.fields)
    _check_ids(input_path, frame, config.id_field, given=id_field is not None)
    check_table_output(out, frame)
    trusted = read_table(reference, required=config.fields) if reference is not None else None
    published = open_index(config)
    result = dedup_frame(frame, config, reference=trusted, index=published)
    extra: dict[str, Any] = {
        "input_file": str(input_path),
        "output": str(out),
        "reference_file": str(reference) if reference is not None else None,
        "index": {"kind": config.index.kind, "added": 0},
    }
    with staged():  # all outputs or none; before publishing: a failed run publishes nothing
        write_table(out, result.kept.drop(derived_columns(result.kept)))
        if rejects is not None:
            write_table(rejects, result.rejects)
        if report is not None:
            write_json(report, {**result.report, **extra})
    added = 0
    if published is not None and publish:
        added = published.add(result.kept_keys, result.kept_signatures, result.kept_texts)
        extra["index"] = {"kind": config.index.kind, "added": added, "size": len(published)}
        if report is not None:
            write_json(report, {**result.report, **extra})
    r = result.report
    by = r["by_reason"]
    typer.echo(
        f"kept {r['kept']} / {r['input']} (exact {by['exact_duplicate']}, near "
        f"{by['near_duplicate']}, published before {by['published_before']}, leaks of trusted "
        f"{by['leak_of_trusted']}) -> {out}" + (f"; published {added}" if added else "")
    )


def _check_ids(path: Path, frame: Any, column: str, given: bool) -> None:
    """An --id-field the file lacks, or an id left empty, is the user's to fix (the default
    `id` may be absent: row numbers are used then)."""
    from schemas.errors import InputError
    from schemas.tables import require_filled

    if column in frame.columns:
        require_filled(path, frame, column, "give every record an id, or drop the column")
    elif given:
        found = ", ".join(frame.columns)
        raise InputError(path, f"missing field '{column}' (found: {found}); fix --id-field")


def _home() -> Path:
    from generators.embedded_model import synthmill_home

    return synthmill_home()
