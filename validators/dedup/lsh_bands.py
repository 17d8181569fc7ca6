"""MinHash LSH banding with numpy sorts: candidate pairs, then confirmation by estimated Jaccard.

This is datasketch's `MinHashLSH` scheme (the signature cut into `bands` of `rows` values; two
records are candidates when one band is equal) with the same (bands, rows), but a band is
reduced to a 64-bit key and buckets are runs of a sorted array, so 100k records take a few
sorts instead of a million dict operations. A key collision only adds a candidate, and every
candidate is confirmed by its estimated Jaccard (the share of equal signature values, exactly
`MinHash.jaccard`), so the keys need not be exact.
"""

from __future__ import annotations

import numpy as np

from validators.dedup.config import DedupConfig

_U64 = np.uint64
_CHUNK = 1 << 15
Pairs = tuple[np.ndarray, np.ndarray]


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(records, bands) uint64 keys: band i of a record hashed from its `rows` values."""
    n = sig.shape[0]
    drawn = np.random.RandomState(0x5EED).randint(0, 1 << 62, size=rows).astype(_U64)
    mult = (drawn << _U64(1)) | _U64(1)  # odd multipliers: one changed value always changes the key
    keys = np.empty((n, bands), dtype=_U64)
    with np.errstate(over="ignore"):
        for lo in range(0, n, _CHUNK):
            part = sig[lo : lo + _CHUNK, : bands * rows].astype(_U64).reshape(-1, bands, rows)
            part *= mult
            mixed = part.sum(axis=2, dtype=_U64)
            mixed ^= mixed >> _U64(31)
            mixed *= _U64(0xBF58476D1CE4E5B9)
            mixed ^= mixed >> _U64(29)
            keys[lo : lo + _CHUNK] = mixed
    return keys


def self_pairs(keys: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (i, j), i < j, sharing a band (crowded bucket: j meets the first `cap`)."""
    n = keys.shape[0]
    found: list[np.ndarray] = []
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        ordered = keys[order, band]
        new_run = np.ones(n, dtype=bool)
        new_run[1:] = ordered[1:] != ordered[:-1]
        run_start = np.flatnonzero(new_run)
        run_size = np.diff(np.append(run_start, n))
        run_of = np.cumsum(new_run) - 1
        member = np.flatnonzero(run_size[run_of] > 1)
        if member.size == 0:
            continue
        start = run_start[run_of[member]]
        count = np.minimum(member - start, cap)
        member_rep = np.repeat(member, count)
        step = np.arange(member_rep.size) - np.repeat(np.cumsum(count) - count, count)
        partner = np.repeat(start, count) + step
        found.append(order[partner].astype(np.int64) * n + order[member_rep])
    return _split_codes(found, n)


