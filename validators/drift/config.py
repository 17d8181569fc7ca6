"""`DriftConfig`: which fields the drift gate compares, and every threshold it judges them by.

Defaults were tuned on banking77 (200 reference rows against 2,000 candidate rows): independent
real samples pass, while collapsed labels, shorter or longer texts, a 30% two-intent mix and labels
shuffled across the candidate rows fail. `min_reference_rows` comes from the same data: below 100
reference rows the joint text-label check starts to miss shuffled labels (its field says how often).
Distances marked "excess" are the observed value minus its average under the permutation null, so
that the bias of sparse counts (most of 77 labels hold under 3 of 200 rows) is not read as drift.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from schemas.base import FrozenSettings
from schemas.errors import ConfigError, describe_validation_error
from schemas.settings_file import SettingsFile


class DriftConfig(FrozenSettings):
    """Settings of one drift comparison; frozen, unknown keys rejected."""

    min_reference_rows: int = Field(
        100,
        ge=1,
        description="fewest reference rows compared (fewer: a ConfigError, exit 2). Set from the "
        "power of the weakest check on banking77, the joint one: labels shuffled over 2,000 "
        "candidate rows failed 20/20 draws at 100 reference rows with 77, 10 or 3 labels, "
        "but 14/20 at 75 rows and 5/20 at 50 with 77 labels; the other drifted cases of the "
        "tests failed 10/10 from 75 rows (the two-intent mix 8/10 at 50). With far more labels "
        "than 77, 100 rows may still miss a shuffle",
    )
    min_candidate_rows: int = Field(
        20,
        ge=1,
        description="fewest candidate rows `synthmill drift` compares (fewer: exit 2); in a build "
        "a smaller accepted set is compared with a note that its pass says little. A floor "
        "chosen, not measured: with a handful of rows every distance is mostly chance, and a "
        "check fails only when its permutation test also rules chance out, so it passes",
    )
    alpha: float = Field(0.01, gt=0, lt=1, description="family-wise false-alarm rate (Holm)")
    n_permutations: int = Field(2000, ge=99, description="shuffles per permutation test")
    seed: int = Field(0, description="seed of the permutation draws")
    fields: tuple[str, ...] | None = Field(None, description="fields to compare; default: all")
    label_field: str | None = Field(
        None, description="the label field (forced to label kind; used by the joint check)"
    )
    text_fields: tuple[str, ...] = Field((), description="fields forced to text kind")
    number_fields: tuple[str, ...] = Field((), description="fields forced to number kind")
    max_distinct_ratio: float = Field(
        0.5, gt=0, le=1, description="a string field is a label when distinct/rows is at most this"
    )
    max_vocabulary: int = Field(2000, ge=10, description="commonest words kept for word counts")
    max_bins: int = Field(1000, ge=10, description="quantile bins for continuous numbers")
    max_label_tv_excess: float = Field(
        0.05, ge=0, description="label distribution: total variation above chance"
    )
    max_unseen_label_excess: float = Field(
        0.05, ge=0, description="share of candidate rows with labels absent from the reference"
    )
    max_missing_label_excess: float = Field(
        0.05, ge=0, description="share of reference rows with labels absent from the candidate"
    )
    max_length_shift: float = Field(
        0.2, ge=0, description="text length: Wasserstein distance in reference spreads"
    )
    max_vocabulary_tv_excess: float = Field(
        0.03, ge=0, description="word distribution: total variation above chance"
    )
    max_number_shift: float = Field(
        0.2, ge=0, description="numbers: Wasserstein distance in reference spreads"
    )
    joint_check: bool = Field(True, description="test how well text predicts the label")
    max_joint_rows: int = Field(
        2000,
        ge=10,
        description="most rows of each set pooled by the joint check (seeded samples; the "
        "candidate also at most 4 rows per reference row): its permutation test is exact on "
        "the sample, and its runtime stays flat however large the candidate",
    )
    min_accuracy_ratio: float = Field(
        0.85, gt=0, le=1, description="label-from-text score ratio, candidate / reference"
    )
    fail_on_drift: bool = Field(True, description="exit 3 when drift is found (else report only)")


def load_drift_config(path: str | Path, overrides: dict[str, Any] | None = None) -> DriftConfig:
    """A DriftConfig from a YAML mapping (top level, or under a `drift:` key), plus overrides."""
    settings = SettingsFile(path, "drift config")
    raw, path = settings.data or {}, settings.path
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of drift settings")
    prefix: tuple[str, ...] = ()
    if isinstance(raw.get("drift"), dict):
        raw, prefix = raw["drift"], ("drift",)
    values = {**raw, **(overrides or {})}
    try:
        return DriftConfig.model_validate(values)
    except ValidationError as exc:
        err = settings.first(exc.errors(), prefix)
        if err["loc"] and err["loc"][0] in (overrides or {}):
            raise ConfigError(
                f"{path} with the command's options: {describe_validation_error(err)}"
            ) from None
        raise settings.error(err, DriftConfig, prefix=prefix) from None


def make_drift_config(values: dict[str, Any], source: str = "drift settings") -> DriftConfig:
    """Validate settings into a DriftConfig; a bad key or value is one ConfigError line."""
    try:
        return DriftConfig.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {describe_validation_error(exc.errors()[0])}") from None
