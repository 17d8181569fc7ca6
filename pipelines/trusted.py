"""The trusted sample: read once, scrubbed before any of its values can reach a teacher prompt.

`generate`, `build` and the Python API all load it through `load_trusted`, so no path builds a
prompt from unscrubbed rows. Every string column is scrubbed except the label column (labels are
a closed set the student must learn as they are).
"""

from __future__ import annotations

import polars as pl

from generators.base import Generator
from generators.registry import REGISTRY
from pipelines.config import RunConfig
from schemas.errors import ConfigError
from schemas.tables import read_table, require_filled
from validators.pii.stage import ScrubReport, ScrubStage


def read_trusted(config: RunConfig) -> pl.DataFrame:
    """The trusted sample as it is on disk (never sent anywhere as is), with the columns the
    generator reads checked before the (slow) scrub starts."""
    frame = read_table(config.data.trusted)
    try:  # the generator on no rows: its own column checks, in milliseconds
        generator = REGISTRY.get(config.generator)(config.generator_context(), frame.head(0))
    except ConfigError:
        raise
    except Exception:  # a generator that needs rows to construct: checked once it has them
        return frame
    check_trusted_columns(config, generator, frame)
    return frame


def check_trusted_columns(config: RunConfig, generator: Generator, frame: pl.DataFrame) -> None:
    """Every trusted column the generator's roles name is in the trusted sample, and the ones
    the student learns from have a value in every row."""
    roles = generator.roles()
    columns = list(dict.fromkeys(roles.trusted_columns.values()))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(
            f"{config.data.trusted}: missing column '{missing[0]}' that generator "
            f"'{config.generator}' reads (found: {', '.join(frame.columns)}); fix the data or "
            "the data.*_field names in the config"
        )
    # what the student learns from (its input, its answer, the label) must be there; other
    # fields (a free-text note) may be blank
    learned = [f for f in (roles.input_field, roles.target_field, roles.label_field) if f]
    for field in learned:
        if field in roles.trusted_columns:
            require_filled(
                config.data.trusted, frame, roles.trusted_columns[field], "fill it or drop the row"
            )


def scrub_columns(config: RunConfig, frame: pl.DataFrame) -> list[str]:
    """The trusted columns to scrub: every string column but the label column."""
    return [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String and name != config.data.label_field
    ]


def scrub_trusted(
    config: RunConfig, frame: pl.DataFrame
) -> tuple[pl.DataFrame, ScrubReport | None]:
    """The trusted sample with PII replaced; the report is None when `build.pii` is off."""
    if not config.build.pii:
        return frame, None
    stage = ScrubStage(config.pii, scrub_columns(config, frame))
    result = stage.reduce(frame, [stage.map(frame)])
    return result.kept, result.report


def load_trusted(config: RunConfig) -> pl.DataFrame:
    """Read, check and scrub the trusted sample: the only way prompts get trusted rows."""
    return scrub_trusted(config, read_trusted(config))[0]
