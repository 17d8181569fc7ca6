"""Dedup benchmark: synthmill's vectorised MinHash dedup next to datasketch's own fast path.

Documents of ~110 words are built from banking77 sentences, with planted exact copies (verbatim,
or with case and spacing noise), near copies (one word changed, plus case and spacing noise)
and hard negatives (half the sentences of an earlier document, half new). Every copy comes
after its source. Printed per size and method: recall on exact and near copies, false removals
(originals and hard negatives dropped), docs/s end to end (normalise, exact hash, signatures,
LSH, confirmation, keep-first decisions) and peak RSS. Each method runs in its own subprocess
so peak memory (getrusage maxrss) is its own. Finally a 1M-doc projection from the 10k -> 100k
slope (or the measured 1M figure when 1000000 is among --sizes).

    .venv/bin/python bench/dedup_bench.py                      # 10k and 100k, ~2-3 minutes
    .venv/bin/python bench/dedup_bench.py --sizes 10000,100000,1000000 --datasketch-max 100000

The datasketch path: `generators.runner.normalise_text`, exact dict, word 5-gram shingles,
`MinHash.bulk(num_perm=128, seed=1)`, `MinHashLSH` with the same threshold and (bands, rows),
query then insert each kept document, candidates confirmed with `MinHash.jaccard`; the garbage
collector is off during the build, as it is for synthmill.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SOURCE = ROOT / "examples" / "banking77" / "banking77_train_full.csv"
SHARES = {"exact": 0.05, "near": 0.10, "hard": 0.05}
METHODS = ("synthmill", "synthmill-sha1", "datasketch")


def build_docs(n: int, seed: int = 7) -> dict[str, list[Any]]:
    """n documents in order: ids, texts, kinds (base/exact/near/hard) and each copy's source."""
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


def run_synthmill(
    texts_frame: Any, hash_kind: str, threshold: float
) -> tuple[dict[str, str], dict]:
    from validators.dedup import dedup_frame
    from validators.dedup_config import DedupConfig

    config = DedupConfig(threshold=threshold, hash=hash_kind)
    config.lsh_params()  # datasketch's optimiser (scipy) is a one-off cost outside the clock
    started, cpu = time.perf_counter(), time.process_time()
    result = dedup_frame(texts_frame.select("id", "text"), config)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    removed = dict(
        zip(result.rejects["id"].to_list(), result.rejects["duplicate_of"].to_list(), strict=True)
    )
    return removed, {"seconds": seconds, "cpu_seconds": cpu, "lsh": result.report["lsh"]}


def run_datasketch(texts_frame: Any, threshold: float) -> tuple[dict[str, str], dict]:
    import gc

    from datasketch import MinHash, MinHashLSH

    from generators.runner import normalise_text
    from validators.dedup_config import DedupConfig

    bands, rows = DedupConfig(threshold=threshold).lsh_params()
    ids = texts_frame["id"].to_list()
    texts = texts_frame["text"].to_list()
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
        words = norm.split(" ")
        grams = [" ".join(words[k : k + 5]) for k in range(len(words) - 4)] or [norm]
        unique.append(i)
        shingles.append([g.encode("utf-8") for g in grams])
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


def worker(method: str, data: Path, threshold: float) -> None:
    """One method on one data file; prints JSON with its decisions, time and peak memory."""
    import datasketch  # noqa: F401  (imports and the LSH optimiser stay outside the measurement)
    import polars as pl

    from validators.dedup import dedup_frame  # noqa: F401
    from validators.dedup_config import DedupConfig

    DedupConfig(threshold=threshold).lsh_params()
    frame = pl.read_ipc(data, columns=["id", "text"])
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sampler = _RssSampler()
    with sampler:
        if method == "datasketch":
            removed, info = run_datasketch(frame, threshold)
        else:
            removed, info = run_synthmill(
                frame, "sha1" if method.endswith("sha1") else "fast", threshold
            )
    info["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    info["rss_before_mb"] = rss_before
    info["run_added_mb"] = sampler.added_mb
    info["removed"] = removed
    print(json.dumps(info))


def score(frame: Any, removed: dict[str, str]) -> dict[str, float]:
    kinds = frame["kind"].to_list()
    ids = frame["id"].to_list()
    total = {k: kinds.count(k) for k in ("base", "exact", "near", "hard")}
    hit = {k: 0 for k in total}
    for i, kind in zip(ids, kinds, strict=True):
        if i in removed:
            hit[kind] += 1
    return {
        "exact_recall": hit["exact"] / max(total["exact"], 1),
        "near_recall": hit["near"] / max(total["near"], 1),
        "false_removals": (hit["base"] + hit["hard"]) / max(total["base"] + total["hard"], 1),
        "hard_negatives_removed": hit["hard"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--datasketch-max", type=int, default=100_000, help="skip datasketch above")
    parser.add_argument("--sha1-max", type=int, default=100_000, help="skip synthmill-sha1 above")
    parser.add_argument("--worker", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.data, args.threshold)
        return

    import polars as pl

    sizes = [int(s) for s in args.sizes.split(",")]
    methods = [m for m in args.methods.split(",") if m]
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
                if (method == "datasketch" and n > args.datasketch_max) or (
                    method == "synthmill-sha1" and n > args.sha1_max
                ):
                    continue
                cmd = [
                    sys.executable,
                    __file__,
                    "--worker",
                    method,
                    "--data",
                    str(path),
                    "--threshold",
                    str(args.threshold),
                ]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
                info = json.loads(out.stdout.strip().splitlines()[-1])
                info.update(score(frame, info.pop("removed")))
                info["docs_per_s"] = n / info["seconds"]
                info["cpu_docs_per_s"] = n / info["cpu_seconds"]
                results[n][method] = info
                print(_line(method, info))
            if "synthmill" in results[n] and "datasketch" in results[n]:
                ours, theirs = results[n]["synthmill"], results[n]["datasketch"]
                print(
                    f"  synthmill / datasketch: {ours['docs_per_s'] / theirs['docs_per_s']:.1f}x "
                    f"docs/s wall, {ours['cpu_docs_per_s'] / theirs['cpu_docs_per_s']:.1f}x per "
                    f"CPU second; peak memory {ours['peak_mb'] / theirs['peak_mb']:.2f}x"
                )
    _project(results)


def _line(method: str, info: dict[str, Any]) -> str:
    return (
        f"  {method:14s} exact {info['exact_recall']:7.2%}  near {info['near_recall']:7.2%}  "
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


if __name__ == "__main__":
    main()
