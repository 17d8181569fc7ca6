"""vLLM on CPU: a request's text does not depend on the requests beside it (`batch_invariant`).

oneDNN's matmul gives a row a slightly different result by how many rows the call has; with two
threads that changed texts (1 of 64 requests when their order was reversed, 2 of 64 when other
requests ran first, measured on the example's requests) and a build resumed after Ctrl-C
differed from an uninterrupted one. `vllm_fixed_rows` runs every matmul on blocks of 64 rows,
and the engine starts with attention's key split off (with the blocks alone, the engine test
below still saw one of 64 texts change). On a CPU without AMX (an AMD EPYC), attention itself
gave a prefill token another result by where its query tile began (after a cached prefix, or
beside other requests on two threads): 10 of 64 texts changed when sent again from the prefix
cache. `per_token_queries` gives the kernel each query token as a request of its own.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import torch

from generators.config import TeacherConfig
from generators.teachers import vllm_fixed_rows
from generators.teachers.vllm_engine import RESERVED_ENV, start_env
from generators.teachers.vllm_fixed_rows import ENV_SWITCH, ROWS, SPLIT_KV_ENV, fixed_rows


@pytest.fixture
def two_threads() -> Any:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _onednn(n: int, k: int) -> tuple[Any, Any]:
    """vLLM's own CPU matmul (the kernel its linear layers use), on a random bf16 weight."""
    from vllm import _custom_ops as ops

    gen = torch.Generator().manual_seed(n + k)
    weight = torch.randn(n, k, dtype=torch.bfloat16, generator=gen)
    handler = ops.create_onednn_mm(weight.t(), 32)
    return (lambda x, w, b: ops.onednn_mm(handler, x, b)), weight


def test_fixed_blocks_give_a_row_one_result_whatever_the_call(two_threads: Any) -> None:
    linear, weight = _onednn(2048, 640)  # Gemma 3 270M's MLP projection shape
    x = torch.randn(300, 640, dtype=torch.bfloat16, generator=torch.Generator().manual_seed(1))
    sizes = (1, 7, 16, 31, 32, 33, 63, 64, 65, 300)
    # (on this machine's oneDNN the plain kernel's rows changed with the call's row count, at
    # 7, 16, 31 and 32 rows; other CPUs may pick other kernels, so that is not asserted here)
    blocked = fixed_rows(linear)
    whole = blocked(x, weight, None)
    for m in sizes:
        assert torch.equal(blocked(x[:m], weight, None), whole[:m]), m
    # any position and any neighbours: one row placed among other rows
    row = x[5]
    for pos, seed in ((0, 2), (17, 3), (63, 4), (64, 5)):
        other = torch.randn(
            80, 640, dtype=torch.bfloat16, generator=torch.Generator().manual_seed(seed)
        )
        other[pos] = row
        assert torch.equal(blocked(other, weight, None)[pos], whole[5])
    # leading dimensions and the bias come through
    bias = torch.randn(2048, dtype=torch.bfloat16)
    out = blocked(x[:10].reshape(2, 5, 640), weight, bias)
    assert out.shape == (2, 5, 2048)
    assert torch.equal(out.reshape(10, 2048), blocked(x[:10], weight, bias))
    assert blocked(x[:0], weight, None).shape == (0, 2048)  # no rows: as the kernel answers


