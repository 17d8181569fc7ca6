"""Vectorised MinHash signatures that are datasketch's own, computed for thousands of texts at once.

A shingle is a byte range of the normalised text (`dedup_text`): `shingle_size` words joined by
one space, or `shingle_size` characters; a text shorter than that is one shingle. The shingle's
32-bit hash is either datasketch's default `sha1_hash32` (hash="sha1") or `fast_hash32` below
(hash="fast": a 64-bit polynomial over the bytes, finalised with MurmurHash3's fmix64, computed
for every shingle with a handful of numpy passes). Permutations come from `datasketch.MinHash`
itself and are applied as datasketch applies them ("affine32" or "legacy"), so

    MinHash(num_perm, seed, scheme=..., hashfunc=<the shingle hash>).update_batch(shingles(text))

has exactly `Signer(config).sign(...)`'s values (tests prove it for both hash families and
both schemes), and `LeanMinHash(seed=seed, hashvalues=row, scheme=scheme)` plugs them into
datasketch's LSH and storage backends. "fast" is the default because hashing each shingle with
sha1 in Python costs about as much as everything else together (see bench/dedup_bench.py).
Signatures are uint32 arrays of shape (texts, num_perm); a text with no shingles keeps
datasketch's empty value (all 2**32 - 1).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from validators.dedup_config import DedupConfig
from validators.dedup_text import NormalisedTexts, normalise_python

_U64 = np.uint64
_BASE = 0x100000001B3  # FNV-1a 64 prime: odd, so invertible modulo 2**64
_BASE_INV = pow(_BASE, -1, 1 << 64)
_LEN_MIX = 0x9E3779B97F4A7C15
_MASK64 = (1 << 64) - 1
_MERSENNE = (1 << 61) - 1
_EMPTY = np.uint32(0xFFFFFFFF)
_BLOCK = 8192  # shingles per permutation block: (num_perm x block) uint32 stays in cache


def fast_hash32(data: bytes) -> int:
    """The 'fast' shingle hash for one shingle, usable as datasketch's `hashfunc`."""
    h = 0
    inv = 1
    for byte in data:
        h = (h + byte * inv) & _MASK64
        inv = (inv * _BASE_INV) & _MASK64
    return _fmix64_int(h ^ ((len(data) * _LEN_MIX) & _MASK64)) & 0xFFFFFFFF


def _fmix64_int(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK64
    return h ^ (h >> 33)


def shingles(text: str, config: DedupConfig) -> list[bytes]:
    """The reference shingles of one raw text (a set for MinHash; order does not matter)."""
    norm = normalise_python(text, config.normalise)
    if not norm:
        return []
    k = config.shingle_size
    if config.shingle == "char":
        grams = [norm[i : i + k] for i in range(len(norm) - k + 1)] or [norm]
    else:
        words = norm.split(" ")
        grams = [" ".join(words[i : i + k]) for i in range(len(words) - k + 1)] or [norm]
    return [g.encode("utf-8", "surrogatepass") for g in grams]


def datasketch_minhash(text: str, config: DedupConfig) -> MinHash:
    """datasketch's own MinHash of `text` under `config` (the reference; slow, one at a time)."""
    hashfunc = fast_hash32 if config.hash == "fast" else None
    m = MinHash(num_perm=config.num_perm, seed=config.seed, scheme=config.scheme, hashfunc=hashfunc)
    m.update_batch(shingles(text, config))
    return m


@dataclass(frozen=True)
class Permutations:
    """datasketch's permutation parameters for (num_perm, seed, scheme), drawn by datasketch."""

    a: np.ndarray
    b: np.ndarray
    scheme: str

    @classmethod
    def of(cls, config: DedupConfig) -> Permutations:
        drawn = MinHash(num_perm=config.num_perm, seed=config.seed, scheme=config.scheme)
        a, b = drawn.permutations
        if config.scheme == "legacy":
            return cls(np.asarray(a, dtype=_U64), np.asarray(b, dtype=_U64), config.scheme)
        return cls(np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32), config.scheme)


