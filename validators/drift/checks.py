"""The checks for each kind of field: labels, text, numbers, and the joint text-label relation.

Each function returns unjudged `DriftCheck`s (raw p-values; Holm and the verdict come later, over
all checks together) and a `FieldProfile` holding what the plots and the summary show.
"""

from __future__ import annotations

import zlib

import numpy as np
import polars as pl

from schemas.errors import ConfigError
from validators.drift.config import DriftConfig
from validators.drift.fields import FieldPlan, TextFeatures, label_values, number_values
from validators.drift.report import Bars, DriftCheck, FieldProfile, Histogram
from validators.drift.stats import (
    count_test,
    ks_from_counts,
    mean_difference_test,
    missing_share,
    ordinal_counts,
    pooled_label_ranks,
    row_permutation_test,
    scaled_wasserstein,
    some_rows,
    total_variation,
    unseen_share,
)

MAX_BARS = 30
MAX_NAMED = 8
SCORE_FLOOR = 1e-3
JOINT_POOL_RATIO = 4
"""The joint check pools at most this many candidate rows per reference row: more would drown
the reference's text-label relation in the pooled model when the candidate's labels are noise
(banking77, 75 reference rows, labels shuffled: found 7/10 at 4x, 2/10 at 2,000 candidate rows)."""


def check_rng(config: DriftConfig, field: str, check: str) -> np.random.Generator:
    """A generator per (seed, field, check): adding a field does not change the other draws."""
    return np.random.default_rng([config.seed, zlib.crc32(f"{field}/{check}".encode())])


def _bars(title: str, names: list[str], a: np.ndarray, b: np.ndarray) -> Bars:
    pa, pb = a / max(a.sum(), 1), b / max(b.sum(), 1)
    order = np.argsort(-np.abs(pa - pb), kind="stable")[:MAX_BARS]
    return Bars(
        title=title,
        categories=[names[i] for i in order],
        reference=[float(pa[i]) for i in order],
        candidate=[float(pb[i]) for i in order],
    )


def _histogram(title: str, ref: np.ndarray, cand: np.ndarray, bins: int = 30) -> Histogram:
    """Shares per bin over shared edges, whole-number bins for whole-number data.

    The range ends at the larger of the two sets' 99.5th percentiles; longer values count in the
    last bin, so one outlier cannot squash the plot.
    """
    low = float(min(ref.min(), cand.min()))
    high = float(max(np.percentile(ref, 99.5), np.percentile(cand, 99.5)))
    if np.all(np.mod(ref, 1) == 0) and np.all(np.mod(cand, 1) == 0):
        step = max(1.0, float(np.ceil((high - low + 1) / bins)))
        edges = np.arange(low - 0.5, high + step, step)
    else:
        edges = np.linspace(low, max(high, low + 1e-9), bins + 1)
    top = float(edges[-1]) - 1e-9
    a = np.histogram(np.clip(ref, edges[0], top), edges)[0] / max(ref.size, 1)
    b = np.histogram(np.clip(cand, edges[0], top), edges)[0] / max(cand.size, 1)
    return Histogram(title=title, edges=edges.tolist(), reference=a.tolist(), candidate=b.tolist())


def _name_some(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMED])
    return shown + (f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else "")


