"""The windowed top-p sampler draws the same tokens as vLLM's CPU sampler (up to float rounding
of the cumulative mass at `p`, which these cases stay clear of), and is only switched on for
engines synthmill starts, on the vLLM it was checked against."""

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


def test_a_tie_running_past_the_window_goes_to_the_sort() -> None:
    """200 distinct logits, then a run of 200 equal ones that crosses the window's end, with the
    nucleus ending at the window's last place: only the sort knows which of the run it keeps."""
    logits = torch.full((1, VOCAB), -30.0)
    logits[0, :200] = torch.linspace(3.0, 1.0, 200)
    logits[0, 200:400] = 0.5
    mass = (logits[0].topk(vllm_top_p.WINDOW).values - torch.logsumexp(logits, -1)).exp().cumsum(-1)
    p = torch.tensor([float((mass[-2] + mass[-1]) / 2)])
    sampler = TopKTopPSampler()
    differ = 0
    for seed in range(200):
        drawn = []
        for forward in (TopKTopPSampler.forward_cpu, vllm_top_p.window_forward_cpu):
            torch.manual_seed(seed)
            drawn.append(forward(sampler, logits.clone(), {}, None, p)[0])
        differ += int(drawn[0] != drawn[1])
    assert differ == 0


def test_rows_without_top_p_are_left_alone() -> None:
    logits = _logits(3, 1.0, seed=3)
    before = logits.clone()
    assert vllm_top_p.window_top_p_(logits, torch.ones(3)) is None
    assert torch.equal(logits, before)


@pytest.mark.parametrize(
    ("switch", "version", "triton", "cpu", "patched"),
    [
        (None, "0.32.0", False, True, False),
        ("0", "0.32.0", False, True, False),
        ("1", "0.32.0", False, True, True),
        ("1", "0.32.1", False, True, False),  # a release whose sampler was not checked
        ("1", "0.32.0", True, True, False),  # vLLM would use its Triton kernel
        ("1", "0.32.0", False, False, False),  # not CPU
    ],
)
def test_the_plugin_only_acts_when_switched_on(
    monkeypatch: pytest.MonkeyPatch,
    switch: str | None,
    version: str,
    triton: bool,
    cpu: bool,
    patched: bool,
) -> None:
    import vllm
    from vllm.platforms import current_platform
    from vllm.v1.sample.ops import topk_topp_sampler as ops

    plugins = {e.name: e.value for e in entry_points(group="vllm.general_plugins")}
    assert plugins.get("synthmill_top_p_window") == "generators.teachers.vllm_top_p:register"
    # vLLM's own, even where an engine started in this process already loaded the plugin
    original = vllm_top_p._ORIGINAL.get("forward_cpu", TopKTopPSampler.forward_cpu)
    monkeypatch.setattr(TopKTopPSampler, "forward_cpu", original)
    monkeypatch.setattr(vllm_top_p, "_ORIGINAL", {})
    monkeypatch.setattr(vllm, "__version__", version)
    monkeypatch.setattr(ops, "HAS_TRITON", triton)
    monkeypatch.setattr(type(current_platform), "is_cpu", lambda self: cpu)
    if switch is None:
        monkeypatch.delenv(vllm_top_p.ENV_SWITCH, raising=False)
    else:
        monkeypatch.setenv(vllm_top_p.ENV_SWITCH, switch)
    try:
        vllm_top_p.register()
        now = TopKTopPSampler.forward_cpu
        assert (now is vllm_top_p.window_forward_cpu) == patched
        assert patched or now is original
    finally:
        TopKTopPSampler.forward_cpu = original  # type: ignore[method-assign]


def test_the_engine_switches_the_window_per_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """`_engine` sets the switch while vLLM spawns its processes, and only then (the engine
    start itself, `_start`, is replaced by a recorder: the real one is timed in the bench)."""
    import os

    from generators.config import TeacherConfig
    from generators.teachers import vllm_engine

    seen = []
    monkeypatch.setattr(
        vllm_engine, "_start", lambda llm, path, cfg: seen.append(os.environ[vllm_top_p.ENV_SWITCH])
    )
    monkeypatch.setattr(vllm_engine, "_ENGINES", {})
    monkeypatch.delenv(vllm_top_p.ENV_SWITCH, raising=False)
    vllm_engine._engine("m", TeacherConfig())
    vllm_engine._engine("m", TeacherConfig(top_p_window=False))
    assert seen == ["1", "0"]
    # set only while the engine starts: a later vLLM of this process is not switched
    assert vllm_top_p.ENV_SWITCH not in os.environ
