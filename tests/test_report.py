"""What a person sees: report.md's evaluation tables and plots, sample records without PII, the
adapter's model card, the HTML report, `synthmill report`, and a quiet console (issue #17)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from generators.base import Roles
from pipelines.config import load_config
from pipelines.report import report_markdown
from pipelines.report_extras import held_out_truth, sample_records
from pipelines.report_plots import CONFUSION_PLOT, F1_PLOT, evaluation_plots
from pipelines.report_sections import evaluation_rows
from pipelines.state import BuildReport, BuildState
from schemas.rejection import Rejection, RejectReason, Stage

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "banking77"
LABELS = ["card_arrival", "change_pin", "exchange_rate"]
TRUTH = [
    "card_arrival",
    "change_pin",
    "exchange_rate",
    "card_arrival",
    "change_pin",
    "card_arrival",
]
STUDENT = ["card_arrival", "change_pin", "card_arrival", "card_arrival", "change_pin", "change_pin"]
BASE = ["change_pin", "change_pin", "exchange_rate", "card_arrival", "card_arrival", "card_arrival"]

# Planted in rejected teacher output (as tests/test_pii.py plants them).
PII = {
    "EMAIL_ADDRESS": "jane.doe84@gmail.com",
    "PHONE_NUMBER": "(415) 555-0132",
    "CREDIT_CARD": "4111 1111 1111 1111",
    "PERSON": "Maria Gonzalez",
}


def _metrics(pred: list[str], shots: int) -> dict[str, Any]:
    from pipelines.evaluate import accuracy, f1_per_label, macro_f1

    return {
        "accuracy": accuracy(TRUTH, pred),
        "macro_f1": macro_f1(TRUTH, pred),
        "few_shot": shots,
        "per_label_f1": f1_per_label(TRUTH, pred),
        "predictions": pred,
        "seconds": 1.5,
    }


def _evaluation(extra_students: bool = True) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "task": "labels",
        "n": len(TRUTH),
        "labels": LABELS,
        "n_train_records": 30,
        "base": _metrics(BASE, 10),
        "student": _metrics(STUDENT, 0),
    }
    ev["difference"] = {k: ev["student"][k] - ev["base"][k] for k in ("accuracy", "macro_f1")}
    if extra_students:  # as the trusted-only / trusted+synthetic students may be reported
        ev["trusted_only"] = {**_metrics(TRUTH, 0), "n_train_records": 12}
    return ev


def _report(ev: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    report = BuildReport(name="banking77", run_dir="runs/x", seed=1, config_hash="ab" * 32)
    report.stages = {}  # type: ignore[assignment]
    out = report.to_json()
    out.update(counts={"requested": 8, "accepted": 6, "rejected": 2}, stages={})
    out["rejected_by_reason"] = {"invalid_json": 1, "leak_of_trusted": 1}
    out["stage_seconds"] = {"generate": 60.0, "scrub": 2.0, "evaluate": 100.0}
    if ev is not None:
        out["evaluation"] = {
            "finetune": {"n_records": 30, "steps": 4, "seconds": 70.0, "device": "cpu"},
            "evaluation": ev,
        }
    out.update(extra)
    return out


def _section(markdown: str, title: str) -> str:
    return markdown.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def _table_rows(text: str) -> list[list[str]]:
    rows = [line.strip("|").split("|") for line in text.splitlines() if line.startswith("|")]
    return [[c.strip() for c in row] for row in rows[2:]]  # after the header and the rule


def _timing(markdown: str) -> dict[str, float]:
    return {r[0]: float(r[1]) for r in _table_rows(_section(markdown, "Time per stage"))}


def test_evaluation_table_has_the_numbers_of_evaluation_json() -> None:
    ev = _evaluation()
    md = report_markdown(_report(ev))
    section = _section(md, "Student vs base on held-out real data")
    assert "```json" not in md
    table = section.split("\n\n")[1]
    rows = {r[0]: r for r in _table_rows(table)}
    expected = {"base, 10-shot": ev["base"], "student (synthetic)": ev["student"]}
    expected["trusted only"] = ev["trusted_only"]
    assert set(rows) == set(expected)
    for name, m in expected.items():
        _, _, acc, f1, n = rows[name]
        assert (float(acc), float(f1), int(n)) == (
            round(m["accuracy"], 3),
            round(m["macro_f1"], 3),
            len(TRUTH),
        )
    assert rows["trusted only"][1] == "12"
    per_label = _table_rows(section.split("F1 per label:", 1)[1].split("\n\n")[1])
    for label, base_f1, student_f1, _trusted in per_label:
        assert float(base_f1) == round(ev["base"]["per_label_f1"][label], 3)
        assert float(student_f1) == round(ev["student"]["per_label_f1"][label], 3)
    stages = {"generate": 60.0, "scrub": 2.0}
    assert _timing(md) == {**stages, "fine-tune": 70.0, "evaluate": 30.0, "total": 162.0}
    # a student kept from an earlier run of the folder: its training time is not this run's
    kept = _report(ev)
    kept["evaluation"]["finetune"]["from_earlier_run"] = True
    md = report_markdown(kept)
    assert _timing(md) == {**stages, "fine-tune and evaluate": 100.0, "total": 162.0}
    assert "70.0 s in an earlier run of this folder (kept, with its scores)." in md


def test_evaluation_without_other_students_or_held_out_data() -> None:
    rows = evaluation_rows(_report(_evaluation(extra_students=False)))
    assert [r["model"] for r in rows] == ["base, 10-shot", "student (synthetic)"]
    md = report_markdown(_report(None, evaluation={"finetune": {"steps": 3}, "evaluation": None}))
    assert "No held-out data" in md
    assert "Student vs base" not in report_markdown(_report(None))


def test_plots_are_drawn(tmp_path: Path) -> None:
    made = evaluation_plots(_evaluation(), TRUTH, tmp_path)
    assert made == [F1_PLOT, CONFUSION_PLOT]
    for rel in made:
        assert (tmp_path / rel).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert evaluation_plots(_evaluation(), None, tmp_path) == [F1_PLOT]  # truth unknown
    md = report_markdown(_report(None, evaluation={"evaluation": _evaluation(), "plots": made}))
    assert f"![{F1_PLOT}]({F1_PLOT})" in md and f"![{CONFUSION_PLOT}]" in md


def _state(tmp_path: Path, pii: bool = True) -> BuildState:
    config = load_config(EXAMPLE / "config.yaml", {"build.pii": pii})
    roles = Roles(
        text_fields=("text",),
        label_field="label",
        trusted_columns={"text": "text", "label": "category"},
        task="labels",
        input_field="text",
        target_field="label",
    )
    texts = [f"where is my card number {i}?" for i in range(7)] + ["how do I change my pin"]
    accepted = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(8)],
            "text": texts,
            "label": ["card_arrival"] * 7 + ["change_pin"],
        }
    )
    raw = json.dumps(
        {"text": f"Hi, I am {PII['PERSON']}, call {PII['PHONE_NUMBER']} about my card.", "label": 7}
    )
    rejections = [
        Rejection(
            record_id="g1",
            stage=Stage.GENERATE,
            check="schema",
            reason=RejectReason.SCHEMA_MISMATCH,
            detail=f"input_value='card {PII['CREDIT_CARD']}'",
            raw_output=raw,
        ),
        Rejection(
            record_id="g2",
            stage=Stage.GENERATE,
            check="json",
            reason=RejectReason.INVALID_JSON,
            raw_output=f"My email is {PII['EMAIL_ADDRESS']}, send the statement there",
        ),
        Rejection(
            record_id="d1",
            stage=Stage.DEDUP,
            check="leak",
            reason=RejectReason.LEAK_OF_TRUSTED,
            detail="estimated Jaccard 0.910 with trusted-000012",
        ),
    ]
    report = BuildReport(name="banking77", run_dir=str(tmp_path), seed=1, config_hash="0" * 64)
    return BuildState(
        config=config,
        run_dir=tmp_path,
        trusted=pl.DataFrame(),
        roles=roles,
        payload_fields=["text", "label"],
        report=report,
        accepted=accepted,
        rejections=rejections,
    )


def test_samples_show_records_and_no_pii(tmp_path: Path) -> None:
    state = _state(tmp_path)
    samples = sample_records(state)
    assert len(samples["accepted"]["card_arrival"]) == 5 and samples["accepted"]["change_pin"]
    assert set(samples["rejected"]) == {"schema_mismatch", "invalid_json", "leak_of_trusted"}
    shown = json.dumps(samples)
    assert not [v for v in PII.values() if v in shown], shown
    assert samples["rejected"]["invalid_json"][0]["text"]  # scrubbed, not dropped
    assert "about my card" in samples["rejected"]["schema_mismatch"][0]["text"]
    state.report.samples = samples
    md = report_markdown(state.report.to_json())
    section = _section(md, "Sample records")
    assert "where is my card number 0?" in section and "trusted-000012" in section
    assert not [v for v in PII.values() if v in md]


def test_without_a_scrub_rejected_texts_are_left_out(tmp_path: Path) -> None:
    samples = sample_records(_state(tmp_path, pii=False))
    shown = json.dumps(samples["rejected"])
    assert not [v for v in PII.values() if v in shown] and "left out" in samples["note"]


def test_truth_is_rebuilt_only_when_it_gives_the_recorded_accuracy(tmp_path: Path) -> None:
    state = _state(tmp_path)
    held = pl.read_csv(EXAMPLE / "held_out.csv")
    truth = held["category"].to_list()
    ev = {"student": {"predictions": truth, "accuracy": 1.0}}
    assert held_out_truth(state, ev) == truth
    assert held_out_truth(state, {"student": {"predictions": truth, "accuracy": 0.5}}) is None


def test_model_card_parses_and_its_metrics_equal_the_evaluation(tmp_path: Path) -> None:
    from huggingface_hub import ModelCard, metadata_load

    from pipelines.model_card import write_model_card

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    assert write_model_card({}, adapter, model="embedded", dataset="b") is None  # no adapter
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "sft_dataset.jsonl").write_text(
        json.dumps({"prompt": "Message: hi\nLabel:", "completion": " change_pin\n"}) + "\n"
    )
    ev = _evaluation()
    path = write_model_card(_report(ev), adapter, model="embedded", dataset="banking77")
    assert path == adapter / "README.md"
    card = ModelCard.load(path)
    meta = metadata_load(path)
    assert meta is not None
    assert meta["base_model"] == "google/gemma-3-270m" and meta["library_name"] == "peft"
    assert meta["license"] and meta["datasets"]
    results = {(r.metric_type, r.metric_value) for r in card.data.eval_results}
    assert results == {("accuracy", ev["student"]["accuracy"]), ("f1", ev["student"]["macro_f1"])}
    text = path.read_text()
    assert "PeftModel.from_pretrained" in text and "Label: change_pin" in text
    assert "## Prompt format" in text and "## Limits" in text
    assert "the prompt holds the message alone" in text  # no finetune_config.json: no list
    config = {"config": {"list_labels": True}}
    (adapter / "finetune_config.json").write_text(json.dumps(config))
    path = write_model_card(_report(ev), adapter, model="embedded", dataset="banking77")
    assert "the prompt lists the labels, then the message" in path.read_text()


class _Sections(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.images: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3"):
            self._in = tag
            self.headings.append("")
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.headings[-1] += data


def _run_folder(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    plots = evaluation_plots(_evaluation(), TRUTH, run)
    report = _report(None, evaluation={"evaluation": _evaluation(), "plots": plots})
    report["samples"] = {"accepted": {"card_arrival": ["where is my card"]}, "rejected": {}}
    (run / "report.json").write_text(json.dumps(report))
    (run / "report.md").write_text(report_markdown(report))
    return run


def test_html_report_has_every_section_and_embeds_the_plots(tmp_path: Path) -> None:
    from pipelines.report_html import write_report_html

    run = _run_folder(tmp_path)
    page = write_report_html(run)
    parser = _Sections()
    parser.feed(page.read_text())
    md_headings = [
        line.lstrip("#").strip()
        for line in (run / "report.md").read_text().splitlines()
        if re.match(r"#{1,3} ", line)
    ]
    assert parser.headings == md_headings and "Sample records" in md_headings
    assert len(parser.images) == 2 and all(
        s.startswith("data:image/png;base64,") for s in parser.images
    )


def test_report_command_prints_the_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import webbrowser

    from typer.testing import CliRunner

    from pipelines.cli import app

    run = _run_folder(tmp_path)
    runner = CliRunner()
    done = runner.invoke(app, ["report", str(run)], terminal_width=200)
    assert done.exit_code == 0, done.output
    ev = _evaluation()
    assert f"accuracy {ev['student']['accuracy']:.3f}" in done.output
    assert "invalid_json 1" in done.output and "leak_of_trusted 1" in done.output
    monkeypatch.setattr(webbrowser, "open", lambda url: False)  # no browser: never fails
    done = runner.invoke(app, ["report", str(run), "--open"], terminal_width=200)
    assert done.exit_code == 0, done.output
    assert (run / "report.html").is_file() and "no browser" in done.output


QUIET = """
import logging, os, subprocess, sys, warnings
from pathlib import Path
from pipelines.console import quiet_run, stage
import atexit
atexit.register(os.write, 2, b"engine shut down at exit\\n")  # as vLLM's engine does
with quiet_run(Path(sys.argv[1]), verbose=len(sys.argv) > 2):
    warnings.warn("a library warning")
    logging.getLogger("somelib").warning("a library log line")
    print("a stray print")
    os.write(2, b"written to fd 2\\n")
    subprocess.run([sys.executable, "-c", "print('from a child process')"])
    with stage("generate") as advance:
        advance(3)