def label_checks(
    plan: FieldPlan, ref: pl.Series, cand: pl.Series, config: DriftConfig
) -> tuple[list[DriftCheck], FieldProfile]:
    """Label distribution (total variation), unseen and missing labels, from one permutation set."""
    r, c = label_values(ref), label_values(cand)
    names = sorted(set(r.unique().to_list()) | set(c.unique().to_list()))
    index = {name: i for i, name in enumerate(names)}

    def counts(series: pl.Series) -> np.ndarray:
        out = np.zeros(len(names), dtype=np.int64)
        for name, n in series.value_counts().iter_rows():
            out[index[name]] = n
        return out

    a, b = counts(r), counts(c)
    rng = check_rng(config, plan.name, "labels")
    (tv, tv0, p_tv), (un, un0, p_un), (mi, mi0, p_mi) = count_test(
        a, b, [total_variation, unseen_share, missing_share], config.n_permutations, rng
    )
    unseen = [n for i, n in enumerate(names) if a[i] == 0]
    missing = [n for i, n in enumerate(names) if b[i] == 0]
    checks = [
        DriftCheck(
            field=plan.name,
            check="label_distribution",
            statistic=tv,
            p_value=p_tv,
            distance=tv - tv0,
            threshold=config.max_label_tv_excess,
            detail=f"total variation {tv:.3f} against {tv0:.3f} expected by chance at these "
            f"sizes; {int((a > 0).sum())} labels in the reference, {int((b > 0).sum())} in the "
            "candidate",
        ),
        DriftCheck(
            field=plan.name,
            check="unseen_labels",
            statistic=un,
            p_value=p_un,
            distance=un - un0,
            threshold=config.max_unseen_label_excess,
            detail=f"{un:.1%} of candidate rows carry {len(unseen)} labels absent from the "
            f"reference ({un0:.1%} expected by chance)",
        ),
        DriftCheck(
            field=plan.name,
            check="missing_labels",
            statistic=mi,
            p_value=p_mi,
            distance=mi - mi0,
            threshold=config.max_missing_label_excess,
            detail=f"{mi:.1%} of reference rows carry {len(missing)} labels absent from the "
            f"candidate ({mi0:.1%} expected by chance)",
        ),
    ]
    notes = []
    if missing:
        notes.append(f"labels missing from the candidate: {_name_some(missing)}")
    if unseen:
        notes.append(f"labels not in the reference: {_name_some(unseen)}")
    profile = FieldProfile(
        field=plan.name,
        kind="label",
        reason=plan.reason,
        n_reference=r.len(),
        n_candidate=c.len(),
        bars=[_bars(f"{plan.name}: share of rows", names, a, b)],
        notes=notes,
    )
    return checks, profile


def _ordinal_check(
    field: str,
    check: str,
    unit: str,
    ref: np.ndarray,
    cand: np.ndarray,
    threshold: float,
    config: DriftConfig,
) -> DriftCheck:
    """KS permutation test for significance; Wasserstein in reference spreads as the distance."""
    a, b = ordinal_counts(ref, cand, config.max_bins)
    [(d, _, p)] = count_test(
        a, b, [ks_from_counts], config.n_permutations, check_rng(config, field, check)
    )
    w, scaled = scaled_wasserstein(ref, cand)
    return DriftCheck(
        field=field,
        check=check,
        statistic=d,
        p_value=p,
        distance=scaled,
        threshold=threshold,
        detail=f"KS D {d:.3f}; mean {ref.mean():.1f} -> {cand.mean():.1f} {unit}, median "
        f"{np.median(ref):g} -> {np.median(cand):g}; Wasserstein {w:.3g} {unit} = {scaled:.2f} "
        "reference spreads",
    )


def text_checks(
    plan: FieldPlan, feats: TextFeatures, config: DriftConfig
) -> tuple[list[DriftCheck], FieldProfile]:
    """Length in characters and in words, and the word distribution (documents shuffled)."""
    n = feats.n_reference
    checks = [
        _ordinal_check(
            plan.name,
            "char_length",
            "chars",
            feats.chars[:n],
            feats.chars[n:],
            config.max_length_shift,
            config,
        ),
        _ordinal_check(
            plan.name,
            "word_count",
            "words",
            feats.words[:n],
            feats.words[n:],
            config.max_length_shift,
            config,
        ),
    ]
    tv, tv0, p = row_permutation_test(
        feats.counts,
        n,
        total_variation,
        config.n_permutations,
        check_rng(config, plan.name, "vocabulary"),
    )
    oov = feats.counts[:, -1]
    other_ref = oov[:n].sum() / max(feats.counts[:n].sum(), 1)
    other_cand = oov[n:].sum() / max(feats.counts[n:].sum(), 1)
    checks.append(
        DriftCheck(
            field=plan.name,
            check="vocabulary",
            statistic=tv,
            p_value=p,
            distance=tv - tv0,
            threshold=config.max_vocabulary_tv_excess,
            detail=f"word distribution total variation {tv:.3f} against {tv0:.3f} expected by "
            f"chance ({len(feats.vocabulary) - 1} commonest words; rarer words are "
            f"{other_ref:.1%} of reference and {other_cand:.1%} of candidate words)",
        )
    )
    word_a = np.asarray(feats.counts[:n].sum(axis=0)).ravel()
    word_b = np.asarray(feats.counts[n:].sum(axis=0)).ravel()
    profile = FieldProfile(
        field=plan.name,
        kind="text",
        reason=plan.reason,
        n_reference=n,
        n_candidate=feats.chars.size - n,
        histograms=[
            _histogram(f"{plan.name}: length in characters", feats.chars[:n], feats.chars[n:]),
            _histogram(f"{plan.name}: length in words", feats.words[:n], feats.words[n:]),
        ],
        bars=[_bars(f"{plan.name}: share of words", feats.vocabulary, word_a, word_b)],
    )
    return checks, profile


