"""`finetune.include_trusted`: three students (trusted, synthetic, trusted + synthetic) scored on
the same held-out rows, on the embedded model (a few steps each), and a fourth trained on the
trusted rows for as many steps as trusted + synthetic took."""

from __future__ import annotations

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
