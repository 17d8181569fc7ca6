"""Batch-invariant linear layers for vLLM on CPU: each runs on blocks of exactly `ROWS` rows.

oneDNN picks its kernel and its split of the work by the number of rows a matmul gets, and that
changes how a row's sums are added up: on vLLM's own `onednn_mm` with Gemma 3's shapes, the same
row came out slightly different in calls of 7, 16 or 32 rows than in one of 64 (one thread or
two), and with two threads in a prefill of 300 rows. A request's text then depended on which
requests it shared the engine's steps with: sent again, reversed, after others, 22 of 64 texts
changed on one thread and 17 on two (`bench/vllm_fixed_rows.py`). A build resumed after Ctrl-C
sends the unfinished requests without the finished ones, so it could write other records than
an uninterrupted build.

Here each linear layer gets its rows in blocks of exactly `ROWS` (the last block padded with
zeros), so a row's result depends on that row alone: the kernel, the split between threads and
the order of the sums are the same whatever else is in the step. Within a block of `ROWS` the
result was the same at every position and with any other rows beside it. Blocks of 64 cost about
what one call costs on a prefill's thousands of rows (2 cores).

Attention is the other place: vLLM's CPU attention splits a sequence's keys between threads by
how many sequences a step has (`VLLM_CPU_ATTN_SPLIT_KV`), so `vllm_engine` turns the split off
with the blocks; with the blocks alone, 1 of 64 requests still changed when sent again,
reversed, after 64 others.

Only the linear layers that go through vLLM's `cpu_linear` are blocked (every one of Gemma 3's,
the tied output projection included); attention's own products are not, hence the split switch.

vLLM loads `register` in each of its processes through the `vllm.general_plugins` entry point;
it changes nothing unless the engine was started by synthmill with `ENV_SWITCH` set
(`teacher.batch_invariant`, eager engines only), on CPU, on the vLLM release it was checked
against. vLLM loads plugins once per process, so with `VLLM_ENABLE_V1_MULTIPROCESSING=0` the
first engine of a process decides for the later ones.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

#: rows per call of a linear layer's kernel: every such call the engine makes has this many
ROWS = 64
#: set to "1" by `vllm_engine` while it starts an engine with fixed row blocks
ENV_SWITCH = "SYNTHMILL_VLLM_FIXED_ROWS"
#: vLLM's switch for splitting a sequence's keys between threads in CPU attention; off with
#: `batch_invariant`, since where it splits depends on how many sequences a step has
SPLIT_KV_ENV = "VLLM_CPU_ATTN_SPLIT_KV"
#: the vLLM releases whose `dispatch_cpu_unquantized_gemm` this wraps
CHECKED_VLLM = ("0.32.0",)

_ORIGINAL: dict[str, Any] = {}


def fixed_rows(linear: Callable[..., Any], rows: int = ROWS) -> Callable[..., Any]:
    """`linear(x, weight, bias)` run on blocks of exactly `rows` rows of `x`, zero-padded."""

    def blocked(x: Any, weight: Any, bias: Any) -> Any:
        import torch

        lead, k = x.shape[:-1], x.shape[-1]
        flat = x.reshape(-1, k)
        m = flat.shape[0]
        if m == 0:
            return linear(x, weight, bias)
        padded = -(-m // rows) * rows
        if padded != m:
            flat = torch.cat([flat, flat.new_zeros(padded - m, k)])
        parts = [linear(flat[i : i + rows], weight, bias) for i in range(0, padded, rows)]
        out = parts[0] if len(parts) == 1 else torch.cat(parts)
        return out[:m].reshape(*lead, out.shape[-1])

    return blocked


def _dispatch(layer: Any, remove_weight: bool) -> None:
    """vLLM's `dispatch_cpu_unquantized_gemm`, then its chosen kernel on fixed row blocks."""
    matrix = getattr(layer.weight, "ndim", 0) == 2  # read first: the dispatch may drop it
    _ORIGINAL["dispatch"](layer, remove_weight)
    inner = getattr(layer, "cpu_linear", None)
    if matrix and inner is not None:
        layer.cpu_linear = fixed_rows(inner)


def register() -> None:
    """vLLM plugin hook: fixed row blocks for CPU matmuls when synthmill switched them on.

    A vLLM other than `CHECKED_VLLM`, or a platform other than the CPU, leaves vLLM as it is and
    says so in the log: `vllm_engine` then keeps vLLM's own core reservation (`auto`)."""
    if os.environ.get(ENV_SWITCH) != "1":
        return
    import vllm
    from vllm.model_executor.layers import utils
    from vllm.platforms import current_platform

    if utils.dispatch_cpu_unquantized_gemm is _dispatch:  # this process has it already
        return
    if not current_platform.is_cpu() or vllm.__version__ not in CHECKED_VLLM:
        logging.getLogger(__name__).warning(
            "synthmill: fixed row blocks not applied (vLLM %s, %s): texts may depend on the batch",
            vllm.__version__,
            "CPU" if current_platform.is_cpu() else "not the CPU",
        )
        return
    _ORIGINAL.setdefault("dispatch", utils.dispatch_cpu_unquantized_gemm)
    utils.dispatch_cpu_unquantized_gemm = _dispatch


def applies(cfg_eager: bool) -> bool:
    """Whether the blocks can hold in an engine started here: the checked vLLM, eager mode.

    Under torch.compile the loop over blocks would be traced once at the warm-up's row count and
    replayed for every other count, so the blocks are for eager engines only."""
    try:
        import vllm
    except ImportError:
        return False
    return cfg_eager and getattr(vllm, "__version__", "") in CHECKED_VLLM
