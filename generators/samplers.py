"""Samplers that make records varied: weighted categories, topics, personas, few-shot rows.

Every draw comes from an rng seeded by the run seed and the record index, so a record's attributes
do not depend on batch size, retries or which records were already cached.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import Any

import polars as pl


def record_rng(run_seed: int, index: int, purpose: str = "sample") -> random.Random:
    """An rng for one record, independent of every other record's draws."""
    digest = hashlib.sha256(f"{run_seed}:{index}:{purpose}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def request_seed(run_seed: int, index: int, attempt: int) -> int:
    """The teacher seed of one request: reproducible, and different for every record and retry."""
    digest = hashlib.sha256(f"{run_seed}:{index}:{attempt}:teacher".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


class WeightedChoice:
    """Pick a category with given weights (uniform where none are given)."""

    def __init__(self, categories: Sequence[str], weights: dict[str, float] | None = None) -> None:
        weights = weights or {}
        unknown = set(weights) - set(categories)
        if unknown:
            raise ValueError(f"weights for unknown categories: {', '.join(sorted(unknown))}")
        self.categories = list(categories)
        self.weights = [float(weights.get(c, 1.0)) for c in self.categories]
        if self.categories and (any(w < 0 for w in self.weights) or sum(self.weights) <= 0):
            raise ValueError("category weights must be non-negative with a positive sum")

    def __call__(self, rng: random.Random) -> str:
        return rng.choices(self.categories, weights=self.weights, k=1)[0]


def pick(options: Sequence[str], rng: random.Random) -> str | None:
    """One option, or None when there are none."""
    return rng.choice(list(options)) if options else None


class FewShotSampler:
    """Draw k rows of the trusted sample for a record, optionally within one group (label)."""

    def __init__(self, trusted: pl.DataFrame, group_field: str | None = None) -> None:
        self.rows: list[dict[str, Any]] = trusted.to_dicts()
        self.by_group: dict[str, list[int]] = {}
        if group_field is not None:
            for i, row in enumerate(self.rows):
                self.by_group.setdefault(str(row[group_field]), []).append(i)

    def __call__(self, k: int, rng: random.Random, group: str | None = None) -> list[int]:
        pool = self.by_group.get(group, []) if group is not None else list(range(len(self.rows)))
        if not pool:
            pool = list(range(len(self.rows)))
        return rng.sample(pool, min(k, len(pool)))

    def near(
        self,
        k: int,
        rng: random.Random,
        sizes: Sequence[int],
        target: int,
        group: str | None = None,
    ) -> list[int]:
        """k rows drawn without replacement, a row's chance falling with the distance of its
        `sizes` entry from `target` (weight 1 / (1 + |size - target|)^2, Efraimidis-Spirakis
        keys); the rows nearest the target come last, next to what the teacher writes."""
        pool = self.by_group.get(group, []) if group is not None else list(range(len(self.rows)))
        if not pool:
            pool = list(range(len(self.rows)))
        keyed = sorted(
            pool, key=lambda i: -(rng.random() ** ((1.0 + abs(sizes[i] - target)) ** 2))
        )[: min(k, len(pool))]
        return sorted(keyed, key=lambda i: -abs(sizes[i] - target))

    def row(self, index: int) -> dict[str, Any]:
        return self.rows[index]
