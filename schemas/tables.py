"""Records in bulk: read JSONL, CSV or Parquet into polars (chosen by extension) and write atomically.

Bad input is a user mistake: one `InputError` line naming the file, the line and the problem.
Outputs are checked before any work (`check_outputs`), written to a temp file and renamed
(`atomic_open`), and several outputs of one command land together or not at all (`staged`).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO, Any

import polars as pl

from schemas.errors import ConfigError, InputError
from schemas.paths import values_at

SUFFIXES = (".jsonl", ".csv", ".parquet")
_NESTED = (pl.List, pl.Array, pl.Struct, pl.Object)


def _kind(value: Any) -> str | None:
    """A JSON value's kind as a user would name it; None for null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _is_flat(kind: str | None) -> bool:
    return kind not in ("a list", "an object")


def _fields(names: Iterable[str] | bool) -> Collection[str] | bool:
    return names if isinstance(names, bool) else frozenset(names)


def _jsonl_rows(
    path: Path, text: Collection[str], flat: Collection[str] | bool
) -> tuple[list[dict[str, Any]], list[int]]:
    """The rows and the line each came from; a field's values all of one kind (nulls aside)."""
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    first: dict[str, tuple[str, int]] = {}
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")  # a BOM, as in CSV
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
            for name in text:
                if "." in name and name not in obj:
                    for inner in values_at(obj, tuple(name.split("."))):
                        kind = _kind(inner)
                        if kind is not None and kind != "text":
                            raise InputError(
                                path, f"field '{name}' must be text, found {kind}", lineno
                            )
            for key, value in obj.items():
                kind = _kind(value)
                if kind is None:
                    continue
                if key in text and kind != "text":
                    raise InputError(path, f"field '{key}' must be text, found {kind}", lineno)
                seen = first.setdefault(key, (kind, lineno))
                if seen[0] != kind:
                    raise InputError(
                        path,
                        f"field '{key}' is {kind} here but {seen[0]} on line {seen[1]}",
                        lineno,
                    )
                if not _is_flat(kind) and (flat is True or (flat and key in flat)):
                    raise InputError(
                        path,
                        f"field '{key}' is {kind}; only text, numbers and booleans work here"
                        + _inside_hint(key, value),
                        lineno,
                    )
            rows.append(obj)
            lines.append(lineno)
    return rows, lines


def _inside_hint(key: str, value: Any) -> str:
    """For an object where single values are wanted: how to name a text field inside it."""
    if not isinstance(value, dict):
        return ""
    inner = next((k for k, v in value.items() if isinstance(v, str)), None)
    if inner is None:
        return ""
    return f" (name a field inside it with a dot, as '{key}.{inner}')"


def _struct_path(frame: pl.DataFrame, name: str) -> pl.Expr | None:
    """`name` as a dotted path into an object column (`payload.text`), or None.

    The longest leading part that is a column of objects is the column; the rest walks its
    fields. A column whose own name holds a dot (a CSV header "a.b") is found before this."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        dtype = frame.schema.get(head)
        if not isinstance(dtype, pl.Struct):
            continue
        expr = pl.col(head)
        for part in parts[cut:]:
            fields = {f.name: f.dtype for f in dtype.fields} if isinstance(dtype, pl.Struct) else {}
            if part not in fields:
                return None
            expr, dtype = expr.struct.field(part), fields[part]
        return expr
    return None


def _with_paths(path: Path, frame: pl.DataFrame, names: Iterable[str]) -> pl.DataFrame:
    """Add each dotted path among `names` that is not a column as a column of that name.

    A column whose own name is such a path (`payload.text` beside an object `payload` with a
    field `text`) is refused: which one was meant cannot be told, and `derived_columns`,
    which decides by name, would drop the real one before writing."""
    for name in frame.columns:
        if "." in name and _struct_path(frame, name) is not None:
            raise InputError(
                path,
                f"field '{name}' is both a column and a field inside an object; rename the column",
            )
    added = [
        (name, expr)
        for name in dict.fromkeys(names)
        if "." in name
        and name not in frame.columns
        and (expr := _struct_path(frame, name)) is not None
    ]
    return frame.with_columns(expr.alias(name) for name, expr in added) if added else frame


def derived_columns(frame: pl.DataFrame) -> list[str]:
    """The columns `read_table` added for dotted paths (`payload.text`): dropped before a
    frame is written back, so the output keeps the input's shape."""
    return [c for c in frame.columns if "." in c and _struct_path(frame, c) is not None]


