"""Built-in payload types, and the closed-label variant of `LabeledText` a config declares."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model


class LabeledText(BaseModel):
    """A text and its label, e.g. a customer message and its intent."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    label: str


class Instruction(BaseModel):
    """An instruction and the response a good assistant would give."""

    model_config = ConfigDict(extra="forbid")

    instruction: str = Field(min_length=1)
    response: str = Field(min_length=1)


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str


class Chat(BaseModel):
    """A conversation; the last assistant turn is the answer a student learns."""

    model_config = ConfigDict(extra="forbid")

    messages: list[Message] = Field(min_length=2)


def labeled_text_model(
    labels: list[str], *, min_chars: int = 8, max_chars: int = 240
) -> type[LabeledText]:
    """A `LabeledText` whose label must be one of `labels` (an enum in its JSON schema)."""
    if not labels:
        raise ValueError("a closed label set needs at least one label")
    label_type = Literal[tuple(labels)]  # type: ignore[valid-type]
    return create_model(  # type: ignore[call-overload, no-any-return]
        "LabeledText",
        __base__=LabeledText,
        text=(str, Field(min_length=min_chars, max_length=max_chars)),
        label=(label_type, ...),
    )


def payload_dict(payload: BaseModel) -> dict[str, object]:
    """A payload as plain JSON values (enums become their strings)."""
    return payload.model_dump(mode="json")
