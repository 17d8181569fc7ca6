"""Recognizers as data: YAML validated by pydantic, registered in presidio as PatternRecognizers.

The shipped file (`validators/data/pii_recognizers.yaml`) adds what presidio's predefined set
misses (phone formats, cards with other prefixes, street addresses, names after a cue); a user's
file (`PIIConfig.recognizers_file`) adds domain identifiers such as account or order numbers.
Two behaviours need code: an optional checksum/digit-count check on a match, and the e-mail
domain check, which here uses tldextract's bundled suffix-list snapshot and never the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import regex
import tldextract
import yaml
from presidio_analyzer import (
    LocalRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from presidio_analyzer.predefined_recognizers import EmailRecognizer
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.errors import ConfigError, describe_validation_error

BUILTIN_RECOGNIZERS = Path(__file__).resolve().parent / "data" / "pii_recognizers.yaml"

_CASE_SENSITIVE = regex.DOTALL | regex.MULTILINE
_CASE_INSENSITIVE = _CASE_SENSITIVE | regex.IGNORECASE


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PatternSpec(_Frozen):
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


class RecognizerSpec(_Frozen):
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


class ProperNounSpec(_Frozen):
    """Names without a cue: a run of title-case proper nouns (spaCy tag NNP/NNPS) is a PERSON."""

    score: float = Field(0.4, ge=0, le=1)
    min_tokens: int = Field(2, ge=1, description="shortest run that counts")
    ner_labels: tuple[str, ...] = Field(
        ("PERSON", "ORG", "NORP"), description="spaCy labels a run's tokens may carry (or none)"
    )
    not_name_words: tuple[str, ...] = Field((), description="words that are never part of a name")


class RecognizerFile(_Frozen):
    """The top level of a recognizers YAML file."""

    recognizers: tuple[RecognizerSpec, ...] = ()
    allow_list: tuple[str, ...] = Field((), description="exact values never treated as PII")
    proper_noun_names: ProperNounSpec | None = None


def load_recognizer_file(path: str | Path) -> RecognizerFile:
    """Read and validate a recognizers YAML file; any problem is one `ConfigError` line."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: recognizers file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{path}: not valid YAML ({first})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'recognizers' list at the top level")
    try:
        loaded = RecognizerFile.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()  # a misspelt key is the likelier cause of a missing one
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        raise ConfigError(f"{path}: {describe_validation_error(first)}") from None
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
) -> RecognizerRegistry:
    """presidio's predefined recognizers for `language` (e-mail made offline) plus ours."""
    registry = RecognizerRegistry(supported_languages=[language])
    registry.load_predefined_recognizers(languages=[language], nlp_engine=nlp_engine)
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(OfflineEmailRecognizer(supported_language=language))
    for spec in specs:
        if spec.language == language:
            registry.add_recognizer(DataPatternRecognizer(spec))
    if names is not None:
        registry.add_recognizer(ProperNounRecognizer(names, supported_language=language))
    return registry
