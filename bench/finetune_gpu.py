"""QLoRA throughput: synthmill's TRL path next to a plain transformers + peft loop, same settings.

Every run loads the same 4-bit NF4 base (double quantisation), attaches the same LoRA adapters,
trains on the same tokenised rows (the student prompt format, loss on the answer only) with the
same batch size, learning rate and steps. Printed per run: steps/s, tokens/s (non-pad tokens
through the model), CPU-seconds per step (this process), first and last loss, peak GPU memory.
The first `--warmup` steps are left out of the rates (CUDA kernels, allocator).

Without `--auto`: synthmill's `finetune` and the plain loop, both with gradient checkpointing
as given (`--no-gradient-checkpointing`) and padded batches.
With `--auto`: synthmill with the settings it picks for the device (printed with the reasons),
the plain loop with those same settings (the same answer-only loss, checkpointing,
padding-free batches, per-device batch), the plain loop with the settings before #15 (full
logits, checkpointing, padded) and synthmill's TRL path before #15 (TRL's own loss over the
full vocabulary, checkpointing, padded). `trl-prev` (only with `--only`) is synthmill's auto
settings as they were before rows attended one by one on CPU: sdpa over the whole packed row
with its block mask, and the answer's vocabulary projection in float32. The runs alternate
`--rounds` times so a busy machine slows each alike; the rates are medians over the rounds.

    .venv/bin/python bench/finetune_gpu.py --device cuda --max-steps 60 --auto   # on a GPU
    .venv/bin/python bench/finetune_gpu.py --device cpu --max-steps 4 --warmup 1 --records 64 \\
        --batch-size 8 --auto
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transformers import TrainerCallback  # noqa: E402

DATA = ROOT / "examples" / "banking77" / "real_pool.csv"
NAMES = {
    ("trl", "given"): "trl (synthmill finetune)",
    ("plain", "given"): "plain transformers + peft",
    ("trl", "auto"): "trl, synthmill auto",
    ("plain", "auto"): "plain, same settings",
    ("plain", "old"): "plain, before #15",
    ("trl", "old"): "trl, before #15",
    ("trl", "prev"): "trl auto, packed mask",
}


def _config(args: argparse.Namespace, mode: str) -> Any:
    """`given` (the command line), `auto` (synthmill's device defaults) or `old` (before #15:
    checkpointing on, padded batches)."""
    from pipelines.finetune_config import FinetuneConfig

    ckpt: Any = {
        "given": not args.no_gradient_checkpointing,
        "auto": "auto",
        "prev": "auto",
        "old": True,
    }[mode]
    return FinetuneConfig(
        model=args.model,
        device=args.device,
        max_steps=args.max_steps,
        batch_size=args.batch_size,
        max_seq_len=args.seq_len,
        learning_rate=args.lr,
        lora_r=args.lora_r,
        lora_alpha=2 * args.lora_r,
        target_modules=args.target_modules.split(","),
        gradient_checkpointing=ckpt,
        padding_free="auto" if mode in ("auto", "prev") else False,
        list_labels=True,  # the rows the GPU table was measured on (~123 tokens each)
        seed=0,
    )


def _rows(args: argparse.Namespace, cfg: Any, tokenizer: Any) -> tuple[Any, list[dict[str, Any]]]:
    import polars as pl

    from pipelines.finetune import student_format, training_rows

    frame = pl.read_csv(args.data).sample(n=args.records, seed=0, with_replacement=False)
    frame = frame.rename({args.label_field: "label"})
    labels = sorted(set(frame["label"]))
    return frame, training_rows(
        frame, student_format(tokenizer, cfg, labels), "labels", "text", "label"
    )


def _peak_gib() -> float | None:
    import torch

    if not torch.cuda.is_available():
        return None
    return round(torch.cuda.max_memory_allocated() / 2**30, 2)


def _reset_peak() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


class _StepTimer(TrainerCallback):
    """Wall and CPU time of every optimizer step (synchronised with the GPU)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.cpu: list[float] = []
        self._start = (0.0, 0.0)

    def on_step_begin(self, *_: Any, **__: Any) -> None:
        self._sync()
        self._start = (time.perf_counter(), time.process_time())

    def on_step_end(self, *_: Any, **__: Any) -> None:
        self._sync()
        self.times.append(time.perf_counter() - self._start[0])
        self.cpu.append(time.process_time() - self._start[1])

    @staticmethod
    def _sync() -> None:
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()


