"""Names from a list: first and last names of 105 countries, grounded by casing and context.

The small English spaCy model finds English names in title case and little else: not 'Kónya,
Becker and Vasquez', not 'KATALIN KISS', not 'katalin kiss'. `NameListRecognizer` reads
`data/names.tsv.gz` (made by `build_names.py` from names-dataset, with each name's best rank in
any country and its frequency as an English word) and marks as PERSON:

* a run of two to four name words (a first name, then a surname, optional particles such as
  'van der', initials and hyphenated parts), in title case, in an upper-case run or text, or
  in a lower-case text where both words are clearly names and neither is a common word;
* a name word after a cue (a title such as 'Mrs' or 'Herr', 'dear', 'regards', 'my name is');
* single surnames in a list ('Kónya, Becker and Vasquez').

A word that is also common in English ('Will', 'May', 'Bank', 'Card') counts for less, a word
NER tagged as a place, date or amount counts for nothing, and stop words, months, weekdays and
the `not_name_words` of the recognizers file break a run. `check_person` is applied to every
PERSON detection, from whichever recognizer, to drop those that cannot be a name.
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import regex
from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

NAMES_FILE = Path(__file__).resolve().parent / "data" / "names.tsv.gz"

#: A word at least this frequent in English (Zipf scale) is 'common'; at COMMON_STRONG, very.
COMMON = 3.6
COMMON_STRONG = 4.5
#: Too frequent to be a name in lower-case text whatever the list says ('will', 'can', 'may').
COMMON_NEVER_LOWER = 5.5

_ALPHA = regex.compile(r"^\p{L}+(?:['’]\p{L}+)*\.?$")
_PARTICLES = frozenset(
    "van von der den de del della di da dos das du la le ten ter bin binti ibn al el zu af av y "
    "e mac st".split()
)
_SEPARATORS = frozenset(
    ", ; & / and or und et y e és es i og och ja ve și si a oraz en ou o".split()
)
_TITLES = frozenset(
    "mr mrs ms miss mx dr prof sir madam herr frau fräulein fr hr fru mme mlle m monsieur madame "
    "sr sra srta señor señora senhor senhora don doña dona sig signor signora dott dott.ssa pan "
    "pani panna dhr mevr mevrouw heer úr bay bayan domnul doamna dl dna d-na pt st".split()
)
_CUE_BEFORE = frozenset(
    "dear hi hello hey hej hallo hola ciao bonjour regards thanks thank cheers sincerely "
    "best yours greetings attn attention signed named called beneficiary recipient payee "
    "holder tenant landlord husband wife partner son daughter mother father brother sister "
    "friend colleague boss roommate flatmate fiancé fiancée wishes cordialement grüße gruß "
    "saludos saluti cumprimentos pozdrawiam üdvözlettel hälsningar hilsen terveisin saygılarımla "
    "mvh mfg lg vg i'm i’m im".split()
)
#: Two-word cues: the pair of lower-cased words just before the name.
_CUE_PAIRS = frozenset(
    {
        ("name", "is"),
        ("name", ":"),
        ("name", "?"),
        ("i", "am"),
        ("i", "'m"),
        ("i", "’m"),
        ("this", "is"),
        ("it", "'s"),
        ("is", "called"),
        ("holder", ":"),
        ("holder", "is"),
        ("named", ":"),
        ("contact", ":"),
        ("from", ":"),
        ("name", "-"),
        ("regards", ","),
        ("thanks", ","),
        ("cheers", ","),
        ("sincerely", ","),
        ("dear", "mr"),
        ("dear", "mrs"),
        ("dear", "ms"),
    }
)
_WEAK_PAIRS = frozenset(
    {("i", "am"), ("i", "'m"), ("i", "’m"), ("this", "is"), ("it", "'s"), ("from", ":")}
)
#: Two words after a name that say it is one ('Agata and I share ...').
_CUE_AFTER = frozenset(
    {
        ("and", "i"),
        ("and", "me"),
        ("from", "your"),
        ("from", "the"),
        ("speaking", "."),
        ("speaking", ","),
        ("told", "me"),
        ("said", "that"),
    }
)
#: What a name owns in "Anna's account".
_OWNED = frozenset(
    "account card name wife husband mother father son daughter brother sister phone number "
    "address email iban money payment transfer details".split()
)
_MONTHS_DAYS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday "
    "saturday sunday mon tue tues wed thu thur thurs fri sat sun".split()
) - {"jan"}  # 'Jan' is a name more often than January
#: NER labels that make a word a place, date, amount or thing rather than part of a name.
_NOT_NAME_LABELS = frozenset(
    "GPE LOC FAC NORP DATE TIME MONEY PERCENT QUANTITY CARDINAL ORDINAL PRODUCT EVENT LANGUAGE "
    "LAW WORK_OF_ART".split()
)
_PLACE_LABELS = frozenset(("GPE", "LOC", "FAC", "NORP"))
_NUMERIC_LABELS = frozenset("DATE TIME MONEY PERCENT QUANTITY CARDINAL ORDINAL".split())


_WORDS = regex.compile(r"\p{L}+(?:['’]\p{L}+)*")
_CUT = regex.compile(r"\n|\S*[\d@(\[<]")
_LEAD = regex.compile(r"[\s,.:;]*(\p{L}+(?:['’]\p{L}+)*)\.?")
#: Contractions that look like words in capitals ("I'M") but never are names.
_CONTRACTION = regex.compile(r"(?i)^\p{L}+['’](?:m|s|d|ll|ve|re|t)$")


def _joins(got: str | None, shape: str) -> bool:
    """A word of shape `got` continues a run of `shape` (capitals and title case mix)."""
    return got == shape or (got in ("cap", "upper") and shape in ("cap", "upper"))


@functools.lru_cache(maxsize=2)
def load_names(path: str | Path = NAMES_FILE) -> dict[str, tuple[int, int, float]]:
    """casefolded name -> (first-name rank, last-name rank, English Zipf); 0 when absent."""
    table: dict[str, tuple[int, int, float]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            name, first, last, zipf = line.rstrip("\n").split("\t")
            table[name] = (int(first or 0), int(last or 0), float(zipf or 0))
    return table


def _tier(rank: int) -> int:
    if not rank:
        return 0
    return 3 if rank <= 300 else 2 if rank <= 1500 else 1


class _Word:
    """What the list says of one word: how much it looks like a first name, a surname, a word."""

    __slots__ = ("first", "last", "zipf", "known", "common")

    def __init__(self, info: tuple[int, int, float] | None) -> None:
        first, last, zipf = info or (0, 0, 0.0)
        self.zipf = zipf
        self.common = 2 if zipf >= COMMON_STRONG else 1 if zipf >= COMMON else 0
        self.first = _tier(first) - self.common
        self.last = _tier(last) - self.common
        self.known = bool(first or last)

    @property
    def best(self) -> int:
        return max(self.first, self.last)

    @property
    def rare(self) -> bool:
        """Not in the list and not an English word: may be a name the list lacks."""
        return not self.known and self.zipf < 3.0


class NameListRecognizer(LocalRecognizer):
    """PERSON from the name list, spaCy's tokens and casing (see the module docstring)."""

    def __init__(
        self,
        names: dict[str, tuple[int, int, float]],
        not_name_words: Iterable[str] = (),
        supported_language: str = "en",
        score: float = 0.85,
    ) -> None:
        super().__init__(
            supported_entities=["PERSON"],
            name="NameListRecognizer",
            supported_language=supported_language,
        )
        from spacy.lang.en.stop_words import STOP_WORDS

        self.names = names
        self._words: dict[str, _Word] = {}
        self.score = score
        self.brands = frozenset(w.casefold() for w in not_name_words) | _MONTHS_DAYS
        self.stop = self.brands | frozenset(STOP_WORDS) | _TITLES | _CUE_BEFORE

    def load(self) -> None:
        return None

    def _result(self, span: tuple[int, int], score: float, why: str) -> RecognizerResult:
        explain = AnalysisExplanation(self.name, score, textual_explanation=why)
        return RecognizerResult("PERSON", span[0], span[1], score, explain)

    # -- words ------------------------------------------------------------------------------

    def word(self, text: str) -> _Word:
        key = text.casefold().rstrip(".")
        found = self._words.get(key)
        if found is None:
            if len(self._words) > 100_000:
                self._words.clear()
            found = self._words[key] = _Word(self.names.get(key))
        return found

    def _casing(self, doc: Any) -> str:
        """'upper', 'lower' or 'mixed': how names are written in this text."""
        words = [t.text for t in doc if t.is_alpha and len(t.text) > 1]
        if len(words) < 2:
            return "mixed"
        upper = sum(w.isupper() for w in words)
        capital = sum(w[0].isupper() for w in words)
        if upper >= 0.7 * len(words):
            return "upper"
        if not capital and not any(t.text == "I" for t in doc):
            return "lower"
        return "mixed"

    def _shape(self, tok: Any, casing: str, places_ok: bool = False) -> str | None:
        """'cap' for a word written as a name would be here, 'upper' for one in caps, else None."""
        text = tok.text
        if not _ALPHA.match(text) or len(text.rstrip(".")) < 2 and not text.endswith("."):
            return None
        if text.casefold().rstrip(".") in self.stop or _CONTRACTION.match(text):
            return None
        label = tok.ent_type_
        if label in _NUMERIC_LABELS or (label in _PLACE_LABELS and not places_ok):
            return None
        if text[0].isupper() and any(c.islower() for c in text[1:]):
            return "cap"
        if text.isupper():
            if len(text) == 2 and text.endswith("."):
                return "initial"
            return "cap" if casing == "upper" else "upper"
        if text.islower() and casing == "lower":
            return "lower"
        return None

    # -- runs -------------------------------------------------------------------------------

    @staticmethod
    def _span(words: list[Any]) -> tuple[int, int]:
        return words[0].idx, words[-1].idx + len(words[-1].text)

    def _runs(self, doc: Any, shapes: list[str | None]) -> list[tuple[int, int, str]]:
        """(first token, last token, shape) of each run of name-shaped words on one line."""
        runs: list[tuple[int, int, str]] = []
        i, n = 0, len(doc)
        while i < n:
            shape = shapes[i]
            if shape is None or shape == "initial":
                i += 1
                continue
            start = end = i
            j = i + 1
            while j < n and "\n" not in doc[j - 1].whitespace_ and j - start < 7:
                tok = doc[j]
                if tok.text in ("-", "‐") and not doc[j - 1].whitespace_ and j + 1 < n:
                    if _joins(shapes[j + 1], shape) and not tok.whitespace_:
                        end = j = j + 1  # 'Nagy-Kovács': the hyphen stays inside
                        j += 1
                        continue
                    break
                if tok.text.casefold() in _PARTICLES and j + 1 < n:
                    if _joins(shapes[j + 1], shape):
                        j += 1
                        continue
                    break
                got = shapes[j]
                if got == "initial" or (_joins(got, shape) and not tok.is_space):
                    if got != "initial":
                        end = j
                        if got == "cap":
                            shape = "cap"  # 'KOVÁCS Katalin': capitals next to a name
                    j += 1
                    continue
                break
            runs.append((start, end, shape))
            i = end + 1
        return runs

    def _name_words(self, doc: Any, start: int, end: int) -> list[Any]:
        return [
            t
            for t in doc[start : end + 1]
            if t.text not in ("-", "‐")
            and t.text.casefold() not in _PARTICLES
            and not (len(t.text) == 2 and t.text.endswith("."))
        ]

    def _is_full_name(self, words: list[Any], shape: str) -> bool:
        if len(words) < 2:
            return False
        info = [self.word(t.text) for t in words]
        head, tail = info[0], info[-1]
        if any(w.common >= 2 and not w.known for w in info):
            return False  # a common English word that is no name: 'Apple Pay'-like phrases
        if shape == "lower":
            if max(head.zipf, tail.zipf) >= COMMON_NEVER_LOWER:
                return False
            if head.first >= 2 and (tail.last >= 1 or tail.rare):
                return True  # 'giuseppe trupiano'
            return (
                head.first >= 1
                and tail.last >= 1
                and head.first + tail.last >= 3
                and all(w.known for w in info)
            )
        middle_ok = all(w.best >= 0 or w.rare for w in info[1:-1])
        head_ok = head.first >= 1 or (head.rare and tail.last >= 2)
        tail_ok = tail.last >= 1 or tail.first >= 2 or (tail.rare and head.first >= 2)
        if shape == "upper":  # caps in a mixed text: acronyms abound, ask for more
            return middle_ok and head.first >= 2 and tail.last >= 1
        return middle_ok and head_ok and tail_ok

    def _strong_full_name(self, words: list[Any]) -> bool:
        """Two or three words, a well-known first name then a well-known surname (net of their
        use as English words), none very common in English: a name even where NER says place."""
        if not 2 <= len(words) <= 3:
            return False
        info = [self.word(t.text) for t in words]
        head, tail = info[0], info[-1]
        return (
            head.first >= 2
            and tail.last >= 2
            and all(w.common < 2 for w in info)
            and all(w.known for w in info)
        )

    def _full_name_within(self, words: list[Any], shape: str) -> list[Any] | None:
        """The longest stretch of `words` that is a full name ('CAN SARA DAHL USE' -> two)."""
        if len(words) < 2:
            return None
        for size in range(min(len(words), 4), 1, -1):
            for at in range(len(words) - size + 1):
                window = words[at : at + size]
                if self._is_full_name(window, shape):
                    return window
        return None

    def _lone_name(self, tok: Any) -> bool:
        """One word the list backs firmly as a name (net of English use), tagged proper noun."""
        word = self.word(tok.text)
        return word.best >= 2 and tok.tag_ in ("NNP", "NNPS") and tok.ent_type_ not in _PLACE_LABELS

    def _cued(self, doc: Any, start: int, end: int) -> int:
        """How strongly the words around tokens `start`..`end` say a name is there: 0, 1, 2.

        2: a title, a greeting or sign-off word, 'my name is', a dash when the name ends the
        text ('... - Kai'). 1: 'I am', 'this is'; after the name 'and I', "'s account",
        'from your bank', 'here'.
        """
        before = [
            t.text.casefold()
            for t in doc[max(0, start - 4) : start]
            if not t.is_space and t.text not in (",", "\n")
        ]
        if before and before[-1].rstrip(".") in _TITLES | _CUE_BEFORE:
            return 2
        if len(before) >= 2 and (before[-2], before[-1]) in _CUE_PAIRS:
            return 1 if (before[-2], before[-1]) in _WEAK_PAIRS else 2
        rest = [t for t in doc[end + 1 :] if not t.is_space]
        if before and before[-1] in ("-", "–", "—", "--") and all(t.is_punct for t in rest):
            return 2
        after = [t.text.casefold() for t in rest[:2]]
        if after and after[0] in ("'s", "’s") and len(after) > 1 and after[1] in _OWNED:
            return 1
        return int(tuple(after) in _CUE_AFTER or after[:1] == ["here"])

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        doc = getattr(nlp_artifacts, "tokens", None)
        if doc is None or "PERSON" not in entities:
            return []
        casing = self._casing(doc)
        tokens = list(doc)
        strict = [self._shape(t, casing) for t in tokens]
        loose = [self._shape(t, casing, places_ok=True) for t in tokens]
        results: list[RecognizerResult] = []
        for start, end, shape in self._runs(doc, strict):
            words = self._name_words(doc, start, end)
            found = self._full_name_within(words, shape)
            if found:
                score = self.score if shape != "lower" else 0.6
                results.append(self._result(self._span(found), score, "first name and surname"))
            elif start == end and shape == "cap" and self._lone_name(tokens[start]):
                results.append(self._result(self._span([tokens[start]]), 0.55, "lone name"))
        # after a cue, NER's labels count for nothing: it calls many foreign names places
        for start, end, shape in self._runs(doc, loose):
            words = self._name_words(doc, start, end)
            if shape == "cap" and self._strong_full_name(words):
                # 'Tori Henderson', 'Leia Norberg': NER calls them places, the list knows better
                results.append(self._result(self._span(words), self.score, "strong full name"))
                continue
            cue = self._cued(doc, start, end) if words and len(words) <= 3 else 0
            if not cue:
                continue
            info = [self.word(t.text) for t in words]
            if shape == "upper":  # capitals in a mixed text: 'GBP', 'USD'
                ok = all(w.best >= 1 for w in info)
            elif shape == "lower" and cue == 1:  # 'i am inquiring'
                ok = all(w.best >= 2 for w in info)
            else:
                ok = all(w.best >= 1 or w.rare for w in info)
            if ok:
                results.append(self._result(self._span(words), 0.7, "cue"))
        results += self._listed(tokens, loose, casing)
        return results

    def _listed(
        self, doc: list[Any], shapes: list[str | None], casing: str
    ) -> list[RecognizerResult]:
        """Single name words joined by commas or 'and' ('Kónya, Becker and Vasquez').

        Two of them must be in the list (three words: one), not counting words NER calls a
        place (it calls many foreign names places); the others may be words the list lacks.
        """
        need = 2 if casing == "lower" else 1
        items: list[tuple[Any, bool]] = []  # (token, backed by the list and not a place)
        for i, tok in enumerate(doc):
            shape = shapes[i]
            if shape not in ("cap", "lower"):
                continue
            word = self.word(tok.text)
            if not (word.best >= need or word.rare):
                continue
            if (i > 0 and shapes[i - 1] == shape) or (i + 1 < len(doc) and shapes[i + 1] == shape):
                continue  # part of a longer run: not a single surname
            strong = word.best >= need and tok.ent_type_ not in _PLACE_LABELS
            items.append((tok, strong))
        out: list[RecognizerResult] = []
        group: list[tuple[Any, bool]] = []

        def flush() -> None:
            strong = sum(backed for _, backed in group)
            if strong >= 2 or (len(group) >= 3 and strong >= 1):
                for tok, _ in group:
                    span = (tok.idx, tok.idx + len(tok))
                    out.append(self._result(span, 0.6, "list of names"))

        for item in items:
            if group:
                gap = doc[group[-1][0].i + 1 : item[0].i]
                if 1 <= len(gap) <= 2 and all(t.text.casefold() in _SEPARATORS for t in gap):
                    group.append(item)
                    continue
                flush()
            group = [item]
        flush()
        return out

    def check_person(self, start: int, end: int, text: str, doc: Any) -> tuple[int, int] | None:
        """The span of a PERSON detection `text[start:end]` trimmed to the name, or None.

        NER runs a signature into the lines around it ('Mvh\nLars\n+47 ...'), so each line
        of the span is tried in turn: cut where a word starts with a digit, '@' or a bracket,
        stripped of titles and greetings before the name ('Dear Mr Nowak' -> 'Nowak'). The
        first line that can be a name is the span. None when no line can: it holds a word that
        is never part of a name ('Apple Pay', months); NER calls all its words a place,
        nationality, date or amount; or none of its words is a name in the list (net of being
        a common English word) or a rare word, written with a capital (spaCy tags 'Card',
        'Euros' or 'Reference KX931' PERSON now and then; 'send money to' precedes 'Germany').
        """
        at = start
        for line in text[start:end].split("\n"):
            found = self._check_line(at, at + len(line), text, doc)
            if found is not None:
                return found
            at += len(line) + 1
        return None

    def _check_line(self, start: int, end: int, text: str, doc: Any) -> tuple[int, int] | None:
        cut = _CUT.search(text, start, end)
        if cut is not None:
            end = cut.start()
        while True:
            lead = _LEAD.match(text, start, end)
            if lead is None or lead.group(1).casefold() not in _TITLES | _CUE_BEFORE:
                break
            start = lead.end()
        while start < end and not text[start].isalpha():
            start += 1
        while end > start and not (text[end - 1].isalpha() or text[end - 1] == "."):
            end -= 1
        span = text[start:end]
        words = _WORDS.findall(span)
        if not words or any(w.casefold() in self.brands for w in words):
            return None
        covered = doc.char_span(start, end, alignment_mode="expand") if doc is not None else None
        if covered is not None:
            inside = [t for t in covered if t.is_alpha]
            if inside and all(t.ent_type_ in _NOT_NAME_LABELS for t in inside):
                return None
        lower_text = not any(ch.isupper() for ch in text)
        for word in words:
            info = self.word(word)
            if lower_text and info.best >= 2:
                return start, end
            if word[0].isupper() and (info.best >= 1 or (info.rare and not word.isupper())):
                return start, end  # a name is written with a capital ('max' in 'the max')
        return None


class CheckedNerRecognizer(LocalRecognizer):
    """spaCy's NER recognizer whose PERSON spans pass `NameListRecognizer.check_person` first.

    presidio drops a detection that a surer one of the same type contains, before any check
    of ours could run; NER's 'Mvh\\nLars' would hide the name list's 'Lars' and then be
    dropped itself. Checking (and trimming) NER's PERSON spans here keeps both right.
    """

    def __init__(self, inner: Any, names: NameListRecognizer) -> None:
        super().__init__(
            supported_entities=list(inner.supported_entities),
            name=inner.name,
            supported_language=inner.supported_language,
        )
        self.inner = inner
        self.names = names

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = self.inner.analyze(text, entities, nlp_artifacts)
        doc = getattr(nlp_artifacts, "tokens", None)
        kept = []
        for res in results:
            res.recognition_metadata = {  # presidio groups results by the recognizer's id
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            }
            if res.entity_type == "PERSON":
                span = self.names.check_person(res.start, res.end, text, doc)
                if span is None:
                    continue
                res.start, res.end = span
            kept.append(res)
        return kept
