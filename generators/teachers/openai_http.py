"""A teacher on any OpenAI-compatible server (vllm serve, llama.cpp, Ollama, hosted APIs).

Requests go through the official `openai` SDK (`AsyncOpenAI`): retries with exponential backoff on
connection errors, timeouts, 408/409/429 and 5xx, honouring `Retry-After`, `cfg.http_retries`
times. The output is constrained by `response_format` (JSON schema); the API key comes from the
environment variable named by `cfg.api_key_env` and is only ever sent in the request header.

Failures stay as small as possible:

- one request that still fails after its retries is a response with `error` set (the runner
  rejects it as `teacher_error`), never an exception;
- an HTTP 200 whose body is not a completion (not JSON, no `choices`) is asked once more, then
  becomes such an error response;
- a server that cannot be reached at all raises `TeacherUnavailable` as soon as one request has
  used up its retries without any answer from the server in the meantime (seconds, not the whole
  batch), and a first batch in which every request failed raises it too: a run where nothing
  could be asked is a failure, not a result. Answers received before are handed back with the
  error so that the runner caches them.

Every HTTP request is counted (`http_calls`), and every one that repeats a request already sent
(backoff, `Retry-After`, a malformed body) is counted as a retry (`http_retries`).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import math
import os
import time
from typing import Any

import openai

from generators.config import TeacherConfig
from generators.teachers.base import TeacherRequest, TeacherResponse, TeacherUnavailable

# The connection pool is the concurrency limit: a request holds a connection only while it is
# on the wire, so requests waiting out a backoff or a `Retry-After` do not block the others.
_POOL_WAIT_S: float | None = None

# The HTTP requests sent for the teacher request being handled in the current asyncio task.
_SENDS: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("_SENDS", default=None)


class _Unreachable(Exception):
    """Raised inside a batch: nothing answered while one request used up all its retries."""


def _one_line(text: str, limit: int = 300) -> str:
    return " ".join(str(text).split())[:limit]


def _describe(exc: BaseException) -> str:
    """The SDK's error and, when it wraps one, the transport error under it."""
    out = f"{type(exc).__name__}: {_one_line(str(exc))}"
    cause = exc.__cause__
    if cause is not None and str(cause) not in str(exc):
        out += f" ({type(cause).__name__}: {_one_line(str(cause)) or 'no detail'})"
    return out


