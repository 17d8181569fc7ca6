"""A fault-injecting OpenAI-compatible server on 127.0.0.1, for tests and the fault bench.

It answers `POST /v1/completions` and `POST /v1/chat/completions` with a record that the
`labeled_text` generator accepts (the label pinned by the request's JSON schema, a text unique to
the request's seed), and injects faults chosen by a *plan*: `plan(key, attempt)` returns a fault
name or None, where `key` identifies the request body (the same body = the same logical request,
so an HTTP retry) and `attempt` counts earlier arrivals of that body. The decision depends only on
the body and the arrival count, never on timing, so concurrent runs inject the same faults.

Faults: `429` (with `Retry-After`), `500`, `hang` (no answer until `hang_s`, then the connection
is dropped), `truncated` (a 200 whose completion text is cut mid-JSON), `not_json` (a 200 whose
body is not JSON), `no_choices` (a 200 JSON body without `choices`), `reset` (TCP reset, no
answer). Every arrival is logged, so a test can count the HTTP retries the server saw.
"""

from __future__ import annotations

import hashlib
import json
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = ("429", "500", "hang", "truncated", "not_json", "no_choices", "reset")
Plan = Callable[[str, int], "str | None"]


def no_faults(key: str, attempt: int) -> str | None:
    return None


def always(fault: str) -> Plan:
    """Every arrival of every request gets `fault`."""
    return lambda key, attempt: fault


def first_attempts(fault: str, n: int = 1, share: float = 1.0, salt: str = "") -> Plan:
    """The first `n` arrivals of a `share` of the requests (chosen by their body) get `fault`."""

    def plan(key: str, attempt: int) -> str | None:
        return fault if attempt < n and _unit(salt, key) < share else None

    return plan


def mixed(rate: float, faults: Sequence[str] = FAULTS, seed: int = 0) -> Plan:
    """Each arrival independently gets a fault with probability `rate` (a hash, not a clock)."""

    def plan(key: str, attempt: int) -> str | None:
        u = _unit(str(seed), key, str(attempt))
        if u >= rate:
            return None
        return faults[int(u / rate * len(faults)) % len(faults)]

    return plan


def _unit(*parts: str) -> float:
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class Arrival:
    t: float  # time.monotonic() when the request body was read
    key: str
    attempt: int
    fault: str | None
    path: str
    authorization: str | None  # the Authorization header, None when absent


class FaultServer:
    """The server in a background thread; use as a context manager so it is always stopped."""

    def __init__(
        self,
        plan: Plan = no_faults,
        *,
        latency_s: float = 0.0,
        retry_after_s: float = 1.0,
        hang_s: float = 2.0,
        port: int = 0,
    ) -> None:
        self.plan = plan
        self.latency_s = latency_s
        self.retry_after_s = retry_after_s
        self.hang_s = hang_s
        self.arrivals: list[Arrival] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._attempts: dict[str, int] = {}
        self.inflight = 0
        self.max_inflight = 0  # the most requests the server was handling at once
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes hung handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(10)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # What the server saw -------------------------------------------------------------------

    def requests(self) -> int:
        with self._lock:
            return len(self.arrivals)

    def distinct(self) -> int:
        with self._lock:
            return len({a.key for a in self.arrivals})

    def retries(self) -> int:
        """Arrivals of a body already seen: the HTTP retries the client made."""
        with self._lock:
            return len(self.arrivals) - len({a.key for a in self.arrivals})

    def faults(self) -> dict[str, int]:
        with self._lock:
            out: dict[str, int] = {}
            for a in self.arrivals:
                if a.fault:
                    out[a.fault] = out.get(a.fault, 0) + 1
            return out

    def _arrive(self, body: bytes, path: str, authorization: str | None) -> Arrival:
        key = hashlib.sha256(body).hexdigest()[:16]
        with self._lock:
            attempt = self._attempts.get(key, 0)
            self._attempts[key] = attempt + 1
            fault = self.plan(key, attempt)
            arrival = Arrival(time.monotonic(), key, attempt, fault, path, authorization)
            self.arrivals.append(arrival)
        return arrival


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    owner: FaultServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client gave up on this request (its timeout): expected here
        super().handle_error(request, client_address)


def answer_text(body: dict[str, Any]) -> str:
    """A record the labeled_text generator accepts: the pinned label, a text unique to the seed."""
    schema = body.get("response_format", {}).get("json_schema", {}).get("schema", {})
    labels = schema.get("properties", {}).get("label", {}).get("enum") or ["card_arrival"]
    text = f"my card number {body.get('seed')} has still not arrived, what should I do"
    return json.dumps({"label": labels[0], "text": text})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real server
    server: _Server

    def do_POST(self) -> None:  # noqa: N802
        owner = self.server.owner
        with owner._lock:
            owner.inflight += 1
            owner.max_inflight = max(owner.max_inflight, owner.inflight)
        try:
            self._answer(owner)
        finally:
            with owner._lock:
                owner.inflight -= 1

    def _answer(self, owner: FaultServer) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        arrival = owner._arrive(raw, self.path, self.headers.get("Authorization"))
        fault = arrival.fault
        if fault == "reset":
            self._reset()
            return
        if fault == "hang":
            owner._stopping.wait(owner.hang_s)
            self._reset()
            return
        if fault == "429":  # a rate limiter answers at once
            self._send(429, b'{"error": "slow down"}', {"Retry-After": f"{owner.retry_after_s:g}"})
            return
        if owner.latency_s:  # the model's time; the other faults come after it
            owner._stopping.wait(owner.latency_s)
        if fault == "500":
            self._send(500, b'{"error": "internal"}')
            return
        if fault == "not_json":
            self._send(200, b"<html>upstream proxy error</html>")
            return
        if fault == "no_choices":
            self._send(200, b'{"object": "error", "message": "model overloaded"}')
            return
        body = json.loads(raw)
        text = answer_text(body)
        if fault == "truncated":
            text = text[: len(text) // 2]
        chat = self.path.endswith("/chat/completions")
        choice: dict[str, Any] = {"index": 0, "finish_reason": "stop"}
        if chat:
            choice["message"] = {"role": "assistant", "content": text}
        else:
            choice["text"] = text
        payload = {
            "id": f"cmpl-{arrival.key}",
            "object": "chat.completion" if chat else "text_completion",
            "created": int(time.time()),
            "model": body.get("model", "m"),
            "choices": [choice],
            "usage": {"prompt_tokens": 9, "completion_tokens": 7, "total_tokens": 16},
        }
        self._send(200, json.dumps(payload).encode())

    def _send(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _reset(self) -> None:
        """Drop the connection with a TCP RST, answering nothing."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()  # the descriptor closes (RST) once rfile/wfile are closed
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        return None
