"""Pipelines: the Prefect build flow, the CLI and the Python API.

`from pipelines import build_dataset` gives the flow; Prefect is imported only when it is used.
"""

from __future__ import annotations

import os
from typing import Any

# Prefect's temporary API server (used when PREFECT_API_URL is unset) gets 20 s to start by
# default, which a busy machine misses; Prefect reads settings once, at import, so set them here.
# Nothing of a build leaves the machine: the local server's telemetry is off unless the user
# turns it on.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

__all__ = ["build_dataset"]


def __getattr__(name: str) -> Any:
    if name == "build_dataset":
        from pipelines.flow import build_dataset

        return build_dataset
    raise AttributeError(name)
