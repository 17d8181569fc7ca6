"""The built-in generators: `labeled_text` (text + closed-set label) and `instruction`."""

from __future__ import annotations

import json
import random
from typing import Any

import polars as pl
from pydantic import BaseModel

from generators.base import Generator, GeneratorContext, Prompt, Roles
from generators.registry import register_generator
from generators.samplers import FewShotSampler, WeightedChoice, pick
from schemas.errors import ConfigError
from schemas.payloads import Instruction, labeled_text_model
from schemas.shown_values import unknown_labels

#: A label with fewer trusted rows draws its target length from all rows.
MIN_ROWS_FOR_LABEL_LENGTH = 5


def _json_line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _header(context: GeneratorContext, default: str, persona: str | None, topic: str | None) -> str:
    lines = [context.domain or default]
    if persona:
        lines.append(f"These were written by {persona}.")
    if topic:
        lines.append(f"Topic: {topic}.")
    return "\n".join(lines)


@register_generator
class LabeledTextGenerator(Generator):
    """New texts per label, few-shot from the trusted sample rows of that label.

    The completion prompt is a list of JSON lines (label first, then text) that a base model
    continues; the schema pins the label to the sampled one and constrains the text length.
    """

    name = "labeled_text"
    version = "1"

    def __init__(self, context: GeneratorContext, trusted: pl.DataFrame) -> None:
        super().__init__(context, trusted)
        data = context.data
        for column in (data.text_field, data.label_field):
            if column not in trusted.columns:
                raise ConfigError(
                    f"{data.trusted}: missing field '{column}' for the labeled_text generator; "
                    f"fix data.text_field / data.label_field (found: {', '.join(trusted.columns)})"
                )
        labels = data.labels or sorted(trusted[data.label_field].unique().to_list())
        shown = unknown_labels(trusted[data.label_field].to_list(), labels, data.label_field)
        if shown:
            raise ConfigError(
                f"{data.trusted}: labels not in data.labels: {shown}; add them or drop those rows"
            )
        self.labels = labels
        # no labels only when checking the columns on no rows: the weights are checked with them
        weights = context.sampling.label_weights if labels else None
        try:
            self.choose_label = WeightedChoice(labels, weights)
        except ValueError as exc:
            raise ConfigError(f"sampling.label_weights: {exc}") from None
        self.few_shot = FewShotSampler(trusted, group_field=data.label_field)
        self.word_counts = [len(str(t).split()) for t in trusted[data.text_field].to_list()]
        self.lengths_of: dict[str, list[int]] = {}
        for label, words in zip(trusted[data.label_field].to_list(), self.word_counts, strict=True):
            self.lengths_of.setdefault(str(label), []).append(words)
        s = context.sampling
        self._model = labeled_text_model(labels, min_chars=s.min_chars, max_chars=s.max_chars)

    def output_model(self) -> type[BaseModel]:
        return self._model

    def roles(self) -> Roles:
        d = self.context.data
        return Roles(
            text_fields=("text",),
            label_field="label",
            trusted_columns={"text": d.text_field, "label": d.label_field},
            task="labels",
            input_field="text",
            target_field="label",
        )

    def sample(self, rng: random.Random) -> dict[str, Any]:
        label = self.choose_label(rng)
        s = self.context.sampling
        attributes: dict[str, Any] = {
            "label": label,
            "persona": pick(s.personas, rng),
            "topic": pick(s.topics, rng),
        }
        if not s.match_length or not self.word_counts:
            attributes["few_shot"] = self.few_shot(s.few_shot, rng, group=label)
            return attributes
        # a length drawn from the trusted rows of this label (all rows where it has few), and
        # examples near that length: a weak teacher copies the length it is shown
        own = self.lengths_of.get(label, [])
        target = rng.choice(own if len(own) >= MIN_ROWS_FOR_LABEL_LENGTH else self.word_counts)
        attributes["target_words"] = target
        attributes["few_shot"] = self.few_shot.near(
            s.few_shot, rng, self.word_counts, target, group=label
        )
        return attributes

    def build_prompt(self, attributes: dict[str, Any]) -> Prompt:
        data = self.context.data
        shots = [self.few_shot.row(i) for i in attributes["few_shot"]]
        lines = [
            _json_line({"label": r[data.label_field], "text": r[data.text_field]}) for r in shots
        ]
        header = _header(
            self.context,
            "Real messages, one JSON object per line, each with its label.",
            attributes.get("persona"),
            attributes.get("topic"),
        )
        target = attributes.get("target_words")
        if target is not None:
            header += f"\nEach message is one complete message of about {target} words."
        text = header + "\n\n" + "\n".join(lines) + "\n"
        length = f" of about {target} words" if target is not None else ""
        instruction = (
            f"{header}\nWrite one new complete message{length} with the label "
            f"'{attributes['label']}', different from the examples. Answer with a JSON object "
            "with keys label and text."
        )
        messages = [{"role": "user", "content": instruction + "\n\nExamples:\n" + "\n".join(lines)}]
        return Prompt(text=text, messages=messages)

    def response_schema(self, attributes: dict[str, Any]) -> dict[str, Any]:
        schema = self._model.model_json_schema()
        props = schema["properties"]
        # no maxLength for the teacher: a cap in constrained decoding cuts a message mid-word;
        # a text over `max_chars` is rejected as too_long instead
        props["text"] = {k: v for k, v in props["text"].items() if k != "maxLength"}
        label = dict(props["label"])
        label.pop("title", None)
        if self.context.sampling.pin_label:
            label["enum"] = [attributes["label"]]
        label.setdefault("type", "string")
        # Label first: the text is then written conditioned on the label.
        schema["properties"] = {"label": label, "text": props["text"]}
        schema["required"] = ["label", "text"]
        schema["additionalProperties"] = False
        return schema

    def check(self, payload: BaseModel, attributes: dict[str, Any]) -> str | None:
        if self.context.sampling.pin_label and payload.label != attributes["label"]:  # type: ignore[attr-defined]
            return f"label '{payload.label}' is not the sampled '{attributes['label']}'"  # type: ignore[attr-defined]
        return None


