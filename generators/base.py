"""The generator interface: a name, a version, an output model and "build the prompt for this seed".

The framework (`generators.runner`) owns calling the teacher, parsing, retrying and provenance; a
generator only says what to ask for, optionally how to check what came back, and which payload
fields play which role (`Roles`), so that the pipeline never guesses from field names.
"""

from __future__ import annotations

import random
import typing
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import polars as pl
from pydantic import BaseModel

from generators.config import DataConfig, SamplingConfig

TaskKind = Literal["labels", "instruction", "chat", "records"]


@dataclass(frozen=True)
class GeneratorContext:
    """What a generator gets from the run: the data columns, the sampling settings, the domain."""

    data: DataConfig
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    domain: str = ""
    run_name: str = ""


@dataclass(frozen=True)
class Roles:
    """Which payload fields play which part; the pipeline reads these, never field names.

    - `text_fields`: free text: scrubbed, deduplicated, compared by the drift gate as text.
    - `label_field`: a closed-set label (drift compares its distribution; the student predicts it).
    - `trusted_columns`: payload field -> trusted-sample column holding the same kind of value.
      The leak check and the drift gate compare a field only through this mapping.
    - `task`: what the student learns: `labels` (text -> label), `instruction` (input -> target),
      `chat` (a `messages` list) or `records` (write the payload as JSON).
    - `input_field` / `target_field`: for `labels` and `instruction`, the student's input and answer.
    """

    text_fields: tuple[str, ...]
    label_field: str | None = None
    trusted_columns: dict[str, str] = field(default_factory=dict)
    task: TaskKind = "records"
    input_field: str | None = None
    target_field: str | None = None

    def __post_init__(self) -> None:
        if self.task in ("labels", "instruction") and not (self.input_field and self.target_field):
            raise ValueError(f"task '{self.task}' needs input_field and target_field")

    def reference_columns(self, payload_fields: list[str]) -> dict[str, str]:
        """trusted column -> payload field, for the payload fields that have one."""
        return {src: dst for dst, src in self.trusted_columns.items() if dst in payload_fields}


def infer_roles(model: type[BaseModel], trusted_columns: list[str]) -> Roles:
    """Roles read off a payload model, for generators that declare none.

    A `label` field, or a field typed as a `Literal` of strings, is the label; other string fields
    are text; `messages` makes it a chat; a payload field that the trusted sample also has (by
    name) is compared with that column.
    """
    label = None
    texts: list[str] = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if typing.get_origin(ann) is Literal and label is None:
            label = name
        elif ann is str:
            texts.append(name)
    if label is None and "label" in texts:
        texts.remove("label")
        label = "label"
    mapping = {f: f for f in [*texts, *([label] if label else [])] if f in trusted_columns}
    fields = set(model.model_fields)
    if "messages" in fields:
        return Roles(text_fields=tuple(texts), trusted_columns=mapping, task="chat")
    if label is not None and len(texts) == 1:
        return Roles(tuple(texts), label, mapping, "labels", texts[0], label)
    return Roles(tuple(texts), label, mapping, "records")


@dataclass(frozen=True)
class Prompt:
    """What the teacher is asked: plain completion text (base models) and chat messages."""

    text: str
    messages: list[dict[str, str]] = field(default_factory=list)


class Generator(ABC):
    """Subclass this (and register it) to make a new kind of record.

    `self.context` holds the data columns, sampling settings and domain line; `self.trusted` the
    trusted sample, already scrubbed of PII.
    """

    name: ClassVar[str]
    version: ClassVar[str] = "1"

    def __init__(self, context: GeneratorContext, trusted: pl.DataFrame) -> None:
        self.context = context
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

    def roles(self) -> Roles:
        """Which payload fields are text, label, and which trusted columns match them.

        Override to declare them; the default reads them off `output_model()`.
        """
        return infer_roles(self.output_model(), self.trusted.columns)

    def response_schema(self, attributes: dict[str, Any]) -> dict[str, Any]:
        """The JSON schema that constrains the teacher's output for this record."""
        return self.output_model().model_json_schema()

    def check(self, payload: BaseModel, attributes: dict[str, Any]) -> str | None:
        """A semantic check of a parsed payload: None when fine, else why it fails. Keep it a
        function of its arguments: the runner may send a record's later attempts before it has
        judged the earlier ones (retries sent ahead), and judges each record's attempts in
        order, one record at a time."""
        return None
