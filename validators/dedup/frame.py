"""Exact and near dedup of a frame, a leak check against trusted data, and an earlier-runs check.

Order of the checks, for every distinct normalised text (first occurrence in row order):
1. leak_of_trusted: a near copy (estimated Jaccard >= threshold, or for short texts at most
   `edit_limit()` shingles apart; see `validators.dedup.config`) of a reference record;
2. published_before: a near copy of a record an earlier run published (`PublishedIndex`);
3. near_duplicate: a near copy of an earlier record of this run that was kept.
A later row with the same normalised text as an earlier one is an exact_duplicate of it (by
hash), or shares its first occurrence's leak/published verdict. The first occurrence is kept;
every rejected row records `duplicate_of`. Texts that normalise to nothing only take part in
the exact check. Nothing is published here: after the output is written, call
`index.add(result.kept_keys, result.kept_signatures, result.kept_texts)`.
"""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from schemas.errors import ConfigError
from schemas.rejection import Rejection, RejectReason, Stage
from validators.dedup.config import DedupConfig
from validators.dedup.confirm import TextWords, confirm, word_counts
from validators.dedup.frames import Frames
from validators.dedup.index import PublishedIndex
from validators.dedup.lsh_bands import (
    LowBand,
    band_keys,
    best_match,
    edit_band,
    first_kept,
    pairs_across,
    pairs_within,
    short_band,
    similarity,
    union,
)
from validators.dedup.minhash import Signer
from validators.dedup.sketch import Sketches, sketch
from validators.dedup.variants import (
    best_similarity,
    pairs_across_variants,
    pairs_within_variants,
    sign_variants,
)

_KEEP, _EXACT, _NEAR, _PUBLISHED, _LEAK = range(5)
_DUPLICATES = ("exact_duplicate", "near_duplicate", "published_before")
_REJECT_SCHEMA = {
    "id": pl.String,
    "row": pl.Int64,
    "reason": pl.String,
    "duplicate_of": pl.String,
    "similarity": pl.Float64,
}
_REASONS = {
    _EXACT: (RejectReason.EXACT_DUPLICATE, "exact_hash"),
    _NEAR: (RejectReason.NEAR_DUPLICATE, "minhash_lsh"),
    _PUBLISHED: (RejectReason.PUBLISHED_BEFORE, "published_index"),
    _LEAK: (RejectReason.LEAK_OF_TRUSTED, "reference"),
}


@dataclass(frozen=True)
class DedupResult:
    """Kept rows (input order, all fields), one rejection per dropped row, and the report.

    `kept_keys` / `kept_signatures` / `kept_texts` are what to `PublishedIndex.add` once the
    output is out.
    """

    kept: pl.DataFrame
    rejections: list[Rejection]
    rejects: pl.DataFrame
    report: dict[str, Any]
    kept_keys: list[str] = field(default_factory=list)
    kept_signatures: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.uint32))
    kept_texts: list[str] = field(default_factory=list)
    kept_sizes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


