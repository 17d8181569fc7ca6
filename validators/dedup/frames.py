"""Re-send frames learned from the data: openers and sign-offs that wrap many different messages.

A customer who sends a message again wraps it: "Second time asking: ...", "... Sent from my
iPhone", "(resent)", "- following up". No list holds every such frame (`small_talk` holds the
common ones), but within one dataset a frame wraps many different messages, while the words that
make a request rarely stand alone at the edge of several of them.

So a segment at the edge of a message (the text before the first boundary or after the last
one; boundaries are a sentence end, a colon, a spaced dash, a line break and brackets) is a
frame when it has at most `MAX_WORDS` words (an opener that ends as a sentence, not with a
colon, dash or bracket: at most `MAX_SENTENCE_OPENER`), no digits, and stands at the edge of at
least `min_texts` different short messages of the data being deduplicated and its reference
(`DedupConfig.frame_min_texts`).
The word check then also compares the messages with their frames taken off (`Frames.peel`).

What it cannot do: a frame seen fewer than `min_texts` times, or typed with a typo, stays part of
the message; near copies count as different messages, so three re-sends of one message that end
alike teach their ending as a frame; a request that many messages end with ("Is there a fee?") is
learned like a frame, so "X. Is there a fee?" and "X." become near copies. Two messages whose frames
differ at the same edge are compared only as written, so "X. Is there a fee?" and "X. How long
does it take?" stay apart.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from validators.dedup.email import email_parts
from validators.dedup.follow_ups import carries_nothing
from validators.dedup.letters import dashed_name, letter_parts, signed_name
from validators.dedup.quotes import quoted
from validators.dedup.small_talk import without_small_talk
from validators.dedup.words import words

MAX_WORDS = 6
MAX_SENTENCE_OPENER = 3  # words of an opener that ends as a sentence, not with ":" or "-"
MAX_PEEL = 2  # frames taken off each edge at most ("Thanks in advance. Still no answer!")
_BOUNDARY = re.compile(
    r"[.!?]+(?:\s+|$)|:\s+|\s+[-\u2013\u2014]+\s+|\n+|\s*\(\s*|\s*\)\s*|\s*>>\s*"
)
_SPACES = re.compile(r"[ \t]{2,}")
MAX_PEEL_CHARS = 2_000  # longer texts are compared as written (and never read as letters)
_DIGIT = re.compile(r"\d")
_MARKED = re.compile(r"[:\-\u2013\u2014()]")
_OPENS = re.compile(r":|\s[-\u2013\u2014]")  # an opener set off by a colon or a dash


@dataclass(frozen=True)
class Stripped:
    """A message's words with its learned frames taken off, and the frames, per edge."""

    core: tuple[str, ...]
    opener: tuple[tuple[str, ...], ...] = ()
    closer: tuple[tuple[str, ...], ...] = ()


def segments(text: str) -> list[tuple[str, str]]:
    """The non-empty pieces of `text` between boundaries, in order, each with the boundary
    that follows it ("" at the end). Runs of spaces count as one (the boundary patterns would
    rescan a long run at every position)."""
    text = _SPACES.sub(" ", text)
    pieces: list[tuple[str, str]] = []
    last = 0
    for m in _BOUNDARY.finditer(text):
        piece = text[last : m.start()]
        if piece.strip():
            pieces.append((piece, m.group()))
        elif pieces:  # boundaries in a row ("? (") are one boundary
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + m.group())
        last = m.end()
    if text[last:].strip():
        pieces.append((text[last:], ""))
    return pieces


def _frame_words(piece: str, marked: bool, limit: int = MAX_WORDS) -> tuple[str, ...] | None:
    """The words of a piece that can be a frame: at most `limit` words, no digit, and one word
    only where a colon, dash or bracket sets it apart ("Re:", "(resent)"; a bare "Why?" at the
    end asks something)."""
    found = words(piece)
    if not found or len(found) > limit or _DIGIT.search(piece):
        return None
    if len(found) == 1 and not marked:
        return None
    return found


def _opener_words(piece: str, boundary: str) -> tuple[str, ...] | None:
    """An opener ends with a colon, a dash or a bracket ("Second time asking:", "Re:"), or is
    a short sentence ("Hello.", "Help me!"). A longer first sentence usually says what the
    message is about ("My card is about to expire. How do I get a new one?")."""
    marked = bool(_MARKED.search(boundary))
    return _frame_words(piece, marked, MAX_WORDS if marked else MAX_SENTENCE_OPENER)


def _closer_words(piece: str, boundary_before: str) -> tuple[str, ...] | None:
    return _frame_words(piece, bool(_MARKED.search(boundary_before)))


def edges(text: str) -> set[tuple[str, ...]]:
    """The words of the first and the last segment of a text of two or more segments, where
    they can be frames."""
    pieces = segments(text)
    if len(pieces) < 2:
        return set()
    first, last = _opener_words(*pieces[0]), _closer_words(pieces[-1][0], pieces[-2][1])
    return {w for w in (first, last) if w is not None}


