"""Default dedup settings on short real messages (banking77) and on long documents.

The defaults must catch near copies of short customer messages (a typo, a greeting, a short
word added or dropped) without dropping distinct messages, keep doing the long-document job,
sign a bounded sample of a long text's shingles without a length cut-off, and say in the
index fingerprint which shingling made a signature.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from datasketch import MinHash

from schemas.errors import ConfigError
from schemas.stage import run_stage, spans
from schemas.text import normalise_text
from validators.dedup import dedup_frame
from validators.dedup.config import DedupConfig
from validators.dedup.index import FileIndex, LshIndex, open_index
from validators.dedup.minhash import (
    Signer,
    datasketch_minhash,
    fast_hash32,
    sample_key,
    shingles,
    signatures_of,
)
from validators.dedup.sketch import merge_sketches, sketch, sketch_rows
from validators.dedup.stage import DedupStage

ROOT = Path(__file__).resolve().parents[1]
BANKING = ROOT / "examples" / "banking77" / "banking77_train_full.csv"
# the old defaults
PREVIOUS = {"shingle": "word", "shingle_size": 5, "shingle_budget": None, "short_words": 0}


def grams(text: str, k: int = 4) -> set[str]:
    norm = normalise_text(text)
    return {norm[i : i + k] for i in range(len(norm) - k + 1)} or {norm}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


@pytest.fixture(scope="module")
def messages() -> list[str]:
    """300 real banking77 messages of 25-90 characters, pairwise far apart (character 4-gram
    Jaccard < 0.3): distinct requests that no dedup setting may merge."""
    chosen: list[str] = []
    seen: list[set[str]] = []
    for text in pl.read_csv(BANKING)["text"].to_list():
        if not 25 <= len(normalise_text(text)) <= 90 or len(text.split()) < 5:
            continue
        g = grams(text)
        if all(jaccard(g, other) < 0.3 for other in seen):
            chosen.append(text)
            seen.append(g)
        if len(chosen) == 300:
            break
    assert len(chosen) == 300
    return chosen


def _typo(text: str) -> str:
    """Swap two inner letters of the longest word."""
    words = text.split(" ")
    i = max(range(len(words)), key=lambda k: len(words[k]))
    w = words[i]
    words[i] = w[:1] + w[2] + w[1] + w[3:] if len(w) > 3 else w + w[-1]
    return " ".join(words)


EDITS = {
    "typo": _typo,
    "greeting": lambda t: "Hi, " + t,
    "sign_off": lambda t: t.rstrip("?.!") + ", thanks!",
    "filler": lambda t: t.replace(" ", " just ", 1),
    "dropped_word": lambda t: " ".join(t.split(" ")[:-1]) + "?",
    "noise_and_typo": lambda t: "  " + _typo(t).upper().rstrip("?.!") + " ",
}


def planted(messages: list[str]) -> tuple[pl.DataFrame, dict[str, str]]:
    """The messages, then one near copy of each, made by the edits in turn: (frame, copy -> its
    source)."""
    names = list(EDITS)
    copies = [EDITS[names[i % len(names)]](m) for i, m in enumerate(messages)]
    ids = [f"m{i}" for i in range(len(messages))] + [f"c{i}" for i in range(len(copies))]
    frame = pl.DataFrame({"id": ids, "text": messages + copies})
    return frame, {f"c{i}": f"m{i}" for i in range(len(copies))}


def removed(result_rejects: pl.DataFrame) -> dict[str, str]:
    return dict(
        zip(result_rejects["id"].to_list(), result_rejects["duplicate_of"].to_list(), strict=True)
    )


def test_defaults_catch_near_copies_of_short_messages(messages: list[str]) -> None:
    frame, source = planted(messages)
    got = removed(dedup_frame(frame, DedupConfig()).rejects)
    assert not [k for k in got if k.startswith("m")], "a distinct message was dropped"
    caught = [k for k in source if got.get(k) == source[k]]
    assert len(caught) >= 0.95 * len(source), f"near-copy recall {len(caught) / len(source):.1%}"
    names = list(EDITS)
    for i, name in enumerate(names):  # every kind of edit is caught, not only the easy ones
        kind = [k for j, k in enumerate(source) if j % len(names) == i]
        assert sum(k in caught for k in kind) >= 0.85 * len(kind), name
    # the previous defaults (word 5-grams) miss most of them: this set tells the two apart
    old = removed(dedup_frame(frame, DedupConfig(**PREVIOUS)).rejects)
    assert sum(old.get(k) == source[k] for k in source) < 0.5 * len(source)


def test_one_content_word_replaced_is_a_different_message(messages: list[str]) -> None:
    """'... cancel my card' and '... activate my card' are different requests: a whole word of
    6+ letters replaced by another is more than the edit rule forgives in a short message."""
    swaps = {}
    for i, text in enumerate(messages):
        words = text.split(" ")
        long = [k for k, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
        if long and len(normalise_text(text)) <= 60:
            k = long[0]
            words[k] = "withdrawal" if words[k].lower() != "withdrawal" else "statement"
            swaps[f"s{i}"] = " ".join(words)
    assert len(swaps) >= 60
    frame = pl.DataFrame(
        {
            "id": [f"m{i}" for i in range(len(messages))] + list(swaps),
            "text": messages + list(swaps.values()),
        }
    )
    got = removed(dedup_frame(frame, DedupConfig()).rejects)
    assert len(got) <= 0.05 * len(swaps), got


def test_word_check_is_what_catches_short_copies(messages: list[str]) -> None:
    """Jaccard alone at the same threshold misses most typos in short messages."""
    frame, source = planted(messages)
    plain = removed(dedup_frame(frame, DedupConfig(short_words=0, edit_shingles=0)).rejects)
    rule = removed(dedup_frame(frame, DedupConfig()).rejects)
    assert sum(k in rule for k in source) - sum(k in plain for k in source) >= 0.1 * len(source)
    assert DedupConfig().edit_limit() == 12 and DedupConfig(**PREVIOUS).edit_limit() == 0


def test_short_copies_found_by_leak_check_and_published_index(
    messages: list[str], tmp_path: Path
) -> None:
    trusted = pl.DataFrame({"id": [f"t{i}" for i in range(40)], "text": messages[:40]})
    generated = [_typo(m) for m in messages[:40]] + messages[100:140]
    frame = pl.DataFrame({"id": [f"g{i}" for i in range(80)], "text": generated})
    result = dedup_frame(frame, DedupConfig(), reference=trusted)
    leaks = {r.record_id: r.duplicate_of for r in result.rejections}
    assert len(leaks) >= 32 and all(
        leaks[f"g{i}"] == f"t{i}" for i in range(40) if f"g{i}" in leaks
    )
    assert not [k for k in leaks if int(k[1:]) >= 40]
    for kind in ("file", "memory"):
        config = DedupConfig(index={"kind": kind, "path": tmp_path / "idx"})
        index = open_index(config)
        assert index is not None
        first = dedup_frame(trusted, config, index=index)
        index.add(first.kept_keys, first.kept_signatures)
        later = open_index(config) if kind == "file" else index
        assert later is not None
        again = dedup_frame(frame, config, index=later)
        published = {r.record_id: r.duplicate_of for r in again.rejections}
        assert len(published) >= 32, kind
        assert all(published[k] == f"t{k[1:]}" for k in published), kind


def test_long_documents_still_work() -> None:
    sentences = pl.read_csv(BANKING)["text"].to_list()
    docs = [" ".join(sentences[i * 12 : (i + 1) * 12]) for i in range(40)]
    near = docs[5].split(" ")
    near[len(near) // 2] = "zeppelin"
    hard = " ".join(docs[7].split(" ")[: len(docs[7].split(" ")) // 2]) + " " + docs[30]
    texts = [*docs, docs[3].upper() + "  ", " ".join(near), hard]
    frame = pl.DataFrame({"id": [f"d{i}" for i in range(len(texts))], "text": texts})
    result = dedup_frame(frame, DedupConfig())
    got = {r.record_id: (r.reason.value, r.duplicate_of) for r in result.rejections}
    assert got == {"d40": ("exact_duplicate", "d3"), "d41": ("near_duplicate", "d5")}
    # a long document signs about `shingle_budget` of its character 4-grams, not all of them
    full = shingles(docs[0], DedupConfig(shingle_budget=None))
    sample = shingles(docs[0], DedupConfig())
    assert len(full) > 4 * 128 and 0.6 * 128 < len(sample) < 1.6 * 128


@pytest.mark.parametrize(("hash_kind", "scheme"), [("fast", "affine32"), ("sha1", "legacy")])
def test_budgeted_signatures_equal_datasketch_minhash(hash_kind: str, scheme: str) -> None:
    """The sampled shingles, re-derived here from the rule, give datasketch's own MinHash."""
    sentences = pl.read_csv(BANKING)["text"].to_list()
    texts = sentences[:20] + [" ".join(sentences[i : i + 9]) for i in range(100, 160, 9)]
    texts += ["ab" * 400, "x" * 999, "café " * 60]  # repeats; a non-ASCII chunk
    config = DedupConfig(hash=hash_kind, scheme=scheme)
    ours = signatures_of(texts, config)
    hashfunc = fast_hash32 if hash_kind == "fast" else None  # None: datasketch's sha1_hash32
    budget = config.shingle_budget
    assert budget is not None
    for row, text in zip(ours, texts, strict=True):
        norm = normalise_text(text)
        every = [norm[i : i + 4].encode() for i in range(len(norm) - 3)] or [norm.encode()]
        keys = [sample_key(g) for g in every]
        if len(every) > budget:
            m, least = len(every), min(keys)
            every = [
                g for g, k in zip(every, keys, strict=True) if k * m < budget << 32 or k == least
            ]
        theirs = MinHash(num_perm=128, seed=1, scheme=scheme, hashfunc=hashfunc)
        theirs.update_batch(every)
        assert np.array_equal(row, theirs.hashvalues), text[:40]
        assert np.array_equal(row, datasketch_minhash(text, config).hashvalues)