def dedup_frame(
    frame: pl.DataFrame,
    config: DedupConfig,
    reference: pl.DataFrame | None = None,
    index: PublishedIndex | None = None,
    sketches: Sketches | None = None,
) -> DedupResult:
    """Drop exact and near duplicates, leaks of `reference` and records `index` already holds.

    `sketches` of the frame's text, made beforehand (e.g. batch by batch on a cluster, see
    `dedup_sketch`), skip sketching here; the result is the same.
    """
    started = time.perf_counter()
    ids = record_ids(frame, config, "input")
    with _gc_paused():
        signer = Signer(config)
        texts = text_column(frame, config, "input")
        sk = sketches if sketches is not None else sketch(texts, signer, config.workers)
        bands, rows = config.lsh_params()
        keys = band_keys(sk.signatures, bands, rows)
        verdict = _Verdicts(sk.rows.size)
        stats: dict[str, Any] = {"bands": bands, "rows": rows}
        sizes = sk.sizes
        counts = word_counts(texts, sk.rows)
        frames = learn_frames(texts, sk.rows, counts, config, reference)
        text_words = TextWords(texts, sk.rows, frames) if config.short_words else None
        short = sk.has_shingles & (counts <= config.short_words) if config.short_words else None
        var = None
        if short is not None:
            var = sign_variants(texts, sk.rows, short, frames, signer, sk.signatures)
        if config.short_words:
            stats["word_check"] = {
                "frames_learned": len(frames),
                "short_words": config.short_words,
                "added_words": config.added_words,
                "changed_places": config.changed_places,
                "bands_rows": list(config.short_lsh_params()),
            }

        def low_band(sig_sizes: np.ndarray, sig_counts: np.ndarray) -> LowBand:
            if config.short_words:
                return short_band(sig_counts, config)
            return edit_band(sig_sizes, config)

        across = _Across(texts, sk, keys, counts, frames, var, text_words, signer, config)
        if reference is not None:
            ref_ids = record_ids(reference, config, "reference")
            ref_texts = text_column(reference, config, "reference")
            where, others, sim = across.copies(ref_texts, ref_ids, sk.has_shingles)
            verdict.mark(where, _LEAK, others, sim)
            stats["reference_records"] = reference.height
        if index is not None:
            # Records published with their text get the leak check's rule (word-level checks,
            # variant forms); a signature alone passes hard negatives of short texts (another
            # amount, another card) and misses reworded copies, so only records kept without
            # their text (an index written before texts were) are matched by signature.
            stored_keys, stored_texts = index.texts()
            pool = np.flatnonzero(sk.has_shingles & (verdict.code == _KEEP))
            q, found, sim = index.match(sk.signatures[pool], sizes[pool], frozenset(stored_keys))
            verdict.mark(pool[q], _PUBLISHED, found, sim)
            stats["index_records"] = len(index)
            if stored_keys:
                where, others, sim = across.copies(
                    pl.Series(stored_texts, dtype=pl.String),
                    stored_keys,
                    sk.has_shingles & (verdict.code == _KEEP),
                )
                verdict.mark(where, _PUBLISHED, others, sim)
                stats["index_records_with_text"] = len(stored_keys)
        pool = np.flatnonzero(sk.has_shingles & (verdict.code == _KEEP))
        i, j = pairs_within(
            sk.signatures[pool], keys[pool], low_band(sizes[pool], counts[pool]), config
        )
        if var is not None:
            vi, vj = pairs_within_variants(var, config)
            inv = _positions(pool, sk.rows.size)
            both = (inv[vi] >= 0) & (inv[vj] >= 0)
            i, j = union((i, j), (inv[vi[both]], inv[vj[both]]), pool.size)
        sim = similarity(sk.signatures[pool], i, sk.signatures[pool], j)
        gate = sim if var is None else best_similarity(sim, var, pool[i], var, pool[j])
        ok = confirm(
            gate,
            sizes[pool[i]] + sizes[pool[j]],
            text_words,
            counts,
            pool[i],
            text_words,
            counts,
            pool[j],
            config,
        )
        dup_of, dup_sim = first_kept(pool.size, i, j, sim, ok)
        hit = np.flatnonzero(dup_of >= 0)
        others = [ids[r] for r in sk.rows[pool[dup_of[hit]]].tolist()]
        verdict.mark(pool[hit], _NEAR, others, dup_sim[hit])
        stats["candidate_pairs"] = int(i.size)
        stats["confirmed_pairs"] = int(np.count_nonzero(ok))
        result = _assemble(frame, config, ids, sk, verdict, texts)
    stats["seconds"] = round(time.perf_counter() - started, 3)
    result.report["lsh"] = stats
    return result


