"""Records in bulk: read JSONL, CSV or Parquet into polars (chosen by extension) and write atomically.

Bad input is a user mistake: one `InputError` line naming the file, the line and the problem.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import polars as pl

from schemas.errors import InputError

SUFFIXES = (".jsonl", ".csv", ".parquet")


def _flatten_columns(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.from_dicts(rows, infer_schema_length=None)


def read_jsonl(path: Path) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(
                    path, "not UTF-8 text; re-encode the file as UTF-8", lineno
                ) from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(path, f"not valid JSON ({exc.msg})", lineno) from None
            if not isinstance(obj, dict):
                raise InputError(path, "each line must be a JSON object", lineno)
            rows.append(obj)
    if not rows:
        raise InputError(path, "the file has no records")
    return _flatten_columns(rows)


def read_table(path: str | Path, required: Iterable[str] = ()) -> pl.DataFrame:
    """Read a data file into a frame, checking it has rows and the `required` columns."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise InputError(path, "the file is empty")
    if suffix == ".jsonl":
        frame = read_jsonl(path)
    elif suffix == ".csv":
        try:
            frame = pl.read_csv(path, infer_schema_length=0, encoding="utf8")
        except (pl.exceptions.ComputeError, UnicodeDecodeError) as exc:
            raise InputError(path, f"cannot read CSV ({str(exc).splitlines()[0]})") from None
    elif suffix == ".parquet":
        try:
            frame = pl.read_parquet(path)
        except Exception as exc:  # polars raises several types for a corrupt file
            raise InputError(path, f"not a readable Parquet file ({type(exc).__name__})") from None
    else:
        raise InputError(path, f"unknown file type '{suffix}'; use one of {', '.join(SUFFIXES)}")
    if frame.height == 0:
        raise InputError(path, "the file has no records")
    for column in required:
        if column not in frame.columns:
            found = ", ".join(frame.columns)
            raise InputError(path, f"missing field '{column}' (found: {found})")
        if frame[column].dtype != pl.String and suffix != ".csv":
            raise InputError(path, f"field '{column}' must be text, found {frame[column].dtype}")
        nulls = frame[column].is_null()
        if nulls.any():
            first = int(nulls.arg_max() or 0) + 1
            raise InputError(path, f"field '{column}' is missing or null", first)
    return frame


@contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temp file beside `path`, then rename: a crash never leaves a half file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write dicts as JSON lines atomically; returns the number of lines."""
    count = 0
    with atomic_open(path) as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            count += 1
    return count


def write_json(path: str | Path, obj: Any) -> None:
    with atomic_open(path) as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False, default=str)
        fh.write("\n")


def write_table(path: str | Path, frame: pl.DataFrame) -> None:
    """Write a frame as JSONL or Parquet (by extension), atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        with atomic_open(path, "wb") as fh:
            frame.write_parquet(fh)
    elif suffix == ".jsonl":
        write_jsonl(path, frame.to_dicts())
    elif suffix == ".csv":
        with atomic_open(path, "wb") as fh:
            frame.write_csv(fh)
    else:
        raise InputError(path, f"unknown output type '{suffix}'; use .jsonl, .csv or .parquet")
