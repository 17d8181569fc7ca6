"""E-mail wrapping around a short message: forward headers, signatures, footers.

A message forwarded or sent again by e-mail carries lines that say nothing about the request:
"---------- Forwarded message ---------", "From: Lars <lars@...>", "Subject: RE: Enquiry", a line
of underscores, and under the message a signature ("Kind regards\\n\\nMARTA CHATTERJEE\\nResearch
Assistant, Bluebell Nursery", "--\\nTyped with thumbs"). `email_body` drops them:

- a forwarded message's header lines: "From:" and, after it or after a separator line, "To:",
  "Cc:", "Sent:", "Date:" and "Subject:"; a "Subject:" of the text's own keeps its words (it
  may be the message), and "Date: 3 March" in a message of one's own stays;
- lines with no letter or digit ("________", "-----");
- a signature: everything from a line that is only "--", or from a sign-off line ("Kind regards",
  "Thanks,", "Best, Joao Ivanova") that follows the message and is followed only by short lines
  that end no sentence (a name, a title, a company), to the end.

At least one line with words always stays. A line that starts like a sign-off but goes on
("Thanks for getting back to me.", "Best way to move my savings") is not a sign-off. What
came off is returned too (`email_parts`), so two texts whose signatures or headers differ are
compared as written (`frames.compatible`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

_HEADER = re.compile(r"^\s*(from|to|cc|bcc|sent|date|subject)\s*:", re.IGNORECASE)
_NO_WORD = re.compile(r"^[\W_]*$")
_DELIMITER = re.compile(r"^\s*--\s*$")
_SIGN_OFF = re.compile(
    r"^\s*(kind regards|best regards|warm regards|warmest regards|regards|best wishes|best|"
    r"cheers|thanks|thank you|thanks again|many thanks|sincerely|yours sincerely|yours truly|"
    r"yours faithfully|rgds|br|kr|ty|thx|take care)\b\s*[,.!]*\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
MAX_NAME_TOKENS = 5  # "Best, Joao Ivanova (they/them)"
MAX_SIGNATURE_LINE = 8  # words of a line under a sign-off ("Research Assistant, Bluebell Nursery")


class Mail(NamedTuple):
    """A text's body, and what came off it (joined lines) for `frames.compatible`."""

    body: str
    dropped: str


def email_body(text: str) -> str:
    """`text` without forward headers, separator lines and a trailing signature."""
    return email_parts(text).body


def email_parts(text: str) -> Mail:
    """`email_body(text)`, and the lines it took off."""
    lines = text.splitlines()
    if len(lines) < 2:
        return Mail(text, "")
    kept: list[str] = []
    dropped: list[str] = []
    forwarded = False
    for k, line in enumerate(lines):
        if _DELIMITER.match(line) or (
            kept and _has_words(kept) and _signs_off(line) and _signature(lines[k + 1 :])
        ):
            dropped.extend(lines[k:])
            break
        header = _HEADER.match(line)
        if header and (forwarded or header.group(1).lower() == "from"):
            forwarded = True
            dropped.append(line)
            continue
        if header and header.group(1).lower() == "subject":
            kept.append(line[header.end() :])  # a subject of its own may be the message
            continue
        if _NO_WORD.match(line) and line.strip():
            forwarded = True  # a separator line starts a forwarded message's headers
            continue
        kept.append(line)
    if not _has_words(kept):
        return Mail(text, "")
    return Mail("\n".join(kept).strip(), "\n".join(dropped))


def _signs_off(line: str) -> bool:
    """A sign-off, alone or with a name after it ("Best, Joao Ivanova (they/them)")."""
    m = _SIGN_OFF.match(line)
    if m is None:
        return False
    rest = m.group("rest").split()
    return len(rest) <= MAX_NAME_TOKENS and all(t[0].isupper() or t[0] == "(" for t in rest)


def _signature(lines: list[str]) -> bool:
    """Lines under a sign-off that make a signature: short, no question, no sentence end."""
    return all(
        len(line.split()) <= MAX_SIGNATURE_LINE and not line.rstrip().endswith(("?", "."))
        for line in lines
        if line.strip()
    )


def _has_words(lines: list[str]) -> bool:
    return any(re.search(r"\w", line) for line in lines)
