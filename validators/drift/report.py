"""The drift report: one row per check, per-field profiles for the plots, and a Markdown summary.

A check fails only when it is both significant after Holm's correction over all checks (so the
chance of any false alarm stays under the family-wise alpha) and larger than its effect-size
threshold (so a huge candidate cannot fail on a difference too small to matter).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from schemas.base import FrozenModel

Verdict = Literal["pass", "fail"]


class Histogram(FrozenModel):
    """Shares of rows per bin for both sets, over shared bin edges (len(edges) = bins + 1)."""

    title: str
    edges: list[float]
    reference: list[float]
    candidate: list[float]


class Bars(FrozenModel):
    """Shares of rows (or words) per category for both sets, largest differences first."""

    title: str
    categories: list[str]
    reference: list[float]
    candidate: list[float]


class FieldProfile(FrozenModel):
    """What a person needs to see one field's drift: sizes, distributions, notable labels."""

    field: str
    kind: Literal["label", "text", "number"]
    reason: str = Field(description="why the field got this kind (config or inference)")
    n_reference: int
    n_candidate: int
    histograms: list[Histogram] = Field(default_factory=list)
    bars: list[Bars] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class DriftCheck(FrozenModel):
    """One test on one field: what was measured, how sure, how large, against what threshold."""

    field: str
    check: str
    statistic: float = Field(description="the test statistic on the observed split")
    p_value: float | None = Field(description="raw p-value (permutation or z-test)")
    p_adjusted: float | None = Field(None, description="Holm-adjusted p-value over all checks")
    distance: float = Field(description="effect size compared with the threshold")
    threshold: float = Field(description="largest distance that still passes")
    verdict: Verdict = "pass"
    detail: str = Field("", description="one sentence saying what the numbers mean")

    def judged(self, p_adjusted: float | None, alpha: float) -> DriftCheck:
        """This check with its Holm-adjusted p-value and the verdict that follows."""
        significant = p_adjusted is None or p_adjusted < alpha
        verdict: Verdict = "fail" if significant and self.distance > self.threshold else "pass"
        return self.model_copy(update={"p_adjusted": p_adjusted, "verdict": verdict})


class DriftReport(FrozenModel):
    """The whole comparison: overall verdict, every check, every field's profile."""

    verdict: Verdict
    alpha: float = Field(description="family-wise error rate, controlled with Holm")
    n_reference: int
    n_candidate: int
    checks: list[DriftCheck]
    fields: list[FieldProfile]
    notes: list[str] = Field(default_factory=list)
    config: dict[str, Any] = Field(default_factory=dict)

    @property
    def failed(self) -> list[DriftCheck]:
        return [c for c in self.checks if c.verdict == "fail"]

    def to_markdown(self) -> str:
        """A short human summary: verdict, a table of checks, then per-field notes."""
        head = "PASS: no drift beyond thresholds" if self.verdict == "pass" else "FAIL: drift found"
        lines = [
            "# Drift report",
            "",
            f"**{head}** ({len(self.failed)} of {len(self.checks)} checks failed; "
            f"reference {self.n_reference} rows, candidate {self.n_candidate} rows, "
            f"family-wise alpha {self.alpha:g} with Holm's correction).",
            "",
            "A check fails when its Holm-adjusted p-value is below alpha *and* its distance "
            "is above its threshold.",
            "",
            "| field | check | statistic | p (Holm) | distance | threshold | verdict |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in self.checks:
            p = "-" if c.p_adjusted is None else f"{c.p_adjusted:.3g}"
            mark = "**fail**" if c.verdict == "fail" else "pass"
            lines.append(
                f"| {c.field} | {c.check} | {c.statistic:.4g} | {p} | {c.distance:.4g} "
                f"| {c.threshold:.4g} | {mark} |"
            )
        lines += ["", "## Checks", ""]
        lines += [f"- `{c.field}` {c.check}: {c.detail}" for c in self.checks if c.detail]
        lines += ["", "## Fields", ""]
        for f in self.fields:
            lines.append(
                f"- `{f.field}`: {f.kind} ({f.reason}); {f.n_reference} reference and "
                f"{f.n_candidate} candidate values."
            )
            lines += [f"  - {note}" for note in f.notes]
        if self.notes:
            lines += ["", "## Notes", ""]
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"
