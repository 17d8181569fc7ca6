"""Pipelines: the Prefect build flow, the CLI and the Python API.

`from pipelines import build_dataset` gives the flow; Prefect is imported only when it is used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_dataset"]


def __getattr__(name: str) -> Any:
    if name == "build_dataset":
        from pipelines.flow import build_dataset

        return build_dataset
    raise AttributeError(name)
