"""Generate `data/wordnet_synonyms.txt.gz`, the synonym sets the word check reads.

Source: WordNet 3.0 (Princeton University; WordNet 3.0 licence, a permissive BSD-like licence
whose text is in `data/WORDNET_LICENSE`), as Debian's `wordnet-base` package ships it:

    apt-get download wordnet-base && dpkg-deb -x wordnet-base_*.deb x
    python validators/dedup/make_synonyms.py x/usr/share/wordnet

Only what `validators.dedup.synonyms` needs is kept, all lower-case:

* `s POS word.rank word.rank ...`: one line per synset (noun n, verb v, adjective a, adverb r)
  with at least two lemmas, and every noun synset (hypernyms are often a single word: "money").
  Noun lines come first. Lemmas are letters only; a lemma of two or three words keeps WordNet's
  underscores ("cash_machine"), for the word check's pieces of two or three words. `rank` is the
  synset's place among the word's senses of that part of speech (1 = most frequent), from the
  order of synset offsets in `index.POS`. Synsets are numbered by their place among the `s`
  lines, from 1 (a noun synset whose lemmas are not letters only is kept without members, so
  that hypernym paths through it hold).
* `h n child parent ...`: a noun synset's hypernyms (WordNet's `@` and `@i` pointers), by number.
* `x POS inflected base`: WordNet's exception lists (`POS.exc`: irregular forms such as
  "bought" -> "buy", "stopped" -> "stop"), where the base form has a synonym above.

Verbs, adjectives and adverbs in no synonym set are left out: a word without synonyms needs no
lemma. The output is written with a fixed gzip timestamp, so the same WordNet gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import re
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "wordnet_synonyms.txt.gz"
POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
_WORD = re.compile(r"^[a-z]+$")
_LEMMA = re.compile(r"^[a-z]+(?:_[a-z]+){0,2}$")  # one to three words
_ADJ_MARKER = re.compile(r"\((?:a|p|ip)\)$")  # "galore(ip)": where an adjective may stand
HEADER = """\
# Synonym sets and exception lists from WordNet 3.0, trimmed for synthmill's word check.
# WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.
# Used under the WordNet 3.0 licence: see WORDNET_LICENSE next to this file.
# Made by validators/dedup/make_synonyms.py. Lines: "s POS word.rank ..." (a synset; rank =
# the synset's place among the word's senses, 1 = most frequent; synsets numbered by line from 1),
# "h n child parent ..." (noun hypernyms, by synset number) and "x POS inflected base".
"""


def sense_ranks(index_file: Path) -> dict[tuple[str, str], int]:
    """(lemma, synset offset) -> the sense's rank for that lemma, from an `index.POS` file."""
    ranks: dict[tuple[str, str], int] = {}
    for line in index_file.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(" "):  # the licence header is indented
            continue
        fields = line.split()
        count = int(fields[2])
        for rank, offset in enumerate(fields[len(fields) - count :], start=1):
            ranks[(fields[0], offset)] = rank
    return ranks


def synsets(data_file: Path) -> list[tuple[str, list[str], list[str]]]:
    """(offset, lemmas in lower case in WordNet's order, hypernym offsets) of a `data.POS`
    file; lemmas of letters only, one to three words joined by underscores."""
    out: list[tuple[str, list[str], list[str]]] = []
    for line in data_file.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(" "):
            continue
        fields = line.split()
        count = int(fields[3], 16)
        lemmas: list[str] = []
        for k in range(count):
            lemma = _ADJ_MARKER.sub("", fields[4 + 2 * k]).lower()
            if _LEMMA.match(lemma) and lemma not in lemmas:
                lemmas.append(lemma)
        at = 4 + 2 * count
        pointers = int(fields[at])
        parents = [
            fields[at + 2 + 4 * k]
            for k in range(pointers)
            if fields[at + 1 + 4 * k] in ("@", "@i") and fields[at + 3 + 4 * k] == "n"
        ]
        out.append((fields[0], lemmas, parents))
    return out


def exceptions(exc_file: Path) -> list[tuple[str, str]]:
    """(inflected, base) pairs of a `POS.exc` file, single words of letters only."""
    pairs: list[tuple[str, str]] = []
    for line in exc_file.read_text(encoding="utf-8").splitlines():
        inflected, *bases = line.split()
        pairs.extend(
            (inflected, base) for base in bases if _WORD.match(inflected) and _WORD.match(base)
        )
    return pairs


def build(wordnet: Path) -> list[str]:
    """The output's lines, header first."""
    lines = HEADER.splitlines()
    vocabulary: dict[str, set[str]] = defaultdict(set)
    numbers: dict[str, int] = {}  # noun synset offset -> its place among the "s" lines
    hypernyms: list[tuple[str, list[str]]] = []
    assert next(iter(POS.values())) == "n", "nouns first: a noun's number is its line's place"
    for name, pos in POS.items():
        ranks = sense_ranks(wordnet / f"index.{name}")
        for offset, lemmas, parents in synsets(wordnet / f"data.{name}"):
            if pos != "n" and len(lemmas) < 2:
                continue  # every noun synset is kept, even without a lemma: it links a path
            members = [f"{w}.{ranks[(w, offset)]}" for w in lemmas]
            lines.append(f"s {pos} {' '.join(members)}")
            vocabulary[pos].update(lemmas)
            if pos == "n":
                numbers[offset] = len(numbers) + 1
                hypernyms.append((offset, parents))
    for offset, parents in hypernyms:
        known = [str(numbers[p]) for p in parents if p in numbers]
        if known:
            lines.append(f"h n {numbers[offset]} {' '.join(known)}")
    for name, pos in POS.items():
        for inflected, base in exceptions(wordnet / f"{name}.exc"):
            if base in vocabulary[pos] and inflected != base and _WORD.match(base):
                lines.append(f"x {pos} {inflected} {base}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wordnet", type=Path, help="WordNet 3.0 dict folder (index.*, data.*)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    missing = [f for f in ("index.noun", "data.noun") if not (args.wordnet / f).is_file()]
    if missing:
        parser.exit(2, f"{args.wordnet}: no {missing[0]}; pass WordNet 3.0's dict folder\n")
    text = "\n".join(build(args.wordnet)) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with (
        args.out.open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as fh,
    ):
        fh.write(text.encode("utf-8"))
    print(f"{args.out}: {len(text):,} characters, {args.out.stat().st_size:,} bytes gzipped")


if __name__ == "__main__":
    main()
