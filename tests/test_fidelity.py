"""The fidelity stages on real banking77 rows: the trusted split, the label check, the DSIR
selection and the classifier two-sample test. No test data here was written by us: texts are
real customer queries; the faults (swapped labels, doubled texts) are applied to them."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from schemas.rejection import RejectReason
from schemas.stage import run_stage
from validators.fidelity.config import LabelCheckConfig, SelectionConfig
from validators.fidelity.label_check import LabelModel, measure_precision
from validators.fidelity.select import log_importance, quotas, record_gumbel, select
from validators.fidelity.split import split_rows
from validators.fidelity.stage import LabelCheckStage, SelectStage
from validators.fidelity.two_sample import two_sample_auc

ROOT = Path(__file__).resolve().parents[1]
POOL = ROOT / "examples" / "banking77" / "banking77_train_full.csv"
TEN = [
    "card_arrival",
    "lost_or_stolen_card",
    "exchange_rate",
    "transfer_fee_charged",
    "pending_top_up",
    "cash_withdrawal_charge",
    "change_pin",
    "age_limit",
    "terminate_account",
    "apple_pay_or_google_pay",
]


@pytest.fixture(scope="module")
def rows() -> pl.DataFrame:
    """Real queries of ten intents, shuffled once."""
    frame = pl.read_csv(POOL).filter(pl.col("category").is_in(TEN))
    return frame.sample(fraction=1.0, shuffle=True, seed=5)


def _per_label(frame: pl.DataFrame, k: int, skip: int = 0) -> pl.DataFrame:
    return pl.concat(
        [frame.filter(pl.col("category") == c).slice(skip, k) for c in TEN], how="vertical"
    )


def test_split_is_per_label_disjoint_and_seeded() -> None:
    labels = ["a"] * 20 + ["b"] * 7 + ["c"] * 1
    fit, gate = split_rows(labels, len(labels), 0.5, seed=3)
    assert sorted(fit + gate) == list(range(len(labels))) and not set(fit) & set(gate)
    assert sum(labels[i] == "a" for i in fit) == 10 and sum(labels[i] == "b" for i in fit) in (3, 4)
    assert [labels[i] for i in fit].count("c") == 1  # a lone row fits; the gate has none
    assert (fit, gate) == split_rows(labels, len(labels), 0.5, seed=3)
    assert (fit, gate) != split_rows(labels, len(labels), 0.5, seed=4)


def test_label_check_finds_swapped_labels_in_rows_it_never_saw(rows: pl.DataFrame) -> None:
    fit = _per_label(rows, 10)
    model = LabelModel(fit["text"].to_list(), fit["category"].to_list())
    unseen = _per_label(rows, 30, skip=10)
    got = measure_precision(
        model, unseen["text"].to_list(), unseen["category"].to_list(), LabelCheckConfig(), seed=1
    )
    assert got["relabelled"] == 60
    assert got["precision"] >= 0.8, got
    assert got["recall"] >= 0.5, got
    assert got["false_alarm_rate"] <= 0.05, got


def test_label_check_stage_rejects_or_relabels(rows: pl.DataFrame) -> None:
    fit = _per_label(rows, 10)
    model = LabelModel(fit["text"].to_list(), fit["category"].to_list())
    unseen = _per_label(rows, 5, skip=40)
    rng = random.Random(0)
    swapped = set(rng.sample(range(unseen.height), 10))
    labels = unseen["category"].to_list()
    shown = [
        TEN[(TEN.index(lab) + 3) % 10] if i in swapped else lab for i, lab in enumerate(labels)
    ]
    frame = pl.DataFrame(
        {"id": [f"r{i}" for i in range(unseen.height)], "text": unseen["text"], "label": shown}
    )
    stage = LabelCheckStage(LabelCheckConfig(), model, "text", "label")
    result = run_stage(stage, frame, 7)
    rejected = {int(r.record_id[1:]) for r in result.rejections}
    assert all(r.reason is RejectReason.LABEL_MISMATCH for r in result.rejections)
    assert len(rejected & swapped) >= 6 and len(rejected - swapped) <= 2
    assert result.kept.height + len(result.rejections) == frame.height
    relabel = LabelCheckStage(LabelCheckConfig(action="relabel"), model, "text", "label")
    fixed = run_stage(relabel, frame, 50)
    assert not fixed.rejections and fixed.kept.height == frame.height
    restored = sum(fixed.kept["label"][i] == labels[i] for i in swapped)
    assert restored >= 6


def test_selection_moves_length_toward_the_target_and_keeps_the_label_mix(
    rows: pl.DataFrame,
) -> None:
    target = _per_label(rows, 10)["text"].to_list()
    normal = _per_label(rows, 20, skip=10)
    # the teacher's fault: half the candidates run long (two real queries joined)
    texts = normal["text"].to_list()
    long = [texts[i] + " " + texts[(i + 7) % len(texts)] for i in range(len(texts))]
    frame = pl.DataFrame(
        {
            "id": [f"c{i}" for i in range(2 * len(texts))],
            "text": texts + long,
            "label": normal["category"].to_list() * 2,
        }
    )
    stage = SelectStage(SelectionConfig(oversample=2.0), target, 200, "text", "label", seed=1)
    result = run_stage(stage, frame, 64)
    assert result.kept.height == 200 and len(result.rejections) == 200
    assert {r.reason for r in result.rejections} == {RejectReason.NOT_SELECTED}
    kept_long = sum(int(i[1:]) >= len(texts) for i in result.kept["id"].to_list())
    assert kept_long <= 0.36 * 200, kept_long  # a random half keeps 100
    counts = result.kept["label"].value_counts()
    assert dict(zip(counts["label"], counts["count"], strict=True)) == dict.fromkeys(TEN, 20)
    weights = log_importance(target, frame["text"].to_list(), SelectionConfig())
    assert np.mean(weights[: len(texts)]) > np.mean(weights[len(texts) :])


def test_selection_with_the_label_term_keeps_texts_that_say_their_label(
    rows: pl.DataFrame,
) -> None:
    fit = _per_label(rows, 10)
    target, given = fit["text"].to_list(), fit["category"].to_list()
    model = LabelModel(target, given)
    right = _per_label(rows, 10, skip=10)
    wrong = _per_label(rows, 10, skip=20)
    # the teacher's fault: half the candidates are texts of another intent, same label mix
    shifted = [TEN[(TEN.index(c) + 1) % 10] for c in wrong["category"].to_list()]
    frame = pl.DataFrame(
        {
            "id": [f"c{i}" for i in range(2 * right.height)],
            "text": right["text"].to_list() + wrong["text"].to_list(),
            "label": right["category"].to_list() + shifted,
        }
    )

    def kept_wrong(weight: float) -> tuple[int, object]:
        cfg = SelectionConfig(oversample=2.0, label_weight=weight)
        stage = SelectStage(cfg, target, 100, "text", "label", seed=2, label_model=model)
        result = run_stage(stage, frame, 64)
        assert result.kept.height == 100
        # as sent to a Ray worker: `map` still works, the classifier and targets stay behind
        shipped = pickle.loads(pickle.dumps(stage))
        assert shipped.label_model is None and shipped.target == []
        assert shipped.map(frame) == stage.map(frame) and stage.label_model is model
        with pytest.raises(RuntimeError, match="pickled copy"):  # never a silent keep-all
            shipped.reduce(frame, [shipped.map(frame)])
        counts = result.kept["label"].value_counts()
        assert dict(zip(counts["label"], counts["count"], strict=True)) == dict.fromkeys(TEN, 10)
        return sum(int(i[1:]) >= right.height for i in result.kept["id"]), result.report

    without, _ = kept_wrong(0.0)
    with_term, report = kept_wrong(1.0)
    assert without >= 35, (
        without
    )  # texts alone: about half of the 100 kept (46-50) say another label
    assert with_term <= 25, with_term  # measured 14-18 over three seeds
    assert report.label_weight == 1.0 and report.mean_p_label_kept > report.mean_p_label_dropped


def test_quotas_and_select_are_exact() -> None:
    # shares 2.5 / 1.5 / 1.0: the first of the equal remainders gets the extra one
    assert quotas(["a"] * 5 + ["b"] * 3 + ["c"] * 2, 5) == {"a": 3, "b": 1, "c": 1}
    assert sum(quotas(["x"] * 3 + ["y"] * 9, 100).values()) == 12
    mask = select(np.zeros(10), ["a"] * 4 + ["b"] * 6, 5, seed=0)
    assert mask.sum() == 5 and mask[:4].sum() == 2


def test_a_few_candidates_dropped_upstream_change_a_few_picks() -> None:
    """With ids, a candidate's Gumbel draw is its own: dropping 5 of 400 candidates (as a
    stronger leak check does) changes a handful of the 200 picks, not the whole draw."""
    rng = np.random.default_rng(3)
    log_w = rng.normal(size=400)
    labels = [f"l{k % 10}" for k in range(400)]
    ids = [f"gen-{k:06d}" for k in range(400)]
    gone = {7, 50, 133, 250, 391}
    rest = [k for k in range(400) if k not in gone]

    def picks(with_ids: bool, rows: list[int]) -> set[str]:
        mask = select(
            log_w[rows],
            [labels[k] for k in rows],
            200,
            seed=1,
            ids=[ids[k] for k in rows] if with_ids else None,
        )
        return {ids[k] for k, kept in zip(rows, mask, strict=True) if kept}

    stable = picks(True, list(range(400))) ^ picks(True, rest)
    positional = picks(False, list(range(400))) ^ picks(False, rest)
    assert len(stable) <= 20, len(stable)
    assert len(positional) >= 60, len(positional)  # the draw the ids replace


def test_record_gumbel_is_a_standard_gumbel_per_id() -> None:
    g = record_gumbel([str(k) for k in range(50_000)], seed=7)
    assert abs(g.mean() - np.euler_gamma) < 0.03 and abs(g.std() - np.pi / np.sqrt(6)) < 0.03
    assert record_gumbel(["a", "b"], 7)[0] == record_gumbel(["x", "a"], 7)[1]  # by id alone
    assert record_gumbel(["a"], 7)[0] != record_gumbel(["a"], 8)[0]


def test_two_sample_auc_tells_real_from_altered_but_not_real_from_real(
    rows: pl.DataFrame,
) -> None:
    a = _per_label(rows, 20)["text"].to_list()
    b = _per_label(rows, 20, skip=20)["text"].to_list()
    same = two_sample_auc(a, b, seed=0)
    assert same["auc"] < 0.62 and same["ci95"][0] < 0.5 + 0.05, same
    shouting = [t.upper() + " PLEASE HELP ME NOW" for t in b]
    different = two_sample_auc(a, shouting, seed=0)
    assert different["auc"] > 0.9, different


def test_too_few_trusted_rows_for_fit_and_gate_is_one_error_line(example_dir: Path) -> None:
    from pipelines.build import prepare
    from pipelines.config import load_config
    from schemas.errors import ConfigError

    trusted = pl.read_csv(example_dir / "trusted.csv")
    trusted.head(150).write_csv(example_dir / "trusted.csv")
    cfg = load_config(example_dir / "config.yaml")
    with pytest.raises(ConfigError) as err:
        prepare(cfg, example_dir / "run")
    message = str(err.value)
    assert "150 trusted rows leave" in message and "needs 100" in message
    assert "fidelity.fit_share" in message and "\n" not in message
    assert not (example_dir / "run").exists()
    # without a fitted check or selection, the gate keeps all 150 rows and the build may go on
    off = load_config(
        example_dir / "config.yaml",
        {"fidelity.label_check.enabled": False, "fidelity.selection.oversample": 1.0},
    )
    state, _ = prepare(off, example_dir / "run")
    assert state.fit_rows is None and state.reference_part("gate").height == 150
