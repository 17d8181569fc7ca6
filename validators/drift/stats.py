"""The statistics behind the drift gate: permutation tests on counts, distances, Holm, naive Bayes.

Everything is vectorised numpy and driven by an explicit `numpy.random.Generator`, so a report is
the same on every run with the same seed. Permutation tests shuffle which rows belong to which set
and recompute the statistic; they stay exact when most cells hold fewer than 3 counts (200 rows over
77 labels), where a chi-square approximation is invalid.

Shuffling rows is done without materialising a permutation of all rows: the smaller set is a random
subset of the pooled rows, and the other set is the rest. For statistics of per-category counts the
subset's counts follow a multivariate hypergeometric law, which numpy draws directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse, stats

CountStatistic = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""Maps count arrays `a`, `b` of shape (..., K) to one statistic per leading index."""

_TIE = 1e-12


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values: reject check i at family-wise `alpha` iff adj_i < alpha."""
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return []
    order = np.argsort(p, kind="stable")
    m = p.size
    scaled = (m - np.arange(m)) * p[order]
    adjusted = np.minimum(np.maximum.accumulate(scaled), 1.0)
    out = np.empty(m)
    out[order] = adjusted
    return [float(x) for x in out]


def permutation_p_value(observed: float, null: np.ndarray) -> float:
    """One-sided p-value (large statistic = drift), counting the observed split as one draw."""
    exceed = int(np.count_nonzero(null >= observed - _TIE))
    return (1 + exceed) / (null.size + 1)


def permute_counts(
    a: np.ndarray, b: np.ndarray, n_permutations: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Counts per category for both sets under `n_permutations` random reassignments of rows.

    `a` and `b` are per-category counts (length K). Returns two (n_permutations, K) arrays.
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    pooled = a + b
    n_a, n_b = int(a.sum()), int(b.sum())
    small = min(n_a, n_b)
    method = "count" if pooled.sum() <= 5_000_000 else "marginals"
    drawn = rng.multivariate_hypergeometric(pooled, small, size=n_permutations, method=method)
    rest = pooled[None, :] - drawn
    return (drawn, rest) if n_a <= n_b else (rest, drawn)


def total_variation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Half the L1 distance between the count arrays as proportions: the share of mass to move."""
    pa = a / np.maximum(a.sum(axis=-1, keepdims=True), 1)
    pb = b / np.maximum(b.sum(axis=-1, keepdims=True), 1)
    return 0.5 * np.abs(pa - pb).sum(axis=-1)


