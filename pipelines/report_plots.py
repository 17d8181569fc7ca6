"""The evaluation's plots for report.md: F1 per label (every scored model) and the student's
confusion matrix on the held-out rows. PNG files under the run folder's `plots/`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipelines.report_sections import model_name, models

F1_PLOT = "plots/eval_f1_per_label.png"
CONFUSION_PLOT = "plots/eval_confusion_student.png"


def confusion(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> list[list[int]]:
    """counts[i][j]: rows whose true label is labels[i] and predicted label labels[j]."""
    at = {lab: i for i, lab in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, predicted, strict=True):
        if t in at and p in at:
            counts[at[t]][at[p]] += 1
    return counts


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def f1_plot(ev: dict[str, Any], path: Path) -> bool:
    """Horizontal bars: F1 of each label for each model that has per-label F1."""
    scored = {k: m["per_label_f1"] for k, m in models(ev).items() if m.get("per_label_f1")}
    if not scored:
        return False
    plt = _pyplot()
    labels = sorted({lab for per in scored.values() for lab in per})
    height = 0.8 / len(scored)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(labels) * max(1, len(scored) / 2) + 1.2))
    for i, (key, per) in enumerate(scored.items()):
        ys = [j + (i - (len(scored) - 1) / 2) * height for j in range(len(labels))]
        ax.barh(
            ys,
            [per.get(lab, 0.0) for lab in labels],
            height,
            label=model_name(key, models(ev)[key]),
        )
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"F1 on {ev.get('n')} held-out real rows")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(scored), fontsize=8)
    ax.set_title("F1 per label")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def confusion_plot(ev: dict[str, Any], truth: Sequence[str], path: Path) -> bool:
    """The student's confusion matrix (rows: true label, columns: predicted)."""
    student = ev.get("student") or {}
    predicted = student.get("predictions")
    labels = list(ev.get("labels") or [])
    if not predicted or not labels or len(predicted) != len(truth):
        return False
    counts = confusion(truth, predicted, labels)
    plt = _pyplot()
    size = 1.2 + 0.5 * len(labels)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(counts, cmap="Blues")
    top = max(max(row) for row in counts) or 1
    for i, row in enumerate(counts):
        for j, c in enumerate(row):
            if c:
                color = "white" if c > top / 2 else "black"
                ax.text(j, i, str(c), ha="center", va="center", fontsize=8, color=color)
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted by the student")
    ax.set_ylabel("true label (held-out)")
    ax.set_title(f"Student confusion matrix, {len(truth)} held-out rows")
    fig.colorbar(image, ax=ax, fraction=0.04)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def evaluation_plots(ev: dict[str, Any], truth: Sequence[str] | None, run_dir: Path) -> list[str]:
    """Draw what the evaluation allows; the plots' paths relative to the run folder."""
    if ev.get("task") != "labels":
        return []
    made = []
    if f1_plot(ev, run_dir / F1_PLOT):
        made.append(F1_PLOT)
    if truth is not None and confusion_plot(ev, truth, run_dir / CONFUSION_PLOT):
        made.append(CONFUSION_PLOT)
    return made
