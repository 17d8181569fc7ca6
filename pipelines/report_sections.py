"""The parts of `report.md` a person reads first: the evaluation as tables, per-label F1, the plots,
sample records and the time each stage took. Pure functions of the report dict (`report.json`).

The evaluation lives in `report["evaluation"]`: `{"finetune": ..., "evaluation": <the dict in
evaluation.json>, "plots": [...], "export": ...}`, or `{"gate_failed": ...}`. Models other than
`base` and `student` (e.g. students trained on the trusted rows alone) appear when the evaluation
has them: any entry with an accuracy (or a loss), top level or under `students`.
"""

from __future__ import annotations

from typing import Any

_NOT_MODELS = {"difference", "gate", "export", "plots"}
_HEADERS = {
    "accuracy": "accuracy",
    "macro_f1": "macro-F1",
    "loss": "loss",
    "perplexity": "perplexity",
}


def _table(rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _num(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def held_out(report: dict[str, Any]) -> dict[str, Any]:
    """The held-out evaluation (what `evaluation.json` holds), {} when there is none."""
    wrapper = report.get("evaluation") or {}
    return wrapper.get("evaluation") or {}


def models(ev: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every scored model of an evaluation, in order: base, student, then any others."""
    found: dict[str, dict[str, Any]] = {}
    candidates = {k: v for k, v in ev.items() if k not in _NOT_MODELS}
    candidates.update(ev.get("students") or {})
    for key in ("base", "student", *candidates):
        value = candidates.get(key)
        if isinstance(value, dict) and ("accuracy" in value or "loss" in value):
            found.setdefault(key, value)
    return found


def model_name(key: str, metrics: dict[str, Any]) -> str:
    if key == "base":
        shots = metrics.get("few_shot")
        return f"base, {shots}-shot" if shots else "base, zero-shot"
    if key == "student":
        return "student (synthetic)"
    return key.replace("_plus_", "+").replace("_", " ")


def _trained_on(key: str, metrics: dict[str, Any], ev: dict[str, Any]) -> str:
    if key == "base":
        return "none"
    n = metrics.get("n_train_records", ev.get("n_train_records") if key == "student" else None)
    what = metrics.get("training_data") or ("synthetic records" if key == "student" else "")
    steps = metrics.get("steps")
    if isinstance(steps, int) and "steps" not in what:  # the compute behind a comparison
        what = f"{what}, {steps} step{'' if steps == 1 else 's'}"
    return f"{n} {what}".strip() if n is not None else what or "?"


def evaluation_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per model scored on held-out real data (the table in report.md and Prefect)."""
    ev = held_out(report)
    rows = []
    for key, m in models(ev).items():
        row: dict[str, Any] = {
            "model": model_name(key, m),
            "trained on": _trained_on(key, m, ev),
        }
        if "accuracy" in m:
            row.update(accuracy=m["accuracy"], macro_f1=m.get("macro_f1"))
        else:
            row.update(loss=m["loss"], perplexity=m.get("perplexity"))
        row["n"] = m.get("n", ev.get("n"))
        rows.append(row)
    return rows


def evaluation_lines(report: dict[str, Any]) -> list[str]:
    """The "Student vs base" section: metrics table, gate, per-label F1, plots, training."""
    wrapper = report.get("evaluation") or {}
    out = ["", "## Student vs base on held-out real data", ""]
    if "gate_failed" in wrapper:
        out.append(f"Gate failed: {wrapper['gate_failed']}")
    ev = held_out(report)
    rows = evaluation_rows(report)
    if rows:
        metric_keys = [k for k in ("accuracy", "macro_f1", "loss", "perplexity") if k in rows[0]]
        header = ("model", "trained on", *(_HEADERS[k] for k in metric_keys), "n")
        out.append(
            _table(
                [
                    (r["model"], r["trained on"], *(_num(r[k]) for k in metric_keys), r["n"])
                    for r in rows
                ],
                header,
            )
        )
        diff = ev.get("difference") or {}
        if "accuracy" in diff:
            out += [
                "",
                f"Student minus base: accuracy {diff['accuracy']:+.3f}, macro-F1 "
                f"{diff.get('macro_f1', 0):+.3f}.",
            ]
        gate = ev.get("gate")
        if gate:
            verdict = "passed" if gate.get("passed") else "missed"
            out.append(
                f"Gate: {gate['metric']} improved by {gate['improvement']:+.3f} "
                f"(min {gate['min_improvement']}): {verdict}."
            )
    elif not wrapper.get("gate_failed"):
        out.append("No held-out data: the student was trained but not scored.")
    out += _per_label_lines(ev)
    for plot in wrapper.get("plots") or []:
        out += ["", f"![{plot}]({plot})"]
    ft = wrapper.get("finetune") or {}
    if ft:
        loss = ""
        if ft.get("first_loss") is not None and ft.get("last_loss") is not None:
            loss = f", training loss {ft['first_loss']:.2f} -> {ft['last_loss']:.2f}"
        out += [
            "",
            f"Trained on {ft.get('n_records')} records: {ft.get('steps')} steps on "
            f"{ft.get('device')} ({ft.get('compute_dtype')}){loss}, {ft.get('seconds')} s"
            + (
                " in an earlier run of this folder (kept, with its scores)"
                if ft.get("from_earlier_run")
                else ""
            )
            + ". All numbers in `evaluation.json`.",
        ]
    return out


def _per_label_lines(ev: dict[str, Any]) -> list[str]:
    scored = {k: m["per_label_f1"] for k, m in models(ev).items() if m.get("per_label_f1")}
    if not scored:
        return []
    labels = sorted({lab for per in scored.values() for lab in per})
    rows = [(lab, *(_num(per.get(lab)) for per in scored.values())) for lab in labels]
    header = ("label", *(f"F1 {model_name(k, models(ev)[k])}" for k in scored))
    return ["", "F1 per label:", "", _table(rows, header)]


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(str(text).split()).replace("|", "/")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def samples_lines(report: dict[str, Any]) -> list[str]:
    """Accepted records per label and rejected records per reason (texts scrubbed)."""
    samples = report.get("samples") or {}
    accepted, rejected = samples.get("accepted") or {}, samples.get("rejected") or {}
    if not accepted and not rejected:
        return []
    out = ["", "## Sample records", ""]
    out.append(
        "What the data looks like: up to five accepted records per label and five rejected "
        "per reason, after the PII scrub."
    )
    if accepted:
        out += ["", "### Accepted", ""]
        rows = [
            (group or "(all)", _one_line(t)) for group, texts in accepted.items() for t in texts
        ]
        out.append(_table(rows, ("label", "text")))
    if rejected:
        out += ["", "### Rejected", ""]
        rows = [
            (reason, _one_line(r.get("text") or "(text not kept)"), _one_line(r.get("detail", "")))
            for reason, found in rejected.items()
            for r in found
        ]
        out.append(_table(rows, ("reason", "text", "detail")))
    note = samples.get("note")
    if note:
        out += ["", note]
    return out


_STAGE_NAMES = {"evaluate": "fine-tune and evaluate"}


def timing_rows(report: dict[str, Any]) -> list[tuple[str, float]]:
    """(stage, seconds) in the order the stages ran; the fine-tune split from its scoring."""
    seconds = report.get("stage_seconds") or {}
    trained = (report.get("evaluation") or {}).get("finetune") or {}
    # a student kept from an earlier run was trained then, not in this run's stage
    ft = None if trained.get("from_earlier_run") else trained.get("seconds")
    rows: list[tuple[str, float]] = []
    for name, s in seconds.items():
        if name == "evaluate" and isinstance(ft, (int, float)) and ft <= s:
            rows += [("fine-tune", round(ft, 1)), ("evaluate", round(s - ft, 1))]
        else:
            rows.append((_STAGE_NAMES.get(name, name), round(s, 1)))
    return rows


def timing_lines(report: dict[str, Any]) -> list[str]:
    rows = timing_rows(report)
    if not rows:
        return []
    total = round(sum(s for _, s in rows), 1)
    return ["", "## Time per stage", "", _table([*rows, ("total", total)], ("stage", "seconds"))]
