"""Time the drift gate on 200 reference rows against 100,000 candidate rows of banking77.

The candidate is built by resampling the real rows with replacement. The baseline, timed in the
same run on the same data, is what a plain scipy gate would do: `scipy.stats.chisquare` on the
label counts plus `scipy.stats.ks_2samp` on the text lengths (in characters and in words).

    .venv/bin/python bench/drift_bench.py [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from validators.drift import DriftConfig, drift_report  # noqa: E402

DATA = ROOT / "examples" / "banking77" / "banking77_train_full.csv"


def baseline(reference: pl.DataFrame, candidate: pl.DataFrame) -> None:
    """Chi-square on label counts (reference proportions, add-one smoothed) and two KS tests."""
    labels = sorted(set(reference["category"]) | set(candidate["category"]))
    ref = reference["category"].value_counts()
    cand = candidate["category"].value_counts()
    ref_counts = dict(ref.iter_rows())
    cand_counts = dict(cand.iter_rows())
    observed = np.array([cand_counts.get(x, 0) for x in labels], dtype=float)
    expected = np.array([ref_counts.get(x, 0) + 1 for x in labels], dtype=float)
    stats.chisquare(observed, expected / expected.sum() * observed.sum())
    for column in (
        pl.col("text").str.len_chars(),
        pl.col("text").str.count_matches(r"\w+"),
    ):
        a = reference.select(column).to_series().to_numpy()
        b = candidate.select(column).to_series().to_numpy()
        stats.ks_2samp(a, b)


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    """The fastest of `repeat` runs, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="candidate rows")
    parser.add_argument("--reference-rows", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    data = pl.read_csv(DATA)
    shuffled = data.sample(fraction=1.0, shuffle=True, seed=0)
    reference = shuffled[: args.reference_rows]
    rest = shuffled[args.reference_rows :]
    candidate = rest.sample(args.rows, with_replacement=True, seed=1)
    config = DriftConfig()

    drift_report(reference, candidate[:1000], config)  # warm imports and caches
    ours = best_of(args.repeat, lambda: drift_report(reference, candidate, config))
    base = best_of(args.repeat, lambda: baseline(reference, candidate))
    report = drift_report(reference, candidate, config)
    print(
        f"reference {reference.height} rows, candidate {candidate.height} rows "
        f"(banking77 resampled), {len(report.checks)} checks, "
        f"{config.n_permutations} permutations each, verdict {report.verdict}"
    )
    print(f"drift_report:               {ours * 1000:8.1f} ms (best of {args.repeat})")
    print(f"scipy chisquare + 2 ks_2samp: {base * 1000:6.1f} ms (best of {args.repeat})")
    print(f"ratio drift_report / baseline: {ours / base:.1f}x")


if __name__ == "__main__":
    main()