def test_every_call_the_kernel_gets_has_the_block_size() -> None:
    seen: list[int] = []

    def kernel(x: Any, weight: Any, bias: Any) -> Any:
        seen.append(x.shape[0])
        return x @ weight.t()

    weight = torch.randn(8, 4)
    for m in (1, 63, 64, 65, 200):
        seen.clear()
        out = fixed_rows(kernel)(torch.randn(m, 4), weight, None)
        assert out.shape == (m, 8) and set(seen) == {ROWS} and len(seen) == -(-m // ROWS)


def _vllm_originals(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, Any]:
    """vLLM's own dispatch and attention builder (even where an engine of this process already
    loaded the plugin), put back in place for the test and restored after it."""
    from vllm.model_executor.layers import utils
    from vllm.v1.attention.backends.cpu_attn import CPUAttentionMetadataBuilder as builder

    dispatch = vllm_fixed_rows._ORIGINAL.get("dispatch", utils.dispatch_cpu_unquantized_gemm)
    build = vllm_fixed_rows._ORIGINAL.get("build", builder.build)
    monkeypatch.setattr(utils, "dispatch_cpu_unquantized_gemm", dispatch)
    monkeypatch.setattr(builder, "build", build)
    monkeypatch.setattr(vllm_fixed_rows, "_ORIGINAL", {})
    return dispatch, build, builder


def test_the_plugin_wraps_only_when_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    from vllm.model_executor.layers import utils

    original, build, builder = _vllm_originals(monkeypatch)
    monkeypatch.delenv(ENV_SWITCH, raising=False)
    vllm_fixed_rows.register()
    assert utils.dispatch_cpu_unquantized_gemm is original  # synthmill did not start this engine
    assert builder.build is build
    monkeypatch.setenv(ENV_SWITCH, "1")
    vllm_fixed_rows.register()
    assert utils.dispatch_cpu_unquantized_gemm is vllm_fixed_rows._dispatch
    assert builder.build is vllm_fixed_rows._build
    vllm_fixed_rows.register()  # loaded twice in one process: wrapped once
    assert vllm_fixed_rows._ORIGINAL["dispatch"] is original
    assert vllm_fixed_rows._ORIGINAL["build"] is build
    layer = torch.nn.Linear(640, 96, bias=False).to(torch.bfloat16)
    layer.weight.requires_grad_(False)
    reference = layer.weight.detach().clone()
    utils.dispatch_cpu_unquantized_gemm(layer, remove_weight=True)
    assert layer.cpu_linear.__qualname__ == "fixed_rows.<locals>.blocked"
    x = torch.randn(70, 640, dtype=torch.bfloat16)
    got = utils.cpu_unquantized_gemm(layer, x, layer.weight)
    assert got.shape == (70, 96)
    expected = torch.cat([torch.nn.functional.linear(b, reference) for b in x.split(ROWS)])
    assert torch.allclose(got.float(), expected.float(), atol=0.05, rtol=0.02)


def test_the_plugin_stays_off_on_another_vllm(monkeypatch: pytest.MonkeyPatch) -> None:
    import vllm
    from vllm.model_executor.layers import utils

    original, build, builder = _vllm_originals(monkeypatch)
    monkeypatch.setenv(ENV_SWITCH, "1")
    monkeypatch.setattr(vllm, "__version__", "0.0.1")
    vllm_fixed_rows.register()
    assert utils.dispatch_cpu_unquantized_gemm is original and builder.build is build
    # and the engine then keeps vLLM's own core reservation: texts could depend on the batch
    env = start_env(TeacherConfig(), cpus=2)
    assert env[ENV_SWITCH] == "0" and RESERVED_ENV not in env


def _step(queries: list[int], lengths: list[int], blocks: list[list[int]]) -> Any:
    """vLLM's per-step metadata for requests with these query counts, lengths and blocks."""
    from vllm.v1.attention.backend import CommonAttentionMetadata

    starts = torch.tensor([0, *torch.tensor(queries).cumsum(0).tolist()], dtype=torch.int32)
    width = max(len(b) for b in blocks)
    table = torch.tensor([b + [0] * (width - len(b)) for b in blocks], dtype=torch.int32)
    return CommonAttentionMetadata(
        query_start_loc=starts,
        query_start_loc_cpu=starts.clone(),
        seq_lens=torch.tensor(lengths, dtype=torch.int32),
        num_reqs=len(queries),
        num_actual_tokens=int(starts[-1]),
        max_query_len=max(queries),
        max_seq_len=max(lengths),
        block_table_tensor=table,
        slot_mapping=torch.zeros(int(starts[-1]), dtype=torch.int64),
    )


def test_each_query_token_becomes_a_request_of_its_own() -> None:
    # a decode (1 of 10 tokens), a whole prompt (5 of 5), a prompt after a cached prefix (3 of 8)
    step = _step([1, 5, 3], [10, 5, 8], [[7], [3], [4, 9]])
    got = vllm_fixed_rows.per_token_queries(step)
    assert got.num_reqs == got.num_actual_tokens == 9 and got.max_query_len == 1
    assert got.query_start_loc.tolist() == list(range(10)) == got.query_start_loc_cpu.tolist()
    # each token sees the keys up to and including its own position, as before
    assert got.seq_lens.tolist() == [10, 1, 2, 3, 4, 5, 6, 7, 8]
    assert got.block_table_tensor.tolist() == [[7, 0]] + [[3, 0]] * 5 + [[4, 9]] * 3
    assert got.slot_mapping is step.slot_mapping and got.max_seq_len == 10
    decodes = _step([1, 1], [4, 9], [[1], [2]])
    assert vllm_fixed_rows.per_token_queries(decodes) is decodes  # nothing to split
    step.causal = False  # not causal (an encoder's attention): the tokens see each other
    assert vllm_fixed_rows.per_token_queries(step) is step


def test_attention_gives_a_token_one_result_whatever_its_tile_or_neighbours(
    two_threads: Any,
) -> None:
    """vLLM's CPU attention kernel, as this machine's engine would pick it, on Gemma 3 270M's
    heads: a prompt's tokens attended alone, after a cached prefix, or among other prompts of
    one step. (Without `per_token_queries` 341 of 5,787 such tokens differed on an AMD EPYC with
    AVX-512; on a CPU with AMX the kernel may not differ at all, so that is not asserted.)"""
    from vllm import _custom_ops as ops
    from vllm.v1.attention.backends.cpu_attn import _get_attn_isa

    heads, kv_heads, dim, block = 4, 1, 256, 128
    isa = _get_attn_isa(torch.bfloat16, block, dim)
    gen = torch.Generator().manual_seed(0)
    cache = torch.zeros(40, kv_heads, 2 * block, dim, dtype=torch.bfloat16)
    key_cache, value_cache = cache.chunk(2, dim=2)
    prompts: list[tuple[list[int], Any]] = []  # (blocks, queries for every position)
    for n, length in enumerate((700, 300, 450, 180, 610, 520)):
        blocks = [3 * n + i for i in range(-(-length // block))]
        slots = torch.tensor([blocks[i // block] * block + i % block for i in range(length)])
        k, v = (torch.randn(length, kv_heads, dim, generator=gen) for _ in "kv")
        ops.cpu_attn_reshape_and_cache(
            k.bfloat16(), v.bfloat16(), key_cache, value_cache, slots, isa
        )
        prompts.append((blocks, torch.randn(length, heads, dim, generator=gen).bfloat16()))

    def attend(parts: list[tuple[int, int]], window: int, per_token: bool = True) -> Any:
        """Attention output of each (prompt, first query position) part, in one step."""
        queries = [prompts[p][1][first:] for p, first in parts]
        step = _step(
            [len(q) for q in queries],
            [len(prompts[p][1]) for p, _ in parts],
            [prompts[p][0] for p, _ in parts],
        )
        if per_token:
            step = vllm_fixed_rows.per_token_queries(step)
        meta = ops.cpu_attn_get_scheduler_metadata(
            step.num_reqs, heads, kv_heads, dim, step.seq_lens, torch.bfloat16,
            step.query_start_loc, True, window, isa, False,
        )  # fmt: skip
        query = torch.cat(queries)
        out = torch.empty_like(query)
        ops.cpu_attention_with_kv_cache(
            query, key_cache, value_cache, out, step.query_start_loc, step.seq_lens,
            dim**-0.5, True, None, window, step.block_table_tensor, 0.0, meta, None,
        )  # fmt: skip
        return out.split([len(q) for q in queries])

    for window in (-1, 512):  # Gemma 3's global and sliding-window layers
        alone = [attend([(p, 0)], window)[0] for p in range(len(prompts))]
        # the same attention as the kernel's own tiles compute, to bf16's rounding: each token
        # still sees exactly the keys (causal, windowed) it saw before
        tiled = attend([(p, 0) for p in range(len(prompts))], window, per_token=False)
        for mine, theirs in zip(alone, tiled, strict=True):
            assert (mine.float() - theirs.float()).abs().max() < 0.02, window
        for parts in (
            [(0, 128)],  # after a cached prefix of one block
            [(0, 37), (2, 0)],
            [(1, 0), (3, 0), (0, 0), (5, 299)],
            [(4, 0), (0, 660), (2, 100), (1, 0), (5, 0)],
        ):
            for (p, first), got in zip(parts, attend(parts, window), strict=True):
                assert torch.equal(got, alone[p][first:]), (window, parts, p)


def test_the_plugin_is_registered_with_vllm() -> None:
    from importlib.metadata import entry_points

    found = {e.name: e.value for e in entry_points(group="vllm.general_plugins")}
    assert found.get("synthmill_fixed_rows") == "generators.teachers.vllm_fixed_rows:register"


def test_the_config_switches_it_for_the_engines_start() -> None:
    assert TeacherConfig().batch_invariant is True
    on = start_env(TeacherConfig(), cpus=2)
    assert on[ENV_SWITCH] == "1" and on[SPLIT_KV_ENV] == "0" and on[RESERVED_ENV] == "0"
    for off in (TeacherConfig(batch_invariant=False), TeacherConfig(enforce_eager=False)):
        env = start_env(off, cpus=2)  # compiled engines: the blocks would not hold
        # vLLM's own split and core reservation: two threads would make texts batch-dependent
        assert env[ENV_SWITCH] == "0" and SPLIT_KV_ENV not in env and RESERVED_ENV not in env


def test_vllm_reads_the_attention_split_by_that_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """A renamed variable would be ignored silently, and texts would depend on the batch again."""
    import vllm.envs as envs

    monkeypatch.setenv(SPLIT_KV_ENV, "0")
    assert envs.VLLM_CPU_ATTN_SPLIT_KV is False
    monkeypatch.setenv(SPLIT_KV_ENV, "1")
    assert envs.VLLM_CPU_ATTN_SPLIT_KV is True


@pytest.mark.engine
def test_engine_texts_do_not_depend_on_the_batch(example_dir: Path) -> None:
    """The real engine with the defaults (two threads on a 2-core machine): the same 64 requests
    give the same texts first, and again reversed after 64 other requests."""
    from generators.cache import TeacherCache
    from generators.runner import GenerationRun, _Job
    from generators.samplers import record_rng
    from generators.teachers import make_teacher
    from pipelines.config import load_config
    from pipelines.generate import build_generator, load_trusted

    cfg = load_config(example_dir / "config.yaml")
    generator = build_generator(cfg, load_trusted(cfg))
    teacher = make_teacher(cfg.teacher)
    run = GenerationRun(generator, teacher, TeacherCache(None), seed=cfg.seed, settings=cfg.teacher)
    requests = [
        run._request(_Job(i, 0, generator.sample(record_rng(cfg.seed, i))))[0] for i in range(128)
    ]
    try:
        first = [r.text for r in teacher.generate(requests[64:])]
        teacher.generate(requests[:64])
        later = [r.text for r in teacher.generate(requests[64:][::-1])][::-1]
    finally:
        teacher.close()
    assert len(set(first)) > 32  # real, varied texts
    assert later == first


def _engine_processes() -> list[str]:
    import psutil

    return [  # live ones: a killed child stays a zombie, without memory, until it is reaped
        p.name()
        for p in psutil.Process().children(recursive=True)
        if "VLLM" in p.name().upper() and p.status() != psutil.STATUS_ZOMBIE
    ]


@pytest.mark.engine
def test_a_released_engine_leaves_no_process_and_starts_again_when_asked(
    example_dir: Path,
) -> None:
    """A build shuts the teacher's engine down before the fine-tune: its processes go (with the
    weights and the KV cache they hold), and a teacher asked again afterwards gets a new engine.
    (Reuses the engine of the test above where it ran first in this process.)"""
    from generators.teachers import make_teacher, release_engines
    from generators.teachers.base import TeacherRequest
    from pipelines.config import load_config

    cfg = load_config(example_dir / "config.yaml")
    teacher = make_teacher(cfg.teacher)
    schema = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
    request = TeacherRequest(
        "Say hello.", [], schema, seed=1, max_tokens=8, temperature=0.0, top_p=1.0
    )
    try:
        assert teacher.generate([request])[0].tokens_out > 0
        assert _engine_processes(), "the engine runs in processes of its own"
        start = time.perf_counter()
        assert release_engines() >= 1  # this one, and any other an earlier test left
        print(f"released in {time.perf_counter() - start:.1f} s")
        assert _engine_processes() == []
        assert release_engines() == 0
        assert teacher.generate([request])[0].tokens_out > 0  # started again
        assert _engine_processes()
    finally:
        release_engines()
    assert _engine_processes() == []