def run_trl(args: argparse.Namespace, out: Path, mode: str) -> dict[str, Any]:
    """synthmill's `finetune` (TRL SFTTrainer); rates from the per-step log. Mode `old`: the TRL
    path before #15, TRL's own SFTTrainer and loss (the baseline; synthmill never runs it).
    Mode `prev`: the auto settings with sdpa over the packed row and a float32 projection."""
    from types import SimpleNamespace

    import trl

    import pipelines.answer_loss as answer_loss
    import pipelines.finetune as finetune_module
    from pipelines.finetune import finetune, load_base

    cfg = _config(args, mode)
    _reset_peak()
    loaded = load_base(cfg)
    frame, _ = _rows(args, cfg, loaded[1])
    timer = _StepTimer()
    ours = answer_loss.AnswerLossTrainer, answer_loss.head_weight, finetune_module.packed_attention
    if mode == "old":
        answer_loss.AnswerLossTrainer = trl.SFTTrainer  # type: ignore[misc]
    if mode == "prev":
        answer_loss.head_weight = lambda head, dtype=None: head.weight  # type: ignore[assignment]
        finetune_module.packed_attention = SimpleNamespace(register=lambda: "sdpa")  # type: ignore[assignment]
    try:
        result = finetune(frame, cfg, out, model=loaded, callbacks=[timer])
    finally:
        answer_loss.AnswerLossTrainer, answer_loss.head_weight = ours[0], ours[1]  # type: ignore[misc]
        finetune_module.packed_attention = ours[2]  # type: ignore[assignment]
    log = json.loads((out / "train_log.json").read_text())["steps"]
    tokens = [s.get("num_tokens", 0) for s in log]
    per_step = [b - a for a, b in zip([0.0, *tokens[:-1]], tokens, strict=True)]
    summary = _summary(
        NAMES["trl", mode], timer, per_step, [s["loss"] for s in log], args.warmup, result.device
    )
    return {**summary, "plan": result.plan}


def run_plain(args: argparse.Namespace, mode: str) -> dict[str, Any]:
    """The same training as a hand-written loop: transformers + peft + torch.optim, no TRL.

    Modes `given` and `old`: padded batches, the model's own loss over full logits. Mode `auto`:
    the settings synthmill picks (`plan_training`) and its answer-only loss, with its bf16
    vocabulary projection and, on CPU, its one-row-at-a-time attention of packed batches.
    """
    import torch
    from peft import get_peft_model
    from transformers import get_linear_schedule_with_warmup
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    from pipelines.answer_loss import answer_loss
    from pipelines.finetune import load_base, lora_config, pick_dtype, prepare_base
    from pipelines.train_plan import plan_training

    cfg = _config(args, mode)
    _reset_peak()
    base, tokenizer, device = load_base(cfg)
    _, rows = _rows(args, cfg, tokenizer)
    rows = [
        {
            "input_ids": r["input_ids"][: cfg.max_seq_len],
            "labels": [
                t if m else -100 for t, m in zip(r["input_ids"], r["completion_mask"], strict=True)
            ][: cfg.max_seq_len],
        }
        for r in rows
    ]
    plan = plan_training(
        cfg,
        device,
        base.config,
        max(len(r["input_ids"]) for r in rows),
        pick_dtype(cfg, device).itemsize,
        base.config._attn_implementation,
    )
    sliced = mode == "auto"
    ckpt = plan.gradient_checkpointing if sliced else cfg.gradient_checkpointing is not False
    micro = plan.per_device_batch if sliced else cfg.batch_size
    collate = DataCollatorForLanguageModeling(
        pad_token_id=tokenizer.pad_token_id, padding_free=sliced and plan.padding_free
    )
    model = get_peft_model(prepare_base(base, cfg, ckpt), lora_config(cfg))
    dtype = pick_dtype(cfg, device)
    if sliced and plan.padding_free and device == "cpu":  # as synthmill trains on CPU
        from pipelines import packed_attention

        base.set_attn_implementation(packed_attention.register())
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=0.0)
    sched = get_linear_schedule_with_warmup(optim, 0, cfg.max_steps)
    gen = torch.Generator().manual_seed(cfg.seed)
    timer = _StepTimer()
    tokens, losses = [], []
    order: list[int] = []
    for _step in range(cfg.max_steps):
        if len(order) < cfg.batch_size:
            order += torch.randperm(len(rows), generator=gen).tolist()
        batch = [rows[i] for i in order[: cfg.batch_size]]
        del order[: cfg.batch_size]
        parts = [collate(batch[i : i + micro]) for i in range(0, len(batch), micro)]
        n_answer = sum(int((p["labels"][:, 1:] != -100).sum()) for p in parts)
        timer.on_step_begin()
        total = 0.0
        for part in parts:
            inputs = {k: v.to(device) if hasattr(v, "to") else v for k, v in part.items()}
            with torch.autocast(device, dtype=torch.bfloat16, enabled=device == "cuda"):
                if sliced:
                    loss = answer_loss(model, inputs, n_answer, dtype if sliced else None)[0]
                else:
                    loss = model(**inputs).loss / len(parts)
            loss.backward()
            total += float(loss)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optim.step()
        sched.step()
        optim.zero_grad(set_to_none=True)
        timer.on_step_end()
        tokens.append(float(sum(len(r["input_ids"]) for r in batch)))
        losses.append(total)
    return _summary(NAMES["plain", mode], timer, tokens, losses, args.warmup, device)


