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

from schemas.tables import read_table, write_json, write_table

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


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
    threshold: Annotated[float, typer.Option(help="estimated Jaccard to call a near copy")] = 0.8,
    fields: Annotated[str, typer.Option(help="comma-separated text fields compared")] = "text",
    rejects: Annotated[Path | None, typer.Option(help="write the rejected rows here")] = None,
    report: Annotated[Path | None, typer.Option(help="write the JSON report here")] = None,
    id_field: Annotated[str, typer.Option(help="record id column (else row numbers)")] = "id",
    num_perm: Annotated[int, typer.Option(help="MinHash permutations")] = 128,
    shingle: Annotated[str, typer.Option(help="word | char")] = "word",
    shingle_size: Annotated[int, typer.Option(help="words or characters per shingle")] = 5,
    seed: Annotated[int, typer.Option(help="permutation seed")] = 1,
    hash_kind: Annotated[
        str, typer.Option("--hash", help="fast | sha1 (datasketch's default hash)")
    ] = "fast",
    index: Annotated[str, typer.Option(help="earlier runs' records: none | file | redis")] = "none",
    index_path: Annotated[
        Path | None, typer.Option(help="file index folder (default: $SYNTHMILL_HOME/dedup-index)")
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(help=f"Redis index (default: $SYNTHMILL_REDIS_URL or {DEFAULT_REDIS_URL})"),
    ] = None,
    redis_prefix: Annotated[str, typer.Option(help="Redis key prefix")] = "synthmill:dedup",
    workers: Annotated[int, typer.Option(help="threads that normalise and sign")] = 2,
    publish: Annotated[
        bool, typer.Option(help="add the kept rows to the index after writing")
    ] = True,
) -> None:
    """Drop exact and near duplicates, leaks of --reference, and earlier runs' records."""
    from validators.dedup import dedup_frame
    from validators.dedup_config import DedupConfig
    from validators.dedup_index import open_index

    names = tuple(f.strip() for f in fields.split(",") if f.strip())
    index_settings: dict[str, Any] = {"kind": index, "prefix": redis_prefix}
    if index == "file":
        index_settings["path"] = index_path or _home() / "dedup-index"
    if index == "redis":
        index_settings["redis_url"] = redis_url or os.environ.get(
            "SYNTHMILL_REDIS_URL", DEFAULT_REDIS_URL
        )
    config = DedupConfig.build(
        fields=names,
        id_field=id_field,
        threshold=threshold,
        num_perm=num_perm,
        seed=seed,
        shingle=shingle,
        shingle_size=shingle_size,
        hash=hash_kind,
        workers=workers,
        index=index_settings,
    )
    frame = read_table(input_path, required=config.fields)
    trusted = read_table(reference, required=config.fields) if reference is not None else None
    published = open_index(config)
    result = dedup_frame(frame, config, reference=trusted, index=published)
    write_table(out, result.kept)
    if rejects is not None:
        write_table(rejects, result.rejects)
    extra: dict[str, Any] = {
        "input_file": str(input_path),
        "output": str(out),
        "reference_file": str(reference) if reference is not None else None,
        "index": {"kind": config.index.kind, "added": 0},
    }
    if report is not None:  # written before publishing: a run that fails here publishes nothing
        write_json(report, {**result.report, **extra})
    added = 0
    if published is not None and publish:
        added = published.add(result.kept_keys, result.kept_signatures)
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


def _home() -> Path:
    from generators.embedded_model import synthmill_home

    return synthmill_home()
