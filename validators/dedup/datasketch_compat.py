"""The one place synthmill touches datasketch internals (pinned in pyproject: datasketch 2.0).

- `optimal_bands`: datasketch's private `_optimal_param`, the (bands, rows) split `MinHashLSH`
  picks for a threshold, so our vectorised LSH cuts signatures exactly as datasketch would.
- `band_ranges` / `band_tables`: a `MinHashLSH`'s `hashranges` and `hashtables`, so a bulk lookup
  of many rows can ask each band's storage once (`getmany`) instead of once per row.

`tests/test_dedup.py::test_datasketch_internals_unchanged` fails if datasketch changes any of them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=32)
def optimal_bands(threshold: float, num_perm: int, weights: tuple[float, float]) -> tuple[int, int]:
    """(bands, rows) that datasketch's `MinHashLSH` would choose for these settings."""
    from datasketch.lsh import _optimal_param

    bands, rows = _optimal_param(threshold, num_perm, weights[0], weights[1])
    return int(bands), int(rows)


def band_ranges(lsh: Any) -> list[tuple[int, int]]:
    """The (start, end) slice of the signature that each band hashes."""
    return [(int(s), int(e)) for s, e in lsh.hashranges]


def band_tables(lsh: Any) -> list[Any]:
    """Each band's bucket storage (dict or Redis), in band order; each has `getmany`."""
    return list(lsh.hashtables)