def _summary(
    name: str,
    timer: _StepTimer,
    tokens: list[float],
    losses: list[float],
    warmup: int,
    device: str,
) -> dict[str, Any]:
    times = timer.times
    skip = min(warmup, max(len(times) - 1, 0))
    t, n = sum(times[skip:]), sum(tokens[skip:])
    cpu = timer.cpu[skip:]
    return {
        "run": name,
        "device": device,
        "steps": len(times),
        "steps_per_s": round((len(times) - skip) / t, 3) if t else None,
        "tokens_per_s": round(n / t, 1) if t else None,
        "cpu_s_per_step": round(sum(cpu) / len(cpu), 2) if cpu else None,
        "first_loss": round(losses[0], 4) if losses else None,
        "last_loss": round(losses[-1], 4) if losses else None,
        "peak_gpu_gib": _peak_gib(),
    }


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One row per run name: the median rates over the rounds, the first round's losses."""
    out = dict(runs[0])
    for key in ("steps_per_s", "tokens_per_s", "cpu_s_per_step"):
        values = [r[key] for r in runs if r[key] is not None]
        out[key] = round(statistics.median(values), 3) if values else None
    out["rounds"] = len(runs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--label-field", default="category")
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--max-steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=3, help="steps left out of the rates")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--lora-r", type=int, default=16)
    parser.add_argument("--target-modules", default="q_proj,k_proj,v_proj,o_proj")
    parser.add_argument("--no-gradient-checkpointing", action="store_true")
    parser.add_argument("--auto", action="store_true", help="synthmill's device settings vs both")
    parser.add_argument("--rounds", type=int, default=1, help="alternations of the runs")
    parser.add_argument("--only", help="comma-separated run names (trl-auto,plain-old,...)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    modes = ["auto", "old"] if args.auto else ["given"]
    runs = [(kind, mode) for mode in modes for kind in ("trl", "plain")]
    if args.only and "trl-prev" in args.only.split(","):
        runs.append(("trl", "prev"))
    if args.only:
        runs = [r for r in runs if f"{r[0]}-{r[1]}" in args.only.split(",")]
    by_run: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _round in range(args.rounds):
            for kind, mode in runs:
                if kind == "trl":
                    result = run_trl(args, Path(tmp) / f"adapter-{mode}", mode)
                else:
                    result = run_plain(args, mode)
                by_run.setdefault(result["run"], []).append(result)
                print(json.dumps({k: v for k, v in result.items() if k != "plan"}), flush=True)
    results = [_median(v) for v in by_run.values()]
    print(
        f"\n{'run':<26} {'device':<6} {'steps':>5} {'steps/s':>8} {'tokens/s':>9} "
        f"{'cpu-s/step':>10} {'loss first->last':>18} {'peak GiB':>8}"
    )
    for r in results:
        loss = f"{r['first_loss']} -> {r['last_loss']}"
        print(
            f"{r['run']:<26} {r['device']:<6} {r['steps']:>5} {r['steps_per_s']!s:>8} "
            f"{r['tokens_per_s']!s:>9} {r['cpu_s_per_step']!s:>10} {loss:>18} "
            f"{r['peak_gpu_gib']!s:>8}"
        )
    rate = {r["run"]: r["steps_per_s"] for r in results}
    auto = rate.get(NAMES["trl", "auto"])
    for other in ("plain", "old"), ("plain", "auto"), ("trl", "old"), ("trl", "prev"):
        if auto and rate.get(NAMES[other]):
            print(f"synthmill auto / {NAMES[other]}: {auto / rate[NAMES[other]]:.2f}x")
    for r in results:
        for reason in r.get("plan", {}).get("reasons", []):
            print(f"  chosen: {reason}")
        if r.get("plan"):
            break
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
