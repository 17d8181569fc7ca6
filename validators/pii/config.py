"""The frozen PII scrub config: which fields and entity types, how sure, and replace or redact.

Kept apart from the scrubber (which loads presidio and spaCy) so the run config can embed it
cheaply; it imports only `schemas`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from schemas.base import FrozenSettings
from schemas.errors import ConfigError

#: What a scrub looks for unless told otherwise (plus the entities of a recognizers file).
#:
#: Location policy: a street line ('Puruntie 82', '518, boulevard Gosselin', 'Apt. 595') is a
#: STREET_ADDRESS and a postcode with its town ('00100 Helsinki', 'SW1A 1AA') a POSTCODE_CITY;
#: both go, and lines of one address next to each other go as one. A place named on its own
#: ('UK', 'Paris', 'the euro zone') is spaCy's LOCATION, which is not in this list: it stays,
#: since a country or city says little about a person and much about what a message means.
#: Add LOCATION to `entities` to remove those too.
DEFAULT_ENTITIES: tuple[str, ...] = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "STREET_ADDRESS",
    "POSTCODE_CITY",
    "US_DRIVER_LICENSE",
    "US_ITIN",
    "US_PASSPORT",
    "US_BANK_NUMBER",
    "CRYPTO",
)


class FieldPolicy(FrozenSettings):
    """Overrides for one field; what is left unset comes from the `PIIConfig`."""

    entities: tuple[str, ...] | None = None
    threshold: float | None = Field(None, ge=0, le=1)
    allow_list: tuple[str, ...] | None = None


class PIIConfig(FrozenSettings):
    """How to scrub: which fields and entity types, how sure a detection must be, and with what."""

    mode: Literal["replace", "redact"] = Field(
        "replace", description="replace: realistic fakes; redact: <ENTITY_TYPE> placeholders"
    )
    fields: tuple[str, ...] | None = Field(None, description="text fields; default: all string")
    entities: tuple[str, ...] | None = Field(
        None, description="entity types; default: DEFAULT_ENTITIES + the recognizers file's"
    )
    threshold: float = Field(0.4, ge=0, le=1, description="minimum presidio score to act on")
    allow_list: tuple[str, ...] = Field((), description="exact values never treated as PII")
    per_field: dict[str, FieldPolicy] = Field(
        default_factory=dict, description="field -> overrides of entities/threshold/allow_list"
    )
    recognizers_file: Path | None = Field(None, description="YAML of domain recognizers")
    builtin_recognizers: bool = Field(
        True, description="add the shipped YAML recognizers, name heuristic and allow list"
    )
    language: str = "en"
    spacy_model: str = Field("en_core_web_sm", description="an installed spaCy pipeline")
    seed: int = Field(0, description="seeds the fakes: same seed, same fake for a value")
    batch_size: int = Field(128, gt=0, description="texts per spaCy batch")
    chunk_chars: int = Field(
        20_000, ge=1_000, description="longer texts are scrubbed in pieces of about this size"
    )


def make_config(**values: Any) -> PIIConfig:
    """Validate options into a `PIIConfig`; a bad value is one `ConfigError` line."""
    try:
        return PIIConfig.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"PII config '{where}': {err['msg']}") from None
