"""Can a classifier tell real from synthetic? A classifier two-sample test (C2ST).

Out-of-fold logistic-regression scores on TF-IDF features and word count give the AUC of real
against synthetic: 0.5 means indistinguishable, 1.0 means every record gives itself away. The
interval is a bootstrap over rows of the out-of-fold scores (the classifier is not refitted, so
it is a little narrow).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from validators.fidelity.features import tfidf_features


def two_sample_auc(
    real: Sequence[str], synthetic: Sequence[str], seed: int = 0, folds: int = 5
) -> dict[str, Any]:
    """AUC (real = positive) with a 95% bootstrap interval; None when either side is too small."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    n_real, n_syn = len(real), len(synthetic)
    if min(n_real, n_syn) < folds * 2:
        return {"auc": None, "real": n_real, "synthetic": n_syn, "note": "too few rows"}
    texts = list(real) + list(synthetic)
    y = np.r_[np.ones(n_real), np.zeros(n_syn)]
    lengths = np.log1p([len(t.split()) for t in texts]).reshape(-1, 1)
    scores = np.zeros(y.size)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, y):
        feats = tfidf_features()
        x_train = feats.fit_transform([texts[i] for i in train])
        x_test = feats.transform([texts[i] for i in test])
        x_train = hstack([x_train, csr_matrix(lengths[train])]).tocsr()
        x_test = hstack([x_test, csr_matrix(lengths[test])]).tocsr()
        model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
        model.fit(x_train, y[train])
        scores[test] = model.predict_proba(x_test)[:, 1]
    auc = float(roc_auc_score(y, scores))
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(200):
        idx = rng.integers(0, y.size, y.size)
        if 0 < y[idx].sum() < idx.size:
            boots.append(roc_auc_score(y[idx], scores[idx]))
    low, high = np.quantile(boots, [0.025, 0.975])
    return {
        "auc": round(auc, 4),
        "ci95": [round(float(low), 4), round(float(high), 4)],
        "real": n_real,
        "synthetic": n_syn,
    }
