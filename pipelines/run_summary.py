"""The closing summary of a build: what was asked for, kept and rejected (by reason), the drift
verdict, base vs student on held-out data, and where the outputs are. Shown at the end of
`synthmill build` and by `synthmill report RUN_DIR`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from pipelines.report_sections import evaluation_rows
from schemas.errors import InputError


def read_report(run_dir: Path) -> dict[str, Any]:
    """The run folder's `report.json` (InputError when it is not a finished run's folder)."""
    if run_dir.is_file():
        raise InputError(str(run_dir), "a file: pass the run folder (the build's --out)")
    if not run_dir.is_dir():
        raise InputError(str(run_dir), "no such folder: pass the --out folder of a build")
    path = run_dir / "report.json"
    if not path.is_file():
        raise InputError(str(run_dir), "no report.json: not the folder of a finished build")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(report, dict) or not isinstance(report.get("counts"), dict):
        raise InputError(
            str(path), "not a build's report (no 'counts' object): re-run the build to write it"
        )
    return report


def _num(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else "-"


def summary_table(report: dict[str, Any], run_dir: Path, wall_s: float | None = None) -> Table:
    """One table a person reads at a glance.

    `wall_s` is the command's own time from its config check on, with what runs outside the
    stages (Prefect's temporary server, loading the PII engine and the trusted sample, writing
    the report): what the person waited. Without it (`synthmill report`) the time is the
    stages' sum, and says so."""
    table = Table(title=f"synthmill build: {report.get('name', '?')}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    counts = report.get("counts") or {}
    table.add_row("requested", str(counts.get("requested", "?")))
    table.add_row("accepted", str(counts.get("accepted", "?")))
    reasons = report.get("rejected_by_reason") or {}
    rejected = str(counts.get("rejected", "?"))
    if reasons:
        rejected += " (" + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) + ")"
    table.add_row("rejected", rejected)
    drift = report.get("drift") or {}
    failed = [c.get("check", "?") for c in drift.get("checks", []) if c.get("verdict") == "fail"]
    verdict = drift.get("verdict", "not run")
    table.add_row("drift", verdict + (f" ({', '.join(failed)})" if failed else ""))
    for row in evaluation_rows(report):
        if "accuracy" in row:
            value = f"accuracy {_num(row['accuracy'])}, macro-F1 {_num(row.get('macro_f1'))}"
        else:
            value = f"loss {_num(row['loss'])}, perplexity {_num(row.get('perplexity'))}"
        table.add_row(row["model"], f"{value} (n={row['n']})")
    if report.get("finetune_error"):
        table.add_row("fine-tune", f"failed: {report['finetune_error']}")
    published = "yes" if report.get("published") else "no"
    if not report.get("published") and report.get("not_published_because"):
        published += f" ({report['not_published_because']})"
    table.add_row("published", published)
    seconds = report.get("stage_seconds") or {}
    staged = sum(seconds.values())
    if wall_s is not None:
        inside = f" ({staged / 60:.1f} min in the stages)" if seconds else ""
        table.add_row("time", f"{wall_s / 60:.1f} min{inside}")
    elif seconds:
        table.add_row("time", f"{staged / 60:.1f} min in the stages")
    names = ("report.md", "README.md", "accepted.parquet", "train.jsonl")
    present = [n for n in names if (run_dir / n).is_file()]
    missing = [n for n in names if n not in present]
    outputs = f"{run_dir}/ ({', '.join(present)})" if present else f"{run_dir}/"
    if missing:  # moved or deleted since the build: say so rather than list what is not there
        outputs += f"; missing: {', '.join(missing)} (re-run the build to write them)"
    table.add_row("outputs", outputs)
    if (run_dir / "adapter" / "adapter_config.json").is_file():
        table.add_row("adapter", f"{run_dir / 'adapter'}/ (model card: README.md)")
    if (run_dir / "run.log").is_file():
        table.add_row("log", str(run_dir / "run.log"))
    return table
