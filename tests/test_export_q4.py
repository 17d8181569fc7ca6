"""The q4_0 writer: byte-compatible Q4_0 blocks, rounded by GPTQ to a lower output error than
the reference quantiser on correlated activations, no block zeroed for lack of activations; the
training rows it calibrates on; and the trained-base guards that need no model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from gguf import GGMLQuantizationType as Q
from gguf.quants import dequantize

from pipelines.export import q4
from pipelines.export.calibration import training_texts
from pipelines.export.gptq import DAMPING, gptq_q4_0, inverse_cholesky
from pipelines.export.trained_base import check_same, trained_weights
from schemas.errors import ConfigError


def _layer() -> tuple[np.ndarray, np.ndarray]:
    """A [64, 256] weight and the second moments of correlated, heavy-tailed activations (a few
    loud channels, channels that move together, as Gemma's activations have)."""
    rng = np.random.default_rng(0)
    weights = (rng.standard_normal((64, 256)) * 0.02).astype(np.float32)
    x = rng.standard_normal((2000, 256)) * rng.lognormal(0.0, 1.5, 256)
    x[:, :128] += 0.8 * x[:, 128:]  # across blocks
    x[:, 1::2] += 0.9 * x[:, ::2]  # within blocks
    return weights, (x.T @ x / len(x)).astype(np.float32)


def _output_error(approx: np.ndarray, weights: np.ndarray, moments: np.ndarray) -> float:
    """`tr(E H Eᵀ)`: the mean squared error of the layer's outputs on the activations."""
    error = (approx - weights).astype(np.float64)
    return float(np.einsum("ij,jk,ik->", error, moments, error))


def _decoded(data: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return dequantize(data, Q.Q4_0).reshape(shape)


def test_gptq_lowers_the_output_error_in_the_same_format() -> None:
    weights, moments = _layer()
    ours, reference = gptq_q4_0(weights, moments), q4.reference(weights)
    assert ours.shape == reference.shape and ours.dtype == np.uint8
    mine, ref = _decoded(ours, weights.shape), _decoded(reference, weights.shape)
    assert np.abs(mine - weights).max() < 0.25 * np.abs(weights).max()  # decodes as Q4_0
    assert _output_error(mine, weights, moments) < 0.6 * _output_error(ref, weights, moments)
    # without correlations to pass error through (a diagonal H) there is nothing to feed back:
    # GPTQ is the weighted rounding, no worse than the reference
    diagonal = np.diag(np.diag(moments))
    plain = _decoded(gptq_q4_0(weights, diagonal), weights.shape)
    assert _output_error(plain, weights, diagonal) <= _output_error(ref, weights, diagonal)


def _plain_gptq(weights: np.ndarray, moments: np.ndarray) -> np.ndarray:
    """GPTQ as the paper writes it, in float64: after each column, every later column of the row
    takes its share of the error (no lazy block updates); a block's scales are chosen when its
    first column comes up. Levels [rows, n]."""
    upper, diagonal = inverse_cholesky(moments)
    w = weights.astype(np.float64).copy()
    sigma2 = np.square(weights).mean(axis=1, keepdims=True)
    levels = np.zeros(w.shape, dtype=np.int64)
    scale = np.zeros(w.shape[0])
    for j in range(w.shape[1]):
        if j % q4.BLOCK == 0:
            block = w[:, j : j + q4.BLOCK].astype(np.float32)
            scale = q4.block_scales(block, diagonal[j : j + q4.BLOCK], sigma2).astype(np.float64)
        safe = np.where(scale == 0, 1.0, scale)
        level = np.clip(np.rint(w[:, j] / safe), q4.LOW, q4.HIGH) * (scale != 0)
        levels[:, j] = level
        error = (w[:, j] - level * scale) / upper[j, j]
        w[:, j:] -= np.outer(error, upper[j, j:])
    return levels


def test_gptq_equals_the_unblocked_algorithm() -> None:
    weights, moments = _layer()
    want = _plain_gptq(weights, moments)
    blocks = gptq_q4_0(weights, moments).reshape(-1, q4.BYTES_PER_BLOCK)[:, 2:]
    got = np.stack([blocks & 0x0F, blocks >> 4], axis=1).reshape(want.shape).astype(int) + q4.LOW
    same = float((got == want).mean())
    assert same > 0.995, f"{same:.2%} of levels as the unblocked loop gives"


def test_block_scales_round_trip_through_the_q4_0_bytes() -> None:
    weights, moments = _layer()
    blocks = weights.reshape(-1, q4.BLOCK)
    sigma2 = np.repeat(np.square(weights).mean(axis=1), weights.shape[1] // q4.BLOCK)
    scales = q4.block_scales(blocks, np.ones(q4.BLOCK), sigma2)
    levels = np.clip(np.rint(blocks / np.where(scales == 0, 1, scales)[:, None]), q4.LOW, q4.HIGH)
    data = q4.pack(levels.reshape(weights.shape), scales.reshape(64, -1))
    assert data.shape == q4.reference(weights).shape
    want = (levels * scales[:, None]).reshape(weights.shape)
    np.testing.assert_array_equal(_decoded(data, weights.shape), want)


def test_zero_blocks_stay_zero_and_undriven_channels_are_still_rounded() -> None:
    weights, moments = _layer()
    weights[3, :32] = 0.0
    moments[32:64, :] = 0.0  # channels the calibration rows never drive
    moments[:, 32:64] = 0.0
    mine = _decoded(gptq_q4_0(weights, moments), weights.shape)
    assert np.all(mine[3, :32] == 0.0) and np.all(np.isfinite(mine))
    undriven = weights[:, 32:64]
    error = np.linalg.norm(mine[:, 32:64] - undriven) / np.linalg.norm(undriven)
    assert error < 0.2, f"undriven blocks off by {error:.0%} (zeroed would be 100%)"
    silent = _decoded(gptq_q4_0(weights, np.zeros_like(moments)), weights.shape)
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


def test_moments_left_indefinite_by_rounding_are_damped_further() -> None:
    weights, _ = _layer()
    x = np.random.default_rng(2).standard_normal((2000, 256))
    moments = (x.T @ x / len(x)).astype(np.float32)
    values, vectors = np.linalg.eigh(moments.astype(np.float64))
    shift = values[0] + 5 * DAMPING * float(np.diag(moments).mean())  # past the first damping
    indefinite = (moments - shift * np.outer(vectors[:, 0], vectors[:, 0])).astype(np.float32)
    assert np.linalg.eigvalsh(indefinite).min() < 0 and np.diag(indefinite).min() > 0
    mine = _decoded(gptq_q4_0(weights, indefinite), weights.shape)
    assert np.isfinite(mine).all()
    assert np.linalg.norm(mine - weights) / np.linalg.norm(weights) < 0.2
    with pytest.raises(ValueError, match="no usable second moments"):
        gptq_q4_0(weights, np.full_like(moments, np.nan))
