"""The one frozen, validated config for exact and near dedup, checked before any work is done.

Everything that decides a MinHash value (permutations, seed, scheme, hash family, shingling,
normalisation) is listed in `DedupConfig.fingerprint()`, so a persistent index refuses signatures
made with different settings instead of silently never matching them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

IndexKind = Literal["none", "memory", "file", "redis"]
FAST_HASH_VERSION = "synthmill-poly64-fmix-v1"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NormaliseConfig(_Frozen):
    """How text is made comparable. Whitespace is always collapsed to single spaces between words:
    word shingles need one separator, and spacing never makes two records different."""

    nfkc: bool = Field(True, description="Unicode NFKC (full-width letters, ligatures, ...)")
    lowercase: bool = Field(True, description="compare case-insensitively")
    punctuation: bool = Field(
        True, description="drop punctuation: words are runs of letters, digits and '_'"
    )


class IndexConfig(_Frozen):
    """Where earlier runs' published records are remembered (`none` turns the check off).

    `memory` is datasketch's default dict storage (one process, e.g. a long-lived worker);
    `redis` is datasketch's Redis storage; `file` is a folder of keys and signatures (Parquet).
    """

    kind: IndexKind = "none"
    path: Path | None = Field(None, description="folder of the file index")
    redis_url: str = "redis://127.0.0.1:6379/0"
    prefix: str = Field("synthmill:dedup", min_length=1, description="Redis key prefix")

    @model_validator(mode="after")
    def _check(self) -> IndexConfig:
        if self.kind == "file" and self.path is None:
            raise ValueError("index kind 'file' needs a path (the folder holding the index)")
        if self.kind == "redis" and not self.redis_url.startswith(
            ("redis://", "rediss://", "unix://")
        ):
            raise ValueError(
                f"redis_url must start with redis://, rediss:// or unix:// (got {self.redis_url!r})"
            )
        return self


class DedupConfig(_Frozen):
    """Settings for `validators.dedup.dedup_frame`; defaults follow datasketch (128, seed 1)."""

    fields: tuple[str, ...] = Field(("text",), description="text fields, concatenated in order")
    id_field: str = Field("id", description="record id column; row numbers (from 1) if absent")
    threshold: float = Field(0.8, gt=0.0, le=1.0, description="estimated Jaccard to reject")
    num_perm: int = Field(128, ge=16, le=1024, description="MinHash permutations")
    seed: int = Field(1, ge=0, lt=2**32, description="seed of the permutations")
    shingle: Literal["word", "char"] = "word"
    shingle_size: int = Field(5, ge=1, le=64, description="words or characters per shingle")
    hash: Literal["fast", "sha1"] = Field(
        "fast",
        description="shingle hash: 'fast' (vectorised, ~10x quicker) or 'sha1' "
        "(datasketch's default sha1_hash32: signatures equal MinHash().hashvalues)",
    )
    scheme: Literal["affine32", "legacy"] = Field(
        "affine32", description="datasketch permutation scheme ('affine32' is its 2.x default)"
    )
    lsh_weights: tuple[float, float] = Field(
        (0.1, 0.9),
        description="datasketch (false positive, false negative) weights for bands x rows; "
        "recall-leaning because every candidate is confirmed by its estimated Jaccard",
    )
    max_bucket_pairs: int = Field(
        64, ge=1, description="a record in a crowded LSH bucket is compared with its first N"
    )
    workers: int = Field(
        2, ge=1, le=64, description="threads that normalise and sign; results do not depend on it"
    )
    normalise: NormaliseConfig = NormaliseConfig()
    index: IndexConfig = IndexConfig()

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value or any(not f.strip() for f in value):
            raise ValueError("fields must name at least one non-empty column")
        if len(set(value)) != len(value):
            raise ValueError(f"fields are repeated: {', '.join(value)}")
        return value

    @model_validator(mode="after")
    def _lsh(self) -> DedupConfig:
        fp, fn = self.lsh_weights
        if not (0.0 <= fp <= 1.0 and 0.0 <= fn <= 1.0) or abs(fp + fn - 1.0) > 1e-9:
            raise ValueError("lsh_weights must be two numbers in [0, 1] that sum to 1")
        bands, _ = self.lsh_params()
        if bands < 2:
            raise ValueError(
                f"threshold {self.threshold} with num_perm {self.num_perm} gives fewer than "
                "2 LSH bands; lower the threshold or raise num_perm"
            )
        return self

    def lsh_params(self) -> tuple[int, int]:
        """(bands, rows) chosen by datasketch's own optimiser, as `MinHashLSH` would."""
        return _optimal_param(self.threshold, self.num_perm, self.lsh_weights)

    def fingerprint(self) -> dict[str, Any]:
        """What decides a signature's values; two configs with equal fingerprints agree."""
        return {
            "num_perm": self.num_perm,
            "seed": self.seed,
            "scheme": self.scheme,
            "hash": FAST_HASH_VERSION if self.hash == "fast" else "datasketch-sha1_hash32",
            "shingle": self.shingle,
            "shingle_size": self.shingle_size,
            "normalise": self.normalise.model_dump(),
        }

    @classmethod
    def build(cls, **values: Any) -> DedupConfig:
        """Validate user settings; a mistake becomes one `ConfigError` line saying what to fix."""
        from schemas.errors import ConfigError  # here: schemas.config imports this module

        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "dedup config"
            raise ConfigError(f"dedup setting '{where}': {first['msg']}") from None


@lru_cache(maxsize=32)
def _optimal_param(
    threshold: float, num_perm: int, weights: tuple[float, float]
) -> tuple[int, int]:
    from datasketch.lsh import _optimal_param as datasketch_optimal

    bands, rows = datasketch_optimal(threshold, num_perm, weights[0], weights[1])
    return int(bands), int(rows)
