"""Where a build's tasks run: in this process (`local`) or on a Ray cluster (`ray`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.base import Settings

Target = Literal["local", "ray"]


class ExecutionConfig(Settings):
    """The execution target and how work is split into tasks.

    The split is fixed by the config and the data, never by timing or by the number of
    workers, so a build writes the same records on any target.
    """

    target: Target = Field("local", description="local: Prefect's default runner; ray: prefect-ray")
    address: str | None = Field(
        None,
        description="ray: an existing cluster ('auto', 'HOST:6379' or 'ray://HOST:10001'); "
        "none starts a Ray instance on this machine for the run",
    )
    num_cpus: int | None = Field(
        None, gt=0, description="ray: CPUs of the instance a run starts (default: all)"
    )
    engines: int = Field(
        1,
        gt=0,
        description="teacher engines that share a run's requests: one per Ray worker (GPU); "
        "with teacher.endpoints, one per endpoint",
    )
    engine_gpus: float | None = Field(
        None, ge=0, description="GPUs per engine on Ray (default: 1 where the cluster has GPUs)"
    )
    batch_rows: int = Field(5000, gt=0, description="records per PII and dedup-signature task")