def number_checks(
    plan: FieldPlan, ref: pl.Series, cand: pl.Series, config: DriftConfig
) -> tuple[list[DriftCheck], FieldProfile]:
    """KS permutation test and scaled Wasserstein distance on a numeric field."""
    r, c = number_values(ref), number_values(cand)
    if r.size == 0 or c.size == 0:
        which = "reference" if r.size == 0 else "candidate"
        raise ConfigError(f"field '{plan.name}' has no finite numbers in the {which}")
    check = _ordinal_check(plan.name, "distribution", "", r, c, config.max_number_shift, config)
    profile = FieldProfile(
        field=plan.name,
        kind="number",
        reason=plan.reason,
        n_reference=r.size,
        n_candidate=c.size,
        histograms=[_histogram(plan.name, r, c)],
    )
    return [check], profile


def _score_ratio(cand: float, ref: float) -> float:
    """Candidate / reference score above chance, each floored at 0.001 (finite, 1 = the same)."""
    return max(cand, SCORE_FLOOR) / max(ref, SCORE_FLOOR)


def joint_check(
    label: str, text: str, y: pl.Series, feats: TextFeatures, config: DriftConfig
) -> DriftCheck:
    """Whether text predicts label in the candidate as it does in the reference.

    `y` holds the labels of the reference rows then the candidate rows, aligned with `feats`. Up
    to `max_joint_rows` reference rows and up to `JOINT_POOL_RATIO` candidate rows per pooled
    reference row (seeded samples; 200 vs 100,000 rows pools 200 + 800) are pooled, and one naive
    Bayes fitted on the pool scores every pooled row with that row left out: how far above chance
    its true label ranks (2 * rank - 1: 0 is chance, 1 is perfect). 30% of rows with unrelated
    labels cut the candidate's mean score by about 30%. The model treats both sets alike, so
    under "no drift" the scores do not depend on which set a row came from: the p-value is an
    exact permutation test, reassigning rows to the two sets and recomputing the gap between the
    mean scores (two-sided). The ratio (candidate / reference) must stay within [min_accuracy_ratio,
    1 / min_accuracy_ratio]. Too low: the candidate's texts and labels no longer go together as
    the reference's do; too high: the candidate is more stereotyped than the reference, or its
    labels mean something else (the pooled model then learns the candidate's meaning).
    """
    n = feats.n_reference
    codes = y.cast(pl.String).cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
    name = f"{text}->{label}"
    rng = check_rng(config, name, "label_from_text")
    ref_rows = some_rows(n, config.max_joint_rows, rng)
    cand_limit = min(config.max_joint_rows, JOINT_POOL_RATIO * ref_rows.size)
    cand_rows = n + some_rows(codes.size - n, cand_limit, rng)
    picked = np.concatenate([ref_rows, cand_rows])
    rows, rank, hit = pooled_label_ranks(feats.counts[picked], codes[picked])
    in_ref = rows < ref_rows.size
    score = 2 * rank - 1
    threshold = 1.0 - config.min_accuracy_ratio
    n_ref, n_cand = int(in_ref.sum()), int((~in_ref).sum())
    if n_ref < 2 or n_cand < 2:
        return DriftCheck(
            field=name,
            check="label_from_text",
            statistic=1.0,
            p_value=1.0,
            distance=0.0,
            threshold=threshold,
            detail=f"too few rows share a label with another row to judge ({n_ref} reference, "
            f"{n_cand} candidate)",
        )
    ref_score, cand_score = float(score[in_ref].mean()), float(score[~in_ref].mean())
    ratio = _score_ratio(cand_score, ref_score)
    sampled = (
        f"; a seeded sample of {ref_rows.size} reference and {cand_rows.size} candidate rows"
        if ref_rows.size < n or cand_rows.size < codes.size - n
        else ""
    )
    return DriftCheck(
        field=name,
        check="label_from_text",
        statistic=ratio,
        p_value=mean_difference_test(score, in_ref, config.n_permutations, rng),
        distance=1.0 - min(ratio, 1.0 / ratio),
        threshold=threshold,
        detail=f"naive Bayes fitted on both sets, each row left out, ranks the true label "
        f"{cand_score:.3f} above chance on {n_cand} candidate rows and {ref_score:.3f} on "
        f"{n_ref} reference rows (ratio {ratio:.2f}; {config.min_accuracy_ratio:.2f} to "
        f"{1 / config.min_accuracy_ratio:.2f} passes); top-1 accuracy {hit[~in_ref].mean():.1%} "
        f"against {hit[in_ref].mean():.1%}{sampled}",
    )
