"""Settings of the fidelity stages: the label check, the selection, and the trusted-row split.

The label check and the selection are fitted on trusted rows; the drift gate must be graded on
others, or it would grade the filter's own fit. `fit_share` of the trusted rows (per label) fit
the generator's prompts, the label check and the selection; the rest are the gate's reference.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.base import FrozenSettings


class LabelCheckConfig(FrozenSettings):
    """A small classifier on the fit rows flags records whose text points to another label."""

    enabled: bool = Field(True, description="check labelled records against their text")
    action: Literal["reject", "relabel"] = Field(
        "reject",
        description="what to do with a flagged record: reject it or take the label "
        "its text points to",
    )
    min_margin: float = Field(
        0.15,
        ge=0.0,
        le=1.0,
        description="flag when another label's probability beats the record's own by at least "
        "this much",
    )
    min_rows_per_label: int = Field(
        3, ge=2, description="fewer fit rows than this for any label: the check is skipped"
    )
    noise_share: float = Field(
        0.2,
        gt=0.0,
        lt=1.0,
        description="share of gate rows given a wrong label to measure the check's precision",
    )


class SelectionConfig(FrozenSettings):
    """Generate `oversample` x n, keep the n that best match the fit rows (DSIR, per label)."""

    oversample: float = Field(
        1.0, ge=1.0, le=10.0, description="records generated per record kept (1: no selection)"
    )
    buckets: int = Field(4096, ge=64, description="hashed word 1- and 2-gram buckets")
    ngram_scale: float = Field(
        4.0, ge=0.0, description="weight of the mean per-n-gram log-ratio against the length term"
    )
    label_weight: float = Field(
        1.0,
        ge=0.0,
        description="weight of log p(label | text), from a classifier fitted on the fit rows: 1 "
        "resamples toward the trusted rows' joint distribution of text and label, 0 toward "
        "their texts alone (a text that says no label, or another one, is then as likely kept)",
    )


class FidelityConfig(FrozenSettings):
    """The label check, the selection, the split of the trusted rows, the two-sample test."""

    fit_share: float = Field(
        0.5,
        gt=0.0,
        lt=1.0,
        description="share of trusted rows (per label) that fit prompts, label check and "
        "selection; the others are the drift gate's reference. Used when the label check or "
        "the selection is on",
    )
    label_check: LabelCheckConfig = LabelCheckConfig()
    selection: SelectionConfig = SelectionConfig()
    two_sample: bool = Field(
        True, description="report a classifier two-sample test (AUC) of real against synthetic"
    )
