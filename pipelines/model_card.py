"""The adapter's model card (`README.md` in the adapter folder), in Hugging Face's format.

A YAML header (`base_model`, `library_name: peft`, `datasets`, `license`, `model-index` with the
held-out metrics, exactly as in `evaluation.json`), then what the adapter was trained on, its
prompt format, how to load it and its limits. `huggingface_hub.ModelCard.load` reads it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from pipelines.report_sections import held_out, model_name, models
from schemas.tables import atomic_open

EMBEDDED_HUB_ID = "google/gemma-3-270m"  # the embedded model is this one, GGUF Q4_K_M dequantised
_METRIC_TYPES = {
    "accuracy": "accuracy",
    "macro_f1": "f1",
    "loss": "loss",
    "perplexity": "perplexity",
}


def base_model_id(model: str) -> str:
    return EMBEDDED_HUB_ID if model == "embedded" else model


def _license(model: str) -> str:
    return "gemma" if model == "embedded" or "gemma" in model.lower() else "other"


def model_index(report: dict[str, Any], name: str, dataset: str) -> list[dict[str, Any]]:
    """The student's held-out metrics as a `model-index` entry ([] when it was not scored)."""
    ev = held_out(report)
    student = models(ev).get("student")
    if not student:
        return []
    metrics = []
    for key, kind in _METRIC_TYPES.items():
        if isinstance(student.get(key), (int, float)):
            entry: dict[str, Any] = {"type": kind, "value": student[key], "name": key}
            if key == "macro_f1":
                entry["args"] = {"average": "macro"}
            metrics.append(entry)
    task = "text-classification" if ev.get("task") == "labels" else "text-generation"
    return [
        {
            "name": name,
            "results": [
                {
                    "task": {"type": task},
                    "dataset": {
                        "name": f"{dataset} held-out real rows",
                        "type": dataset,
                        "split": "held_out",
                    },
                    "metrics": metrics,
                }
            ],
        }
    ]


def _prompt_example(adapter_dir: Path) -> str:
    path = adapter_dir / "sft_dataset.jsonl"
    if not path.is_file():
        return ""
    with path.open(encoding="utf-8") as fh:
        first = fh.readline()
    try:
        row = json.loads(first)
    except json.JSONDecodeError:
        return ""
    return str(row.get("prompt", "")) + str(row.get("completion", ""))


def model_card(
    report: dict[str, Any], adapter_dir: Path, *, model: str, dataset: str, license: str = ""
) -> str:
    """The card's text. `model` as in the fine-tune config ('embedded' or a folder or hub id);
    `dataset` the run's name; `license` of the training data (for the body)."""
    ev = held_out(report)
    wrapper = report.get("evaluation") or {}
    ft = wrapper.get("finetune") or {}
    name = f"{dataset}-student"
    header: dict[str, Any] = {
        "base_model": base_model_id(model),
        "library_name": "peft",
        "license": _license(model),
        "datasets": [f"{dataset}-synthetic"],
        "pipeline_tag": "text-generation",
        "tags": ["lora", "qlora", "synthmill", "synthetic-data"],
    }
    index = model_index(report, name, dataset)
    if index:
        header["model-index"] = index
    body = [f"# {name}", ""]
    body.append(
        f"A LoRA adapter (QLoRA, 4-bit NF4 base) for `{base_model_id(model)}`, trained by synthmill "
        f"on {ft.get('n_records', '?')} synthetic records of the `{dataset}` build "
        f"({ft.get('steps', '?')} steps on {ft.get('device', '?')}). The records, their provenance "
        "and validation are described in the run folder's dataset card (`../README.md`) and "
        "report (`../report.md`)."
    )
    rows = [
        (model_name(k, m), _metric(m, "accuracy"), _metric(m, "macro_f1"), m.get("n", ev.get("n")))
        for k, m in models(ev).items()
        if "accuracy" in m
    ]
    if rows:
        body += ["", f"## Held-out evaluation ({ev.get('n')} real rows, never in training)", ""]
        body += ["| model | accuracy | macro-F1 | n |", "|---|---|---|---|"]
        body += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    labels = ev.get("labels") or ft.get("labels") or []
    example = _prompt_example(adapter_dir)
    body += ["", "## Prompt format", ""]
    if labels:
        listed = _lists_labels(adapter_dir)
        shows = "lists the labels, then the message" if listed else "holds the message alone"
        body.append(
            f"Zero-shot classification: the prompt {shows}; the model answers with one label "
            "and a newline. synthmill scores each label's likelihood after the prompt, so the "
            f"answer is always one of: {', '.join(labels)}."
        )
    if example:
        body += ["", "One training example (prompt, then the answer it learned):", "", "```"]
        body += [example.rstrip(), "```"]
    body += [
        "",
        "## How to load it",
        "",
        "```python",
        "from peft import PeftModel",
        "from transformers import AutoModelForCausalLM, AutoTokenizer",
        "",
        f'base = AutoModelForCausalLM.from_pretrained("{base_model_id(model)}")',
        f'tokenizer = AutoTokenizer.from_pretrained("{base_model_id(model)}")',
        'model = PeftModel.from_pretrained(base, "path/to/this/adapter")',
        "```",
        "",
        "Or score it as synthmill does: `synthmill evaluate --adapter path/to/this/adapter "
        "--data held_out.csv --input-field text --label-field category`.",
        "",
        "## Limits",
        "",
        "- Trained on synthetic records written by a small teacher from a small trusted sample: "
        "it knows the labels and phrasings of that sample, nothing more.",
        "- Scored on one held-out split of real rows; expect lower accuracy on other sources.",
        "- A 270M-parameter base: fine for routing a closed set of labels, not for open "
        "generation or anything where a wrong answer is costly without review."
        if model == "embedded"
        else "- Check the base model's own limits and license.",
        f"- The base model's license applies ({_license(model)}"
        + (
            "; Gemma Terms of Use, https://ai.google.dev/gemma/terms"
            if _license(model) == "gemma"
            else ""
        )
        + f"); the training data's: {license or 'see the dataset card'}.",
    ]
    front = yaml.safe_dump(header, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n\n" + "\n".join(body) + "\n"


def _metric(m: dict[str, Any], key: str) -> str:
    value = m.get(key)
    return f"{value:.3f}" if isinstance(value, (int, float)) else ""


def write_model_card(
    report: dict[str, Any], adapter_dir: Path, *, model: str, dataset: str, license: str = ""
) -> Path | None:
    """Write `README.md` into the adapter folder (None when there is no adapter)."""
    if not (adapter_dir / "adapter_config.json").is_file():
        return None
    path = adapter_dir / "README.md"
    with atomic_open(path) as fh:
        fh.write(model_card(report, adapter_dir, model=model, dataset=dataset, license=license))
    return path


def _lists_labels(adapter_dir: Path) -> bool:
    """Whether the student's prompt lists the labels, as its `finetune_config.json` says."""
    meta = Path(adapter_dir) / "finetune_config.json"
    if not meta.is_file():
        return False
    config = json.loads(meta.read_text(encoding="utf-8")).get("config") or {}
    return bool(config.get("list_labels"))