def test_sample_tracks_the_full_jaccard_and_has_no_length_cutoff() -> None:
    sentences = pl.read_csv(BANKING)["text"].to_list()
    doc = " ".join(sentences[200:212])
    words = doc.split(" ")
    for k in (5, 40, 80):  # three words changed
        words[k] = "zeppelin"
    copy = " ".join(words)
    full = DedupConfig(shingle_budget=None)
    exact = jaccard(set(shingles(doc, full)), set(shingles(copy, full)))
    sampled = jaccard(set(shingles(doc, DedupConfig())), set(shingles(copy, DedupConfig())))
    assert abs(sampled - exact) < 0.05
    # a message just under the budget and its copy just over it are still near copies
    text = next(
        t for t in sentences if 120 <= len(normalise_text(t)) <= 128 and len(t.split()) > 20
    )
    longer = text.rstrip("?.!") + " thanks a lot"
    positions = len(normalise_text(longer)) - 3  # its shingles: over the budget, sampled
    assert len(shingles(text, DedupConfig())) <= 128 < positions
    result = dedup_frame(pl.DataFrame({"text": [text, longer]}), DedupConfig())
    assert [r.duplicate_of for r in result.rejections] == ["1"]


def test_fingerprint_says_which_shingling_made_a_signature(tmp_path: Path) -> None:
    default = DedupConfig().fingerprint()
    for other in (
        DedupConfig(shingle="word", shingle_size=5),
        DedupConfig(shingle_size=5),
        DedupConfig(shingle_budget=None),
        DedupConfig(shingle_budget=256),
    ):
        assert other.fingerprint() != default
    # the threshold and the edit rule decide matches, not signatures
    assert DedupConfig(threshold=0.7, edit_shingles=8).fingerprint() == default
    # the previous defaults keep their old fingerprint: their indexes stay usable
    assert "shingle_sample" not in DedupConfig(**PREVIOUS).fingerprint()
    index = FileIndex(DedupConfig(), tmp_path / "idx")
    index.add(["a"], signatures_of(["where is my card"], DedupConfig()))
    with pytest.raises(ConfigError, match="other settings"):
        FileIndex(DedupConfig(shingle_budget=256), tmp_path / "idx")
    with pytest.raises(ConfigError, match="other settings"):
        FileIndex(DedupConfig(**PREVIOUS), tmp_path / "idx")


