"""Scheduled builds on a real Prefect server: serve a deployment, run it twice, no re-publishing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from helpers import free_port, stop_group

BIN = Path(sys.executable).parent

TRIGGER = """
import json, sys
from prefect.deployments import run_deployment
states = []
for _ in range(2):
    run = run_deployment(sys.argv[1], timeout=1200, poll_interval=2)
    states.append(run.state.type.value)
print(json.dumps(states))
"""

ARTIFACTS = """
import asyncio, json
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
async def main():
    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["build-report", "stage-counts"])))
        print(json.dumps(sorted({a.key for a in found})), len(found))
asyncio.run(main())
"""


@pytest.fixture
def prefect_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.time() + 180
    try:
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
            try:
                if httpx.get(api + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline, "prefect server did not start in 180 s"
            time.sleep(1)
        yield {**env, "PREFECT_API_URL": api}
    finally:
        stop_group(proc)
        log.close()


@pytest.mark.slow
def test_two_scheduled_runs_never_republish(
    prefect_server: dict, example_dir: Path, tmp_path: Path
) -> None:  # type: ignore[type-arg]
    path = example_dir / "config.yaml"
    raw = yaml.safe_load(path.read_text())
    raw.update(n=6)
    raw["teacher"].update(kind="transformers", batch_size=6, max_tokens=48, max_retries=1)
    raw["drift"] = {"fail_on_drift": False}
    raw["fidelity"] = {"selection": {"oversample": 1.0}}
    raw["build"]["finetune"] = False
    path.write_text(yaml.safe_dump(raw))
    root = tmp_path / "scheduled"
    serve_log = open(tmp_path / "serve.log", "w")  # noqa: SIM115
    serve = subprocess.Popen(
        [
            str(BIN / "synthmill"),
            "deploy",
            str(path),
            "--cron",
            "0 2 * * *",
            "--name",
            "nightly",
            "--root",
            str(root),
        ],
        env=prefect_server,
        stdout=serve_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 120
        while True:
            r = httpx.post(
                prefect_server["PREFECT_API_URL"] + "/deployments/filter", json={}, timeout=5
            )
            if any(d["name"] == "nightly" for d in r.json()):
                break
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            assert time.time() < deadline, "deployment never appeared"
            time.sleep(1)
        deployment = next(d for d in r.json() if d["name"] == "nightly")
        assert deployment["schedules"][0]["schedule"]["cron"] == "0 2 * * *"
        trig = subprocess.run(
            [sys.executable, "-c", TRIGGER, "build-dataset/nightly"],
            env=prefect_server,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        assert trig.returncode == 0, trig.stderr[-3000:]
        assert json.loads(trig.stdout.strip().splitlines()[-1]) == ["COMPLETED", "COMPLETED"], (
            tmp_path / "serve.log"
        ).read_text()[-3000:]
        arts = subprocess.run(
            [sys.executable, "-c", ARTIFACTS],
            env=prefect_server,
            capture_output=True,
            text=True,
            timeout=120,
        )
        keys, count = arts.stdout.strip().rsplit(" ", 1)
        assert json.loads(keys) == ["build-report", "stage-counts"] and int(count) >= 4
    finally:
        stop_group(serve)
        serve_log.close()

    runs = sorted(p for p in root.iterdir() if p.is_dir() and p.name != "published-index")
    assert len(runs) == 2
    history = [json.loads(x) for x in (root / "history.jsonl").read_text().splitlines()]
    assert [h["run_dir"] for h in history] == [r.name for r in runs]
    assert history[0]["seed"] != history[1]["seed"]
    assert (root / "history.png").stat().st_size > 1000
    first = [json.loads(x) for x in (runs[0] / "accepted.jsonl").read_text().splitlines()]
    second = [json.loads(x) for x in (runs[1] / "accepted.jsonl").read_text().splitlines()]
    report2 = json.loads((runs[1] / "report.json").read_text())
    assert report2["dedup"]["lsh"]["index_records"] == len(first) > 0
    assert not {r["payload"]["text"] for r in first} & {r["payload"]["text"] for r in second}
