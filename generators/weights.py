"""Identify a teacher's weights: the embedded model's GGUF checksum, a folder's content, a hub id."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from generators.embedded_model import EMBEDDED, embedded_weights_hash, synthmill_home

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".json", ".model")


def folder_hash(folder: Path) -> str:
    """sha256 over the weight and config files of a model folder, cached by size and mtime."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in _WEIGHT_SUFFIXES)
    stamp = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    cache = synthmill_home() / "weights-hashes.json"
    known = json.loads(cache.read_text()) if cache.is_file() else {}
    key = hashlib.sha256(json.dumps([str(folder.resolve()), stamp]).encode()).hexdigest()
    if key in known:
        return str(known[key])
    digest = hashlib.sha256()
    for p in files:
        digest.update(p.name.encode())
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    value = digest.hexdigest()
    known[key] = value
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(known))
    return value


def weights_hash(model: str) -> str:
    """A stable identity of the model's weights, for provenance and cache keys."""
    if model == EMBEDDED:
        return "gguf-sha256:" + embedded_weights_hash()
    path = Path(model)
    if path.is_dir():
        return "sha256:" + folder_hash(path)
    return "hub:" + model
