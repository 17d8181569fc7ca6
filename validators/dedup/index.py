"""What earlier runs published, so a scheduled run never publishes it again (`published_before`).

Two kinds, one interface (`match` then, after the output is written, `add`):
- `LshIndex`: datasketch's `MinHashLSH` on its own storage, the dict (`memory`, one process) or
  Redis (`redis`), plus each key's signature beside it to confirm candidates by Jaccard.
  Keys go in as bytes with `prepickle=False`: nothing read back from Redis is ever unpickled.
- `FileIndex`: a folder with `meta.json` and `published.parquet` (key, signature), rewritten
  atomically under a lock; for scheduled runs without Redis. No pickle anywhere.
Both refuse signatures made under another `DedupConfig.fingerprint()`.

Each record is kept with its compared text too (it was published: the text is in the output
anyway), so `dedup_frame` checks a later run against the texts with the leak check's rule,
word-level checks and variant forms included, and not only through the signatures below. An
index written before texts were kept matches its records by signature alone.

Published records keep no shingle count; where the edit rule for short texts needs one (see
`validators.dedup.config`), it is estimated from the signature (`lsh_bands.estimate_sizes`).
For that rule an `LshIndex` keeps a second `MinHashLSH`, banded at `edit_min_jaccard`, of the
records small enough for it (Redis keys under `<prefix>_edit`).
"""

from __future__ import annotations

import fcntl
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from schemas.errors import ConfigError, InputError, ServiceUnavailable
from schemas.tables import atomic_open, write_json
from validators.dedup.config import DedupConfig
from validators.dedup.datasketch_compat import band_ranges, band_tables
from validators.dedup.lsh_bands import (
    LowBand,
    band_keys,
    best_match,
    edit_band,
    estimate_sizes,
    near,
    pairs_across,
    similarity,
)

_BATCH = 10_000
Matches = tuple[np.ndarray, list[str], np.ndarray]


class PublishedIndex(ABC):
    """Keys and MinHash signatures of records published by earlier runs."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    @abstractmethod
    def match(
        self, signatures: np.ndarray, sizes: np.ndarray, skip: frozenset[str] = frozenset()
    ) -> Matches:
        """(query rows, key of the most similar published record, estimated Jaccard) for the
        queries near a published record (`lsh_bands.near`); `sizes` are their shingle counts.
        Records whose key is in `skip` (those judged by their text) are never candidates."""

    @abstractmethod
    def add(
        self, keys: Sequence[str], signatures: np.ndarray, texts: Sequence[str] | None = None
    ) -> int:
        """Remember published records (with their compared `texts`, where given); keys
        already present are left as they are. Returns how many were added."""

    @abstractmethod
    def texts(self) -> tuple[list[str], list[str]]:
        """(keys, texts) of the published records stored with their text: `dedup_frame`
        checks them with the leak check's rule, as near copies within a run are checked."""

    @abstractmethod
    def __len__(self) -> int: ...

    def _meta(self) -> dict[str, Any]:
        bands, rows = self.config.lsh_params()
        meta = {
            "format": "synthmill-dedup-index",
            "version": 1,
            "fingerprint": self.config.fingerprint(),
            "bands": bands,
            "rows": rows,
        }
        if self.config.edit_pool():  # the second LSH of an LshIndex (a FileIndex bands anew)
            meta["edit_bands"] = list(self.config.edit_lsh_params())
            meta["edit_pool"] = self.config.edit_pool()
        return meta

    def _check_meta(self, found: dict[str, Any], where: str, strict_bands: bool) -> None:
        wanted = self._meta()
        same = found.get("fingerprint") == wanted["fingerprint"] and found.get("version") == 1
        if strict_bands:
            same = same and all(
                found.get(k) == wanted.get(k) for k in ("bands", "rows", "edit_bands", "edit_pool")
            )
        if not same:
            raise ConfigError(
                f"dedup index {where} was built with other settings ({json.dumps(found)}); "
                "use the same num_perm, seed, shingles, hash and normalisation, or a new index"
            )


