"""Split the trusted rows into the rows that fit (prompts, label check, selection) and the rows
that grade the drift gate, per label, by seed."""

from __future__ import annotations

import random
from collections.abc import Sequence


def split_rows(
    labels: Sequence[object] | None, n: int, fit_share: float, seed: int
) -> tuple[list[int], list[int]]:
    """(fit rows, gate rows), each sorted. Per label (or over all rows without labels) a
    `fit_share` of the rows, at least one, fits; at least one is left to the gate where a label
    has two rows or more."""
    groups: dict[object, list[int]] = {}
    for i in range(n):
        groups.setdefault(labels[i] if labels is not None else None, []).append(i)
    rng = random.Random(f"{seed}:trusted-split")
    fit: list[int] = []
    gate: list[int] = []
    for key in sorted(groups, key=str):
        rows = groups[key][:]
        rng.shuffle(rows)
        k = round(len(rows) * fit_share)
        k = min(max(k, 1), len(rows) - 1) if len(rows) > 1 else len(rows)
        fit += rows[:k]
        gate += rows[k:]
    return sorted(fit), sorted(gate)
