"""Which test each field gets (label, text or number), and the features drawn from text fields.

A field's kind comes from the config when named there; otherwise from its type and cardinality:
numbers (or strings that all parse as numbers) are numeric, booleans and categoricals are labels;
a string field is text when its values average 4 words or more (sentences, even when repeated),
else a label when it has few distinct values relative to its rows, else text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from schemas.errors import ConfigError
from validators.drift.text import WORD, TextFeatures, text_features

__all__ = ["WORD", "FieldPlan", "TextFeatures", "plan_fields", "text_features"]

FieldKind = Literal["label", "text", "number"]
TEXT_MIN_WORDS = 4.0
"""A string field averaging at least this many words per value is text, however repetitive."""


@dataclass(frozen=True)
class FieldPlan:
    """One field to compare, and how."""

    name: str
    kind: FieldKind
    reason: str


def _as_number(series: pl.Series) -> pl.Series | None:
    """The series as floats when every non-null value is (or parses as) a number, else None."""
    if series.dtype.is_numeric():
        return series.cast(pl.Float64)
    if series.dtype != pl.String:
        return None
    parsed = series.str.strip_chars().cast(pl.Float64, strict=False)
    return parsed if parsed.null_count() == series.null_count() else None


def number_values(series: pl.Series) -> np.ndarray:
    """Finite float values of a numeric field (nulls and NaN dropped)."""
    parsed = _as_number(series)
    if parsed is None:
        raise ConfigError(f"field '{series.name}' is not numeric (found {series.dtype})")
    values = parsed.drop_nulls().to_numpy()
    return values[np.isfinite(values)]


def label_values(series: pl.Series) -> pl.Series:
    """A label field as non-null strings."""
    return series.drop_nulls().cast(pl.String)


def _infer(ref: pl.Series, cand: pl.Series, max_distinct_ratio: float) -> tuple[FieldKind, str]:
    dtype = ref.dtype
    if dtype == pl.Boolean or isinstance(dtype, (pl.Categorical, pl.Enum)):
        return "label", f"type {dtype}"
    if _as_number(ref) is not None and _as_number(cand) is not None and dtype != pl.Null:
        return "number", "numeric values" if dtype.is_numeric() else "strings that parse as numbers"
    if dtype != pl.String:
        raise ConfigError(f"field '{ref.name}' has type {dtype}, which drift cannot compare")
    pooled = pl.concat([ref.drop_nulls(), cand.drop_nulls().cast(pl.String)])
    some = pooled.sample(min(pooled.len(), 5000), seed=0)
    words = float(some.str.count_matches(WORD).mean() or 0.0)
    if words >= TEXT_MIN_WORDS:
        return "text", f"{words:.1f} words per value on average"
    distinct = pooled.n_unique()
    seen = f"{distinct} distinct values in {pooled.len()} rows"
    if distinct / max(pooled.len(), 1) <= max_distinct_ratio:
        return "label", seen
    return "text", seen


def plan_fields(
    reference: pl.DataFrame,
    candidate: pl.DataFrame,
    *,
    fields: tuple[str, ...] | None,
    label_fields: tuple[str, ...],
    text_fields: tuple[str, ...],
    number_fields: tuple[str, ...],
    max_distinct_ratio: float,
) -> list[FieldPlan]:
    """The fields to compare with their kinds; raises ConfigError for a field a frame lacks."""
    named = [*label_fields, *text_fields, *number_fields]
    wanted = list(fields) if fields else list(reference.columns)
    wanted += [f for f in named if f not in wanted]
    for which, frame in (("reference", reference), ("candidate", candidate)):
        for name in wanted:
            if name not in frame.columns:
                found = ", ".join(frame.columns)
                raise ConfigError(f"field '{name}' is missing from the {which} (found: {found})")
    plans = []
    for name in wanted:
        ref, cand = reference[name], candidate[name]
        if ref.drop_nulls().len() == 0 or cand.drop_nulls().len() == 0:
            which = "reference" if ref.drop_nulls().len() == 0 else "candidate"
            raise ConfigError(f"field '{name}' has no values in the {which}")
        if name in label_fields:
            plans.append(FieldPlan(name, "label", "named as a label field"))
        elif name in text_fields:
            plans.append(FieldPlan(name, "text", "named as a text field"))
        elif name in number_fields:
            number_values(ref), number_values(cand)
            plans.append(FieldPlan(name, "number", "named as a number field"))
        else:
            kind, reason = _infer(ref, cand, max_distinct_ratio)
            plans.append(FieldPlan(name, kind, reason))
    return plans
