"""Text normalisation shared by every stage that compares texts (echo check, exact and near dedup).

`validators.dedup.normalise.NormalisedTexts` is the vectorised form of this function and is tested
to give exactly its result for every text.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")


def normalise_text(
    text: str, *, nfkc: bool = True, lowercase: bool = True, punctuation: bool = True
) -> str:
    """NFKC, lower case, punctuation dropped (words are runs of letters, digits and '_'),
    whitespace collapsed to single spaces. Each step can be turned off."""
    if nfkc:
        text = unicodedata.normalize("NFKC", text)
    if lowercase:
        text = text.lower()
    if punctuation:
        return " ".join(_WORD.findall(text))
    return " ".join(text.split())


# Words a finished English sentence does not end on: articles, possessives, conjunctions.
_DANGLING = frozenset(
    "the a an and or but nor my your our their his her its of because whether".split()
)
_OPEN = re.compile(r"[,;:(\[{\-–—/&]\s*$")


def ends_mid_sentence(text: str) -> bool:
    """True when `text` stops where a message cannot end: after a comma, colon, dash or open
    bracket, with a bracket or quote left open, or on a word such as 'the', 'and' or 'my'.

    A message without a full stop is not cut off ("my card hasn't arrived"): people write so.
    """
    stripped = text.rstrip()
    if not stripped:
        return False
    if _OPEN.search(stripped) or stripped.count("(") > stripped.count(")"):
        return True
    if stripped.count('"') % 2 == 1:
        return True
    last = _WORD.findall(stripped[-20:].lower())
    return bool(last) and stripped[-1].isalnum() and last[-1] in _DANGLING
