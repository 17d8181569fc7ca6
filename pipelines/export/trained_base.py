"""The base weights as the student saw them in training, for the merge.

A QLoRA student is trained, and evaluated, on a 4-bit (NF4) copy of its base: every projection
the adapter was fitted against is `dequantise(nf4(W))`, not the source GGUF's `W`. Merging the
LoRA delta into `W` instead gives a model the adapter never saw; on the embedded base (itself a
Q4_K_M GGUF) that moved about one held-out pick in ten and cost the q8_0 export 2.7 points
against the adapter. So the merge starts from the trained base: the base is loaded as the
fine-tune loaded it (`pipelines.finetune.load_base` with the adapter's own config, in the compute
dtype the fine-tune recorded), and each 4-bit layer is dequantised with its quantisation state.
On another device than the one it trained on, an NF4 code at a rounding boundary may differ. Layers the fine-tune kept in full
precision (embeddings, norms) are taken from the source GGUF as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from schemas.errors import ConfigError

# A 4-bit copy differs from its source by a few percent of the weights' norm; a layer that
# differs by more is not the same tensor (another base, or a layout gguf stores permuted).
MAX_RELATIVE_ERROR = 0.25  # NF4 of the embedded base: about 0.1


def load_student(meta: dict[str, Any], adapter_dir: Path | None = None) -> tuple[Any, Any]:
    """(model, tokenizer): the base as the fine-tune loaded it, in the compute dtype it recorded
    (not as chosen again here), with the adapter in `adapter_dir` attached when given."""
    from pipelines.evaluate import load_for_eval
    from pipelines.export.verify import student_settings

    settings = student_settings(meta)
    trained_dtype = str((meta.get("result") or {}).get("compute_dtype") or "")
    if trained_dtype in ("bfloat16", "float16", "float32"):
        settings = settings.model_copy(update={"compute_dtype": trained_dtype})
    return load_for_eval(settings, adapter=adapter_dir)


def trained_in_4bit(meta: dict[str, Any]) -> bool:
    """Whether the adapter is a synthmill student trained on a 4-bit base."""
    from pipelines.export.verify import student_settings

    return bool(meta.get("config")) and student_settings(meta).load_in_4bit


def trained_weights(
    meta: dict[str, Any], name_map: Any, model: Any = None
) -> dict[str, np.ndarray]:
    """{GGUF tensor name: float32 [out, in]} for every layer the fine-tune held in 4 bits; {}
    when the adapter carries no synthmill training config or trained without 4-bit. `model`:
    the student already loaded by `load_student` (else it is loaded here)."""
    if not trained_in_4bit(meta):
        return {}
    import bitsandbytes as bnb
    import torch

    from pipelines.export.merge import module_gguf_name

    if model is None:
        model = load_student(meta)[0]
    weights: dict[str, np.ndarray] = {}
    with torch.no_grad():
        for module_name, module in model.named_modules():
            if not isinstance(module, bnb.nn.Linear4bit):
                continue
            name = module_gguf_name(module_name, name_map)
            if name is None:  # outside the language model (a vision tower): not in the GGUF
                continue
            param = module.weight
            dense = bnb.functional.dequantize_4bit(param.data, param.quant_state)
            weights[f"{name}.weight"] = dense.float().cpu().numpy()
    return weights


def check_same(name: str, trained: np.ndarray, source: np.ndarray) -> None:
    """Refuse a trained-base layer that is not a 4-bit copy of the source GGUF's tensor."""
    if trained.shape != source.shape:
        raise ConfigError(
            f"the student's base layer '{name}' is {list(trained.shape)}, the GGUF's "
            f"{list(source.shape)}: the GGUF is not the base the student was trained on"
        )
    scale = float(np.linalg.norm(source)) or 1.0
    error = float(np.linalg.norm(trained - source)) / scale
    if error > MAX_RELATIVE_ERROR:
        raise ConfigError(
            f"the student's base layer '{name}' differs from the GGUF's by {error:.0%} of its "
            "norm: the GGUF is not the base the student was trained on (pass --base-gguf, or "
            "--base-weights source)"
        )
