"""Fidelity: records that look like the trusted sample and carry the label their text says.

- `label_check`: a TF-IDF + logistic-regression classifier fitted on the fit rows flags records
  whose text points to another label (`label_mismatch`), or relabels them;
- `select`: importance resampling toward the fit rows' words and lengths (DSIR, per label);
- `two_sample`: a classifier two-sample test, real against synthetic (AUC and its interval);
- `split`: which trusted rows fit those and which grade the drift gate.

Configs are imported eagerly; the rest (scikit-learn) when one of its names is used.
"""

from __future__ import annotations

from validators.fidelity.config import FidelityConfig, LabelCheckConfig, SelectionConfig

__all__ = ["FidelityConfig", "LabelCheckConfig", "SelectionConfig"]
