"""The word check that confirms near copies of short texts (`validators.dedup.words`).

A near copy of a short message differs by typos, spelling, contractions and small talk; a
message with a negation added or dropped, a number changed or one content word in place of
another is a different message, however many shingles the two share.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from validators.dedup import dedup_frame
from validators.dedup.config import DedupConfig
from validators.dedup.words import same_request, words

BANKING = (
    Path(__file__).resolve().parents[1] / "examples" / "banking77" / "banking77_train_full.csv"
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Where can I go to get my PIN unblocked?", "Where can I go to get my PIN unlbocked?"),
        ("I can't see my top up", "I cannot see my top-up."),
        ("I don't recognise this payment", "I do not recognise this payment"),
        ("Can I get a refund?", "Hey, can I just get a refund? Thanks in advance."),
        ("Can I use the app abroad?", "Can I use the application abroad"),
        ("I'm still waiting on my new card", "I am still waiting on my card new"),
        ("please delete account", "Delete account, please"),
        ("How do I top up?", "How do I top up now?"),  # one word added
        # found one way only before the check read a pair both ways (outside sets, sessions' runs)
        (
            "Theservice you provide is unsatisfactory to me. I want to close my account.",
            "I want to close my account. The service you provide is unsatisfactory to me.",
        ),
        (
            "Quick question: If I receive a SEPA transeer, will there be a fee",
            "Will there be a fee if I receive a SEPA transfer",
        ),
        ("Why isn't my google top-up pay working?", "My Google pay top up isn't working."),
        ("I paid two weeks ago and just got refunded", "I paid 2 weeks ago and just got refunded"),
    ],
)
def test_same_request(a: str, b: str) -> None:
    assert same_request(a, b) and same_request(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("I lost my card", "I found my card"),
        ("Why was my top up declined?", "Why was my top up approved?"),
        ("I cannot activate my card.", "I can activate my card."),
        ("Why isn't my transfer showing?", "Why is my transfer showing?"),
        ("My card was blocked", "My card was unblocked"),
        ("$20 came out instead of $100", "$20 came out instead of $200"),
        ("How do I top up?", "How do I top up my credit card?"),  # two words added
        ("I want to activate my card", "I want to deactivate my card"),
        ("I paid two weeks ago and just got refunded", "I paid 3 weeks ago and just got refunded"),
        ("I paid four times", "I paid for times"),
    ],
)
def test_different_request(a: str, b: str) -> None:
    assert not same_request(a, b) and not same_request(b, a)


def test_contractions_are_spelled_out_without_touching_other_words() -> None:
    assert words("We were there; we're here. Theyre late, I've paid, it's done") == (
        *("we", "were", "there", "we", "are", "here", "they", "are", "late"),
        *("i", "have", "paid", "it", "is", "done"),
    )


def _negated(text: str) -> str | None:
    """The message with its first negation removed, or None when it has none."""
    for old, new in ((" not ", " "), ("n't ", " "), (" never ", " always ")):
        if old in text:
            return text.replace(old, new, 1).replace("ca ", "can ").replace("wo ", "will ")
    return None


def test_negation_flips_are_kept_and_typos_dropped_in_real_messages() -> None:
    """Real banking77 messages with a negation removed stay; the same messages with a typo or a
    greeting go (the shingles of both pairs are about equally far apart)."""
    pool = pl.read_csv(BANKING)["text"].to_list()
    seen: set[tuple[str, ...]] = set()
    originals: list[str] = []
    flips: list[str] = []
    for text in pool:
        flip = _negated(text)
        key = words(text)
        if flip is None or len(key) > 30 or key in seen:
            continue
        seen.add(key)
        originals.append(text)
        flips.append(flip)
        if len(originals) == 120:
            break
    assert len(originals) == 120
    greeted = ["Hi, " + t for t in originals]
    ids = [f"o{i}" for i in range(120)] + [f"f{i}" for i in range(120)]
    ids += [f"g{i}" for i in range(120)]
    frame = pl.DataFrame({"id": ids, "text": originals + flips + greeted})
    rejected = {r.record_id: r.duplicate_of for r in dedup_frame(frame, DedupConfig()).rejections}
    # banking77 holds natural near copies ("... my new card?" / "... my new card yet?"), so a
    # flip may go as a copy of another flip; never as a copy of the message it negates
    merged = sum(rejected.get(f"f{i}") == f"o{i}" for i in range(120))
    caught = sum(str(rejected.get(f"g{i}", "")).startswith("o") for i in range(120))
    assert merged <= 0.02 * 120, merged
    assert caught >= 0.97 * 120, caught
    # Jaccard alone (the word check off) drops many of the flips: the check is what keeps them
    plain = {
        r.record_id: r.duplicate_of
        for r in dedup_frame(frame, DedupConfig(short_words=0)).rejections
    }
    assert sum(plain.get(f"f{i}") == f"o{i}" for i in range(120)) >= 0.2 * 120
