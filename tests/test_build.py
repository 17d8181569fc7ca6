"""The build flow end to end on the real vLLM engine: outputs, reconciliation, kill and resume."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
import yaml

SYNTHMILL = Path(sys.executable).parent / "synthmill"


def _config(example_dir: Path, **changes: object) -> Path:
    path = example_dir / "config.yaml"
    raw = yaml.safe_load(path.read_text())
    raw["n"] = 24
    raw["teacher"]["batch_size"] = 8
    raw.setdefault("build", {})["chunk_size"] = 8
    raw.setdefault("drift", {})["fail_on_drift"] = False
    raw["build"]["finetune"] = False
    for dotted, value in changes.items():
        node = raw
        *parents, leaf = dotted.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    path.write_text(yaml.safe_dump(raw))
    return path


def _build(config: Path, out: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SYNTHMILL), "build", str(config), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=1500,
        **kw,  # type: ignore[call-overload]
    )


def _cached(out: Path) -> int:
    db = out / "teacher_cache.sqlite"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as con:
            return int(con.execute("SELECT COUNT(*) FROM calls").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _accepted(out: Path) -> list[dict]:  # type: ignore[type-arg]
    rows = [json.loads(x) for x in (out / "accepted.jsonl").read_text().splitlines()]
    for r in rows:
        r["provenance"].pop("created_at")
    return rows


@pytest.mark.engine
def test_build_outputs_and_kill_resume(example_dir: Path, tmp_path: Path) -> None:
    config = _config(example_dir)
    full = tmp_path / "full"
    proc = _build(config, full)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in (
        "accepted.parquet",
        "accepted.jsonl",
        "train.jsonl",
        "rejected.parquet",
        "report.json",
        "report.md",
        "README.md",
        "manifest.json",
    ):
        assert (full / name).is_file(), name
    report = json.loads((full / "report.json").read_text())
    manifest = json.loads((full / "manifest.json").read_text())
    accepted = pl.read_parquet(full / "accepted.parquet")
    rejected = pl.read_parquet(full / "rejected.parquet")
    # Counts reconcile across stages and files.
    # The example oversamples 2x and keeps n: 48 requests, at most 24 records.
    assert report["counts"]["requested"] == 48
    assert report["counts"]["accepted"] == accepted.height == len(_accepted(full))
    assert report["counts"]["rejected"] == rejected.height
    assert accepted.height + rejected.height == 48 and accepted.height <= 24
    stages = report["stages"]
    order = ["generate", "pii", "dedup", "fidelity", "select", "drift", "write"]
    assert list(stages) == order
    for before, after in zip(order, order[1:], strict=False):
        assert stages[before]["out"] == stages[after]["in"], (before, after)
    assert stages["drift"]["in"] == accepted.height
    fidelity = report["fidelity"]
    assert fidelity["trusted_rows"] == {**fidelity["trusted_rows"], "fit": 100, "gate": 100}
    assert report["drift"]["n_reference"] == 100  # the gate rows, not the fit rows
    # Nothing is lost: each record a stage dropped is in the rejected output with its payload
    # (a near copy of a trusted row only names its twin); teacher outputs keep their raw text.
    made = rejected.filter(pl.col("stage") != "generate")
    assert made.height > 0 and not set(made["record_id"]) & set(accepted["id"])
    for row in made.iter_rows(named=True):
        if row["reason"] == "leak_of_trusted":
            assert row["payload"] is None and row["duplicate_of"].startswith("trusted-")
        else:
            assert set(json.loads(row["payload"])) == {"text", "label"}, row
    assert rejected.filter(pl.col("stage") == "generate")["payload"].is_null().all()
    # the selection weighed how clearly each text says its label (a classifier on the fit rows)
    selection = report["selection"]
    assert selection["label_weight"] == 1.0 and 0 < selection["mean_p_label_kept"] <= 1
    by_stage = rejected.group_by("stage").len()
    for row in by_stage.iter_rows(named=True):
        assert stages[row["stage"]]["rejected"] == row["len"]
    assert manifest["counts"]["accepted"] == accepted.height
    assert report["drift"]["checks"] and report["drift"]["plots"]
    assert all((full / p).is_file() for p in report["drift"]["plots"])
    card = (full / "README.md").read_text()
    assert card.startswith("---\nlicense: cc-by-4.0") and "PolyAI" in card
    train = [json.loads(x) for x in (full / "train.jsonl").read_text().splitlines()]
    assert len(train) == accepted.height
    assert train[0]["messages"][-1]["role"] == "assistant"
    from datasets import load_dataset

    ds = load_dataset("json", data_files=str(full / "accepted.jsonl"), split="train")
    assert ds.num_rows == accepted.height

    # Kill the same build with SIGKILL after its first chunk is cached, then run it again.
    resumed = tmp_path / "resumed"
    proc = subprocess.Popen(
        [str(SYNTHMILL), "build", str(config), "--out", str(resumed)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 900
    while _cached(resumed) < 8:
        assert proc.poll() is None, "the build ended before it could be killed"
        assert time.time() < deadline
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (resumed / "accepted.jsonl").exists()
    cached_before = _cached(resumed)
    assert 8 <= cached_before < manifest["teacher"]["calls"]
    again = _build(config, resumed)
    assert again.returncode == 0, again.stderr[-3000:]
    m2 = json.loads((resumed / "manifest.json").read_text())
    assert m2["teacher"]["cache_hits"] == cached_before
    assert m2["teacher"]["calls"] + m2["teacher"]["cache_hits"] == manifest["teacher"]["calls"]
    assert _accepted(resumed) == _accepted(full)

    # Drift on the same (cached) records: the gate rows of the trusted sample (which no prompt
    # shows) are made twice as long, so the records drift from them: exit 3, report written, not
    # published, and no teacher call (the fit rows, and so the prompts, are unchanged).
    from validators.fidelity.split import split_rows

    trusted_path = example_dir / "trusted.csv"
    original = trusted_path.read_bytes()
    trusted = pl.read_csv(trusted_path)
    _, gate_rows = split_rows(trusted["category"].to_list(), trusted.height, 0.5, seed=1234)
    doubled = [
        f"{t} {t}" if i in set(gate_rows) else t for i, t in enumerate(trusted["text"].to_list())
    ]
    trusted.with_columns(pl.Series("text", doubled)).write_csv(trusted_path)
    strict = _config(example_dir, drift__fail_on_drift=True)
    gated = tmp_path / "gated"
    shutil.copytree(full, gated)
    proc3 = _build(strict, gated)
    assert proc3.returncode == 3, proc3.stderr[-2000:]
    assert "drift" in proc3.stderr.splitlines()[-1]
    report3 = json.loads((gated / "report.json").read_text())
    assert report3["published"] is False and report3["drift"]["verdict"] == "fail"
    assert json.loads((gated / "manifest.json").read_text())["teacher"]["calls"] == 0
    trusted_path.write_bytes(original)
    # The first build was published: written unpublished, then the flag flipped everywhere.
    assert report["published"] is True and manifest["published"] is True
    assert "Published: **yes**" in (full / "report.md").read_text()

    # A fine-tune that fails (here: its base model is missing) runs after the dataset is written:
    # exit 1 with one line, a complete dataset on disk, not published, and the report says why.
    broken = _config(
        example_dir, build__finetune=True, finetune__model=str(tmp_path / "no-such-model")
    )
    failed = tmp_path / "failed"
    shutil.copytree(full, failed, ignore=shutil.ignore_patterns("accepted.*", "report.*"))
    proc4 = _build(broken, failed)
    assert proc4.returncode == 1, proc4.stderr[-2000:]
    errors = [line for line in proc4.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "fine-tune failed" in errors[0]
    assert "Traceback" not in proc4.stderr
    assert pl.read_parquet(failed / "accepted.parquet").height == accepted.height
    assert len(_accepted(failed)) == accepted.height
    report4 = json.loads((failed / "report.json").read_text())
    assert report4["published"] is False and report4["finetune_error"]
    assert "fine-tune failed" in report4["not_published_because"]
    assert "fine-tune failed" in (failed / "report.md").read_text()
    assert json.loads((failed / "manifest.json").read_text())["published"] is False
