"""The two pydantic bases every config and report in synthmill derives from.

`StrictModel` rejects unknown keys (a typo in a config is an error, not a silent default);
`FrozenModel` is strict and immutable, for settings that are hashed or shared between stages.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Unknown keys are an error; field names may start with `model_`."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class FrozenModel(BaseModel):
    """Strict and immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())
