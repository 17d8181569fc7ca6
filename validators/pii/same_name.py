"""Every mention of a detected name: "Khasbulat Shishani ... Khasbulat said" hides both.

NER and the name list find a name where its context says it is one ("the assistant to Khasbulat
Shishani") and miss the same word elsewhere in the text ("Khasbulat spent a year ..."), so the
scrubbed text would still name the person. Once a text has a PERSON detection, each capitalised
word of it (not a title, not a stop word) is a PERSON wherever else it stands in that text as a
whole word ("Pirjo's" included).
"""

from __future__ import annotations

from typing import Any

import regex
from spacy.lang.en.stop_words import STOP_WORDS

_WORD = regex.compile(r"\p{Lu}[\p{L}\p{M}'’-]*\p{L}")
_TITLES = frozenset("mr mrs ms miss dr prof sir madam mister lady lord dear".split())


def name_words(span: str) -> set[str]:
    """The capitalised words of a detected name that may stand for the person alone."""
    return {
        w
        for w in _WORD.findall(span)
        if len(w) >= 3 and w.lower() not in _TITLES and w.lower() not in STOP_WORDS
    }


def spread_names(found: list[Any], text: str) -> list[Any]:
    """New PERSON results for other mentions of the words of the PERSON results in `found`
    (spans not already covered by a result); each takes its source's score."""
    from presidio_analyzer import RecognizerResult

    people = [r for r in found if r.entity_type == "PERSON"]
    if not people:
        return []
    covered = sorted((r.start, r.end) for r in found)
    score_of: dict[str, float] = {}
    for res in people:
        for word in name_words(text[res.start : res.end]):
            score_of[word] = max(score_of.get(word, 0.0), res.score)
    if not score_of:
        return []
    pattern = regex.compile(
        r"(?<![\p{L}\p{M}\p{N}])(?:"
        + "|".join(regex.escape(w) for w in sorted(score_of, key=len, reverse=True))
        + r")(?![\p{L}\p{M}\p{N}])"
    )
    extra = []
    for match in pattern.finditer(text):
        start, end = match.span()
        if any(s < end and start < e for s, e in covered):
            continue
        extra.append(
            RecognizerResult(
                "PERSON",
                start,
                end,
                score_of[match.group()],
                recognition_metadata={
                    "recognizer_name": "SameNameRecognizer",
                    "recognizer_identifier": "synthmill-same-name",
                },
            )
        )
    return extra
