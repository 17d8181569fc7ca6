"""Scoring only the labels that can win (`best_choices`) against scoring every label
(`score_choices`), same run, on a trained student and its base.

A build's evaluation picks each held-out row's label by the summed log-prob of the label's
tokens. A label's sum is at most its first token's log-prob, so after one pass for the first
tokens and one for the label with the best first token, only labels whose first token is not
below that label's sum need scoring (`pipelines.scoring.best_choices`). The two scorers run
alternately (full, pruned, full, pruned, ...) on the same loaded model, the student zero-shot
(adapter on) and the base 10-shot (adapter off), as `synthmill build` scores them. Printed per
side: rows/s of each, the ratio, the accuracy of each and on how many rows they pick the same
label, and how many labels a row needed in full.

The student is a build's adapter (default: the demo's, `make demo` writes `runs/demo/adapter`);
the rows are the example's held-out banking77 queries (PolyAI, CC BY 4.0).

    .venv/bin/python bench/pruned_scoring.py                       # runs/demo/adapter, 300 rows
    .venv/bin/python bench/pruned_scoring.py --adapter RUN/adapter --rows 100 --rounds 1
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EXAMPLE = ROOT / "examples" / "banking77"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--adapter", type=Path, default=ROOT / "runs" / "demo" / "adapter")
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=None, help="default: the adapter's")
    args = parser.parse_args()
    if not (args.adapter / "adapter_config.json").is_file():
        sys.exit(f"error: {args.adapter}: no adapter here; run `make demo` or pass --adapter DIR")

    import polars as pl

    from pipelines.evaluate import _settings, accuracy, load_for_eval, pick_shots
    from pipelines.finetune import student_format
    from pipelines.scoring import best_choices, pick_label, score_choices, score_dtype

    cfg, ev, meta = _settings(None, args.adapter)
    net, tokenizer = load_for_eval(cfg, None, args.adapter)
    held = pl.read_csv(EXAMPLE / "held_out.csv").head(args.rows)
    labels = sorted(meta.get("labels") or set(held["category"].to_list()))
    fmt = student_format(tokenizer, cfg, labels)
    texts, truth = held["text"].to_list(), held["category"].to_list()
    shots = pick_shots(
        pl.read_csv(EXAMPLE / "trusted.csv"), "text", "category", labels, ev.few_shot, ev.seed
    )
    answers = [fmt.answer_ids(f" {lab}\n") for lab in labels]
    options = {
        "batch_size": args.batch_size or ev.batch_size,
        "pad_id": tokenizer.pad_token_id or 0,
        "dtype": ev.dtype,
    }
    scorers = {
        "full": lambda p, q: score_choices(net, p, q, [answers] * len(q), **options),
        "pruned": lambda p, q: best_choices(net, p, q, answers, **options),
    }
    print(
        f"{args.adapter}: {len(texts)} held-out rows, {len(labels)} labels "
        f"({sum(map(len, answers))} answer tokens), batch {options['batch_size']}, "
        f"{score_dtype(ev.dtype, net)}, {args.rounds} rounds"
    )
    print(
        f"{'side':<16} {'full rows/s':>11} {'pruned rows/s':>13} {'ratio':>6} "
        f"{'acc full':>8} {'acc pruned':>10} {'same pick':>9} {'labels scored/row':>17}"
    )
    for side, shot_rows, off in (
        ("student 0-shot", [], False),
        (f"base {len(shots)}-shot", shots, True),
    ):
        prefix, queries, _ = fmt.encode_classification(texts, shot_rows)
        seconds: dict[str, list[float]] = {"full": [], "pruned": []}
        picks: dict[str, list[str]] = {}
        scored = 0.0
        for _ in range(args.rounds):
            for name, score in scorers.items():
                with net.disable_adapter() if off else contextlib.nullcontext():
                    start = time.perf_counter()
                    got = score(prefix, queries)
                    seconds[name].append(time.perf_counter() - start)
                picks[name] = [pick_label(row, labels, "sum") for row in got]
                if name == "pruned":
                    scored = sum(v != float("-inf") for row in got for v, _ in row) / len(got)
        rate = {k: len(texts) / statistics.median(v) for k, v in seconds.items()}
        same = sum(a == b for a, b in zip(picks["full"], picks["pruned"], strict=True))
        print(
            f"{side:<16} {rate['full']:>11.2f} {rate['pruned']:>13.2f} "
            f"{rate['pruned'] / rate['full']:>5.2f}x {accuracy(truth, picks['full']):>8.3f} "
            f"{accuracy(truth, picks['pruned']):>10.3f} {same:>5}/{len(texts):<3} {scored:>17.2f}"
        )


if __name__ == "__main__":
    main()
