"""Calibration for the q4_0 export: the second moment of every projection's input activations,
`E[x xᵀ]` over the student's own prompts, the matrix GPTQ (Frantar et al. 2023) rounds against.
Its diagonal is the importance matrix llama.cpp's `llama-imatrix` measures.

The prompts are the rows the student was trained on, as it saw them: the `sft_dataset.jsonl`
the fine-tune writes beside every adapter (prompt and completion, in the student's own format),
never the held-out rows the export is scored on. The model is the student itself, base and
adapter loaded as the evaluation loads them, so the activations are the ones the exported layers
will see. Only the decoder runs (no vocabulary projection, no KV cache), on rows cut to the
student's `max_seq_len`; padding is not counted. The head's input is the decoder's output, so
its moments come without running the 262k-row vocabulary projection.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

SFT_FILE = "sft_dataset.jsonl"
CALIBRATION_ROWS = 128
HEAD = "output.weight"  # the output head's moments, also those of a tied token_embd
BATCH = 8
_SPECIAL = ("<bos>", "<eos>", "<end_of_turn>")


def training_texts(adapter_dir: Path, limit: int = CALIBRATION_ROWS) -> list[str]:
    """Up to `limit` training rows of the student in `adapter_dir` (prompt + completion of its
    `sft_dataset.jsonl`, without the `<bos>`/`<eos>` the tokenizer adds); [] when there is none."""
    path = adapter_dir / SFT_FILE
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
            if not isinstance(row, dict):
                continue
            text = f"{row.get('prompt') or ''}{row.get('completion') or ''}"
            for token in _SPECIAL:
                text = text.replace(token, "")
            if text.strip():
                texts.append(text)
    return texts


def activation_moments(
    meta: dict[str, Any],
    adapter_dir: Path,
    texts: list[str],
    name_map: Any,
    student: tuple[Any, Any] | None = None,
) -> dict[str, np.ndarray]:
    """{GGUF tensor name: `E[x xᵀ]`, float32 [in, in]} for every linear layer of the student's
    decoder, and for the output head (`HEAD`: the decoder's final hidden states), over the
    tokens of `texts` (padding not counted). Layers fed the same input (q/k/v, gate/up) share
    one array. `student`: (model, tokenizer) already loaded by
    `trained_base.load_student` with the adapter (else loaded)."""
    import torch

    from pipelines.export.merge import module_gguf_name
    from pipelines.export.trained_base import load_student
    from pipelines.export.verify import student_settings
    from pipelines.scoring import causal_parts

    model, tokenizer = student or load_student(meta, adapter_dir)
    max_len = student_settings(meta).max_seq_len
    decoder = causal_parts(model)[1]
    sums: dict[str, Any] = {}  # one running sum per distinct input
    counts: dict[str, int] = {}
    shares: dict[str, str] = {}  # layer -> the layer whose input (and sum) it shares
    hooks = []
    batch_state: dict[str, Any] = {}  # the batch's attention mask, and the last input seen

    def watch(name: str) -> Any:
        def hook(_module: Any, args: tuple[Any, ...]) -> None:
            seen = batch_state.get("last")
            if seen is not None and seen[0] is args[0]:  # q/k/v and gate/up share one input
                shares[name] = seen[1]
                return
            shares[name] = name
            batch_state["last"] = (args[0], name)
            x = args[0].detach().float()[batch_state["mask"]]
            if name in sums:
                sums[name].addmm_(x.T, x)
            else:
                sums[name] = x.T @ x
            counts[name] = counts.get(name, 0) + x.shape[0]

        return hook

    for module_name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear) or "lora_" in module_name:
            continue
        name = module_gguf_name(module_name, name_map)
        if name is not None and name not in ("output", "token_embd"):
            hooks.append(module.register_forward_pre_hook(watch(f"{name}.weight")))
    device = next(model.parameters()).device
    try:
        with torch.no_grad():
            for lo in range(0, len(texts), BATCH):
                batch = tokenizer(
                    texts[lo : lo + BATCH],
                    return_tensors="pt",
                    padding=True,
                    truncation=True,
                    max_length=max_len,
                )
                batch_state.clear()
                batch_state["mask"] = batch["attention_mask"].to(device).bool()
                out = decoder(
                    input_ids=batch["input_ids"].to(device),
                    attention_mask=batch["attention_mask"].to(device),
                    use_cache=False,
                )
                # the output head's input: the decoder's last (normed) hidden states
                x = out.last_hidden_state.detach().float()[batch_state["mask"]]
                sums[HEAD] = x.T @ x if HEAD not in sums else sums[HEAD].addmm_(x.T, x)
                counts[HEAD] = counts.get(HEAD, 0) + x.shape[0]
                shares[HEAD] = HEAD
    finally:
        for hook in hooks:
            hook.remove()
    for key, total in sums.items():
        total /= counts[key]
    return {name: sums[key].cpu().numpy() for name, key in shares.items()}