class _Across:
    """The leak check's rule between this run's texts and other records (the trusted rows, or
    the published records kept with their text): LSH on the signatures at the threshold and,
    for short texts, the low band, the variant forms of framed texts, then `confirm`."""

    def __init__(
        self,
        texts: pl.Series,
        sk: Sketches,
        keys: np.ndarray,
        counts: np.ndarray,
        frames: Frames,
        var: Any,
        text_words: TextWords | None,
        signer: Signer,
        config: DedupConfig,
    ) -> None:
        self.texts, self.sk, self.keys, self.counts = texts, sk, keys, counts
        self.frames, self.var, self.text_words = frames, var, text_words
        self.signer, self.config = signer, config

    def _low_band(self, sig_sizes: np.ndarray, sig_counts: np.ndarray) -> LowBand:
        if self.config.short_words:
            return short_band(sig_counts, self.config)
        return edit_band(sig_sizes, self.config)

    def copies(
        self, other_texts: pl.Series, other_ids: list[str], eligible: np.ndarray
    ) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(this run's distinct-text positions, the other record's id, estimated Jaccard) for
        each eligible text that is a near copy of one of `other_texts`."""
        config, sk, var = self.config, self.sk, self.var
        bands, rows = config.lsh_params()
        ref = sketch(other_texts, self.signer, config.workers)
        ref_ok = np.flatnonzero(ref.has_shingles)
        ref_sig, ref_sizes = ref.signatures[ref_ok], ref.sizes[ref_ok]
        ref_rows = ref.rows[ref_ok]
        ref_counts = word_counts(other_texts, ref_rows)
        ref_low = self._low_band(ref_sizes, ref_counts)
        pool = np.flatnonzero(eligible)
        q, b = pairs_across(
            sk.signatures[pool],
            self.keys[pool],
            self._low_band(sk.sizes[pool], self.counts[pool]),
            band_keys(ref_sig, bands, rows),
            ref_low,
            ref_low.keys(ref_sig),
            config,
        )
        ref_var = None
        if var is not None:
            ref_short = ref_counts <= config.short_words
            ref_var = sign_variants(
                other_texts, ref_rows, ref_short, self.frames, self.signer, ref_sig
            )
            vq, vb = pairs_across_variants(var, ref_var, config)
            q, b = union((q, b), _in_pool(pool, sk.rows.size, vq, vb), ref_sig.shape[0])
        sim = similarity(sk.signatures[pool], q, ref_sig, b)
        # framed texts reach the word check on their canonical forms' Jaccard; the
        # reported similarity stays the texts' own
        gate = sim if var is None else best_similarity(sim, var, pool[q], ref_var, b)
        ok = confirm(
            gate,
            sk.sizes[pool[q]] + ref_sizes[b],
            self.text_words,
            self.counts,
            pool[q],
            TextWords(other_texts, ref_rows, self.frames) if config.short_words else None,
            ref_counts,
            b,
            config,
        )
        q, b, sim = best_match(q, b, sim, ok)
        others = [other_ids[r] for r in ref_rows[b].tolist()]
        return pool[q], others, sim


class _Verdicts:
    """Per distinct text: check code, the record it copies, and the estimated Jaccard."""

    def __init__(self, n: int) -> None:
        self.code = np.full(n, _KEEP, dtype=np.int8)
        self.other: list[str | None] = [None] * n
        self.sim = np.zeros(n, dtype=np.float64)

    def mark(self, where: np.ndarray, code: int, others: list[str], sim: np.ndarray) -> None:
        self.code[where] = code
        self.sim[where] = sim
        for k, other in zip(where.tolist(), others, strict=True):
            self.other[k] = other


def _assemble(
    frame: pl.DataFrame,
    config: DedupConfig,
    ids: list[str],
    sk: Sketches,
    verdict: _Verdicts,
    texts: pl.Series,
) -> DedupResult:
    """Spread the verdicts of first occurrences to every row and build the outputs."""
    n = frame.height
    position = np.full(n, -1, dtype=np.int64)
    position[sk.rows] = np.arange(sk.rows.size)
    at = position[sk.first]
    code = verdict.code[at]
    copy = (np.arange(n) != sk.first) & ((code == _KEEP) | (code == _NEAR))
    code[copy] = _EXACT
    keep = code == _KEEP
    rejected = np.flatnonzero(~keep).tolist()
    columns: dict[str, list[Any]] = {k: [] for k in _REJECT_SCHEMA}
    rejections: list[Rejection] = []
    for row in rejected:
        c = int(code[row])
        if c == _EXACT:
            other, value = ids[sk.first[row]], 1.0
            detail = f"same normalised text as {other}"
        else:
            other, value = verdict.other[at[row]], float(verdict.sim[at[row]])
            detail = f"estimated Jaccard {value:.3f} with {other}"
        reason, check = _REASONS[c]
        rejections.append(
            Rejection(
                record_id=ids[row],
                stage=Stage.DEDUP,
                check=check,
                reason=reason,
                detail=detail,
                duplicate_of=other,
            )
        )
        for key, value_ in zip(
            _REJECT_SCHEMA, (ids[row], row + 1, reason.value, other, round(value, 4)), strict=True
        ):
            columns[key].append(value_)
    counts = {reason.value: 0 for reason, _ in _REASONS.values()}
    for c, count in zip(*np.unique(code[~keep], return_counts=True), strict=True):
        counts[_REASONS[int(c)][0].value] = int(count)
    kept_rows = np.flatnonzero(keep)
    publishable = kept_rows[sk.has_shingles[position[kept_rows]]]
    chosen = texts.gather(publishable).to_list()
    if config.id_field in frame.columns:
        kept_keys = [ids[r] for r in publishable.tolist()]
    else:  # no ids: name a published record by its text
        kept_keys = [
            "text:" + hashlib.blake2b(t.encode(), digest_size=16).hexdigest() for t in chosen
        ]
    report = {
        "input": n,
        "kept": int(kept_rows.size),
        "rejected": len(rejections),
        "by_reason": counts,
        "duplicates": {k: counts[k] for k in _DUPLICATES},
        "leak_of_trusted": counts["leak_of_trusted"],
        "config": config.model_dump(mode="json"),
    }
    return DedupResult(
        kept=frame.filter(pl.Series(keep)),
        rejections=rejections,
        rejects=pl.DataFrame(columns, schema=_REJECT_SCHEMA),
        report=report,
        kept_keys=kept_keys,
        kept_signatures=sk.signatures[position[publishable]],
        kept_texts=chosen,
        kept_sizes=sk.sizes[position[publishable]],
    )


def _positions(pool: np.ndarray, n: int) -> np.ndarray:
    """Each of n records' position in the sorted `pool`, -1 where it is not in it."""
    inv = np.full(n, -1, dtype=np.int64)
    inv[pool] = np.arange(pool.size)
    return inv


