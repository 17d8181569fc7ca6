"""Shared fixtures: the example config, a temp copy of it, the embedded model's folder and one
Prefect API server per test session. (Engine tests start the vLLM engine where they need it.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "banking77"
sys.path.insert(0, str(Path(__file__).parent))

from helpers import free_port, stop_group  # noqa: E402

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Anything that still starts Prefect's temporary server (a test that drops PREFECT_API_URL) waits
# for it as long as a loaded 2-core machine needs, not Prefect's default 20 s.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

PREFECT_START_TIMEOUT_S = 300
_prefect: dict[str, object] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    _start_prefect_server()


def _start_prefect_server() -> None:
    """Start one Prefect API server for the whole session, before tests are even collected.

    Without PREFECT_API_URL every flow run (in-process, and each `synthmill build` subprocess)
    starts its own temporary server and gives up after 20 s, which a loaded machine misses. The
    URL is set here, before any test module imports Prefect (Prefect reads its settings once, at
    import), so in-process flows, CLI subprocesses and Ray workers all report to this server.
    Tests that need a server of their own (test_schedule.py) still start one and override it.
    """
    home = Path(tempfile.mkdtemp(prefix="synthmill-prefect-"))
    port = free_port()
    saved = {k: os.environ.get(k) for k in ("PREFECT_HOME", "PREFECT_API_URL")}
    os.environ["PREFECT_HOME"] = str(home)  # its database, and no developer profile leaking in
    os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    }
    env.pop("PREFECT_API_URL")
    log = open(home / "server.log", "w")  # noqa: SIM115
    # The test session's own interpreter: `prefect` of the .venv the tests run in.
    cmd = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--no-scheduler", "--no-late-runs", "--no-ui", "--analytics-off"]
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    _prefect.update(home=home, log=log, proc=proc, saved=saved, ready=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Flush what this process still sends to the API, then stop the server."""
    proc = _prefect.get("proc")
    if proc is None:
        return
    if "prefect.logging.handlers" in sys.modules and _prefect.get("ready"):
        try:
            from prefect.events.worker import EventsWorker
            from prefect.logging.handlers import APILogWorker

            APILogWorker.drain_all(timeout=30)
            EventsWorker.drain_all(timeout=30)
        except Exception:  # best effort: the run is over
            pass
    stop_group(proc, grace_s=30)  # type: ignore[arg-type]
    _prefect["log"].close()  # type: ignore[attr-defined]
    for key, value in _prefect["saved"].items():  # type: ignore[attr-defined]
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    shutil.rmtree(_prefect["home"], ignore_errors=True)  # type: ignore[arg-type]
    _prefect.clear()


@pytest.fixture(scope="session", autouse=True)
def prefect_api() -> Iterator[str]:
    """The session's Prefect API URL, once the server started above answers its health check."""
    import httpx

    if "proc" not in _prefect:  # this conftest was not loaded at session start
        _start_prefect_server()
    proc: subprocess.Popen = _prefect["proc"]  # type: ignore[assignment,type-arg]
    url = os.environ["PREFECT_API_URL"]
    deadline = time.monotonic() + PREFECT_START_TIMEOUT_S
    while True:
        try:
            ok = httpx.get(url + "/health", timeout=5).status_code == 200
            if ok and proc.poll() is None:  # ours answered, not something else on that port
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            log = Path(_prefect["home"]) / "server.log"  # type: ignore[arg-type]
            pytest.fail(
                f"the session's Prefect server ({url}) did not answer within "
                f"{PREFECT_START_TIMEOUT_S} s (exit code {proc.poll()}):\n"
                + log.read_text()[-3000:]
            )
        time.sleep(0.5)
    _prefect["ready"] = True
    yield url


@pytest.fixture
def example_dir(tmp_path: Path) -> Path:
    """A private copy of the banking77 example (config + data) that a test may edit."""
    target = tmp_path / "banking77"
    target.mkdir()
    for name in ("config.yaml", "trusted.csv", "held_out.csv"):
        shutil.copy(EXAMPLE / name, target / name)
    return target


@pytest.fixture(scope="session")
def embedded_dir() -> Path:
    from generators.embedded_model import embedded_model_dir

    return embedded_model_dir()
