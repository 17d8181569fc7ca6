"""Training settings sized to the device: gradient checkpointing, padding-free batches and the
per-device batch, from the free memory and the model's shape. `finetune_config.json` and the
build report record what was chosen and why.

- Gradient checkpointing recomputes each block's forward pass during the backward pass: about a
  third more work per step, worth it only when the activations would not fit. `auto` turns it
  off when the estimated activations of one micro-batch take at most half the free memory.
- The per-device batch is the configured `batch_size`, unless even with checkpointing it does
  not fit; then it is halved and gradient accumulation makes up the difference, so the
  optimiser sees the same batch (and the same number of steps) on every device.
- Padding-free batches pack a batch's rows into one row, so no work is spent on padding. `auto`
  turns it on where it was measured faster: on CPU (docs/finetune.md), and on CUDA only with a
  flash-attention kernel (varlen, no mask); with sdpa on CUDA it stays off.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import Field

from pipelines.finetune_config import FinetuneConfig
from schemas.base import FrozenModel

FIT_SHARE = 0.5  # activations may take this share of the free memory
MARGIN = 2.0  # the estimate below times this (allocator, temporaries)


class TrainPlan(FrozenModel):
    """What the fine-tune runs with on this device, and why."""

    gradient_checkpointing: bool
    padding_free: bool
    per_device_batch: int
    gradient_accumulation_steps: int
    activation_gib: float = Field(description="estimate for one micro-batch, no checkpointing")
    free_gib: float
    reasons: list[str]


@functools.cache
def cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX-BF16; Linux only).
    There, bf16 trains about 1.3x and scores about 2x faster than fp32 on 2 cores."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        return False
    return False


def free_bytes(device: Any) -> int:
    """Free memory of a device ('cuda', 'cpu' or a torch.device): CUDA's free memory, else the
    system's MemAvailable (0 when unknown)."""
    kind = getattr(device, "type", str(device).split(":")[0])
    if kind == "cuda":
        import torch

        return int(torch.cuda.mem_get_info(device if device != "cuda" else None)[0])
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def activation_bytes(model_config: Any, tokens: int, checkpointing: bool, dtype_bytes: int) -> int:
    """Rough bytes kept for the backward pass of a frozen decoder with LoRA, `tokens` per step.

    Per token and block, without checkpointing: the block's norms and residuals (6 hidden), the
    attention's query, output and key/value states and the MLP's gate, up and activation
    (4 intermediate); with checkpointing only each block's input, plus one block recomputed.
    The vocabulary projection is on the answer tokens only and is left out.
    """
    cfg = model_config.get_text_config()
    hidden = cfg.hidden_size
    head_dim = getattr(cfg, "head_dim", None) or hidden // cfg.num_attention_heads
    q_dim = cfg.num_attention_heads * head_dim
    kv_dim = getattr(cfg, "num_key_value_heads", cfg.num_attention_heads) * head_dim
    per_block = 6 * hidden + 3 * q_dim + 2 * kv_dim + 4 * cfg.intermediate_size
    layers = cfg.num_hidden_layers
    values = (
        tokens * (layers * hidden + per_block) if checkpointing else tokens * layers * per_block
    )
    return int(values * dtype_bytes * MARGIN)


def plan_training(
    cfg: FinetuneConfig,
    device: str,
    model_config: Any,
    longest: int,
    dtype_bytes: int,
    attn_implementation: str | None = None,
) -> TrainPlan:
    """Checkpointing, padding-free and the per-device batch for `cfg` on `device`; `longest` is
    the longest training row in tokens."""
    free = free_bytes(device)
    budget = FIT_SHARE * free if free else float("inf")
    reasons = []

    def need(batch: int, ckpt: bool) -> int:
        return activation_bytes(model_config, batch * longest, ckpt, dtype_bytes)

    batch = cfg.batch_size
    full = need(batch, False)
    if cfg.gradient_checkpointing == "auto":
        ckpt = full > budget
        reasons.append(
            f"gradient checkpointing {'on' if ckpt else 'off'}: activations ~{full / 2**30:.2f} "
            f"GiB for {batch} x {longest} tokens, free {free / 2**30:.1f} GiB"
        )
    else:
        ckpt = bool(cfg.gradient_checkpointing)
        reasons.append(f"gradient checkpointing {'on' if ckpt else 'off'}: set in the config")
    micro = batch
    while micro > 1 and need(micro, ckpt) > budget:
        micro = max(d for d in range(1, micro) if batch % d == 0)
    if micro < batch:
        reasons.append(
            f"per-device batch {micro} x {batch // micro} accumulated steps = batch {batch}: "
            "the full batch does not fit"
        )
    if cfg.padding_free == "auto":
        flash = (attn_implementation or "").startswith("flash")
        padding_free = device == "cpu" or flash
        why = "CPU" if device == "cpu" else f"attention '{attn_implementation}'"
        reasons.append(f"padding-free batches {'on' if padding_free else 'off'}: {why}")
    else:
        padding_free = bool(cfg.padding_free)
        reasons.append(f"padding-free batches {'on' if padding_free else 'off'}: set in the config")
    return TrainPlan(
        gradient_checkpointing=ckpt,
        padding_free=padding_free,
        per_device_batch=micro,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps * (batch // micro),
        activation_gib=round(full / 2**30, 3),
        free_gib=round(free / 2**30, 2),
        reasons=reasons,
    )
