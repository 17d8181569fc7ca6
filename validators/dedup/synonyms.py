"""Are two words synonyms? WordNet 3.0's synonym sets, for the word check of short texts.

`data/wordnet_synonyms.txt.gz` (made by `make_synonyms.py`; WordNet 3.0, Princeton University,
see `data/WORDNET_LICENSE`) holds WordNet's synsets of single words with each member's sense
rank, and WordNet's lists of irregular forms. It is read once, on first use.

Two words are synonyms when a lemma of each is in one synset, and that synset is among the
first `MAX_RANK` senses of both (WordNet orders a word's senses by frequency in its tagged
corpus, most frequent first). Lemmas are found as WordNet's own `morphy` finds them: the
irregular forms ("bought" -> "buy", "stopped" -> "stop"), then the regular suffixes of each
part of speech ("-s", "-es", "-ies", "-ed", "-ing", "-er", "-est"), a candidate counting only
when WordNet has it; "-ly" adverbs are WordNet entries of their own ("quickly", "completely").

Why the guards, in general terms:
- Sense rank. WordNet lists every sense a word has ever had, and the rare ones join words that
  no reader would swap: "card" is a "wag" (a witty person: sense 5 of card), "verification" a
  "check", "immediately" is "now". Real synonym swaps mostly share a frequent sense of both
  words ("purchase" / "buy": sense 1 of both; "declined" / "rejected": 2 and 2; "charged" /
  "billed": 3 and 1; "get" / "receive": 4 and 2). `MAX_RANK` = 4, "the first few senses", was
  measured on real banking77 queries (`examples/banking77`): every cut-off from 1 to 4 adds
  only merges of true paraphrases ("find" / "determine", "delete" / "cancel"), while 8 adds
  rare-sense pairs ("verification" / "check") and doubtful ones ("why didn't my payment
  process" / "... work", which banking77 files under two intents).
- Function words. WordNet covers nouns, verbs, adjectives and adverbs only, so what it lists
  for a pronoun, modal, auxiliary or preposition is a homograph: "us" is the United States,
  "can" a tin (and "fire"), "will" a testament, "am" the morning, "in" an inch. Such words, and
  any word under three letters (WordNet's are abbreviations and symbols), have no synonyms here.
- Light verbs. "make", "take", "go", "give", "put", "set", "keep", "come", "let" (and "be",
  "do", "have") have dozens of senses each, mostly parts of idioms, and their first few already
  meet words that are no paraphrase: "set" / "fix", "keep" / "prevent", "take" / "lead", "make"
  / "cause", "have" / "own". They have no synonyms here. "get" (36 senses) is the exception:
  its first four senses meet only "acquire", "become", "receive", "obtain" and "incur" (and
  "go", "let", "have", out anyway), all plain paraphrases, so it keeps its WordNet synonyms.
Broader words (`kind_of`): a noun and the noun one or two links up WordNet's hypernym tree, both
among the first `MAX_RANK` senses of their words ("funds" -> "money"; "payment" -> "commerce" ->
"transaction"; "fee" -> "fixed charge" -> "charge"). Two kinds of one thing are not each other
("deposit" / "withdrawal", "PIN" / "password"), and verbs and adjectives have no such links here.
A broader word loses what the narrower one said, so some pairs merge that a bank keeps apart:
"refund" / "payment", "salary" / "payment", "passport" / "document", "password" /
"information", "interest" / "charge", "son" / "kid".
Antonyms are never in one synset (WordNet links them across synsets), so "charged" /
"refunded", "deposit" / "withdrawal", "send" / "receive", "lost" / "found" stay different.

Known limits: a word's part of speech in the message is not known, so senses are pooled over
all of a word's parts of speech, and a few swaps still pass that a bank would keep apart:
"stop" / "check" a payment (a noun sense of both), "apply" / "use" a card, "fix" / "limit",
"foreign" / "strange". No rank cut-off separates them from true swaps ("fix" / "limit" share
sense 3 of both, as "price" / "cost" do), so a domain's own pairs would need a list of its own.
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

SYNONYMS_FILE = Path(__file__).resolve().parent / "data" / "wordnet_synonyms.txt.gz"
#: A shared synset must be among the first MAX_RANK senses of both words.
MAX_RANK = 4
#: How far up WordNet's noun hypernyms `kind_of` looks.
HYPERNYM_STEPS = 2
#: Function words (WordNet lists only homographs for them), light verbs (too many senses) and
#: units of time ("30 minutes" / "30 seconds" share a sense: a short time; the request differs).
NO_SYNONYMS = frozenset(
    """
    the and but nor for yet not any all both each either every few many much more most less
    least other others such some same own than then too very also just only even still again
    here there where when why how what which who whom whose whether while this that these those
    you your yours our ours they them their theirs his her hers its him she one ones
    can could may might must shall should will would ought
    be am is are was were been being
    do does did done doing have has had having
    make makes made making take takes took taken taking
    go goes went gone going give gives gave given giving put puts putting set sets setting
    let lets letting keep keeps kept keeping come comes came coming
    about above across after against along among around before behind below beneath beside
    between beyond down during from into like near off onto out over past since through
    throughout till toward towards under until upon with within without
    second seconds minute minutes hour hours day days week weeks month months year years
    """.split()
)
#: WordNet's `morphy` suffix rules: (ending, replacement) per part of speech.
SUFFIXES = {
    "n": (
        ("s", ""),
        ("ses", "s"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("men", "man"),
        ("ies", "y"),
    ),
    "v": (
        ("s", ""),
        ("ies", "y"),
        ("es", "e"),
        ("es", ""),
        ("ed", "e"),
        ("ed", ""),
        ("ing", "e"),
        ("ing", ""),
    ),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}


class Lexicon(NamedTuple):
    """The data file, indexed: each (part of speech, lemma)'s synsets by rank, the irregular
    forms of each part of speech, and each noun synset's hypernyms."""

    senses: dict[tuple[str, str], dict[int, int]]  # (pos, lemma) -> {synset number: rank}
    irregular: dict[tuple[str, str], tuple[str, ...]]  # (pos, inflected) -> base forms
    parents: dict[int, tuple[int, ...]]  # noun synset number -> its hypernyms' numbers


