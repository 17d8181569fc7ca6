"""Near copies across runs: a later run judged through the published index, against one run.

For each outside set (real banking77 queries, PolyAI, CC BY 4.0, with near copies, exact
copies and hard negatives planted by helper sessions that never saw synthmill's code), run 1
publishes the originals into a file index; run 2 holds the planted rows. It counts what run 2
loses as `published_before`, with the index as this version writes it (texts kept beside the
signatures) and as earlier versions wrote it (signatures only), next to one run over both
files (`near_duplicate` / `exact_duplicate`), which is what the index should match. Then it
times run 2 against a larger index of real queries both ways.

    .venv/bin/python bench/dedup_index.py [--sources outside-short-b,...] [--timing-rows 9000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from validators.dedup import dedup_frame  # noqa: E402
from validators.dedup.config import DedupConfig  # noqa: E402
from validators.dedup.index import open_index  # noqa: E402

DATA = ROOT / "bench" / "data"
SOURCES = (
    "outside-short-b,outside-short-c,outside-short-d,outside-short-e,outside-short-f,"
    "outside-short-g,outside-short-h"
)
BANKING77 = ROOT.parent / "shared" / "data" / "banking77" / "train.csv"


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame({"id": [r["id"] for r in rows], "text": [r["text"] for r in rows]})


def across_runs(first: pl.DataFrame, second: pl.DataFrame, with_texts: bool) -> tuple[set, float]:
    """Ids of `second` removed as published_before, and run 2's seconds."""
    with tempfile.TemporaryDirectory() as folder:
        config = DedupConfig.build(index={"kind": "file", "path": folder})
        index = open_index(config)
        assert index is not None
        one = dedup_frame(first, config, index=index)
        index.add(one.kept_keys, one.kept_signatures, one.kept_texts if with_texts else None)
        start = time.perf_counter()
        two = dedup_frame(second, config, index=open_index(config))
        seconds = time.perf_counter() - start
    removed = {r.record_id for r in two.rejections if r.reason.value == "published_before"}
    return removed, seconds


def quality(source: str) -> None:
    path = next((DATA / source).glob("*.jsonl"))
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    first = _frame([r for r in rows if r["kind"] == "original"])
    later = [r for r in rows if r["kind"] in ("exact", "near", "negative")]
    second = _frame(later)
    one_run = {
        r.record_id for r in dedup_frame(pl.concat([first, second]), DedupConfig()).rejections
    }
    with_texts, _ = across_runs(first, second, True)
    signatures, _ = across_runs(first, second, False)
    parts = []
    for kind in ("exact", "near", "negative"):
        ids = {r["id"] for r in later if r["kind"] == kind}
        what = "removed" if kind != "negative" else "falsely removed"
        parts.append(
            f"{kind} {what}: index {len(ids & with_texts)}/{len(ids)}, signatures only "
            f"{len(ids & signatures)}, one run {len(ids & one_run)}"
        )
    print(f"{source}: " + "; ".join(parts))


def timing(rows: int) -> None:
    if not BANKING77.is_file():
        print(f"timing: {BANKING77} not found, skipped")
        return
    texts = pl.read_csv(BANKING77)["text"].to_list()
    first = pl.DataFrame({"id": [f"p{i}" for i in range(rows)], "text": texts[:rows]})
    later = texts[rows : rows + 1000]
    second = pl.DataFrame({"id": [f"n{i}" for i in range(len(later))], "text": later})
    best = {}
    for with_texts in (False, True):
        runs = [across_runs(first, second, with_texts) for _ in range(3)]
        best[with_texts] = min(seconds for _, seconds in runs)
        found = len(runs[0][0])
        print(
            f"timing: {len(later)} new real queries against {rows} published, "
            f"{'texts kept' if with_texts else 'signatures only'}: {best[with_texts]:.2f} s "
            f"(best of 3), {found} removed as published_before"
        )
    print(f"timing: texts kept cost {best[True] / best[False]:.1f}x the signature-only run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", default=SOURCES)
    parser.add_argument("--timing-rows", type=int, default=9000)
    args = parser.parse_args()
    for source in args.sources.split(","):
        quality(source)
    timing(args.timing_rows)


if __name__ == "__main__":
    main()