def _in_pool(pool: np.ndarray, n: int, q: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
    """Pairs (record q, base b) whose record is in `pool`, with q as its position there."""
    inv = _positions(pool, n)
    keep = inv[q] >= 0
    return inv[q[keep]], b[keep]


def learn_frames(
    texts: pl.Series,
    rows: np.ndarray,
    counts: np.ndarray,
    config: DedupConfig,
    reference: pl.DataFrame | None,
) -> Frames:
    """The re-send frames of this run (`validators.dedup.frames`), learned from its short texts
    and the reference's (a frame of the trusted rows wraps a leak as well as a re-send)."""
    if not config.short_words or not config.frame_min_texts:
        return Frames()
    short = texts.gather(rows[counts <= config.short_words]).drop_nulls().to_list()
    if reference is not None:
        ref = text_column(reference, config, "reference").drop_nulls()
        short += ref.filter(ref.str.count_matches(r"\w+") <= config.short_words).to_list()
    return Frames.learn(short, config.frame_min_texts)


def check_fields(frame: pl.DataFrame, config: DedupConfig, what: str) -> None:
    """Each configured field must be a text column without nulls."""
    for name in config.fields:
        if name not in frame.columns:
            raise ConfigError(f"{what} has no field '{name}' (columns: {', '.join(frame.columns)})")
        if frame.schema[name] != pl.String:
            raise ConfigError(f"{what} field '{name}' is {frame.schema[name]}, not text")
        nulls = frame[name].is_null()
        if nulls.any():
            raise ConfigError(
                f"{what} field '{name}' is null in row {int(nulls.arg_max() or 0) + 1}"
            )


def text_column(frame: pl.DataFrame, config: DedupConfig, what: str) -> pl.Series:
    """The text to compare: the configured fields joined by a space."""
    check_fields(frame, config, what)
    if len(config.fields) == 1:
        return frame[config.fields[0]]
    return frame.select(
        pl.concat_str([pl.col(f) for f in config.fields], separator=" ")
    ).to_series()


def record_ids(frame: pl.DataFrame, config: DedupConfig, what: str) -> list[str]:
    """Ids from `config.id_field` as text, or row numbers counted from 1."""
    if config.id_field not in frame.columns:
        return [str(i) for i in range(1, frame.height + 1)]
    column = frame[config.id_field].cast(pl.String)
    nulls = column.is_null()
    if nulls.any():
        raise ConfigError(
            f"{what} field '{config.id_field}' is null in row {int(nulls.arg_max() or 0) + 1}"
        )
    return column.to_list()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The build makes many small objects and no cycles: collecting meanwhile only costs time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
