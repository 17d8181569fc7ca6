"""Batch-invariant vLLM on CPU: fixed row blocks for matmuls, one query row per token for attention.

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

Attention is the other place. vLLM's CPU attention cuts a prefill's query tokens into tiles and
hands groups of them to threads; the keys a tile reads are summed in chunks that start where the
tile's group starts. On CPUs without AMX (vLLM's `vec` kernel: an AMD EPYC with AVX-512 here), a
token's output then changed with where its tile began, which moves when part of the prompt comes
from the prefix cache, and, on two threads, with the other requests of the step: of 6,000
prefill tokens attended beside other requests or after a cached prefix, 341 came out different
(`tests/test_vllm_fixed_rows.py`); sent a second time from the prefix cache, 10 of 64 texts
changed. So `per_token_queries` gives the kernel every query token as a request of its own, one
query row that reads its keys from the start of its sequence (or window), which is how a decode
step reads them: no token's result depends on a tile or a neighbour any more. Each token reads
all its keys again, so the cost grows with a prompt's length: about 5% more attention time for
prompts of 150-700 tokens (48 prompts, 21,125 tokens: 199-206 ms against 187-189 ms a layer),
13% for one prompt of 4,096 and 2x for one of 16,384 (2 cores; the default `max_model_len` is
1,024). vLLM's split of a sequence's keys between threads (`VLLM_CPU_ATTN_SPLIT_KV`) depends on
how many sequences a step has, so `vllm_engine` turns it off with the rest.

vLLM loads `register` in each of its processes through the `vllm.general_plugins` entry point;
it changes nothing unless the engine was started by synthmill with `ENV_SWITCH` set
(`teacher.batch_invariant`, eager engines only), on CPU, on the vLLM release it was checked
against. vLLM loads plugins once per process, so with `VLLM_ENABLE_V1_MULTIPROCESSING=0` the
first engine of a process decides for the later ones.
"""

from __future__ import annotations

import dataclasses
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


def per_token_queries(common: Any) -> Any:
    """vLLM's per-step attention metadata with each query token as a request of its own.

    A request with `q` query tokens and `s` tokens in all becomes `q` requests of one query
    token each, the i-th with `s - q + i + 1` tokens and the request's own block table, so the
    causal mask and sliding window are the same as before. Steps of decodes only (one token a
    request), and attention that is not causal, are returned as they are."""
    import torch

    n = common.num_reqs
    if common.max_query_len <= 1 or common.causal is not True:
        return common
    starts = common.query_start_loc[: n + 1]
    counts = starts[1:] - starts[:-1]
    tokens = int(starts[-1])
    request = torch.repeat_interleave(torch.arange(n, device=starts.device), counts)
    within = torch.arange(tokens, device=starts.device) - starts[:-1][request]
    first = (common.seq_lens[:n] - counts)[request]
    seq_lens = (first + within + 1).to(common.seq_lens.dtype)
    query_start_loc = torch.arange(tokens + 1, dtype=starts.dtype, device=starts.device)
    return dataclasses.replace(
        common,
        num_reqs=tokens,
        max_query_len=1,
        query_start_loc=query_start_loc,
        query_start_loc_cpu=query_start_loc.cpu(),
        seq_lens=seq_lens,
        block_table_tensor=common.block_table_tensor[:n][request],
    )


def _build(
    self: Any, common_prefix_len: int, common_attn_metadata: Any, *args: Any, **kw: Any
) -> Any:
    """vLLM's CPU attention metadata, built with one query row per token (`per_token_queries`)."""
    if not (self.is_cross_attention or self.is_encoder_only_attention):
        common_attn_metadata = per_token_queries(common_attn_metadata)
    return _ORIGINAL["build"](self, common_prefix_len, common_attn_metadata, *args, **kw)


def _dispatch(layer: Any, remove_weight: bool) -> None:
    """vLLM's `dispatch_cpu_unquantized_gemm`, then its chosen kernel on fixed row blocks."""
    matrix = getattr(layer.weight, "ndim", 0) == 2  # read first: the dispatch may drop it
    _ORIGINAL["dispatch"](layer, remove_weight)
    inner = getattr(layer, "cpu_linear", None)
    if matrix and inner is not None:
        layer.cpu_linear = fixed_rows(inner)


def register() -> None:
    """vLLM plugin hook: fixed row blocks for CPU matmuls and one query row per token for CPU
    attention, when synthmill switched them on.

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
            "synthmill: batch invariance not applied (vLLM %s, %s): texts may depend on the batch",
            vllm.__version__,
            "CPU" if current_platform.is_cpu() else "not the CPU",
        )
        return
    from vllm.v1.attention.backends.cpu_attn import CPUAttentionMetadataBuilder

    _ORIGINAL.setdefault("dispatch", utils.dispatch_cpu_unquantized_gemm)
    _ORIGINAL.setdefault("build", CPUAttentionMetadataBuilder.build)
    utils.dispatch_cpu_unquantized_gemm = _dispatch
    CPUAttentionMetadataBuilder.build = _build


def applies(cfg_eager: bool) -> bool:
    """Whether the blocks can hold in an engine started here: the checked vLLM, eager mode.

    Under torch.compile the loop over blocks would be traced once at the warm-up's row count and
    replayed for every other count, so the blocks are for eager engines only."""
    try:
        import vllm
    except ImportError:
        return False
    return cfg_eager and getattr(vllm, "__version__", "") in CHECKED_VLLM
