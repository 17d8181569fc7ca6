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

_U64 = np.uint64
_CHUNK = 1 << 15


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
    codes = np.unique(np.concatenate(found))
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
    query: np.ndarray, base: np.ndarray, sim: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each query with a pair at or above `threshold`: (query, its most similar base, sim).

    Ties go to the lowest base index (the earliest record).
    """
    ok = sim >= threshold
    query, base, sim = query[ok], base[ok], sim[ok]
    order = np.lexsort((base, -sim, query))
    query, base, sim = query[order], base[order], sim[order]
    first = np.ones(query.size, dtype=bool)
    first[1:] = query[1:] != query[:-1]
    return query[first], base[first], sim[first]


def first_kept(
    n: int, earlier: np.ndarray, later: np.ndarray, sim: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Keep-the-first greedy over confirmed pairs: (duplicate_of or -1, similarity) per record.

    A record is dropped when an earlier record that was itself kept is at least `threshold`
    similar; it points at the earliest such record.
    """
    ok = sim >= threshold
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
