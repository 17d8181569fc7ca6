"""How many CPUs this process may really use: its affinity mask, capped by a container's quota.

A container limited to 2 CPUs on a 16-core host (`docker run --cpus 2`, a Kubernetes CPU limit)
still sees 16 cores in its affinity mask; only the cgroup's CPU quota says 2. Threads sized to
the 16 are throttled to the time of 2 and wait on each other, so every stage that sizes a thread
pool (the vLLM engine, torch on CPU) asks here instead of `os.cpu_count()`.

cgroup v2 keeps the quota in `cpu.max` ("200000 100000": 2 CPUs; "max 100000": none), along the
process's own cgroup path and its parents (the smallest wins); cgroup v1 in
`cpu.cfs_quota_us` / `cpu.cfs_period_us` (-1: none). A quota of 1.5 CPUs counts as 2, as the
JVM and .NET runtimes count it.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")
CPU_TOPOLOGY = Path("/sys/devices/system/cpu")


def affinity_cpus() -> list[int]:
    """The CPU ids this process may run on, sorted (all of `os.cpu_count()` off Linux)."""
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return list(range(os.cpu_count() or 1))


def spread_cpus(cpus: list[int], topology: Path = CPU_TOPOLOGY) -> list[int]:
    """`cpus` ordered one per physical core first (the lowest id of each core), then their
    hyperthread siblings: threads bound to the first n of them share no core while they can.
    Unknown topology leaves the order as it is."""
    firsts, siblings = [], []
    seen: set[str] = set()
    for cpu in cpus:
        try:
            core = (topology / f"cpu{cpu}" / "topology" / "core_cpus_list").read_text().strip()
        except OSError:
            return cpus
        (siblings if core in seen else firsts).append(cpu)
        seen.add(core)
    return firsts + siblings


def cpu_quota(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> float | None:
    """The cgroup's CPU quota in CPUs (2.0 for "200000 100000"), or None where there is none or
    it cannot be read."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    quotas: list[float] = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":  # cgroup v2: the unified hierarchy (under unified/ when hybrid)
            for mount in (root, root / "unified"):
                quotas += [q for d in _dirs(mount, path) if (q := _v2_quota(d)) is not None]
        elif "cpu" in controllers.split(","):
            for mount in (root / controllers, root / "cpu", root / "cpu,cpuacct"):
                quotas += [q for d in _dirs(mount, path) if (q := _v1_quota(d)) is not None]
    return min(quotas) if quotas else None


def usable_cpus(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> int:
    """The CPUs worth a thread each: the affinity mask's count, capped by the cgroup quota."""
    cpus = len(affinity_cpus())
    quota = cpu_quota(root, proc_cgroup)
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota - 1e-9)))
    return cpus


def _dirs(mount: Path, path: str) -> list[Path]:
    """The cgroup's folder under `mount` and each parent up to the mount (a container sees "/")."""
    parts = [p for p in path.strip("/").split("/") if p and p != ".."]
    return [mount.joinpath(*parts[:n]) for n in range(len(parts), -1, -1)]


def _v2_quota(folder: Path) -> float | None:
    try:
        quota, period = (folder / "cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    return _ratio(quota, period)


def _v1_quota(folder: Path) -> float | None:
    try:
        quota = (folder / "cpu.cfs_quota_us").read_text().strip()
        period = (folder / "cpu.cfs_period_us").read_text().strip()
    except OSError:
        return None
    return _ratio(quota, period)


def _ratio(quota: str, period: str) -> float | None:
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None
