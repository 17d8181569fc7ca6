"""How often the drift gate passes and fails on real banking77 data, one line per source.

Sources: the blind outside cases in `bench/data/outside/drift_cases.json` (written without reading
synthmill's code: 20 independent 200 vs 2,000 row pairs, a label shuffle, a 1-row and a 10-row
reference; row indices into /work/shared/data/banking77/train.csv), then our own seeded cases on
the same data: independent samples, labels shuffled across the candidate, tiny references, and
the drifted candidates of tests/test_drift.py (label collapse, shorter, longer, two-intent mix).
Last, the runtime of one comparison at 200 vs 2,000 and 200 vs 100,000 rows (best of --repeat).

    .venv/bin/python bench/drift_eval.py [--seeds 20] [--repeat 3] [--skip-runtime]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.errors import ConfigError  # noqa: E402
from tests.test_drift import DRIFTS, split  # noqa: E402
from validators.drift import DriftConfig, DriftReport, drift_report  # noqa: E402

DATA = ROOT / "examples" / "banking77" / "banking77_train_full.csv"
OUTSIDE = ROOT / "bench" / "data" / "outside" / "drift_cases.json"
CONFIG = DriftConfig()


def _joint(report: DriftReport) -> str:
    joint = next((c for c in report.checks if c.check == "label_from_text"), None)
    if joint is None:
        return ""
    return f"joint ratio {joint.statistic:.2f}, p_adj {joint.p_adjusted:.4f}"


class Tally:
    """Pass, fail and config-error counts of one source, printed as one line."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.passed = self.failed = self.errors = 0
        self.notes: list[str] = []

    def run(self, reference: pl.DataFrame, candidate: pl.DataFrame, note: bool = False) -> None:
        try:
            report = drift_report(reference, candidate, CONFIG)
        except ConfigError as exc:
            self.errors += 1
            if not self.notes:
                self.notes.append(f'"{exc}"')
            return
        if report.verdict == "pass":
            self.passed += 1
        else:
            self.failed += 1
        if note or report.verdict == "fail":
            failed = ",".join(sorted({c.check for c in report.failed}))
            detail = _joint(report) + (f"; failed: {failed}" if failed else "")
            if len(self.notes) < 3:
                self.notes.append(detail)

    def line(self) -> str:
        counts = f"{self.passed} pass / {self.failed} fail"
        if self.errors:
            counts += f" / {self.errors} config error (exit 2)"
        notes = f"  [{'; '.join(self.notes)}]" if self.notes else ""
        return f"{self.source}: {counts}{notes}"


def outside_lines() -> list[str]:
    if not OUTSIDE.is_file():
        return [f"outside cases: {OUTSIDE.relative_to(ROOT)} not found, skipped"]
    doc = json.loads(OUTSIDE.read_text())
    data = pl.read_csv(doc["source"])
    if data.height != doc["n_source_rows"]:
        return [
            f"outside cases: {doc['source']} has {data.height} rows, not {doc['n_source_rows']}"
        ]
    same = Tally("outside independent samples (200 vs 2,000, 20 pairs)")
    other: list[Tally] = []
    for case in doc["cases"]:
        reference = data[case["reference_rows"]]
        candidate = data[case["candidate_rows"]]
        if "candidate_labels" in case:
            candidate = candidate.with_columns(pl.Series("category", case["candidate_labels"]))
        if case["name"].startswith("same_distribution"):
            same.run(reference, candidate)
        else:
            tally = Tally(f"outside {case['name']} ({reference.height} vs {candidate.height})")
            tally.run(reference, candidate, note=True)
            other.append(tally)
    return [same.line()] + [t.line() for t in other]


def own_lines(data: pl.DataFrame, seeds: int) -> list[str]:
    span = f"seeds 0-{seeds - 1}"
    same = Tally(f"own independent samples (200 vs 2,000, {span}; test seeds)")
    more = Tally(f"own independent samples (200 vs 2,000, seeds 100-{99 + seeds})")
    shuffled = Tally(f"own label shuffle (200 vs 2,000, {span})")
    tiny = {rows: Tally(f"own {rows}-row reference ({span})") for rows in (1, 10)}
    for seed in range(seeds):
        reference, rest = split(data, seed)
        same.run(reference, rest[:2000])
        shuffled.run(reference, rest[:2000].with_columns(pl.col("category").shuffle(seed=seed)))
        for rows, tally in tiny.items():
            tally.run(reference[:rows], rest[:2000])
        reference, rest = split(data, 100 + seed)
        more.run(reference, rest[:2000])
    lines = [same.line(), more.line(), shuffled.line()] + [t.line() for t in tiny.values()]
    drift_seeds = max(1, seeds // 2)
    for name, (make, _expected) in DRIFTS.items():
        tally = Tally(f"own drifted {name} (seeds 0-{drift_seeds - 1})")
        for seed in range(drift_seeds):
            reference, rest = split(data, seed)
            tally.run(reference, make(rest, seed))
        lines.append(tally.line())
    return lines


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    """The fastest of `repeat` runs, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def runtime_line(data: pl.DataFrame, repeat: int) -> str:
    reference, rest = split(data, 0)
    parts = []
    drift_report(reference, rest[:1000], CONFIG)  # warm imports and caches
    for rows in (2000, 100_000):
        candidate = rest.sample(rows, with_replacement=True, seed=1)
        seconds = best_of(repeat, lambda c=candidate: drift_report(reference, c, CONFIG))
        parts.append(f"200 vs {rows:,}: {seconds * 1000:.0f} ms")
    return f"runtime (best of {repeat}): " + ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="own seeds per case")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs (best kept)")
    parser.add_argument("--skip-runtime", action="store_true")
    args = parser.parse_args()
    data = pl.read_csv(DATA)
    print(
        f"drift gate, default DriftConfig (alpha {CONFIG.alpha}, min_reference_rows "
        f"{CONFIG.min_reference_rows}); 'fail' = drift found",
        flush=True,
    )
    for line in outside_lines():
        print(line, flush=True)
    for line in own_lines(data, args.seeds):
        print(line, flush=True)
    if not args.skip_runtime:
        print(runtime_line(data, args.repeat), flush=True)


if __name__ == "__main__":
    main()
