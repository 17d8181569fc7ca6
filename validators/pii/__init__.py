"""PII scrub: presidio finds personal data in text fields; each value is faked or redacted.

The config is imported eagerly (it is plain pydantic); the scrubber, which loads presidio and
spaCy, only when one of its names is used.
"""

from __future__ import annotations

from typing import Any

from validators.pii.config import DEFAULT_ENTITIES, FieldPolicy, PIIConfig, make_config

__all__ = [
    "DEFAULT_ENTITIES",
    "FieldPolicy",
    "PIIConfig",
    "PIIReport",
    "PIIScrubber",
    "make_config",
    "resolve_spacy_model",
    "scrub_frame",
]

_LAZY = {"PIIReport", "PIIScrubber", "resolve_spacy_model", "scrub_frame"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from validators.pii import scrubber

        return getattr(scrubber, name)
    raise AttributeError(f"module 'validators.pii' has no attribute {name!r}")
