"""The build report (JSON and Markdown) and the Hugging Face dataset card of a run folder."""

from __future__ import annotations

from typing import Any

from pipelines.config import RunConfig
from pipelines.report_sections import evaluation_lines, samples_lines, timing_lines

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


def _pct(value: Any) -> str:
    return "" if value is None else f"{value:.1%}"


def _fidelity_lines(report: dict[str, Any]) -> list[str]:
    """Real against synthetic at a glance: two-sample AUC, endings, length, label check."""
    fid = report.get("fidelity") or {}
    if not fid:
        return []
    out = ["", "## Fidelity: real (gate rows) against synthetic", ""]
    rows = fid.get("trusted_rows") or {}
    if rows.get("fit") is not None:
        out.append(
            f"Trusted rows: {rows['all']}; {rows['fit']} fit the prompts, label check and "
            f"selection; {rows['gate']} graded the drift gate and the tests below; all of them "
            "the leak check."
        )
    two = fid.get("two_sample") or {}
    if two.get("auc") is not None:
        low, high = two["ci95"]
        out.append(
            f"- Classifier two-sample test: AUC **{two['auc']:.3f}** (95% interval "
            f"{low:.3f}-{high:.3f}; 0.5 = indistinguishable), {two['real']} real vs "
            f"{two['synthetic']} synthetic."
        )
    end = fid.get("endings") or {}
    if end:
        out.append(
            f"- Texts at the {end['max_chars']}-character cap: {_pct(end['synthetic_at_cap'])}; "
            f"without terminal punctuation: {_pct(end['synthetic_without_terminal_punctuation'])}"
            f" (real: {_pct(end['real_without_terminal_punctuation'])})."
        )
    target = fid.get("length_target") or {}
    if target:
        out.append(
            f"- Requested length met (within 50%, at least 3 words): {_pct(target['met'])} of "
            f"{target['records']}; median written/requested {target['median_ratio']}."
        )
    new = fid.get("rejected_by_new_reason") or {}
    if new:
        out.append("- Rejected: " + ", ".join(f"{k} {v}" for k, v in new.items()) + ".")
    check = report.get("label_check") or {}
    if check.get("checked"):
        prec = check.get("precision_on_gate_rows") or {}
        line = (
            f"- Label check: {check['flagged']} of {check['checked']} flagged ({check['action']})"
        )
        if prec.get("precision") is not None:
            line += (
                f"; on {prec['rows']} gate rows with {prec['relabelled']} labels swapped it had "
                f"precision {_pct(prec['precision'])}, recall {_pct(prec['recall'])}"
            )
        out.append(line + ".")
    elif check.get("skipped"):
        out.append(f"- Label check skipped: {check['skipped']}.")
    sel = report.get("selection") or {}
    if sel.get("candidates"):
        out.append(
            f"- Selection (DSIR): kept {sel['kept']} of {sel['candidates']}; median words "
            f"{_fmt(sel.get('median_words_before'))} -> {_fmt(sel.get('median_words_after'))}."
        )
    per_label = fid.get("words_per_label") or {}
    if per_label:
        out += ["", "Median words per label:", ""]
        out.append(
            _table(
                [(k, _fmt(v["real"]), _fmt(v["synthetic"])) for k, v in per_label.items()],
                ("label", "real", "synthetic"),
            )
        )
    examples = check.get("examples") or []
    if examples:
        out += ["", "Flagged by the label check (check by hand; texts are scrubbed):", ""]
        out.append(
            _table(
                [
                    (
                        e["text"].replace("|", "/"),
                        e["label"],
                        e["text_says"],
                        e["p_label"],
                        e["p_text_says"],
                    )
                    for e in examples[:10]
                ],
                ("text", "label", "text says", "p(label)", "p(text says)"),
            )
        )
    return out


def _export_lines(report: dict[str, Any]) -> list[str]:
    """The exported student file: size, sha256 and its accuracy next to the adapter's."""
    export = (report.get("evaluation") or {}).get("export")
    if not export:
        return []
    out = ["", "## Exported student (GGUF)", ""]
    if "error" in export:
        return [*out, f"Export failed: `{export['error']}`"]
    out.append(
        f"`{export['file']}`: {export['quant']}, {export['size_bytes'] / 1e6:.1f} MB, "
        f"sha256 `{export['sha256']}`."
    )
    if export.get("base_weights") == "trained":
        out.append(
            f"The adapter was merged into the 4-bit base it was trained on "
            f"({export.get('trained_layers', 0)} layers), not into the source GGUF's weights."
        )
    if export.get("calibration_rows"):
        out.append(
            f"q4_0 rounded by GPTQ against the activations of {export['calibration_rows']} of "
            "the student's training rows."
        )
    verified = export.get("verified")
    if isinstance(verified, dict):
        gguf = f"{export['file']} ({verified['reader']} GGUF reader)"
        rows = [
            (
                "adapter (transformers + peft)",
                verified["adapter_accuracy"],
                verified["adapter_macro_f1"],
            ),
            (gguf, verified["accuracy"], verified["macro_f1"]),
        ]
        rows = [(who, _fmt(acc), _fmt(f1)) for who, acc, f1 in rows]
        out += [
            "",
            f"Both scored on the same {verified['n']} held-out rows; their predictions agree on "
            f"{verified['agreement']:.1%} of them.",
            "",
            _table(rows, ("student", "accuracy", "macro-F1")),
        ]
    elif verified:
        out.append(f"Not scored: {verified}.")
    return out


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
    parts += _fidelity_lines(report)
    parts += ["", "## Drift against the trusted sample", ""] + _drift_lines(report)
    if report.get("finetune_error"):
        parts += ["", "## Fine-tune failed", "", f"`{report['finetune_error']}`"]
    if report.get("evaluation"):
        parts += evaluation_lines(report)
    parts += _export_lines(report)
    parts += samples_lines(report)
    parts += timing_lines(report)
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
    body += _fidelity_lines(report)
    body += ["", "## Drift verdicts", ""] + _drift_lines(report)
    body += _export_lines(report)
    body += [
        "",
        "## License and attribution",
        "",
        f"Records are synthetic. The trusted sample that seeded them: "
        f"{config.data.attribution or 'not stated'} (license: {config.data.license}).",
    ]
    return "\n".join(header + [""] + body) + "\n"
