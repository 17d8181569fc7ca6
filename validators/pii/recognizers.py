"""Recognizers as data: YAML validated by pydantic, registered in presidio as PatternRecognizers.

The shipped file (`validators/pii/data/pii_recognizers.yaml`) adds what presidio's predefined set
misses (cards with other prefixes, street lines and postcodes as written in Europe and beyond,
driver's licences, names after a cue); a user's file (`PIIConfig.recognizers_file`) adds domain
identifiers such as account or order numbers. Some behaviours need code: an optional
checksum/digit-count check on a match; the e-mail domain check, which here uses tldextract's
bundled suffix-list snapshot and never the network; phone numbers (`PhoneNumberRecognizer`, its
regions and cue words from the file's `phones:`); names from the shipped list
(`validators.pii.names`, switched on by the file's `name_list:`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import regex
import tldextract
from presidio_analyzer import (
    AnalysisExplanation,
    LocalRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from presidio_analyzer.predefined_recognizers import EmailRecognizer
from pydantic import Field, ValidationError, field_validator

from schemas.base import FrozenModel
from schemas.errors import ConfigError
from schemas.settings_file import SettingsFile

BUILTIN_RECOGNIZERS = Path(__file__).resolve().parent / "data" / "pii_recognizers.yaml"

_CASE_SENSITIVE = regex.DOTALL | regex.MULTILINE
_CASE_INSENSITIVE = _CASE_SENSITIVE | regex.IGNORECASE


class PatternSpec(FrozenModel):
    """One regular expression (the `regex` module's syntax) and the score a match gets."""

    name: str = Field(min_length=1)
    regex: str = Field(min_length=1)
    score: float = Field(ge=0, le=1)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            regex.compile(value)
        except regex.error as exc:
            raise ValueError(f"regex does not compile ({exc})") from None
        return value


class RecognizerSpec(FrozenModel):
    """A pattern recognizer as data: which entity, which patterns, and what may confirm a match."""

    name: str = Field(min_length=1)
    entity: str = Field(
        pattern=r"^[A-Z][A-Z0-9_]*$", description="entity type, e.g. ACCOUNT_NUMBER"
    )
    patterns: tuple[PatternSpec, ...] = Field(min_length=1)
    context: tuple[str, ...] = Field((), description="words near a match that raise its score")
    checksum: Literal["none", "luhn", "iban"] = Field(
        "none", description="a match failing the checksum is dropped; one passing scores 1.0"
    )
    min_digits: int = Field(0, ge=0, description="drop matches with fewer digits")
    max_digits: int | None = Field(None, ge=1, description="drop matches with more digits")
    case_sensitive: bool = Field(False, description="match letters' case exactly")
    fake: str | None = Field(
        None, description="template for replace mode: '#' a digit, '?' a letter (Faker bothify)"
    )
    language: str = "en"


class ProperNounSpec(FrozenModel):
    """Names without a cue: a run of title-case proper nouns (spaCy tag NNP/NNPS) is a PERSON."""

    score: float = Field(0.4, ge=0, le=1)
    min_tokens: int = Field(2, ge=1, description="shortest run that counts")
    ner_labels: tuple[str, ...] = Field(
        ("PERSON", "ORG", "NORP"), description="spaCy labels a run's tokens may carry (or none)"
    )
    not_name_words: tuple[str, ...] = Field((), description="words that are never part of a name")


class PhoneSpec(FrozenModel):
    """Phone numbers found by shape and checked with `phonenumbers` for these regions."""

    regions: tuple[str, ...] = Field(min_length=1, description="ISO 3166 codes, e.g. GB, HU")
    context: tuple[str, ...] = Field((), description="words near a number that raise its score")
    min_digits: int = Field(7, ge=5)
    max_digits: int = Field(15, le=20)

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        import phonenumbers

        unknown = [r for r in value if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(f"unknown phone region '{unknown[0]}'")
        return value


class NameListSpec(FrozenModel):
    """Names from the shipped list of first and last names (see `validators.pii.names`)."""

    score: float = Field(0.85, ge=0, le=1, description="score of a first name and surname")
    file: Path | None = Field(None, description="a names.tsv.gz of your own (build_names.py)")


class RecognizerFile(FrozenModel):
    """The top level of a recognizers YAML file."""

    recognizers: tuple[RecognizerSpec, ...] = ()
    allow_list: tuple[str, ...] = Field((), description="exact values never treated as PII")
    proper_noun_names: ProperNounSpec | None = None
    phones: PhoneSpec | None = None
    name_list: NameListSpec | None = None


def load_recognizer_file(path: str | Path) -> RecognizerFile:
    """Read and validate a recognizers YAML file; any problem is one `ConfigError` line."""
    settings = SettingsFile(path, "recognizers file")
    raw, path = settings.data, settings.path
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'recognizers' list at the top level")
    try:
        loaded = RecognizerFile.model_validate(raw)
    except ValidationError as exc:
        raise settings.error(settings.first(exc.errors()), RecognizerFile) from None
    names = [spec.name for spec in loaded.recognizers]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ConfigError(f"{path}: recognizer name '{repeated[0]}' is used twice")
    return loaded


def luhn_ok(digits: str) -> bool:
    """True when the digit string passes the Luhn check (payment card numbers)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return len(digits) > 1 and total % 10 == 0


def iban_remainder(iban: str) -> int:
    """The ISO 13616 mod-97 remainder of an IBAN (1 for a valid one); letters count 10..35."""
    compact = "".join(ch for ch in iban.upper() if ch.isalnum())
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97


class DataPatternRecognizer(PatternRecognizer):
    """A presidio PatternRecognizer built from a `RecognizerSpec`, with its match checks."""

    def __init__(self, spec: RecognizerSpec) -> None:
        super().__init__(
            supported_entity=spec.entity,
            name=spec.name,
            supported_language=spec.language,
            patterns=[Pattern(p.name, p.regex, p.score) for p in spec.patterns],
            context=list(spec.context) or None,
            global_regex_flags=_CASE_SENSITIVE if spec.case_sensitive else _CASE_INSENSITIVE,
        )
        self.spec = spec

    def validate_result(self, pattern_text: str) -> bool | None:
        """False drops the match, True raises it to 1.0, None keeps the pattern's score."""
        spec = self.spec
        digits = "".join(ch for ch in pattern_text if ch.isdigit())
        if len(digits) < spec.min_digits:
            return False
        if spec.max_digits is not None and len(digits) > spec.max_digits:
            return False
        if spec.checksum == "luhn":
            return luhn_ok(digits)
        if spec.checksum == "iban":
            compact = "".join(ch for ch in pattern_text if ch.isalnum())
            return len(compact) >= 15 and compact[:2].isalpha() and iban_remainder(compact) == 1
        return None


class ProperNounRecognizer(LocalRecognizer):
    """PERSON for runs of title-case proper nouns in spaCy's tags that NER left unnamed.

    The small English model tags many non-English names as ORG or misses them; a run of
    `min_tokens` NNP tokens (hyphenated parts joined) is a name unless a word in the run is one
    of `not_name_words` (products, card brands, ...). Independent of any list of names.
    """

    def __init__(self, spec: ProperNounSpec, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PERSON"],
            name="ProperNounRecognizer",
            supported_language=supported_language,
        )
        self.spec = spec
        self._stop = frozenset(w.lower() for w in spec.not_name_words)
        self._labels = frozenset(("", *spec.ner_labels))

    def load(self) -> None:
        return None

    def _is_name_part(self, tok: Any) -> bool:
        word = tok.text
        return (
            tok.tag_ in ("NNP", "NNPS")
            and word[:1].isupper()
            and not word.isupper()
            and word.replace("'", "").replace("’", "").isalpha()
            and tok.ent_type_ in self._labels
            and word.lower() not in self._stop
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        doc = getattr(nlp_artifacts, "tokens", None)
        if doc is None or "PERSON" not in entities:
            return []
        results: list[RecognizerResult] = []
        run: list[Any] = []
        for tok in [*doc, None]:
            if tok is not None and self._is_name_part(tok):
                run.append(tok)
                continue
            joins = tok is not None and tok.text == "-" and run and not run[-1].whitespace_
            if joins and tok.i + 1 < len(doc) and self._is_name_part(doc[tok.i + 1]):
                continue  # 'Hughes-Price': the hyphen stays inside the run
            if len(run) >= self.spec.min_tokens:
                start, end = run[0].idx, run[-1].idx + len(run[-1].text)
                results.append(RecognizerResult("PERSON", start, end, self.spec.score))
            run = []
        return results


#: A run of digits with phone-like separators, an optional '+' or '00' prefix and extension.
_PHONE_CANDIDATE = regex.compile(
    r"""(?x) (?<![\w+/:#-]) (?<!\d[.,]|[\p{L}.]\.|[$€£¥₹]\h?)
    \(? (?: \+ \h? | \b00 )? \d{1,15} \)?
    (?: (?: \h?\(0\)\h? | \h?[-./]\h? | \h | (?<=\)) | (?=\() ) \(? \d{1,12} \)? ){0,6}
    (?: \h? (?:x|ext\.?|extension) \h? \d{1,5} )?
    (?![\w/]|-\d|[.,:]\d|\h?(?:%|[$€£¥₹]))""",
    regex.IGNORECASE,
)
_NOT_PHONE = regex.compile(
    r"""(?x) ^ (?:
      \d{1,4} [./-] \d{1,2} [./-] \d{2,4}           # a date
    | \d{1,3} (?: \. \d{1,3} ){3}                   # an IPv4 address
    | \d{3}-\d{2}-\d{4}                             # a US SSN
    | \d{5}-\d{3} | \d{4}-\d{3} | \d{2}-\d{3}      # BR, PT, PL postcodes
    | (?:19|20)\d\d \h?[-/]\h? (?:19|20)?\d\d         # years
    | \d{4} (?: [\h-] \d{4} ){2,4}                    # a card number in fours
    | \d{1,3} (?: \. \d{3} )+                        # thousands with dots
    ) $"""
)
_AFTER_AMOUNT = regex.compile(
    r"(?i)^\h?(?:[.,]\d|%|€|\$|£|eur\b|euros?\b|usd\b|gbp\b|dollars?\b|pounds?\b|kr\b|"
    r"kč\b|czk\b|ft\b|huf\b|forints?\b|zł|pln\b|lei\b|ron\b|sek\b|dkk\b|nok\b|chf\b|"
    r"tl\b|try\b|lira\b|inr\b|rs\.?|rupees?\b|reais\b|brl\b|yen\b|points?\b|days?\b)"
)
_BEFORE_AMOUNT = regex.compile(
    r"(?i)(?:€|\$|£|¥|₹|eur|usd|gbp|rs\.?|inr|r\$|chf|kr\.?|amount|total|sum)\h?$"
)


#: A phone cue just before a number; spaCy counts 'call' a stop word, which presidio's context
#: enhancer then ignores, so the recognizer reads this itself.
_PHONE_CUE = regex.compile(
    r"(?i)\b(?:call|ring|phone|tel|telephone|mobile|mob|cell|whatsapp|text|sms|fax|landline|"
    r"reach|contact|number|telefon\w*|tlf|puh|handy|móvil|celular|cellulare)\b[^\n\d]{0,24}$"
)

_PHONE_CUE_AFTER = regex.compile(
    r"(?i)^\h*[-–(,]?\h*(?:office|fax|mobile|mob|cell|home|work|tel|phone|landline|whatsapp)\b"
)


class PhoneNumberRecognizer(LocalRecognizer):
    """PHONE_NUMBER by shape, checked with `phonenumbers` against a list of regions.

    presidio's PhoneRecognizer runs phonenumbers' matcher once per region (eight by default)
    over every text; with the regions of Europe and beyond that is slow, and nearly any eight
    digits are valid somewhere, so validity alone proves little. Here one regular expression
    finds digit runs with phone separators; each is scored by its shape (a '+' or '00' country
    code, a trunk '0', North American grouping, several short groups, a slash) and kept only
    when it is a valid number in one of `regions` (international ones: in their own country).
    Bare digit runs, dates, IP addresses, postcodes, card numbers and amounts next to a
    currency score below the threshold unless a context word raises them.
    """

    def __init__(self, spec: PhoneSpec, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PHONE_NUMBER"],
            name="PhoneNumberRecognizer",
            supported_language=supported_language,
            context=list(spec.context),
        )
        self.spec = spec

    def load(self) -> None:
        return None

    def _valid_somewhere(self, candidate: str) -> bool:
        import phonenumbers

        for region in self.spec.regions:
            try:
                if phonenumbers.is_valid_number(phonenumbers.parse(candidate, region)):
                    return True
            except phonenumbers.NumberParseException:
                continue
        return False

    def score(self, candidate: str, before: str, after: str) -> float:
        """The score of one candidate given the text around it (0 drops it)."""
        import phonenumbers

        main = regex.split(r"(?i)\h?(?:x|ext)", candidate)[0]  # the extension aside
        digits = sum(ch.isdigit() for ch in main)
        if not self.spec.min_digits <= digits <= self.spec.max_digits:
            return 0.0
        if _NOT_PHONE.match(candidate) or _AFTER_AMOUNT.match(after):
            return 0.0
        if _BEFORE_AMOUNT.search(before):
            return 0.0
        bare = candidate.lstrip("(").replace("(0)", "")
        if bare.startswith("+") or (bare.startswith("00") and len(bare) > 10):
            number = "+" + bare.lstrip("+").removeprefix("00").lstrip()
            try:
                parsed = phonenumbers.parse(number, None)
            except phonenumbers.NumberParseException:
                parsed = None
            if parsed is not None and phonenumbers.is_valid_number(parsed):
                return 0.8
            if parsed is not None and phonenumbers.is_possible_number(parsed):
                return 0.6
            if bare.startswith("+") and digits >= 8:
                return 0.45  # a '+' and a phone's length: a number, if not a valid one
            return 0.0
        shape = self._shape_score(candidate)
        if self._valid_somewhere(candidate):
            return shape
        return shape - 0.1 if self._possible_somewhere(candidate) else 0.0

    def _possible_somewhere(self, candidate: str) -> bool:
        import phonenumbers

        for region in self.spec.regions:
            try:
                if phonenumbers.is_possible_number(phonenumbers.parse(candidate, region)):
                    return True
            except phonenumbers.NumberParseException:
                continue
        return False

    @staticmethod
    def _shape_score(candidate: str) -> float:
        """How much the grouping alone says 'phone number'."""
        groups = regex.findall(r"\d+", candidate.split("x")[0].split("X")[0])
        if regex.match(r"^(?:\(\d{3}\)\h?|\d{3}[-.\h])\d{3}[-.\h]\d{4}\b", candidate):
            return 0.6  # North American grouping
        if candidate.startswith(("0", "(0")) and len(groups) >= 2:
            return 0.6  # a trunk zero, then groups
        if candidate.startswith("0") and 9 <= len(groups[0]) <= 11:
            return 0.45  # a trunk zero and a national number's length
        if len(groups) >= 3 and all(2 <= len(g) <= 4 for g in groups[1:]):
            return 0.5  # several short groups: '692 359 508', '20 12 34 56'
        if "/" in candidate and len(groups) >= 2:
            return 0.5  # '39/931 6041', '0171/1234567'
        if candidate.startswith("(") and len(groups) >= 2:
            return 0.5  # an area code in brackets: '(11) 96123-4567'
        if len(groups) == 2 and 2 <= len(groups[0]) <= 5 and 6 <= len(groups[1]) <= 8:
            return 0.4  # '321 1234567'
        return 0.25  # bare digits or one separator: needs a context word

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PHONE_NUMBER" not in entities:
            return []
        results = []
        for match in _PHONE_CANDIDATE.finditer(text):
            start, end = match.span()
            score = self.score(match.group(), text[max(0, start - 6) : start], text[end : end + 9])
            cued = _PHONE_CUE.search(text[max(0, start - 40) : start]) or _PHONE_CUE_AFTER.match(
                text[end : end + 16]
            )
            if 0 < score < 0.6 and cued:
                score = min(score + 0.35, 0.75)
            if score > 0:
                explain = AnalysisExplanation(self.name, score, textual_explanation="shape")
                results.append(RecognizerResult("PHONE_NUMBER", start, end, score, explain))
        return results


_OFFLINE_TLD = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):
    """presidio's e-mail recognizer, whose domain check reads tldextract's bundled snapshot.

    The stock one calls `tldextract.extract`, whose module-level extractor fetches the public
    suffix list over HTTP on first use; this one is built with no URLs and no disk cache.
    """

    def validate_result(self, pattern_text: str) -> bool:
        return _OFFLINE_TLD(pattern_text).fqdn != ""


def build_registry(
    nlp_engine: NlpEngine,
    specs: tuple[RecognizerSpec, ...],
    names: ProperNounSpec | None,
    language: str,
    phones: PhoneSpec | None = None,
    name_list: NameListSpec | None = None,
) -> RecognizerRegistry:
    """presidio's predefined recognizers for `language` (e-mail made offline) plus ours.

    With `phones`, presidio's PhoneRecognizer gives way to `PhoneNumberRecognizer`; presidio's
    US driver's licence recognizer (any 12 letters and digits scores 0.4) gives way to the
    recognizers file's, if it has one.
    """
    from validators.pii.names import CheckedNerRecognizer, NameListRecognizer, load_names

    registry = RecognizerRegistry(supported_languages=[language])
    registry.load_predefined_recognizers(languages=[language], nlp_engine=nlp_engine)
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(OfflineEmailRecognizer(supported_language=language))
    if phones is not None:
        registry.remove_recognizer("PhoneRecognizer")
        registry.add_recognizer(PhoneNumberRecognizer(phones, supported_language=language))
    if any(s.entity == "US_DRIVER_LICENSE" and s.language == language for s in specs):
        registry.remove_recognizer("UsLicenseRecognizer")
    for spec in specs:
        if spec.language == language:
            registry.add_recognizer(DataPatternRecognizer(spec))
    stop = names.not_name_words if names is not None else ()
    if names is not None:
        registry.add_recognizer(ProperNounRecognizer(names, supported_language=language))
    if name_list is not None:
        table = load_names(name_list.file) if name_list.file else load_names()
        listed = NameListRecognizer(table, stop, supported_language=language, score=name_list.score)
        registry.add_recognizer(listed)
        for ner in [r for r in registry.recognizers if r.name == "SpacyRecognizer"]:
            registry.recognizers.remove(ner)
            registry.add_recognizer(CheckedNerRecognizer(ner, listed))
    return registry
