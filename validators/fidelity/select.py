"""Selection toward the trusted sample: importance resampling on hashed n-grams and length (DSIR).

Xie et al. (2023), "Data Selection for Language Models via Importance Resampling": fit a bag of
hashed n-grams to the target texts (p) and to the candidates (q), weight each candidate by
p(x)/q(x), and resample without replacement in proportion to the weights (Gumbel top-k). Here the
target is the trusted fit rows, the features are word 1- and 2-grams in `buckets` hash buckets,
plus a term for the word count (the teacher writes longer than people do), and the resampling is
done per label, with each label keeping its share of the candidates, so the label mix holds.
DSIR sums log-ratios over a text's n-grams, which favours short texts whenever the typical
n-gram is less likely under p than under q, and counts n-grams that come together many times;
here the n-gram term is the mean log-ratio per n-gram (times `ngram_scale`), and length is set
by its own term: fixed-width bins of log word count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from validators.fidelity.config import SelectionConfig


def _counts(texts: Sequence[str], buckets: int) -> object:
    from sklearn.feature_extraction.text import HashingVectorizer

    vec = HashingVectorizer(n_features=buckets, ngram_range=(1, 2), alternate_sign=False, norm=None)
    return vec.transform(list(texts))


def log_importance(
    target: Sequence[str], candidates: Sequence[str], config: SelectionConfig
) -> np.ndarray:
    """log p(x) / q(x) of each candidate: n-gram term plus length term (both add-one smoothed)."""
    t, c = _counts(target, config.buckets), _counts(candidates, config.buckets)
    p = np.asarray(t.sum(axis=0)).ravel() + 1.0
    q = np.asarray(c.sum(axis=0)).ravel() + 1.0
    ratio = np.log(p / p.sum()) - np.log(q / q.sum())
    # the mean log-ratio per n-gram: a plain sum grows with the number of n-grams (favouring
    # short texts) and overcounts n-grams that come together; length has its own term below
    per_text = np.asarray(c.sum(axis=1)).ravel()
    weights = np.asarray(c @ ratio).ravel() / np.maximum(per_text, 1.0) * config.ngram_scale
    t_len = np.log1p([len(s.split()) for s in target])
    c_len = np.log1p([len(s.split()) for s in candidates])
    # fixed-width bins of log word count (x1.22 apart), add-half smoothing
    low = min(t_len.min(), c_len.min())
    width = 0.2
    n_bins = int((max(t_len.max(), c_len.max()) - low) / width) + 1
    t_bin = np.bincount(((t_len - low) / width).astype(int), minlength=n_bins) + 0.5
    c_bin_of = ((c_len - low) / width).astype(int)
    c_bin = np.bincount(c_bin_of, minlength=n_bins) + 0.5
    p_len = t_bin / t_bin.sum()
    q_len = c_bin / c_bin.sum()
    return weights + np.log(p_len / q_len)[c_bin_of]


def quotas(labels: Sequence[str], n: int) -> dict[str, int]:
    """How many to keep per label: each label's share of the candidates, `n` in all (largest
    remainder), never more than a label has."""
    values, counts = np.unique(np.asarray(labels, dtype=object).astype(str), return_counts=True)
    n = min(n, int(counts.sum()))
    exact = counts / counts.sum() * n
    base = np.floor(exact).astype(int)
    for k in np.argsort(-(exact - base), kind="stable")[: n - int(base.sum())]:
        base[k] += 1
    return {str(v): int(b) for v, b in zip(values, base, strict=True)}


def select(
    log_w: np.ndarray,
    labels: Sequence[str] | None,
    n: int,
    seed: int,
    ids: Sequence[str] | None = None,
) -> np.ndarray:
    """Boolean mask of the kept candidates: per label, `quotas` many drawn without replacement
    with probability proportional to their weights (Gumbel top-k, seeded). With `ids`, each
    candidate's Gumbel draw comes from its own id and the seed (`record_gumbel`), so a
    candidate's chance does not depend on where it stands: a validator that drops a few
    candidates upstream changes a few picks, not the whole draw. Ids that repeat fall back to
    the positional draw."""
    if ids is None or len(set(ids)) < len(ids):  # ids that repeat would share a draw
        noise = np.random.default_rng(seed).gumbel(size=log_w.size)
    else:
        noise = record_gumbel(ids, seed)
    keys = log_w + noise
    keep = np.zeros(log_w.size, dtype=bool)
    groups = np.asarray(labels, dtype=object).astype(str) if labels is not None else None
    if groups is None:
        keep[np.argsort(-keys, kind="stable")[: min(n, log_w.size)]] = True
        return keep
    for label, k in quotas(list(groups), n).items():
        rows = np.flatnonzero(groups == label)
        keep[rows[np.argsort(-keys[rows], kind="stable")[:k]]] = True
    return keep


def record_gumbel(ids: Sequence[str], seed: int) -> np.ndarray:
    """A standard Gumbel draw per id, from a hash of the seed and the id (blake2b, 64 bits)."""
    raw = [
        int.from_bytes(hashlib.blake2b(f"{seed}:{i}".encode(), digest_size=8).digest(), "big")
        for i in ids
    ]
    u = ((np.asarray(raw, dtype=np.uint64) >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0**53
    return -np.log(-np.log(u))
