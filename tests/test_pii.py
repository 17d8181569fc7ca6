"""PII scrub on real presidio and the installed spaCy model: values go, rows and fields stay.

The engine is built once for the module (spaCy load); the CLI runs in subprocesses, one of them
with every socket call refused and logged, to show a scrub never touches the network.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import textwrap
from pathlib import Path

import polars as pl
import pytest

from schemas.errors import ConfigError
from validators.pii import FieldPolicy, PIIConfig, PIIScrubber
from validators.pii.recognizers import load_recognizer_file

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")

# (entity type, planted value, banking77-like sentence holding it)
PLANTED = [
    ("EMAIL_ADDRESS", "jane.doe84@gmail.com", "My email is {v}, can you send the statement there?"),
    ("PHONE_NUMBER", "(415) 555-0132", "I still haven't received my card, call me at {v}."),
    ("PHONE_NUMBER", "+44 20 7946 0958", "My top-up failed again. My mobile: {v}"),
    ("CREDIT_CARD", "4111 1111 1111 1111", "The payment on card {v} is still pending."),
    ("CREDIT_CARD", "5500-0000-0000-0004", "Why was my card {v} declined at the ATM?"),
    ("IBAN_CODE", "GB82 WEST 1234 5698 7654 32", "Why was my transfer to {v} declined?"),
    ("IBAN_CODE", "DE89370400440532013000", "I sent money to {v} and it has not arrived."),
    ("US_SSN", "536-22-8714", "For verification my SSN is {v}."),
    ("IP_ADDRESS", "203.0.113.42", "Someone logged in from {v} and changed my PIN."),
    ("PERSON", "Maria Gonzalez", "Hi, my name is {v} and my top-up did not work."),
    ("PERSON", "Tom Baker", "I transferred money to {v} but he never got it."),
    ("STREET_ADDRESS", "742 Evergreen Terrace", "Please send the new card to {v}, Springfield."),
    ("STREET_ADDRESS", "1600 Pennsylvania Avenue", "I moved to {v} last month, update my address."),
]
TEXTS = [sentence.format(v=value) for _, value, sentence in PLANTED]
VALUES = [value for _, value, _ in PLANTED]


@pytest.fixture(scope="module")
def replacer() -> PIIScrubber:
    return PIIScrubber(PIIConfig(seed=3))


@pytest.fixture(scope="module")
def redactor(replacer: PIIScrubber) -> PIIScrubber:
    return PIIScrubber(PIIConfig(mode="redact"))  # same engine: it is cached by config


def test_replace_mode_removes_every_planted_value(replacer: PIIScrubber) -> None:
    out = replacer.scrub_texts(TEXTS)
    for (entity, value, _), before, after in zip(PLANTED, TEXTS, out, strict=True):
        assert value not in after, f"{entity} left in: {after}"
        assert "<" not in after and after != before
    # the fakes look like the real thing
    assert re.search(r"[\w.]+@[\w.]+\.\w+", out[0])
    digits = re.sub(r"\D", "", out[3].split("card ")[1])
    assert len(digits) == 16


def test_redact_mode_writes_placeholders(redactor: PIIScrubber) -> None:
    out = redactor.scrub_texts(TEXTS)
    for (entity, value, _), after in zip(PLANTED, out, strict=True):
        assert value not in after
        assert f"<{entity}>" in after, after


def test_same_value_gets_same_fake_across_rows_and_calls(replacer: PIIScrubber) -> None:
    rows = [
        "Maria Gonzalez wants to know why her top-up failed.",
        "Please refund Maria Gonzalez, she was charged twice.",
        "Contact jane.doe84@gmail.com about the refund.",
    ]
    first = replacer.scrub_texts(rows)
    fake_name = first[0].split(" wants")[0]
    assert fake_name != "Maria Gonzalez" and fake_name in first[1]
    again = replacer.scrub_texts(["My email is jane.doe84@gmail.com, can you send it there?"])
    fake_mail = again[0].split("email is ")[1].split(",")[0]
    assert fake_mail in first[2]
    # a fresh scrubber with the same seed writes the same text
    assert PIIScrubber(PIIConfig(seed=3)).scrub_texts(rows) == first


def test_batches_on_fresh_scrubbers_equal_one_scrubber(replacer: PIIScrubber) -> None:
    """What a Ray build relies on: a fake depends on the value only, not on what came before."""
    frame = pl.DataFrame({"text": TEXTS * 3 + [t.replace("Tom", "Tim") for t in TEXTS]})
    whole, report = replacer.scrub_frame(frame, ["text"])
    parts = []
    for lo in range(0, frame.height, 7):  # each batch on a scrubber of its own, as on Ray
        scrubber = PIIScrubber(PIIConfig(seed=3))
        scrubber.scrub_texts(["Call Tim Baker on (415) 555-0199 about Maria Lopez."])
        parts.append(scrubber.scrub_frame(frame.slice(lo, 7), ["text"])[0])
    assert report.rows_changed == frame.height
    assert pl.concat(parts)["text"].to_list() == whole["text"].to_list()


def test_frame_keeps_rows_order_and_other_fields(replacer: PIIScrubber) -> None:
    frame = pl.DataFrame(
        {
            "id": [10, 11, 12, 13],
            "text": [TEXTS[0], "How do I top up by card?", TEXTS[9], None],
            "label": ["a", "b", "c", "d"],
            "amount": [1.5, None, 3.0, 4.25],
        }
    )
    scrubbed, report = replacer.scrub_frame(frame, ["text"])
    assert scrubbed.columns == frame.columns
    assert scrubbed.select("id", "label", "amount").equals(frame.select("id", "label", "amount"))
    assert scrubbed["text"][1] == "How do I top up by card?"
    assert scrubbed["text"][3] is None
    assert VALUES[0] not in scrubbed["text"][0] and VALUES[9] not in scrubbed["text"][2]
    assert (report.rows, report.rows_changed, report.fields) == (4, 2, ("text",))
    assert report.counts == {"text": {"EMAIL_ADDRESS": 1, "PERSON": 1}}
    assert report.totals == {"EMAIL_ADDRESS": 1, "PERSON": 1}


def test_report_counts_by_field_and_type_without_values(replacer: PIIScrubber) -> None:
    frame = pl.DataFrame({"text": TEXTS, "note": [TEXTS[-1 - i] for i in range(len(TEXTS))]})
    _, report = replacer.scrub_frame(frame)  # default: every string column
    assert set(report.counts) == {"text", "note"}
    for field in ("text", "note"):
        assert report.counts[field]["CREDIT_CARD"] == 2
        assert report.counts[field]["STREET_ADDRESS"] == 2
    assert report.totals["IBAN_CODE"] == 4
    dumped = report.model_dump_json()
    for value in VALUES:
        assert value not in dumped
        assert re.sub(r"\W", "", value) not in re.sub(r"\W", "", dumped)


def test_logs_hold_no_value(replacer: PIIScrubber, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    replacer.scrub_frame(pl.DataFrame({"text": TEXTS}))
    assert "detections" in caplog.text
    assert not [v for v in VALUES if v in caplog.text]


def test_per_field_policy_and_allow_list() -> None:
    config = PIIConfig(
        allow_list=("Tom Baker",),
        per_field={"note": FieldPolicy(entities=("EMAIL_ADDRESS",))},
    )
    scrubber = PIIScrubber(config)
    frame = pl.DataFrame({"text": [TEXTS[10], TEXTS[9]], "note": [TEXTS[9], TEXTS[0]]})
    scrubbed, report = scrubber.scrub_frame(frame)
    assert "Tom Baker" in scrubbed["text"][0]  # allowed
    assert "Maria Gonzalez" not in scrubbed["text"][1]
    assert "Maria Gonzalez" in scrubbed["note"][0]  # note scrubs e-mail only
    assert VALUES[0] not in scrubbed["note"][1]
    assert report.counts["note"] == {"EMAIL_ADDRESS": 1}


def test_unknown_entity_is_a_config_error(replacer: PIIScrubber) -> None:
    with pytest.raises(ConfigError, match="unknown entity 'PASSWORD'"):
        PIIScrubber(PIIConfig(entities=("PERSON", "PASSWORD")))


def test_yaml_domain_recognizer(tmp_path: Path) -> None:
    path = tmp_path / "domain.yaml"
    path.write_text(
        textwrap.dedent(
            r"""
            recognizers:
              - name: account_number
                entity: ACCOUNT_NUMBER
                patterns:
                  - {name: acc, regex: '\bACC-\d{8}\b', score: 0.9}
                context: [account]
                fake: "ACC-########"
            """
        )
    )
    scrubber = PIIScrubber(PIIConfig(recognizers_file=path, seed=1))
    rows = ["Why is ACC-12345678 frozen?", "Move £20 from ACC-12345678 to ACC-87654321."]
    frame, report = scrubber.scrub_frame(pl.DataFrame({"text": rows}))
    out = frame["text"].to_list()
    assert "12345678" not in " ".join(out) and "87654321" not in " ".join(out)
    fakes = [re.findall(r"ACC-\d{8}", text) for text in out]
    assert fakes[0][0] == fakes[1][0] != fakes[1][1]
    assert report.totals == {"ACCOUNT_NUMBER": 3}
    redacted = PIIScrubber(PIIConfig(recognizers_file=path, mode="redact")).scrub_texts(rows[:1])
    assert redacted == ["Why is <ACCOUNT_NUMBER> frozen?"]


def test_yaml_with_unknown_key_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("recognizers:\n  - name: acc\n    entity: ACCOUNT_NUMBER\n    paterns: []\n")
    with pytest.raises(ConfigError) as err:
        load_recognizer_file(path)
    message = str(err.value)
    assert "paterns" in message and str(path) in message and "\n" not in message
    with pytest.raises(ConfigError, match="paterns"):
        PIIScrubber(PIIConfig(recognizers_file=path))


def test_yaml_with_bad_regex_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "recognizers:\n  - name: acc\n    entity: ACC\n"
        "    patterns: [{name: p, regex: 'ACC-(\\d+', score: 0.5}]\n"
    )
    with pytest.raises(ConfigError, match="regex does not compile"):
        load_recognizer_file(path)
    # the only pattern on a line of its own: its own error, not the list's "at least 1 item"
    for bad, expected in (
        ("regex: 'ACC[0-9{6}', score: 0.6", "regex does not compile"),
        ("regex: 'ACC[0-9]{6}', score: 1.5", "less than or equal to 1"),
    ):
        path.write_text(
            "recognizers:\n  - name: acc\n    entity: ACC\n    patterns:\n"
            f"      - {{name: p, {bad}}}\n"
        )
        with pytest.raises(ConfigError) as err:
            load_recognizer_file(path)
        assert f"{path}:5: 'recognizers.0.patterns.0." in str(err.value), err.value
        assert expected in str(err.value)


# --- CLI, in subprocesses ---------------------------------------------------------------------

GUARD = """
import os, socket
_log = os.environ["NET_GUARD_LOG"]
open(_log + ".loaded", "w").close()
def _deny(*args, **kwargs):
    with open(_log, "a") as fh:
        fh.write(repr(args[1:3]) + "\\n")
    raise OSError("network disabled by the test")
