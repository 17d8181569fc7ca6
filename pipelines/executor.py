"""Run Prefect task calls, and whole validation stages, on the build's execution target.

`local` runs each call in this process (Prefect's default runner), one after the other, or on a
few threads where the calls wait on I/O. `ray` submits every call to prefect-ray's
`RayTaskRunner`, on a cluster it joins or on an instance it starts for the run. Either way the
caller gets the results in the order of its calls, so what a build writes never depends on
which task finished first.

`run_stage` runs any `schemas.stage.BatchStage` the same way on both targets: one `stage-map` task
per batch of `execution.batch_rows` rows, then the stage's `reduce` here, in batch order.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, Protocol

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from pipelines.execution_config import ExecutionConfig
from schemas.errors import MissingDependencyError
from schemas.stage import BatchStage, Partial, R, StageResult, batches

# Passed on to Ray workers: where the Prefect API is and where cached models live. Secrets are
# not: a worker node needs its own environment for those (Ray shows a job's env to its users).
_FORWARDED = ("SYNTHMILL_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HOME")
_SPREAD = {"scheduling_strategy": "SPREAD"}  # validator batches: use every node, not the nearest


@task(name="stage-map", cache_policy=NO_CACHE)
def stage_map_task(stage: Any, batch: pl.DataFrame) -> Any:
    """One batch of one validation stage (runs wherever the executor sends it)."""
    return stage.map(batch)


def run_stage(
    executor: Executor, stage: BatchStage[Partial, R], frame: pl.DataFrame, batch_rows: int
) -> StageResult[R]:
    """`stage` over `frame`: its batches mapped on the executor's target, reduced here in order."""
    calls = [{"stage": stage, "batch": batch} for batch in batches(frame, batch_rows)]
    resources = _SPREAD if executor.target == "ray" else None
    partials = executor.map(stage_map_task, calls, resources=resources)
    return stage.reduce(frame, partials)


class Executor(Protocol):
    target: str

    def map(
        self,
        task: Any,
        calls: list[dict[str, Any]],
        *,
        threads: int = 1,
        resources: dict[str, Any] | None = None,
    ) -> list[Any]:
        """Run `task(**call)` for every call; the results, in the order of `calls`."""
        ...

    def gpus(self) -> float:
        """GPUs the execution target has in all."""
        ...

    def describe(self) -> dict[str, Any]:
        """Where the tasks ran, for the build report."""
        ...


class LocalExecutor:
    """Calls run in this process: in sequence, or on `threads` threads for I/O-bound calls."""

    target = "local"

    def map(
        self,
        task: Any,
        calls: list[dict[str, Any]],
        *,
        threads: int = 1,
        resources: dict[str, Any] | None = None,
    ) -> list[Any]:
        if threads <= 1 or len(calls) <= 1:
            return [task(**call) for call in calls]
        from prefect.task_runners import ThreadPoolTaskRunner

        with ThreadPoolTaskRunner(max_workers=threads) as runner:
            futures = [runner.submit(task, call) for call in calls]
            return [future.result() for future in futures]

    def gpus(self) -> float:
        try:
            import torch

            return float(torch.cuda.device_count())
        except ImportError:
            return 0.0

    def describe(self) -> dict[str, Any]:
        return {"target": self.target}


class RayExecutor:
    """Calls are Prefect task runs on Ray workers; `resources` become Ray remote options."""

    target = "ray"

    def __init__(self, runner: Any) -> None:
        self.runner = runner

    def map(
        self,
        task: Any,
        calls: list[dict[str, Any]],
        *,
        threads: int = 1,
        resources: dict[str, Any] | None = None,
    ) -> list[Any]:
        from prefect_ray.context import remote_options

        scope = remote_options(**resources) if resources else nullcontext()
        with scope:
            futures = [self.runner.submit(task, call) for call in calls]
        return [future.result() for future in futures]

    def gpus(self) -> float:
        import ray

        return float(ray.cluster_resources().get("GPU", 0.0))

    def describe(self) -> dict[str, Any]:
        import ray

        resources = ray.cluster_resources()
        return {
            "target": self.target,
            "nodes": sum(1 for node in ray.nodes() if node.get("Alive")),
            "cpus": resources.get("CPU", 0.0),
            "gpus": resources.get("GPU", 0.0),
        }


def _prefect_api_url() -> str:
    """The API this flow run reports to (a temporary local server when none is configured)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return str(client.api_url).rstrip("/")


def worker_env() -> dict[str, str]:
    """Environment for Ray workers: report task runs to this flow's Prefect API, find models."""
    env = {k: os.environ[k] for k in _FORWARDED if k in os.environ}
    env["PREFECT_API_URL"] = _prefect_api_url()
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    return env


def ray_init_kwargs(cfg: ExecutionConfig) -> dict[str, Any]:
    """`ray.init` settings: join `cfg.address`, or start an instance with `cfg.num_cpus`."""
    env = worker_env()
    kwargs: dict[str, Any] = {"runtime_env": {"env_vars": env}}
    if cfg.address is not None:
        host = env["PREFECT_API_URL"].split("//")[-1].split(":")[0]
        if host in ("127.0.0.1", "localhost") and not cfg.address.startswith(
            ("127.0.0.1", "localhost")
        ):
            logging.getLogger(__name__).warning(
                "the Prefect API is %s, which workers on other machines cannot reach; "
                "set PREFECT_API_URL to a server they can (see README, Running on a cluster)",
                env["PREFECT_API_URL"],
            )
        kwargs["address"] = cfg.address
    else:
        kwargs["include_dashboard"] = False
        if cfg.num_cpus is not None:
            kwargs["num_cpus"] = cfg.num_cpus
    return kwargs


@contextmanager
def open_executor(cfg: ExecutionConfig) -> Iterator[Executor]:
    """The executor for `cfg.target`; a Ray instance started here is stopped on exit."""
    if cfg.target == "local":
        yield LocalExecutor()
        return
    try:
        from prefect_ray.task_runners import RayTaskRunner
    except ImportError:
        raise MissingDependencyError(
            "prefect-ray", "pip install prefect-ray, or set execution.target: local"
        ) from None
    # The address travels in init_kwargs, so 'auto' and 'ray://' addresses reach ray.init as is.
    with RayTaskRunner(address=None, init_kwargs=ray_init_kwargs(cfg)) as runner:
        yield RayExecutor(runner)
