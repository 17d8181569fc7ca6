"""WordNet synonyms in the word check of short texts (`validators.dedup.synonyms`).

A word swapped for a WordNet synonym (within the first few senses of both) leaves the same
request; a word swapped for its opposite or for a related but different word does not, and
negations and numbers still decide as before. The examples are our own, not the benchmark's.
"""

from __future__ import annotations

import gzip

import polars as pl
import pytest

from validators.dedup import dedup_frame
from validators.dedup.config import DedupConfig
from validators.dedup.synonyms import (
    MAX_RANK,
    NO_SYNONYMS,
    SYNONYMS_FILE,
    are_synonyms,
    lemmas,
    lexicon,
)
from validators.dedup.words import NEGATIONS, same_request, words


def test_data_file_loads_is_small_and_credits_wordnet() -> None:
    assert SYNONYMS_FILE.stat().st_size < 1_500_000
    lex = lexicon()
    assert len(lex.senses) > 30_000  # (part of speech, lemma) pairs with a synonym
    assert lex.irregular[("v", "bought")] == ("buy",)
    with gzip.open(SYNONYMS_FILE, "rt", encoding="utf-8") as fh:
        header = fh.readline() + fh.readline()
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in header
    licence = (SYNONYMS_FILE.parent / "WORDNET_LICENSE").read_text(encoding="utf-8")
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in licence
    assert 'PROVIDED "AS IS"' in licence


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("cards", ("n", "card")),  # -s
        ("boxes", ("n", "box")),  # -xes
        ("charged", ("v", "charge")),  # -ed -> -e
        ("lying", ("v", "lie")),  # irregular (verb.exc)
        ("bought", ("v", "buy")),  # irregular (verb.exc)
        ("thought", ("v", "think")),  # irregular, and a noun of its own
        ("children", ("n", "child")),  # irregular (noun.exc)
        ("geese", ("n", "goose")),
        ("worse", ("a", "bad")),  # irregular (adj.exc)
    ],
)
def test_lemmas(word: str, lemma: tuple[str, str]) -> None:
    assert lemma in lemmas(word)


def test_lemmas_only_counts_words_wordnet_has() -> None:
    assert ("n", "boxe") not in lemmas("boxes")  # "-es" -> "" is tried, but there is no "boxe"
    assert lemmas("qwertyings") == frozenset()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("think", "believe"),
        ("price", "cost"),
        ("alter", "change"),
        ("recall", "remember"),
        ("mistakes", "errors"),
        ("begin", "start"),
        ("big", "large"),
        ("fix", "repair"),
        ("terminate", "end"),
        ("thought", "believed"),  # irregular past / regular past
        ("lost", "misplaced"),
        ("cancel", "delete"),
    ],
)
def test_synonyms(a: str, b: str) -> None:
    assert are_synonyms(a, b) and are_synonyms(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("charged", "refunded"),
        ("deposit", "withdrawal"),
        ("send", "receive"),
        ("lost", "found"),
        ("debit", "credit"),
        ("increase", "decrease"),
        ("physical", "virtual"),
        ("card", "account"),
        ("transfer", "payment"),
    ],
)
def test_not_synonyms(a: str, b: str) -> None:
    assert not are_synonyms(a, b) and not are_synonyms(b, a)


def test_rare_senses_do_not_count() -> None:
    """A card is a wag (a witty person) only in a rare sense: the rank cut-off is what says no."""
    assert are_synonyms("card", "wag", max_rank=99)
    assert not are_synonyms("card", "wag", max_rank=MAX_RANK)


