"""Vectorised MinHash signatures that are datasketch's own, computed for thousands of texts at once.

A shingle is a byte range of the normalised text (`validators.dedup.normalise`): `shingle_size`
words joined by one space, or `shingle_size` characters; a text shorter than that is one shingle.
The shingle's 32-bit hash is either datasketch's default `sha1_hash32` (hash="sha1") or
`fast_hash32` below (hash="fast": a 64-bit polynomial over the bytes, finalised with MurmurHash3's
fmix64, computed for every shingle with a handful of numpy passes).

With `shingle_budget` B, a text with m > B shingles (counted by position) keeps those whose
`sample_key` k (32 bits: the top half of the shingle's 64-bit polynomial times the golden ratio,
independent of the MinHash hash family) has k * m < B * 2**32, and always those with its least
key, so no text loses them all: about B shingles, chosen by content. Two texts of similar length
keep the same shingles of what they share, so the Jaccard of the samples estimates the Jaccard
of the texts, and the rate changes smoothly with length: there is no cut-off where near copies
stop matching. It bounds the cost of a long text: its character shingles are ~5x its word
shingles, and only the kept ones are finalised, hashed with sha1 or permuted.

Permutations come from `datasketch.MinHash` itself and are applied as datasketch applies them
("affine32" or "legacy"), so

    MinHash(num_perm, seed, scheme=..., hashfunc=<the shingle hash>).update_batch(shingles(text))

has exactly `Signer(config).sign(...)`'s values (tests prove it for both hash families, both
schemes and the budget's sampling), and `LeanMinHash(seed=seed, hashvalues=row, scheme=scheme)`
plugs them into datasketch's LSH and storage backends. "fast" is the default because hashing each
shingle with sha1 in Python costs about as much as everything else together (see
bench/dedup_bench.py). Signatures are uint32 arrays of shape (texts, num_perm); a text with no
shingles keeps datasketch's empty value (all 2**32 - 1).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash
from datasketch.hashfunc import sha1_hash32

from schemas.text import normalise_text
from validators.dedup.config import DedupConfig
from validators.dedup.normalise import NormalisedTexts

_U64 = np.uint64
_BASE = 0x100000001B3  # FNV-1a 64 prime: odd, so invertible modulo 2**64
_BASE_INV = pow(_BASE, -1, 1 << 64)
_LEN_MIX = 0x9E3779B97F4A7C15
_GOLDEN = 0x9E3779B97F4A7C15  # odd: the sample key's multiplier (Fibonacci hashing)
_GOLDEN_INV = pow(_GOLDEN, -1, 1 << 64)
_MASK64 = (1 << 64) - 1
_MERSENNE = (1 << 61) - 1
_EMPTY = np.uint32(0xFFFFFFFF)
_BLOCK = 8192  # shingles per permutation block: (num_perm x block) uint32 stays in cache


def fast_hash32(data: bytes) -> int:
    """The 'fast' shingle hash for one shingle, usable as datasketch's `hashfunc`."""
    return _fmix64_int(_poly64(data) ^ ((len(data) * _LEN_MIX) & _MASK64)) & 0xFFFFFFFF