def cross_pairs(
    query_keys: np.ndarray, base_keys: np.ndarray, cap: int
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (query, base) sharing a band; a query meets at most `cap` per bucket."""
    nq, nb = query_keys.shape[0], base_keys.shape[0]
    found: list[np.ndarray] = []
    if nq == 0 or nb == 0:
        return _split_codes(found, nb)
    for band in range(query_keys.shape[1]):
        order = np.argsort(base_keys[:, band], kind="stable")
        ordered = base_keys[order, band]
        left = np.searchsorted(ordered, query_keys[:, band], side="left")
        right = np.searchsorted(ordered, query_keys[:, band], side="right")
        count = np.minimum(right - left, cap)
        hit = np.flatnonzero(count)
        if hit.size == 0:
            continue
        count = count[hit]
        query = np.repeat(hit, count)
        step = np.arange(query.size) - np.repeat(np.cumsum(count) - count, count)
        base = order[np.repeat(left[hit], count) + step]
        found.append(query.astype(np.int64) * nb + base)
    return _split_codes(found, nb)


def _split_codes(found: list[np.ndarray], width: int) -> tuple[np.ndarray, np.ndarray]:
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    codes = np.concatenate(found)
    codes.sort()  # sorted unique codes; a plain sort beats np.unique's hash table here
    first = np.ones(codes.size, dtype=bool)
    first[1:] = codes[1:] != codes[:-1]
    codes = codes[first]
    return codes // max(width, 1), codes % max(width, 1)


def similarity(sig_a: np.ndarray, ia: np.ndarray, sig_b: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """Estimated Jaccard of pairs (sig_a[ia[k]], sig_b[ib[k]]): `MinHash.jaccard`, vectorised."""
    out = np.empty(ia.size, dtype=np.float64)
    for lo in range(0, ia.size, _CHUNK):
        a = sig_a[ia[lo : lo + _CHUNK]]
        b = sig_b[ib[lo : lo + _CHUNK]]
        out[lo : lo + _CHUNK] = np.count_nonzero(a == b, axis=1) / sig_a.shape[1]
    return out


def best_match(
    query: np.ndarray, base: np.ndarray, sim: np.ndarray, ok: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each query with a near pair (`ok`, see `near`): (query, its most similar base, sim).

    Ties go to the lowest base index (the earliest record).
    """
    query, base, sim = query[ok], base[ok], sim[ok]
    order = np.lexsort((base, -sim, query))
    query, base, sim = query[order], base[order], sim[order]
    first = np.ones(query.size, dtype=bool)
    first[1:] = query[1:] != query[:-1]
    return query[first], base[first], sim[first]


def first_kept(
    n: int, earlier: np.ndarray, later: np.ndarray, sim: np.ndarray, ok: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Keep-the-first greedy over confirmed pairs: (duplicate_of or -1, similarity) per record.

    A record is dropped when it is near (`ok`) an earlier record that was itself kept; it
    points at the earliest such record.
    """
    earlier, later, sim = earlier[ok], later[ok], sim[ok]
    order = np.lexsort((earlier, later))
    dup_of = np.full(n, -1, dtype=np.int64)
    dup_sim = np.zeros(n, dtype=np.float64)
    pairs = zip(earlier[order].tolist(), later[order].tolist(), sim[order].tolist(), strict=True)
    for i, j, s in pairs:
        if dup_of[j] < 0 and dup_of[i] < 0:
            dup_of[j] = i
            dup_sim[j] = s
    return dup_of, dup_sim


def near(sim: np.ndarray, sizes: np.ndarray, config: DedupConfig) -> np.ndarray:
    """Which pairs are near copies: estimated Jaccard >= `threshold`, or (the edit rule) at most
    `edit_limit()` differing shingles with estimated Jaccard >= `edit_min_jaccard`.

    `sizes` are the pairs' shingle counts added up, |A| + |B|; the differing shingles are
    |A u B| - |A n B| = (|A| + |B|)(1 - J) / (1 + J), compared in integers (J = same / perms).
    """
    ok = sim >= config.threshold
    limit = config.edit_limit()
    if limit and config.edit_pool() > 0 and sim.size:
        perms = config.num_perm
        same = np.rint(sim * perms).astype(np.int64)
        small = np.asarray(sizes, dtype=np.float64) * (perms - same) <= limit * (perms + same)
        ok |= small & (sim >= config.edit_min_jaccard)
    return ok


def estimate_sizes(signatures: np.ndarray) -> np.ndarray:
    """Distinct shingles behind each signature, estimated from its minima (m ~ perms / sum(u) - 1
    with u = min / 2**32, uniform order statistics), for records whose count was not kept (a
    published index); about +-9% at 128 permutations, 0 for an empty signature."""
    if signatures.shape[0] == 0:
        return np.zeros(0, dtype=np.float64)
    u = (signatures.astype(np.float64) + 0.5) / 2.0**32
    return np.maximum(signatures.shape[1] / u.sum(axis=1) - 1.0, 0.0)


def union(first: Pairs, second: Pairs, width: int) -> Pairs:
    """Both sets of pairs (a, b), each once, sorted by (a, b)."""
    codes = np.concatenate([first[0] * width + first[1], second[0] * width + second[1]])
    return _split_codes([codes], width)


class LowBand:
    """A second, lower banding for some records: `rows` (indices into the signatures) are also
    candidates of each other down to a lower Jaccard, banded as `params` (bands, rows)."""

    def __init__(self, rows: np.ndarray, params: tuple[int, int]) -> None:
        self.rows = rows
        self.params = params

    @classmethod
    def none(cls) -> LowBand:
        return cls(np.zeros(0, dtype=np.int64), (1, 1))

    def keys(self, sig: np.ndarray) -> np.ndarray:
        return band_keys(sig[self.rows], *self.params)


def edit_band(sizes: np.ndarray, config: DedupConfig) -> LowBand:
    """The records small enough for the shingle (edit) rule, banded at `edit_min_jaccard`."""
    pool = config.edit_pool()
    if not pool:
        return LowBand.none()
    return LowBand(np.flatnonzero(sizes < pool), config.edit_lsh_params())


def short_band(word_counts: np.ndarray, config: DedupConfig) -> LowBand:
    """The records short enough for the word check, banded at `short_min_jaccard`."""
    if not config.short_words:
        return LowBand.none()
    return LowBand(np.flatnonzero(word_counts <= config.short_words), config.short_lsh_params())


def pairs_within(sig: np.ndarray, keys: np.ndarray, low: LowBand, config: DedupConfig) -> Pairs:
    """Candidate pairs (i, j), i < j, among records: sharing a band of `keys` (banded for
    `threshold`), or both in `low` and sharing one of its lower bands."""
    i, j = self_pairs(keys, config.max_bucket_pairs)
    if low.rows.size > 1:
        a, b = self_pairs(low.keys(sig), config.max_bucket_pairs)
        i, j = union((i, j), (low.rows[a], low.rows[b]), sig.shape[0])
    return i, j


def pairs_across(
    query_sig: np.ndarray,
    query_keys: np.ndarray,
    query_low: LowBand,
    base_keys: np.ndarray,
    base_low: LowBand,
    base_low_keys: np.ndarray,
    config: DedupConfig,
) -> Pairs:
    """Candidate pairs (query, base): sharing a band (keys banded for `threshold`), or a query
    in `query_low` and a base in `base_low` (whose lower band keys are `base_low_keys`) sharing
    one of the lower bands."""
    q, b = cross_pairs(query_keys, base_keys, config.max_bucket_pairs)
    if query_low.rows.size and base_low.rows.size:
        a, c = cross_pairs(query_low.keys(query_sig), base_low_keys, config.max_bucket_pairs)
        q, b = union((q, b), (query_low.rows[a], base_low.rows[c]), base_keys.shape[0])
    return q, b
