"""Proof that an exported GGUF is the student: read it back with an independent reader
(transformers' GGUF loader, which dequantises it into a plain torch model) and score it with the
same held-out evaluation as the adapter (`pipelines.evaluate.evaluate_labels`).

transformers builds the tokenizer from the GGUF's vocabulary but ignores its
`tokenizer.ggml.add_bos_token`; the flag is applied here, as llama.cpp applies it, so the model
sees the `<bos>` it was trained with.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.finetune_config import FinetuneConfig


def load_gguf(path: str | Path) -> tuple[Any, Any]:
    """(model in float32, eval mode; tokenizer) from one GGUF file, through transformers."""
    import torch
    from gguf import GGUFReader
    from transformers import AutoModelForCausalLM, AutoTokenizer

    file = Path(path).resolve()
    folder, name = str(file.parent), file.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    field = GGUFReader(file).fields.get("tokenizer.ggml.add_bos_token")
    if field is not None and bool(field.contents()):
        tokenizer.add_bos_token = True
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    model.eval()
    return model, tokenizer


def student_settings(meta: dict[str, Any], config: FinetuneConfig | None = None) -> FinetuneConfig:
    """The student's training config with its prompt style pinned (the GGUF tokenizer may or may
    not carry a chat template; the student's prompt is what it was trained on).

    The prompt (label list, template) is always the adapter's own, as the build's evaluation
    takes it; `config` gives only how to score (`eval`), as it does there.
    """
    trained = meta.get("config")
    if trained:
        cfg = FinetuneConfig.model_validate(trained)
        if config is not None:
            cfg = cfg.model_copy(update={"eval": config.eval})
    else:
        cfg = config or FinetuneConfig()
    return cfg.model_copy(update={"prompt_style": "chat" if meta.get("chat") else "plain"})


def score_model(
    model: Any,
    tokenizer: Any,
    rows: pl.DataFrame,
    meta: dict[str, Any],
    *,
    config: FinetuneConfig | None = None,
    input_field: str = "text",
    label_field: str = "label",
) -> dict[str, Any]:
    """Accuracy and macro-F1 of a loaded model on labelled held-out rows, zero-shot, scored as
    the build scores its student (same prompt, label set, score and row sample)."""
    from pipelines.evaluate import evaluate_labels

    report = evaluate_labels(
        rows,
        meta.get("labels") or None,
        config=student_settings(meta, config),
        input_field=input_field,
        label_field=label_field,
        trained=(model, tokenizer),
    )
    scored = report["base"]  # no adapter given: the one model scored, zero-shot
    return {
        "n": report["n"],
        "accuracy": scored["accuracy"],
        "macro_f1": scored["macro_f1"],
        "seconds": scored["seconds"],
        "predictions": scored["predictions"],
    }


def score_gguf(
    path: str | Path,
    rows: pl.DataFrame,
    meta: dict[str, Any],
    *,
    config: FinetuneConfig | None = None,
    input_field: str = "text",
    label_field: str = "label",
) -> dict[str, Any]:
    """Load the GGUF with transformers and score it on `rows` (see `score_model`)."""
    start = time.perf_counter()
    model, tokenizer = load_gguf(path)
    loaded = round(time.perf_counter() - start, 2)
    result = score_model(
        model,
        tokenizer,
        rows,
        meta,
        config=config,
        input_field=input_field,
        label_field=label_field,
    )
    return {"reader": "transformers", "load_seconds": loaded, **result}


def score_adapter(
    adapter_dir: str | Path,
    rows: pl.DataFrame,
    meta: dict[str, Any],
    *,
    config: FinetuneConfig | None = None,
    input_field: str = "text",
    label_field: str = "label",
) -> dict[str, Any]:
    """The adapter on its (4-bit) base, scored on `rows` exactly like `score_gguf`."""
    from pipelines.evaluate import load_for_eval

    cfg = student_settings(meta, config)
    model, tokenizer = load_for_eval(cfg, adapter=adapter_dir)
    return score_model(
        model,
        tokenizer,
        rows,
        meta,
        config=cfg,
        input_field=input_field,
        label_field=label_field,
    )
