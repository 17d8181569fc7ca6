"""Scheduled runs: a dated folder per run, a seed per run, and a history of counts and verdicts."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipelines.config import RunConfig
from schemas.tables import atomic_open

HISTORY = "history.jsonl"


def read_history(root: Path) -> list[dict[str, Any]]:
    path = root / HISTORY
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def next_scheduled_run(root: Path, config: RunConfig) -> tuple[Path, RunConfig]:
    """A new dated run folder, and the config with a seed that no earlier run used."""
    root.mkdir(parents=True, exist_ok=True)
    runs = read_history(root)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    run_dir = root / f"{stamp}-run{len(runs) + 1:04d}"
    suffix = 1
    while run_dir.exists():
        suffix += 1
        run_dir = root / f"{stamp}-run{len(runs) + 1:04d}-{suffix}"
    return run_dir, config.model_copy(update={"seed": config.seed + len(runs)})


def append_history(root: Path, run_dir: Path, error: str = "") -> dict[str, Any]:
    """One line per run (counts, drift verdict, published), then redraw the history plot."""
    entry: dict[str, Any] = {
        "run_dir": run_dir.name,
        "finished_at": datetime.now(timezone.utc).isoformat(),
        "error": error,
    }
    report_path = run_dir / "report.json"
    if report_path.is_file():
        report = json.loads(report_path.read_text())
        entry.update(
            {
                "seed": report.get("seed"),
                "requested": report["counts"]["requested"],
                "accepted": report["counts"]["accepted"],
                "rejected": report["counts"]["rejected"],
                "rejected_by_reason": report.get("rejected_by_reason", {}),
                "drift_verdict": (report.get("drift") or {}).get("verdict"),
                "published": report.get("published", False),
            }
        )
    lines = read_history(root) + [entry]
    with atomic_open(root / HISTORY) as fh:
        for line in lines:
            fh.write(json.dumps(line) + "\n")
    plot_history(root, lines)
    return entry


def plot_history(root: Path, lines: list[dict[str, Any]]) -> Path:
    """Accepted and rejected records per run, with failed drift gates marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = list(range(1, len(lines) + 1))
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar(xs, [e.get("accepted", 0) for e in lines], label="accepted", color="#2a9d8f")
    ax.bar(
        xs,
        [e.get("rejected", 0) for e in lines],
        bottom=[e.get("accepted", 0) for e in lines],
        label="rejected",
        color="#e76f51",
    )
    for x, e in zip(xs, lines, strict=False):
        if e.get("drift_verdict") == "fail" or e.get("error"):
            ax.annotate("✗", (x, 0), ha="center", va="bottom", color="black")
    ax.set_xlabel("run")
    ax.set_ylabel("records")
    ax.set_title("synthmill scheduled runs")
    ax.legend()
    fig.tight_layout()
    path = root / "history.png"
    with atomic_open(path, "wb") as fh:
        fig.savefig(fh, format="png", dpi=100)
    plt.close(fig)
    return path
