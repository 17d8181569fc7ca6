"""The Q4_0 block format, and llama.cpp's weighted choice of a block's scale.

A Q4_0 block holds 32 weights as one fp16 scale `d` and 32 levels in [-8, 7] (4 bits each),
decoded as `d * level`. The reference quantiser (gguf's numpy port of llama.cpp's
`quantize_row_q4_0_ref`) sets `d` from the block's largest weight alone. `block_scales` is
llama.cpp's search for a weighted error instead (`quantize_row_q4_0_impl` with
`make_qx_quants`): the weight of an element is `importance[j] * sqrt(sigma2 + x[j]^2)`, 19
candidate scales per block, then the weighted least-squares scale for the chosen levels. GPTQ
(`gptq`) picks each block's scale with it; `pack` writes the bytes any Q4_0 reader loads.
"""

from __future__ import annotations

import numpy as np
from gguf.quants import quantize

BLOCK = 32
LOW, HIGH = -8, 7
BYTES_PER_BLOCK = 2 + BLOCK // 2


def reference(weights: np.ndarray) -> np.ndarray:
    """`weights` [rows, n] (n a multiple of 32) as Q4_0 bytes by the reference quantiser."""
    from gguf import GGMLQuantizationType as Q

    return np.asarray(quantize(weights, Q.Q4_0))


def block_scales(blocks: np.ndarray, importance: np.ndarray, sigma2: np.ndarray) -> np.ndarray:
    """The scale of each block of `blocks` [k, 32] chosen by llama.cpp's weighted search, with
    `importance` [32] (or [k, 32]) per element (scaled to a mean of 1 and floored, so a block
    never driven on the calibration rows is still rounded, not zeroed) and `sigma2` [k, 1] the
    mean square of each block's whole row, as llama.cpp takes it; rounded to fp16, as stored.
    An all-zero block gets 0."""
    x = blocks.astype(np.float32)
    imp = np.broadcast_to(np.asarray(importance, dtype=np.float64), x.shape)
    imp = np.maximum(imp / max(float(imp.mean()), 1e-30), 1e-6).astype(np.float32)
    sigma2 = np.asarray(sigma2, dtype=np.float32).reshape(-1, 1)
    w = imp * np.sqrt(sigma2 + np.square(x))
    largest = np.take_along_axis(x, abs(x).argmax(axis=-1, keepdims=True), axis=-1)
    safe = np.where(largest == 0, np.float32(1), largest)
    best_score = np.full((x.shape[0], 1), -np.inf, dtype=np.float32)
    best_d = np.zeros_like(largest)
    for step in np.arange(-9, 10, dtype=np.float32) * np.float32(0.1):
        inverse = -(np.float32(-LOW) + np.float32(step)) / safe
        q = np.clip(np.rint(x * inverse), LOW, HIGH)
        sum_lx = (w * x * q).sum(axis=-1, keepdims=True)
        sum_l2 = (w * q * q).sum(axis=-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(sum_l2 > 0, sum_lx * sum_lx / sum_l2, -np.inf)
            d = np.where(sum_l2 > 0, sum_lx / sum_l2, 0)
        better = score > best_score
        best_score = np.where(better, score, best_score)
        best_d = np.where(better, d, best_d)
    best_d = np.where(largest == 0, 0, best_d)
    return best_d[:, 0].astype(np.float16).astype(np.float32)


def pack(levels: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Q4_0 bytes [rows, n / 32 * 18] from `levels` [rows, n] in [-8, 7] and `scales`
    [rows, n / 32]: per block the fp16 scale, then 16 bytes (low nibbles the first 16)."""
    rows, n = levels.shape
    nibbles = (levels.astype(np.int16) - LOW).astype(np.uint8).reshape(-1, 2, BLOCK // 2)
    packed = nibbles[:, 0, :] | (nibbles[:, 1, :] << np.uint8(4))
    fp16 = scales.reshape(-1, 1).astype(np.float16).view(np.uint8)
    return np.concatenate([fp16, packed], axis=-1).reshape(rows, n // BLOCK * BYTES_PER_BLOCK)
