"""Recognizers added as data: YAML validated by pydantic, registered in presidio as PatternRecognizers.

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
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpEngine
from presidio_analyzer.predefined_recognizers import EmailRecognizer
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.errors import ConfigError

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
    entity: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$", description="entity type, e.g. ACCOUNT_NUMBER")
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


class RecognizerFile(_Frozen):
    """The top level of a recognizers YAML file."""

    recognizers: tuple[RecognizerSpec, ...] = Field(min_length=1)


def _describe(err: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        return f"unknown key '{loc}'"
    if err["type"] == "missing":
        return f"missing key '{loc}'"
    message = err["msg"].removeprefix("Value error, ")
    return f"'{loc}': {message}"


def load_recognizer_specs(path: str | Path) -> tuple[RecognizerSpec, ...]:
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
        specs = RecognizerFile.model_validate(raw).recognizers
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc.errors()[0])}") from None
    names = [spec.name for spec in specs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ConfigError(f"{path}: recognizer name '{repeated[0]}' is used twice")
    return specs


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


_OFFLINE_TLD = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):
    """presidio's e-mail recognizer, whose domain check reads tldextract's bundled snapshot.

    The stock one calls `tldextract.extract`, whose module-level extractor fetches the public
    suffix list over HTTP on first use; this one is built with no URLs and no disk cache.
    """

    def validate_result(self, pattern_text: str) -> bool:
        return _OFFLINE_TLD(pattern_text).fqdn != ""


def build_registry(
    nlp_engine: NlpEngine, specs: tuple[RecognizerSpec, ...], language: str
) -> RecognizerRegistry:
    """presidio's predefined recognizers for `language` (e-mail made offline) plus `specs`."""
    registry = RecognizerRegistry(supported_languages=[language])
    registry.load_predefined_recognizers(languages=[language], nlp_engine=nlp_engine)
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(OfflineEmailRecognizer(supported_language=language))
    for spec in specs:
        if spec.language == language:
            registry.add_recognizer(DataPatternRecognizer(spec))
    return registry
