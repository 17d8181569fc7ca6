"""The student's prompt format as GGUF metadata (`synthmill.*` keys), and reading it back.

A runtime that loads the file (llama.cpp, Ollama, LM Studio) needs the exact text the student was
trained on; the keys carry it, so the file alone says how to ask it:

    synthmill.task             labels | instruction | chat
    synthmill.labels           the closed label set, in the order the prompt lists it
    synthmill.labels.json      the same as one JSON string (for readers that skip arrays)
    synthmill.prompt.template  the prompt with `{text}` where the (one-line) message goes
    synthmill.prompt.answer    what the student writes: ` {label}\\n` (a space, the label, a newline)
    synthmill.prompt.stop      where an answer ends (a newline)
    synthmill.prompt.chat      true when the prompt goes inside the model's chat template

Newlines inside a message are folded into spaces before it is put in the template, as in training.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.finetune_config import FinetuneConfig
from pipelines.prompt_format import (
    classification_answer,
    classification_prompt,
    instruction_answer,
    instruction_prompt,
)
from schemas.errors import ConfigError

PREFIX = "synthmill."
PLACEHOLDER = "{text}"


def prompt_template(meta: dict[str, Any]) -> tuple[str, str]:
    """(prompt template with `{text}`, answer pattern) for the student described by `meta`."""
    task = meta.get("task")
    cfg = meta.get("config") or {}
    if task == "labels":
        labels = meta.get("labels") or []
        # the default, where a hand-made config leaves it out, is the one evaluation reads too
        list_labels = FinetuneConfig.model_validate(cfg).list_labels
        template = classification_prompt(PLACEHOLDER, labels, list_labels=list_labels)
        return template, classification_answer("{label}")
    if task == "instruction":
        return instruction_prompt(PLACEHOLDER), instruction_answer("{response}")
    if task == "chat":
        return f"User: {PLACEHOLDER}\nAssistant:", " {response}\n"
    raise ConfigError(f"unknown student task '{task}' in the adapter's finetune_config.json")


def student_keys(meta: dict[str, Any], extra: dict[str, str]) -> dict[str, Any]:
    """The `synthmill.*` keys for this student (strings, bools, ints and string lists)."""
    if "task" not in meta:
        raise ConfigError(
            "the adapter has no finetune_config.json (its prompt format is unknown); export "
            "adapters trained by synthmill finetune or a build"
        )
    template, answer = prompt_template(meta)
    keys: dict[str, Any] = {
        "task": str(meta["task"]),
        "prompt.template": template,
        "prompt.answer": answer,
        "prompt.stop": "\n",
        "prompt.chat": bool(meta.get("chat", False)),
    }
    if meta.get("labels"):
        keys["labels"] = [str(label) for label in meta["labels"]]
        # the same list as one JSON string: llama-cpp-python's `Llama.metadata` leaves arrays out
        keys["labels.json"] = json.dumps(keys["labels"], ensure_ascii=False)
    if (meta.get("config") or {}).get("max_seq_len"):
        keys["max_seq_len"] = int(meta["config"]["max_seq_len"])
    keys.update(extra)
    return {PREFIX + k: v for k, v in keys.items()}


def read_metadata(source: Path | Any) -> dict[str, Any]:
    """Every key of a GGUF file (a path or an open `GGUFReader`), the large tokenizer arrays
    as their length."""
    from gguf import GGUFReader

    reader = source if isinstance(source, GGUFReader) else GGUFReader(source)
    out: dict[str, Any] = {}
    for key, field in reader.fields.items():
        if key.startswith("tokenizer.ggml.") and len(field.data) > 1000:
            out[key] = len(field.data)
            continue
        out[key] = field.contents()
    return out


def ollama_modelfile(gguf_file: str, template: str, max_tokens: int = 16) -> str:
    """An Ollama Modelfile for the exported file: its prompt template around `{{ .Prompt }}`,
    greedy decoding. The student ends its answer with a newline and EOS, where Ollama stops."""
    if '"""' in template:
        raise ConfigError('the prompt template contains """; write the Modelfile by hand')
    body = template.replace(PLACEHOLDER, "{{ .Prompt }}")
    return (
        f"FROM ./{gguf_file}\n"
        f'TEMPLATE """{body}"""\n'
        "PARAMETER temperature 0\n"
        f"PARAMETER num_predict {max_tokens}\n"
    )
