"""The `ray` target on a real local Ray cluster (a head and one worker node on 127.0.0.1).

The same config built with `--target ray` must accept and reject exactly what the `local` build
does: generation on a Ray worker's own vLLM engine, PII and dedup signatures in batches spread
over both nodes, merged in order.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import yaml
from helpers import free_port

BIN = Path(sys.executable).parent
SYNTHMILL = BIN / "synthmill"
RAY = BIN / "ray"


@pytest.fixture
def ray_cluster() -> Iterator[tuple[str, dict[str, str]]]:
    """`ray start` a head (1 CPU) and a worker node (1 CPU) on 127.0.0.1; `ray stop` after.

    Yields the address and the environment every party needs: Ray's token authentication with a
    token made here (head, worker and driver must share it).
    """
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # Ray's socket paths must stay short
    token = Path(temp + ".token")
    token.write_text(secrets.token_hex(32))
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}
    env.pop("RAY_ADDRESS", None)
    port = free_port()
    address = f"127.0.0.1:{port}"
    common = ["--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--disable-usage-stats"]
    try:
        for args in (
            ["--head", "--port", str(port), "--include-dashboard", "false", "--temp-dir", temp],
            ["--address", address],
        ):
            started = subprocess.run(
                [str(RAY), "start", *args, *common],
                capture_output=True, text=True, timeout=120, env=env,
            )  # fmt: skip
            assert started.returncode == 0, started.stderr[-2000:]
        yield address, env
    finally:
        subprocess.run([str(RAY), "stop", "--force"], capture_output=True, timeout=120, env=env)
        shutil.rmtree(temp, ignore_errors=True)
        token.unlink(missing_ok=True)


def _config(example_dir: Path) -> Path:
    path = example_dir / "config.yaml"
    raw = yaml.safe_load(path.read_text())
    raw["n"] = 24
    raw["teacher"]["batch_size"] = 8
    raw["build"].update({"chunk_size": 8, "finetune": False})
    raw["drift"]["fail_on_drift"] = False
    raw["execution"] = {"batch_rows": 5}  # several PII and signature tasks for 24 records
    raw["fidelity"] = {"selection": {"oversample": 1.0}}  # 24 requests
    path.write_text(yaml.safe_dump(raw))
    return path


def _build(
    config: Path, out: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SYNTHMILL), "build", str(config), "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=1500,
        env=env,
    )


def _outcome(out: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    accepted = []
    for line in (out / "accepted.jsonl").read_text().splitlines():
        row = json.loads(line)
        accepted.append((row["id"], json.dumps(row["payload"], sort_keys=True)))
    rejects = pl.read_parquet(out / "rejected.parquet")
    rejected = [tuple(row) for row in rejects.select("record_id", "stage", "reason").rows()]
    return accepted, rejected  # type: ignore[return-value]


@pytest.mark.engine
def test_ray_build_equals_local_build(
    example_dir: Path, tmp_path: Path, ray_cluster: tuple[str, dict[str, str]]
) -> None:
    address, env = ray_cluster
    config = _config(example_dir)
    local = _build(config, tmp_path / "local")
    assert local.returncode == 0, local.stderr[-3000:]
    on_ray = _build(config, tmp_path / "ray", "--target", "ray", "--ray-address", address, env=env)
    assert on_ray.returncode == 0, on_ray.stderr[-3000:]

    accepted, rejected = _outcome(tmp_path / "local")
    assert len(accepted) + len(rejected) == 24
    assert len(accepted) >= 12
    assert _outcome(tmp_path / "ray") == (accepted, rejected)

    report = json.loads((tmp_path / "ray" / "report.json").read_text())
    local_report = json.loads((tmp_path / "local" / "report.json").read_text())
    assert report["execution"] == {"target": "ray", "nodes": 2, "cpus": 2.0, "gpus": 0.0}
    assert local_report["execution"] == {"target": "local"}
    assert report["counts"] == local_report["counts"]
    assert report["pii"]["by_type"] == local_report["pii"]["by_type"]
    assert report["pii"]["batches"] == -(-report["stages"]["pii"]["in"] // 5)
    assert report["pii"]["nodes"] == 2  # batches ran on both nodes of the cluster
    # The Ray build generated for itself (its own engine on a worker), into its own cache.
    assert report["generation"]["teacher"]["calls"] >= 24
    assert report["generation"]["teacher"]["cache_hits"] == 0
