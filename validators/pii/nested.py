"""Scrub the string leaves of nested records, and of JSON lines without re-encoding the rest.

A *field* is a dotted path through objects to text (`payload.text`); a list on the way applies
the rest of the path to each element (`messages.content` reaches every message's content). With
no fields, every string leaf is scrubbed. Leaves are reported by the dotted path of their field.

For JSON lines, `JsonLine` finds each string leaf's place in the line; a scrubbed leaf is written
back in place (JSON-encoded as the line encodes text: `\\u` escapes stay escapes) and every other
byte of the line is kept, so numbers ('1' stays '1', not '1.0'), key order, spacing and missing
keys come back as they were. A line with nothing scrubbed is returned as read.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from json.decoder import scanstring
from typing import Any

from schemas.paths import Path, values_at

_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


@dataclass
class Leaf:
    """One string value: where it sits in the record and, for a JSON line, in the line."""

    path: Path
    value: str
    start: int = -1  # the opening quote in the line
    end: int = -1  # just past the closing quote


def dotted(path: Path) -> str:
    return ".".join(path)


def string_leaves(value: Any, path: Path = ()) -> list[Leaf]:
    """Every string in a decoded JSON value, with its path (list elements add no step)."""
    if isinstance(value, str):
        return [Leaf(path, value)]
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in string_leaves(v, (*path, str(k)))]
    if isinstance(value, list):
        return [leaf for v in value for leaf in string_leaves(v, path)]
    return []


def field_of(path: Path, fields: Sequence[Path] | None) -> Path | None:
    """The field a leaf belongs to: itself with no fields given, else the field above it."""
    if fields is None:
        return path
    for f in fields:
        if path[: len(f)] == f:
            return f
    return None


class JsonLine:
    """A JSON object on one line, its string leaves located in the raw text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.leaves: list[Leaf] = []
        self._value(_WS.match(text, 0).end(), ())

    def _value(self, i: int, path: Path) -> int:
        text = self.text
        ch = text[i]
        if ch == '"':
            value, end = scanstring(text, i + 1)
            self.leaves.append(Leaf(path, value, i, end))
            return end
        if ch in "{[":
            close = "}" if ch == "{" else "]"
            i = _WS.match(text, i + 1).end()
            if text[i] == close:
                return i + 1
            while True:
                step = path
                if ch == "{":
                    key, i = scanstring(text, i + 1)
                    i = _WS.match(text, i).end() + 1  # past ':'
                    step = (*path, key)
                i = self._value(_WS.match(text, i).end(), step)
                i = _WS.match(text, i).end()
                if text[i] == close:
                    return i + 1
                i = _WS.match(text, i + 1).end()  # past ','
        match = _SCALAR.match(text, i)
        if match is None:  # the line was checked with json.loads first
            raise ValueError(f"unexpected {ch!r} at {i}")
        return match.end()

    def rewrite(self, new: dict[int, str]) -> str:
        """The line with leaf `i` replaced by `new[i]`, every other character as it was."""
        if not new:
            return self.text
        out, at = [], 0
        for i in sorted(new):
            leaf = self.leaves[i]
            raw = self.text[leaf.start : leaf.end]
            out.append(self.text[at : leaf.start])
            out.append(json.dumps(new[i], ensure_ascii=raw.isascii()))
            at = leaf.end
        out.append(self.text[at:])
        return "".join(out)


@dataclass
class NestedCounts:
    """What a nested scrub did: rows changed, detections by field path and entity type."""

    rows: int = 0
    rows_changed: int = 0
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, path: str, found: Counter[str]) -> None:
        self.counts.setdefault(path, Counter()).update(found)


def scrub_leaves(
    scrubber: Any, leaves: Iterable[tuple[int, Leaf, Path]], counts: NestedCounts
) -> dict[int, str]:
    """Scrub leaves (tagged with an owner id and field) by field; returns owner-leaf -> new.

    Each field's texts go to the scrubber together (its per-field policy applies); the key of
    the result is the position of the leaf in `leaves`.
    """
    by_field: dict[Path, list[tuple[int, Leaf]]] = {}
    for n, (_, leaf, fld) in enumerate(leaves):
        by_field.setdefault(fld, []).append((n, leaf))
    changed: dict[int, str] = {}
    for fld, items in by_field.items():
        name = dotted(fld)
        texts = [leaf.value for _, leaf in items]
        pieces = _split_found(scrubber, texts, name)
        for (n, leaf), (new, found) in zip(items, pieces, strict=True):
            counts.add(name, found)
            if new != leaf.value:
                changed[n] = new
    return changed


def _split_found(scrubber: Any, texts: list[str], name: str) -> list[tuple[str, Counter[str]]]:
    """Per text: the scrubbed text and what was found in it."""
    return scrubber.scrub_each(texts, name)


# -- JSON lines files ------------------------------------------------------------------------


@dataclass
class JsonlRecords:
    """A JSONL file as read: each line's text (ending kept) and, for records, the object."""

    path: Any
    lines: list[str]
    records: list[tuple[int, Any]]  # (index into lines, decoded object)

    def leaf_paths(self) -> list[str]:
        seen: dict[str, None] = {}
        for _, obj in self.records:
            for leaf in string_leaves(obj):
                seen.setdefault(dotted(leaf.path), None)
        return list(seen)


