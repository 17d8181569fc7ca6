"""Merge a LoRA adapter into its base GGUF and write the student as one GGUF file.

The base's metadata (architecture, hyper-parameters, tokenizer with its `<bos>` flag) and tensor
order are kept; `general.name`, `general.file_type` and the `synthmill.*` prompt keys are set.
Each adapted weight is dequantised to float32, gets its LoRA delta, and is quantised again
(gguf's numpy quantisers; Q4_0 by GPTQ, below). With `base_weights="trained"` (the default)
every layer the fine-tune held in 4 bits starts from that 4-bit copy instead of the source GGUF
(`trained_base`): the weights the adapter was fitted and evaluated against. Weight types per
quant:

| tensor | q8_0 | q4_0 | f16 |
|---|---|---|---|
| attention and MLP projections | Q8_0 | Q4_0 | F16 |
| token_embd (tied to the output head), output | Q8_0 | Q4_0 (GPTQ) or Q8_0 | F16 |
| norms and other 1-D tensors | F32 | F32 | F32 |

Q4_0 projections are rounded by GPTQ against the student's own activations (`gptq`,
`calibration`) when calibration rows are there, else by the reference quantiser. The output
head (in Gemma the tied embedding, 262k rows, the largest tensor and most of a decoding step's
memory traffic) is rounded to Q4_0 only by GPTQ against the decoder's final hidden states on
those rows; without calibration rows it stays Q8_0. The embedding lookup reads the same rows.

A tensor that is neither merged nor changes type is copied byte for byte (the embedded base's
embedding is already Q8_0). A projection whose rows do not split into blocks falls back to F16.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.export import q4
from pipelines.export.calibration import HEAD, activation_moments, training_texts
from pipelines.export.gptq import gptq_q4_0
from pipelines.export.merge import lora_deltas, read_adapter_config
from pipelines.export.metadata import ollama_modelfile, prompt_template, student_keys
from pipelines.export.source import base_gguf, check_arch, sha256_file
from pipelines.export.trained_base import (
    check_same,
    load_student,
    trained_in_4bit,
    trained_weights,
)
from pipelines.export_config import BASE_WEIGHTS, QUANTS
from schemas.base import FrozenModel
from schemas.errors import ConfigError
from schemas.tables import atomic_open

# Tensors llama.cpp uses both as an embedding lookup and (tied) as the output projection.
_HEADS = ("token_embd.weight", "output.weight")
_SKIP_KEYS = ("GGUF.", "general.architecture", "general.file_type", "general.name")


class ExportResult(FrozenModel):
    """One exported file and where it came from."""

    path: Path
    modelfile: Path
    format: str = "gguf"
    quant: str
    size_bytes: int
    sha256: str
    seconds: float
    architecture: str
    base_gguf: str
    base_sha256: str
    merged_tensors: int
    base_weights: str = "source"
    trained_layers: int = 0
    calibration_rows: int = 0


def _qtypes(quant: str) -> tuple[Any, Any, Any]:
    """(projection type, head type, llama file type) for a quant name."""
    from gguf import GGMLQuantizationType as Q
    from gguf import LlamaFileType as F

    if quant not in QUANTS:
        raise ConfigError(f"unknown quant '{quant}' (choose one of {', '.join(QUANTS)})")
    return {
        "q8_0": (Q.Q8_0, Q.Q8_0, F.MOSTLY_Q8_0),
        "q4_0": (Q.Q4_0, Q.Q4_0, F.MOSTLY_Q4_0),
        "f16": (Q.F16, Q.F16, F.MOSTLY_F16),
    }[quant]


def _target(name: str, shape: tuple[int, ...], proj: Any, head: Any) -> Any:
    """The type a tensor is written in (rows that do not split into blocks fall back to F16)."""
    from gguf import GGML_QUANT_SIZES
    from gguf import GGMLQuantizationType as Q

    if len(shape) < 2:
        return Q.F32
    wanted = head if name in _HEADS else proj
    block = GGML_QUANT_SIZES[wanted][0]
    return wanted if shape[-1] % block == 0 else Q.F16


def _copy_metadata(reader: Any, writer: Any) -> None:
    from gguf import GGUFValueType

    for key, field in reader.fields.items():
        if key.startswith(_SKIP_KEYS):
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == GGUFValueType.ARRAY else None
        if vtype == GGUFValueType.ARRAY and len(field.types) > 2:
            raise ConfigError(f"base GGUF key '{key}' is a nested array; cannot copy it")
        writer.add_key_value(key, field.contents(), vtype, sub)


def _add_keys(writer: Any, keys: dict[str, Any]) -> None:
    from gguf import GGUFValueType as V

    for key, value in keys.items():
        if isinstance(value, bool):
            writer.add_key_value(key, value, V.BOOL)
        elif isinstance(value, int):
            writer.add_key_value(key, value, V.UINT32)
        elif isinstance(value, list):
            writer.add_key_value(key, value, V.ARRAY, V.STRING)
        else:
            writer.add_key_value(key, str(value), V.STRING)


def _add_tensors(
    reader: Any,
    writer: Any,
    deltas: dict[str, np.ndarray],
    proj: Any,
    head: Any,
    trained: dict[str, np.ndarray],
    moments: dict[str, np.ndarray],
) -> None:
    from gguf import GGMLQuantizationType as Q
    from gguf.quants import dequantize, quantize

    if HEAD in moments and "output.weight" not in {t.name for t in reader.tensors}:
        moments = {**moments, "token_embd.weight": moments[HEAD]}  # tied: the embedding is the head
    for tensor in reader.tensors:
        src = tensor.tensor_type
        shape = tuple(int(d) for d in reversed(tensor.shape.tolist()))  # numpy order: rows last
        want = _target(tensor.name, shape, proj, head)
        if want == Q.Q4_0 and tensor.name in _HEADS and tensor.name not in moments:
            want = Q.Q8_0  # a 4-bit head only by GPTQ on the student's own hidden states
        delta = deltas.get(tensor.name)
        if delta is None and want == src and tensor.name not in trained:
            data = np.asarray(tensor.data)
        else:
            weights = dequantize(np.asarray(tensor.data), src).reshape(shape).astype(np.float32)
            if tensor.name in trained:
                check_same(tensor.name, trained[tensor.name], weights)
                weights = trained[tensor.name]
            if delta is not None:
                if delta.shape != weights.shape:
                    raise ConfigError(
                        f"adapter delta for '{tensor.name}' is {list(delta.shape)}, the base "
                        f"tensor {list(weights.shape)}: the adapter was trained on another base"
                    )
                weights += delta
            if want == Q.Q4_0:
                second = moments.get(tensor.name)
                data = q4.reference(weights) if second is None else gptq_q4_0(weights, second)
            else:
                data = quantize(weights, want)
        if want in (Q.F32, Q.F16):
            writer.add_tensor(tensor.name, data)
        else:
            writer.add_tensor(tensor.name, data, raw_shape=data.shape, raw_dtype=want)


def export_gguf(
    adapter_dir: str | Path,
    out: str | Path,
    quant: str = "q8_0",
    *,
    base: str | Path | None = None,
    name: str | None = None,
    base_weights: str = "trained",
    calibration: list[str] | None = None,
) -> ExportResult:
    """Merge the adapter in `adapter_dir` into its base GGUF and write `out` (atomically), and
    an Ollama Modelfile for it beside it (`out` with the suffix `.Modelfile`).

    `base` is a GGUF of the student's base; None uses the embedded model's own GGUF when the
    adapter was trained on it. `name` becomes `general.name` (default: base name + "student").
    `base_weights` is "trained" (merge into the 4-bit copy of the base the adapter was trained
    on, when it was) or "source" (merge into the base GGUF's own weights). `calibration`: texts
    whose activations the q4_0 rounding is fitted to (GPTQ, `calibration`); None reads the
    student's own training rows from the adapter folder, [] rounds by the reference quantiser.
    """
    import gguf

    from pipelines.finetune import read_adapter_meta

    start = time.perf_counter()
    adapter, target = Path(adapter_dir), Path(out)
    proj, head, file_type = _qtypes(quant)
    if base_weights not in BASE_WEIGHTS:
        raise ConfigError(
            f"unknown base weights '{base_weights}' (choose one of {', '.join(BASE_WEIGHTS)})"
        )
    meta = read_adapter_meta(adapter)
    source, source_sha = base_gguf(meta, read_adapter_config(adapter), Path(base) if base else None)
    try:
        reader = gguf.GGUFReader(source)
        arch = str(reader.fields["general.architecture"].contents())
    except (ValueError, KeyError, IndexError) as exc:  # gguf's own words for a file it cannot read
        raise ConfigError(
            f"{source}: not a GGUF file of a model ({exc}); pass a GGUF of the student's base, "
            "e.g. from llama.cpp's convert_hf_to_gguf.py"
        ) from None
    check_arch(arch, source)
    n_blocks = int(reader.fields[f"{arch}.block_count"].contents())
    arch_id = next(k for k, v in gguf.MODEL_ARCH_NAMES.items() if v == arch)
    name_map = gguf.get_tensor_name_map(arch_id, n_blocks)
    deltas = lora_deltas(adapter, name_map)
    missing = sorted(set(deltas) - {t.name for t in reader.tensors})
    if missing:
        raise ConfigError(f"{source}: no tensor '{missing[0]}' for the adapter; wrong base GGUF?")
    texts: list[str] = []
    if quant == "q4_0" and meta.get("config"):  # a synthmill student: its model is known
        texts = training_texts(adapter) if calibration is None else calibration
    wants_trained = base_weights == "trained" and trained_in_4bit(meta)
    student = load_student(meta, adapter) if texts or wants_trained else None  # loaded once
    trained = trained_weights(meta, name_map, student[0]) if wants_trained and student else {}
    missing = sorted(set(trained) - {t.name for t in reader.tensors})
    if missing:
        raise ConfigError(f"{source}: no tensor '{missing[0]}' for the student's base")
    moments = activation_moments(meta, adapter, texts, name_map, student) if texts else {}
    del student
    base_name = reader.fields["general.name"].contents() if "general.name" in reader.fields else ""
    adapter_sha = sha256_file(adapter / "adapter_model.safetensors")
    keys = student_keys(
        meta,
        {
            "quant": quant,
            "base.sha256": source_sha,
            "adapter.sha256": adapter_sha,
        },
    )
    tmp = target.with_name(f".{target.name}.tmp")
    target.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(tmp, arch)
    try:
        writer.add_name(name or f"{base_name or arch} synthmill student".strip())
        writer.add_file_type(int(file_type))
        _copy_metadata(reader, writer)
        _add_keys(writer, keys)
        _add_tensors(reader, writer, deltas, proj, head, trained, moments)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        os.replace(tmp, target)
    finally:
        writer.close()
        tmp.unlink(missing_ok=True)
    modelfile = target.with_suffix(".Modelfile")
    with atomic_open(modelfile) as fh:
        fh.write(ollama_modelfile(target.name, prompt_template(meta)[0]))
    return ExportResult(
        path=target,
        modelfile=modelfile,
        quant=quant,
        size_bytes=target.stat().st_size,
        sha256=sha256_file(target),
        seconds=round(time.perf_counter() - start, 2),
        architecture=arch,
        base_gguf=str(source),
        base_sha256=source_sha,
        merged_tensors=len(deltas),
        base_weights="trained" if trained else "source",
        trained_layers=len(trained),
        calibration_rows=len(texts) if moments else 0,
    )
