"""Does the text say the label it carries? A classifier fitted on the fit rows answers.

The teacher sometimes writes a text for the wrong label ("Im fine. It was only for a bit." as
`transfer_fee_charged`). A TF-IDF + logistic-regression classifier, fitted on the trusted fit
rows only, gives each record's label probabilities; a record is flagged when another label beats
its own by at least `min_margin`. Its precision is measured on the gate rows, which it never saw,
with a share of their labels deliberately swapped: flagged swapped rows are hits, flagged
untouched rows are false alarms.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from validators.fidelity.config import LabelCheckConfig
from validators.fidelity.features import tfidf_features


@dataclass(frozen=True)
class Verdict:
    """One record: flagged or not, the label its text points to, and both probabilities."""

    flagged: bool
    best: str
    p_best: float
    p_given: float


class LabelModel:
    """Label probabilities from text, fitted on (texts, labels)."""

    def __init__(self, texts: Sequence[str], labels: Sequence[str], seed: int = 0) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        self.pipeline = make_pipeline(
            tfidf_features(), LogisticRegression(C=10.0, max_iter=2000, random_state=seed)
        )
        self.pipeline.fit(list(texts), list(labels))
        self.labels: list[str] = [str(c) for c in self.pipeline.classes_]

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.labels)))
        return np.asarray(self.pipeline.predict_proba(list(texts)))


def judge(
    model: LabelModel, proba: np.ndarray, given: Sequence[str], min_margin: float
) -> list[Verdict]:
    """Per row: flagged when the best label is not `given` and beats it by `min_margin`.

    A label the model never saw is not judged (never flagged)."""
    index = {label: k for k, label in enumerate(model.labels)}
    out = []
    for row, label in zip(proba, given, strict=True):
        k = int(np.argmax(row))
        best, p_best = model.labels[k], float(row[k])
        if label not in index:
            out.append(Verdict(False, best, p_best, float("nan")))
            continue
        p_given = float(row[index[label]])
        out.append(Verdict(best != label and p_best - p_given >= min_margin, best, p_best, p_given))
    return out


def measure_precision(
    model: LabelModel,
    texts: Sequence[str],
    labels: Sequence[str],
    config: LabelCheckConfig,
    seed: int,
) -> dict[str, Any]:
    """Precision and recall of the check on rows it never saw, `noise_share` of them relabelled
    to another label at random."""
    n = len(texts)
    choices = sorted(set(model.labels))
    if n < 10 or len(choices) < 2:
        return {"rows": n, "note": "too few gate rows to measure"}
    rng = random.Random(f"{seed}:label-noise")
    noisy = set(rng.sample(range(n), max(1, round(n * config.noise_share))))
    shown = [
        rng.choice([c for c in choices if c != labels[i]]) if i in noisy else labels[i]
        for i in range(n)
    ]
    verdicts = judge(model, model.proba(texts), shown, config.min_margin)
    flagged = {i for i, v in enumerate(verdicts) if v.flagged}
    hits = len(flagged & noisy)
    return {
        "rows": n,
        "relabelled": len(noisy),
        "flagged": len(flagged),
        "precision": round(hits / len(flagged), 4) if flagged else None,
        "recall": round(hits / len(noisy), 4),
        "false_alarm_rate": round(len(flagged - noisy) / max(1, n - len(noisy)), 4),
    }
