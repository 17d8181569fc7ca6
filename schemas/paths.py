"""Dotted field paths (`payload.text`) into decoded JSON records.

The table reader (`schemas.tables`) and the nested PII scrub (`validators.pii.nested`) name
fields inside objects the same way; this is the one walk both use.
"""

from __future__ import annotations

from typing import Any

Path = tuple[str, ...]


def values_at(value: Any, path: Path) -> list[Any]:
    """The values a field reaches in one record (lists on the way fan out; missing: none)."""
    if not path:
        return [value]
    if isinstance(value, list):
        return [v for item in value for v in values_at(item, path)]
    if isinstance(value, dict) and path[0] in value:
        return values_at(value[path[0]], path[1:])
    return []
