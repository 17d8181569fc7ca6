"""`synthmill scrub` on nested records: every string leaf, dotted fields, byte-identical rest.

The records have synthmill's own output shape (`{"id", "payload": {"text", "label"},
"provenance"}`) plus a chat-style list; the CLI runs in subprocesses, the long-text test in
process.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import polars as pl
import pytest

from validators.pii import PIIConfig, PIIScrubber
from validators.pii.nested import JsonLine, scrub_objects
from validators.pii.scrubber import split_text

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")

# Written by hand to exercise what json.dumps would not write back: spacing, an integer 1 and a
# float 1.0, 1e5, escapes, a missing key, null, a key order that is not sorted.
LINES = [
    '{"id": "r000000-1f2e3d4c5b", "payload": {"text": "Hi, I\'m Katalin Kiss, call me on '
    '+36 1 234 5678.", "label": "card_arrival"}, "provenance": {"generator": "builtin", '
    '"seed": 1, "attempt": 0, "score": 1.0, "big": 1e5, "weights_hash": "9f8e7d6c", '
    '"created_at": "2024-05-01T10:00:00Z", "attributes": {"tone": "calm"}}, "annotations": {}}\n',
    '{"id":"r000001-aa","payload":{"text":"How do I top up by card?","label":"top_up"},'
    '"provenance":{"seed":2,"parent":null}}\n',
    '{"provenance": {"seed": 3}, "id": "r000002-bb", "payload": {"label": "x", "text": '
    '"Send it to Puruntie 82, 00100 Helsinki caf\\u00e9"}, "messages": [{"role": "user", '
    '"content": "Pay Kónya, Becker and Vasquez"}, {"role": "assistant", "content": "ok"}], '
    '"n": 1}\n',
]
VALUES = ["Katalin Kiss", "+36 1 234 5678", "Puruntie 82", "00100 Helsinki", "Becker", "Vasquez"]


def _cli(*args: str | Path) -> subprocess.CompletedProcess:
    command = [PY, "-m", "pipelines.cli", "scrub", *map(str, args)]
    return subprocess.run(command, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True)


def _strip_strings(value: object) -> object:
    """`value` with every string blanked: what must come back unchanged."""
    if isinstance(value, str):
        return ""
    if isinstance(value, dict):
        return {k: _strip_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_strings(v) for v in value]
    return value


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("nested")
    src, dst, rep = folder / "generated.jsonl", folder / "out.jsonl", folder / "report.json"
    src.write_text("".join(LINES), encoding="utf-8")
    proc = _cli(src, "--out", dst, "--report", rep, "--mode", "redact")
    return {"proc": proc, "dst": dst, "report": rep}


def test_default_scrubs_every_string_leaf(default_run: dict) -> None:
    proc = default_run["proc"]
    assert proc.returncode == 0, proc.stderr
    out = default_run["dst"].read_text(encoding="utf-8")
    assert not [v for v in VALUES if v in out], out
    rows = [json.loads(line) for line in out.splitlines()]
    assert "<PERSON>" in rows[0]["payload"]["text"]
    assert "<PHONE_NUMBER>" in rows[0]["payload"]["text"]
    assert rows[2]["messages"][0]["content"].count("<PERSON>") == 3  # a leaf inside a list
    report = json.loads(default_run["report"].read_text())
    assert report["counts"]["messages.content"] == {"PERSON": 3}
    assert report["counts"]["payload.text"]["STREET_ADDRESS"] == 1
    assert "provenance.weights_hash" in report["fields"]  # reported by path
    assert (report["rows"], report["rows_changed"]) == (3, 2)


def test_other_values_come_back_byte_identical(default_run: dict) -> None:
    out_lines = default_run["dst"].read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(out_lines) == len(LINES)
    assert out_lines[1] == LINES[1]  # nothing found: the line as read, spacing and null kept
    for before, after in zip(LINES, out_lines, strict=True):
        b, a = json.loads(before), json.loads(after)
        assert _strip_strings(a) == _strip_strings(b)
        assert list(a) == list(b)  # key order
    first = out_lines[0]
    for raw in ('"seed": 1,', '"score": 1.0,', '"big": 1e5,', '"annotations": {}}'):
        assert raw in first, raw  # 1 stays 1, 1.0 stays 1.0, 1e5 stays 1e5
    assert '"weights_hash": "9f8e7d6c"' in first and '"label": "card_arrival"' in first
    assert "caf\\u00e9" in out_lines[2]  # the escape is kept as an escape
    assert '"n": 1}' in out_lines[2]


def test_dotted_field_scrubs_only_that_path(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(LINES), encoding="utf-8")
    proc = _cli(src, "--out", dst, "--fields", "payload.text", "--mode", "redact")
    assert proc.returncode == 0, proc.stderr
    out = dst.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = [json.loads(line) for line in out]
    assert "Katalin Kiss" not in rows[0]["payload"]["text"]
    assert "Puruntie 82" not in rows[2]["payload"]["text"]
    assert rows[2]["messages"][0]["content"] == "Pay Kónya, Becker and Vasquez"  # not chosen
    assert out[1] == LINES[1]
    assert "in payload.text:" in proc.stdout


def test_a_jsonl_file_that_starts_with_a_bom_is_read_as_a_csv_one_is(tmp_path: Path) -> None:
    from schemas.tables import read_table

    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + "".join(LINES).encode("utf-8"))
    assert read_table(src).height == len(LINES)
    proc = _cli(src, "--out", dst, "--fields", "payload.text", "--mode", "redact")
    assert proc.returncode == 0, proc.stderr
    out = dst.read_text(encoding="utf-8").splitlines(keepends=True)
    assert "Katalin Kiss" not in out[0] and out[1] == LINES[1]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--fields", "payload.body"), r"in\.jsonl: missing field 'payload\.body' \(found: "),
        (("--fields", "provenance.seed"), r"in\.jsonl:1: field 'provenance\.seed' must be text"),
    ],
    ids=["missing-path", "number-path"],
)
def test_bad_dotted_field_is_one_line_exit_2(
    tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(LINES), encoding="utf-8")
    proc = _cli(src, "--out", tmp_path / "out.jsonl", *args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and re.search(expected, lines[0]), proc.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_parquet_struct_column_by_dotted_field(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in LINES[:2]]
    frame = pl.DataFrame(
        {
            "id": [r["id"] for r in rows],
            "payload": [r["payload"] for r in rows],
            "seed": [r["provenance"]["seed"] for r in rows],
        }
    )
    src, dst = tmp_path / "in.parquet", tmp_path / "out.parquet"
    frame.write_parquet(src)
    proc = _cli(src, "--out", dst, "--fields", "payload.text")
    assert proc.returncode == 0, proc.stderr
    out = pl.read_parquet(dst)
    assert out.schema == frame.schema
    assert out["seed"].to_list() == [1, 2] and out["id"].to_list() == frame["id"].to_list()
    assert "Katalin Kiss" not in out["payload"][0]["text"]
    assert out["payload"][1] == frame["payload"][1]
    assert out["payload"][0]["label"] == "card_arrival"


def test_json_line_rewrite_keeps_every_other_character() -> None:
    line = JsonLine('{ "a" : "x y", "b":[1, 2.50, {"c":"zz"}], "d": "\\u00e9t\\u00e9" }')
    assert [(leaf.path, leaf.value) for leaf in line.leaves] == [
        (("a",), "x y"),
        (("b", "c"), "zz"),
        (("d",), "été"),
    ]
    assert line.rewrite({}) == line.text
    new = line.rewrite({1: "Q", 2: "ô"})
    assert new == '{ "a" : "x y", "b":[1, 2.50, {"c":"Q"}], "d": "\\u00f4" }'


@pytest.fixture(scope="module")
def scrubber() -> PIIScrubber:
    return PIIScrubber(PIIConfig(mode="redact"))


def test_objects_scrub_keeps_types(scrubber: PIIScrubber) -> None:
    rows = [json.loads(line) for line in LINES]
    new, counts = scrub_objects(rows, None, scrubber)
    assert new[1] is rows[1]  # untouched rows are the same objects
    assert _strip_strings(new) == _strip_strings(rows)
    assert "Katalin Kiss" not in new[0]["payload"]["text"]
    assert counts.rows_changed == 2


def test_a_one_megabyte_text_is_scrubbed_in_pieces(scrubber: PIIScrubber) -> None:
    """spaCy refuses a text over 1,000,000 characters (E088); the scrubber cuts it in pieces."""
    filler = "".join(f"log {i:07d} " + "x" * 990 + "\n" for i in range(1_000))
    text = "Hi, I'm Katalin Kiss.\n" + filler + "Call me on +36 1 234 5678.\n" + filler
    text += "Regards,\nAnna Becker"
    assert len(text) > 2_000_000
    start = time.perf_counter()
    out = scrubber.scrub_texts([text])[0]
    assert time.perf_counter() - start < 120
    for value in ("Katalin Kiss", "+36 1 234 5678", "Anna Becker"):
        assert value not in out
    assert out.count("x" * 990) == 2_000  # the rest is as it was


def test_split_text_joins_back_exactly() -> None:
    text = ("word " * 50 + "\n") * 300 + "y" * 30_000
    pieces = split_text(text, 5_000)
    assert "".join(pieces) == text
    assert all(len(p) <= 5_000 for p in pieces)
    assert all(p.endswith("\n") for p in pieces[:10])  # cut at line breaks where there are some
