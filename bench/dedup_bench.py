"""Dedup benchmark: near-copy quality on outside data, and long-document speed next to datasketch.

Part 1, quality. One block per source, one line per method, all on the same rows:
  outside-short    bench/data/outside/near_dups_short.jsonl (real banking77 queries with planted
                   exact / near copies and hard negatives; written blind to this code)
  outside-short-b  bench/data/outside-short-b/near_dups_short2.jsonl, -c (near_dups_short3),
  outside-short-d  -d (near_dups_short4): three more such sets, each written by another helper
                   session blind to this code, with its README and generator
  outside-short-e  bench/data/outside-short-e/near_dups_short5.jsonl, -f (near_dups_short6),
  outside-short-f  -g (near_dups_short7): three more, each written blind to this code and
  outside-short-g  measured once held out (e: 68.2% after the learned frames; f: 71.2% after
                   the follow-ups; g: 53.8% after the quotes), then read
  outside-short-h  bench/data/outside-short-h/near_dups_short8.jsonl: one more, held out until
                   the sentence and hurried-retype rules were built (87.0%), then read; its
                   hard negatives include a second request appended ("Also, ...")
  outside-long     bench/data/outside/near_dups_long.jsonl (documents of 80-200 words)
  templates-short  our own regression set: screened banking77 queries, our own edits (built here)
Methods:
  synthmill        `DedupConfig()`: the defaults (character 4-grams; texts of up to 64 words
                   confirmed by the word check, longer ones by estimated Jaccard >= 0.8;
                   shingle budget 128)
  synthmill-prev   the previous defaults: word 5-grams at 0.8, every shingle
  ds-same          a plain datasketch loop with synthmill's default shingling: exact dict on
                   `normalise_text`, every character 4-gram, `MinHash` (sha1), `MinHashLSH` with
                   the same threshold and (bands, rows), query then insert, candidates confirmed
                   with `MinHash.jaccard` (Jaccard alone: no edit rule, no shingle budget)
  ds-own           a plain datasketch loop with datasketch's own defaults: lower-cased whitespace
                   words, `MinHash()`, `MinHashLSH()` (threshold 0.9, weights 0.5/0.5), a record
                   is dropped when `query` returns anything
Printed: recall on exact copies (verbatim or equal after normalisation) and near copies, false
removals (originals and hard negatives dropped, over their number; hard negatives also counted
apart) and docs/s (one in-process run; small sets, so startup costs weigh in).

Part 2, long-document speed (the figures that matter for scale): documents of ~110 words built
from banking77 sentences with planted exact / near copies and hard negatives, at each --sizes.
Each method runs in its own subprocess so peak memory (getrusage maxrss) is its own:
  synthmill, synthmill-prev, synthmill-sha1 (defaults with datasketch's sha1 hash),
  datasketch       `MinHash.bulk` + `MinHashLSH`, word 5-grams at 0.8 (the previous defaults' job)
  datasketch-char4 `MinHash.bulk` + `MinHashLSH`, every character 4-gram at 0.8 (the defaults'
                   shingles, like for like; only up to --datasketch-char-max docs: it is slow)
each --repeat times (the fastest run counts: the machine may be shared), and the ratios
synthmill / datasketch. Finally a 1M-doc projection from the 10k -> 100k slope.

    .venv/bin/python bench/dedup_bench.py                  # both parts, 10k and 100k: ~5 minutes
    .venv/bin/python bench/dedup_bench.py --part quality
    .venv/bin/python bench/dedup_bench.py --part speed --sizes 10000,100000,1000000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SOURCE = ROOT / "examples" / "banking77" / "banking77_train_full.csv"
OUTSIDE = ROOT / "bench" / "data" / "outside"
# Sets written by helper sessions that never saw synthmill's code, each with its README and
# generator: "outside" (the first, used while the word check was built), then "-b" and "-c"
# (written later; -b informed the rules for small talk, homophones and shorthand, -c was read
# only after them and informed the re-send markers), "-d" (held out for those rules; its
# misses then led to the re-send frames learned from the data) and "-e" (written after the
# frames, measured once, held out), all from real banking77 queries.
OUTSIDE_FILES = {
    "outside-short": OUTSIDE / "near_dups_short.jsonl",
    "outside-short-b": ROOT / "bench" / "data" / "outside-short-b" / "near_dups_short2.jsonl",
    "outside-short-c": ROOT / "bench" / "data" / "outside-short-c" / "near_dups_short3.jsonl",
    "outside-short-d": ROOT / "bench" / "data" / "outside-short-d" / "near_dups_short4.jsonl",
    "outside-short-e": ROOT / "bench" / "data" / "outside-short-e" / "near_dups_short5.jsonl",
    "outside-short-f": ROOT / "bench" / "data" / "outside-short-f" / "near_dups_short6.jsonl",
    "outside-short-g": ROOT / "bench" / "data" / "outside-short-g" / "near_dups_short7.jsonl",
    "outside-short-h": ROOT / "bench" / "data" / "outside-short-h" / "near_dups_short8.jsonl",
    "outside-long": OUTSIDE / "near_dups_long.jsonl",
}
SHARES = {"exact": 0.05, "near": 0.10, "hard": 0.05}
QUALITY_METHODS = ("synthmill", "synthmill-prev", "ds-same", "ds-own")
SPEED_METHODS = ("synthmill", "synthmill-prev", "synthmill-sha1", "datasketch", "datasketch-char4")
# the outside files' kinds, and ours, as the four scored groups
KINDS = {
    "original": "base",
    "base": "base",
    "exact": "exact",
    "exact_normalised": "exact",
    "near": "near",
    "negative": "hard",
    "hard": "hard",
}


def default_config(**changes: Any) -> Any:
    from validators.dedup.config import DedupConfig

    return DedupConfig(**changes)


def previous_config(**changes: Any) -> Any:
    """The defaults before short texts were considered: word 5-grams at 0.8, every shingle."""
    from validators.dedup.config import DedupConfig

    return DedupConfig(
        shingle="word",
        shingle_size=5,
        threshold=0.8,
        shingle_budget=None,
        short_words=0,
        **changes,
    )


# ---------------------------------------------------------------------------------------------
# Data


def build_docs(n: int, seed: int = 7) -> dict[str, list[Any]]:
    """n long documents in order: ids, texts, kinds (base/exact/near/hard), each copy's source."""
    import polars as pl

    rng = random.Random(seed)
    sentences = pl.read_csv(SOURCE)["text"].to_list()
    vocab = sorted({w for s in sentences for w in s.lower().split() if w.isalpha()})
    counts = {kind: int(n * share) for kind, share in SHARES.items()}
    n_base = n - sum(counts.values())

    def fresh(words: int = 110) -> list[str]:
        out: list[str] = []
        while sum(len(s.split()) for s in out) < words:
            out.append(rng.choice(sentences))
        return out

    def noisy(text: str) -> str:
        words = [w.upper() if rng.random() < 0.15 else w for w in text.split(" ")]
        return "  ".join(words[:5]) + " " + " ".join(words[5:]) + "  "

    base = [fresh() for _ in range(n_base)]
    items: list[tuple[float, str, str, int]] = [
        (i, " ".join(s), "base", -1) for i, s in enumerate(base)
    ]
    for kind, count in counts.items():
        for _ in range(count):
            src = rng.randrange(n_base - 1)
            text = " ".join(base[src])
            if kind == "exact":
                text = text if rng.random() < 0.5 else noisy(text)
            elif kind == "near":
                words = text.split(" ")
                k = rng.randrange(len(words))
                words[k] = rng.choice([w for w in rng.sample(vocab, 5) if w != words[k].lower()])
                text = noisy(" ".join(words))
            else:
                half = _first_half(base[src])
                text = " ".join(half + fresh(110 - sum(len(s.split()) for s in half)))
            items.append((rng.uniform(src + 0.5, n_base), text, kind, src))
    return _ordered(items)


