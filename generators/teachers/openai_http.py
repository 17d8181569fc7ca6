"""A teacher on any OpenAI-compatible server (vllm serve, llama.cpp, Ollama, hosted APIs).

Requests run concurrently up to a limit, with backoff retries on 429, 5xx and timeouts, and the
output constrained by `response_format` (JSON schema). The API key comes from the environment.
"""

from __future__ import annotations

import asyncio
import os
import random
from typing import Any

import httpx

from generators.teachers.base import TeacherRequest, TeacherResponse
from schemas.config import TeacherConfig

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class OpenAITeacher:
    """Schema-constrained requests to `/completions` or `/chat/completions`."""

    kind = "openai"

    def __init__(self, model_id: str, weights_hash: str, cfg: TeacherConfig) -> None:
        self.model_id = model_id
        self.weights_hash = weights_hash
        self.cfg = cfg
        self.chat = cfg.api == "chat"
        self._api_key = os.environ.get(cfg.api_key_env, "")
        self.http_calls = 0
        self.http_retries = 0

    def _payload(self, req: TeacherRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model_id,
            "max_tokens": req.max_tokens,
            "temperature": req.temperature,
            "top_p": req.top_p,
            "seed": req.seed,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "record", "schema": req.schema, "strict": True},
            },
        }
        if self.chat:
            body["messages"] = req.messages
        else:
            body["prompt"] = req.prompt
        return body

    async def _one(
        self, client: httpx.AsyncClient, gate: asyncio.Semaphore, req: TeacherRequest
    ) -> TeacherResponse:
        path = "/chat/completions" if self.chat else "/completions"
        last_error = ""
        for attempt in range(self.cfg.http_retries + 1):
            if attempt:
                self.http_retries += 1
                await asyncio.sleep(min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random()))
            try:
                async with gate:
                    self.http_calls += 1
                    resp = await client.post(path, json=self._payload(req))
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                continue
            if resp.status_code in RETRY_STATUS:
                last_error = f"HTTP {resp.status_code}"
                continue
            if resp.status_code >= 400:
                return TeacherResponse(
                    text="",
                    finish_reason="error",
                    error=f"HTTP {resp.status_code}: {resp.text[:200]}",
                )
            data = resp.json()
            choice = data["choices"][0]
            text = choice["message"]["content"] if self.chat else choice["text"]
            usage = data.get("usage") or {}
            return TeacherResponse(
                text=text or "",
                tokens_in=int(usage.get("prompt_tokens", 0)),
                tokens_out=int(usage.get("completion_tokens", 0)),
                finish_reason=str(choice.get("finish_reason") or "stop"),
            )
        return TeacherResponse(text="", finish_reason="error", error=last_error or "no answer")

    async def _all(self, requests: list[TeacherRequest]) -> list[TeacherResponse]:
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        gate = asyncio.Semaphore(self.cfg.concurrency)
        async with httpx.AsyncClient(
            base_url=self.cfg.base_url.rstrip("/"), headers=headers, timeout=self.cfg.timeout_s
        ) as client:
            return list(await asyncio.gather(*(self._one(client, gate, r) for r in requests)))

    def generate(self, requests: list[TeacherRequest]) -> list[TeacherResponse]:
        return asyncio.run(self._all(requests)) if requests else []

    def close(self) -> None:
        return None