def _nested_hint(frame: pl.DataFrame, column: str) -> str:
    """Where a missing field sits inside an object column, if it does: '; 'payload.text' holds
    it'."""
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Struct) and column in {f.name for f in dtype.fields}:
            return f"; it is inside '{name}': name it '{name}.{column}'"
    return ""


def _separator_hint(suffix: str, frame: pl.DataFrame) -> str:
    """A CSV read as one column whose name holds ';' or a tab was written with another
    separator (a spreadsheet's export in many locales)."""
    if suffix != ".csv" or frame.width != 1:
        return ""
    sep = next((s for s in (";", "\t", "|") if s in frame.columns[0]), None)
    if sep is None:
        return ""
    shown = "a tab" if sep == "\t" else f"'{sep}'"
    return f"; the header is separated by {shown}: save the file with commas as separators"


def _frame(path: Path, rows: list[dict[str, Any]]) -> pl.DataFrame:
    try:
        return pl.from_dicts(rows, infer_schema_length=None)
    except (pl.exceptions.PolarsError, OverflowError, TypeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(path, f"cannot read the records as columns ({first})") from None


def read_jsonl(path: Path) -> pl.DataFrame:
    """A JSONL file as a frame; a line that is not a JSON object, or mixed kinds, is an error."""
    rows, _lines = _jsonl_rows(Path(path), (), ())
    if not rows:
        raise InputError(path, "the file has no records")
    return _frame(Path(path), rows)


def _csv_line(path: Path, row: int) -> int | None:
    """The 1-based line on which CSV data row `row` (0-based) starts; quoted newlines counted."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            start = 1
            for index, _record in enumerate(reader):
                if index == row + 1:  # record 0 is the header
                    return start
                start = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


def _where(path: Path, suffix: str, lines: list[int] | None, row: int) -> tuple[str, int | None]:
    """(problem prefix, line) for row `row` (0-based): a line for JSONL and CSV, a row number else."""
    if lines is not None:
        return "", lines[row]
    if suffix == ".csv":
        line = _csv_line(path, row)
        if line is not None:
            return "", line
    if suffix == ".jsonl":
        line = _jsonl_line(path, row)
        if line is not None:
            return "", line
    return f"row {row + 1}: ", None


def _jsonl_line(path: Path, row: int) -> int | None:
    """The 1-based line of JSONL data row `row` (0-based): blank lines are not rows."""
    with contextlib.suppress(OSError):
        with path.open("rb") as fh:
            seen = -1
            for lineno, raw in enumerate(fh, start=1):
                if raw.strip():
                    seen += 1
                    if seen == row:
                        return lineno
    return None


def row_error(path: Path, row: int, problem: str) -> InputError:
    """An InputError for data row `row` (0-based) of the file `path` as read by `read_table`:
    it names the file and the row's line (a CSV row's, header and quoted newlines counted;
    "row N" in formats without lines)."""
    prefix, line = _where(Path(path), Path(path).suffix.lower(), None, row)
    return InputError(path, f"{prefix}{problem}", line)


def require_filled(path: Path, frame: pl.DataFrame, column: str, fix: str) -> None:
    """InputError at the first row whose `column` is null or blank text, naming the file, its
    line and `fix`."""
    empty = frame[column].is_null()
    if frame[column].dtype == pl.String:
        empty = empty | (frame[column].str.strip_chars() == "")
    if empty.any():
        raise row_error(path, int(empty.arg_max()), f"field '{column}' is empty; {fix}")


def _csv_problem(path: Path) -> str | None:
    """The first line that makes `path` unreadable as CSV, said so that it can be fixed: a quote
    left open, a row with more or fewer fields than the header, or bytes that are not UTF-8."""
    try:
        with path.open(encoding="utf8", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            width, start = None, 1
            for row in reader:
                if width is None:
                    width = len(row)
                elif row and len(row) != width:
                    return (
                        f"line {start}: {len(row)} fields where the header has {width}; quote "
                        'fields that contain a comma ("a, b") and check the separators'
                    )
                start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger" in str(exc):  # a legitimate long field: not a quoting mistake
            return None
        return (
            f"line {start}: a quoted field is not closed (or a quote is misplaced); close the "
            'quote, or double a quote inside a quoted field ("")'
        )
    except UnicodeDecodeError:
        data = path.read_bytes()
        try:
            data.decode("utf8")
        except UnicodeDecodeError as whole:  # offsets of the whole file, not of one read chunk
            line = data[: whole.start].count(b"\n") + 1
            return f"line {line}: not UTF-8 text; save the file as UTF-8"
    return None


def read_table(
    path: str | Path, required: Iterable[str] = (), flat: Iterable[str] | bool = ()
) -> pl.DataFrame:
    """Read a data file into a frame, checking it has rows and the `required` text columns.

    `flat` names fields (True: every field) that must hold single values, not lists or objects.
    A dotted name among `required` or `flat` that is no column but a path into a column of
    objects (`payload.text` in synthmill's own output) is added as a column of that name;
    `derived_columns` names them, to drop before writing the rows back.
    """
    path = Path(path)
    required = tuple(required)
    flat_fields = _fields(flat)
    if path.is_dir():
        raise InputError(path, "is a folder, not a data file")
    if not path.is_file():
        raise InputError(path, "file not found" if not path.exists() else "not a regular file")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(path, f"unknown file type '{suffix}'; use one of {', '.join(SUFFIXES)}")
    lines: list[int] | None = None
    try:
        if path.stat().st_size == 0:
            raise InputError(path, "the file is empty")
        if suffix == ".jsonl":
            rows, lines = _jsonl_rows(path, frozenset(required), flat_fields)
            if not rows:
                raise InputError(path, "the file has no records")
            frame = _frame(path, rows)
        elif suffix == ".csv":
            try:
                frame = pl.read_csv(path, infer_schema_length=0, encoding="utf8")
            except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
                where = _csv_problem(path)
                detail = where or f"cannot read CSV ({str(exc).splitlines()[0]})"
                raise InputError(path, detail) from None
        else:
            try:
                frame = pl.read_parquet(path)
            except OSError:
                raise
            except Exception as exc:  # polars raises several types for a corrupt file
                raise InputError(
                    path, f"not a readable Parquet file ({type(exc).__name__})"
                ) from None
    except OSError as exc:
        raise InputError(path, f"cannot read the file ({exc.strerror or exc})") from None
    if frame.height == 0:
        raise InputError(path, "the file has no records")
    paths = () if isinstance(flat_fields, bool) else tuple(flat_fields)
    frame = _with_paths(path, frame, (*required, *paths))
    for column in required:
        if column not in frame.columns:
            derived = derived_columns(frame)
            found = ", ".join(c for c in frame.columns if c not in derived)
            hint = _nested_hint(frame, column) or _separator_hint(suffix, frame)
            raise InputError(path, f"missing field '{column}' (found: {found}){hint}")
        nulls = frame[column].is_null()
        if nulls.any():
            prefix, line = _where(path, suffix, lines, int(nulls.arg_max() or 0))
            raise InputError(path, f"{prefix}field '{column}' is missing or null", line)
        if frame[column].dtype != pl.String and suffix != ".csv":
            raise InputError(path, f"field '{column}' must be text, found {frame[column].dtype}")
    if suffix == ".parquet" and flat_fields:
        for column, dtype in frame.schema.items():
            if (flat_fields is True or column in flat_fields) and isinstance(dtype, _NESTED):
                raise InputError(
                    path, f"field '{column}' is {dtype}; only text, numbers and booleans work here"
                )
    return frame


def check_table_output(path: str | Path, frame: pl.DataFrame, option: str = "--out") -> None:
    """Before any work: `frame`'s columns can be written to `path` (CSV holds no lists)."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return
    for column, dtype in frame.schema.items():
        if isinstance(dtype, _NESTED):
            raise ConfigError(
                f"{option} {path}: CSV cannot hold field '{column}' ({dtype}); "
                "write .jsonl or .parquet instead"
            )


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _creatable(folder: Path) -> str | None:
    """None when files can be made in `folder` (made if missing); else why not."""
    existing = folder
    try:
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
        if not existing.is_dir():
            return f"{existing} is not a folder"
        fd, probe = tempfile.mkstemp(prefix=".synthmill-probe-", dir=existing)
    except OSError as exc:
        return f"cannot create files in {existing} ({exc.strerror or exc})"
    os.close(fd)
    os.unlink(probe)
    return None


def check_outputs(
    outputs: Mapping[str, str | Path | None],
    *,
    inputs: Iterable[str | Path | None] = (),
    tables: Collection[str] = (),
    folders: Collection[str] = (),
) -> None:
    """Before any work: each output (keyed by its option) can be written, and overwrites no input.

    `tables` are options that take a .jsonl, .csv or .parquet file, `folders` options that take
    a folder (an input may lie inside one). Each problem is one `ConfigError` line (exit 2).
    """
    given = {option: Path(p) for option, p in outputs.items() if p is not None}
    sources = [Path(p) for p in inputs if p is not None]
    seen: dict[Path, str] = {}
    for option, path in given.items():
        if option in folders:
            if path.exists() and not path.is_dir():
                raise ConfigError(f"{option} {path}: exists and is not a folder")
        elif path.is_dir():
            raise ConfigError(f"{option} {path}: is a folder; give a file name")
        if option in tables and path.suffix.lower() not in SUFFIXES:
            raise ConfigError(
                f"{option} {path}: unknown output type '{path.suffix}'; "
                f"use one of {', '.join(SUFFIXES)}"
            )
        for source in sources:
            if _same_file(path, source):
                raise ConfigError(
                    f"{option} {path}: is the input file {source}; write somewhere else "
                    "(inputs are never overwritten)"
                )
        key = path.resolve()
        if key in seen:
            raise ConfigError(f"{seen[key]} and {option} are the same file {path}")
        seen[key] = option
        problem = _creatable(path if option in folders else path.parent)
        if problem is not None:
            raise ConfigError(f"{option} {path}: cannot write there: {problem}")


_STAGE: ContextVar[list[tuple[str, Path]] | None] = ContextVar("synthmill_stage", default=None)


@contextmanager
def staged() -> Iterator[None]:
    """Files written with `atomic_open` inside the block land together when it ends, or not at all.

    Each is written to a temp file beside its target; the renames happen after the block, so an
    error (or Ctrl-C) inside it leaves no output behind and no old output replaced.
    """
    pending: list[tuple[str, Path]] = []
    token = _STAGE.set(pending)
    try:
        yield
    except BaseException:
        _STAGE.reset(token)
        for tmp, _path in pending:
            Path(tmp).unlink(missing_ok=True)
        raise
    _STAGE.reset(token)
    try:
        while pending:
            tmp, path = pending[0]
            os.replace(tmp, path)
            pending.pop(0)
    finally:
        for tmp, _path in pending:
            Path(tmp).unlink(missing_ok=True)


def _umask() -> int:
    """The process umask, read without changing it where the system tells it (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temp file beside `path`, then rename: a crash never leaves a half file.

    The file gets the mode a plain `open` would give it (0666 less the umask).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            os.fchmod(fd, 0o666 & ~_umask())
        except OSError:  # a file system without modes (some network or FAT mounts)
            pass
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        pending = _STAGE.get()
        if pending is None:
            os.replace(tmp, path)
        else:
            target = path.absolute()
            for i, (earlier, other) in enumerate(pending):
                if other == target:  # written twice in one block: the last write wins
                    Path(earlier).unlink(missing_ok=True)
                    del pending[i]
                    break
            pending.append((tmp, target))
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


def read_json_object(path: str | Path, fix: str) -> dict[str, Any]:
    """A JSON file's object; one line naming the file, the line and `fix` when it is not one."""
    path = Path(path)
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(path, f"not UTF-8 text; {fix}") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON ({exc.msg}); {fix}", line=exc.lineno) from None
    if not isinstance(found, dict):
        raise InputError(path, f"not a JSON object; {fix}")
    return found


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
        check_table_output(path, frame, option="output")
        with atomic_open(path, "wb") as fh:
            frame.write_csv(fh)
    else:
        raise InputError(path, f"unknown output type '{suffix}'; use .jsonl, .csv or .parquet")
