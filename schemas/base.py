"""The pydantic bases every config and report in synthmill derives from.

`StrictModel` rejects unknown keys (a typo in a config is an error, not a silent default);
`FrozenModel` is strict and immutable, for settings that are hashed or shared between stages.
`Settings` and `FrozenSettings` are the same for what a user writes: a number there must be
finite (`--threshold nan` is refused as "not a finite number", not by a bound it slips past).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Unknown keys are an error; field names may start with `model_`."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class FrozenModel(BaseModel):
    """Strict and immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())


class Settings(StrictModel):
    """A user's settings: strict, numbers finite."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=(), allow_inf_nan=False)


class FrozenSettings(FrozenModel):
    """A user's settings, immutable: strict, numbers finite."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, protected_namespaces=(), allow_inf_nan=False
    )
