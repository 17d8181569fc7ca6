"""Q4_0 blocks weighted by how much each weight matters to the layer's output.

The reference Q4_0 quantiser (gguf's numpy port of llama.cpp's `quantize_row_q4_0_ref`) sets
each 32-weight block's scale from its largest weight alone, `d = max / -8`, and treats every
weight alike. Given the mean square of each input channel's activations on the student's own
prompts (an importance matrix, as llama.cpp's `llama-imatrix` makes), the scale of each block is
instead chosen to minimise the activation-weighted squared error, by llama.cpp's own search
(`quantize_row_q4_0_impl` with `make_qx_quants`): the weight of an element is
`importance[j] * sqrt(sigma2 + x[j]^2)`, 19 candidate scales per block, then the weighted
least-squares scale for the chosen levels. Channels never driven on the calibration rows keep a
small floor of importance, so a block of them is still rounded, not zeroed. Same format and size: any Q4_0 reader loads it.
"""

from __future__ import annotations

import numpy as np
from gguf.quants import quantize

BLOCK = 32
_NMAX = 8


def quantize_q4_0(weights: np.ndarray, importance: np.ndarray | None = None) -> np.ndarray:
    """`weights` [rows, n] (n a multiple of 32) as Q4_0 bytes [rows, n / 32 * 18]: per block an
    fp16 scale, then 16 bytes of 4-bit values (low nibbles the first 16 weights). Without
    `importance` ([n], one value per input channel) this is the reference quantiser."""
    from gguf import GGMLQuantizationType as Q

    if importance is None or not np.any(importance > 0):
        return np.asarray(quantize(weights, Q.Q4_0))
    rows, n = weights.shape
    x = weights.astype(np.float32)
    sigma2 = np.square(x).sum(axis=1, keepdims=True) / n
    imp = importance.astype(np.float64).reshape(1, n)
    imp = np.maximum(imp / imp.mean(), 1e-6).astype(np.float32)  # scaled to a mean of 1
    w = imp * np.sqrt(sigma2 + np.square(x))
    blocks, w = x.reshape(-1, BLOCK), w.reshape(-1, BLOCK)
    largest = np.take_along_axis(blocks, abs(blocks).argmax(axis=-1, keepdims=True), axis=-1)
    safe = np.where(largest == 0, np.float32(1), largest)
    best_score = np.full((blocks.shape[0], 1), -np.inf, dtype=np.float32)
    best_d = np.zeros_like(largest)
    best_q = np.zeros(blocks.shape, dtype=np.float32)
    for step in np.arange(-9, 10, dtype=np.float32) * np.float32(0.1):
        inverse = -(np.float32(_NMAX) + np.float32(step)) / safe
        q = np.clip(np.rint(blocks * inverse), -_NMAX, _NMAX - 1)
        sum_lx = (w * blocks * q).sum(axis=-1, keepdims=True)
        sum_l2 = (w * q * q).sum(axis=-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(sum_l2 > 0, sum_lx * sum_lx / sum_l2, -np.inf)
            d = np.where(sum_l2 > 0, sum_lx / sum_l2, 0)
        better = score > best_score
        best_score = np.where(better, score, best_score)
        best_d = np.where(better, d, best_d)
        best_q = np.where(better, q, best_q)
    best_d = np.where(largest == 0, 0, best_d)
    nibbles = (best_q + _NMAX).astype(np.uint8).reshape(-1, 2, BLOCK // 2)
    packed = nibbles[:, 0, :] | (nibbles[:, 1, :] << np.uint8(4))
    scales = best_d.astype(np.float16).view(np.uint8)
    return np.concatenate([scales, packed], axis=-1).reshape(rows, n // BLOCK * (2 + BLOCK // 2))
