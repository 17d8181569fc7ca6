"""Label scoring speed: synthmill's one-pass tree scorer against the scorer before #15, same run.

Both score the same held-out banking77 rows over the 10 labels, as `synthmill evaluate` does:
the base 10-shot (adapter off) and the student zero-shot (a LoRA r16 adapter on q/k/v/o, with
random non-zero B so it changes the scores), on the 4-bit NF4 embedded model: the old scorer
on the fp32 base (the default before #15), the new one at today's defaults (`--compute-dtype`,
`--dtype`, `--batch-size`; `--compute-dtype float32 --dtype model` is the exact fp32 path).
Each scorer has its own copy of the model (bitsandbytes' CPU inference kernel repacks the 4-bit
weights of a model it runs in eval mode). The runs alternate (old, new, old, new, ...) so a busy machine
slows both alike. Printed: rows/s of each (wall clock, and rows per CPU-second of this
process), the ratio, the largest score difference and how often the two pick the same label.

    .venv/bin/python bench/evaluate_speed.py                    # 24 rows, 2 rounds, CPU
    .venv/bin/python bench/evaluate_speed.py --compute-dtype float32 --dtype model  # exact fp32
    .venv/bin/python bench/evaluate_speed.py --device cuda --rows 300
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

EXAMPLE = ROOT / "examples" / "banking77"


def _student(args: argparse.Namespace, compute_dtype: str) -> tuple[Any, Any]:
    import torch
    from peft import get_peft_model

    from pipelines.finetune import FinetuneConfig, load_base, lora_config

    cfg = FinetuneConfig(device=args.device, max_seq_len=args.seq_len, compute_dtype=compute_dtype)
    base, tokenizer, _ = load_base(cfg)
    model = get_peft_model(base, lora_config(cfg))
    gen = torch.Generator().manual_seed(0)
    for name, param in model.named_parameters():
        if "lora_B" in name:
            param.data = (torch.randn(param.shape, generator=gen) * 0.02).to(param)
    return model.eval(), tokenizer


def _inputs(args: argparse.Namespace, tokenizer: Any) -> dict[str, Any]:
    import polars as pl

    from pipelines.evaluate import pick_shots
    from pipelines.finetune import FinetuneConfig, student_format

    held = pl.read_csv(EXAMPLE / "held_out.csv")
    labels = sorted(set(held["category"]))
    rows = held.sample(n=min(args.rows, held.height), seed=0, shuffle=True)
    # the labels listed, as when docs/finetune.md's figures were measured (no longer the default)
    cfg = FinetuneConfig(max_seq_len=args.seq_len, list_labels=True)
    fmt = student_format(tokenizer, cfg, labels)
    shots = pick_shots(pl.read_csv(EXAMPLE / "trusted.csv"), "text", "category", labels, 10, 0)
    texts = rows["text"].to_list()
    answers = [fmt.answer_ids(f" {lab}\n") for lab in labels]
    out = {}
    for side, shot_rows in (("base 10-shot", shots), ("student 0-shot", [])):
        prefix, queries, _ = fmt.encode_classification(texts, shot_rows)
        out[side] = (prefix, queries, [answers] * len(queries))
    return out


def _timed(fn: Any, *args: Any) -> tuple[Any, float, float]:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _best(row: list[tuple[float, int]]) -> int:
    """The label picked by the mean log-prob (the score these figures were measured with)."""
    return max(range(len(row)), key=lambda j: row[j][0] / row[j][1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--rows", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=2, help="old/new alternations per side")
    parser.add_argument("--batch-size", type=int, default=8, help="queries per batch (new)")
    parser.add_argument(
        "--old-batch-size", type=int, default=4, help="queries per batch of the old scorer"
    )
    parser.add_argument(
        "--compute-dtype",
        default="auto",
        choices=["auto", "float32", "bfloat16"],
        help="the new side's base (finetune.compute_dtype; auto = bf16 on a CPU with native bf16)",
    )
    parser.add_argument(
        "--dtype",
        default="auto",
        choices=["auto", "model", "bfloat16"],
        help="the new scorer's precision (finetune.eval.dtype; model = exact fp32 on CPU)",
    )
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    import baseline_scoring

    from pipelines.scoring import score_choices

    old_model, tokenizer = _student(args, "float32")  # the base as it was loaded before #15
    new_model, _ = _student(args, args.compute_dtype)
    data = _inputs(args, tokenizer)
    scorers = {
        "old": lambda m, p, q, a: baseline_scoring.score_choices(
            m, p, q, a, batch_size=args.old_batch_size
        ),
        "new": lambda m, p, q, a: score_choices(
            m, p, q, a, batch_size=args.batch_size, dtype=args.dtype
        ),
    }
    models = {"old": old_model, "new": new_model}
    results = []
    for side, (prefix, queries, answers) in data.items():
        times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
        scores: dict[str, Any] = {}
        for _ in range(args.rounds):
            for name in ("old", "new"):
                model, score = models[name], scorers[name]
                off = model.disable_adapter() if side.startswith("base") else nullcontext()
                with off:
                    got, wall, cpu = _timed(score, model, prefix, queries, answers)
                times[name].append((wall, cpu))
                scores[name] = got
        n = len(queries)
        rate = {k: n / statistics.median(w for w, _ in v) for k, v in times.items()}
        cpu_rate = {k: n / statistics.median(c for _, c in v) for k, v in times.items()}
        diff = max(
            abs(a[0] - b[0])
            for ra, rb in zip(scores["old"], scores["new"], strict=True)
            for a, b in zip(ra, rb, strict=True)
        )
        same = sum(
            _best(ra) == _best(rb) for ra, rb in zip(scores["old"], scores["new"], strict=True)
        )
        results.append(
            {
                "side": side,
                "rows": n,
                "prefix_tokens": len(prefix),
                "old_rows_per_s": round(rate["old"], 3),
                "new_rows_per_s": round(rate["new"], 3),
                "ratio": round(rate["new"] / rate["old"], 2),
                "old_rows_per_cpu_s": round(cpu_rate["old"], 3),
                "new_rows_per_cpu_s": round(cpu_rate["new"], 3),
                "cpu_ratio": round(cpu_rate["new"] / cpu_rate["old"], 2),
                "max_abs_score_diff": round(diff, 4),
                "same_prediction": f"{same}/{n}",
            }
        )
    device = str(next(new_model.parameters()).device)
    from pipelines.scoring import score_dtype

    chosen = score_dtype(args.dtype, new_model)
    print(
        f"\ndevice {device}, {args.rows} rows, batch {args.old_batch_size} (old) / "
        f"{args.batch_size} (new), new scorer in {chosen} ({args.dtype}), {args.rounds} rounds"
    )
    print(
        f"{'side':<16} {'old rows/s':>10} {'new rows/s':>10} {'ratio':>6} {'ratio cpu-s':>11} "
        f"{'max |d score|':>13} {'same label':>10}"
    )
    for r in results:
        print(
            f"{r['side']:<16} {r['old_rows_per_s']:>10} {r['new_rows_per_s']:>10} "
            f"{r['ratio']:>6} {r['cpu_ratio']:>11} {r['max_abs_score_diff']:>13} "
            f"{r['same_prediction']:>10}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