class FileIndex(PublishedIndex):
    """A folder holding `meta.json` and `published.parquet`; see the module docstring."""

    def __init__(self, config: DedupConfig, path: Path) -> None:
        super().__init__(config)
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        meta = self.path / "meta.json"
        with self._locked():
            if meta.is_file():
                try:
                    found = json.loads(meta.read_text(encoding="utf-8"))
                except (ValueError, UnicodeDecodeError):
                    raise InputError(meta, "not a dedup index meta file (invalid JSON)") from None
                self._check_meta(found, str(self.path), strict_bands=False)
            else:
                write_json(meta, self._meta())
            self.keys, self.signatures, self._texts = self._load()
        self._band_keys: np.ndarray | None = None
        self._edit: tuple[LowBand, np.ndarray] | None = None
        self._sizes = np.zeros(0, dtype=np.float64)  # estimated, for the edit rule

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.path / ".lock", "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _load(self) -> tuple[list[str], np.ndarray, list[str | None]]:
        table = self.path / "published.parquet"
        if not table.is_file():
            return [], np.zeros((0, self.config.num_perm), dtype=np.uint32), []
        try:
            frame = pl.read_parquet(table)
            sig = frame["signature"].to_numpy()
            keys = frame["key"].to_list()
            # an index written before texts were kept has none: its records match by signature
            texts = frame["text"].to_list() if "text" in frame.columns else [None] * len(keys)
        except Exception as exc:  # polars raises several types for a damaged file
            raise InputError(table, f"not a dedup index table ({type(exc).__name__})") from None
        if sig.ndim != 2 or sig.shape[1] != self.config.num_perm:
            raise InputError(table, f"signatures are not {self.config.num_perm} values wide")
        return keys, np.ascontiguousarray(sig, dtype=np.uint32), texts

    def texts(self) -> tuple[list[str], list[str]]:
        pairs = [(k, t) for k, t in zip(self.keys, self._texts, strict=True) if t is not None]
        return [k for k, _ in pairs], [t for _, t in pairs]

    def __len__(self) -> int:
        return len(self.keys)

    def match(
        self, signatures: np.ndarray, sizes: np.ndarray, skip: frozenset[str] = frozenset()
    ) -> Matches:
        config = self.config
        bands, rows = config.lsh_params()
        if self._band_keys is None or self._edit is None:
            self._band_keys = band_keys(self.signatures, bands, rows)
            self._sizes = estimate_sizes(self.signatures)
            low = edit_band(self._sizes, config)
            self._edit = (low, low.keys(self.signatures))
        q, b = pairs_across(
            signatures,
            band_keys(signatures, bands, rows),
            edit_band(sizes, config),
            self._band_keys,
            *self._edit,
            config,
        )
        if skip:
            keep = np.asarray([self.keys[i] not in skip for i in b.tolist()], dtype=bool)
            q, b = q[keep], b[keep]
        s = similarity(signatures, q, self.signatures, b)
        q, b, s = best_match(q, b, s, near(s, sizes[q] + self._sizes[b], config))
        return q, [self.keys[i] for i in b.tolist()], s

    def add(
        self, keys: Sequence[str], signatures: np.ndarray, texts: Sequence[str] | None = None
    ) -> int:
        if not self.config.index.keep_texts:
            texts = None
        with self._locked():
            # another run may have added meanwhile
            self.keys, self.signatures, self._texts = self._load()
            present = set(self.keys)
            fresh = []
            for i, key in enumerate(keys):
                if key not in present:
                    present.add(key)
                    fresh.append(i)
            if not fresh:
                return 0
            self.keys = self.keys + [keys[i] for i in fresh]
            self.signatures = np.concatenate([self.signatures, signatures[fresh]])
            self._texts = self._texts + [texts[i] if texts is not None else None for i in fresh]
            frame = pl.DataFrame(
                {
                    "key": self.keys,
                    "signature": pl.Series(self.signatures).cast(
                        pl.Array(pl.UInt32, self.config.num_perm)
                    ),
                    "text": pl.Series(self._texts, dtype=pl.String),
                }
            )
            with atomic_open(self.path / "published.parquet", "wb") as fh:
                frame.write_parquet(fh)
            self._band_keys = self._edit = None
            return len(fresh)


