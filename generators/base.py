"""The generator interface: a name, a version, an output model and "build the prompt for this seed".

The framework (`generators.runner`) owns calling the teacher, parsing, retrying and provenance; a
generator only says what to ask for and, optionally, how to check what came back.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import polars as pl
from pydantic import BaseModel

from schemas.config import RunConfig


@dataclass(frozen=True)
class Prompt:
    """What the teacher is asked: plain completion text (base models) and chat messages."""

    text: str
    messages: list[dict[str, str]] = field(default_factory=list)


class Generator(ABC):
    """Subclass this (and register it) to make a new kind of record."""

    name: ClassVar[str]
    version: ClassVar[str] = "1"

    def __init__(self, config: RunConfig, trusted: pl.DataFrame) -> None:
        self.config = config
        self.trusted = trusted

    @abstractmethod
    def output_model(self) -> type[BaseModel]:
        """The payload type every accepted record has."""

    @abstractmethod
    def sample(self, rng: random.Random) -> dict[str, Any]:
        """The attributes of one record (label, topic, few-shot rows...), from a seeded rng."""

    @abstractmethod
    def build_prompt(self, attributes: dict[str, Any]) -> Prompt:
        """The prompt that asks the teacher for one record with these attributes."""

    def response_schema(self, attributes: dict[str, Any]) -> dict[str, Any]:
        """The JSON schema that constrains the teacher's output for this record."""
        return self.output_model().model_json_schema()

    def check(self, payload: BaseModel, attributes: dict[str, Any]) -> str | None:
        """A semantic check of a parsed payload: None when fine, else why it fails."""
        return None
