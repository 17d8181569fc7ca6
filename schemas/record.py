"""The record envelope every stage shares: an id, a typed payload and its provenance."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from schemas.base import FrozenModel

Payload = TypeVar("Payload", bound=BaseModel)


class Provenance(FrozenModel):
    """Where a record came from, enough to reproduce the teacher call that made it."""

    generator: str
    generator_version: str
    teacher: str
    teacher_model: str
    weights_hash: str
    prompt_hash: str
    attributes: dict[str, Any] = Field(default_factory=dict)
    seed: int
    attempt: int = 0
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


class Record(FrozenModel, Generic[Payload]):
    """One generated record: frozen; stages rewrite it with `model_copy`, never mutate it."""

    id: str
    payload: Payload
    provenance: Provenance
    annotations: dict[str, Any] = Field(default_factory=dict)


def record_id(run_seed: int, index: int) -> str:
    """A stable id for the index-th record of a run: the same seed gives the same ids."""
    digest = hashlib.sha256(f"{run_seed}:{index}".encode()).hexdigest()
    return f"r{index:06d}-{digest[:10]}"


def stable_hash(obj: Any) -> str:
    """sha256 of a JSON-serialisable value with sorted keys (config, prompt and cache hashes)."""
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
