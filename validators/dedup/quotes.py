"""Quoted re-sends: a message sent again inside a reply, a forward or a quotation mark.

"Any update on the below?\\n\\n> Why is the exchange rate different?", "Still no reply.\\n\\nAmara
wrote:\\n> My product has not arrived.", "My question was "Are there virtual cards?". Just
bumping this." The note around the quote can say anything, so the quote itself is what is
compared: `quoted` gives it, and `frames.Frames.peel` compares it as the message's core.

What counts as a quote: the lines that start with ">" (e-mail quoting; the other lines, "X
wrote:" and the note, are what is around it); or one span in quotation marks (“…”, "…", «…»,
<<…>>, '…') of at least `MIN_QUOTE_WORDS` words that holds at least `MIN_QUOTE_SHARE` of the
text's words, where the words around it only point at it ("My question was ... Just bumping
this."). A message that quotes a short phrase ('It says "declined"') or an error message
inside a question of its own is not a quote.

What it cannot do: a reply that quotes a message and asks something new below it is taken for
the quoted message alone.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from validators.dedup.follow_ups import is_follow_up
from validators.dedup.words import words

MIN_QUOTE_WORDS = 3
MIN_QUOTE_SHARE = 0.4
_QUOTED_LINE = re.compile(r"^\s*>+\s?(.*)$")
_SPANS = (
    re.compile(r"\u201c([^\u201d]+)\u201d"),
    re.compile(r"\u00ab([^\u00bb]+)\u00bb"),
    re.compile(r"<<([^<>]+)>>"),
    re.compile(r'"([^"]+)"'),
    re.compile(r"(?:^|(?<=\s))'([^']+)'(?=\s|$|[.,:;!?-])"),
)


class Quote(NamedTuple):
    """The quoted message, and the text around it."""

    text: str
    around: str


def quoted(text: str) -> Quote | None:
    """The message `text` quotes, or None when it quotes none."""
    lines = text.splitlines()
    found = [_QUOTED_LINE.match(line) for line in lines]
    body = [m.group(1) for m in found if m is not None and m.group(1).strip()]
    if body and len(body) < len(lines):
        around = [line for line, m in zip(lines, found, strict=True) if m is None]
        return Quote("\n".join(body), "\n".join(around))
    total = len(words(text))
    for span in _SPANS:
        for m in span.finditer(text):
            n = len(words(m.group(1)))
            around = text[: m.start()] + " " + text[m.end() :]
            if n >= MIN_QUOTE_WORDS and n >= MIN_QUOTE_SHARE * total and _says_nothing(around):
                return Quote(m.group(1), around)
    return None


def _says_nothing(around: str) -> bool:
    """The words around an inline quote only point at it ("My question was", "Just bumping
    this"): a quoted error message in a new question ('The app says "..." How do I unblock
    it?') is part of that question."""
    found = words(around)
    return not found or is_follow_up(found, marked=True)
