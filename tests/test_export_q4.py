"""The q4_0 writer: byte-compatible Q4_0 blocks with a lower activation-weighted error than the
reference quantiser given an importance matrix, no block zeroed for lack of activations; the
training rows it calibrates on; and the trained-base guards that need no model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from gguf import GGMLQuantizationType as Q
from gguf.quants import dequantize, quantize

from pipelines.export.importance import training_texts
from pipelines.export.q4 import quantize_q4_0
from pipelines.export.trained_base import check_same, trained_weights
from schemas.errors import ConfigError


def _layer() -> tuple[np.ndarray, np.ndarray]:
    """A [64, 256] weight and a heavy-tailed per-channel importance (a few loud channels, as
    Gemma's activations have)."""
    rng = np.random.default_rng(0)
    weights = (rng.standard_normal((64, 256)) * 0.02).astype(np.float32)
    importance = rng.lognormal(0.0, 2.0, 256).astype(np.float32)
    return weights, importance


def _weighted_error(approx: np.ndarray, weights: np.ndarray, importance: np.ndarray) -> float:
    return float(np.sqrt((np.square(approx - weights) * importance).sum()))


def test_importance_lowers_the_weighted_error_in_the_same_format() -> None:
    weights, importance = _layer()
    ours, reference = quantize_q4_0(weights, importance), quantize(weights, Q.Q4_0)
    assert ours.shape == reference.shape and ours.dtype == np.uint8
    mine = dequantize(ours, Q.Q4_0).reshape(weights.shape)
    ref = dequantize(reference, Q.Q4_0).reshape(weights.shape)
    assert np.abs(mine - weights).max() < 0.25 * np.abs(weights).max()  # decodes as Q4_0
    assert _weighted_error(mine, weights, importance) < 0.9 * _weighted_error(
        ref, weights, importance
    )


def test_zero_blocks_stay_zero_and_undriven_channels_are_still_rounded() -> None:
    weights, importance = _layer()
    weights[3, :32] = 0.0
    importance[32:64] = 0.0  # channels the calibration rows never drive
    mine = dequantize(quantize_q4_0(weights, importance), Q.Q4_0).reshape(weights.shape)
    assert np.all(mine[3, :32] == 0.0) and np.all(np.isfinite(mine))
    undriven = weights[:, 32:64]
    error = np.linalg.norm(mine[:, 32:64] - undriven) / np.linalg.norm(undriven)
    assert error < 0.2, f"undriven blocks off by {error:.0%} (zeroed would be 100%)"
    silent = dequantize(quantize_q4_0(weights, np.zeros(256)), Q.Q4_0).reshape(weights.shape)
    assert np.linalg.norm(silent - weights) / np.linalg.norm(weights) < 0.2


def test_training_texts_read_the_students_sft_rows(tmp_path: Path) -> None:
    assert training_texts(tmp_path) == []
    rows = [
        {"prompt": f"<bos>Labels: a, b.\nMessage: text {i}\nLabel:", "completion": " a\n<eos>"}
        for i in range(5)
    ]
    lines = [json.dumps(r) for r in rows] + ["not json", json.dumps([1, 2])]
    (tmp_path / "sft_dataset.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    texts = training_texts(tmp_path)
    assert texts == [f"Labels: a, b.\nMessage: text {i}\nLabel: a\n" for i in range(5)]
    assert training_texts(tmp_path, limit=2) == texts[:2]


def test_trained_base_needs_a_synthmill_4bit_student() -> None:
    assert trained_weights({}, None) == {}  # an adapter trained elsewhere: source weights
    meta = {"config": {"load_in_4bit": False}}
    assert trained_weights(meta, None) == {}


def test_a_layer_that_is_not_a_4bit_copy_of_the_gguf_is_refused() -> None:
    weights, _ = _layer()
    noise = np.random.default_rng(1).standard_normal(weights.shape).astype(np.float32)
    check_same("blk.0.attn_q.weight", weights + 0.1 * noise * weights.std(), weights)  # passes
    with pytest.raises(ConfigError, match="not the base the student was trained on"):
        check_same("blk.0.attn_q.weight", weights[:, ::-1].copy(), weights)
    with pytest.raises(ConfigError, match=r"is \[64, 128\], the GGUF's \[64, 256\]"):
        check_same("blk.0.attn_q.weight", weights[:, :128], weights)
