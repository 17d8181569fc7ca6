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
