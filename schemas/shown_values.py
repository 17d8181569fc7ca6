"""Values from a user's data in an error line: only a near miss of a known label, never free text.

An error about labels helps most when it names them ("card_arival is not in data.labels"). But
when the label field points at the wrong column (a text, a customer's name, a city), the same
line would print private values: every one of 200 names. So a value is shown only when it is
close to one of the known labels (a typo, another case or separator) and short, without an
e-mail address or a run of digits; the rest are counted, with a question about the field.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

MAX_SHOWN = 5
MAX_CHARS = 40
CLOSE = 0.6  # difflib's ratio to the nearest known label: "card_arival" ~ "card_arrival" 0.96
_PRIVATE_LOOKING = re.compile(r"@|\d{3}|https?://", re.IGNORECASE)


def _near_miss(value: str, known: Sequence[str]) -> bool:
    if len(value) > MAX_CHARS or _PRIVATE_LOOKING.search(value):
        return False
    folded = [k.lower() for k in known]
    return bool(difflib.get_close_matches(value.lower(), folded, n=1, cutoff=CLOSE))


def unknown_labels(values: Sequence[object], known: Sequence[str], field: str) -> str | None:
    """The values (of a label field `field`) that are not among `known`, as `labels_shown` puts
    them in an error line; None when every value is known. Values are compared as given."""
    allowed = set(known)
    outside = [str(v) for v in values if v not in allowed]
    return labels_shown(outside, known, field) if outside else None


def labels_shown(values: Sequence[str], known: Sequence[str], field: str) -> str:
    """`values` (found where one of `known` was expected) for an error line: up to five near
    misses of a known label by name, every other value only counted."""
    distinct = sorted(set(values))
    shown = [v for v in distinct if _near_miss(v, known)][:MAX_SHOWN]
    hidden = len(distinct) - len(shown)
    if not shown:
        return (
            f"{len(distinct)} distinct value{'' if len(distinct) == 1 else 's'}, none close to "
            f"a label (not shown: they may be private; is '{field}' the label field?)"
        )
    return ", ".join(shown) + (
        f" and {hidden} other value{'' if hidden == 1 else 's'} (not shown)" if hidden else ""
    )
