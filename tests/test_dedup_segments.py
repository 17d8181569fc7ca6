"""Short near copies that no list of phrases holds: a request with sentences of its own around
it (`validators.dedup.segments`), words left out in a hurry and letters left out in chat
spelling (`validators.dedup.words`).

The messages are real banking77 queries (PolyAI, CC BY 4.0; examples/banking77/ATTRIBUTION.md).
Each wrapper below is used once, so no frame can be learned from it
(`DedupConfig.frame_min_texts`): what finds these copies is the rule, not the data.
"""

from __future__ import annotations

import polars as pl
import pytest
from helpers import distinct_messages

from validators.dedup.config import DedupConfig
from validators.dedup.confirm import same_message
from validators.dedup.frame import dedup_frame
from validators.dedup.segments import segments
from validators.dedup.words import same_request, same_words, words

WRAPPERS = (
    "The chat timed out, so here it is once more! {m}",
    "sorry my phone died: {m}",
    "{m} This is getting ridiculous.",
    "Howdy. Your colleague asked me to write in here - {m}",
    "{m}\n\nI spoke to someone earlier and got cut off.",
    "My laptop crashed halfway through typing. {m}",
    "{m} Been on hold for ages.",
    "Trying the web form instead. {m}",
    "{m} Your bot kept looping me around.",
    "Forgive the bluntness, I'm at my wits' end.\n{m}",
    "{m} Writing from my partner's laptop.",
    "Okay, let me try this differently. {m}",
)


def _same(a: str, b: str) -> bool:
    """The word check of a pair as `dedup_frame` runs it, no frames learned."""
    return same_message(words(a), words(b), None, None, 1, 2, segments(a), segments(b))


@pytest.mark.parametrize("wrapper", WRAPPERS)
def test_a_request_wrapped_in_sentences_of_its_own_is_a_near_copy(wrapper: str) -> None:
    message = "Why was my card declined at the supermarket?"
    wrapped = wrapper.format(m=message)
    assert not same_words(words(message), words(wrapped))  # the words alone say no
    assert _same(message, wrapped) and _same(wrapped, message)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # the sentence that comes off asks something, holds a number or a negation, or says
        # the opposite of the request: it is part of the request
        ("I want to change my PIN.", "I want to change my PIN - do I need to be in a branch?"),
        ("My card is about to expire.", "My card is about to expire. How do I get a replacement"),
        (
            "I lost my card on the bus.",
            "I lost my card on the bus. Can you also freeze my account.",
        ),
        ("Why was my transfer declined?", "Why was my transfer declined? My card is stuck too."),
        (
            "Why was my transfer declined?",
            "Why was my transfer declined? By the way, my card got stuck.",
        ),
        (
            "Thank you so much for the quick help.",
            "Thank you so much for the quick help. I want to close my account.",
        ),
        # what is left is the wrapper, not a request
        ("Hi, I hope you are well.", "Hi, I hope you are well. My card was stolen yesterday."),
        (
            "How long does a transfer take?",
            "How long does a transfer take? Also my card got stuck.",
        ),
        ("How do I close my account?", "How do I close my account?\nAnd I lost my phone."),
        ("My transfer has not arrived.", "My transfer has not arrived. It was 50 euros."),
        ("I reset my password.", "I reset my password. I did not get the email."),
        ("I paid my rent on Monday.", "I paid my rent on Monday. It went through twice."),
        (
            "My PIN was entered wrong and now I am blocked. Please unblock.",
            "My PIN was entered wrong and now I am blocked. Please block.",
        ),
        # what remains is too short to stand for a request
        ("Card lost.", "Card lost. The chat timed out so here it is once more."),
        # a word added to what remains: both ends differ
        ("My card was declined - Visa", "My card was declined - Mastercard"),
        (
            "What is the fee for sending money abroad - UK",
            "What is the fee for sending money abroad - US",
        ),
        # a changed word inside the request, whatever wraps it
        ("sorry my phone died: I lost my card.", "I found my card."),
    ],
)
def test_a_sentence_that_is_part_of_the_request_stays(a: str, b: str) -> None:
    assert not _same(a, b) and not _same(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # words left out in a hurry: articles, pronouns, auxiliaries, light prepositions
        ("Would reinstalling the app solve the problem?", "would reinstalling app solve problem?"),
        ("I could not get the ATM to work", "could not get atm to work"),
        (
            "Why did I only receive a partial amount of what I tried to withdraw?",
            "Why did only receive partial amount of what tried to withdraw?",
        ),
        ("When will the transaction be done?", "When transaction be done?"),
        ("Why isn't my topup working?", "Why isn't top-up working?"),  # with a respelling
        # letters left out in chat spelling
        (
            "I have a payment which has not been approved.",
            "i hv a payment which has not been approved.",
        ),
        ("Where is my payment from Tuesday", "Where is my pmt from Tuesday"),
        (
            "I need the money transferred, how long does the process take?",
            "I need da money transferred, how long does the process take?",
        ),
    ],
)
def test_words_and_letters_left_out_in_a_hurry(a: str, b: str) -> None:
    assert same_request(a, b) and same_request(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # the words left out come with a word put in: a rewording
        ("My top up is still pending", "Should my top up still be pending?"),
        # more than a third of the words: it says more
        ("A transfer is pending.", "I have a transfer that is pending."),
        # one function word written for another still changes the request
        ("Can you send money to my account?", "Can you send money from my account?"),
        ("Can I cancel my card?", "Can I cancel your card?"),
        # a preposition is no function word to leave out: paying with a card, or paying it off
        ("Can I pay with my card in the shop", "Can I pay my card in shop"),
        # a short form with a vowel, or a word of its own, is another word
        ("I want to cancel my contract", "I want to cancel my cat"),
        ("Can you send me money", "Can you send more money"),
        ("Is my account open?", "Is my account on?"),
        ("Which states can I use the card in?", "Which statements can I use the card in?"),
    ],
)
def test_what_a_hurried_retype_does_not_do(a: str, b: str) -> None:
    assert not same_request(a, b) and not same_request(b, a)


