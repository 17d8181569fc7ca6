"""The build's export step: after the evaluation, write `student.gguf` (and `student.Modelfile`
for Ollama) into the run folder, score it on the held-out rows the adapter was scored on, and put
both accuracies in the report.

What it found goes to `report.evaluation["export"]`: file, quant, size, sha256, the GGUF's and
the adapter's accuracy and macro-F1, and how often their predictions agree.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from schemas.errors import SynthmillError

STUDENT_FILE = "student.gguf"
_ERRORS = (SynthmillError, RuntimeError, MemoryError, OSError, ValueError)


class ExportFailed(SynthmillError):
    """The export failed; the dataset and the adapter were written and are not published."""


def _held_out(state: Any) -> tuple[pl.DataFrame, str, str]:
    """The held-out rows under the payload's field names, as the evaluation read them."""
    from schemas.tables import read_table

    roles, data = state.roles, state.config.data
    in_field, out_field = roles.input_field, roles.target_field
    held_in = roles.trusted_columns.get(in_field, in_field)
    held_out = roles.trusted_columns.get(out_field, out_field)
    rows = read_table(data.held_out, required=[held_in, held_out])
    return (
        rows.select(pl.col(held_in).alias(in_field), pl.col(held_out).alias(out_field)),
        in_field,
        out_field,
    )


def export_build(state: Any) -> dict[str, Any]:
    """Export the build's student and check it; returns (and records) the summary."""
    from pipelines.export.verify import score_gguf
    from pipelines.export.writer import export_gguf
    from pipelines.finetune import read_adapter_meta

    cfg = state.config.export
    adapter = state.run_dir / "adapter"
    result = export_gguf(
        adapter,
        state.run_dir / STUDENT_FILE,
        cfg.quant,
        base=cfg.base_gguf,
        name=f"{state.config.name} student",
        base_weights=cfg.base_weights,
    )
    summary: dict[str, Any] = {
        "file": STUDENT_FILE,
        "modelfile": result.modelfile.name,
        **result.model_dump(mode="json", exclude={"path", "modelfile"}),
    }
    evaluation = (state.report.evaluation or {}).get("evaluation") or {}
    student = evaluation.get("student")
    if not cfg.verify:
        summary["verified"] = "not asked (export.verify: false)"
    elif evaluation.get("task") != "labels" or student is None:
        summary["verified"] = "no labelled held-out evaluation to compare with"
    else:
        rows, in_field, out_field = _held_out(state)
        scored = score_gguf(
            result.path,
            rows,
            read_adapter_meta(adapter),
            config=state.config.finetune,
            input_field=in_field,
            label_field=out_field,
        )
        pred = scored.pop("predictions")
        agree = sum(a == b for a, b in zip(pred, student["predictions"], strict=True))
        summary["verified"] = {
            **scored,
            "adapter_accuracy": student["accuracy"],
            "adapter_macro_f1": student["macro_f1"],
            "accuracy_difference": scored["accuracy"] - student["accuracy"],
            "agreement": agree / max(len(pred), 1),
        }
    state.report.evaluation = {**(state.report.evaluation or {}), "export": summary}
    return summary


def run_export(state: Any) -> SynthmillError | None:
    """`export_build`, with a failure recorded in the report and returned, not raised (as the
    fine-tune step does): the dataset stays complete on disk and unpublished."""
    try:
        export_build(state)
    except _ERRORS as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        error = f"{type(exc).__name__}: {first}"
        state.report.evaluation = {**(state.report.evaluation or {}), "export": {"error": error}}
        state.report.not_published_because = f"the export failed ({type(exc).__name__})"
        return ExportFailed(
            f"export failed ({error}); the dataset and adapter are in {state.run_dir}, not "
            f"published; see {state.run_dir / 'report.md'}"
        )
    return None
