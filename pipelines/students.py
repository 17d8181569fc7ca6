"""Does the synthetic data add anything to the real rows I already have? Three students.

With `finetune.include_trusted: true`, a labelled build trains two more students with the same
settings as the synthetic one: on the scrubbed trusted rows alone, and on the trusted rows plus
the synthetic records. All three are scored zero-shot on the same held-out rows. The synthetic
student stays the build's student (`adapter/`); the others go to `students/<name>/`.

Trained by epochs, trusted + synthetic takes more optimizer steps than the trusted rows alone,
so part of any gain is the extra steps. A fourth student, `trusted_equal_steps`, trains on the
trusted rows for as many steps as trusted + synthetic took (the rows seen again), so the
difference between those two is what the synthetic records add at equal compute. It is left
out when `max_steps` already makes the steps equal, or with `equal_steps_student: false` (the
report's table gives every student's steps either way).

A student that finished in an earlier run of the same folder is not trained again
(`pipelines.kept_runs`: its entry is saved beside its adapter with a fingerprint of what
decides it).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import polars as pl

from pipelines.kept_runs import fingerprint, keep, kept, record_path
from pipelines.state import BuildState

EQUAL = "trusted_equal_steps"


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
    bases: Any = None,
) -> dict[str, Any]:
    """Accuracy and macro-F1 of the trusted-only and trusted+synthetic students on `held` (the
    synthetic-only one is `synthetic["student"]`), with the ratio and the difference that answer
    the question. `score` is `pipelines.evaluate.evaluate_labels` (passed in: the evaluation
    calls this module). `bases` (a `pipelines.finetune.BaseCopies`) gives each student a copy of
    the base loaded once."""
    from pipelines.finetune import BaseCopies, train_student

    bases = bases or BaseCopies()

    cfg, labels = state.config.finetune, list(state.config.data.labels) or None
    sets = training_sets(state, in_field, out_field)

    def student(
        name: str, frame: pl.DataFrame, settings: Any, training_data: str, last: bool = False
    ) -> dict:
        folder = state.run_dir / "students" / name
        key = fingerprint(frame, settings, labels, held)
        record = record_path(state.run_dir, name)
        earlier = kept(folder, record, key, name)
        if earlier is not None:
            return {**earlier, "from_earlier_run": True}
        result, trained = train_student(
            frame,
            settings,
            folder,
            task="labels",
            input_field=in_field,
            label_field=out_field,
            labels=labels,
            model=bases.copy(settings, last=last),
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
        keep(folder, record, key, entry)
        return entry

    out: dict[str, Any] = {
        "trusted": student("trusted", sets["trusted"], cfg, "trusted rows (scrubbed)"),
        "trusted+synthetic": student(
            "trusted+synthetic",
            sets["trusted+synthetic"],
            cfg,
            "trusted + synthetic",
            last=cfg.max_steps > 0 or not cfg.equal_steps_student,  # no student follows
        ),
    }
    steps = out["trusted+synthetic"]["steps"]
    unequal = cfg.max_steps <= 0 and steps > out["trusted"]["steps"]  # by epochs
    if unequal and cfg.equal_steps_student:
        out[EQUAL] = student(
            EQUAL,
            sets["trusted"],
            cfg.model_copy(update={"max_steps": steps}),
            f"trusted rows (scrubbed), {steps} steps as trusted + synthetic",
            last=True,
        )
    trusted, both = out["trusted"], out["trusted+synthetic"]
    synth = synthetic["student"]["accuracy"]
    out["synthetic_over_trusted"] = round(synth / trusted["accuracy"], 4)
    out["trusted+synthetic_minus_trusted"] = round(both["accuracy"] - trusted["accuracy"], 4)
    if EQUAL in out:
        key = "trusted+synthetic_minus_trusted_equal_steps"
        out[key] = round(both["accuracy"] - out[EQUAL]["accuracy"], 4)
    return out
