"""Exact and near dedup of a frame, a leak check against trusted data, and an earlier-runs check.

Order of the checks, for every distinct normalised text (first occurrence in row order):
1. leak_of_trusted: a near copy (estimated Jaccard >= threshold) of a reference record;
2. published_before: a near copy of a record an earlier run published (`PublishedIndex`);
3. near_duplicate: a near copy of an earlier record of this run that was kept.
A later row with the same normalised text as an earlier one is an exact_duplicate of it (by
hash), or shares its first occurrence's leak/published verdict. The first occurrence is kept;
every rejected row records `duplicate_of`. Texts that normalise to nothing only take part in
the exact check. Nothing is published here: after the output is written, call
`index.add(result.kept_keys, result.kept_signatures)`.
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
from validators.dedup_config import DedupConfig
from validators.dedup_index import PublishedIndex
from validators.dedup_text import normalise_many
from validators.lsh_bands import (
    band_keys,
    best_match,
    cross_pairs,
    first_kept,
    self_pairs,
    similarity,
)
from validators.minhash import Signer

CHUNK = 4096  # texts normalised and signed together: bounds the temporary arrays
_KEEP, _EXACT, _NEAR, _PUBLISHED, _LEAK = range(5)
_REASONS = {
    _EXACT: (RejectReason.EXACT_DUPLICATE, "exact_hash"),
    _NEAR: (RejectReason.NEAR_DUPLICATE, "minhash_lsh"),
    _PUBLISHED: (RejectReason.PUBLISHED_BEFORE, "published_index"),
    _LEAK: (RejectReason.LEAK_OF_TRUSTED, "reference"),
}


@dataclass(frozen=True)
class Sketches:
    """Exact groups and signatures of a column of texts.

    `first[row]` is the first row with the same normalised text; `rows` are the first
    occurrences (sorted) and `signatures[k]` / `has_shingles[k]` belong to `rows[k]`.
    """

    first: np.ndarray
    rows: np.ndarray
    signatures: np.ndarray
    has_shingles: np.ndarray
    digests: list[bytes]


@dataclass(frozen=True)
class DedupResult:
    """Kept rows (input order, all fields), one rejection per dropped row, and the report.

    `kept_keys` / `kept_signatures` are what to `PublishedIndex.add` once the output is out.
    """

    kept: pl.DataFrame
    rejections: list[Rejection]
    rejects: pl.DataFrame
    report: dict[str, Any]
    kept_keys: list[str] = field(default_factory=list)
    kept_signatures: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.uint32))


def sketch(texts: pl.Series, signer: Signer) -> Sketches:
    """Normalise, hash for exact groups (blake2b-128), sign the distinct texts; chunk by chunk."""
    n = texts.len()
    first = np.empty(n, dtype=np.int64)
    seen: dict[bytes, int] = {}
    digests: list[bytes] = []
    sigs: list[np.ndarray] = []
    has: list[np.ndarray] = []
    for lo in range(0, n, CHUNK):
        norm = normalise_many(texts.slice(lo, CHUNK).to_list(), signer.config.normalise)
        view = memoryview(norm.data.tobytes())
        bounds = norm.offsets.tolist()
        fresh = []
        for i in range(len(norm)):
            digest = hashlib.blake2b(view[bounds[i] : bounds[i + 1]], digest_size=16).digest()
            digests.append(digest)
            row = seen.setdefault(digest, lo + i)
            first[lo + i] = row
            if row == lo + i:
                fresh.append(i)
        sig, ok = signer.sign(norm, np.asarray(fresh, dtype=np.int64))
        sigs.append(sig)
        has.append(ok)
    rows = np.flatnonzero(first == np.arange(n))
    num_perm = signer.config.num_perm
    return Sketches(
        first=first,
        rows=rows,
        signatures=np.concatenate(sigs) if sigs else np.zeros((0, num_perm), np.uint32),
        has_shingles=np.concatenate(has) if has else np.zeros(0, bool),
        digests=digests,
    )


def dedup_frame(
    frame: pl.DataFrame,
    config: DedupConfig,
    reference: pl.DataFrame | None = None,
    index: PublishedIndex | None = None,
) -> DedupResult:
    """Drop exact and near duplicates, leaks of `reference` and records `index` already holds."""
    started = time.perf_counter()
    ids = record_ids(frame, config, "input")
    with _gc_paused():
        signer = Signer(config)
        sk = sketch(text_column(frame, config, "input"), signer)
        bands, rows = config.lsh_params()
        keys = band_keys(sk.signatures, bands, rows)
        verdict = np.full(sk.rows.size, _KEEP, dtype=np.int8)
        dup_of: list[str | None] = [None] * sk.rows.size
        sim = np.zeros(sk.rows.size, dtype=np.float64)
        stats: dict[str, Any] = {"bands": bands, "rows": rows}
        if reference is not None:
            ref_ids = record_ids(reference, config, "reference")
            ref = sketch(text_column(reference, config, "reference"), signer)
            ref_ok = np.flatnonzero(ref.has_shingles)
            ref_keys = band_keys(ref.signatures[ref_ok], bands, rows)
            pool = np.flatnonzero(sk.has_shingles)
            q, b = cross_pairs(keys[pool], ref_keys, config.max_bucket_pairs)
            s = similarity(sk.signatures[pool], q, ref.signatures[ref_ok], b)
            q, b, s = best_match(q, b, s, config.threshold)
            for k, base, value in zip(pool[q].tolist(), b.tolist(), s.tolist(), strict=True):
                verdict[k], dup_of[k], sim[k] = _LEAK, ref_ids[ref.rows[ref_ok[base]]], value
            stats["reference_records"] = reference.height
        if index is not None:
            pool = np.flatnonzero(sk.has_shingles & (verdict == _KEEP))
            q, found, s = index.match(sk.signatures[pool], config.threshold)
            for k, key, value in zip(pool[q].tolist(), found, s.tolist(), strict=True):
                verdict[k], dup_of[k], sim[k] = _PUBLISHED, key, value
            stats["index_records"] = len(index)
        pool = np.flatnonzero(sk.has_shingles & (verdict == _KEEP))
        i, j = self_pairs(keys[pool], config.max_bucket_pairs)
        s = similarity(sk.signatures[pool], i, sk.signatures[pool], j)
        near, near_sim = first_kept(pool.size, i, j, s, config.threshold)
        for k in np.flatnonzero(near >= 0).tolist():
            u = pool[k]
            verdict[u], dup_of[u], sim[u] = _NEAR, ids[sk.rows[pool[near[k]]]], near_sim[k]
        stats["candidate_pairs"] = int(i.size)
        stats["confirmed_pairs"] = int(np.count_nonzero(s >= config.threshold))
        result = _assemble(frame, config, ids, sk, verdict, dup_of, sim)
    stats["seconds"] = round(time.perf_counter() - started, 3)
    result.report["lsh"] = stats
    return result


def _assemble(
    frame: pl.DataFrame,
    config: DedupConfig,
    ids: list[str],
    sk: Sketches,
    verdict: np.ndarray,
    dup_of: list[str | None],
    sim: np.ndarray,
) -> DedupResult:
    """Spread the verdicts of first occurrences to every row and build the outputs."""
    n = frame.height
    position = np.full(n, -1, dtype=np.int64)
    position[sk.rows] = np.arange(sk.rows.size)
    rows_out: list[dict[str, Any]] = []
    rejections: list[Rejection] = []
    keep = np.zeros(n, dtype=bool)
    for row, first in enumerate(sk.first.tolist()):
        k = int(position[first])
        code, other, value = int(verdict[k]), dup_of[k], float(sim[k])
        if row != first and code in (_KEEP, _NEAR):
            code, other, value = _EXACT, ids[first], 1.0
        if code == _KEEP:
            keep[row] = True
            continue
        reason, check = _REASONS[code]
        detail = (
            f"estimated Jaccard {value:.3f} with {other}"
            if code != _EXACT
            else (f"same normalised text as {other}")
        )
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
        rows_out.append(
            {
                "id": ids[row],
                "row": row + 1,
                "reason": reason.value,
                "duplicate_of": other,
                "similarity": round(value, 4),
            }
        )
    counts = {reason.value: 0 for reason, _ in _REASONS.values()}
    for r in rejections:
        counts[r.reason.value] += 1
    kept_rows = np.flatnonzero(keep)
    publishable = kept_rows[sk.has_shingles[position[kept_rows]]]
    by_id = config.id_field in frame.columns
    kept_keys = [ids[r] if by_id else "blake2b:" + sk.digests[r].hex() for r in publishable]
    schema = {
        "id": pl.String,
        "row": pl.Int64,
        "reason": pl.String,
        "duplicate_of": pl.String,
        "similarity": pl.Float64,
    }
    report = {
        "input": n,
        "kept": int(keep.sum()),
        "rejected": len(rejections),
        "by_reason": counts,
        "duplicates": {
            k: counts[k] for k in ("exact_duplicate", "near_duplicate", "published_before")
        },
        "leak_of_trusted": counts["leak_of_trusted"],
        "config": config.model_dump(mode="json"),
    }
    return DedupResult(
        kept=frame.filter(pl.Series(keep)),
        rejections=rejections,
        rejects=pl.DataFrame(rows_out, schema=schema),
        report=report,
        kept_keys=kept_keys,
        kept_signatures=sk.signatures[position[publishable]],
    )


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
