"""E-mail wrapping around a short message: forward headers, signatures, footers.

A message forwarded or sent again by e-mail carries lines that say nothing about the request:
"---------- Forwarded message ---------", "From: Lars <lars@...>", "Subject: RE: Enquiry", a line
of underscores, and under the message a signature ("Kind regards\\n\\nMARTA CHATTERJEE\\nResearch
Assistant, Bluebell Nursery", "--\\nTyped with thumbs"). `email_body` drops them:

- header lines: "From:", "To:", "Cc:", "Sent:", "Date:" at the start of a line, and the
  "Subject:" of a forwarded message after them; a "Subject:" of the text's own keeps its words
  (it may be the message);
- lines with no letter or digit ("________", "-----");
- a signature: everything from a line that is only "--", or from a sign-off line ("Kind regards",
  "Thanks,", "Best, Joao Ivanova") that follows the message, to the end.

At least one line with words always stays. A line that starts like a sign-off but goes on to
ask something ("Thanks, can you also tell me the fee?") is not a sign-off.
"""

from __future__ import annotations

import re

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


def email_body(text: str) -> str:
    """`text` without forward headers, separator lines and a trailing signature."""
    lines = text.splitlines()
    if len(lines) < 2:
        return text
    kept: list[str] = []
    forwarded = False
    for line in lines:
        if _DELIMITER.match(line) or (kept and _signs_off(line) and _has_words(kept)):
            break
        header = _HEADER.match(line)
        if header and header.group(1).lower() == "subject" and not forwarded:
            kept.append(line[header.end() :])  # a subject of its own may be the message
            continue
        if header:
            forwarded = True
            continue
        if _NO_WORD.match(line) and line.strip():
            continue
        kept.append(line)
    return "\n".join(kept).strip() if _has_words(kept) else text


def _signs_off(line: str) -> bool:
    m = _SIGN_OFF.match(line)
    if m is None:
        return False
    rest = m.group("rest")
    return "?" not in rest and len(rest.split()) <= MAX_NAME_TOKENS


def _has_words(lines: list[str]) -> bool:
    return any(re.search(r"\w", line) for line in lines)
