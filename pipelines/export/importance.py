"""An importance matrix for the export: how strongly each input channel of each projection is
driven on the student's own prompts (the mean square of its activations), as llama.cpp's
`llama-imatrix` measures it. The q4_0 quantiser weights its rounding error by it.

The prompts are the student's training rows (`train.jsonl` of the run folder, or any texts
given): never the held-out rows the export is scored on. The model is the student itself,
base and adapter loaded as the evaluation loads them, so the activations are the ones the
exported layers will see.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

CALIBRATION_ROWS = 128
BATCH = 8


def training_texts(run_dir: Path, limit: int = CALIBRATION_ROWS) -> list[str]:
    """The student's training prompts with their answers, from a run folder's train.jsonl
    (chat messages: each turn's content, joined by newlines); [] when there is none."""
    path = run_dir / "train.jsonl"
    if not path.is_file():
        return []
    texts: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if len(texts) >= limit:
                break
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            turns = row.get("messages") if isinstance(row, dict) else None
            if isinstance(turns, list):
                parts = [str(t.get("content", "")) for t in turns if isinstance(t, dict)]
                texts.append(" ".join(parts))
            elif isinstance(row, dict) and isinstance(row.get("text"), str):
                texts.append(row["text"])
    return [t for t in texts if t.strip()]


def importance_matrix(
    meta: dict[str, Any], adapter_dir: Path, texts: list[str], name_map: Any
) -> dict[str, np.ndarray]:
    """{GGUF tensor name: mean square activation per input channel} for every linear layer of
    the student's decoder, measured over `texts`."""
    import torch

    from pipelines.evaluate import load_for_eval
    from pipelines.export.merge import gguf_name
    from pipelines.export.verify import student_settings

    model, tokenizer = load_for_eval(student_settings(meta), adapter=adapter_dir)
    sums: dict[str, Any] = {}
    counts: dict[str, int] = {}
    hooks = []
    real: dict[str, Any] = {}  # the batch's attention mask: padding is not counted

    def watch(name: str) -> Any:
        def hook(_module: Any, args: tuple[Any, ...]) -> None:
            x = args[0].detach().float()[real["mask"]]
            sums[name] = sums.get(name, 0) + x.square().sum(0)
            counts[name] = counts.get(name, 0) + x.shape[0]

        return hook

    for module_name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear) or "lora_" in module_name:
            continue
        name = gguf_name(
            module_name.removesuffix(".base_layer").removeprefix("base_model.model."), name_map
        )
        if name is not None and name not in ("output", "token_embd"):
            hooks.append(module.register_forward_pre_hook(watch(f"{name}.weight")))
    try:
        with torch.no_grad():
            for lo in range(0, len(texts), BATCH):
                batch = tokenizer(texts[lo : lo + BATCH], return_tensors="pt", padding=True)
                device = next(model.parameters()).device
                real["mask"] = batch["attention_mask"].to(device).bool()
                model(
                    input_ids=batch["input_ids"].to(device),
                    attention_mask=batch["attention_mask"].to(device),
                )
    finally:
        for hook in hooks:
            hook.remove()
    del model
    return {name: (total / counts[name]).cpu().numpy() for name, total in sums.items()}