def _fmix64_int(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK64
    return h ^ (h >> 33)


def shingle_hash(config: DedupConfig) -> Callable[[bytes], int]:
    """The configured 32-bit shingle hash, as datasketch's `hashfunc`."""
    return fast_hash32 if config.hash == "fast" else sha1_hash32


def _poly64(data: bytes) -> int:
    h = 0
    inv = 1
    for byte in data:
        h = (h + byte * inv) & _MASK64
        inv = (inv * _BASE_INV) & _MASK64
    return h


def sample_key(data: bytes) -> int:
    """The 32-bit key that decides whether a shingle is in a budgeted sample (reference)."""
    return ((_poly64(data) * _GOLDEN) & _MASK64) >> 32


def shingles(text: str, config: DedupConfig) -> list[bytes]:
    """The reference shingles of one raw text, sampled as `shingle_budget` says (a set for
    MinHash; order does not matter). Plain Python, one text at a time."""
    norm = normalise_text(text, **config.normalise.model_dump())
    if not norm:
        return []
    k = config.shingle_size
    if config.shingle == "char":
        grams = [norm[i : i + k] for i in range(len(norm) - k + 1)] or [norm]
    else:
        words = norm.split(" ")
        grams = [" ".join(words[i : i + k]) for i in range(len(words) - k + 1)] or [norm]
    encoded = [g.encode("utf-8", "surrogatepass") for g in grams]
    budget = config.shingle_budget
    if budget is None or len(encoded) <= budget:
        return encoded
    keys = [sample_key(g) for g in encoded]
    least = min(keys)
    m = len(encoded)
    return [
        g for g, key in zip(encoded, keys, strict=True) if key * m < budget << 32 or key == least
    ]


def datasketch_minhash(text: str, config: DedupConfig) -> MinHash:
    """datasketch's own MinHash of `text` under `config` (the reference; slow, one at a time)."""
    m = MinHash(
        num_perm=config.num_perm,
        seed=config.seed,
        scheme=config.scheme,
        hashfunc=shingle_hash(config),
    )
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
        self._base_golden = np.full(1, _GOLDEN, dtype=_U64)
        self._grow = threading.Lock()  # `sign` may run in several threads at once

    def sign(
        self, norm: NormalisedTexts, select: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(signatures, shingle counts) of the texts in `norm`, or of those at sorted `select`.

        A text's count is its number of shingles by position, before any sampling; 0 means
        it has none (and keeps the empty signature).
        """
        n = len(norm)
        chosen = np.arange(n) if select is None else np.asarray(select, dtype=np.int64)
        wanted = np.zeros(n, dtype=bool)
        wanted[chosen] = True
        if self.config.shingle == "char" and norm.is_ascii():
            hashes, owner, per_text = self._ascii_char_hashes(norm, wanted)
        else:
            hashes, owner, per_text = self._hashes(norm, wanted)
        if select is not None:
            owner = np.searchsorted(chosen, owner)  # rank in `select` = new text index
        counts = np.bincount(owner, minlength=chosen.size)
        sig = np.full((chosen.size, self.config.num_perm), _EMPTY, dtype=np.uint32)
        _min_permuted(hashes, counts, self.perms, sig)
        return sig, per_text[chosen].astype(np.int64)

    def _hashes(
        self, norm: NormalisedTexts, wanted: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hash, text) of every kept shingle of the `wanted` texts, texts in order, and every
        text's shingle count."""
        starts, ends, owner = shingle_ranges(norm, self.config)
        per_text = np.bincount(owner, minlength=len(norm))  # a text's count sets its sample
        keep = wanted[owner]
        starts, ends, owner = starts[keep], ends[keep], owner[keep]
        raw = None
        budget = self.config.shingle_budget
        if budget is not None or self.config.hash == "fast":
            raw = self._poly(norm.data, starts, ends)
        if budget is not None:
            keys = _sample_keys(raw)
            kept = keys.astype(_U64) < _sample_line(per_text, budget)[owner]
            kept = _keep_least(keys, owner, kept, per_text * wanted)
            starts, ends, owner, raw = starts[kept], ends[kept], owner[kept], raw[kept]
        if self.config.hash == "fast":
            return _finish(raw, ends - starts), owner, per_text
        return _hash_sha1(norm.data, starts, ends), owner, per_text

    def _ascii_char_hashes(
        self, norm: NormalisedTexts, wanted: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`_hashes` for character shingles of ASCII text (one byte per character): the window
        at every byte is hashed with whole-array slices and sampled in place, and only the kept
        ones are gathered (a long text keeps ~budget of its ~length shingles)."""
        k = self.config.shingle_size
        data, offsets = norm.data, norm.offsets
        lengths = np.diff(offsets)
        per_text = np.where(lengths > 0, np.maximum(lengths - k + 1, 1), 0)
        size = data.size
        # golden[p] = raw * golden, raw the polynomial of the shingle starting at byte p: the
        # sample key is its top half; raw itself is recovered for the kept shingles only
        golden = np.zeros(size, dtype=_U64)
        prefix = self._prefix(data)
        base_golden = self._powers(size)[2]
        with np.errstate(over="ignore"):
            if size >= k:
                np.subtract(prefix[k:], prefix[: size + 1 - k], out=golden[: size + 1 - k])
                golden[: size + 1 - k] *= base_golden[: size + 1 - k]
            short = offsets[:-1][(lengths > 0) & (lengths < k)]  # one shingle: the whole text
            ends = offsets[1:][(lengths > 0) & (lengths < k)]
            golden[short] = (prefix[ends] - prefix[short]) * base_golden[short]
        del prefix
        budget = self.config.shingle_budget
        if budget is None:
            line = np.full(len(norm), _MASK64, dtype=_U64)
        else:  # key = golden >> 32 <= lim  <=>  golden <= (lim << 32) | 0xFFFFFFFF
            lim = np.minimum(_sample_line(per_text, budget) - _U64(1), _U64(0xFFFFFFFF))
            line = (lim << _U64(32)) | _U64(0xFFFFFFFF)
        kept = golden <= np.repeat(line, lengths)
        tail = lengths - per_text  # bytes after a text's last shingle start: no shingle there
        tail_text = np.repeat(np.arange(len(norm)), tail)
        step = np.arange(tail_text.size) - np.repeat(np.cumsum(tail) - tail, tail)
        kept[offsets[tail_text] + per_text[tail_text] + step] = False
        nonempty = np.flatnonzero(lengths)
        counts = np.zeros(len(norm), dtype=np.int64)
        counts[nonempty] = np.add.reduceat(kept, offsets[nonempty], dtype=np.int64)
        counts[~wanted] = 0
        if budget is not None:
            lost = np.flatnonzero(wanted & (per_text > 0) & (counts == 0))
            for t in lost.tolist():  # rare: a long text none of whose shingles fell under the line
                keys = golden[offsets[t] : offsets[t] + per_text[t]] >> _U64(32)
                kept[offsets[t] + np.flatnonzero(keys == keys.min())] = True
                counts[t] = int(np.count_nonzero(keys == keys.min()))
        if not wanted.all():
            kept &= np.repeat(wanted, lengths)
        where = np.flatnonzero(kept)
        owner = np.repeat(np.arange(len(norm)), counts)
        width = np.minimum(lengths[owner], k)
        if self.config.hash == "sha1":
            return _hash_sha1(data, where, where + width), owner, per_text
        with np.errstate(over="ignore"):
            raw = golden[where] * _U64(_GOLDEN_INV)
        return _finish(raw, width), owner, per_text

    def _poly(self, data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """The 64-bit polynomial of every byte range (`fast_hash32` before its finish)."""
        prefix = self._prefix(data)
        with np.errstate(over="ignore"):
            h = prefix[ends] - prefix[starts]
            h *= self._powers(data.size)[1][starts]
        return h

    def _hash_fast(self, data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """`fast_hash32` of every byte range, from prefix sums of byte_t * INV**t mod 2**64."""
        return _finish(self._poly(data, starts, ends), ends - starts)

    def _prefix(self, data: np.ndarray) -> np.ndarray:
        """prefix[t] = sum of data[i] * INV**i for i < t, mod 2**64."""
        n = data.size
        inv_pow = self._powers(n)[0]
        prefix = np.zeros(n + 1, dtype=_U64)
        with np.errstate(over="ignore"):
            np.multiply(data, inv_pow[:n], out=prefix[1:])
            np.cumsum(prefix[1:], out=prefix[1:])
        return prefix

    def _powers(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """INV**t, BASE**t and BASE**t * golden mod 2**64 for t <= n, grown with headroom and
        reused across chunks."""
        with self._grow:
            if self._inv_pow.size <= n:
                size = n + 1 + n // 4
                self._base_pow = _powers_of(_BASE, size)
                self._inv_pow = _powers_of(_BASE_INV, size)
                with np.errstate(over="ignore"):
                    self._base_golden = self._base_pow * _U64(_GOLDEN)
            return self._inv_pow, self._base_pow, self._base_golden


def _finish(raw: np.ndarray, width: np.ndarray) -> np.ndarray:
    """`fast_hash32` from a range's polynomial and its length in bytes."""
    with np.errstate(over="ignore"):
        h = raw ^ (width.astype(_U64) * _U64(_LEN_MIX))
        return (_fmix64(h) & _U64(0xFFFFFFFF)).astype(np.uint32)


def _sample_keys(raw: np.ndarray) -> np.ndarray:
    """`sample_key` of every polynomial: the top 32 bits of raw * golden, mod 2**64."""
    with np.errstate(over="ignore"):
        return ((raw * _U64(_GOLDEN)) >> _U64(32)).astype(np.uint32)


def _sample_line(per_text: np.ndarray, budget: int) -> np.ndarray:
    """Per text, the sample key below which a shingle is kept: k * m < budget * 2**32 <=>
    k < line."""
    m = np.maximum(per_text, 1).astype(_U64)
    return (_U64(budget << 32) + m - _U64(1)) // m


def _keep_least(
    keys: np.ndarray, owner: np.ndarray, kept: np.ndarray, per_text: np.ndarray
) -> np.ndarray:
    """`kept`, plus each text's least-key shingles where it kept none (`keys` are sample keys,
    `owner` sorted; texts with `per_text` 0 are left out)."""
    counts = np.bincount(owner[kept], minlength=per_text.size)
    lost = np.flatnonzero((per_text > 0) & (counts == 0))
    if lost.size:  # rare: a long text none of whose shingles fell under the line
        lo = np.searchsorted(owner, lost, side="left")
        hi = np.searchsorted(owner, lost, side="right")
        for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
            kept[a:b] |= keys[a:b] == keys[a:b].min()
    return kept


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
    from validators.dedup.normalise import normalise_many

    sig, _ = Signer(config).sign(normalise_many(texts, config.normalise))
    return sig
