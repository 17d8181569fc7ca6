"""Top-p (nucleus) sampling without sorting the whole vocabulary, for vLLM's CPU sampler.

vLLM on CPU applies top-p by sorting every row of the logits (`apply_top_k_top_p_pytorch`), then
draws with Gumbel noise keyed by (seed, token). For Gemma 3's 262,144-token vocabulary the sort
takes 0.4-0.9 s of each decode step of 64 rows on 2 cores, so a teacher at `top_p: 0.95` ran at
about half the tokens/s of one at `top_p: 1`. `bench/top_p_window.py` times the two samplers
against each other.

Here a nucleus is read off the `WINDOW` likeliest tokens (`torch.topk`, no sort), with the
softmax denominator from a logsumexp over the whole row: a token is kept while the mass of the
tokens above it is under `p`, the sort's "ascending cumulative sum > 1 - p" read from the other
end. The tokens drawn are the sort's, token for token:
- a row whose nucleus is wider than the window goes to vLLM's sort;
- logits are bfloat16 values, so the nucleus often ends inside a run of equal logits, of which
  the sort keeps an arbitrary few. The window keeps them all and draws; only when the draw lands
  on one of them is the row drawn again on the sort's mask, with the same noise. A draw that
  lands above the tie is the sort's draw too, as the sort's nucleus holds every token above it.
What could still differ is a token whose two cumulative sums round to opposite sides of `p`.

vLLM loads `register` in each of its processes through the `vllm.general_plugins` entry point;
it changes nothing unless the engine was started by synthmill with the window switched on
(`teacher.top_p_window` sets `ENV_SWITCH` while vLLM starts the engine's processes), on CPU
without Triton, on the vLLM release it was checked against (`CHECKED_VLLM`): it takes over
vLLM's `forward_cpu` and repeats its seed handling. vLLM loads plugins once per process, so
with `VLLM_ENABLE_V1_MULTIPROCESSING=0` the first engine of a process decides for the later
ones.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

#: the likeliest tokens a nucleus is looked for in; a wider nucleus falls back to the sort
WINDOW = 256
#: set to "1" by `vllm_engine` before it starts an engine with the window on
ENV_SWITCH = "SYNTHMILL_VLLM_TOP_P_WINDOW"
#: the vLLM releases whose CPU sampler `window_forward_cpu` repeats
CHECKED_VLLM = ("0.32.0",)


@dataclass
class SplitTies:
    """Rows whose nucleus ends inside a run of equal logits, as they were before masking."""

    rows: Any  # row indices into the batch
    logits: Any  # those rows, unmasked
    cut: Any  # the tied logit value per row


def sort_top_p(rows: Any, p: Any) -> Any:
    """vLLM's own top-p: a sort of each whole row (in place)."""
    from vllm.v1.sample.ops.topk_topp_sampler import apply_top_k_top_p_pytorch

    return apply_top_k_top_p_pytorch(rows, None, p, allow_cpu_sync=True)