def _ordered(items: list[tuple[float, str, str, int]]) -> dict[str, list[Any]]:
    """Sort by position; ids d0.. in the final order; sources named by their new ids."""
    items.sort(key=lambda item: item[0])
    position = {int(key): i for i, (key, _, kind, _) in enumerate(items) if kind == "base"}
    return {
        "id": [f"d{i}" for i in range(len(items))],
        "text": [text for _, text, _, _ in items],
        "kind": [kind for _, _, kind, _ in items],
        "source": [f"d{position[src]}" if src >= 0 else None for _, _, _, src in items],
    }


def _first_half(sentences: list[str]) -> list[str]:
    """Sentences of a document, in order, that together make at most half of its words."""
    total = sum(len(s.split()) for s in sentences)
    out: list[str] = []
    words = 0
    for sentence in sentences:
        if words + len(sentence.split()) <= total / 2:
            out.append(sentence)
            words += len(sentence.split())
    return out or [min(sentences, key=lambda s: len(s.split()))]


FILLERS = ("please", "just", "really", "actually", "now", "again", "also")
GREETINGS = ("Hi,", "Hello,", "Hey,", "Hi there,", "Good morning,")
SIGN_OFFS = ("Thanks!", "Thank you.", "Thanks in advance.", "Please help.", "Cheers")
SYNONYMS = {
    "can": "could",
    "get": "receive",
    "want": "would like",
    "need": "have to",
    "money": "cash",
    "account": "acct",
    "why": "how come",
    "quickly": "fast",
    "help": "assist",
    "buy": "purchase",
}
STOP = frozenset("i my a an the to is it of for in on me and do can how what why be".split())
NEAR_EDITS = ("typo", "typo2", "filler", "drop", "greeting", "sign_off", "swap", "synonym")


