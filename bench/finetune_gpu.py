"""QLoRA throughput: synthmill's TRL path next to a plain transformers + peft loop, same settings.

Both runs load the same 4-bit NF4 base (double quantisation), attach the same LoRA adapters,
train on the same tokenised rows (the student prompt format, loss on the answer only) with the
same batch size, learning rate, steps and gradient checkpointing. Printed per run: steps/s,
tokens/s (non-pad tokens through the model), first and last loss, peak GPU memory. The first
`--warmup` steps are left out of the rates (CUDA kernels, allocator).

    .venv/bin/python bench/finetune_gpu.py --device cuda --max-steps 60      # on a GPU
    .venv/bin/python bench/finetune_gpu.py --device cpu --max-steps 2 --records 16 --seq-len 64
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transformers import TrainerCallback  # noqa: E402

DATA = ROOT / "examples" / "banking77" / "real_pool.csv"


def _config(args: argparse.Namespace) -> Any:
    from pipelines.finetune_config import FinetuneConfig

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
        gradient_checkpointing=not args.no_gradient_checkpointing,
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


def run_trl(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """synthmill's `finetune` (TRL SFTTrainer); rates from the per-step log."""
    from pipelines.finetune import finetune, load_base

    cfg = _config(args)
    _reset_peak()
    loaded = load_base(cfg)
    frame, _ = _rows(args, cfg, loaded[1])
    timer = _StepTimer()
    result = finetune(frame, cfg, out, model=loaded, callbacks=[timer])
    log = json.loads((out / "train_log.json").read_text())["steps"]
    tokens = [s.get("num_tokens", 0) for s in log]
    per_step = [b - a for a, b in zip([0.0, *tokens[:-1]], tokens, strict=True)]
    return _summary(
        "trl (synthmill finetune)",
        timer.times,
        per_step,
        [s["loss"] for s in log],
        args.warmup,
        result.device,
    )


class _StepTimer(TrainerCallback):
    """Wall time of every optimizer step (synchronised with the GPU)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self._start = 0.0

    def on_step_begin(self, *_: Any, **__: Any) -> None:
        self._sync()
        self._start = time.perf_counter()

    def on_step_end(self, *_: Any, **__: Any) -> None:
        self._sync()
        self.times.append(time.perf_counter() - self._start)

    @staticmethod
    def _sync() -> None:
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()


def run_plain(args: argparse.Namespace) -> dict[str, Any]:
    """The same training as a hand-written loop: transformers + peft + torch.optim, no TRL."""
    import torch
    from peft import get_peft_model
    from transformers import get_linear_schedule_with_warmup

    from pipelines.finetune import load_base, lora_config, prepare_base

    cfg = _config(args)
    _reset_peak()
    base, tokenizer, device = load_base(cfg)
    _, rows = _rows(args, cfg, tokenizer)
    model = get_peft_model(prepare_base(base, cfg), lora_config(cfg))
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=0.0)
    sched = get_linear_schedule_with_warmup(optim, 0, cfg.max_steps)
    gen = torch.Generator().manual_seed(cfg.seed)
    pad = tokenizer.pad_token_id
    times, tokens, losses = [], [], []
    order: list[int] = []
    for _step in range(cfg.max_steps):
        if len(order) < cfg.batch_size:
            order += torch.randperm(len(rows), generator=gen).tolist()
        batch = [rows[i] for i in order[: cfg.batch_size]]
        del order[: cfg.batch_size]
        width = min(max(len(r["input_ids"]) for r in batch), cfg.max_seq_len)
        ids = torch.full((len(batch), width), pad)
        labels = torch.full((len(batch), width), -100)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for i, r in enumerate(batch):
            n = min(len(r["input_ids"]), width)
            ids[i, :n] = torch.tensor(r["input_ids"][:n])
            answer = torch.tensor(r["completion_mask"][:n], dtype=torch.bool)
            labels[i, :n] = torch.where(answer, torch.tensor(r["input_ids"][:n]), -100)
            mask[i, :n] = 1
        _StepTimer._sync()
        start = time.perf_counter()
        with torch.autocast(device, dtype=torch.bfloat16, enabled=device == "cuda"):
            loss = model(
                input_ids=ids.to(device), attention_mask=mask.to(device), labels=labels.to(device)
            ).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optim.step()
        sched.step()
        optim.zero_grad(set_to_none=True)
        _StepTimer._sync()
        times.append(time.perf_counter() - start)
        tokens.append(float(mask.sum()))
        losses.append(float(loss))
    return _summary("plain transformers + peft", times, tokens, losses, args.warmup, device)


def _summary(
    name: str,
    times: list[float],
    tokens: list[float],
    losses: list[float],
    warmup: int,
    device: str,
) -> dict[str, Any]:
    skip = min(warmup, max(len(times) - 1, 0))
    t, n = sum(times[skip:]), sum(tokens[skip:])
    return {
        "run": name,
        "device": device,
        "steps": len(times),
        "steps_per_s": round((len(times) - skip) / t, 3) if t else None,
        "tokens_per_s": round(n / t, 1) if t else None,
        "first_loss": round(losses[0], 4) if losses else None,
        "last_loss": round(losses[-1], 4) if losses else None,
        "peak_gpu_gib": _peak_gib(),
    }


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
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = [run_trl(args, Path(tmp) / "adapter"), run_plain(args)]
    print(
        f"\n{'run':<28} {'device':<6} {'steps':>5} {'steps/s':>9} {'tokens/s':>10} "
        f"{'loss first->last':>18} {'peak GiB':>9}"
    )
    for r in results:
        loss = f"{r['first_loss']} -> {r['last_loss']}"
        print(
            f"{r['run']:<28} {r['device']:<6} {r['steps']:>5} {r['steps_per_s']!s:>9} "
            f"{r['tokens_per_s']!s:>10} {loss:>18} {r['peak_gpu_gib']!s:>9}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