class Frames:
    """The frames of one dataset (`learn`), and messages with them taken off (`strip`)."""

    def __init__(self, frames: Iterable[tuple[str, ...]] = ()) -> None:
        self.frames = frozenset(frames)

    @classmethod
    def learn(cls, texts: Iterable[str], min_texts: int) -> Frames:
        """Segments at the edge of at least `min_texts` different texts (0: none learned)."""
        if min_texts <= 0:
            return cls()
        seen: Counter[tuple[str, ...]] = Counter()
        for text in set(texts):
            seen.update(edges(text))
        return cls(f for f, n in seen.items() if n >= min_texts)

    def __len__(self) -> int:
        return len(self.frames)

    def peel(self, text: str) -> Stripped | None:
        """`text` without what wraps its request, or None when nothing does: the quote it
        re-sends (`quotes`), its letter lines (`letters`), and at each edge up to
        `MAX_PEEL` follow-ups (`follow_ups`, small talk and sign-offs included) and up to
        `MAX_PEEL` learned frames, at least one segment left. What came off at each edge is
        kept for `compatible` (small talk and names aside): "..., waiting since Thursday" and
        "..., waiting since Friday" are not the same follow-up."""
        if len(text) > MAX_PEEL_CHARS:
            return None
        opener: list[tuple[str, ...]] = []
        closer: list[tuple[str, ...]] = []
        quote = quoted(text)
        if quote is not None:
            _note(opener, quote.around)
        mail = email_parts(text if quote is None else quote.text)
        _note(closer, mail.dropped)
        body, before, after = letter_parts(mail.body)
        for line in before:
            _note(opener, line)
        for line in after:
            _note(closer, line)
        pieces = segments(body)
        lo, hi = 0, len(pieces)
        followed = [0, 0]
        while hi - lo > 1:
            piece, boundary = pieces[lo]
            if followed[0] < MAX_PEEL and carries_nothing(piece, bool(_OPENS.search(boundary))):
                followed[0] += 1
                _note(opener, piece)
            elif len(opener) < MAX_PEEL and (w := _opener_words(piece, boundary)) in self.frames:
                opener.append(w)  # type: ignore[arg-type]
            else:
                break
            lo += 1
        while hi - lo > 1:
            piece, before = pieces[hi - 1][0], pieces[hi - 2][1]
            if followed[1] < MAX_PEEL and (
                carries_nothing(piece) or signed_name(piece) or dashed_name(piece, before)
            ):
                followed[1] += 1
                _note(closer, piece)
            elif len(closer) < MAX_PEEL and (w := _closer_words(piece, before)) in self.frames:
                closer.append(w)  # type: ignore[arg-type]
            else:
                break
            hi -= 1
        kept = [p for p, _ in pieces[lo:hi]]
        clipped = _without_follow_up_clauses(kept, opener, closer)
        written = tuple(w for p in clipped for w in words(p))
        core = _once(written)
        unchanged = clipped == kept and body == text and core == written
        if not opener and not closer and not any(followed) and unchanged:
            return None
        if not without_small_talk(core) or core in self.frames:  # "I lost my phone. What ..."
            return None
        return Stripped(core, tuple(opener), tuple(closer))


MIN_PASTED = 3  # words of a message pasted twice ("X X") that count as one


def _once(core: tuple[str, ...]) -> tuple[str, ...]:
    """A message pasted twice in a row, once."""
    half = len(core) // 2
    if half >= MIN_PASTED and len(core) % 2 == 0 and core[:half] == core[half:]:
        return core[:half]
    return core


def _note(edge: list[tuple[str, ...]], piece: str) -> None:
    """Keep what came off at an edge, small talk aside, for `compatible`: names and product
    words read as names too ("- Visa" / "- Mastercard" differ)."""
    said = without_small_talk(words(piece))
    if said:
        edge.append(said)


_COMMA = re.compile(r",\s*")


def _without_follow_up_clauses(
    kept: list[str], opener: list[tuple[str, ...]], closer: list[tuple[str, ...]]
) -> list[str]:
    """The kept segments without a follow-up clause set off by a comma at the start of the
    first ("Sorry for the double message, I don't see ...") or the end of the last ("...,
    still waiting for an answer"), where words remain; what came off is noted at its edge."""
    if not kept:
        return kept
    out = list(kept)
    for _ in range(MAX_PEEL):  # "To whom it may concern, Sorry for the double message, ..."
        head = _COMMA.split(out[0], maxsplit=1)
        if len(head) < 2 or not words(head[1]) or not _is_follow_up_clause(head[0]):
            break
        out[0] = head[1]
        _note(opener, head[0])
    tail = out[-1].rsplit(",", 1)
    if len(tail) == 2 and words(tail[0]) and _is_follow_up_clause(tail[1]):
        out[-1] = tail[0]
        _note(closer, tail[1])
    return out


def _is_follow_up_clause(clause: str) -> bool:
    """A follow-up, or small talk before one ("To whom it may concern,")."""
    return carries_nothing(clause)


def compatible(a: Stripped | None, b: Stripped | None) -> bool:
    """Whether both messages may be compared with what wraps them off: never when each lost
    something different at the same edge, neither a part of the other (two requests, not
    one request and its frame: "X. Is it free?" / "X. Is it safe?"; "Waiting since
    Thursday, X" / "Waiting since Friday, X"). One that lost more ("X. Still waiting. Any
    news?" / "X. Any news?") is the same request."""
    if a is None or b is None:
        return True
    return _fits(a.opener, b.opener) and _fits(a.closer, b.closer)


def _fits(x: tuple[tuple[str, ...], ...], y: tuple[tuple[str, ...], ...]) -> bool:
    return not x or not y or set(x) <= set(y) or set(y) <= set(x)
