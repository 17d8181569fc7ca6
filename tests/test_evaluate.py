"""Label-likelihood evaluation: metrics by hand, the cached scorer against a full forward pass,
a real base-model run on held-out banking77 rows, and the CLI (report keys, exit codes)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import polars as pl
import pytest
import torch

from pipelines.evaluate import (
    accuracy,
    evaluate_labels,
    f1_per_label,
    macro_f1,
    pick_shots,
    write_report,
)
from pipelines.finetune_config import EvalConfig, FinetuneConfig
from pipelines.scoring import pick_label, score_choices
from schemas.errors import GateFailed, InputError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "banking77"
PY = str(ROOT / ".venv" / "bin" / "python")


def test_metrics_on_a_hand_example() -> None:
    truth = ["a", "a", "b", "c"]
    pred = ["a", "b", "b", "a"]
    # a: tp 1, fp 1, fn 1 -> 0.5; b: tp 1, fp 1, fn 0 -> 2/3; c: tp 0 -> 0
    assert accuracy(truth, pred) == 0.5
    assert f1_per_label(truth, pred) == pytest.approx({"a": 0.5, "b": 2 / 3, "c": 0.0})
    assert macro_f1(truth, pred) == pytest.approx((0.5 + 2 / 3 + 0.0) / 3)
    assert macro_f1(["x", "y"], ["x", "y"]) == 1.0
    assert accuracy([], []) == 0.0


def test_pick_label_mean_vs_sum() -> None:
    scores = [(-3.0, 1), (-4.0, 4)]  # short label: sum -3, mean -3; long label: sum -4, mean -1
    assert pick_label(scores, ["short", "long"], "sum") == "short"
    assert pick_label(scores, ["short", "long"], "mean") == "long"


def test_few_shot_rows_spread_over_labels() -> None:
    trusted = pl.read_csv(EXAMPLE / "trusted.csv")
    labels = sorted(set(trusted["category"]))
    shots = pick_shots(trusted, "text", "category", labels, 10, seed=0)
    assert sorted(label for _, label in shots) == labels
    assert shots == pick_shots(trusted, "text", "category", labels, 10, seed=0)


def test_cached_scorer_matches_a_full_forward_pass(embedded_dir: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(embedded_dir))
    model = AutoModelForCausalLM.from_pretrained(str(embedded_dir), dtype=torch.float32).eval()
    ids = lambda s, special=False: tok(s, add_special_tokens=special)["input_ids"]  # noqa: E731
    prefix = ids("Message: hello\nLabel: greeting\n", True)
    queries = [ids("Message: where is my card\nLabel:"), ids("Message: hi\nLabel:")]
    answers = [ids(" card_arrival\n"), ids(" greeting\n"), ids(" x\n")]
    fast = score_choices(model, prefix, queries, [answers, answers], batch_size=2)
    with torch.no_grad():
        for i, q in enumerate(queries):
            for j, a in enumerate(answers):
                seq = prefix + q + a
                lp = torch.log_softmax(model(torch.tensor([seq])).logits[0], -1)
                start = len(prefix) + len(q)
                full = sum(lp[start - 1 + t, a[t]].item() for t in range(len(a)))
                assert fast[i][j] == (pytest.approx(full, abs=1e-3), len(a))


@pytest.fixture(scope="module")
def held_out() -> pl.DataFrame:
    return pl.read_csv(EXAMPLE / "held_out.csv")


def test_base_model_few_shot_on_held_out(held_out: pl.DataFrame) -> None:
    labels = sorted(set(held_out["category"]))
    cfg = FinetuneConfig(eval=EvalConfig(few_shot=5, limit=30, batch_size=5))
    report = evaluate_labels(
        held_out,
        labels,
        few_shot_rows=pl.read_csv(EXAMPLE / "trusted.csv"),
        config=cfg,
        input_field="text",
        label_field="category",
    )
    base = report["base"]
    assert report["n"] == 30 and report["labels"] == labels
    assert 0.0 <= base["accuracy"] <= 1.0 and 0.0 <= base["macro_f1"] <= 1.0
    assert base["few_shot"] == 5
    assert len(base["predictions"]) == 30 and set(base["predictions"]) <= set(labels)
    assert "student" not in report


def _evaluate_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "pipelines.cli", "evaluate", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def untrained_adapter(tmp_path_factory: pytest.TempPathFactory, embedded_dir: Path) -> Path:
    """A freshly initialised LoRA adapter (lora_B is zero): a valid adapter folder, quickly."""
    from peft import get_peft_model
    from transformers import AutoModelForCausalLM

    from pipelines.finetune import lora_config

    base = AutoModelForCausalLM.from_pretrained(str(embedded_dir), dtype=torch.float32)
    out = tmp_path_factory.mktemp("eval") / "adapter"
    get_peft_model(base, lora_config(FinetuneConfig(target_modules=["q_proj"]))).save_pretrained(
        str(out)
    )
    return out


def test_cli_writes_report_with_base_and_student(tmp_path: Path, untrained_adapter: Path) -> None:
    report = tmp_path / "r.json"
    done = _evaluate_cli(
        "--adapter", str(untrained_adapter),
        "--data", str(EXAMPLE / "held_out.csv"),
        "--input-field", "text",
        "--label-field", "category",
        "--few-shot", str(EXAMPLE / "trusted.csv"),
        "--limit", "4",
        "--report", str(report),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(report.read_text())
    for side in ("base", "student"):
        assert 0.0 <= data[side]["accuracy"] <= 1.0
        assert 0.0 <= data[side]["macro_f1"] <= 1.0
    assert data["n"] == 4 and len(data["labels"]) == 10
    assert data["base"]["few_shot"] == 10 and data["student"]["few_shot"] == 0
    assert "base accuracy" in done.stdout and "student accuracy" in done.stdout
    # the libraries' chatter (bitsandbytes' missing-kernel warning, weight-loading bars) stays
    # off the terminal; the command's own line is all a user reads
    assert not done.stderr.strip(), done.stderr[-2000:]


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, "file not found"), ("text,label\nhi,a\n", "missing field 'category'")],
)
def test_cli_bad_data_exits_2_with_one_line(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    bad = tmp_path / "bad.csv"
    if content is not None:
        bad.write_text(content)
    done = _evaluate_cli("--data", str(bad), "--input-field", "text", "--label-field", "category")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and problem in lines[0], done.stderr


def test_gate_writes_the_report_then_fails(tmp_path: Path) -> None:
    report = {
        "task": "labels",
        "n": 10,
        "base": {"accuracy": 0.5, "macro_f1": 0.4},
        "student": {"accuracy": 0.55, "macro_f1": 0.5},
        "difference": {"accuracy": 0.05, "macro_f1": 0.1},
    }
    path = tmp_path / "r.json"
    with pytest.raises(GateFailed) as info:
        write_report(dict(report), path, EvalConfig(min_improvement=0.1))
    assert info.value.exit_code == 3
    assert json.loads(path.read_text())["gate"]["passed"] is False
    passed = write_report(
        dict(report), path, EvalConfig(min_improvement=0.1, gate_metric="macro_f1")
    )
    assert passed["gate"]["passed"] is True


def test_instruction_loss_and_perplexity() -> None:
    from pipelines.evaluate import evaluate_answers

    rows = pl.DataFrame(
        {
            "instruction": ["Name the capital of France.", "What is two plus two?"],
            "response": ["The capital of France is Paris.", "Two plus two is four."],
        }
    )
    report = evaluate_answers(rows, config=FinetuneConfig(load_in_4bit=False))
    base = report["base"]
    assert report["n"] == 2 and base["tokens"] > 10
    assert 0.0 < base["loss"] < 10.0
    assert base["perplexity"] == pytest.approx(__import__("math").exp(base["loss"]))


def test_a_label_outside_the_set_fails_whichever_rows_the_limit_draws() -> None:
    """The check covers every row, not only the `eval.limit` sample: one bad row among 200 with
    a limit of 5 failed only when the draw happened to include it."""
    rows = pl.DataFrame(
        {"text": [f"message {i}" for i in range(200)], "label": ["a", "b"] * 99 + ["a", "bb"]}
    )
    cfg = FinetuneConfig(eval=EvalConfig(limit=5))
    with pytest.raises(InputError, match="labels not in the label set: bb$"):
        evaluate_labels(rows, ["a", "b"], config=cfg, model="/nonexistent-never-loaded")