socket.socket.connect = _deny
socket.socket.connect_ex = _deny
socket.create_connection = _deny
socket.getaddrinfo = _deny
"""


def _cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [PY, "-m", "pipelines.cli", "scrub", *map(str, args)]
    run_env = {**os.environ, **(env or {})}
    return subprocess.run(command, cwd=ROOT, env=run_env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A sitecustomize that refuses and logs every socket connection and DNS lookup."""
    folder = tmp_path_factory.mktemp("guard")
    (folder / "sitecustomize.py").write_text(GUARD)
    log = folder / "net.log"
    return {"dir": folder, "log": log}


def _guard_env(guard: dict[str, Path]) -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(guard["dir"]), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path, "NET_GUARD_LOG": str(guard["log"])}


def test_network_guard_catches_a_connection(guarded: dict[str, Path], tmp_path: Path) -> None:
    env = {**os.environ, **_guard_env(guarded), "NET_GUARD_LOG": str(tmp_path / "probe.log")}
    code = "import urllib.request\ntry:\n urllib.request.urlopen('http://example.com', timeout=2)\n"
    code += "except OSError:\n pass\n"
    subprocess.run([PY, "-c", code], env=env, check=True)
    assert (tmp_path / "probe.log").read_text().strip()


@pytest.fixture(scope="module")
def jsonl_run(guarded: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("jsonl")
    rows = [{"id": i, "text": t, "score": i / 2, "tags": ["x"]} for i, t in enumerate(TEXTS)]
    src, dst, rep = folder / "in.jsonl", folder / "out.jsonl", folder / "report.json"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = _cli(src, "--out", dst, "--report", rep, env=_guard_env(guarded))
    return {"proc": proc, "rows": rows, "dst": dst, "report": rep}


def test_cli_jsonl_scrubs_text_and_keeps_the_rest(jsonl_run: dict) -> None:
    proc = jsonl_run["proc"]
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in jsonl_run["dst"].read_text().splitlines()]
    assert [r["id"] for r in out] == [r["id"] for r in jsonl_run["rows"]]
    for before, after in zip(jsonl_run["rows"], out, strict=True):
        assert (after["score"], after["tags"]) == (before["score"], before["tags"])
    scrubbed = " ".join(r["text"] for r in out)
    assert not [v for v in VALUES if v in scrubbed]
    report_text = jsonl_run["report"].read_text()
    report = json.loads(report_text)
    assert report["rows"] == len(TEXTS) and report["counts"]["text"]["PHONE_NUMBER"] == 2
    assert not [v for v in VALUES if v in report_text + proc.stdout + proc.stderr]