class Signer:
    """Signs normalised texts under one config; keeps the permutations and power tables."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        self.perms = Permutations.of(config)
        self._inv_pow = np.ones(1, dtype=_U64)
        self._base_pow = np.ones(1, dtype=_U64)
        self._grow = threading.Lock()  # `sign` may run in several threads at once

    def sign(
        self, norm: NormalisedTexts, select: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(signatures, has_shingles) of the texts in `norm`, or of those at sorted `select`."""
        starts, ends, owner = shingle_ranges(norm, self.config)
        n = len(norm)
        chosen = np.arange(n) if select is None else np.asarray(select, dtype=np.int64)
        if select is not None:
            wanted = np.zeros(n, dtype=bool)
            wanted[chosen] = True
            keep = wanted[owner]
            starts, ends, owner = starts[keep], ends[keep], owner[keep]
            owner = np.searchsorted(chosen, owner)  # rank in `select` = new text index
        if self.config.hash == "fast":
            hashes = self._hash_fast(norm.data, starts, ends)
        else:
            hashes = _hash_sha1(norm.data, starts, ends)
        counts = np.bincount(owner, minlength=chosen.size)
        sig = np.full((chosen.size, self.config.num_perm), _EMPTY, dtype=np.uint32)
        _min_permuted(hashes, counts, self.perms, sig)
        return sig, counts > 0

    def _powers(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """INV**t and BASE**t mod 2**64 for t <= n, grown with headroom and reused across chunks."""
        with self._grow:
            if self._inv_pow.size <= n:
                size = n + 1 + n // 4
                self._base_pow = _powers_of(_BASE, size)
                self._inv_pow = _powers_of(_BASE_INV, size)
            return self._inv_pow, self._base_pow

    def _hash_fast(self, data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """`fast_hash32` of every byte range, from prefix sums of byte_t * INV**t mod 2**64."""
        n = data.size
        inv_pow, base_pow = self._powers(n)
        with np.errstate(over="ignore"):
            prefix = np.zeros(n + 1, dtype=_U64)
            np.multiply(data, inv_pow[:n], out=prefix[1:])
            np.cumsum(prefix[1:], out=prefix[1:])
            h = prefix[ends] - prefix[starts]
            h *= base_pow[starts]
            h ^= (ends - starts).astype(_U64) * _U64(_LEN_MIX)
            return (_fmix64(h) & _U64(0xFFFFFFFF)).astype(np.uint32)


def shingle_ranges(norm: NormalisedTexts, config: DedupConfig) -> tuple[np.ndarray, ...]:
    """(start, end, text) byte ranges of every shingle, texts in order."""
    k = config.shingle_size
    if config.shingle == "word":
        first, ends_at, owner = norm.word_starts, norm.word_ends, norm.word_owner
    else:
        first, owner = norm.char_starts()
        ends_at = np.empty_like(first)
        ends_at[:-1] = first[1:]
        if first.size:
            ends_at[-1] = norm.offsets[-1]
        ends_at = np.minimum(ends_at, norm.offsets[1:][owner])
    units = np.bincount(owner, minlength=len(norm))
    base = np.zeros(len(norm) + 1, dtype=np.int64)
    np.cumsum(units, out=base[1:])
    pos = np.arange(first.size) - base[owner]
    m = units[owner]
    idx = np.flatnonzero((pos + k <= m) | ((pos == 0) & (m < k)))
    span = np.minimum(k, m[idx])
    return first[idx], ends_at[idx + span - 1], owner[idx]


def _powers_of(base: int, size: int) -> np.ndarray:
    """base**t mod 2**64 for t < size: one small cumprod per axis of a (blocks x 1024) table."""
    width = 1024
    blocks = -(-size // width)
    with np.errstate(over="ignore"):
        low = np.empty(width, dtype=_U64)
        low[0] = 1
        np.cumprod(np.full(width - 1, _U64(base)), out=low[1:])
        high = np.empty(blocks, dtype=_U64)
        high[0] = 1
        np.cumprod(np.full(blocks - 1, _U64(pow(base, width, 1 << 64))), out=high[1:])
        return (high[:, None] * low[None, :]).ravel()[:size]


def _fmix64(h: np.ndarray) -> np.ndarray:
    h ^= h >> _U64(33)
    h *= _U64(0xFF51AFD7ED558CCD)
    h ^= h >> _U64(33)
    h *= _U64(0xC4CEB9FE1A85EC53)
    h ^= h >> _U64(33)
    return h


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def _hash_sha1(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """datasketch's `sha1_hash32` (first 4 digest bytes, little endian) of every byte range."""
    view = memoryview(data.tobytes())
    sha1 = hashlib.sha1
    pairs = zip(starts.tolist(), ends.tolist(), strict=True)
    digests = b"".join([sha1(view[s:e]).digest() for s, e in pairs])
    return np.frombuffer(digests, dtype="<u4")[::5].astype(np.uint32)


def _min_permuted(
    hashes: np.ndarray, counts: np.ndarray, perms: Permutations, out: np.ndarray
) -> None:
    """out[text] = min over its shingles of each permuted hash, as datasketch's update_batch."""
    nonempty = np.flatnonzero(counts)
    if nonempty.size == 0:
        return
    seg = np.zeros(nonempty.size + 1, dtype=np.int64)
    np.cumsum(counts[nonempty], out=seg[1:])
    legacy = perms.scheme == "legacy"
    with np.errstate(over="ignore"):
        hv = hashes.astype(_U64) if legacy else _fmix32(hashes.astype(np.uint32))
    a = perms.a[:, None]
    b = perms.b[:, None]
    lo = 0
    while lo < nonempty.size:
        hi = int(np.searchsorted(seg, seg[lo] + _BLOCK, side="right")) - 1
        hi = min(max(hi, lo + 1), nonempty.size)
        s0, s1 = seg[lo], seg[hi]
        with np.errstate(over="ignore"):
            block = a * hv[None, s0:s1]
            block += b
            if legacy:
                block = _mod_mersenne(block) & _U64(0xFFFFFFFF)
        mins = np.minimum.reduceat(block, seg[lo:hi] - s0, axis=1)
        out[nonempty[lo:hi]] = mins.T
        lo = hi


def _mod_mersenne(x: np.ndarray) -> np.ndarray:
    """x mod (2**61 - 1) for uint64 x, without a division (what `% _mersenne_prime` gives)."""
    y = (x & _U64(_MERSENNE)) + (x >> _U64(61))
    return np.where(y >= _U64(_MERSENNE), y - _U64(_MERSENNE), y)


def signatures_of(texts: Sequence[str], config: DedupConfig) -> np.ndarray:
    """Convenience: signatures of a few raw texts (normalises them first)."""
    from validators.dedup_text import normalise_many

    sig, _ = Signer(config).sign(normalise_many(texts, config.normalise))
    return sig
