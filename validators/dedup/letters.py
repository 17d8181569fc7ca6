"""Letter lines: the greeting, sign-off, name and device lines around a short message.

"Dear team,\nMy card will not work\nRegards,\nLena", "Is there a fee?\n\nSent from my phone,
please excuse typos", "Am I able to use Apple Pay? Yours sincerely, Giulia", "I need a new card.
Grateful for any help - Olivia". `letter_parts` takes such lines off a text's first and last
lines and blocks; `signed_name` and `dashed_name` tell a sign-off with a name, or a name after a
dash, in the last segment of a line (`frames.Frames.peel`). What comes off is returned, so two
texts whose lines differ ("- Visa" / "- Mastercard") can be told apart (`frames.compatible`).
"""

from __future__ import annotations

import re

from validators.dedup.follow_ups import carries_nothing
from validators.dedup.small_talk import SMALL_TALK
from validators.dedup.words import words

MAX_LETTER_BLOCK = 6  # words of a block set apart by a blank line ("Best,\nMaria")
MAX_LETTER_LINE = 3  # words of a greeting or sign-off line of its own ("Dear team,")
MAX_LETTER_LINES = 2  # lines or blocks taken off each end at most ("Regards,\nLena")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_LINE = re.compile(r"\n")
_DIGIT = re.compile(r"\d")
_DASH = re.compile(r"\s[-\u2013\u2014]+\s")


def letter_body(text: str) -> str:
    """`text` without the lines a letter or an e-mail puts around its message: a first or last
    block set apart by a blank line of at most `MAX_LETTER_BLOCK` words, and a first or last line of
    at most `MAX_LETTER_LINE` words, where that block or line is a greeting, a sign-off, a
    follow-up or a name (`_letter_line`: "Dear team,", "Best,\nMaria", "Rgds, Beth", "Sent from
    Yahoo Mail on Android"). None of them may hold a digit or end with a question mark, and at
    least one line stays: "Hi,\n\nMy card is lost." keeps its message."""
    return letter_parts(text)[0]


def letter_parts(text: str) -> tuple[str, list[str], list[str]]:
    """`letter_body(text)`, with the lines taken off before and after it."""
    before: list[str] = []
    after: list[str] = []
    for split, limit in ((_BLANK_LINE, MAX_LETTER_BLOCK), (_LINE, MAX_LETTER_LINE)):
        blocks = [b for b in split.split(text.strip()) if b.strip()]
        for _ in range(MAX_LETTER_LINES):  # "Regards,\nLena"
            if len(blocks) > 1 and _letter_line(blocks[-1], limit, first=False):
                after.append(blocks.pop())
        for _ in range(MAX_LETTER_LINES):
            if len(blocks) > 1 and _letter_line(blocks[0], limit, first=True):
                before.append(blocks.pop(0))
        text = "\n\n".join(blocks) if split is _BLANK_LINE else "\n".join(blocks)
    return text, before, after


_DEVICE = re.compile(r"^\s*(sent (from|via|using|with|on) |get outlook )", re.IGNORECASE)
MAX_DEVICE_LINE = 10  # words of a device signature ("Sent from my phone, please excuse typos")
SIGN_OFF = frozenset(
    """best regards rgds br kr sincerely yours warmly faithfully truly respectfully love
    cordially thanks cheers from""".split()
)
_TOKEN = re.compile(r"[^\W\d_][\w'.-]*")
MAX_NAME = 2  # words of a name under a sign-off ("Emma T")


def _letter_line(block: str, limit: int, first: bool) -> bool:
    """A greeting or a sign-off with or without a name ("Hi Anna,", "Cheers, Tariq",
    "Thanks\nYasmin"), small talk or a follow-up alone ("Thanks!", "Still no answer."), a
    device signature, or, last, a name alone ("Omar"). A first line of capitalised words
    and no greeting ("Card lost") is the message's subject, and stays."""
    if _DIGIT.search(block) or block.rstrip().endswith("?"):
        return False
    found = words(block)
    if not found:
        return False
    if _DEVICE.match(block):
        return len(found) <= MAX_DEVICE_LINE
    if len(found) > limit:
        return False
    if carries_nothing(block):
        return True
    tokens = _TOKEN.findall(block)
    names = [t for t in tokens if t.lower() not in SMALL_TALK and t.lower() not in SIGN_OFF]
    if not 0 < len(names) <= MAX_NAME or not all(_is_name(t) for t in names):
        return False
    return not first or len(names) < len(tokens)  # a first line greets before the name


def _is_name(token: str) -> bool:
    """Written as a name: a capital first, not a word in capitals ("Maria", "T", not "HELP",
    "UK")."""
    return token[0].isupper() and (len(token) == 1 or not token.isupper())


_SIGNED = re.compile(r"^\s*([^,\n]+),\s*([A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*)?)\s*[.!]?\s*$")


def dashed_name(piece: str, before: str) -> bool:
    """A name after a dash as the last segment: "Grateful for any help - Olivia"."""
    tokens = _TOKEN.findall(piece)
    return (
        bool(_DASH.search(before))
        and 0 < len(tokens) <= MAX_NAME
        and len(tokens) == len(piece.split())
        and all(_is_name(t) for t in tokens)
    )


def signed_name(piece: str) -> bool:
    """A sign-off and a name as the last segment: "Cheers, Tariq", "Yours sincerely, Giulia"."""
    m = _SIGNED.match(piece)
    return m is not None and carries_nothing(m.group(1))
