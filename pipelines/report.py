"""The build report (JSON and Markdown) and the Hugging Face dataset card of a run folder."""

from __future__ import annotations

from typing import Any

from pipelines.config import RunConfig

TASK_CATEGORIES = {"labels": "text-classification"}  # by `Roles.task`; others text-generation


def size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return name
    return "100K<n<1M"


def _table(rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def stage_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Counts per stage: records in, out and rejected (the table artifact and the card)."""
    return [
        {"stage": name, "in": s["in"], "out": s["out"], "rejected": s["rejected"]}
        for name, s in report["stages"].items()
    ]


def _drift_lines(report: dict[str, Any]) -> list[str]:
    drift = report.get("drift") or {}
    checks = drift.get("checks", [])
    if not checks:
        return ["Drift gate not run."]
    rows = [
        (
            c.get("field", ""),
            c.get("check", ""),
            _fmt(c.get("statistic")),
            _fmt(c.get("distance")),
            _fmt(c.get("p_adjusted", c.get("p_value"))),
            _fmt(c.get("threshold")),
            c.get("verdict", ""),
        )
        for c in checks
    ]
    out = [f"Overall verdict: **{drift.get('verdict', '?')}**", ""]
    out.append(
        _table(rows, ("field", "check", "statistic", "distance", "Holm p", "threshold", "verdict"))
    )
    for plot in drift.get("plots", []):
        out += ["", f"![{plot}]({plot})"]
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def report_markdown(report: dict[str, Any]) -> str:
    """A human summary: stage counts, rejections by reason, PII by type, drift, fine-tune."""
    parts = [f"# Build report: {report['name']}", ""]
    parts.append(
        f"Run folder `{report['run_dir']}`, seed {report['seed']}, "
        f"config hash `{report['config_hash'][:12]}`."
    )
    where = report.get("execution") or {}
    if where.get("target") == "ray":
        parts.append(
            f"Ran on Ray: {where['nodes']} nodes, {where['cpus']:g} CPUs, {where['gpus']:g} GPUs."
        )
    parts.append(
        f"Published: **{'yes' if report['published'] else 'no'}**"
        + (f" ({report['not_published_because']})" if not report["published"] else "")
    )
    parts += ["", "## Records per stage", ""]
    parts.append(
        _table([tuple(r.values()) for r in stage_rows(report)], ("stage", "in", "out", "rejected"))
    )
    reasons = report.get("rejected_by_reason", {})
    if reasons:
        parts += ["", "## Rejections by reason", ""]
        parts.append(_table(sorted(reasons.items()), ("reason", "count")))
    pii = report.get("pii", {}).get("by_type", {})
    parts += ["", "## PII found and replaced (counts only)", ""]
    parts.append(_table(sorted(pii.items()), ("entity type", "count")) if pii else "None found.")
    parts += ["", "## Drift against the trusted sample", ""] + _drift_lines(report)
    if report.get("finetune_error"):
        parts += ["", "## Fine-tune failed", "", f"`{report['finetune_error']}`"]
    ft = report.get("evaluation")
    if ft:
        parts += ["", "## Student vs base on held-out real data", ""]
        parts.append("```json")
        import json

        parts.append(json.dumps(ft, indent=2))
        parts.append("```")
    return "\n".join(parts) + "\n"


def dataset_card(config: RunConfig, report: dict[str, Any], manifest: dict[str, Any]) -> str:
    """A Hugging Face dataset card: YAML header (license, task, size), then provenance and counts."""
    n = report["stages"]["write"]["out"]
    task = TASK_CATEGORIES.get(report.get("roles", {}).get("task", ""), "text-generation")
    header = [
        "---",
        f"license: {config.data.license}",
        "task_categories:",
        f"- {task}",
        "size_categories:",
        f"- {size_category(n)}",
        "tags:",
        "- synthetic",
        "- synthmill",
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        "    path: accepted.jsonl",
        "---",
    ]
    teacher = manifest["teacher"]
    body = [
        f"# {config.name} (synthetic)",
        "",
        f"{n} synthetic records written by a teacher model and validated by synthmill "
        "(PII scrub, exact and near dedup, leak check against the trusted sample, drift gate).",
        "",
        "## Provenance",
        "",
        f"- Teacher: `{teacher['kind']}` / {teacher['model']} (weights `{teacher['weights_hash']}`)",
        f"- Generator: `{config.generator}` version {manifest.get('generator_version', '?')}",
        f"- Seed {config.seed}; config hash `{report['config_hash']}`",
        f"- Trusted sample: {config.data.attribution or 'private sample'}",
        "",
        "## Counts per stage",
        "",
        _table([tuple(r.values()) for r in stage_rows(report)], ("stage", "in", "out", "rejected")),
        "",
        "## PII counts by type (values never shown)",
        "",
    ]
    pii = report.get("pii", {}).get("by_type", {})
    body.append(_table(sorted(pii.items()), ("entity type", "count")) if pii else "None found.")
    body += ["", "## Drift verdicts", ""] + _drift_lines(report)
    body += [
        "",
        "## License and attribution",
        "",
        f"Records are synthetic. The trusted sample that seeded them: "
        f"{config.data.attribution or 'not stated'} (license: {config.data.license}).",
    ]
    return "\n".join(header + [""] + body) + "\n"