def test_cli_scrub_touches_no_network(jsonl_run: dict, guarded: dict[str, Path]) -> None:
    assert jsonl_run["proc"].returncode == 0
    assert Path(str(guarded["log"]) + ".loaded").exists()  # the guard was active
    assert not guarded["log"].exists(), guarded["log"].read_text()


def test_cli_parquet_redact_with_fields(tmp_path: Path) -> None:
    frame = pl.DataFrame({"id": ["a", "b"], "text": TEXTS[:2], "other": TEXTS[2:4]})
    src, dst = tmp_path / "in.parquet", tmp_path / "out.parquet"
    frame.write_parquet(src)
    proc = _cli(src, "--out", dst, "--fields", "text", "--mode", "redact")
    assert proc.returncode == 0, proc.stderr
    out = pl.read_parquet(dst)
    assert out["id"].to_list() == ["a", "b"] and out["other"].equals(frame["other"])
    assert out["text"][0] == "My email is <EMAIL_ADDRESS>, can you send the statement there?"


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        (b'{"text": "ok"}\n{"text": oops}\n', (), r"in\.jsonl:2: not valid JSON"),
        (b'{"text": "ok"}\n', ("--fields", "body"), r"missing field 'body'"),
        (b"", (), r"the file is empty"),
        (b'{"text": "caf\xe9"}\n', (), r"in\.jsonl:1: not UTF-8"),
        (b'{"text": "ok"}\n', ("--mode", "mask"), r"'mode'"),
    ],
    ids=["not-json", "missing-field", "empty", "not-utf8", "bad-mode"],
)
def test_cli_bad_input_is_one_line_exit_2(
    tmp_path: Path, content: bytes, args: tuple[str, ...], expected: str
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(content)
    proc = _cli(src, "--out", tmp_path / "out.jsonl", *args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and re.search(expected, lines[0]), proc.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_cli_parquet_with_a_non_text_field_is_exit_2(tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    pl.DataFrame({"text": [1, 2]}).write_parquet(src)
    proc = _cli(src, "--out", tmp_path / "out.parquet", "--fields", "text")
    assert proc.returncode == 2
    expected = r"error: .*in\.parquet: field 'text' must be text, found Int64\n"
    assert re.fullmatch(expected, proc.stderr), proc.stderr
