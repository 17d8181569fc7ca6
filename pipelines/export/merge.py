"""LoRA deltas read straight from a PEFT adapter file, named as the GGUF names their weights.

For every adapted linear layer the delta is `B @ A * alpha / r` (`alpha / sqrt(r)` with rsLoRA),
in float32, shaped `[out, in]`: the row-major layout of the layer's dequantised GGUF tensor. The
rank comes from A's shape, so `rank_pattern` needs no parsing; `alpha_pattern` is honoured.
Anything a plain weight merge cannot express (DoRA, trained embeddings, modules_to_save, LoRA
biases) is refused with a ConfigError rather than dropped silently.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from schemas.errors import ConfigError
from schemas.tables import read_json_object

ADAPTER_FILE = "adapter_model.safetensors"
_PREFIX = "base_model.model."
_KEY = re.compile(r"^(?P<module>.+)\.lora_(?P<part>[AB])(?:\.[^.]+)?\.weight$")
# HF module paths of multimodal wrappers, tried after the plain one.
_ALIASES = (("model.language_model.", "model."), ("language_model.model.", "model."))


def read_adapter_config(adapter_dir: Path) -> dict[str, Any]:
    path = adapter_dir / "adapter_config.json"
    if not path.is_file():
        raise ConfigError(f"{adapter_dir}: not a PEFT adapter folder (no adapter_config.json)")
    cfg = read_json_object(path, "pass the folder a fine-tune wrote")
    if cfg.get("peft_type", "LORA") != "LORA":
        raise ConfigError(f"{adapter_dir}: a {cfg['peft_type']} adapter; export merges LoRA only")
    unsupported = {
        "use_dora": "DoRA",
        "fan_in_fan_out": "fan_in_fan_out",
        "lora_bias": "LoRA biases",
        "modules_to_save": "modules_to_save",
        "trainable_token_indices": "trained token embeddings",
        "layer_replication": "layer replication",
    }
    for key, what in unsupported.items():
        if cfg.get(key):
            raise ConfigError(f"{adapter_dir}: {what} cannot be merged into a GGUF by export")
    return cfg


def _alpha(cfg: dict[str, Any], module: str) -> float:
    for pattern, alpha in (cfg.get("alpha_pattern") or {}).items():
        if re.fullmatch(rf"(.*\.)?{pattern}", module):
            return float(alpha)
    return float(cfg["lora_alpha"])


def gguf_name(module: str, name_map: Any) -> str | None:
    """The GGUF tensor name (without `.weight`) of an HF module path, by gguf's name map."""
    candidates = [module] + [module.replace(a, b, 1) for a, b in _ALIASES if a in module]
    for candidate in candidates:
        found = name_map.get_name(candidate)
        if found is not None:
            return str(found)
    return None


def module_gguf_name(module_name: str, name_map: Any) -> str | None:
    """`gguf_name` of a module path of a loaded model, under a PEFT wrapper or not."""
    path = module_name.removeprefix(_PREFIX).removesuffix(".base_layer")
    return gguf_name(path, name_map)


def lora_deltas(adapter_dir: Path, name_map: Any) -> dict[str, np.ndarray]:
    """{GGUF tensor name: float32 delta [out, in]} for every adapted layer of the adapter."""
    import torch
    from safetensors.torch import load_file

    cfg = read_adapter_config(adapter_dir)
    path = adapter_dir / ADAPTER_FILE
    if not path.is_file():
        raise ConfigError(f"{adapter_dir}: no {ADAPTER_FILE}; pass the folder the fine-tune wrote")
    parts: dict[str, dict[str, torch.Tensor]] = {}
    for key, tensor in load_file(str(path)).items():
        found = _KEY.match(key.removeprefix(_PREFIX))
        if found is None:
            raise ConfigError(f"{path}: tensor '{key}' is not a LoRA A/B weight; cannot merge it")
        parts.setdefault(found["module"], {})[found["part"]] = tensor
    if not parts:
        raise ConfigError(f"{path}: no LoRA weights in the adapter")
    deltas: dict[str, np.ndarray] = {}
    for module, ab in sorted(parts.items()):
        if set(ab) != {"A", "B"}:
            raise ConfigError(f"{path}: '{module}' has lora_A or lora_B but not both")
        name = gguf_name(module, name_map)
        if name is None:
            raise ConfigError(f"{path}: no GGUF tensor for the adapted layer '{module}'")
        a, b = ab["A"].float(), ab["B"].float()
        rank = a.shape[0]
        scale = _alpha(cfg, module) / (math.sqrt(rank) if cfg.get("use_rslora") else rank)
        deltas[f"{name}.weight"] = ((b @ a) * scale).numpy()
    return deltas
