"""`finetune.include_trusted`: three students (trusted, synthetic, trusted + synthetic) scored on
the same held-out rows, on the embedded model (a few steps each), and a fourth trained on the
trusted rows for as many steps as trusted + synthetic took."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from pipelines.build import prepare
from pipelines.config import load_config

ROOT = Path(__file__).resolve().parents[1]
POOL = ROOT / "examples" / "banking77" / "real_pool.csv"


@pytest.mark.slow
def test_three_students_on_the_same_held_out_rows(example_dir: Path, tmp_path: Path) -> None:
    from pipelines.evaluate import evaluate_build

    config = load_config(
        example_dir / "config.yaml",
        {
            "finetune.include_trusted": True,
            "finetune.equal_steps_student": True,  # the example's demo leaves it out
            # by epochs, as the example trains: 200 trusted rows 2 steps, 240 rows 3 steps
            "finetune.num_train_epochs": 0.04,
            "finetune.batch_size": 4,
            "finetune.eval.limit": 12,
            "finetune.eval.few_shot": 2,
        },
    )
    state, _ = prepare(config, tmp_path / "run")
    # real rows stand in for the synthetic records: what is checked is the wiring
    pool = pl.read_csv(POOL).head(40)
    state.accepted = pool.select(pl.col("text"), pl.col("category").alias("label")).with_columns(
        pl.Series("id", [f"r{i}" for i in range(pool.height)])
    )
    state.accepted.write_parquet(state.run_dir / "accepted.parquet")
    summary = evaluate_build(state)
    ev = summary["evaluation"]
    students = ev["students"]
    assert students["trusted"]["n_train_records"] == 200
    assert students["trusted+synthetic"]["n_train_records"] == 240
    steps = {name: students[name]["steps"] for name in ("trusted", "trusted+synthetic")}
    assert steps == {"trusted": 2, "trusted+synthetic": 3}, steps
    equal = students["trusted_equal_steps"]  # the same 200 rows, seen for 3 steps
    assert equal["n_train_records"] == 200 and equal["steps"] == 3
    assert students["trusted+synthetic_minus_trusted_equal_steps"] == round(
        students["trusted+synthetic"]["accuracy"] - equal["accuracy"], 4
    )
    for name in ("trusted", "trusted+synthetic", "trusted_equal_steps"):
        got = students[name]
        assert 0.0 <= got["accuracy"] <= 1.0 and set(got["per_label_f1"]) <= set(ev["labels"])
        assert (state.run_dir / got["adapter"] / "adapter_config.json").is_file()
    assert students["synthetic_over_trusted"] == round(
        ev["student"]["accuracy"] / students["trusted"]["accuracy"], 4
    )
    assert students["trusted+synthetic_minus_trusted"] == round(
        students["trusted+synthetic"]["accuracy"] - students["trusted"]["accuracy"], 4
    )
    assert (state.run_dir / "adapter" / "adapter_config.json").is_file()  # the build's student
    # a re-run of the same folder (after a Ctrl-C, or unchanged) reads the build's student, the
    # base's scores and the comparison students back instead of training and scoring them again;
    # other held-out rows train them again
    from pipelines import evaluate, finetune
    from pipelines.students import compare_students
    from schemas.tables import read_table

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained again")

    def no_scoring(*args: object, **kwargs: object) -> None:
        raise AssertionError("scored again")

    first = (state.run_dir / "evaluation.json").read_text()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(finetune, "train_student", no_training)
        patch.setattr(evaluate, "evaluate_labels", no_scoring)
        again = evaluate_build(state)
    assert again["finetune"].pop("from_earlier_run") is True
    assert again["finetune"] == summary["finetune"]
    ev2 = again["evaluation"]
    assert ev2.pop("from_earlier_run") is True
    for name in ("trusted", "trusted+synthetic", "trusted_equal_steps"):
        assert ev2["students"][name].pop("from_earlier_run") is True
    assert ev2 == ev
    assert (state.run_dir / "evaluation.json").read_text() != first  # rewritten, with the flags
    # without the equal-steps student: the other students are read back, none is trained, and
    # the report's table gives each student's steps
    state.config = config.model_copy(
        update={"finetune": config.finetune.model_copy(update={"equal_steps_student": False})}
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(finetune, "train_student", no_training)
        patch.setattr(evaluate, "evaluate_labels", no_scoring)
        fewer = evaluate_build(state)["evaluation"]["students"]
    assert "trusted_equal_steps" not in fewer
    assert fewer["trusted+synthetic"]["accuracy"] == students["trusted+synthetic"]["accuracy"]
    from pipelines.report_sections import evaluation_rows

    rows = {r["model"]: r["trained on"] for r in evaluation_rows({"evaluation": again})}
    assert rows["trusted+synthetic"].endswith(", 3 steps"), rows
    n = summary["finetune"]["steps"]
    assert rows["student (synthetic)"].endswith(f", {n} step{'' if n == 1 else 's'}"), rows
    state.config = config

    roles = state.roles
    held_in = roles.trusted_columns.get("text", "text")
    held_out = roles.trusted_columns.get("label", "label")
    held = read_table(config.data.held_out, required=[held_in, held_out]).select(
        pl.col(held_in).alias("text"), pl.col(held_out).alias("label")
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(finetune, "train_student", no_training)
        with pytest.raises(AssertionError, match="trained again"):
            compare_students(state, held.head(50), ev, "text", "label", score=no_scoring)
        # the build's own student too: adapter files written since (`synthmill finetune` into
        # the same folder) or another setting train it again
        adapter_file = state.run_dir / "adapter" / "adapter_model.safetensors"
        stat = adapter_file.stat()
        os.utime(adapter_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        with pytest.raises(AssertionError, match="trained again"):
            evaluate_build(state)
        state.config = config.model_copy(
            update={"finetune": config.finetune.model_copy(update={"learning_rate": 5e-4})}
        )
        with pytest.raises(AssertionError, match="trained again"):
            evaluate_build(state)


def test_a_students_fingerprint_changes_with_what_decides_it() -> None:
    from pipelines.finetune_config import FinetuneConfig
    from pipelines.kept_runs import fingerprint

    rows = pl.DataFrame({"text": ["lost my card", "refund please"], "label": ["card", "refund"]})
    held = pl.DataFrame({"text": ["where is my card"], "label": ["card"]})
    cfg = FinetuneConfig()
    key = fingerprint(rows, cfg, ["card", "refund"], held)
    assert key == fingerprint(rows.clone(), FinetuneConfig(), ["card", "refund"], held.clone())
    changed = [
        fingerprint(rows.reverse(), cfg, ["card", "refund"], held),
        fingerprint(rows, cfg.model_copy(update={"learning_rate": 5e-4}), ["card", "refund"], held),
        fingerprint(rows, cfg.model_copy(update={"max_steps": 7}), ["card", "refund"], held),
        fingerprint(rows, cfg, ["card", "refund", "other"], held),
        fingerprint(rows, cfg, ["card", "refund"], held.with_columns(pl.lit("x").alias("text"))),
    ]
    assert len({key, *changed}) == 6