def test_batches_equal_the_whole_column_with_the_defaults(messages: list[str]) -> None:
    """Map/reduce equality for the default config: sizes and signatures of merged batches equal
    the whole column's, and the batch stage keeps and rejects exactly what dedup_frame does."""
    sentences = pl.read_csv(BANKING)["text"].to_list()
    frame, _ = planted(messages)
    longs = [" ".join(sentences[i : i + 12]) for i in range(0, 240, 12)]
    texts = frame["text"].to_list() + longs + longs[:3] + ["", "..."]
    frame = pl.DataFrame({"id": [f"r{i}" for i in range(len(texts))], "text": texts})
    signer = Signer(DedupConfig())
    whole = sketch(frame["text"], signer, workers=2)
    for batch in (1, 97, 1000):
        parts = [
            sketch_rows(frame["text"].slice(lo, k), signer) for lo, k in spans(frame.height, batch)
        ]
        merged = merge_sketches(parts)
        for name in ("first", "rows", "signatures", "has_shingles", "sizes"):
            assert np.array_equal(getattr(whole, name), getattr(merged, name)), (batch, name)
    reference = pl.DataFrame({"id": ["t1", "t2"], "text": [messages[3], longs[2]]})
    local = dedup_frame(frame, DedupConfig(), reference=reference)
    assert {r.reason.value for r in local.rejections} >= {
        "exact_duplicate",
        "near_duplicate",
        "leak_of_trusted",
    }
    for size in (7, 333):
        staged = run_stage(DedupStage(DedupConfig(), reference), frame, size)
        assert staged.kept["id"].to_list() == local.kept["id"].to_list()
        assert [r.model_dump() for r in staged.rejections] == [
            r.model_dump() for r in local.rejections
        ]


def test_memory_index_has_a_second_lsh_for_short_records() -> None:
    config = DedupConfig(index={"kind": "memory"})
    index = open_index(config)
    assert isinstance(index, LshIndex) and index.edit_lsh is not None
    assert DedupConfig(**PREVIOUS, index={"kind": "memory"}).edit_pool() == 0
