"""PNG plots of a drift report, one per field: both sets overlaid, the verdict in the title.

Plots are drawn from the report alone (its field profiles), so a saved JSON report can be plotted
again later. Labels and words are horizontal bars (largest differences first); lengths and
numbers are overlaid step histograms of the share of rows per bin.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from validators.drift.report import Bars, DriftReport, FieldProfile, Histogram  # noqa: E402

REFERENCE_COLOR = "#4c72b0"
CANDIDATE_COLOR = "#dd8452"
MAX_BARS_SHOWN = 20


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "field"


def _draw_histogram(ax: Axes, hist: Histogram) -> None:
    edges = np.asarray(hist.edges)
    for values, color, label in (
        (hist.reference, REFERENCE_COLOR, "reference"),
        (hist.candidate, CANDIDATE_COLOR, "candidate"),
    ):
        ax.stairs(values, edges, color=color, linewidth=1.8, label=label)
        ax.stairs(values, edges, color=color, alpha=0.15, fill=True)
    ax.set_title(hist.title, fontsize=10)
    ax.set_ylabel("share of rows")
    ax.legend(fontsize=8)


def _draw_bars(ax: Axes, bars: Bars) -> None:
    names = bars.categories[:MAX_BARS_SHOWN]
    y = np.arange(len(names))
    ax.barh(y - 0.2, bars.reference[: len(names)], 0.4, color=REFERENCE_COLOR, label="reference")
    ax.barh(y + 0.2, bars.candidate[: len(names)], 0.4, color=CANDIDATE_COLOR, label="candidate")
    ax.set_yticks(y, [n if len(n) <= 32 else n[:31] + "…" for n in names], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("share")
    ax.set_title(f"{bars.title} (largest differences)", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")


def _failed_checks(report: DriftReport, field: str) -> list[str]:
    """Names of the failed checks that concern `field` (the joint check concerns both fields)."""
    return [
        c.check
        for c in report.checks
        if c.verdict == "fail" and field in (c.field, *c.field.split("->"))
    ]


def plot_field(report: DriftReport, profile: FieldProfile, path: Path) -> Path:
    """Draw one field's panels (histograms, then bars) into `path` and return it."""
    panels: list[Histogram | Bars] = [*profile.histograms, *profile.bars]
    if not panels:
        raise ValueError(f"field '{profile.field}' has nothing to plot")
    heights = [
        3.0 if isinstance(p, Histogram) else 0.25 * min(len(p.categories), MAX_BARS_SHOWN) + 1.2
        for p in panels
    ]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(9, sum(heights) + 0.8),
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        if isinstance(panel, Histogram):
            _draw_histogram(ax, panel)
        else:
            _draw_bars(ax, panel)
    failed = _failed_checks(report, profile.field)
    verdict = f"FAIL ({', '.join(failed)})" if failed else "pass"
    fig.suptitle(
        f"{profile.field} [{profile.kind}]: {verdict} — reference {profile.n_reference}, "
        f"candidate {profile.n_candidate} rows",
        fontsize=11,
        color="#b00020" if failed else "#1b5e20",
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_plots(report: DriftReport, directory: str | Path) -> list[Path]:
    """One PNG per compared field in `directory` (created if needed); returns the paths written."""
    directory = Path(directory)
    return [
        plot_field(report, profile, directory / f"drift_{_slug(profile.field)}.png")
        for profile in report.fields
    ]
