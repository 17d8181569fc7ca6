"""The label check and the selection as batch stages (`schemas.stage.BatchStage`).

`LabelCheckStage.map` scores a batch with the classifier fitted once on the fit rows (it pickles
with the stage); `reduce` flags, rejects or relabels. `SelectStage.map` only collects each
batch's texts: the importance weights need every candidate's n-grams, so `reduce` does the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from schemas.base import FrozenModel
from schemas.rejection import Rejection, RejectReason, Stage
from schemas.stage import StageResult
from validators.fidelity.config import LabelCheckConfig, SelectionConfig


class LabelCheckReport(FrozenModel):
    """Flagged records, what was done with them, the check's precision on unseen trusted rows,
    and a sample of flagged records to check by hand."""

    checked: int = 0
    flagged: int = 0
    action: str = "reject"
    by_pair: dict[str, int] = {}
    precision_on_gate_rows: dict[str, Any] = {}
    examples: list[dict[str, Any]] = []
    skipped: str = ""


class LabelCheckStage:
    """Reject (or relabel) records whose `text_field` points to another label than `label_field`."""

    name = "label_check"

    def __init__(
        self,
        config: LabelCheckConfig,
        model: Any,
        text_field: str,
        label_field: str,
        id_field: str = "id",
        precision: dict[str, Any] | None = None,
    ) -> None:
        self.config = config
        self.model = model
        self.text_field = text_field
        self.label_field = label_field
        self.id_field = id_field
        self.precision = precision or {}

    def map(self, batch: pl.DataFrame) -> np.ndarray:
        return self.model.proba([str(t) for t in batch[self.text_field].to_list()])

    def reduce(
        self, frame: pl.DataFrame, partials: Sequence[np.ndarray]
    ) -> StageResult[LabelCheckReport]:
        from validators.fidelity.label_check import judge

        if frame.height == 0:
            return StageResult(frame, [], LabelCheckReport(action=self.config.action))
        proba = np.concatenate(list(partials))
        given = [str(v) for v in frame[self.label_field].to_list()]
        verdicts = judge(self.model, proba, given, self.config.min_margin)
        flagged = [i for i, v in enumerate(verdicts) if v.flagged]
        ids = [str(v) for v in frame[self.id_field].to_list()]
        texts = frame[self.text_field].to_list()
        pairs = Counter(f"{given[i]} -> {verdicts[i].best}" for i in flagged)
        examples = [
            {
                "id": ids[i],
                "text": texts[i],
                "label": given[i],
                "text_says": verdicts[i].best,
                "p_label": round(verdicts[i].p_given, 3),
                "p_text_says": round(verdicts[i].p_best, 3),
            }
            for i in flagged[:20]
        ]
        report = LabelCheckReport(
            checked=frame.height,
            flagged=len(flagged),
            action=self.config.action,
            by_pair=dict(pairs.most_common()),
            precision_on_gate_rows=self.precision,
            examples=examples,
        )
        if self.config.action == "relabel":
            new = given[:]
            for i in flagged:
                new[i] = verdicts[i].best
            dtype = frame.schema[self.label_field]
            kept = frame.with_columns(pl.Series(self.label_field, new).cast(dtype))
            return StageResult(kept, [], report)
        rejections = [
            Rejection(
                record_id=ids[i],
                stage=Stage.FIDELITY,
                check="label_check",
                reason=RejectReason.LABEL_MISMATCH,
                detail=(
                    f"text points to '{verdicts[i].best}' ({verdicts[i].p_best:.2f}) rather than "
                    f"'{given[i]}' ({verdicts[i].p_given:.2f})"
                ),
            )
            for i in flagged
        ]
        keep = np.ones(frame.height, dtype=bool)
        keep[flagged] = False
        return StageResult(frame.filter(pl.Series(keep)), rejections, report)


def _mean(values: np.ndarray | None, mask: np.ndarray) -> float | None:
    """The mean of `values[mask]`, nan left out; None when there is none."""
    if values is None or not np.isfinite(values[mask]).any():
        return None
    return round(float(np.nanmean(values[mask])), 3)


class SelectReport(FrozenModel):
    """How many candidates went in and were kept, per label, and what the selection changed."""

    candidates: int = 0
    kept: int = 0
    per_label: dict[str, int] = {}
    median_words_before: float | None = None
    median_words_after: float | None = None
    mean_log_weight_kept: float | None = None
    mean_log_weight_dropped: float | None = None
    label_weight: float = 0.0
    mean_p_label_kept: float | None = None
    mean_p_label_dropped: float | None = None


class SelectStage:
    """Keep `n` records, per label, drawn toward the `target` texts (DSIR); the rest are
    rejected as `not_selected`. With a `label_model` (the label check's classifier) and
    `config.label_weight` > 0, each weight also gets `label_weight * log p(label | text)`: the
    importance weight of the joint p(text, label) of the trusted rows, so that a text that says
    its label clearly is kept before one that says another label, or none."""

    name = "select"

    def __init__(
        self,
        config: SelectionConfig,
        target: Sequence[str],
        n: int,
        text_field: str,
        label_field: str | None,
        seed: int,
        id_field: str = "id",
        label_model: Any = None,
    ) -> None:
        self.config = config
        self.label_model = label_model
        self.target = list(target)
        self.n = n
        self.text_field = text_field
        self.label_field = label_field
        self.seed = seed
        self.id_field = id_field
        self.shipped = False

    def __getstate__(self) -> dict[str, Any]:
        # `map` only collects texts: the target texts and the classifier stay in the driver,
        # where `reduce` runs, and do not travel to Ray workers. A copy knows it is one.
        return {**self.__dict__, "target": [], "label_model": None, "shipped": True}

    def map(self, batch: pl.DataFrame) -> list[str]:
        return [str(t) for t in batch[self.text_field].to_list()]

    def reduce(
        self, frame: pl.DataFrame, partials: Sequence[list[str]]
    ) -> StageResult[SelectReport]:
        from validators.fidelity.select import log_importance, select

        if self.shipped:  # without its target it would keep every record without a word
            raise RuntimeError(
                "SelectStage.reduce ran on a pickled copy, which carries no target texts; "
                "reduce in the process that built the stage"
            )
        texts = [t for part in partials for t in part]
        if frame.height <= self.n or not self.target:
            return StageResult(frame, [], SelectReport(candidates=frame.height, kept=frame.height))
        log_w = log_importance(self.target, texts, self.config)
        labels = (
            [str(v) for v in frame[self.label_field].to_list()]
            if self.label_field and self.label_field in frame.columns
            else None
        )
        ids = [str(v) for v in frame[self.id_field].to_list()]
        p_label = self._p_label(texts, labels)
        if p_label is not None:  # a label the classifier never saw (nan) adds nothing
            log_p = np.nan_to_num(np.log(np.maximum(p_label, 1e-6)), nan=0.0)
            log_w = log_w + self.config.label_weight * log_p
        keep = select(log_w, labels, self.n, self.seed, ids)
        words = np.array([len(t.split()) for t in texts], dtype=float)
        rank = np.empty(log_w.size, dtype=int)
        rank[np.argsort(-log_w, kind="stable")] = np.arange(1, log_w.size + 1)
        rejections = [
            Rejection(
                record_id=ids[i],
                stage=Stage.SELECT,
                check="dsir",
                reason=RejectReason.NOT_SELECTED,
                detail=f"importance log-weight {log_w[i]:.2f} (rank {rank[i]} of {log_w.size})"
                + (f", p(label | text) {p_label[i]:.2f}" if p_label is not None else ""),
            )
            for i in np.flatnonzero(~keep).tolist()
        ]
        per_label = Counter(labels[i] for i in np.flatnonzero(keep)) if labels else Counter()
        report = SelectReport(
            candidates=frame.height,
            kept=int(keep.sum()),
            per_label=dict(sorted(per_label.items())),
            median_words_before=float(np.median(words)),
            median_words_after=float(np.median(words[keep])),
            mean_log_weight_kept=round(float(log_w[keep].mean()), 3),
            mean_log_weight_dropped=round(float(log_w[~keep].mean()), 3) if (~keep).any() else None,
            label_weight=self.config.label_weight if p_label is not None else 0.0,
            mean_p_label_kept=_mean(p_label, keep),
            mean_p_label_dropped=_mean(p_label, ~keep),
        )
        return StageResult(frame.filter(pl.Series(keep)), rejections, report)

    def _p_label(self, texts: list[str], labels: list[str] | None) -> np.ndarray | None:
        """p(given label | text) per candidate (nan for a label the model never saw); None when
        the label term is off."""
        if self.label_model is None or labels is None or self.config.label_weight <= 0:
            return None
        proba = self.label_model.proba(texts)
        index = {label: k for k, label in enumerate(self.label_model.labels)}
        return np.array(
            [proba[i, index[y]] if y in index else np.nan for i, y in enumerate(labels)],
            dtype=float,
        )