def unseen_share(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Share of `b` (candidate) rows whose category never occurs in `a` (reference)."""
    return (b * (a == 0)).sum(axis=-1) / np.maximum(b.sum(axis=-1), 1)


def missing_share(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Share of `a` (reference) rows whose category never occurs in `b` (candidate)."""
    return unseen_share(b, a)


def ks_from_counts(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Kolmogorov-Smirnov D from counts over ordered values (ties handled exactly)."""
    ca = np.cumsum(a, axis=-1) / np.maximum(a.sum(axis=-1, keepdims=True), 1)
    cb = np.cumsum(b, axis=-1) / np.maximum(b.sum(axis=-1, keepdims=True), 1)
    return np.abs(ca - cb).max(axis=-1)


def count_test(
    a: np.ndarray,
    b: np.ndarray,
    statistics: Sequence[CountStatistic],
    n_permutations: int,
    rng: np.random.Generator,
) -> list[tuple[float, float, float]]:
    """(observed, permutation mean, p-value) for each statistic, from one set of permutations."""
    pa, pb = permute_counts(a, b, n_permutations, rng)
    out = []
    for fn in statistics:
        observed = float(fn(np.asarray(a), np.asarray(b)))
        null = fn(pa, pb)
        out.append((observed, float(null.mean()), permutation_p_value(observed, null)))
    return out


def ordinal_counts(
    ref: np.ndarray, cand: np.ndarray, max_bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """Counts of both samples over the pooled distinct values, or over pooled quantile bins.

    Integer-like data (text lengths) keep every distinct value, so the KS test is exact with ties;
    continuous data with more than `max_bins` distinct values fall into pooled quantile bins.
    """
    pooled = np.concatenate([ref, cand])
    grid = np.unique(pooled)
    if grid.size > max_bins:
        grid = np.unique(np.quantile(pooled, np.linspace(0, 1, max_bins + 1)[1:]))
    idx_ref = np.minimum(np.searchsorted(grid, ref, side="left"), grid.size - 1)
    idx_cand = np.minimum(np.searchsorted(grid, cand, side="left"), grid.size - 1)
    return (
        np.bincount(idx_ref, minlength=grid.size),
        np.bincount(idx_cand, minlength=grid.size),
    )


def _spread(values: np.ndarray) -> float:
    q75, q25 = np.percentile(values, [75, 25])
    return max(float(np.std(values)), float(q75 - q25) / 1.349)


def scaled_wasserstein(ref: np.ndarray, cand: np.ndarray) -> tuple[float, float]:
    """Wasserstein-1 distance in the data's units, and divided by the reference's spread.

    The spread is the reference standard deviation (its IQR/1.349 if larger, so a few outliers
    cannot shrink it), or the pooled one when the reference is constant; a scaled value of 0.25
    means the mass moved a quarter of a spread on average.
    """
    dist = float(stats.wasserstein_distance(ref, cand))
    spread = _spread(ref) or _spread(np.concatenate([ref, cand]))
    return dist, dist / spread if spread > 0 else 0.0


def _random_subsets(n: int, k: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` random subsets of size k from range(n), as a (count, k) index array."""
    if k >= n:
        return np.tile(np.arange(n), (count, 1))
    if n <= 20_000:
        return np.argpartition(rng.random((count, n)), k - 1, axis=1)[:, :k]
    return np.stack([rng.choice(n, size=k, replace=False) for _ in range(count)])


def row_permutation_test(
    rows: sparse.csr_matrix,
    n_a: int,
    statistic: CountStatistic,
    n_permutations: int,
    rng: np.random.Generator,
    block: int = 500,
) -> tuple[float, float, float]:
    """Permutation test on summed row vectors: the first `n_a` rows are set a, the rest set b.

    Used for word counts, where a row (a document) and not a word is the unit that is shuffled:
    words in one text are not independent draws.
    """
    n = rows.shape[0]
    total = np.asarray(rows.sum(axis=0)).ravel()
    a_obs = np.asarray(rows[:n_a].sum(axis=0)).ravel()
    observed = float(statistic(a_obs, total - a_obs))
    k = min(n_a, n - n_a)
    nulls = []
    for start in range(0, n_permutations, block):
        count = min(block, n_permutations - start)
        picks = _random_subsets(n, k, count, rng).ravel()
        # gather the picked rows, then add each run of k: faster than one selector product
        runs = sparse.csr_matrix(
            (np.ones(picks.size), np.arange(picks.size), np.arange(0, picks.size + 1, k)),
            shape=(count, picks.size),
        )
        drawn = (runs @ rows[picks]).toarray()
        rest = total[None, :] - drawn
        nulls.append(statistic(drawn, rest) if k == n_a else statistic(rest, drawn))
    null = np.concatenate(nulls)
    return observed, float(null.mean()), permutation_p_value(observed, null)


def _true_label_rank(scores: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per row: the share of other labels scored below the true one (ties count half); 1 is best."""
    rows = np.arange(truth.size)
    own = scores[rows, truth][:, None]
    below = (scores < own).sum(axis=1)
    ties = (scores == own).sum(axis=1) - 1
    return (below + 0.5 * ties) / max(scores.shape[1] - 1, 1)


def some_rows(n: int, limit: int, rng: np.random.Generator) -> np.ndarray:
    """All of range(n) when n <= limit, else a seeded sample of `limit` of them, in order."""
    return np.arange(n) if n <= limit else np.sort(rng.choice(n, size=limit, replace=False))


def _naive_bayes_fit(
    x_fit: sparse.csr_matrix, y_fit: np.ndarray, smoothing: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """(classes, class index per row, word counts per class, tokens per class, log theta, vocab)."""
    seen = np.asarray(x_fit.sum(axis=0)).ravel() > 0
    classes, y_idx = np.unique(y_fit, return_inverse=True)
    n_classes, vocab = classes.size, int(seen.sum())
    onehot = sparse.csr_matrix(
        (np.ones(y_idx.size), (y_idx, np.arange(y_idx.size))), shape=(n_classes, y_idx.size)
    )
    word_counts = np.asarray((onehot @ x_fit).todense())
    class_tokens = word_counts.sum(axis=1)
    log_norm = np.log(class_tokens + smoothing * vocab)
    log_theta = np.where(seen, np.log(word_counts + smoothing) - log_norm[:, None], 0.0)
    return classes, y_idx, word_counts, class_tokens, log_theta, vocab


def _leave_one_out_scores(
    x_fit: sparse.csr_matrix,
    rows: np.ndarray,
    truth: np.ndarray,
    word_counts: np.ndarray,
    class_tokens: np.ndarray,
    log_theta: np.ndarray,
    vocab: int,
    smoothing: float,
) -> np.ndarray:
    """Class scores of fitted `rows`, each row's own words taken out of its true class."""
    xs = x_fit[rows].tocoo()
    scores = np.asarray(xs.tocsr() @ log_theta.T)
    lengths = np.bincount(xs.row, weights=xs.data, minlength=rows.size)
    left = word_counts[truth[xs.row], xs.col] - xs.data
    loo = np.bincount(xs.row, weights=xs.data * np.log(left + smoothing), minlength=rows.size)
    scores[np.arange(rows.size), truth] = loo - lengths * np.log(
        class_tokens[truth] - lengths + smoothing * vocab
    )
    return scores


def naive_bayes_ranks(
    x_fit: sparse.csr_matrix,
    y_fit: np.ndarray,
    x_other: sparse.csr_matrix,
    y_other: np.ndarray,
    rng: np.random.Generator,
    max_rows: int = 5000,
    smoothing: float = 0.1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """How well a multinomial naive Bayes fitted on one set ranks each row's true label.

    Returns (rank, correct) for rows of the fitted set, each left out of the model in turn, then
    for rows of the other set. `rank` is the share of other labels scored below the true one
    (0.5 = chance, 1 = perfect); `correct` says whether the true label scored highest. Labels are
    integer codes. The class prior is uniform (the label distribution is tested on its own), and
    words absent from the fitted set are ignored. Rows that cannot be judged are left out: other
    rows whose label the fitted set lacks, and fitted rows that are alone with their label. At most
    `max_rows` rows of each set are scored (a seeded sample); the model uses every fitted row.
    The joint check uses `pooled_label_ranks`; this fit-then-score form is what the tests check
    its leave-one-out shortcut against (refitting without the row gives the same rank).
    """
    classes, y_idx, word_counts, class_tokens, log_theta, vocab = _naive_bayes_fit(
        x_fit, y_fit, smoothing
    )
    class_docs = np.bincount(y_idx, minlength=classes.size)
    rows = some_rows(y_idx.size, max_rows, rng)
    rows = rows[class_docs[y_idx[rows]] > 1]
    truth = y_idx[rows]
    scores = _leave_one_out_scores(
        x_fit, rows, truth, word_counts, class_tokens, log_theta, vocab, smoothing
    )
    known = np.flatnonzero(np.isin(y_other, classes))
    known = known[some_rows(known.size, max_rows, rng)]
    other_truth = np.searchsorted(classes, y_other[known])
    other_scores = np.asarray(x_other[known] @ log_theta.T)
    return (
        _true_label_rank(scores, truth),
        scores.argmax(axis=1) == truth,
        _true_label_rank(other_scores, other_truth),
        other_scores.argmax(axis=1) == other_truth,
    )


def pooled_label_ranks(
    x: sparse.csr_matrix, y: np.ndarray, smoothing: float = 0.1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leave-one-out ranks of the true label under one naive Bayes fitted on all rows of `x`.

    Returns (rows, rank, correct) for every row whose label occurs at least twice (a row alone
    with its label has nothing left to learn from). The model treats every row alike, so a row's
    rank depends only on the row and on the whole pool, not on which set the row came from:
    shuffling set membership over these ranks is an exact permutation test.
    """
    classes, y_idx, word_counts, class_tokens, log_theta, vocab = _naive_bayes_fit(x, y, smoothing)
    class_docs = np.bincount(y_idx, minlength=classes.size)
    rows = np.flatnonzero(class_docs[y_idx] > 1)
    truth = y_idx[rows]
    scores = _leave_one_out_scores(
        x, rows, truth, word_counts, class_tokens, log_theta, vocab, smoothing
    )
    return rows, _true_label_rank(scores, truth), scores.argmax(axis=1) == truth


def mean_difference_test(
    values: np.ndarray, in_a: np.ndarray, n_permutations: int, rng: np.random.Generator
) -> float:
    """Two-sided permutation p-value that rows in set a (`in_a`) and the other rows share a mean.

    Each draw reassigns which rows form set a (same sizes) and recomputes the gap between the two
    means; the observed split counts as one draw. Rows with equal values are interchangeable, so
    a draw is the multivariate hypergeometric count of each distinct value in set a
    (`permute_counts`): cheap when values repeat (label ranks take at most 2 * labels - 1 values).
    """
    distinct, index = np.unique(np.asarray(values, dtype=float), return_inverse=True)
    in_a = np.asarray(in_a, dtype=bool)
    a = np.bincount(index[in_a], minlength=distinct.size)
    b = np.bincount(index[~in_a], minlength=distinct.size)
    if a.sum() == 0 or b.sum() == 0:
        return 1.0

    def gap(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.abs(x @ distinct / x.sum(axis=-1) - y @ distinct / y.sum(axis=-1))

    pa, pb = permute_counts(a, b, n_permutations, rng)
    return permutation_p_value(float(gap(a, b)), gap(pa, pb))
