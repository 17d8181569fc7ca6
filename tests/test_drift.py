"""The drift gate on real banking77 rows: real samples pass, drifted ones fail, bad input: 2."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import sparse, stats

from schemas.errors import ConfigError
from schemas.tables import write_table
from validators.drift import DriftConfig, drift_report, load_drift_config, make_drift_config
from validators.drift.fields import plan_fields
from validators.drift.plots import write_plots
from validators.drift.stats import (
    holm_adjust,
    ks_from_counts,
    mean_difference_test,
    naive_bayes_ranks,
    ordinal_counts,
    permute_counts,
    pooled_label_ranks,
    total_variation,
)

ROOT = Path(__file__).resolve().parents[1]
BANKING = ROOT / "examples" / "banking77" / "banking77_train_full.csv"
CONFIG = DriftConfig()


@pytest.fixture(scope="module")
def banking() -> pl.DataFrame:
    return pl.read_csv(BANKING)


def split(frame: pl.DataFrame, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """200 reference rows and the disjoint rest, shuffled by `seed`."""
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    return shuffled[:200], shuffled[200:]


def failed(report) -> set[str]:  # type: ignore[no-untyped-def]
    return {c.check for c in report.failed}


# --- the gate on real data -----------------------------------------------------------------------


def test_independent_real_samples_pass_19_of_20(banking: pl.DataFrame) -> None:
    passed = 0
    for seed in range(20):
        reference, rest = split(banking, seed)
        report = drift_report(reference, rest[:2000], CONFIG)
        passed += report.verdict == "pass"
    assert passed >= 19


def _collapse(rest: pl.DataFrame, seed: int) -> pl.DataFrame:
    intents = rest["category"].unique().sort().sample(4, seed=seed).to_list()
    return rest.filter(pl.col("category").is_in(intents))


def _by_length(rest: pl.DataFrame, seed: int, shorter: bool) -> pl.DataFrame:
    """2,000 rows from the shorter (or longer) half of each intent: labels keep their shares."""
    n = pl.col("text").str.len_chars()
    median = n.median().over("category")
    half = rest.filter(n < median if shorter else n > median)
    return half.sample(2000, seed=seed)


def _mix(rest: pl.DataFrame, seed: int) -> pl.DataFrame:
    """70% real rows, 30% from the two largest intents (1,000 rows, no row repeated)."""
    two = rest["category"].value_counts().sort(["count", "category"], descending=True)
    two = two["category"][:2].to_list()
    inside = pl.col("category").is_in(two)
    return pl.concat(
        [rest.filter(~inside).sample(700, seed=seed), rest.filter(inside).sample(300, seed=seed)]
    )


DRIFTS = {
    "label_collapse": (_collapse, {"label_distribution", "missing_labels"}),
    "shorter_texts": (lambda r, s: _by_length(r, s, True), {"char_length", "word_count"}),
    "longer_texts": (lambda r, s: _by_length(r, s, False), {"char_length", "word_count"}),
    "mix_70_30_two_intents": (_mix, {"label_distribution"}),
}


@pytest.mark.parametrize("name", list(DRIFTS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_drifted_candidates_fail(banking: pl.DataFrame, name: str, seed: int) -> None:
    make, expected = DRIFTS[name]
    reference, rest = split(banking, seed)
    report = drift_report(reference, make(rest, seed), CONFIG)
    assert report.verdict == "fail"
    assert expected <= failed(report), report.to_markdown()


def test_labels_unrelated_to_text_fail_the_joint_check(banking: pl.DataFrame) -> None:
    reference, rest = split(banking, 3)
    candidate = rest[:2000].with_columns(
        pl.when(pl.int_range(pl.len()) < 600)
        .then(pl.col("category").shuffle(seed=3))
        .otherwise(pl.col("category"))
        .alias("category")
    )
    report = drift_report(reference, candidate, CONFIG)
    assert failed(report) == {"label_from_text"}
    joint = next(c for c in report.checks if c.check == "label_from_text")
    assert joint.field == "text->category" and joint.statistic < 0.8


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_labels_shuffled_across_the_candidate_fail_the_joint_check(
    banking: pl.DataFrame, seed: int
) -> None:
    """Every label moved to another row, the label shares unchanged: only the joint check sees it.

    The old check (naive Bayes fitted on the shuffled candidate, Welch test on per-row ranks)
    passed this on p = 0.2; the permutation test on pooled leave-one-out scores does not.
    """
    reference, rest = split(banking, seed)
    candidate = rest[:2000].with_columns(pl.col("category").shuffle(seed=seed))
    report = drift_report(reference, candidate, CONFIG)
    assert failed(report) == {"label_from_text"}, report.to_markdown()
    joint = next(c for c in report.checks if c.check == "label_from_text")
    assert joint.statistic < 0.3 and joint.p_adjusted is not None and joint.p_adjusted < 0.01


def test_reference_below_the_minimum_is_a_config_error_naming_the_numbers(
    banking: pl.DataFrame,
) -> None:
    candidate = banking[200:2200]
    with pytest.raises(ConfigError) as err:
        drift_report(banking[:1], candidate, CONFIG)
    message = str(err.value)
    assert "\n" not in message
    assert "reference has 1 row;" in message and "at least 100" in message
    assert "min_reference_rows" in message
    with pytest.raises(ConfigError, match="reference has 99 rows; .* at least 100"):
        drift_report(banking[:99], candidate, CONFIG)
    assert drift_report(banking[:100], candidate, CONFIG).n_reference == 100
    lowered = make_drift_config({"min_reference_rows": 10})
    with pytest.raises(ConfigError, match="reference has 9 rows; .* at least 10 "):
        drift_report(banking[:9], candidate, lowered)


def test_report_is_deterministic_and_complete(banking: pl.DataFrame) -> None:
    reference, rest = split(banking, 4)
    first = drift_report(reference, rest[:500], CONFIG)
    second = drift_report(reference, rest[:500], CONFIG)
    assert first.model_dump() == second.model_dump()
    kinds = {f.field: f.kind for f in first.fields}
    assert kinds == {"text": "text", "category": "label"}
    assert {c.check for c in first.checks} == {
        "label_distribution",
        "unseen_labels",
        "missing_labels",
        "char_length",
        "word_count",
        "vocabulary",
        "label_from_text",
    }
    for check in first.checks:
        assert check.p_value is not None and check.p_adjusted is not None
        assert check.p_adjusted >= check.p_value
    markdown = first.to_markdown()
    assert "| field | check |" in markdown and "PASS" in markdown


def test_numeric_fields_use_ks_and_wasserstein() -> None:
    rng = np.random.default_rng(0)
    reference = pl.DataFrame({"amount": rng.normal(100, 15, 200)})
    same = pl.DataFrame({"amount": rng.normal(100, 15, 2000)})
    shifted = pl.DataFrame({"amount": rng.normal(110, 15, 2000)})
    quiet = drift_report(reference, same, CONFIG)
    assert quiet.verdict == "pass" and quiet.fields[0].kind == "number"
    loud = drift_report(reference, shifted, CONFIG)
    check = loud.checks[0]
    assert loud.verdict == "fail" and check.check == "distribution"
    assert 0.4 < check.distance < 1.0  # about two thirds of a standard deviation


def test_effect_size_floor_ignores_tiny_significant_shifts() -> None:
    rng = np.random.default_rng(1)
    reference = pl.DataFrame({"x": rng.normal(0, 1, 20_000)})
    candidate = pl.DataFrame({"x": rng.normal(0.1, 1, 100_000)})
    report = drift_report(reference, candidate, CONFIG)
    check = report.checks[0]
    assert check.p_adjusted is not None and check.p_adjusted < CONFIG.alpha
    assert check.distance < check.threshold and report.verdict == "pass"


# --- fields and config ---------------------------------------------------------------------------


def test_field_kinds_are_inferred_and_overridable() -> None:
    reference = pl.DataFrame(
        {
            "label": ["a", "b", "a", "c"] * 10,
            "text": [f"message number {i} about things" for i in range(40)],
            "score": [str(i % 5) for i in range(40)],
            "code": [f"id{i}" for i in range(40)],
        }
    )
    candidate = reference.with_columns(pl.format("new{}", pl.col("code")))
    plans = plan_fields(
        reference,
        candidate,
        fields=None,
        label_fields=(),
        text_fields=(),
        number_fields=(),
        max_distinct_ratio=0.5,
    )
    assert {p.name: p.kind for p in plans} == {
        "label": "label",
        "text": "text",
        "score": "number",
        "code": "text",
    }
    plans = plan_fields(
        reference,
        reference,
        fields=("label",),
        label_fields=("code",),
        text_fields=(),
        number_fields=(),
        max_distinct_ratio=0.5,
    )
    assert [(p.name, p.kind) for p in plans] == [("label", "label"), ("code", "label")]
    with pytest.raises(ConfigError, match="'nope' is missing from the candidate"):
        plan_fields(
            reference.with_columns(nope=pl.lit("x")),
            reference,
            fields=("label", "nope"),
            label_fields=(),
            text_fields=(),
            number_fields=(),
            max_distinct_ratio=0.5,
        )


def test_config_loads_from_yaml_with_overrides(tmp_path: Path) -> None:
    path = tmp_path / "drift.yaml"
    path.write_text("drift:\n  alpha: 0.05\n  max_length_shift: 0.3\n")
    config = load_drift_config(path, {"seed": 7})
    assert (config.alpha, config.max_length_shift, config.seed) == (0.05, 0.3, 7)
    path.write_text("alpha: 0.05\nmax_lenght_shift: 0.3\n")
    with pytest.raises(ConfigError, match="unknown key 'max_lenght_shift'"):
        load_drift_config(path)


def test_config_is_frozen_strict_and_checks_permutations() -> None:
    with pytest.raises(ConfigError, match="unknown key 'alfa'"):
        make_drift_config({"alfa": 0.05})
    with pytest.raises(Exception):  # noqa: B017  (pydantic frozen instance)
        CONFIG.alpha = 0.5  # type: ignore[misc]
    frame = pl.DataFrame({"x": list(range(100))})
    with pytest.raises(ConfigError, match="n_permutations"):
        drift_report(frame, frame, make_drift_config({"n_permutations": 99, "alpha": 0.001}))


# --- statistics ----------------------------------------------------------------------------------


def test_holm_matches_the_textbook_procedure() -> None:
    adjusted = holm_adjust([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_permutations_keep_totals_and_ks_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 40, 300), rng.integers(5, 45, 1000)
    ca, cb = ordinal_counts(a, b, max_bins=1000)
    assert ks_from_counts(ca, cb) == pytest.approx(stats.ks_2samp(a, b).statistic)
    pa, pb = permute_counts(ca, cb, 50, rng)
    assert (pa.sum(axis=1) == 300).all() and (pb.sum(axis=1) == 1000).all()
    assert ((pa + pb) == (ca + cb)).all()
    assert total_variation(np.array([2, 0]), np.array([0, 5])) == pytest.approx(1.0)


def test_naive_bayes_leave_one_out_equals_refitting() -> None:
    rng = np.random.default_rng(2)
    x = sparse.csr_matrix(rng.poisson(0.4, (60, 12)).astype(float))
    y = rng.integers(0, 3, 60)
    other = sparse.csr_matrix(rng.poisson(0.4, (5, 12)).astype(float))
    ranks, _, _, _ = naive_bayes_ranks(x, y, other, rng.integers(0, 3, 5), rng)
    rows, pooled, _ = pooled_label_ranks(x, y)
    assert rows.tolist() == list(range(60)) and pooled == pytest.approx(ranks)
    for i in (0, 7, 31):
        keep = np.arange(60) != i
        _, _, refit, _ = naive_bayes_ranks(x[keep], y[keep], x[[i]], y[[i]], rng)
        assert ranks[i] == pytest.approx(refit[0])


def test_pooled_ranks_ignore_row_order_and_skip_lone_labels() -> None:
    """A row's score depends on the pool, not on its place in it: what makes the test exact."""
    rng = np.random.default_rng(3)
    x = sparse.csr_matrix(rng.poisson(0.5, (40, 15)).astype(float))
    y = np.append(rng.integers(0, 4, 39), 9)  # label 9 occurs once: nothing to learn it from
    rows, ranks, _ = pooled_label_ranks(x, y)
    assert rows.tolist() == list(range(39))
    order = rng.permutation(40)
    moved_rows, moved, _ = pooled_label_ranks(x[order], y[order])
    by_row = dict(zip(rows.tolist(), ranks.tolist(), strict=True))
    for new, rank in zip(moved_rows.tolist(), moved.tolist(), strict=True):
        assert rank == pytest.approx(by_row[int(order[new])])