def window_top_p_(logits: Any, p: Any, window: int = WINDOW) -> SplitTies | None:
    """Mask, in place, every logit outside its row's top-p nucleus to -inf.

    `p` holds one value per row; rows with `p >= 1` are left alone. Rows whose nucleus is wider
    than `window`, or whose run of equal logits at the cut reaches the window's end, are masked
    by the sort. Where the nucleus ends inside a run of equal logits all of them are kept, and
    those rows come back, unmasked, for the caller to settle.
    """
    import torch

    active = p < 1
    if not bool(active.any()):
        return None
    whole = bool(active.all())
    rows = None if whole else active.nonzero().squeeze(1)
    sub = logits if rows is None else logits.index_select(0, rows)
    sub_p = p if rows is None else p.index_select(0, rows)
    values, _ = sub.topk(min(window, sub.shape[1]), dim=-1)  # descending
    log_total = torch.logsumexp(sub.float(), dim=-1, keepdim=True)
    probs = (values.float() - log_total).exp()
    mass = probs.cumsum(dim=-1)
    mass_above = torch.cat([torch.zeros_like(mass[:, :1]), mass[:, :-1]], dim=-1)
    keep = (mass_above < sub_p.unsqueeze(1)).sum(dim=-1).clamp(min=1)
    cut = values.gather(1, (keep - 1).unsqueeze(1))
    above = (values > cut).sum(dim=-1)
    tied = (values == cut).sum(dim=-1)
    # a run of equal logits that reaches the window's end may go on beyond it: sort those too
    wide = (mass[:, -1] < sub_p) | (above + tied == values.shape[1])
    split = (keep < above + tied) & ~wide
    wide_idx, split_idx = wide.nonzero().squeeze(1), split.nonzero().squeeze(1)
    wide_rows = sub.index_select(0, wide_idx) if len(wide_idx) else None
    split_rows = sub.index_select(0, split_idx) if len(split_idx) else None
    sub.masked_fill_(sub < cut, float("-inf"))
    if wide_rows is not None:
        sub.index_copy_(0, wide_idx, sort_top_p(wide_rows, sub_p.index_select(0, wide_idx)))
    if rows is not None:
        logits.index_copy_(0, rows, sub)
    if split_rows is None:
        return None
    batch_rows = split_idx if rows is None else rows.index_select(0, split_idx)
    return SplitTies(batch_rows, split_rows, cut.squeeze(1).index_select(0, split_idx))


def window_forward_cpu(
    sampler: Any, logits: Any, generators: dict[int, Any], k: Any, p: Any
) -> tuple[Any, Any]:
    """vLLM's `TopKTopPSampler.forward_cpu` with the window in place of the sort."""
    import torch

    if (
        p is None
        or k is not None
        or sampler.use_fp64_gumbel
        or sampler.logprobs_mode in ("processed_logits", "processed_logprobs")
    ):
        return _original_forward_cpu()(sampler, logits, generators, k, p)
    ties = window_top_p_(logits, p)
    # the seeds exactly as vLLM's forward_cpu draws them (the same calls in the same order)
    batch_size = logits.shape[0]
    seeds = torch.randint(0, 2**31, (batch_size,), dtype=torch.long)
    for i, gen in generators.items():
        seeds[i] = torch.randint(0, 2**31, (1,), generator=gen, dtype=torch.long).item()
    logits_f32 = logits.to(dtype=torch.float32)
    tokens = torch.ops._C.fused_gumbel_argmax(logits_f32, seeds)
    if ties is not None:
        drawn = logits_f32.index_select(0, ties.rows).gather(
            1, tokens.index_select(0, ties.rows).view(-1, 1).long()
        )
        on_tie = (drawn.squeeze(1) == ties.cut.float()).nonzero().squeeze(1)
        if len(on_tie):
            redo = ties.rows.index_select(0, on_tie)
            exact = sort_top_p(ties.logits.index_select(0, on_tie), p.index_select(0, redo))
            again = torch.ops._C.fused_gumbel_argmax(
                exact.to(dtype=torch.float32), seeds.index_select(0, redo)
            )
            tokens.index_copy_(0, redo, again.view(-1).to(tokens.dtype))
    return tokens, None


_ORIGINAL: dict[str, Any] = {}


def _original_forward_cpu() -> Any:
    """vLLM's own `forward_cpu`, whether or not `register` has replaced it."""
    from vllm.v1.sample.ops.topk_topp_sampler import TopKTopPSampler

    return _ORIGINAL.get("forward_cpu", TopKTopPSampler.forward_cpu)


def register() -> None:
    """vLLM plugin hook: take over CPU top-p sampling when synthmill switched the window on."""
    if os.environ.get(ENV_SWITCH) != "1" or _ORIGINAL:
        return
    import vllm
    from vllm.platforms import current_platform
    from vllm.v1.sample.ops import topk_topp_sampler as ops
    from vllm.v1.sample.ops.topk_topp_sampler import TopKTopPSampler

    if not current_platform.is_cpu() or vllm.__version__ not in CHECKED_VLLM or ops.HAS_TRITON:
        return
    _ORIGINAL["forward_cpu"] = TopKTopPSampler.forward_cpu
    TopKTopPSampler.forward_cpu = window_forward_cpu  # type: ignore[method-assign]
