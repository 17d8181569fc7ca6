"""Re-send frames learned from the data (`validators.dedup.frames`) and the canonical signatures
that let LSH propose framed copies (`validators.dedup.variants`).

The frames used here ("Circling back on my chat:", "sent via my tablet") are in no list of the
code: the point is that the data teaches them. The messages are real banking77 queries (PolyAI,
CC BY 4.0; examples/banking77/ATTRIBUTION.md).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from helpers import distinct_messages

from validators.dedup.config import DedupConfig
from validators.dedup.frame import dedup_frame
from validators.dedup.frames import Frames, Stripped, compatible, edges
from validators.dedup.lsh_bands import similarity
from validators.dedup.minhash import Signer
from validators.dedup.normalise import normalise_many
from validators.dedup.variants import canonical_text, sign_variants
from validators.dedup.words import words

OPENER = "Circling back on my chat:"
CLOSER = "Sent via my tablet"
# a frame that asks something: a sentence around a request may not (`segments`), so only the
# learned frame takes it off
ASKING = "Seen my chat?"


def _messages(n: int, skip: int = 0) -> list[str]:
    """n real banking77 queries of 4-20 words ending a sentence, none a near copy of another."""
    return distinct_messages(n, 4, 2, lambda t: t.rstrip()[-1:] in "?.!", skip)


def test_a_frame_is_an_edge_segment_of_enough_different_messages() -> None:
    texts = [f"{OPENER} {m}" for m in _messages(3)] + [f"{m} {CLOSER}" for m in _messages(2)]
    learned = Frames.learn(texts, 3).frames
    assert words(OPENER) in learned
    assert words(CLOSER) not in learned  # 2 messages: not enough
    assert words(CLOSER) in Frames.learn(texts, 2).frames
    assert not Frames.learn(texts, 0)  # off


def test_what_is_never_a_frame() -> None:
    # a number (an amount or a date says what is asked), more than six words, and a first
    # sentence of more than three words (it usually says what the message is about)
    assert edges("Sent 20 pounds: why is it not here?") == {("why", "is", "it", "not", "here")}
    assert edges("Why is it not here? I have waited for a very long time now") == set()
    assert edges("My card is about to expire. How do I get a new one?") == set()
    assert edges("My card is about to expire. Help me.") == {("help", "me")}
    expire = ("my", "card", "is", "about", "to", "expire")
    assert edges("My card is about to expire: what now?") == {expire, ("what", "now")}
    assert edges("One sentence only.") == set()
    # one word is a frame only where a colon, dash or bracket sets it apart
    assert edges("Was I charged twice? Why?") == set()
    assert edges("Re: was I charged twice? (resent)") == {("re",), ("resent",)}


def test_strip_peels_both_edges_and_keeps_the_request() -> None:
    thanks = ("thanks", "a", "lot")
    frames = Frames([words(OPENER), words(CLOSER), thanks])
    s = frames.peel(f"{OPENER} Why was my card declined? Thanks a lot. {CLOSER}")
    # "Thanks a lot." is small talk: it comes off too, without counting as a frame
    assert s == Stripped(
        ("why", "was", "my", "card", "declined"), (words(OPENER),), (words(CLOSER),)
    )
    assert frames.peel("Why was my card declined?") is None
    # a message that is only frames keeps them: nothing would be left to compare
    assert frames.peel(f"{OPENER} Thanks a lot.") is None


def test_two_different_frames_at_one_edge_are_two_requests() -> None:
    a = Stripped(("x",), (), (("is", "there", "a", "fee"),))
    b = Stripped(("x",), (), (("how", "long", "does", "it", "take"),))
    assert not compatible(a, b)
    assert compatible(a, Stripped(("x",), (("re",),), ()))
    assert compatible(a, None)


def test_framed_copies_of_real_messages_are_found_and_the_originals_kept() -> None:
    originals = _messages(60)
    framed = [f"{OPENER} {m}" for m in originals[:20]] + [f"{m} {CLOSER}" for m in originals[20:40]]
    both = [f"{OPENER} {m} {CLOSER}" for m in originals[40:50]]
    ids = [f"o{i}" for i in range(60)] + [f"f{i}" for i in range(40)] + [f"b{i}" for i in range(10)]
    frame = pl.DataFrame({"id": ids, "text": originals + framed + both})
    result = dedup_frame(frame, DedupConfig())
    rejected = {r.record_id: r.duplicate_of for r in result.rejections}
    assert not any(k.startswith("o") for k in rejected), rejected
    assert sum(rejected.get(f"f{i}") == f"o{i}" for i in range(40)) >= 39
    assert sum(rejected.get(f"b{i}") == f"o{40 + i}" for i in range(10)) >= 10
    assert result.report["lsh"]["word_check"]["frames_learned"] >= 2
    # without learned frames they are found as a request with sentences of its own around it
    # (`validators.dedup.segments`: the frames here ask nothing and hold no number) ...
    off = dedup_frame(frame, DedupConfig(frame_min_texts=0)).rejections
    assert sum(r.record_id.startswith(("f", "b")) for r in off) >= 45
    # ... but not where the frame asks something, which a sentence around a request may not:
    # there only the learned frame finds them
    asked = [f"{ASKING} {m}" for m in originals[:20]]
    frame = pl.DataFrame({"id": ids[:80], "text": originals + asked})
    found = {r.record_id for r in dedup_frame(frame, DedupConfig()).rejections}
    assert sum(f"f{i}" in found for i in range(20)) >= 19
    off = dedup_frame(frame, DedupConfig(frame_min_texts=0)).rejections
    assert sum(r.record_id.startswith("f") for r in off) <= 10


@pytest.mark.parametrize("added_words", [1, 3])
def test_messages_that_end_differently_stay_apart(added_words: int) -> None:
    """Each closer is at the end of enough messages to be learned, but two messages that end
    with different ones ask different things, even where `added_words` would let one closer be
    dropped."""
    bases = _messages(8, skip=500)
    texts = [f"{m} Is it free?" for m in bases[:4]] + [f"{m} Is it safe?" for m in bases[:4]]
    frame = pl.DataFrame({"id": [f"t{i}" for i in range(8)], "text": texts})
    result = dedup_frame(frame, DedupConfig(added_words=added_words))
    assert result.report["lsh"]["word_check"]["frames_learned"] >= 2
    assert result.rejections == []


def test_canonical_signatures_bring_framed_short_copies_together() -> None:
    """A short message wrapped in a frame shares too few character 4-grams to be proposed;
    its canonical form is the message itself."""
    config = DedupConfig()
    signer = Signer(config)
    frames = Frames([words(OPENER), words(CLOSER)])
    a, b = "Is my card lost?", f"{OPENER} is my card lost? {CLOSER}"
    assert canonical_text(b, frames) == "is my card lost"
    assert canonical_text(a, frames) is None  # no frame: its own signature serves
    raw, _ = signer.sign(normalise_many([a, b], config.normalise))
    one = np.array([0])
    assert similarity(raw, one, raw, one + 1)[0] < config.short_min_jaccard
    v = sign_variants(pl.Series([a, b]), np.arange(2), np.ones(2, dtype=bool), frames, signer, raw)
    assert (v.signatures[0] == raw[0]).all()
    assert similarity(v.signatures, one, v.signatures, one + 1)[0] == 1.0
    frame = pl.DataFrame(
        {
            "id": ["a", "b"] + [f"x{i}" for i in range(3)],
            "text": [a, b] + [f"{OPENER} {m} {CLOSER}" for m in _messages(3, skip=900)],
        }
    )
    found = dedup_frame(frame, config)
    assert [r.record_id for r in found.rejections] == ["b"]
    # the reported similarity is the texts' own, not their canonical forms'
    assert found.rejects["similarity"][0] < config.short_min_jaccard


def test_a_framed_copy_of_a_trusted_row_is_a_leak() -> None:
    """The frames of the reference count too: a trusted row re-sent in a frame is a leak."""
    trusted = _messages(4, skip=1200)
    reference = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(4)],
            "text": [f"{ASKING} {m}" for m in trusted[1:]] + [trusted[0]],
        }
    )
    frame = pl.DataFrame({"id": ["g"], "text": [f"{ASKING} {trusted[0]}"]})
    result = dedup_frame(frame, DedupConfig(), reference=reference)
    assert [(r.record_id, r.duplicate_of) for r in result.rejections] == [("g", "r3")]
    assert dedup_frame(frame, DedupConfig(frame_min_texts=0), reference=reference).rejections == []


def test_letter_lines_come_off_without_being_learned() -> None:
    from validators.dedup.letters import letter_body

    msg = "Why was my card declined?"
    assert letter_body(f"{msg}\n\nSent from Yahoo Mail on Android") == msg
    assert letter_body(f"Dear team,\n{msg}\n\nBest,\nMaria") == msg
    assert letter_body(f"Hiya,\n{msg}\nRgds, Beth") == msg
    # a question, a number or a long line is part of the message
    for kept in (
        f"{msg}\n\nIs there a fee?",
        f"{msg}\n\nCall me on 0612",
        f"{msg}\nI tried it three times at two shops today",
    ):
        assert words(letter_body(kept)) == words(kept)
    assert letter_body("Help me\nplease") == "Help me"  # one line always stays
    assert letter_body(msg) == msg


def test_letters_of_real_messages_are_found_whatever_their_signatures() -> None:
    """Each signature appears once, too seldom to be learned as a frame."""
    originals = _messages(30, skip=1500)
    signs = [f"Best,\nName{chr(65 + i)}" for i in range(15)] + [
        f"Sent from device {chr(65 + i)}x" for i in range(15)
    ]
    letters = [f"Hello,\n{m}\n\n{s}" for m, s in zip(originals, signs, strict=True)]
    ids = [f"o{i}" for i in range(30)] + [f"l{i}" for i in range(30)]
    frame = pl.DataFrame({"id": ids, "text": originals + letters})
    rejected = {r.record_id: r.duplicate_of for r in dedup_frame(frame, DedupConfig()).rejections}
    assert not any(k.startswith("o") for k in rejected), rejected
    assert sum(rejected.get(f"l{i}") == f"o{i}" for i in range(30)) >= 29
