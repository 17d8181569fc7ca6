"""Normalise many texts at once into one UTF-8 byte buffer, with shingle boundaries as arrays.

The result is exactly what `schemas.text.normalise_text` (the reference) gives for each text:
NFKC, lower case, punctuation dropped, words joined by single spaces. Only texts with non-ASCII
characters go through Python's `unicodedata`; everything else is numpy over bytes, which is what
makes dedup of 100k documents take seconds. Word-character and whitespace classes are Python's own
(`str.isalnum`, `str.isspace`), so the fast path and the reference cannot disagree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from validators.dedup.config import NormaliseConfig

_WORD = re.compile(r"\w+")
_ASCII_LOWER = np.arange(256, dtype=np.uint8)
_ASCII_LOWER[65:91] += 32
_SPACE = 0x20


def _is_token_char(cp: int, punctuation: bool) -> bool:
    char = chr(cp)
    if punctuation:
        return char.isalnum() or char == "_"
    return not char.isspace()


def _ascii_table(punctuation: bool) -> np.ndarray:
    table = np.zeros(256, dtype=bool)  # bytes >= 0x80 are set per character below
    table[:128] = [_is_token_char(c, punctuation) for c in range(128)]
    return table


_TABLES = {True: _ascii_table(True), False: _ascii_table(False)}


@dataclass(frozen=True)
class NormalisedTexts:
    """Normalised texts back to back as UTF-8 (`data`), text i at `data[offsets[i]:offsets[i+1]]`,
    with the byte range and owning text of every word."""

    data: np.ndarray
    offsets: np.ndarray
    word_starts: np.ndarray
    word_ends: np.ndarray
    word_owner: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def text(self, i: int) -> str:
        raw = self.data[self.offsets[i] : self.offsets[i + 1]].tobytes()
        return raw.decode("utf-8", "surrogatepass")

    def is_ascii(self) -> bool:
        """Every character is one byte (so character shingles are fixed-width byte ranges)."""
        return self.data.size == 0 or int(self.data.max()) < 0x80

    def char_starts(self) -> tuple[np.ndarray, np.ndarray]:
        """(byte position, text index) of every character (UTF-8 lead bytes), in order."""
        lead = np.flatnonzero((self.data & 0xC0) != 0x80)
        return lead, np.searchsorted(self.offsets, lead, side="right") - 1


def normalise_many(texts: Sequence[str], config: NormaliseConfig) -> NormalisedTexts:
    """Normalise `texts` (a chunk: a few thousand) into one buffer; see the module docstring."""
    encoded = [t.encode("ascii") if t.isascii() else _python_unicode(t, config) for t in texts]
    joined = b"\n".join(encoded) + b"\n"  # a separator after each text: words never cross texts
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    starts = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=starts[1:])
    raw = np.frombuffer(joined, dtype=np.uint8)
    raw = _ASCII_LOWER[raw] if config.lowercase else raw.copy()  # a private, writable buffer
    token = _token_mask(raw, config.punctuation, joined.isascii())
    return _compact(raw, starts, token)


def _python_unicode(text: str, config: NormaliseConfig) -> bytes:
    if config.nfkc:
        text = unicodedata.normalize("NFKC", text)
    if config.lowercase:
        text = text.lower()
    return text.encode("utf-8", "surrogatepass")


def _token_mask(raw: np.ndarray, punctuation: bool, ascii_only: bool) -> np.ndarray:
    """True where a byte belongs to a word; non-ASCII characters are classified by Python."""
    token = _TABLES[punctuation][raw]
    if ascii_only:
        return token
    high = np.flatnonzero(raw >= 0x80)
    leads = high[raw[high] >= 0xC0]
    cps = _decode_at(raw, leads)
    uniq, inverse = np.unique(cps, return_inverse=True)
    classes = np.array([_is_token_char(int(c), punctuation) for c in uniq], dtype=bool)
    token[leads] = classes[inverse]
    cont = high[raw[high] < 0xC0]
    for _ in range(3):  # a continuation byte takes the class of its lead byte (<= 3 back)
        token[cont] = token[cont - 1]
    return token


def _decode_at(raw: np.ndarray, leads: np.ndarray) -> np.ndarray:
    """Code points of the UTF-8 sequences starting at `leads` (all >= 0xC0)."""
    padded = np.concatenate([raw, np.zeros(3, dtype=np.uint8)]).astype(np.uint32)
    b0, b1, b2, b3 = (padded[leads + k] for k in range(4))
    two = ((b0 & 0x1F) << 6) | (b1 & 0x3F)
    three = ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F)
    four = ((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F)
    return np.where(b0 >= 0xF0, four, np.where(b0 >= 0xE0, three, two))


def _compact(raw: np.ndarray, starts: np.ndarray, token: np.ndarray) -> NormalisedTexts:
    """Keep word bytes and one space between consecutive words of the same text.

    Text i is `raw[starts[i]:starts[i+1]]` including its trailing separator, which is never kept,
    so the compacted text ends where the next one begins.
    """
    edges = np.flatnonzero(token[1:] != token[:-1]) + 1
    if token.size and token[0]:
        edges = np.concatenate([[0], edges])
    first, last = edges[0::2], edges[1::2]  # runs of word bytes [first, last); the end is "\n"
    before = np.searchsorted(first, starts)  # words in the texts before each text
    owner = np.repeat(np.arange(starts.size - 1), np.diff(before))
    spaced = np.ones(
        first.size, dtype=np.int64
    )  # a space goes before every word but a text's first
    spaced[before[:-1][before[:-1] < before[1:]]] = 0
    kept = np.zeros(first.size + 1, dtype=np.int64)
    np.cumsum(last - first + spaced, out=kept[1:])
    gaps = first[spaced.astype(bool)] - 1
    token[gaps] = True  # both buffers are private to this call: edit in place
    raw[gaps] = _SPACE
    return NormalisedTexts(
        data=raw[token],
        offsets=kept[before],
        word_starts=kept[:-1] + spaced,
        word_ends=kept[1:],
        word_owner=owner,
    )