@lru_cache(maxsize=4)
def lexicon(path: Path = SYNONYMS_FILE) -> Lexicon:
    """The synonym file, read and indexed once per path (about 0.4 s)."""
    senses: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    irregular: dict[tuple[str, str], tuple[str, ...]] = {}
    parents: dict[int, tuple[int, ...]] = {}
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: the WordNet synonym file is missing (package data of synthmill's "
            "validators.dedup); reinstall synthmill, or regenerate it with make_synonyms.py"
        )
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        synset = 0
        for line in fh:
            kind, pos, *rest = line.split()
            if kind == "s":
                synset += 1
                for member in rest:
                    lemma, rank = member.rsplit(".", 1)
                    senses[(pos, lemma)][synset] = int(rank)
            elif kind == "h":
                child, *above = map(int, rest)
                parents[child] = tuple(above)
            elif kind == "x":
                inflected, base = rest
                irregular[(pos, inflected)] = (*irregular.get((pos, inflected), ()), base)
    if not senses:
        raise ValueError(f"{path}: no synonym sets")
    return Lexicon(dict(senses), irregular, parents)


def lemmas(word: str, lex: Lexicon | None = None) -> frozenset[tuple[str, str]]:
    """(part of speech, lemma) pairs WordNet could read `word` as, among words with synonyms:
    the word itself, its irregular base forms, and its regular suffixes undone (a lemma under
    three letters never counts: "uses" is not "us", the United States)."""
    lex = lex or lexicon()
    found: set[tuple[str, str]] = set()
    for pos, rules in SUFFIXES.items():
        candidates = [word, *lex.irregular.get((pos, word), ())]
        candidates += [
            word[: -len(end)] + new
            for end, new in rules
            if word.endswith(end) and len(word) > len(end)
        ]
        found.update((pos, c) for c in candidates if len(c) >= 3 and (pos, c) in lex.senses)
    return frozenset(found)


@lru_cache(maxsize=1 << 16)
def senses(word: str, max_rank: int = MAX_RANK) -> frozenset[int]:
    """The synsets among the first `max_rank` senses of any lemma of `word` (none for function
    words, light verbs and words under three letters)."""
    if len(word) < 3 or not word.replace("_", "").isalpha() or word in NO_SYNONYMS:
        return frozenset()
    lex = lexicon()
    found = lemmas(word, lex)
    if any(lemma in NO_SYNONYMS for _, lemma in found):
        return frozenset()
    return frozenset(
        synset for key in found for synset, rank in lex.senses[key].items() if rank <= max_rank
    )


# Everyday synonyms whose shared sense WordNet ranks below `MAX_RANK` for one of the words
# ("issue" is "problem" in its 8th sense), checked on lemmas so inflections count.
EVERYDAY = (
    frozenset({"problem", "issue"}),
    frozenset({"refund", "reimbursement"}),
    frozenset({"find", "locate"}),
    frozenset({"verify", "confirm"}),
)


def are_synonyms(a: str, b: str, max_rank: int = MAX_RANK) -> bool:
    """True when lower-case words `a` and `b` share a synset among the first `max_rank` senses of
    both (inflections of one word share them all: "pays" / "paid"), or are `EVERYDAY` synonyms.
    Words of a phrase are joined by underscores, as WordNet writes them ("cash_machine" /
    "atm")."""
    return bool(senses(a, max_rank) & senses(b, max_rank)) or _everyday(a, b)


def _everyday(a: str, b: str) -> bool:
    ga, gb = _everyday_groups(a), _everyday_groups(b)
    return bool(ga and gb) and any(ga[k] and gb[k] and ga[k] != gb[k] for k in range(len(ga)))


@lru_cache(maxsize=1 << 16)
def _everyday_groups(word: str) -> tuple[frozenset[str], ...]:
    """For each `EVERYDAY` group, the word's lemmas in it (empty tuple: in none)."""
    base = {word} | {w for _, w in lemmas(word)}
    found = tuple(frozenset(base & group) for group in EVERYDAY)
    return found if any(found) else ()


@lru_cache(maxsize=1 << 16)
def _broader(word: str, max_rank: int = MAX_RANK, steps: int = HYPERNYM_STEPS) -> frozenset[int]:
    """The noun synsets at most `steps` hypernym links above the frequent senses of `word`."""
    parents = lexicon().parents
    found: set[int] = set()
    frontier = senses(word, max_rank)
    for _ in range(steps):
        frontier = frozenset(up for synset in frontier for up in parents.get(synset, ()))
        found |= frontier
    return frozenset(found)


def kind_of(a: str, b: str, max_rank: int = MAX_RANK) -> bool:
    """True when a frequent noun sense of one word is a kind of a frequent noun sense of the
    other, at most `HYPERNYM_STEPS` links up WordNet's hypernym tree ("funds" is a kind of
    "money"; "payment" of "commerce", a kind of "transaction"; "fee" of "fixed charge", a kind
    of "charge")."""
    return bool(
        _broader(a, max_rank) & senses(b, max_rank) or _broader(b, max_rank) & senses(a, max_rank)
    )
