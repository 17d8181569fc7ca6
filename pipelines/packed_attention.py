"""Attention for padding-free batches on CPU: each packed row attends within itself, one at a time.

A padding-free batch is one row of the batch's rows end to end, with position ids that restart at
0 where each row begins. transformers' sdpa path builds a block-diagonal mask for it and runs
attention over the whole packed row: for a batch of 8 rows of ~100 tokens that is a 780 x 780
attention, about 8x the work of the rows' own causal attentions, and in a profile of the
example's fine-tune on 2 cores it was 30% of a step. On CUDA the flash-attention kernels take the
rows' boundaries (varlen); on CPU there is no such kernel, so this implementation splits the
packed row at the position-id restarts and runs sdpa's causal kernel on each row. The result is
the same attention: the block-diagonal mask allows exactly a row's own earlier tokens.

It is registered with transformers as `ATTENTION` and falls back to plain sdpa (with the mask
transformers built) for anything that is not a causal, packed, uncached row within the sliding
window whose mask (if any) allows exactly each row's own earlier tokens: the scoring's tree
masks, generation with a cache, a single row, a packed row with padding.
"""

from __future__ import annotations

import functools
from typing import Any

ATTENTION = "synthmill_packed_sdpa"


def row_bounds(position_ids: Any, length: int) -> list[tuple[int, int]] | None:
    """(start, end) of every packed row, from position ids that restart at 0 and count up by
    one within a row; None when `position_ids` is not one such packed row of `length` tokens
    holding at least two rows."""
    import torch

    if position_ids is None or position_ids.ndim != 2 or position_ids.shape != (1, length):
        return None
    pos = position_ids[0]
    starts = torch.nonzero(pos == 0).flatten()
    if starts.numel() < 2 or int(starts[0]) != 0:
        return None
    expected = torch.arange(length, device=pos.device)
    expected = expected - starts[torch.searchsorted(starts, expected, right=True) - 1]
    if not torch.equal(pos, expected):
        return None
    edges = [*starts.tolist(), length]
    return list(zip(edges[:-1], edges[1:], strict=True))


# The masks checked last, with their rows and whether they matched: a forward pass shares one
# mask per layer type (Gemma 3: full and sliding), so each is checked once. Replaced whole, never
# edited in place, so a thread reading it sees one consistent tuple.
_checked: tuple[tuple[Any, list[tuple[int, int]], bool], ...] = ()


def mask_allows_rows(attention_mask: Any, bounds: list[tuple[int, int]]) -> bool:
    """Whether `attention_mask` (None, or transformers' 4D boolean mask) allows exactly each
    row's own earlier tokens."""
    global _checked
    import torch

    if attention_mask is None:
        return True
    for mask, rows, ok in _checked:
        if mask is attention_mask and rows == bounds:
            return ok
    length = bounds[-1][1]
    ok = attention_mask.dtype == torch.bool and attention_mask.shape[-2:] == (length, length)
    if ok:
        row = torch.zeros(length, dtype=torch.long, device=attention_mask.device)
        for i, (start, end) in enumerate(bounds):
            row[start:end] = i
        idx = torch.arange(length, device=attention_mask.device)
        allowed = (row[:, None] == row[None, :]) & (idx[:, None] >= idx[None, :])
        ok = bool((attention_mask == allowed).all())
    _checked = ((attention_mask, bounds, ok), *_checked[:1])
    return ok


def packed_sdpa_forward(
    module: Any,
    query: Any,
    key: Any,
    value: Any,
    attention_mask: Any,
    **kwargs: Any,
) -> tuple[Any, None]:
    """transformers' attention-function signature: one causal sdpa per packed row when the
    inputs are a packed batch (see the module docstring), else sdpa as transformers runs it."""
    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    length = query.shape[2]
    bounds = row_bounds(kwargs.get("position_ids"), length)
    window = kwargs.get("sliding_window")
    packed = (
        bounds is not None
        and key.shape[2] == length
        and getattr(module, "is_causal", True)
        and kwargs.get("is_causal", True) is not False
        and kwargs.get("position_bias") is None
        and not (window and max(end - start for start, end in bounds) > window)
        and mask_allows_rows(attention_mask, bounds)
    )
    if not packed:
        return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)
    assert bounds is not None
    rows = [
        sdpa_attention_forward(
            module,
            query[:, :, start:end],
            key[:, :, start:end],
            value[:, :, start:end],
            None,
            **kwargs,
        )[0]
        for start, end in bounds
    ]
    return torch.cat(rows, dim=1), None


@functools.cache
def register() -> str:
    """Register the attention (and sdpa's mask builder for its fallback) with transformers;
    returns its name for `model.set_attn_implementation`."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(ATTENTION, packed_sdpa_forward)
    AttentionMaskInterface.register(ATTENTION, sdpa_mask)
    return ATTENTION
