"""The windowed top-p sampler draws the same tokens as vLLM's CPU sampler, and is only switched
on for engines synthmill starts."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
import torch
import vllm._C  # noqa: F401  (registers torch.ops._C.fused_gumbel_argmax)
from vllm.v1.sample.ops.topk_topp_sampler import TopKTopPSampler

from generators.teachers import vllm_top_p

VOCAB = 262_144  # Gemma 3's vocabulary: the size the window is for


def _logits(rows: int, steepness: float, seed: int) -> torch.Tensor:
    """Zipf-like rows, rounded to bfloat16 values as a bf16 model's logits are (so runs of
    equal logits are common, as they are in the engine)."""
    g = torch.Generator().manual_seed(seed)
    rank = torch.arange(1, VOCAB + 1, dtype=torch.float32)
    out = torch.stack(
        [
            (-steepness * torch.log(rank) + 0.3 * torch.randn(VOCAB, generator=g))[
                torch.randperm(VOCAB, generator=g)
            ]
            for _ in range(rows)
        ]
    )
    return (out * 3).to(torch.bfloat16).float()


@pytest.mark.parametrize("steepness", [0.5, 0.55, 1.6])
def test_window_draws_the_tokens_vllm_draws(steepness: float) -> None:
    """Token for token, over steps whose nuclei end inside runs of equal logits (rows 5-7, and
    often at 0.5 and 0.55), are wider than the window (row 4) or are a few tokens (1.6)."""
    rows = 24
    logits = _logits(rows, steepness, seed=1)
    logits[3, 40:] = float("-inf")  # a grammar mask leaves a handful of tokens
    logits[4] = torch.randn(VOCAB).to(torch.bfloat16).float() * 0.1  # nucleus wider than the window
    for row in (5, 6, 7):  # the nucleus ends inside a run of 40 equal logits holding half the mass
        logits[row] = -12.0 + torch.randn(VOCAB).to(torch.bfloat16).float()
        logits[row, torch.randperm(VOCAB)[:43]] = torch.tensor([5.0, 4.0, 3.0] + [2.0] * 40)
    p = torch.full((rows,), 0.95)
    p[1], p[2] = 1.0, 0.3
    sampler = TopKTopPSampler()
    original = TopKTopPSampler.forward_cpu
    ties = vllm_top_p.window_top_p_(logits.clone(), p)
    differ = on_tie = 0
    for step in range(12):
        drawn = []
        for forward in (original, vllm_top_p.window_forward_cpu):
            torch.manual_seed(step)  # rows without a generator draw from the global stream
            generators = {
                i: torch.Generator().manual_seed(97 * step + i) for i in range(0, rows, 2)
            }
            tokens, _ = forward(sampler, logits.clone(), generators, None, p)
            drawn.append(tokens)
        differ += int((drawn[0] != drawn[1]).sum())
        if ties is not None:  # vLLM's draw landed on a run of equal logits the window kept whole
            landed = logits[ties.rows].gather(1, drawn[0][ties.rows].view(-1, 1).long())
            on_tie += int((landed.squeeze(1) == ties.cut).sum())
    assert differ == 0
    assert on_tie > 0, "no draw was settled by the sort: the tie path went untested"


def test_the_paths_the_equality_rests_on_are_taken() -> None:
    """Ties and wide rows really happen on such logits (else the test above proves little)."""
    logits = _logits(24, 0.55, seed=1)
    logits[4] = torch.randn(VOCAB).to(torch.bfloat16).float() * 0.1
    before = logits.clone()
    ties = vllm_top_p.window_top_p_(logits, torch.full((24,), 0.95))
    assert ties is not None and len(ties.rows) >= 3
    assert torch.equal(ties.logits, before.index_select(0, ties.rows))
    kept = (logits > float("-inf")).sum(dim=1)
    # the wide row went to the sort: far more than the window survives
    assert int(kept[4]) > vllm_top_p.WINDOW
    # a split row keeps its whole run of equal logits (the draw is settled later)
    row = int(ties.rows[0])
    assert int((logits[row] == ties.cut[0]).sum()) == int((before[row] == ties.cut[0]).sum())


def test_rows_without_top_p_are_left_alone() -> None:
    logits = _logits(3, 1.0, seed=3)
    before = logits.clone()
    assert vllm_top_p.window_top_p_(logits, torch.ones(3)) is None
    assert torch.equal(logits, before)


def test_the_plugin_only_acts_when_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    plugins = {e.name: e.value for e in entry_points(group="vllm.general_plugins")}
    assert plugins.get("synthmill_top_p_window") == "generators.teachers.vllm_top_p:register"
    original = TopKTopPSampler.forward_cpu
    monkeypatch.setattr(vllm_top_p, "_ORIGINAL", {})
    try:
        monkeypatch.delenv(vllm_top_p.ENV_SWITCH, raising=False)
        vllm_top_p.register()
        assert TopKTopPSampler.forward_cpu is original
        monkeypatch.setenv(vllm_top_p.ENV_SWITCH, "1")
        vllm_top_p.register()
        assert TopKTopPSampler.forward_cpu is vllm_top_p.window_forward_cpu
    finally:
        TopKTopPSampler.forward_cpu = original  # type: ignore[method-assign]


def test_the_engine_switches_the_window_per_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """`_engine` sets the switch before vLLM spawns its processes (the LLM is faked here)."""
    import sys
    import types

    from generators.config import TeacherConfig
    from generators.teachers import vllm_engine

    seen = []
    fake = types.ModuleType("vllm")
    fake.LLM = lambda **kw: seen.append(__import__("os").environ[vllm_top_p.ENV_SWITCH])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vllm", fake)
    monkeypatch.setattr(vllm_engine, "_ENGINES", {})
    monkeypatch.delenv(vllm_top_p.ENV_SWITCH, raising=False)
    vllm_engine._engine("m", TeacherConfig())
    vllm_engine._engine("m", TeacherConfig(top_p_window=False))
    assert seen == ["1", "0"]
