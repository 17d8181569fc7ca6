"""Exact and near dedup with MinHash LSH: within a set, against a reference, against an index.

`DedupConfig` is imported eagerly (plain pydantic); the rest, which loads numpy and datasketch,
when one of its names is used.
"""

from __future__ import annotations

from typing import Any

from validators.dedup.config import DedupConfig, IndexConfig, NormaliseConfig

__all__ = [
    "DedupConfig",
    "DedupResult",
    "IndexConfig",
    "NormaliseConfig",
    "dedup_frame",
    "open_index",
    "text_column",
]

_LAZY = {
    "DedupResult": "validators.dedup.frame",
    "dedup_frame": "validators.dedup.frame",
    "text_column": "validators.dedup.frame",
    "open_index": "validators.dedup.index",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'validators.dedup' has no attribute {name!r}")