class LshIndex(PublishedIndex):
    """datasketch `MinHashLSH` on dict (`memory`) or Redis storage, with signatures beside it."""

    def __init__(self, config: DedupConfig) -> None:
        super().__init__(config)
        from datasketch import MinHashLSH

        bands, rows = config.lsh_params()
        kind = config.index.kind
        self._dtype = np.uint64 if config.scheme == "legacy" else np.uint32
        if kind == "redis":
            import redis
            from redis.connection import parse_url

            settings = parse_url(config.index.redis_url)
            self._redis = redis.Redis(**settings)
            prefix = config.index.prefix
            self._sig_key = f"{prefix}_signatures"
            self._text_key = f"{prefix}_texts"
            try:
                self._redis.ping()
                self._connect_meta(f"{prefix}_meta")
            except redis.exceptions.AuthenticationError as exc:  # the url's password: input
                raise ConfigError(
                    f"Redis at {config.index.redis_url} refused the credentials ({exc}); fix the "
                    "redis url"
                ) from None
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
                raise ServiceUnavailable(
                    f"cannot reach Redis at {config.index.redis_url} ({exc}); start it or fix the "
                    "redis url"
                ) from None
            storage: dict[str, Any] = {
                "type": "redis",
                "redis": settings,
                "basename": prefix.encode(),
            }
            edit_storage: dict[str, Any] = {**storage, "basename": f"{prefix}_edit".encode()}
        else:
            self._redis = None
            self._memory: dict[bytes, bytes] = {}
            self._memory_texts: dict[bytes, str] = {}
            storage = edit_storage = {"type": "dict"}
        self.lsh = MinHashLSH(
            threshold=config.threshold,
            num_perm=config.num_perm,
            params=(bands, rows),
            storage_config=storage,
            prepickle=False,
        )
        self.edit_lsh = None
        if config.edit_pool():  # the records small enough for the edit rule, banded lower
            self.edit_lsh = MinHashLSH(
                threshold=config.edit_min_jaccard,
                num_perm=config.num_perm,
                params=config.edit_lsh_params(),
                storage_config=edit_storage,
                prepickle=False,
            )

    def _connect_meta(self, key: str) -> None:
        if self._redis is None:
            return
        wanted = json.dumps(self._meta(), sort_keys=True)
        self._redis.set(key, wanted, nx=True)
        found = self._redis.get(key)
        if found != wanted.encode():
            self._check_meta(json.loads(found or b"{}"), f"in Redis ({key})", strict_bands=True)

    def __len__(self) -> int:
        if self._redis is None:
            return len(self._memory)
        return int(self._redis.hlen(self._sig_key))

    def _stored(self, keys: list[bytes]) -> list[bytes | None]:
        if self._redis is None:
            return [self._memory.get(k) for k in keys]
        out: list[bytes | None] = []
        for lo in range(0, len(keys), _BATCH):
            out.extend(self._redis.hmget(self._sig_key, keys[lo : lo + _BATCH]))
        return out

    def _bands(self, lsh: Any, signatures: np.ndarray) -> list[list[bytes]]:
        """Each row's band keys exactly as `MinHashLSH._H` makes them (bytes, byte-swapped)."""
        values = signatures.astype(self._dtype).byteswap()
        return [[row[s:e].tobytes() for s, e in band_ranges(lsh)] for row in values]

    def _lookup(self, lsh: Any, signatures: np.ndarray, rows: np.ndarray) -> list[set[bytes]]:
        """Keys sharing a band of `lsh` with each of `signatures[rows]`."""
        hits: list[set[bytes]] = [set() for _ in range(rows.size)]
        for lo in range(0, rows.size, _BATCH):
            bands = self._bands(lsh, signatures[rows[lo : lo + _BATCH]])
            for b, table in enumerate(band_tables(lsh)):
                found = table.getmany(*[h[b] for h in bands])
                for hit, keys in zip(hits[lo : lo + _BATCH], found, strict=True):
                    hit.update(keys)
        return hits

    def match(
        self, signatures: np.ndarray, sizes: np.ndarray, skip: frozenset[str] = frozenset()
    ) -> Matches:
        hits = self._lookup(self.lsh, signatures, np.arange(signatures.shape[0]))
        pool = self.config.edit_pool()
        if self.edit_lsh is not None and pool:
            small = np.flatnonzero(sizes < pool)
            extra_hits = self._lookup(self.edit_lsh, signatures, small)
            for r, extra in zip(small.tolist(), extra_hits, strict=True):
                hits[r] |= extra
        if skip:
            skipped = {k.encode() for k in skip}
            hits = [hit - skipped for hit in hits]
        rows: list[int] = []
        found: list[bytes] = []
        for r, hit in enumerate(hits):
            rows.extend([r] * len(hit))
            found.extend(sorted(hit))
        unique = list(dict.fromkeys(found))
        stored = self._stored(unique)
        width = self.config.num_perm
        base = np.zeros((len(unique), width), dtype=np.uint32)
        known = np.zeros(len(unique), dtype=bool)
        for i, raw in enumerate(stored):
            if raw is not None:  # in the buckets but never committed: a crashed add
                base[i] = np.frombuffer(raw, dtype="<u4")
                known[i] = True
        where = {k: i for i, k in enumerate(unique)}
        q = np.asarray(rows, dtype=np.int64)
        b = np.asarray([where[k] for k in found], dtype=np.int64)
        mask = known[b] if b.size else np.zeros(0, dtype=bool)
        q, b = q[mask], b[mask]
        s = similarity(signatures, q, base, b)
        q, b, s = best_match(q, b, s, near(s, sizes[q] + estimate_sizes(base)[b], self.config))
        return q, [unique[i].decode() for i in b.tolist()], s

    def texts(self) -> tuple[list[str], list[str]]:
        if self._redis is None:
            stored = {k.decode(): t for k, t in self._memory_texts.items() if k in self._memory}
        else:
            found = dict(self._redis.hscan_iter(self._text_key, count=_BATCH))
            committed = self._stored(list(found))  # a text whose signature never landed: skip
            stored = {
                k.decode(): v.decode()
                for (k, v), sig in sorted(zip(found.items(), committed, strict=True))
                if sig is not None
            }  # in key order: Redis hands a hash out in its own order
        return list(stored), list(stored.values())

    def add(
        self, keys: Sequence[str], signatures: np.ndarray, texts: Sequence[str] | None = None
    ) -> int:
        from datasketch import LeanMinHash

        if not self.config.index.keep_texts:
            texts = None

        encoded = [k.encode() for k in keys]
        stored = self._stored(encoded)
        seen: set[bytes] = set()
        fresh = []
        for i, (key, value) in enumerate(zip(encoded, stored, strict=True)):
            if value is None and key not in seen:
                seen.add(key)
                fresh.append(i)
        if not fresh:
            return 0
        seed, scheme = self.config.seed, self.config.scheme
        with self.lsh.insertion_session(buffer_size=_BATCH) as session:
            for i in fresh:
                sketch = LeanMinHash(seed=seed, hashvalues=signatures[i], scheme=scheme)
                session.insert(encoded[i], sketch, check_duplication=False)
        pool = self.config.edit_pool()
        if self.edit_lsh is not None and pool:
            small = np.asarray(fresh)[estimate_sizes(signatures[fresh]) < pool]
            with self.edit_lsh.insertion_session(buffer_size=_BATCH) as session:
                for i in small.tolist():
                    sketch = LeanMinHash(seed=seed, hashvalues=signatures[i], scheme=scheme)
                    session.insert(encoded[i], sketch, check_duplication=False)
        values = {encoded[i]: signatures[i].astype("<u4").tobytes() for i in fresh}
        if texts is not None:
            kept = {encoded[i]: texts[i] for i in fresh}
            if self._redis is None:
                self._memory_texts.update(kept)
            else:
                items = list(kept.items())
                for lo in range(0, len(items), _BATCH):
                    self._redis.hset(self._text_key, mapping=dict(items[lo : lo + _BATCH]))
        if self._redis is None:
            self._memory.update(values)  # signatures last: they mark a key as committed
        else:
            items = list(values.items())
            for lo in range(0, len(items), _BATCH):
                self._redis.hset(self._sig_key, mapping=dict(items[lo : lo + _BATCH]))
        return len(fresh)


def open_index(config: DedupConfig) -> PublishedIndex | None:
    """The index `config.index` describes, or None when the check is off."""
    kind = config.index.kind
    if kind == "none":
        return None
    if kind == "file" and config.index.path is not None:  # IndexConfig requires the path
        return FileIndex(config, config.index.path)
    return LshIndex(config)
