"""Quoted re-sends: a message sent again inside a reply, a forward or a quotation mark.

"Any update on the below?\\n\\n> Why is the exchange rate different?", "Still no reply.\\n\\nAmara
wrote:\\n> My product has not arrived.", "My question was "Are there virtual cards?". Just
bumping this." The note around the quote can say anything, so the quote itself is what is
compared: `quoted` gives it, and `frames.Frames.peel` compares it as the message's core.

What counts as a quote: the lines that start with ">" (e-mail quoting), with the "X wrote:" and
"-----Original Message-----" lines dropped; or one span in quotation marks (“…”, "…", «…»,
<<…>>, '…') of at least `MIN_QUOTE_WORDS` words that holds at least `MIN_QUOTE_SHARE` of the
text's words. A message that quotes a short phrase ('It says "declined"') is not a quote.

What it cannot do: a reply that quotes a message and asks something new below it is taken for
the quoted message alone.
"""

from __future__ import annotations

import re

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


def quoted(text: str) -> str | None:
    """The message `text` quotes, or None when it quotes none."""
    lines = [_QUOTED_LINE.match(line) for line in text.splitlines()]
    body = [m.group(1) for m in lines if m is not None and m.group(1).strip()]
    if body and len(body) < len(lines):
        return "\n".join(body)
    total = len(words(text))
    for span in _SPANS:
        for m in span.finditer(text):
            n = len(words(m.group(1)))
            if n >= MIN_QUOTE_WORDS and n >= MIN_QUOTE_SHARE * total:
                return m.group(1)
    return None