class OpenAITeacher:
    """Schema-constrained requests to `/completions` or `/chat/completions`."""

    kind = "openai"

    def __init__(self, model_id: str, weights_hash: str, cfg: TeacherConfig) -> None:
        self.model_id = model_id
        self.weights_hash = weights_hash
        self.cfg = cfg
        self.chat = cfg.api == "chat"
        self.base_url = cfg.base_url.rstrip("/")
        self._api_key = os.environ.get(cfg.api_key_env, "")
        self.http_calls = 0  # HTTP requests sent, every attempt included
        self.http_retries = 0  # of those, the ones repeating a request already sent
        self.answered = 0  # good answers over this teacher's life
        self._last_contact = -math.inf  # time.monotonic() of the last HTTP answer of any status

    # One client per `generate` call: its connections belong to that call's event loop.
    def _client(self) -> openai.AsyncOpenAI:
        timeout = openai.Timeout(
            self.cfg.timeout_s, connect=min(self.cfg.timeout_s, 10.0), pool=_POOL_WAIT_S
        )
        # The SDK's own httpx flavour (httpx in openai 1.x, httpx2 later), so take its types.
        limits = type(openai.DEFAULT_CONNECTION_LIMITS)(
            max_connections=self.cfg.concurrency, max_keepalive_connections=self.cfg.concurrency
        )
        http = openai.DefaultAsyncHttpxClient(
            timeout=timeout,
            limits=limits,
            event_hooks={"request": [self._on_request], "response": [self._on_response]},
        )
        return openai.AsyncOpenAI(
            base_url=self.base_url,
            # The SDK insists on a key; without one, `_on_request` strips the header again.
            api_key=self._api_key or "no-key",
            max_retries=self.cfg.http_retries,
            timeout=timeout,
            http_client=http,
        )

    async def _on_request(self, request: Any) -> None:
        self.http_calls += 1
        sends = _SENDS.get()
        if sends is not None:
            sends[0] += 1
        if not self._api_key:
            request.headers.pop("Authorization", None)

    async def _on_response(self, response: Any) -> None:
        self._last_contact = time.monotonic()

    async def _create(self, client: openai.AsyncOpenAI, req: TeacherRequest) -> Any:
        fmt = {
            "type": "json_schema",
            "json_schema": {"name": "record", "schema": req.schema, "strict": True},
        }
        common: dict[str, Any] = {
            "model": self.model_id,
            "max_tokens": req.max_tokens,
            "temperature": req.temperature,
            "top_p": req.top_p,
            "seed": req.seed,
        }
        if self.chat:
            return await client.chat.completions.with_raw_response.create(
                messages=req.messages,  # type: ignore[arg-type]
                response_format=fmt,  # type: ignore[arg-type]
                **common,
            )
        # `response_format` is not in the completions signature: it goes in the body as is.
        return await client.completions.with_raw_response.create(
            prompt=req.prompt, extra_body={"response_format": fmt}, **common
        )

    def _parse(self, raw: Any) -> tuple[TeacherResponse | None, str]:
        """A 200's body as a response, or (None, what is wrong with it)."""
        body = raw.content
        try:
            data = json.loads(body)
        except ValueError as exc:
            return None, f"HTTP 200 body is not JSON ({exc}): {_one_line(raw.text, 120)!r}"
        choices = data.get("choices") if isinstance(data, dict) else None
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return None, f"HTTP 200 body has no choices: {_one_line(raw.text, 120)!r}"
        choice = choices[0]
        if self.chat:
            message = choice.get("message")
            text = message.get("content") if isinstance(message, dict) else None
        else:
            text = choice.get("text")
        if text is not None and not isinstance(text, str):
            return None, f"HTTP 200 completion is a {type(text).__name__}, not text"
        usage = data.get("usage")
        usage = usage if isinstance(usage, dict) else {}
        try:
            tokens_in = int(usage.get("prompt_tokens") or 0)
            tokens_out = int(usage.get("completion_tokens") or 0)
        except (TypeError, ValueError):
            tokens_in = tokens_out = 0
        return (
            TeacherResponse(
                text=text or "",
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                finish_reason=str(choice.get("finish_reason") or "stop"),
            ),
            "",
        )

    async def _one(self, client: openai.AsyncOpenAI, req: TeacherRequest) -> TeacherResponse:
        sends = [0]
        _SENDS.set(sends)  # this task's own context: the hook counts into it
        started = time.monotonic()
        problem = ""
        try:
            # A 200 that is not a completion is asked once more (if retries are allowed at all).
            for _ in range(1 + min(1, self.cfg.http_retries)):
                try:
                    raw = await self._create(client, req)
                except openai.APIStatusError as exc:
                    detail = _one_line(exc.response.text, 200)
                    return _error(f"HTTP {exc.status_code} from {self.base_url}: {detail}")
                except openai.APIConnectionError as exc:  # also APITimeoutError
                    if self._last_contact < started:
                        raise _Unreachable(
                            f"cannot reach the teacher at {self.base_url}: {_describe(exc)}, "
                            f"{sends[0]} attempts in {time.monotonic() - started:.1f} s"
                        ) from exc
                    return _error(_describe(exc))
                response, problem = self._parse(raw)
                if response is not None:
                    self.answered += 1
                    return response
            return _error(f"malformed answer from {self.base_url}: {problem}")
        finally:
            self.http_retries += max(0, sends[0] - 1)

    async def _all(self, requests: list[TeacherRequest]) -> list[TeacherResponse]:
        client = self._client()
        tasks = [asyncio.create_task(self._one(client, r)) for r in requests]
        try:
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            except BaseException:  # cancelled (Ctrl-C): stop the requests before the client
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
            failed = next(
                (t for t in tasks if t.done() and not t.cancelled() and t.exception()), None
            )
            if failed is None:
                return [t.result() for t in tasks]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            exc = failed.exception()
            assert exc is not None
            if not isinstance(exc, _Unreachable):
                raise exc
            received = {
                i: t.result()
                for i, t in enumerate(tasks)
                if t.done() and not t.cancelled() and t.exception() is None
            }
            raise TeacherUnavailable(str(exc), received=received) from exc
        finally:
            await client.close()

    def generate(self, requests: list[TeacherRequest]) -> list[TeacherResponse]:
        if not requests:
            return []
        responses = asyncio.run(self._all(requests))
        if self.answered == 0 and all(r.error for r in responses):
            raise TeacherUnavailable(
                f"every request to the teacher at {self.base_url} failed "
                f"({len(responses)} of {len(responses)}); the first: {responses[0].error}"
            )
        return responses

    def close(self) -> None:
        return None


def _error(message: str) -> TeacherResponse:
    return TeacherResponse(text="", finish_reason="error", error=_one_line(message, 500))
