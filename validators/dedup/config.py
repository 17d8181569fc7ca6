"""The one frozen, validated config for exact and near dedup, checked before any work is done.

Everything that decides a MinHash value (permutations, seed, scheme, hash family, shingling and
its sampling budget, normalisation) is listed in `DedupConfig.fingerprint()`, so a persistent
index refuses signatures made with different settings instead of silently never matching them.

The defaults suit short and long texts alike. Shingles are character 4-grams of the normalised
text: word 5-grams (the usual choice for long documents) lose every shingle that touches a changed
word, so a one-word edit in a ten-word message leaves almost nothing in common, while character
4-grams lose only the few that overlap the edit.

Which pairs are near copies depends on length, because a Jaccard ratio means different things:
- Long texts (both over `short_words` words): estimated Jaccard at least `threshold` (0.8).
- Short texts (either has at most `short_words`, 64, words): LSH finds candidates down to an
  estimated Jaccard of `short_min_jaccard` (0.4), and each candidate is read word by word
  (`validators.dedup.words`): a near copy differs only by typos, spelling, WordNet synonyms
  ("purchase" -> "buy"), a word and its broader word in WordNet ("funds" -> "money"), everyday
  rephrasings ("Can I" -> "Am I able to"), small talk ("hi", "thanks in advance"), re-send
  frames learned from the data (`frame_min_texts`: "Second time asking:", "Sent from my
  iPhone"; `validators.dedup.frames`), what wraps a re-sent message whatever the data
  (follow-ups such as "Still waiting for an answer.", greetings and sign-offs, e-mail headers
  and signatures, a quote: `follow_ups`, `email`, `quotes`), sentences of its own around the
  request that ask nothing and hold no number or negation (`segments`), function words left out
  in a hurry, and at most `added_words` other words, in at most `changed_places` places. Framed short texts are also signed with frames and small talk taken off
  (`validators.dedup.variants`), so LSH proposes framed copies that share few 4-grams. One content
  word swapped for another ("lost" -> "found", "charged" -> "refunded") or a negation added or
  dropped makes a different message, however high its Jaccard.
- The published index keeps signatures, not texts, so against it short texts are judged by the
  shingle rule instead: at most `edit_shingles` shingles apart (12: one typo, or one short word
  added or dropped) with an estimated Jaccard of at least `edit_min_jaccard` (0.6). It applies to
  records whose shingles add up to fewer than `edit_shingles * (1 + threshold) / (1 - threshold)`
  (108 by default: two messages of ~55 characters).
MinHash estimates carry noise (128 permutations: about +-0.04 in Jaccard), so decisions near
either line go both ways.

A long text has far more character 4-grams than word 5-grams, so past `shingle_budget` shingles a
record signs a hash-chosen sample of about that many (see `validators.dedup.minhash`): long
documents cost what they cost with word shingles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from schemas.base import FrozenSettings
from schemas.errors import ConfigError
from validators.dedup.datasketch_compat import optimal_bands

IndexKind = Literal["none", "memory", "file", "redis"]
FAST_HASH_VERSION = "synthmill-poly64-fmix-v1"
# a record with m > budget shingles keeps those whose sample key k has k * m < budget * 2**32, or
# its least key; k = top 32 bits of (the shingle's poly64 * 0x9E3779B97F4A7C15) mod 2**64
SAMPLE_RULE_VERSION = "poly64-golden-top32-times-count-below-budget-v1"


class NormaliseConfig(FrozenSettings):
    """How text is made comparable. Whitespace is always collapsed to single spaces between words:
    word shingles need one separator, and spacing never makes two records different."""

    nfkc: bool = Field(True, description="Unicode NFKC (full-width letters, ligatures, ...)")
    lowercase: bool = Field(True, description="compare case-insensitively")
    punctuation: bool = Field(
        True, description="drop punctuation: words are runs of letters, digits and '_'"
    )


class IndexConfig(FrozenSettings):
    """Where earlier runs' published records are remembered (`none` turns the check off).

    `memory` is datasketch's default dict storage (one process, e.g. a long-lived worker);
    `redis` is datasketch's Redis storage; `file` is a folder of keys and signatures (Parquet).
    Each also keeps the published records' compared texts unless `keep_texts` is off: the
    index then holds the published text, as the published output does.
    """

    kind: IndexKind = "none"
    path: Path | None = Field(None, description="folder of the file index")
    redis_url: str = "redis://127.0.0.1:6379/0"
    prefix: str = Field("synthmill:dedup", min_length=1, description="Redis key prefix")
    keep_texts: bool = Field(
        True,
        description="keep each published record's text beside its signature, so later runs "
        "are judged by the same rule as one run (off: signatures only, looser on short texts)",
    )

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


class DedupConfig(FrozenSettings):
    """Settings for `validators.dedup.dedup_frame`; permutations follow datasketch (128, seed 1).

    The word 5-gram settings of earlier versions are `shingle="word", shingle_size=5,
    shingle_budget=None, short_words=0` (same signatures, same index fingerprint, same decisions).
    """

    fields: tuple[str, ...] = Field(("text",), description="text fields, concatenated in order")
    id_field: str = Field("id", description="record id column; row numbers (from 1) if absent")
    threshold: float = Field(0.8, gt=0.0, le=1.0, description="estimated Jaccard to reject")
    short_words: int = Field(
        64,
        ge=0,
        description="pairs where either text has at most this many words are confirmed by the "
        "word check (typos, spelling and small talk only); 0: Jaccard and the shingle rule for all",
    )
    short_min_jaccard: float = Field(
        0.4,
        gt=0.0,
        le=1.0,
        description="short texts' LSH candidates are found down to this estimated Jaccard",
    )
    added_words: int = Field(
        1, ge=0, le=8, description="words a short near copy may add or drop besides small talk"
    )
    changed_places: int = Field(
        2,
        ge=1,
        le=16,
        description="places (aligned blocks of words, small talk aside) where a short near copy "
        "may differ from its original, one more per 16 words of the shorter text",
    )
    frame_min_texts: int = Field(
        3,
        ge=0,
        description="a segment at the edge of at least this many short texts (an opener such "
        "as 'Second time asking:', a sign-off such as 'Sent from my phone') is a re-send frame, "
        "and short texts are also compared without their frames; 0: none learned (follow-ups, "
        "letter lines and quotes still come off)",
    )
    edit_shingles: int | None = Field(
        None,
        ge=0,
        description="against the published index (signatures only), also reject a short record "
        "that differs by at most this many shingles; null: 2 * shingle_size + 4 for character "
        "shingles (one typo or one short word), 0 (off) for word shingles",
    )
    edit_min_jaccard: float = Field(
        0.6, gt=0.0, le=1.0, description="the least estimated Jaccard for the edit_shingles rule"
    )
    num_perm: int = Field(128, ge=16, le=1024, description="MinHash permutations")
    seed: int = Field(1, ge=0, lt=2**32, description="seed of the permutations")
    shingle: Literal["word", "char"] = Field(
        "char", description="shingle unit: characters suit short and long texts, words long ones"
    )
    shingle_size: int = Field(4, ge=1, le=64, description="words or characters per shingle")
    shingle_budget: int | None = Field(
        128,
        ge=16,
        description="a record with more shingles than this signs a sample of about this many, "
        "chosen by shingle hash (the same shingle is kept alike in texts of similar length); "
        "null signs every shingle",
    )
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
        checks = [("threshold", self.threshold)]
        if self.edit_limit():
            checks.append(("edit_min_jaccard", self.edit_min_jaccard))
        if self.short_words:
            checks.append(("short_min_jaccard", self.short_min_jaccard))
        for name, value in checks:
            if optimal_bands(value, self.num_perm, self.lsh_weights)[0] < 2:
                raise ValueError(
                    f"{name} {value} with num_perm {self.num_perm} gives fewer than "
                    f"2 LSH bands; lower the {name} or raise num_perm"
                )
        return self

    def lsh_params(self) -> tuple[int, int]:
        """(bands, rows) chosen by datasketch's own optimiser, as `MinHashLSH` would."""
        return optimal_bands(self.threshold, self.num_perm, self.lsh_weights)

    def edit_limit(self) -> int:
        """Shingles two records may differ by and still be near copies (0: the rule is off)."""
        if self.edit_shingles is not None:
            return self.edit_shingles
        return 2 * self.shingle_size + 4 if self.shingle == "char" else 0

    def edit_pool(self) -> float:
        """Records with at least this many shingles never meet the edit rule below `threshold`
        (their shingles and any partner's add up to too many); 0 when the rule is off."""
        limit = self.edit_limit()
        if not limit or self.edit_min_jaccard >= self.threshold:
            return 0.0
        if self.threshold >= 1.0:
            return float("inf")
        return limit * (1.0 + self.threshold) / (1.0 - self.threshold)

    def edit_lsh_params(self) -> tuple[int, int]:
        """(bands, rows) that find candidates down to `edit_min_jaccard`, for the edit rule."""
        return optimal_bands(self.edit_min_jaccard, self.num_perm, self.lsh_weights)

    def short_lsh_params(self) -> tuple[int, int]:
        """(bands, rows) that find short texts' candidates down to `short_min_jaccard`."""
        return optimal_bands(self.short_min_jaccard, self.num_perm, self.lsh_weights)

    def fingerprint(self) -> dict[str, Any]:
        """What decides a signature's values; two configs with equal fingerprints agree."""
        found: dict[str, Any] = {
            "num_perm": self.num_perm,
            "seed": self.seed,
            "scheme": self.scheme,
            "hash": FAST_HASH_VERSION if self.hash == "fast" else "datasketch-sha1_hash32",
            "shingle": self.shingle,
            "shingle_size": self.shingle_size,
            "normalise": self.normalise.model_dump(),
        }
        if self.shingle_budget is not None:  # absent: signatures as before budgets existed
            found["shingle_sample"] = {"rule": SAMPLE_RULE_VERSION, "budget": self.shingle_budget}
        return found

    @classmethod
    def build(cls, **values: Any) -> DedupConfig:
        """Validate user settings; a mistake becomes one `ConfigError` line saying what to fix."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "dedup config"
            raise ConfigError(f"dedup setting '{where}': {first['msg']}") from None
