"""The fidelity stages of a build (label check, selection) and the fidelity summary of its report.

Which trusted rows did what is decided in `pipelines.build.prepare`: the fit rows feed the
prompts, the label check and the selection; the gate rows grade the drift gate and the
two-sample test; the leak check compares against all of them.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from typing import Any

from pipelines.state import BuildState
from schemas.stage import StageResult
from validators.fidelity.stage import LabelCheckReport, LabelCheckStage, SelectReport, SelectStage

_TERMINAL = re.compile(r"[.!?…)\]\"'”’:;]\s*$")


def _text_and_label(state: BuildState) -> tuple[str | None, str | None]:
    roles = state.roles
    reference = state.reference()
    text = next((f for f in roles.text_fields if f in reference.columns), None)
    label = roles.label_field if roles.label_field in reference.columns else None
    return text, label


def _label_model(state: BuildState, text: str, label: str) -> Any:
    """The TF-IDF + logistic regression classifier of label given text, fitted once on the fit
    rows and shared by the label check and the selection."""
    if state.label_model is None:
        from validators.fidelity.label_check import LabelModel

        fit = state.reference_part("fit")
        state.label_model = LabelModel(
            [str(t) for t in fit[text].to_list()],
            [str(v) for v in fit[label].to_list()],
            seed=state.config.seed,
        )
    return state.label_model


def label_check_stage(state: BuildState) -> LabelCheckStage | None:
    """The classifier fitted on the fit rows, its precision measured on the gate rows; None when
    the check is off, the payload has no label, or a label has too few fit rows."""
    from validators.fidelity.label_check import measure_precision

    cfg = state.config.fidelity.label_check
    text, label = _text_and_label(state)
    if not cfg.enabled or text is None or label is None:
        return None
    fit = state.reference_part("fit")
    counts = Counter(str(v) for v in fit[label].to_list())
    thin = sorted(k for k, c in counts.items() if c < cfg.min_rows_per_label)
    if len(counts) < 2 or thin:
        why = (
            "fewer than 2 labels" if len(counts) < 2 else f"labels with < {cfg.min_rows_per_label}"
        )
        state.report.label_check = {"skipped": f"{why} fit rows: {', '.join(thin)}".strip(": ")}
        return None
    model = _label_model(state, text, label)
    gate = state.reference_part("gate")
    precision = measure_precision(
        model,
        [str(t) for t in gate[text].to_list()],
        [str(v) for v in gate[label].to_list()],
        cfg,
        state.config.seed,
    )
    return LabelCheckStage(cfg, model, text, label, precision=precision)


def apply_label_check(state: BuildState, result: StageResult[LabelCheckReport]) -> None:
    n = state.frame.height
    state.keep(result.kept)
    state.rejections.extend(result.rejections)
    state.record_stage("fidelity", n, result.kept.height)
    if result.report is not None:
        state.report.label_check = result.report.model_dump(mode="json")


def select_stage(state: BuildState) -> SelectStage | None:
    """Keep `n` of the candidates toward the fit rows (their texts, and with `label_weight` their
    labels, through the label check's classifier); None when nothing was oversampled."""
    cfg = state.config.fidelity.selection
    text, label = _text_and_label(state)
    if cfg.oversample <= 1.0 or text is None:
        return None
    fit = state.reference_part("fit")
    target = [str(t) for t in fit[text].to_list()]
    model = None
    # a classifier needs two labels; with fewer the label term is left out
    if label is not None and cfg.label_weight > 0 and fit[label].n_unique() >= 2:
        model = _label_model(state, text, label)
    return SelectStage(
        cfg, target, state.config.n, text, label, state.config.seed, label_model=model
    )


def apply_select(state: BuildState, result: StageResult[SelectReport]) -> None:
    n = state.frame.height
    state.keep(result.kept)
    state.rejections.extend(result.rejections)
    state.record_stage("select", n, result.kept.height)
    if result.report is not None:
        state.report.selection = result.report.model_dump(mode="json")


def fidelity_summary(state: BuildState) -> dict[str, Any]:
    """Real (gate rows) against synthetic (accepted): a classifier two-sample test, length per
    label, how often texts end cut off, how often the teacher met the requested length, the
    rejections per new reason, and which trusted rows did what."""
    from validators.fidelity.two_sample import two_sample_auc

    text, label = _text_and_label(state)
    frame = state.frame
    out: dict[str, Any] = {
        "trusted_rows": {
            "all": state.trusted.height,
            "fit": None if state.fit_rows is None else len(state.fit_rows),
            "gate": None if state.gate_rows is None else len(state.gate_rows),
            "fit_used_for": ["prompts", "label check", "selection"],
            "gate_used_for": ["drift gate", "two-sample test", "label check precision"],
            "all_used_for": ["leak check (dedup)"],
        },
        "rejected_by_new_reason": {
            reason: sum(r.reason.value == reason for r in state.rejections)
            for reason in ("too_long", "truncated", "label_mismatch", "not_selected")
        },
    }
    if text is None or frame.height == 0:
        return out
    gate = state.reference_part("gate")
    real = [str(t) for t in gate[text].to_list()]
    synthetic = [str(t) for t in frame[text].to_list()]
    if state.config.fidelity.two_sample:
        out["two_sample"] = two_sample_auc(real, synthetic, seed=state.config.seed)
    cap = state.config.sampling.max_chars
    out["endings"] = {
        "max_chars": cap,
        "synthetic_at_cap": _share(len(t) >= cap for t in synthetic),
        "synthetic_without_terminal_punctuation": _share(
            not _TERMINAL.search(t) for t in synthetic
        ),
        "real_without_terminal_punctuation": _share(not _TERMINAL.search(t) for t in real),
    }
    out["length_target"] = _length_target(frame, text)
    if label is not None:
        out["words_per_label"] = _words_per_label(gate, frame, text, label)
    return out


def _share(flags: Any) -> float | None:
    values = list(flags)
    return round(sum(values) / len(values), 4) if values else None


def _length_target(frame: Any, text: str) -> dict[str, Any] | None:
    """How often the text came within 50% (at least 3 words) of the requested length."""
    if "provenance" not in frame.columns:
        return None
    pairs = []
    for prov, t in zip(frame["provenance"].to_list(), frame[text].to_list(), strict=True):
        info = json.loads(prov) if isinstance(prov, str) else (prov or {})
        target = (info.get("attributes") or {}).get("target_words")
        if target:
            pairs.append((int(target), len(str(t).split())))
    if not pairs:
        return None
    met = sum(abs(w - t) <= max(3, 0.5 * t) for t, w in pairs)
    return {
        "records": len(pairs),
        "met": round(met / len(pairs), 4),
        "median_ratio": round(statistics.median(w / t for t, w in pairs), 3),
    }


def _words_per_label(real: Any, synthetic: Any, text: str, label: str) -> dict[str, Any]:
    def medians(frame: Any) -> dict[str, float]:
        groups: dict[str, list[int]] = {}
        for t, lab in zip(frame[text].to_list(), frame[label].to_list(), strict=True):
            groups.setdefault(str(lab), []).append(len(str(t).split()))
        return {k: float(statistics.median(v)) for k, v in groups.items()}

    r, s = medians(real), medians(synthetic)
    return {k: {"real": r.get(k), "synthetic": s.get(k)} for k in sorted(set(r) | set(s))}
