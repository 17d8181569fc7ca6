"""Sentences around a request: a near copy may carry words of its own at either edge.

A re-sent message is often wrapped in words that no list holds: "The chat timed out, so again!",
"sorry my phone died:", "this is getting ridiculous.", "I spoke to someone on chat earlier and
got cut off." (`small_talk`, `follow_ups`, `email` and the learned `frames` hold the common
ones). So a short text is also cut into segments (`frames.segments`: sentence ends, colons,
spaced dashes, line breaks, brackets), and a pair is the same request when the segments of one
text, less some at its start or its end, say what the other text says (`words.same_words`).

What may come off is limited, because an extra sentence often adds a request or says what it is
about: "I want to change my PIN - do I need to be in a bank?", "Also, my card got stuck in an
ATM.", "It was 50 euros.", "I did not get the email.". So only whole segments come off, only at
the edges, and none of them may ask something (end with "?", or start like a question: "Where
is my refund", "Can you ..."), state a need ("I want ...", "I need ..."), add ("Also" anywhere,
"And", "By the way", "One more thing", "... too", "... as well"), or hold a digit, a number word
or a negation. What remains must have at least `MIN_CORE_WORDS` words and carry more than small
talk or a follow-up ("Hi, I hope you are well." is no request), so a short message is never
found inside a longer one by a word or two, and must match the other text with no other word
added or dropped ("My card was declined - Visa" / "... - Mastercard"; function words left out
in a hurry are still allowed, `words`).

Known limits: an added sentence that states a new fact, or a second request as a statement
("I've never seen the name on the transaction before.", "My phone was stolen."), still comes
off, and two texts wrapped in different sentences are compared as written and with one side's
sentences off, not with both sides' off. Keeping any sentence with a word that many of the
data's messages use (1% of them) kept 6 of 7 such pairs of a blind set apart but cost 4-5 points
of near-copy recall on the sets that wrap requests, so it is not done. LSH must propose the pair
first, and a short request in a long wrapper shares few character 4-grams with it (`variants`
signs only texts whose wrapper is a known or learned frame; signing each sentence apart found
1-2 points more at 20x the time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from validators.dedup.follow_ups import carries_nothing
from validators.dedup.frames import MAX_PEEL_CHARS
from validators.dedup.frames import segments as pieces
from validators.dedup.words import (
    NEGATIONS,
    NUMBER_WORDS,
    same_words,
    words,
)

#: The least words the part of a text that is compared may have.
MIN_CORE_WORDS = 4
#: Texts of more segments are compared as written (a letter is read by `letters` and `email`).
MAX_SEGMENTS = 12
_DIGIT = re.compile(r"\d")
# lengths that cannot match whatever small talk or words left out in a hurry: more than twice
# the other's words and this many more
_SLACK_WORDS = 6
# words that make a sentence part of the request: a number or a negation ("It went through
# twice.", "I did not get the email.")
_SAYS_WHAT = NEGATIONS | NUMBER_WORDS | frozenset({"twice", "thrice"})


# how a sentence that adds a request of its own starts ("Also, my card got stuck.")
_ADDING = (
    ("and",),
    ("plus",),
    ("additionally",),
    ("besides",),
    ("moreover",),
    ("furthermore",),
    ("btw",),
    ("by", "the", "way"),
    ("another", "thing"),
    ("another", "question"),
    ("one", "more", "thing"),
    ("in", "addition"),
    ("on", "top", "of", "that"),
    ("while", "i", "am", "at", "it"),
)
# how a request starts when it is asked or stated ("Where is my refund", "Can you freeze it",
# "I want to close my account"), question mark or not
_ASKING = frozenset(
    "what where when why how who whom whose which can could will would should shall may "
    "might must do does did is are am was were has have had".split()
)
_STATING_A_NEED = (("i", "want"), ("i", "need"), ("i", "would", "like"), ("i", "wish"))


def _adds(said: tuple[str, ...]) -> bool:
    """Does a sentence ask or state a request of its own: it asks ("Where is my refund", "Can
    you also freeze my account", with or without "?"), states a need ("I want to close my
    account"), or adds ("Also, ...", "... too", "... as well", "By the way, ...", "One more
    thing: ...")?"""
    return (
        said[0] in _ASKING
        or any(said[: len(p)] == p for p in _STATING_A_NEED)
        or any(said[: len(p)] == p for p in _ADDING)
        or "also" in said
        or said[-1] == "too"
        or said[-2:] == ("as", "well")
    )


@dataclass(frozen=True)
class Segment:
    """The words of one segment, and whether it may come off as a wrapper."""

    words: tuple[str, ...]
    removable: bool


def segments(text: str) -> tuple[Segment, ...]:
    """The segments of `text` that have words; none for a text of one segment or of more than
    `MAX_SEGMENTS`, or longer than `frames.MAX_PEEL_CHARS` characters."""
    if len(text) > MAX_PEEL_CHARS:
        return ()
    found = []
    for piece, boundary in pieces(text):
        said = words(piece)
        if said:
            removable = not (
                "?" in boundary
                or _DIGIT.search(piece)
                or any(w in _SAYS_WHAT for w in said)
                or _adds(said)
            )
            found.append(Segment(said, removable))
    return tuple(found) if 2 <= len(found) <= MAX_SEGMENTS else ()


def found_inside(segs: tuple[Segment, ...], other: tuple[str, ...], changed_places: int) -> bool:
    """Is `other` the same request as the segments `segs[i:j]` of another text, for a run that
    leaves out at least one segment at an edge, each of them one that may come off, and whose
    words carry a request? No other word may be added or dropped (`same_words` with
    `added_words` 0; function words left out in a hurry aside): "My card was declined - Visa" /
    "My card was declined - Mastercard" would otherwise be one request."""
    n = len(segs)
    if n < 2 or len(other) < MIN_CORE_WORDS:
        return False
    for i in range(n):
        if i and not segs[i - 1].removable:
            break  # segments before i must all come off
        for j in range(n, i, -1):
            if j < n and not segs[j].removable:
                break
            if i == 0 and j == n:
                continue
            core = tuple(w for seg in segs[i:j] for w in seg.words)
            if len(core) < MIN_CORE_WORDS:
                break
            if carries_nothing(" ".join(core)):
                continue  # what is left is the wrapper ("Hi, I hope you are well.")
            if len(core) > 2 * len(other) + _SLACK_WORDS:
                continue  # far longer than the other text (checked first: it is cheap)
            if len(other) > 2 * len(core) + _SLACK_WORDS:
                break  # and shorter cores are further off
            if same_words(core, other, 0, changed_places):
                return True
    return False
