"""The CPUs a process may use: affinity capped by a container's CPU quota (`schemas.host`).

The cgroup files are written to a temporary folder in the layouts Linux uses (v2, v1, hybrid),
so each case runs on any machine; the vLLM and torch tests check what the count changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas import host


def _tree(tmp_path: Path, proc: str, files: dict[str, str]) -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    proc_file = tmp_path / "proc_cgroup"
    proc_file.write_text(proc)
    return root, proc_file


@pytest.mark.parametrize(
    ("proc", "files", "quota"),
    [
        ("0::/\n", {"cpu.max": "200000 100000\n"}, 2.0),  # docker --cpus 2, cgroup v2
        ("0::/\n", {"cpu.max": "max 100000\n"}, None),  # no limit
        ("0::/\n", {"cpu.max": "150000 100000\n"}, 1.5),
        # a nested cgroup under a tighter parent: the smallest along the path wins
        ("0::/a/b\n", {"a/cpu.max": "100000 100000", "a/b/cpu.max": "400000 100000"}, 1.0),
        # cgroup v1 (quota -1: none)
        (
            "3:cpu,cpuacct:/\n",
            {"cpu,cpuacct/cpu.cfs_quota_us": "300000", "cpu,cpuacct/cpu.cfs_period_us": "100000"},
            3.0,
        ),
        ("1:cpu:/\n", {"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, None),
        # a v1 container: the path names the host's cgroup, the files sit at the mount's root
        (
            "4:cpuacct,cpu:/docker/abc\n",
            {"cpuacct,cpu/cpu.cfs_quota_us": "50000", "cpuacct,cpu/cpu.cfs_period_us": "100000"},
            0.5,
        ),
        # hybrid: v1 controllers beside a v2 tree mounted at unified/ (systemd's layout)
        ("1:cpu:/\n0::/\n", {"unified/cpu.max": "50000 100000"}, 0.5),
        ("0::/\n", {"cpu.max": "garbage"}, None),  # unreadable: no quota, never an error
        ("0::/\n", {}, None),
    ],
)
def test_quota_from_the_cgroup_files(
    tmp_path: Path, proc: str, files: dict[str, str], quota: float | None
) -> None:
    root, proc_file = _tree(tmp_path, proc, files)
    assert host.cpu_quota(root, proc_file) == quota


def test_usable_cpus_is_the_mask_capped_by_the_quota(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(host, "affinity_cpus", lambda: list(range(16)))
    for text, expected in [
        ("200000 100000", 2),
        ("150000 100000", 2),  # 1.5 CPUs: two threads, as the JVM counts it
        ("50000 100000", 1),  # never 0
        ("3200000 100000", 16),  # a quota above the mask: the mask
        ("max 100000", 16),
    ]:
        root, proc_file = _tree(tmp_path, "0::/\n", {"cpu.max": text})
        assert host.usable_cpus(root, proc_file) == expected, text


def test_a_missing_proc_file_means_no_quota(tmp_path: Path) -> None:
    assert host.cpu_quota(tmp_path, tmp_path / "absent") is None
    assert host.usable_cpus(tmp_path, tmp_path / "absent") == len(host.affinity_cpus())


def test_torch_threads_are_cut_to_the_quota_and_never_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torch

    from pipelines.finetune import fit_cpu_threads

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        monkeypatch.setattr(host, "usable_cpus", lambda: 1)
        assert fit_cpu_threads() == 1 and torch.get_num_threads() == 1
        monkeypatch.setattr(host, "usable_cpus", lambda: 8)
        assert fit_cpu_threads() == 1  # a smaller count (the user's own) stays
    finally:
        torch.set_num_threads(before)


def test_threads_spread_over_physical_cores_first(tmp_path: Path) -> None:
    """cpu0/cpu1 and cpu2/cpu3 are hyperthread pairs: two threads go to cpu0 and cpu2."""
    for cpu, core in {0: "0-1", 1: "0-1", 2: "2-3", 3: "2-3"}.items():
        folder = tmp_path / f"cpu{cpu}" / "topology"
        folder.mkdir(parents=True)
        (folder / "core_cpus_list").write_text(core + "\n")
    assert host.spread_cpus([0, 1, 2, 3], tmp_path) == [0, 2, 1, 3]
    assert host.spread_cpus([0, 1, 9], tmp_path) == [0, 1, 9]  # topology unknown: as given