@register_generator
class InstructionGenerator(Generator):
    """New instruction/response pairs in the style of the trusted sample."""

    name = "instruction"
    version = "1"

    def __init__(self, context: GeneratorContext, trusted: pl.DataFrame) -> None:
        super().__init__(context, trusted)
        d = context.data
        for column in (d.instruction_field, d.response_field):
            if column not in trusted.columns:
                raise ConfigError(
                    f"{d.trusted}: missing field '{column}' for the instruction generator"
                )
        self.few_shot = FewShotSampler(trusted)

    def output_model(self) -> type[BaseModel]:
        return Instruction

    def roles(self) -> Roles:
        d = self.context.data
        return Roles(
            text_fields=("instruction", "response"),
            trusted_columns={"instruction": d.instruction_field, "response": d.response_field},
            task="instruction",
            input_field="instruction",
            target_field="response",
        )

    def sample(self, rng: random.Random) -> dict[str, Any]:
        s = self.context.sampling
        return {
            "persona": pick(s.personas, rng),
            "topic": pick(s.topics, rng),
            "few_shot": self.few_shot(s.few_shot, rng),
        }

    def build_prompt(self, attributes: dict[str, Any]) -> Prompt:
        d = self.context.data
        shots = [self.few_shot.row(i) for i in attributes["few_shot"]]
        lines = [
            _json_line({"instruction": r[d.instruction_field], "response": r[d.response_field]})
            for r in shots
        ]
        header = _header(
            self.context,
            "Instructions and good responses, one JSON object per line.",
            attributes.get("persona"),
            attributes.get("topic"),
        )
        text = header + "\n\n" + "\n".join(lines) + "\n"
        messages = [
            {
                "role": "user",
                "content": header + "\nWrite one new pair as a JSON object with keys instruction "
                "and response, different from these:\n" + "\n".join(lines),
            }
        ]
        return Prompt(text=text, messages=messages)
