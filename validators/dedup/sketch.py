"""Sketches of a text column: exact-match keys and MinHash signatures of the distinct texts.

`sketch` does a whole column in this process. For a cluster, `sketch_rows` does one batch of
rows (every row signed, on any worker) and `merge_sketches` joins the batches in row order:
the result is equal to `sketch` of the whole column, because first occurrences are decided
only after the merge and equal texts have equal signatures.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from validators.dedup.minhash import Signer
from validators.dedup.normalise import NormalisedTexts, normalise_many

CHUNK_BYTES = 1 << 20  # text normalised and signed together: bounds the temporary arrays
CHUNK_TEXTS = 8192


@dataclass(frozen=True)
class Sketches:
    """Exact groups and signatures of a column of texts.

    `first[row]` is the first row with the same normalised text; `rows` are the first
    occurrences (sorted) and `signatures[k]`, `sizes[k]` (shingle count) and `has_shingles[k]`
    belong to `rows[k]`.
    """

    first: np.ndarray
    rows: np.ndarray
    signatures: np.ndarray
    has_shingles: np.ndarray
    sizes: np.ndarray


def sketch(texts: pl.Series, signer: Signer, workers: int = 1) -> Sketches:
    """Normalise, hash for exact groups, sign the distinct texts; chunk by chunk.

    With `workers` > 1, chunks are normalised and signed in threads (numpy and polars release
    the GIL) while first occurrences are decided here, in order: the result does not depend
    on `workers`. At most about 2 * workers chunks are in flight, which bounds memory.
    """
    n = texts.len()
    first = np.empty(n, dtype=np.int64)
    seen: dict[tuple[int, int], int] = {}
    signatures = np.empty((n, signer.config.num_perm), dtype=np.uint32)
    sizes = np.empty(n, dtype=np.int64)
    done = 0
    normalise = signer.config.normalise

    def prepare(lo: int, hi: int) -> tuple[NormalisedTexts, list[tuple[int, int]]]:
        norm = normalise_many(texts.slice(lo, hi - lo).to_list(), normalise)
        return norm, _exact_keys(norm)

    def collect(future: Future[tuple[np.ndarray, np.ndarray]]) -> None:
        nonlocal done
        sig, size = future.result()
        signatures[done : done + len(size)] = sig
        sizes[done : done + len(size)] = size
        done += len(size)

    bounds = _chunks(texts)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dedup") as pool:
        prepared = deque(pool.submit(prepare, lo, hi) for lo, hi in bounds[:workers])
        signing: deque[Future[tuple[np.ndarray, np.ndarray]]] = deque()
        for k, (lo, hi) in enumerate(bounds):
            norm, keys = prepared.popleft().result()
            if k + workers < len(bounds):
                prepared.append(pool.submit(prepare, *bounds[k + workers]))
            first[lo:hi] = [seen.setdefault(key, row) for row, key in enumerate(keys, start=lo)]
            fresh = np.flatnonzero(first[lo:hi] == np.arange(lo, hi))
            signing.append(pool.submit(signer.sign, norm, fresh))
            while len(signing) > workers:
                collect(signing.popleft())
        while signing:
            collect(signing.popleft())
    return Sketches(
        first=first,
        rows=np.flatnonzero(first == np.arange(n)),
        signatures=signatures[:done],
        has_shingles=sizes[:done] > 0,
        sizes=sizes[:done],
    )


def _chunks(texts: pl.Series) -> list[tuple[int, int]]:
    """[lo, hi) row ranges of about CHUNK_BYTES of text and at most CHUNK_TEXTS rows each."""
    n = texts.len()
    if n == 0:
        return []
    ends = np.cumsum(texts.str.len_bytes().fill_null(0).to_numpy().astype(np.int64) + 1)
    cuts = np.flatnonzero(np.diff(ends // CHUNK_BYTES)) + 1
    starts = np.unique(np.concatenate([cuts, np.arange(0, n, CHUNK_TEXTS)]))
    return list(zip(starts.tolist(), [*starts[1:].tolist(), n], strict=True))


def _exact_keys(norm: NormalisedTexts) -> list[tuple[int, int]]:
    """128 bits of hash per normalised text (two seeded polars hashes, computed in Rust)."""
    buffers = [None, pa.py_buffer(norm.offsets), pa.py_buffer(norm.data)]
    column = pl.from_arrow(pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(norm), buffers))
    return list(zip(column.hash(0x9E37).to_list(), column.hash(0x7F4A).to_list(), strict=True))


@dataclass(frozen=True)
class RowSketch:
    """Every row of one batch: its 128-bit exact key, signature and shingle count."""

    keys: np.ndarray
    signatures: np.ndarray
    sizes: np.ndarray


def sketch_rows(texts: pl.Series, signer: Signer) -> RowSketch:
    """Keys and signatures of every row of `texts` (duplicates too), chunk by chunk."""
    n = texts.len()
    keys = np.empty((n, 2), dtype=np.uint64)
    signatures = np.empty((n, signer.config.num_perm), dtype=np.uint32)
    sizes = np.empty(n, dtype=np.int64)
    for lo, hi in _chunks(texts):
        norm = normalise_many(texts.slice(lo, hi - lo).to_list(), signer.config.normalise)
        keys[lo:hi] = np.array(_exact_keys(norm), dtype=np.uint64).reshape(-1, 2)
        signatures[lo:hi], sizes[lo:hi] = signer.sign(norm)
    return RowSketch(keys, signatures, sizes)


def merge_sketches(parts: list[RowSketch]) -> Sketches:
    """The `Sketches` of the batches' rows taken in order, as `sketch` of all of them gives."""
    keys = np.concatenate([p.keys for p in parts]) if parts else np.zeros((0, 2), np.uint64)
    seen: dict[tuple[int, int], int] = {}
    first = np.fromiter(
        (seen.setdefault((a, b), row) for row, (a, b) in enumerate(keys.tolist())),
        dtype=np.int64,
        count=keys.shape[0],
    )
    rows = np.flatnonzero(first == np.arange(first.size))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Sketches(first, rows, np.zeros((0, 0), np.uint32), empty > 0, empty)
    signatures = np.concatenate([p.signatures for p in parts])[rows]
    sizes = np.concatenate([p.sizes for p in parts])[rows]
    return Sketches(
        first=first, rows=rows, signatures=signatures, has_shingles=sizes > 0, sizes=sizes
    )
