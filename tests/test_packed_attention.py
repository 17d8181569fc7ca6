"""Padding-free attention on CPU (`pipelines.packed_attention`): each packed row attends within
itself, and the result is the attention transformers' sdpa computes over the block mask."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from transformers.integrations.sdpa_attention import sdpa_attention_forward

from pipelines.packed_attention import packed_sdpa_forward, row_bounds

ROWS = [5, 7, 9]  # three packed rows, 21 tokens


def _positions(lengths: list[int]) -> torch.Tensor:
    return torch.cat([torch.arange(n) for n in lengths]).unsqueeze(0)


def _block_mask(lengths: list[int]) -> torch.Tensor:
    row = torch.cat([torch.full((n,), i) for i, n in enumerate(lengths)])
    idx = torch.arange(len(row))
    return ((row[:, None] == row[None, :]) & (idx[:, None] >= idx[None, :]))[None, None]


def _qkv(length: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Query with 4 heads and key/value with 1 (grouped, as in Gemma 3), requiring grad."""
    gen = torch.Generator().manual_seed(seed)
    shapes = [(1, 4, length, 16), (1, 1, length, 16), (1, 1, length, 16)]
    return tuple(torch.randn(s, generator=gen, requires_grad=True) for s in shapes)


MODULE = SimpleNamespace(is_causal=True, num_key_value_groups=4)


def test_row_bounds_reads_the_rows_off_the_position_ids() -> None:
    assert row_bounds(_positions(ROWS), 21) == [(0, 5), (5, 12), (12, 21)]
    assert row_bounds(_positions([21]), 21) is None  # one row: nothing to split
    assert row_bounds(_positions(ROWS), 20) is None  # not this sequence's ids
    assert row_bounds(torch.tensor([[0, 1, 3, 0, 1]]), 5) is None  # a gap inside a row
    assert row_bounds(torch.tensor([[1, 2, 0, 1]]), 4) is None  # does not start a row
    assert row_bounds(_positions(ROWS).repeat(2, 1), 21) is None  # a padded batch of 2
    assert row_bounds(None, 21) is None


def test_rows_one_by_one_equal_sdpa_over_the_block_mask_values_and_gradients() -> None:
    q, k, v = _qkv(21)
    packed, _ = packed_sdpa_forward(
        MODULE, q, k, v, _block_mask(ROWS), position_ids=_positions(ROWS), scaling=0.25
    )
    grads = torch.autograd.grad(packed.square().sum(), (q, k, v))
    full, _ = sdpa_attention_forward(MODULE, q, k, v, _block_mask(ROWS), scaling=0.25)
    full_grads = torch.autograd.grad(full.square().sum(), (q, k, v))
    assert packed.shape == full.shape == (1, 21, 4, 16)
    assert torch.allclose(packed, full, atol=1e-5)
    for got, want in zip(grads, full_grads, strict=True):
        assert torch.allclose(got, want, atol=1e-5)
    # and the rows really are kept apart: attention over the whole packed row differs
    causal, _ = sdpa_attention_forward(MODULE, q, k, v, None, scaling=0.25)
    assert not torch.allclose(packed, causal, atol=1e-3)


@pytest.mark.parametrize(
    "case",
    ["padding masked", "sliding window shorter than a row", "not causal", "cached keys"],
)
def test_anything_else_falls_back_to_sdpa_with_the_given_mask(case: str) -> None:
    q, k, v = _qkv(21, seed=1)
    mask = _block_mask(ROWS)
    kwargs: dict = {"position_ids": _positions(ROWS), "scaling": 0.25}
    module = MODULE
    if case == "padding masked":
        mask = mask.clone()
        mask[..., 3] = False  # a padded key in the first row
    elif case == "sliding window shorter than a row":
        kwargs["sliding_window"] = 6
        idx = torch.arange(21)
        mask = mask & ((idx[:, None] - idx[None, :]) < 6)
    elif case == "not causal":
        module = SimpleNamespace(is_causal=False, num_key_value_groups=4)
        mask = torch.ones(1, 1, 21, 21, dtype=torch.bool)
    else:
        k, v = torch.cat([k, k[:, :, :3]], dim=2), torch.cat([v, v[:, :, :3]], dim=2)
        mask = torch.cat([mask, torch.ones(1, 1, 21, 3, dtype=torch.bool)], dim=-1)
    got, _ = packed_sdpa_forward(module, q, k, v, mask, **kwargs)
    want, _ = sdpa_attention_forward(module, q, k, v, mask, scaling=0.25)
    assert torch.allclose(got, want, atol=1e-6)
    if case in ("sliding window shorter than a row", "cached keys"):  # also without a mask
        unmasked, _ = packed_sdpa_forward(module, q, k, v, None, **kwargs)
        want, _ = sdpa_attention_forward(module, q, k, v, None, scaling=0.25)
        assert torch.allclose(unmasked, want, atol=1e-6)
    q, k, v = _qkv(21, seed=1)
    per_row, _ = packed_sdpa_forward(
        MODULE, q, k, v, _block_mask(ROWS), position_ids=_positions(ROWS), scaling=0.25
    )
    assert not torch.allclose(got, per_row, atol=1e-3)  # so the per-row path was not taken