def _messages(n: int) -> list[str]:
    """n real banking77 queries of 5-20 words, one sentence each, none a near copy of another."""
    return distinct_messages(n, 5, 3, lambda t: not segments(t))


def test_wrapped_copies_of_real_messages_are_found_and_the_originals_kept() -> None:
    originals = _messages(40)
    wrapped = [w.format(m=m) for w, m in zip(WRAPPERS, originals, strict=False)]
    ids = [f"o{i}" for i in range(40)] + [f"w{i}" for i in range(len(wrapped))]
    frame = pl.DataFrame({"id": ids, "text": originals + wrapped})
    result = dedup_frame(frame, DedupConfig())
    rejected = {r.record_id: r.duplicate_of for r in result.rejections}
    assert not any(k.startswith("o") for k in rejected), rejected
    found = sum(rejected.get(f"w{i}") == f"o{i}" for i in range(len(wrapped)))
    assert found >= len(wrapped) - 2, rejected
    assert result.report["lsh"]["word_check"]["frames_learned"] == 0


def test_a_trusted_row_wrapped_in_a_sentence_of_its_own_is_a_leak() -> None:
    trusted = _messages(3)
    reference = pl.DataFrame({"id": ["r0", "r1", "r2"], "text": trusted})
    frame = pl.DataFrame(
        {
            "id": ["g0", "g1"],
            "text": [WRAPPERS[1].format(m=trusted[0]), WRAPPERS[2].format(m=trusted[2])],
        }
    )
    result = dedup_frame(frame, DedupConfig(), reference=reference)
    assert sorted((r.record_id, r.duplicate_of) for r in result.rejections) == [
        ("g0", "r0"),
        ("g1", "r2"),
    ]