print("after")
"""


def test_quiet_console_sends_library_output_to_run_log(tmp_path: Path) -> None:
    run = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-c", QUIET, str(run)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "after\n" and done.stderr == ""
    log = (run / "run.log").read_text()
    for line in (
        "a library warning",
        "a library log line",
        "a stray print",
        "written to fd 2",
        "from a child process",
        "engine shut down at exit",
    ):
        assert line in log, line
    loud = subprocess.run(
        [sys.executable, "-c", QUIET, str(run), "-v"], capture_output=True, text=True, cwd=ROOT
    )
    assert "a library warning" in loud.stderr and "written to fd 2" in loud.stderr


def test_finetune_task_does_not_capture_prints() -> None:
    """datasets hashes functions with dill, which reads `dis.dis` output from a redirected stdout;
    with Prefect's print capture on, that disassembly became INFO log lines."""
    from pipelines.flow import finetune_task

    assert finetune_task.log_prints is False


def test_summary_time_is_the_wait_not_only_the_stages(tmp_path: Path) -> None:
    """A build's summary shows the command's whole time (with what runs outside the stages)
    beside the stages' sum; `synthmill report` has only the sum, and says so."""
    from rich.console import Console

    from pipelines.run_summary import summary_table

    report = {"name": "x", "stage_seconds": {"generate": 240.0, "evaluate": 120.0}}

    def shown(wall_s: float | None) -> str:
        console = Console(width=200, record=True)
        console.print(summary_table(report, tmp_path, wall_s))
        return console.export_text()

    assert "7.0 min (6.0 min in the stages)" in shown(420.0)
    assert "6.0 min in the stages" in shown(None) and "7.0 min" not in shown(None)
    # the outputs row lists what is there and names what went missing since the build
    assert "missing: report.md, README.md, accepted.parquet, train.jsonl" in shown(None)
    (tmp_path / "accepted.parquet").write_bytes(b"")
    (tmp_path / "train.jsonl").write_text("")
    text = shown(None)
    assert "(accepted.parquet, train.jsonl); missing: report.md, README.md" in text, text


