"""Generate drift_cases.json: row-index samples of banking77 train.csv for drift checks.

Written from the task brief only, without reading synthmill's code.
Row indices are 0-based positions of data rows as a CSV reader parses train.csv (header
excluded; a few texts contain line breaks, so these are NOT file line numbers).

    /work/main/.venv/bin/python bench/data/outside/make_drift.py
"""
import json
import random
from pathlib import Path

import polars as pl

OUT = Path(__file__).resolve().parent
SRC = "/work/shared/data/banking77/train.csv"
N_PAIRS, N_REF, N_CAND = 20, 200, 2000


def sample(seed_ref, seed_cand, n, n_ref, n_cand):
    ref = random.Random(seed_ref).sample(range(n), n_ref)
    taken = set(ref)
    rest = [i for i in range(n) if i not in taken]
    cand = random.Random(seed_cand).sample(rest, n_cand)
    return ref, cand


def main():
    labels = pl.read_csv(SRC)["category"].to_list()
    n = len(labels)
    cases = []
    for k in range(N_PAIRS):
        ref, cand = sample(5000 + k, 6000 + k, n, N_REF, N_CAND)
        cases.append({"name": f"same_distribution_{k:02d}", "seed_reference": 5000 + k,
                      "seed_candidate": 6000 + k, "expect_drift": False,
                      "reference_rows": ref, "candidate_rows": cand})
    ref, cand = sample(7100, 7200, n, N_REF, N_CAND)
    perm = [labels[i] for i in cand]
    random.Random(7300).shuffle(perm)
    cases.append({"name": "label_shuffle", "seed_reference": 7100, "seed_candidate": 7200,
                  "seed_permutation": 7300, "expect_drift": True,
                  "note": "candidate texts keep their rows but labels are permuted across the candidate "
                          "rows: label and text marginals unchanged, text-label relation destroyed",
                  "reference_rows": ref, "candidate_rows": cand, "candidate_labels": perm})
    ref, cand = sample(7400, 7500, n, 1, N_CAND)
    cases.append({"name": "one_row_reference", "seed_reference": 7400, "seed_candidate": 7500,
                  "expect_drift": None, "note": "degenerate: reference has 1 row",
                  "reference_rows": ref, "candidate_rows": cand})
    ref, cand = sample(7600, 7700, n, 10, N_CAND)
    cases.append({"name": "tiny_reference", "seed_reference": 7600, "seed_candidate": 7700,
                  "expect_drift": None, "note": "degenerate: reference has 10 rows",
                  "reference_rows": ref, "candidate_rows": cand})
    doc = {"source": SRC, "row_index": "0-based data-row position as parsed by a CSV reader, header excluded",
           "n_source_rows": n, "cases": cases}
    with open(OUT / "drift_cases.json", "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
    changed = sum(a != labels[i] for a, i in zip(perm, cases[20]["candidate_rows"]))
    print(f"{len(cases)} cases; label_shuffle changes {changed}/{N_CAND} labels")


if __name__ == "__main__":
    main()
