"""Several OpenAI-compatible endpoints share one run: each record asked once, cached once.

Two local HTTP servers answer schema-valid records (label taken from the request's schema, text
naming the request's seed); the build deals its chunks into one lane per server. Each lane
builds its prompts from the trusted fit rows only, as a one-teacher build does: the gate rows
never reach a teacher.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from helpers import reply_completion

from pipelines.build import prepare
from pipelines.config import load_config
from pipelines.flow import build_dataset

PROMPTS: list[str] = []


def _handler(log: list[int]) -> type[BaseHTTPRequestHandler]:
    class Answer(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            log.append(body["seed"])
            messages = body.get("messages") or [{"content": body.get("prompt", "")}]
            PROMPTS.append(" ".join(str(m["content"]) for m in messages))
            schema = body["response_format"]["json_schema"]["schema"]
            label = schema["properties"]["label"]["enum"][0]
            text = f"hello, request {body['seed']} wants to know about my {label} case"
            reply_completion(self, json.dumps({"label": label, "text": text}))

        def log_message(self, *args: object) -> None:
            return None

    return Answer


@pytest.fixture
def servers() -> Iterator[tuple[list[str], list[list[int]]]]:
    logs: list[list[int]] = [[], []]
    running = [ThreadingHTTPServer(("127.0.0.1", 0), _handler(log)) for log in logs]
    for server in running:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    urls = [f"http://127.0.0.1:{s.server_address[1]}/v1" for s in running]
    yield urls, logs
    for server in running:
        server.shutdown()
        server.server_close()


def test_endpoints_share_the_requests_once(
    example_dir: Path, tmp_path: Path, servers: tuple[list[str], list[list[int]]]
) -> None:
    urls, logs = servers
    path = example_dir / "config.yaml"
    raw = yaml.safe_load(path.read_text())
    raw["n"] = 40
    raw["teacher"].update({"kind": "openai", "model": "scripted", "endpoints": urls})
    raw["teacher"]["batch_size"] = 5
    raw["build"].update({"chunk_size": 10, "finetune": False, "pii": False})
    raw["drift"]["fail_on_drift"] = False
    raw["fidelity"] = {"selection": {"oversample": 1.0}}  # n requests: the lanes are the point
    path.write_text(yaml.safe_dump(raw))

    PROMPTS.clear()
    first = build_dataset(str(path), out=str(tmp_path / "run"))
    assert first["counts"]["requested"] == 40
    # The prompts show fit rows only, never a row the drift gate grades on.
    state, _ = prepare(load_config(str(path)), tmp_path / "split")
    assert state.fit_rows and state.gate_rows
    text = state.roles.trusted_columns["text"]
    fit = [str(t) for t in state.trusted[state.fit_rows][text].to_list()]
    gate = [str(t) for t in state.trusted[state.gate_rows][text].to_list()]
    shown = "\n".join(PROMPTS)
    assert len(PROMPTS) == 40 and sum(json.dumps(t)[1:-1] in shown for t in fit) >= 20
    assert [t for t in gate if json.dumps(t)[1:-1] in shown and t not in fit] == []
    # Chunks 0 and 2 went to the first server, 1 and 3 to the second: 20 requests each.
    assert len(logs[0]) == 20 and len(logs[1]) == 20
    assert not set(logs[0]) & set(logs[1])  # no request was sent twice
    with sqlite3.connect(tmp_path / "run" / "teacher_cache.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 40
    ids = [
        json.loads(x)["id"] for x in (tmp_path / "run" / "accepted.jsonl").read_text().splitlines()
    ]
    assert ids == sorted(ids)  # written in record order, whatever lane finished first

    again = build_dataset(str(path), out=str(tmp_path / "run"))  # a re-run: all from the cache
    assert again["counts"] == first["counts"]
    assert len(logs[0]) + len(logs[1]) == 40