def build_short_set(n_base: int = 3000, seed: int = 11) -> dict[str, list[Any]]:
    """Our regression set of short messages (not the headline; the outside set is).

    Originals: distinct banking77 queries, screened so no two have equal normalised text or
    word-set Jaccard >= 0.7 (banking77 holds many natural near copies, which would count as
    unlabelled positives). Planted after their source: 10% exact copies (half verbatim, half
    with case / spacing / punctuation noise), 30% near copies (one edit of NEAR_EDITS, in turn:
    typo, two typos, filler word, dropped word, greeting, sign-off, swapped neighbours, synonym)
    and 10% hard negatives (a content word replaced by another query's, or the first half of
    the query joined to the second half of another).
    """
    import polars as pl

    from schemas.text import normalise_text

    rng = random.Random(seed)
    pool = pl.read_csv(SOURCE)["text"].to_list()
    rng.shuffle(pool)
    base = _screened(pool, n_base, normalise_text)
    vocab = sorted({w for t in base for w in t.lower().split() if w.isalpha() and len(w) > 3})
    items: list[tuple[float, str, str, int]] = [(i, t, "base", -1) for i, t in enumerate(base)]
    known = {normalise_text(t) for t in pool}
    for j in range(n_base // 10):
        src = rng.randrange(n_base - 1)
        text = base[src] if j % 2 else _noise(base[src], rng)
        items.append((rng.uniform(src + 0.5, n_base), text, "exact", src))
    for j in range(3 * n_base // 10):
        src = rng.randrange(n_base - 1)
        text = _near_edit(base[src], NEAR_EDITS[j % len(NEAR_EDITS)], rng)
        if normalise_text(text) != normalise_text(base[src]):
            items.append((rng.uniform(src + 0.5, n_base), text, "near", src))
    for _ in range(n_base // 10):
        src = rng.randrange(n_base - 1)
        text = _hard_negative(base[src], base[rng.randrange(n_base)], vocab, rng)
        if normalise_text(text) not in known:
            items.append((rng.uniform(src + 0.5, n_base), text, "hard", src))
    return _ordered(items)


def _screened(pool: list[str], n: int, normalise: Callable[[str], str]) -> list[str]:
    """The first n texts of `pool` with no earlier accepted one equal or word-Jaccard >= 0.7."""
    accepted: list[str] = []
    words_of: list[set[str]] = []
    by_word: dict[str, list[int]] = {}
    seen: set[str] = set()
    for text in pool:
        norm = normalise(text)
        words = set(norm.split())
        if not words or norm in seen:
            continue
        # a pair at word-Jaccard >= 0.7 shares most words: look only where they share a word
        rivals = {k for w in words for k in by_word.get(w, ())}
        if any(len(words & words_of[k]) >= 0.7 * len(words | words_of[k]) for k in rivals):
            continue
        seen.add(norm)
        for w in words:
            by_word.setdefault(w, []).append(len(accepted))
        accepted.append(text)
        words_of.append(words)
        if len(accepted) == n:
            break
    return accepted


def _noise(text: str, rng: random.Random) -> str:
    choice = rng.randrange(3)
    if choice == 0:
        return text.upper()
    if choice == 1:
        return "  " + text.replace(" ", "  ") + " "
    return text.rstrip("?.!") + rng.choice(["??", "!", "...", ""])


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 1)
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return [
        word[:i] + letter + word[i + 1 :],
        word[:i] + word[i + 1 :],
        word[:i] + letter + word[i:],
        word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :],
    ][rng.randrange(4)]


def _near_edit(text: str, kind: str, rng: random.Random) -> str:
    words = text.split()
    if kind in ("typo", "typo2"):
        for _ in range(1 if kind == "typo" else 2):
            long = [i for i, w in enumerate(words) if len(w) >= 3] or [0]
            i = rng.choice(long)
            words[i] = _typo(words[i], rng)
    elif kind == "filler":
        words.insert(rng.randrange(len(words) + 1), rng.choice(FILLERS))
    elif kind == "drop" and len(words) > 3:
        del words[rng.randrange(len(words))]
    elif kind == "greeting":
        words.insert(0, rng.choice(GREETINGS))
    elif kind == "sign_off":
        words.append(rng.choice(SIGN_OFFS))
    elif kind == "swap" and len(words) > 2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif kind == "synonym":
        found = [i for i, w in enumerate(words) if w.lower() in SYNONYMS]
        if found:
            i = rng.choice(found)
            words[i] = SYNONYMS[words[i].lower()]
        else:
            words.insert(0, "Please,")
    else:  # too short to drop or swap a word
        words.append(rng.choice(SIGN_OFFS))
    return " ".join(words)


def _hard_negative(text: str, other: str, vocab: list[str], rng: random.Random) -> str:
    words = text.split()
    content = [i for i, w in enumerate(words) if w.lower().strip("?.!,") not in STOP]
    if rng.random() < 0.5 and content:
        i = rng.choice(content)
        words[i] = rng.choice([v for v in rng.sample(vocab, 4) if v != words[i].lower()])
        return " ".join(words)
    theirs = other.split()
    return " ".join(words[: max(len(words) // 2, 1)] + theirs[len(theirs) // 2 :])


def load_source(name: str) -> Any:
    """A frame with id, text, kind (base/exact/near/hard) for a quality source, or None."""
    import polars as pl

    if name == "templates-short":
        data = build_short_set()
        return pl.DataFrame({k: data[k] for k in ("id", "text", "kind")})
    path = OUTSIDE_FILES[name]
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    frame = pl.DataFrame(
        {k: [str(r[k]) for r in rows] for k in ("id", "text", "kind")},
        schema=dict.fromkeys(("id", "text", "kind"), pl.String),
    )
    unknown = set(frame["kind"].unique().to_list()) - set(KINDS)
    if unknown:
        raise SystemExit(f"{path}: unknown kinds {sorted(unknown)}")
    return frame.with_columns(pl.col("kind").replace_strict(KINDS))


# ---------------------------------------------------------------------------------------------
# Methods: each returns {removed id: kept id it copies} and timing


def run_synthmill(frame: Any, config: Any) -> tuple[dict[str, str], dict]:
    from validators.dedup import dedup_frame

    config.lsh_params()  # datasketch's optimiser (scipy) is a one-off cost outside the clock
    started, cpu = time.perf_counter(), time.process_time()
    result = dedup_frame(frame.select("id", "text"), config)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    removed = dict(
        zip(result.rejects["id"].to_list(), result.rejects["duplicate_of"].to_list(), strict=True)
    )
    return removed, {"seconds": seconds, "cpu_seconds": cpu, "lsh": result.report["lsh"]}


def _char_grams(norm: str, k: int) -> list[bytes]:
    grams = [norm[i : i + k] for i in range(len(norm) - k + 1)] or [norm]
    return [g.encode("utf-8") for g in grams]


def _word_grams(norm: str, k: int) -> list[bytes]:
    words = norm.split(" ")
    grams = [" ".join(words[i : i + k]) for i in range(len(words) - k + 1)] or [norm]
    return [g.encode("utf-8") for g in grams]


def run_datasketch(
    frame: Any, shingle: str, size: int, threshold: float
) -> tuple[dict[str, str], dict]:
    """datasketch's bulk path: exact dict on normalised text, `MinHash.bulk`, `MinHashLSH` with
    synthmill's (bands, rows) for `threshold`, query then insert each kept record, candidates
    confirmed with `MinHash.jaccard` (every shingle: datasketch has no budget)."""
    import gc

    from datasketch import MinHash, MinHashLSH

    from schemas.text import normalise_text

    bands, rows = default_config(threshold=threshold).lsh_params()
    grams_of = _char_grams if shingle == "char" else _word_grams
    ids = frame["id"].to_list()
    texts = frame["text"].to_list()
    gc.disable()
    started, cpu = time.perf_counter(), time.process_time()
    removed: dict[str, str] = {}
    first: dict[str, int] = {}
    unique: list[int] = []
    shingles: list[list[bytes]] = []
    for i, text in enumerate(texts):
        norm = normalise_text(text)
        j = first.setdefault(norm, i)
        if j != i:
            removed[ids[i]] = ids[j]
            continue
        if norm:
            unique.append(i)
            shingles.append(grams_of(norm, size))
    sketches = MinHash.bulk(shingles, num_perm=128, seed=1)
    lsh = MinHashLSH(threshold=threshold, num_perm=128, params=(bands, rows))
    kept: dict[int, MinHash] = {}
    for i, sketch in zip(unique, sketches, strict=True):
        hits = sorted(c for c in lsh.query(sketch) if sketch.jaccard(kept[c]) >= threshold)
        if hits:
            removed[ids[i]] = ids[hits[0]]
        else:
            lsh.insert(i, sketch, check_duplication=False)
            kept[i] = sketch
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    gc.enable()
    return removed, {"seconds": seconds, "cpu_seconds": cpu, "lsh": {"bands": bands, "rows": rows}}


def run_datasketch_own(frame: Any) -> tuple[dict[str, str], dict]:
    """A plain loop with datasketch's defaults: `MinHash()` of the lower-cased whitespace words,
    `MinHashLSH()` (threshold 0.9, weights 0.5/0.5), dropped when `query` finds anything."""
    from datasketch import MinHash, MinHashLSH

    ids = frame["id"].to_list()
    texts = frame["text"].to_list()
    started, cpu = time.perf_counter(), time.process_time()
    lsh = MinHashLSH()
    removed: dict[str, str] = {}
    for row, text in enumerate(texts):
        m = MinHash()
        m.update_batch([w.encode("utf-8") for w in set(text.lower().split())])
        hits = lsh.query(m)
        if hits:
            removed[ids[row]] = ids[min(hits)]  # the earliest kept record
        else:
            lsh.insert(row, m, check_duplication=False)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return removed, {"seconds": seconds, "cpu_seconds": cpu, "lsh": {"bands": lsh.b, "rows": lsh.r}}


def run_quality(method: str, frame: Any) -> tuple[dict[str, str], dict]:
    if method == "synthmill":
        return run_synthmill(frame, default_config())
    if method == "synthmill-prev":
        return run_synthmill(frame, previous_config())
    if method == "ds-same":
        config = default_config()
        return run_datasketch(frame, config.shingle, config.shingle_size, config.threshold)
    return run_datasketch_own(frame)


def score(frame: Any, removed: dict[str, str]) -> dict[str, Any]:
    kinds = frame["kind"].to_list()
    ids = frame["id"].to_list()
    total = Counter(kinds)
    hit = Counter(kind for i, kind in zip(ids, kinds, strict=True) if i in removed)
    keepers = total["base"] + total["hard"]
    return {
        "exact_recall": hit["exact"] / max(total["exact"], 1),
        "near_recall": hit["near"] / max(total["near"], 1),
        "false_removals": (hit["base"] + hit["hard"]) / max(keepers, 1),
        "base_removed": hit["base"],
        "hard_negatives_removed": hit["hard"],
        "hard_negatives": total["hard"],
    }


# ---------------------------------------------------------------------------------------------
# Part 1: quality


SOURCES = (*OUTSIDE_FILES, "templates-short")


def quality(methods: list[str], sources: list[str]) -> None:
    print("Part 1: quality (exact / near recall; false removals = originals and hard negatives")
    print("dropped, over their number; docs/s from one in-process run)")
    for name in sources:
        frame = load_source(name)
        if frame is None:
            print(f"\n{name}: {OUTSIDE_FILES[name]} not found, skipped")
            continue
        counts = Counter(frame["kind"].to_list())
        words = frame["text"].str.split(" ").list.len().median()
        print(
            f"\n{name}: {frame.height:,} rows (base {counts['base']}, exact {counts['exact']}, "
            f"near {counts['near']}, hard negatives {counts['hard']}; median {words:.0f} words)"
        )
        results: dict[str, dict[str, Any]] = {}
        for method in methods:
            removed, info = run_quality(method, frame)
            info.update(score(frame, removed))
            info["docs_per_s"] = frame.height / info["seconds"]
            results[method] = info
            print(
                f"  {method:15s} exact {info['exact_recall']:7.2%}  near {info['near_recall']:7.2%}"
                f"  false removals {info['false_removals']:6.2%} ({info['base_removed']} originals,"
                f" {info['hard_negatives_removed']}/{info['hard_negatives']} hard)"
                f"  {info['docs_per_s']:9,.0f} docs/s"
            )
        if "synthmill" in results and "ds-same" in results:
            ours, theirs = results["synthmill"], results["ds-same"]
            print(
                f"  synthmill vs ds-same: near {ours['near_recall'] - theirs['near_recall']:+.2%}, "
                f"false removals {ours['false_removals'] - theirs['false_removals']:+.2%}, "
                f"{ours['docs_per_s'] / theirs['docs_per_s']:.1f}x docs/s"
            )


# ---------------------------------------------------------------------------------------------
# Part 2: long-document speed


class _RssSampler:
    """Highest resident memory above the level at entry, sampled every 20 ms (Linux /proc)."""

    def __init__(self) -> None:
        self.added_mb = 0.0
        self._stop = threading.Event()

    @staticmethod
    def _rss_mb() -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize() / 2**20

    def _watch(self, base: float) -> None:
        while not self._stop.wait(0.02):
            self.added_mb = max(self.added_mb, self._rss_mb() - base)

    def __enter__(self) -> _RssSampler:
        self._thread = threading.Thread(target=self._watch, args=(self._rss_mb(),), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def worker(method: str, data: Path, repeat: int) -> None:
    """One speed method on one data file, `repeat` times (the fastest run counts: the machine
    may be shared); prints JSON with its decisions, time and peak memory."""
    import datasketch  # noqa: F401  (imports and the LSH optimiser stay outside the measurement)
    import polars as pl

    from validators.dedup import dedup_frame  # noqa: F401

    default_config().lsh_params()
    previous_config().lsh_params()
    frame = pl.read_ipc(data, columns=["id", "text"])
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sampler = _RssSampler()
    runs = []
    with sampler:
        for _ in range(repeat):
            if method == "datasketch":
                runs.append(run_datasketch(frame, "word", 5, 0.8))
            elif method == "datasketch-char4":
                config = default_config()
                runs.append(run_datasketch(frame, "char", 4, config.threshold))
            elif method == "synthmill-prev":
                runs.append(run_synthmill(frame, previous_config()))
            else:
                hash_kind = "sha1" if method.endswith("sha1") else "fast"
                runs.append(run_synthmill(frame, default_config(hash=hash_kind)))
    removed, info = min(runs, key=lambda run: run[1]["seconds"])
    info["runs_seconds"] = [round(run[1]["seconds"], 3) for run in runs]
    info["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    info["rss_before_mb"] = rss_before
    info["run_added_mb"] = sampler.added_mb
    info["removed"] = removed
    print(json.dumps(info))


def speed(sizes: list[int], methods: list[str], args: argparse.Namespace) -> None:
    import polars as pl

    print("\nPart 2: long-document speed (subprocess per method; docs/s wall and per CPU second)")
    limits = {
        "datasketch": args.datasketch_max,
        "datasketch-char4": args.datasketch_char_max,
        "synthmill-sha1": args.sha1_max,
    }
    results: dict[int, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="dedup-bench-") as tmp:
        for n in sizes:
            started = time.perf_counter()
            frame = pl.DataFrame(build_docs(n))
            path = Path(tmp) / f"docs-{n}.arrow"
            frame.write_ipc(path)
            words = frame["text"].str.split(" ").list.len().mean()
            print(f"\n{n} docs (~{words:.0f} words; built in {time.perf_counter() - started:.1f}s)")
            results[n] = {}
            for method in methods:
                if n > limits.get(method, n):
                    continue
                cmd = [sys.executable, __file__, "--worker", method, "--data", str(path)]
                cmd += ["--repeat", str(args.repeat)]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
                info = json.loads(out.stdout.strip().splitlines()[-1])
                info.update(score(frame, info.pop("removed")))
                info["docs_per_s"] = n / info["seconds"]
                info["cpu_docs_per_s"] = n / info["cpu_seconds"]
                results[n][method] = info
                print(_line(method, info))
            ours = results[n].get("synthmill")
            for other in ("datasketch", "datasketch-char4", "synthmill-prev"):
                theirs = results[n].get(other)
                if ours and theirs:
                    print(
                        f"  synthmill / {other}: "
                        f"{ours['docs_per_s'] / theirs['docs_per_s']:.1f}x docs/s wall, "
                        f"{ours['cpu_docs_per_s'] / theirs['cpu_docs_per_s']:.1f}x per CPU second; "
                        f"peak memory {ours['peak_mb'] / theirs['peak_mb']:.2f}x"
                    )
    _project(results)


def _line(method: str, info: dict[str, Any]) -> str:
    return (
        f"  {method:16s} exact {info['exact_recall']:7.2%}  near {info['near_recall']:7.2%}  "
        f"false removals {info['false_removals']:6.3%} ({info['hard_negatives_removed']} hard)  "
        f"{info['docs_per_s']:7,.0f} docs/s "
        f"({info['cpu_docs_per_s']:7,.0f} per CPU s)  peak {info['peak_mb']:6,.0f} MB "
        f"(input loaded {info['rss_before_mb']:,.0f} MB, run +{info['run_added_mb']:,.0f} MB)"
    )


def _project(results: dict[int, dict[str, dict[str, Any]]]) -> None:
    ours = {n: r["synthmill"] for n, r in results.items() if "synthmill" in r}
    if 1_000_000 in ours:
        got = ours[1_000_000]
        print(
            f"\n1M docs measured: {got['peak_mb'] / 1024:.2f} GB peak "
            f"(the run itself +{got['run_added_mb'] / 1024:.2f} GB), {got['seconds']:.0f} s"
        )
        return
    if 10_000 in ours and 100_000 in ours:
        small, big = ours[10_000], ours[100_000]
        per_doc = max(
            (big["peak_mb"] - small["peak_mb"]) / 90_000,
            (big["run_added_mb"] - small["run_added_mb"]) / 90_000,
        )
        peak = big["peak_mb"] + per_doc * 900_000
        print(
            f"\n1M docs projected from 10k->100k: {peak / 1024:.2f} GB peak "
            f"({per_doc * 1024:.1f} KB/doc), ~{big['seconds'] * 10:.0f} s wall "
            f"(~{big['cpu_seconds'] * 10:.0f} CPU s) at the 100k rate; budget 24 GB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--part", choices=("all", "quality", "speed"), default="all")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--quality-methods", default=",".join(QUALITY_METHODS))
    parser.add_argument("--sources", default=",".join(SOURCES), help="quality sources")
    parser.add_argument("--methods", default=",".join(SPEED_METHODS), help="speed methods")
    parser.add_argument("--datasketch-max", type=int, default=100_000, help="skip datasketch above")
    parser.add_argument(
        "--datasketch-char-max", type=int, default=10_000, help="skip datasketch-char4 above"
    )
    parser.add_argument("--sha1-max", type=int, default=100_000, help="skip synthmill-sha1 above")
    parser.add_argument(
        "--repeat", type=int, default=3, help="speed runs per method; the fastest counts"
    )
    parser.add_argument("--worker", choices=SPEED_METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    unknown = set(args.sources.split(",")) - set(SOURCES)
    if unknown:
        parser.error(f"--sources: unknown {sorted(unknown)}; choose from {', '.join(SOURCES)}")
    if args.worker:
        worker(args.worker, args.data, args.repeat)
        return
    if args.part in ("all", "quality"):
        quality(
            [m for m in args.quality_methods.split(",") if m],
            [s for s in args.sources.split(",") if s],
        )
    if args.part in ("all", "speed"):
        sizes = [int(s) for s in args.sizes.split(",")]
        speed(sizes, [m for m in args.methods.split(",") if m], args)


if __name__ == "__main__":
    main()
