"""Values from a user's data in an error line: only what looks like a label, never free text.

An error about labels helps most when it names them ("labels card_arival are not in
data.labels"). But when the label field points at the wrong column (a text, a customer's name
and e-mail), the same line would print private values: every one of 200 names. So values are
shown only when they look like a label column's: few distinct values, short, without an e-mail
address or a run of digits; otherwise the line gives their count and asks about the field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_SHOWN = 5
MAX_DISTINCT = 20  # a label field with more distinct unknown values is most likely another field
MAX_CHARS = 40
_PRIVATE_LOOKING = re.compile(r"@|\d{3}|https?://", re.IGNORECASE)


def looks_like_free_text(values: Sequence[str], n_rows: int) -> bool:
    """Distinct `values` (found in `n_rows` rows) that are more like a text or name column than
    like a few mistyped labels."""
    distinct = len(set(values))
    return distinct > MAX_DISTINCT or (distinct > 3 and distinct * 2 > n_rows)


def labels_shown(values: Sequence[str], n_rows: int, field: str) -> str:
    """`values` for an error line: up to five, each masked when it could be private, or, when
    they look like free text, only how many there are and a question about `field`."""
    distinct = sorted(set(values))
    if looks_like_free_text(distinct, n_rows):
        return (
            f"{len(distinct)} distinct values (not shown: they look like text, not labels; "
            f"is '{field}' the label field?)"
        )
    shown = [
        v if len(v) <= MAX_CHARS and not _PRIVATE_LOOKING.search(v) else "(a value not shown)"
        for v in distinct[:MAX_SHOWN]
    ]
    more = len(distinct) - MAX_SHOWN
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