@pytest.mark.parametrize(
    ("pos", "a", "b"),
    [
        ("n", "us", "america"),  # the United States
        ("v", "can", "fire"),  # can: dismiss
        ("n", "will", "testament"),
        ("v", "set", "fix"),  # a light verb
        ("v", "keep", "prevent"),
    ],
)
def test_function_words_and_light_verbs_have_no_synonyms(pos: str, a: str, b: str) -> None:
    """WordNet does put these in one synset (a homograph or a light verb's idiom), yet they are
    no synonyms: the stop list and the three-letter floor decide, not WordNet."""
    senses = lexicon().senses
    assert set(senses[(pos, a)]) & set(senses[(pos, b)])
    assert not are_synonyms(a, b)
    assert a in NO_SYNONYMS or len(a) < 3


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("I think my card has been stolen", "I believe my card has been stolen"),
        ("What is the price of a replacement card?", "What is the cost of a replacement card?"),
        ("I would like to alter my address", "I would like to change my address"),
        ("I can't recall my passcode.", "I cannot remember my passcode"),
        ("I made mistakes in the transfer details", "I made errors in the transfer details"),
        ("I thought my card was lost", "I believed my card was lost"),
        ("How do I terminate my account?", "How do I end my account?"),
        ("Hi, I think my top-up has failed, thanks", "I believe my top up has faild"),
        ("Can I fix my broken card?", "can i repair my broken card"),
    ],
)
def test_synonym_swap_is_the_same_request(a: str, b: str) -> None:
    assert same_request(a, b) and same_request(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("I was charged for this payment", "I was refunded for this payment"),
        ("How long does a deposit take?", "How long does a withdrawal take?"),
        ("Can I send money with the app?", "Can I receive money with the app?"),
        ("I lost my card yesterday", "I found my card yesterday"),
        ("Is this a debit card?", "Is this a credit card?"),
        ("I think my card was stolen", "I don't believe my card was stolen"),  # negation
        ("The price of a card is $20", "The cost of a card is $25"),  # a number
        ("I made a mistake in my transfer", "I made no error in my transfer"),
    ],
)
def test_different_request_stays_different(a: str, b: str) -> None:
    assert not same_request(a, b) and not same_request(b, a)


def test_units_of_time_and_short_lemmas_are_no_synonyms() -> None:
    """ "minutes" / "seconds" share a WordNet sense (a short time) and "uses" could be read as
    "us" (the United States, as is "usa"): the stop list and the lemma floor say no."""
    assert not are_synonyms("minutes", "seconds") and not are_synonyms("days", "years")
    assert not same_request(
        "My top-up is pending for 30 minutes", "My top-up is pending for 30 seconds"
    )
    assert ("n", "us") not in lemmas("uses")
    assert not are_synonyms("uses", "usa")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("the fee was nothing", "the fee was zero"),  # a negation word is never a synonym
        ("the thread will ravel", "the thread will unravel"),  # nor an opposite-prefix pair
    ],
)
def test_negations_and_opposite_prefixes_overrule_wordnet(a: str, b: str) -> None:
    wa, wb = (set(words(x)) for x in (a, b))
    (p,), (q,) = wa - wb, wb - wa
    assert NEGATIONS & {p, q} or p in q or q in p
    assert are_synonyms(p, q)  # WordNet has them in one synset: the guard is what says no
    assert not same_request(a, b)


def test_dedup_drops_synonym_copies_and_keeps_opposites() -> None:
    originals = [
        "I think somebody has stolen my card and used it in a shop",
        "What is the price of sending money to a bank abroad?",
        "I would like to alter the address on my account",
        "I was charged twice for the same purchase in a shop",
    ]
    copies = [
        "I believe somebody has stolen my card and used it in a shop",
        "What is the cost of sending money to a bank abroad?",
        "I would like to change the address on my account",
    ]
    opposites = [
        "I think nobody has stolen my card and used it in a shop",
        "What is the price of receiving money from a bank abroad?",
        "I was refunded twice for the same purchase in a shop",
    ]
    texts = originals + copies + opposites
    ids = [f"o{i}" for i in range(4)] + [f"c{i}" for i in range(3)] + [f"x{i}" for i in range(3)]
    result = dedup_frame(pl.DataFrame({"id": ids, "text": texts}), DedupConfig())
    rejected = {r.record_id: r.duplicate_of for r in result.rejections}
    assert rejected == {"c0": "o0", "c1": "o1", "c2": "o2"}
