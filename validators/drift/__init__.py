"""The drift gate: compare a candidate set with the trusted reference, field by field.

`DriftConfig` and its loaders are imported eagerly (plain pydantic); the comparison, which loads
numpy and scipy, when one of its names is used.
"""

from __future__ import annotations

from typing import Any

from validators.drift.config import DriftConfig, load_drift_config, make_drift_config

__all__ = [
    "DriftCheck",
    "DriftConfig",
    "DriftReport",
    "FieldProfile",
    "drift_report",
    "load_drift_config",
    "make_drift_config",
]

_LAZY = {
    "drift_report": "validators.drift.compare",
    "DriftCheck": "validators.drift.report",
    "DriftReport": "validators.drift.report",
    "FieldProfile": "validators.drift.report",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'validators.drift' has no attribute {name!r}")
