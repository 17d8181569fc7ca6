"""The teacher protocol: a batch of schema-constrained requests in, one response per request out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from schemas.errors import TeacherError
from schemas.record import stable_hash


@dataclass(frozen=True)
class TeacherRequest:
    """One record's request: prompt (completion text and chat messages), schema, sampling, seed."""

    prompt: str
    messages: list[dict[str, str]]
    schema: dict[str, Any]
    seed: int
    max_tokens: int
    temperature: float
    top_p: float

    def cache_key(self, teacher: str, model_id: str, weights_hash: str, chat: bool) -> str:
        """Content address of the call: the same key means the same answer can be reused."""
        return stable_hash(
            {
                "teacher": teacher,
                "model": model_id,
                "weights": weights_hash,
                "prompt": self.messages if chat else self.prompt,
                "schema": self.schema,
                "seed": self.seed,
                "max_tokens": self.max_tokens,
                "temperature": self.temperature,
                "top_p": self.top_p,
            }
        )


@dataclass
class TeacherResponse:
    """What came back: the raw text, token counts and why generation stopped."""

    text: str
    tokens_in: int = 0
    tokens_out: int = 0
    finish_reason: str = "stop"
    error: str = ""
    created_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "finish_reason": self.finish_reason,
            "error": self.error,
            "created_at": self.created_at,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> TeacherResponse:
        return cls(**obj)


class TeacherUnavailable(TeacherError):
    """The teacher cannot be asked at all (unreachable, or every request of a first batch failed).

    `received` holds the answers that did come back in the failed call, by position in its
    request list, so the runner can cache them: a re-run then resumes instead of asking again.
    """

    def __init__(self, message: str, *, received: dict[int, TeacherResponse] | None = None) -> None:
        super().__init__(message)
        self.received = dict(received or {})


class TeacherBudgetReached(TeacherError):
    """The run's teacher budget (`teacher.max_requests`, `teacher.max_tokens_total`) is spent.

    Everything received is in the teacher cache; the same command resumes from there.
    """


class Teacher(Protocol):
    """Every teacher (vLLM engine, OpenAI-compatible HTTP, transformers) implements this."""

    kind: str
    model_id: str
    weights_hash: str
    chat: bool

    def generate(self, requests: list[TeacherRequest]) -> list[TeacherResponse]:
        """Answer all requests; a failed single request is a response with `error` set."""
        ...

    def close(self) -> None:
        """Release the engine or connections."""
        ...