def read_jsonl_records(path: Any) -> JsonlRecords:
    """Read and check a JSONL file; a bad line is one `InputError` naming file and line."""
    from pathlib import Path as FilePath

    from schemas.errors import InputError

    path = FilePath(path)
    if path.is_dir():
        raise InputError(path, "is a folder, not a data file")
    if not path.is_file():
        raise InputError(path, "file not found" if not path.exists() else "not a regular file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read the file ({exc.strerror or exc})") from None
    if not raw:
        raise InputError(path, "the file is empty")
    lines: list[str] = []
    records: list[tuple[int, Any]] = []
    first: dict[str, tuple[str, int]] = {}  # top-level field -> (kind, line first seen)
    for lineno, chunk in enumerate(raw.splitlines(keepends=True), start=1):
        try:
            line = chunk.decode("utf-8-sig" if lineno == 1 else "utf-8")  # a BOM goes
        except UnicodeDecodeError:
            raise InputError(path, "not UTF-8 text; re-encode the file as UTF-8", lineno) from None
        lines.append(line)
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"not valid JSON ({exc.msg})", lineno) from None
        if not isinstance(obj, dict):
            raise InputError(path, "each line must be a JSON object", lineno)
        for key, value in obj.items():  # one kind per field, as every synthmill reader asks
            if value is None:
                continue
            kind = _kind(value)
            seen = first.setdefault(key, (kind, lineno))
            if seen[0] != kind:
                raise InputError(
                    path, f"field '{key}' is {kind} here but {seen[0]} on line {seen[1]}", lineno
                )
        records.append((lineno - 1, obj))
    if not records:
        raise InputError(path, "the file has no records")
    return JsonlRecords(path, lines, records)


def _kind(value: Any) -> str:
    """A JSON value's kind as a user would name it."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def check_fields(data: JsonlRecords, fields: Sequence[str]) -> None:
    """Each field reaches text in some record, and nothing but text (or null) in any.

    A record that lacks a field, or holds null there, is left as it is; a field that no record
    has is a mistake, and so is one that reaches a number, a boolean, a list or an object
    (a list on the way, as in `messages.content`, is fine: each element is looked into).
    """
    from schemas.errors import InputError

    for name in fields:
        path = tuple(name.split("."))
        present = False
        for index, obj in data.records:
            for value in values_at(obj, path):
                if value is None:
                    continue
                present = True
                if not isinstance(value, str):
                    raise InputError(
                        data.path, f"field '{name}' must be text, found {_kind(value)}", index + 1
                    )
        if not present:
            found = ", ".join(data.leaf_paths()) or "no text fields"
            raise InputError(data.path, f"missing field '{name}' (found: {found})")


def scrub_jsonl(
    data: JsonlRecords, fields: Sequence[str] | None, scrubber: Any, block: int = 2000
) -> tuple[list[str], NestedCounts]:
    """The file's lines with the chosen string leaves scrubbed, and what was found.

    Records are scrubbed `block` at a time (spaCy works in batches); a line with nothing
    changed comes back as read, byte for byte, and so do blank lines.
    """
    paths = None if fields is None else [tuple(f.split(".")) for f in fields]
    out = list(data.lines)
    counts = NestedCounts(rows=len(data.records))
    for at in range(0, len(data.records), block):
        chunk = data.records[at : at + block]
        parsed = [(index, JsonLine(data.lines[index].rstrip("\r\n"))) for index, _ in chunk]
        tagged: list[tuple[int, Leaf, Path]] = []
        where: list[int] = []  # each tagged leaf's index in its line
        for owner, (_, line) in enumerate(parsed):
            for i, leaf in enumerate(line.leaves):
                fld = field_of(leaf.path, paths)
                if fld is not None:
                    tagged.append((owner, leaf, fld))
                    where.append(i)
        changed = scrub_leaves(scrubber, tagged, counts)
        per_line: dict[int, dict[int, str]] = {}
        for n, new in changed.items():
            per_line.setdefault(tagged[n][0], {})[where[n]] = new
        for owner, new in per_line.items():
            index, line = parsed[owner]
            ending = data.lines[index][len(line.text) :]
            out[index] = line.rewrite(new) + ending
            counts.rows_changed += 1
        for _, _, fld in tagged:
            counts.counts.setdefault(dotted(fld), Counter())
    return out, counts


def scrub_objects(
    rows: list[dict[str, Any]], fields: Sequence[str] | None, scrubber: Any
) -> tuple[list[dict[str, Any]], NestedCounts]:
    """Decoded records (e.g. a Parquet file's rows) with the chosen string leaves scrubbed."""
    paths = None if fields is None else [tuple(f.split(".")) for f in fields]
    counts = NestedCounts(rows=len(rows))
    tagged: list[tuple[int, Leaf, Path]] = []
    for owner, row in enumerate(rows):
        for leaf in string_leaves(row):
            fld = field_of(leaf.path, paths)
            if fld is not None:
                tagged.append((owner, leaf, fld))
    changed = scrub_leaves(scrubber, tagged, counts)
    for _, _, fld in tagged:
        counts.counts.setdefault(dotted(fld), Counter())
    values: dict[int, list[str]] = {}
    for n, (owner, leaf, _) in enumerate(tagged):
        values.setdefault(owner, []).append(changed.get(n, leaf.value))
    new_rows = list(rows)
    for owner in sorted({tagged[n][0] for n in changed}):
        new_rows[owner] = _rebuild(rows[owner], (), paths, iter(values[owner]))
        counts.rows_changed += 1
    return new_rows, counts


def _rebuild(value: Any, path: Path, paths: Sequence[Path] | None, new: Iterator[str]) -> Any:
    """`value` with its chosen string leaves, in walk order, taken from `new`."""
    if isinstance(value, str):
        return next(new) if field_of(path, paths) is not None else value
    if isinstance(value, dict):
        return {k: _rebuild(v, (*path, str(k)), paths, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_rebuild(v, path, paths, new) for v in value]
    return value