def test_mean_difference_test_matches_full_enumeration() -> None:
    values = np.array([0.1, 0.9, 0.4, 0.4, 0.8, 0.2, 0.7, 0.3])
    in_a = np.array([True, True, False, False, True, False, False, False])
    observed = abs(values[in_a].mean() - values[~in_a].mean())
    gaps = []
    for picked in itertools.combinations(range(8), 3):
        mask = np.isin(np.arange(8), picked)
        gaps.append(abs(values[mask].mean() - values[~mask].mean()))
    exact = np.mean(np.array(gaps) >= observed - 1e-12)
    p = mean_difference_test(values, in_a, 20_000, np.random.default_rng(0))
    assert p == pytest.approx(exact, abs=0.01)
    assert mean_difference_test(np.ones(8), in_a, 99, np.random.default_rng(0)) == 1.0


# --- plots and CLI -------------------------------------------------------------------------------


def test_write_plots_draws_one_png_per_field(banking: pl.DataFrame, tmp_path: Path) -> None:
    reference, rest = split(banking, 5)
    report = drift_report(reference, _mix(rest, 5), CONFIG)
    paths = write_plots(report, tmp_path / "plots")
    assert sorted(p.name for p in paths) == ["drift_category.png", "drift_text.png"]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def run_cli(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "drift", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def files(banking: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("drift_cli")
    reference, rest = split(banking, 6)
    out = {
        "reference": folder / "reference.jsonl",
        "same": folder / "same.jsonl",
        "drifted": folder / "drifted.parquet",
    }
    write_table(out["reference"], reference)
    write_table(out["same"], rest[:2000])
    write_table(out["drifted"], _collapse(rest, 6))
    return out


def test_cli_passes_on_real_jsonl(files: dict[str, Path], tmp_path: Path) -> None:
    report = tmp_path / "out" / "drift.json"
    done = run_cli(
        "--reference",
        files["reference"],
        "--candidate",
        files["same"],
        "--report",
        report,
        "--plots",
        tmp_path / "plots",
        "--label-field",
        "category",
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(report.read_text())
    assert data["verdict"] == "pass"
    keys = {"field", "check", "statistic", "p_value", "distance", "threshold", "verdict"}
    assert all(keys <= set(check) for check in data["checks"])
    assert report.with_suffix(".md").read_text().startswith("# Drift report")
    assert len(list((tmp_path / "plots").glob("*.png"))) == 2


def test_cli_exits_3_on_drift_with_parquet(files: dict[str, Path], tmp_path: Path) -> None:
    report = tmp_path / "drift.json"
    done = run_cli(
        "--reference",
        files["reference"],
        "--candidate",
        files["drifted"],
        "--report",
        report,
        "--plots",
        tmp_path / "plots",
        "--fields",
        "category,text",
    )
    assert done.returncode == 3, done.stderr
    assert "drift found" in done.stderr and "label_distribution" in done.stderr
    data = json.loads(report.read_text())
    assert data["verdict"] == "fail"
    assert report.with_suffix(".md").is_file()
    assert len(list((tmp_path / "plots").glob("*.png"))) == 2
    quiet = run_cli(
        "--reference", files["reference"], "--candidate", files["drifted"], "--no-fail-on-drift"
    )
    assert quiet.returncode == 0 and "drift found" in quiet.stdout


def _bad_inputs(folder: Path) -> dict[str, tuple[Path, str]]:
    empty = folder / "empty.jsonl"
    empty.write_text("")
    not_json = folder / "broken.jsonl"
    not_json.write_text('{"text": "hello there", "category": "a"}\n{"text": oops}\n')
    latin = folder / "latin.jsonl"
    latin.write_bytes('{"text": "caf\u00e9 au lait", "category": "a"}\n'.encode("latin-1"))
    no_field = folder / "no_field.jsonl"
    no_field.write_text('{"text": "hello there friend"}\n')
    wrong = folder / "wrong.parquet"
    pl.DataFrame({"text": [1, 2, 3], "category": ["a", "b", "c"]}).write_parquet(wrong)
    return {
        "empty": (empty, "empty.jsonl: the file is empty"),
        "not_json": (not_json, "broken.jsonl:2: not valid JSON"),
        "non_utf8": (latin, "latin.jsonl:1: not UTF-8"),
        "missing_field": (no_field, "missing field 'category'"),
        "parquet_schema": (wrong, "field 'text' is Int64 here but String"),
    }


BAD = ["empty", "not_json", "non_utf8", "missing_field", "parquet_schema"]
SYNTHMILL = Path(sys.executable).parent / "synthmill"


def _refused(
    reference: Path, candidate: Path
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`synthmill drift` on the two files, which must exit 2; with stderr's lines."""
    done = subprocess.run(
        [SYNTHMILL, "drift", "--reference", reference, "--candidate", candidate],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    return done, done.stderr.strip().splitlines()


@pytest.mark.parametrize("rows", [1, 10])
def test_cli_small_reference_exits_2_with_one_line(
    banking: pl.DataFrame, tmp_path: Path, rows: int
) -> None:
    reference, candidate = tmp_path / "reference.csv", tmp_path / "candidate.csv"
    banking[:rows].write_csv(reference)
    banking[rows : rows + 500].write_csv(candidate)
    done, lines = _refused(reference, candidate)
    assert len(lines) == 1, done.stderr
    assert f"reference has {rows} row" in lines[0] and "at least 100" in lines[0]
    assert "min_reference_rows" in lines[0] and "no drift" not in done.stdout


def test_a_candidate_of_a_few_rows_is_not_passed_as_no_drift(
    banking: pl.DataFrame, tmp_path: Path
) -> None:
    """One candidate row cannot show drift: the command refuses it (exit 2) instead of saying
    "no drift", and the report of a build (which compares what it accepted) says so."""
    reference, candidate = tmp_path / "reference.csv", tmp_path / "candidate.csv"
    banking[:300].write_csv(reference)
    banking[300:301].write_csv(candidate)
    done, lines = _refused(reference, candidate)
    assert len(lines) == 1 and "no drift" not in done.stdout, done.stderr
    assert f"{candidate}: 1 row; the drift checks need at least 20" in lines[0]
    report = drift_report(banking[:300], banking[300:301], CONFIG)
    assert any("the candidate has 1 row, under min_candidate_rows" in n for n in report.notes)
    assert not any(
        "min_candidate_rows" in n
        for n in drift_report(banking[:300], banking[300:320], CONFIG).notes
    )


@pytest.mark.parametrize("case", BAD)
def test_cli_bad_input_exits_2_with_one_line(
    files: dict[str, Path], tmp_path: Path, case: str
) -> None:
    path, expected = _bad_inputs(tmp_path)[case]
    done = run_cli("--reference", files["reference"], "--candidate", path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and str(path.name) in lines[0]