def test_rejected_records_keep_their_payload_and_leaks_name_their_twin(tmp_path: Path) -> None:
    from pipelines.outputs import rejected_payloads
    from pipelines.records_frame import rejections_frame

    state = _state(tmp_path)
    frame = state.frame
    # a stage keeps 6 of 8: the two it dropped are remembered, the accepted frame is the 6
    state.rejections.append(
        Rejection(
            record_id="r7", stage=Stage.SELECT, check="dsir", reason=RejectReason.NOT_SELECTED
        )
    )
    state.keep(frame.filter(~pl.col("id").is_in(["r7", "d1"])).vstack(frame[:0]))
    state.keep(state.frame)  # keeping everything drops nothing
    assert len(state.dropped) == 1 and state.frame.height == 7  # "d1" was never in the frame
    leak = pl.DataFrame({"id": ["d1"], "text": ["where is my card"], "label": ["card_arrival"]})
    state.dropped.append(leak)
    payloads = rejected_payloads(state)
    assert json.loads(payloads["r7"]) == {"text": "how do I change my pin", "label": "change_pin"}
    assert "d1" not in payloads  # a near copy of a trusted row is not repeated
    rejected = rejections_frame(state.rejections, payloads)
    by_id = {r["record_id"]: r for r in rejected.iter_rows(named=True)}
    assert json.loads(by_id["r7"]["payload"])["label"] == "change_pin"
    assert by_id["d1"]["payload"] is None and by_id["g1"]["payload"] is None
    assert rejections_frame([]).columns == rejected.columns


def test_a_trusted_text_the_teacher_echoed_is_not_repeated(tmp_path: Path) -> None:
    from pipelines.outputs import rejected_frame

    state = _state(tmp_path)
    echoed = "My card from last week still has not come, what now?"  # a few-shot (trusted) row
    state.rejections.append(
        Rejection(
            record_id="g3",
            stage=Stage.GENERATE,
            check="generate.labeled_text",
            reason=RejectReason.ECHO_OF_PROMPT,
            detail="copies a text shown in the prompt",
            raw_output=json.dumps({"text": echoed, "label": "card_arrival"}),
        )
    )
    frame = rejected_frame(state)
    by_id = {r["record_id"]: r for r in frame.iter_rows(named=True)}
    assert by_id["g3"]["raw_output"] == "" and by_id["g3"]["payload"] is None
    assert "about my card" in by_id["g1"]["raw_output"]  # other teacher answers are kept
    samples = sample_records(state)
    assert samples["rejected"]["echo_of_prompt"][0]["text"] == ""
    assert echoed not in json.dumps(samples)
