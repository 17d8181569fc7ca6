"""The q4_0 writer: byte-compatible Q4_0 blocks, the reference quantiser without an importance
matrix, a lower activation-weighted error with one; and the calibration prompts it reads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as Q
from gguf.quants import dequantize, quantize

from pipelines.export.importance import training_texts
from pipelines.export.q4 import quantize_q4_0


def _layer() -> tuple[np.ndarray, np.ndarray]:
    """A [64, 256] weight and a heavy-tailed per-channel importance (a few loud channels, as
    Gemma's activations have)."""
    rng = np.random.default_rng(0)
    weights = (rng.standard_normal((64, 256)) * 0.02).astype(np.float32)
    importance = rng.lognormal(0.0, 2.0, 256).astype(np.float32)
    return weights, importance


def _weighted_error(approx: np.ndarray, weights: np.ndarray, importance: np.ndarray) -> float:
    return float(np.sqrt((np.square(approx - weights) * importance).sum()))


def test_without_importance_it_is_the_reference_quantiser() -> None:
    weights, _ = _layer()
    assert np.array_equal(quantize_q4_0(weights), quantize(weights, Q.Q4_0))


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


def test_zero_blocks_stay_zero() -> None:
    weights, importance = _layer()
    weights[3, :32] = 0.0
    mine = dequantize(quantize_q4_0(weights, importance), Q.Q4_0).reshape(weights.shape)
    assert np.all(mine[3, :32] == 0.0) and np.all(np.isfinite(mine))


def test_training_texts_read_the_run_folders_train_jsonl(tmp_path: Path) -> None:
    assert training_texts(tmp_path) == []
    rows = [
        {"messages": [{"role": "user", "content": f"Message {i}"}, {"content": "card_arrival"}]}
        for i in range(5)
    ]
    lines = [json.dumps(r) for r in rows] + ["not json", json.dumps({"text": "plain row"})]
    (tmp_path / "train.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    texts = training_texts(tmp_path)
    assert texts[:5] == [f"Message {i} card_arrival" for i in range(5)]
    assert texts[5] == "plain row" and len(texts) == 6
    assert training_texts(tmp_path, limit=2) == ["Message 0 card_arrival", "Message 1 card_arrival"]
