"""Follow-ups, sign-offs and regional wording in short near copies
(`validators.dedup.follow_ups`, `letters.letter_body`, `phrases`, `words`).

The messages are real banking77 queries (PolyAI, CC BY 4.0; examples/banking77/ATTRIBUTION.md).
The follow-ups are written in many forms, each once, so no frame can be learned from them.
"""

from __future__ import annotations

import polars as pl
import pytest
from helpers import distinct_messages

import validators.dedup.follow_ups as follow_ups_module
from validators.dedup.config import DedupConfig
from validators.dedup.confirm import same_message
from validators.dedup.email import email_body
from validators.dedup.follow_ups import is_follow_up, spelled
from validators.dedup.frame import dedup_frame
from validators.dedup.frames import Frames
from validators.dedup.letters import letter_body
from validators.dedup.segments import segments
from validators.dedup.words import same_request, words

FOLLOW_UPS = (
    ("{m} Still waiting for an answer.", "closer"),
    ("I asked this earlier but got no answer. {m}", "opener"),
    ("{m} This is my second message about it.", "closer"),
    ("Sending this again as I didn't get a reply: {m}", "opener"),
    ("{m} Can anyone help with this?", "closer"),
    ("Nobody got back to me on this:\n{m}", "opener"),
    ("{m} Hope to hear from you soon.", "closer"),
    ("Not sure my last message went through, so again: {m}", "opener"),
    ("{m} Would appreciate a quick answer.", "closer"),
    ("Sorry for the double message, {m}", "clause"),
    ("{m} I've asked this before.", "closer"),
    ("My previous message may not have sent.\n\n{m}", "opener"),
)


def _messages(n: int) -> list[str]:
    """n real banking77 queries of 5-20 words ending a sentence, none a near copy of another."""
    return distinct_messages(n, 5, 3, lambda t: t.rstrip()[-1:] in "?.!")


def _resend(template: str, message: str) -> str:
    return template.format(m=message[0].lower() + message[1:] if "," in template else message)


def _found(originals: list[str], copies: list[str]) -> set[str]:
    texts = originals + copies
    frame = pl.DataFrame({"id": [f"r{i}" for i in range(len(texts))], "text": texts})
    rejects = dedup_frame(frame, DedupConfig()).rejects
    return set(rejects["id"].to_list())


def test_follow_ups_that_no_list_or_frame_holds_are_near_copies() -> None:
    originals = _messages(3 * len(FOLLOW_UPS))
    copies = [_resend(t, originals[k]) for k, (t, _) in enumerate(FOLLOW_UPS)]
    removed = _found(originals, copies)
    n = len(originals)
    copies_found = {f"r{n + k}" for k in range(len(copies))} & removed
    assert len(copies_found) >= len(copies) - 1, sorted(set(range(len(copies))))
    assert not removed & {f"r{k}" for k in range(n)}  # every original kept


def test_without_the_follow_up_rule_most_are_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    originals = _messages(3 * len(FOLLOW_UPS))
    copies = [_resend(t, originals[k]) for k, (t, _) in enumerate(FOLLOW_UPS)]
    with_rule = len(_found(originals, copies))
    monkeypatch.setattr(follow_ups_module, "is_follow_up", lambda found, marked=False: False)
    without = len(_found(originals, copies))
    assert without <= with_rule - len(copies) // 2


@pytest.mark.parametrize(
    "sentence",
    [
        "Is there a fee?",  # a request
        "It has not arrived.",  # news about the request
        "Why?",
        "I was charged twice.",  # "twice" is about messages, "charged" is not
        "Still waiting for my refund.",  # "refund" keeps it in the message
        "I asked for a new card.",
        "Sent 3 days ago.",  # a digit
    ],
)
def test_a_sentence_with_a_word_of_a_request_is_no_follow_up(sentence: str) -> None:
    assert not is_follow_up(words(sentence)) or any(c.isdigit() for c in sentence)
    message = "My card payment was declined at the shop."
    assert not same_request(message, f"{message} {sentence}", added_words=0)
    stripped = Frames().peel(f"{message} {sentence}")
    assert stripped is None or stripped.core != words(message)


@pytest.mark.parametrize(
    "sentence",
    [
        "Still waiting for an answer.",
        "I asked this earlier but got no answer.",
        "Any update?",
        "Anyone?",
        "Re:",
        "This is urgent, please reply asap.",
    ],
)
def test_sentences_about_the_message_are_follow_ups(sentence: str) -> None:
    assert is_follow_up(words(sentence), marked=sentence.endswith(":"))


def test_a_letter_keeps_its_message_when_its_body_is_short() -> None:
    # the body is one short line under a greeting: it is the message, not a sign-off
    a, b = "Hi,\n\nMy card is lost.", "Hi,\n\nI want a refund."
    assert words(letter_body(a)) == ("my", "card", "is", "lost")
    sa, sb = Frames().peel(a), Frames().peel(b)
    assert sa is None or sa.core != (sb.core if sb else words(b))
    frame = pl.DataFrame({"id": ["a", "b"], "text": [a, b]})
    assert dedup_frame(frame, DedupConfig()).rejects.height == 0
    # a capitalised first line without a greeting is a subject, and stays
    assert letter_body("Card lost\nI need a new one") == "Card lost\nI need a new one"


@pytest.mark.parametrize(
    ("letter", "body"),
    [
        (
            "Is there a fee to top up by bank transfer?\n\nThank you,\n\nEmma T",
            "Is there a fee to top up by bank transfer?",
        ),
        ("Can I use Apple Pay?\n\nSent from my phone, please excuse typos", "Can I use Apple Pay?"),
        ("Dear team,\nmy card will not work\nRegards,\nLena", "my card will not work"),
        ("Hi Anna,\nmy card will not work\nOmar", "my card will not work"),
    ],
)
def test_greetings_sign_offs_names_and_devices_come_off(letter: str, body: str) -> None:
    assert letter_body(letter).strip() == body


def test_a_sign_off_with_a_name_on_the_same_line_comes_off() -> None:
    stripped = Frames().peel("Am I able to use Apple Pay? Yours sincerely, Giulia")
    assert stripped is not None and stripped.core == words("Am I able to use Apple Pay")
    assert Frames().peel("Am I able to use Apple Pay? Send it to Giulia") is None


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (
            "Why couldn't I get cash from the ATM?",
            "Why couldn't I get cash from the cash point?",
            True,
        ),
        (
            "Why would my payment be returned to my account?",
            "Why would my payment be returned to my a/c?",
            True,
        ),
        ("How can I check on my new card?", "How may I check on my new card?", True),
        (
            "I withdrew some cash, when is it going to show?",
            "i withdrew some cash, when's it going to show?",
            True,
        ),
        ("Is there a fee for this?", "Is thier a fee for this?", True),
        ("minimum how many days get the courier?", "maximum how many days get the courier?", False),
        ("Can I increase my limit?", "Can I decrease my limit?", False),
        (
            "Is there a fee for an internal transfer?",
            "Is there a fee for an external transfer?",
            False,
        ),
        ("Can I incraese my limit?", "Can I increase my limit?", True),
        ("How can I change my PIN? Help.", "How often can I change my PIN?", False),
        ("How long does a transfer take?", "How much time does a transfer take?", True),
    ],
)
def test_regional_wording_shorthand_and_opposite_prefixes(a: str, b: str, same: bool) -> None:
    assert same_request(a, b) is same


@pytest.mark.parametrize(
    ("typed", "read"),
    [("plase", "please"), ("qucik", "quick"), ("exuse", "excuse"), ("anwser", "answer")],
)
def test_a_typo_in_a_follow_up_word_is_read_as_the_word(typed: str, read: str) -> None:
    assert spelled(typed) == read


@pytest.mark.parametrize("word", ["what", "where", "line", "card", "fee", "wait"])
def test_english_words_are_never_read_as_another(word: str) -> None:
    assert spelled(word) == word


def test_follow_ups_and_greetings_with_typos_come_off() -> None:
    message = "Is there a fee to top up by bank transfer?"
    for typed in (
        f"Qucik question: {message}",
        f"{message} Plase help.",
        f"Gkod morning, {message}",
    ):
        stripped = Frames().peel(typed)
        assert stripped is not None and stripped.core == words(message), typed


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Do you have a problem with EUR exchanges?", "Do you have a issue with EUR exchanges?"),
        ("Where can I find my card PIN?", "Where can I locate my card PIN?"),
        ("Please could you give me a refund", "Please could you give me a reimbursement"),
        ("How do I withdraw money?", "what's the way to withdraw money"),
        (
            "If my card is going to expire, do I order a new one?",
            "If my card is gonna expire, do I order a new one?",
        ),
    ],
)
def test_everyday_synonyms_and_phrasings(a: str, b: str) -> None:
    assert same_request(a, b)


@pytest.mark.parametrize(
    "resent",
    [
        "Could someone pick this up?\n\n-----Original Message-----\n> {m}",
        "Still no reply to this.\n\nAmara Bello wrote:\n> {m}",
        'My question was "{m}". Just bumping this.',
        "Re my message \u201c{m}\u201d - still nothing.",
    ],
)
def test_a_quoted_re_send_is_compared_by_its_quote(resent: str) -> None:
    message = "Why is the exchange rate different than expected on my transaction?"
    text = resent.format(m=message)
    stripped = Frames().peel(text)
    assert stripped is not None and stripped.core == words(message)
    frame = pl.DataFrame({"id": ["a", "b"], "text": [message, text]})
    assert dedup_frame(frame, DedupConfig()).rejects["id"].to_list() == ["b"]


def test_a_short_quoted_phrase_is_part_of_the_message() -> None:
    assert Frames().peel('My transfer says "pending", why?') is None


def test_different_follow_ups_at_one_edge_keep_two_messages_apart() -> None:
    a = "I've been waiting since Thursday, where is my money?"
    b = "I've been waiting since Friday, where is my money?"
    frame = pl.DataFrame({"id": ["a", "b"], "text": [a, b]})
    assert dedup_frame(frame, DedupConfig()).rejects.height == 0
    # one that only adds a follow-up to the other is the same message
    c = "I've been waiting since Friday, where is my money? Still no answer."
    frame = pl.DataFrame({"id": ["b", "c"], "text": [b, c]})
    assert dedup_frame(frame, DedupConfig()).rejects["id"].to_list() == ["c"]


def test_a_name_after_a_dash_comes_off() -> None:
    stripped = Frames().peel("I need a new card. Grateful for any help - Olivia")
    assert stripped is not None and stripped.core == words("I need a new card")


@pytest.mark.parametrize(
    "mail",
    [
        "Any update on the below?\n\n________________________________\nFrom: Lars Lindqvist\n"
        "Subject: RE: Enquiry\n\n{m}",
        "{m}\n\nKind regards\n\nMARTA CHATTERJEE\nResearch Assistant, Bluebell Nursery",
        "{m}\n\n--\nTyped with thumbs, excuse the brevity",
        "{m}  {m}",  # pasted twice
    ],
)
def test_forward_headers_signatures_and_a_double_paste_come_off(mail: str) -> None:
    message = "What are the fees imposed when I make a transaction?"
    stripped = Frames().peel(mail.format(m=message))
    assert stripped is not None and stripped.core == words(message)


def test_a_subject_of_its_own_and_a_question_after_thanks_stay() -> None:
    assert "fees" in email_body("Subject: What are the fees?\n\nCould someone pick this up?")
    text = "My card is lost.\nThanks, can you also tell me the fee?"
    assert email_body(text) == text


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # a line that starts like a sign-off but goes on is part of the message
        (
            "Hi Sarah,\n\nThanks for your reply.\n\nThe transfer still has not arrived.",
            "Hi Sarah,\n\nThanks for your reply.\n\nCan you close my savings account?",
        ),
        (
            "I am moving to Spain.\nBest way to move my savings",
            "I am moving to Spain.\nBest way to close my account",
        ),
        # a quoted error message inside a question of its own
        (
            'The app says "Your card has been blocked for security reasons". How do I unblock it?',
            'The app says "Your card has been blocked for security reasons". Who blocked it?',
        ),
        # words taken off as names or headers still differ
        ("My card was declined - Visa", "My card was declined - Mastercard"),
        (
            "What is the fee for sending money abroad - UK",
            "What is the fee for sending money abroad - US",
        ),
        (
            "How do I close my account?\nJoint Account",
            "How do I close my account?\nBusiness Account",
        ),
        ("My transfer never arrived.\nDate: 3 March", "My transfer never arrived.\nDate: 5 April"),
        # requests built from words about messages
        ("I paid my rent on Monday. It went through twice.", "I paid my rent on Monday."),
        ("I reset my password. I did not get the email.", "I reset my password."),
        ("My card was stolen. Can I speak to an agent?", "My card was stolen."),
        ("How do I register for mobile banking?", "How do I register for phone banking?"),
    ],
)
def test_what_looks_like_wrapping_but_is_part_of_the_request(a: str, b: str) -> None:
    sa, sb = Frames().peel(a), Frames().peel(b)
    sega, segb = segments(a), segments(b)  # nor is it a sentence around the request
    assert not same_message(words(a), words(b), sa, sb, 1, 2, sega, segb)


def test_a_long_run_of_spaces_counts_as_one_and_a_long_text_is_compared_as_written() -> None:
    text = "My card is lost." + " " * 1_500 + "Still waiting for an answer."
    stripped = Frames().peel(text)
    assert stripped is not None and stripped.core == words("My card is lost")
    assert Frames().peel(text + " x" * 1_000) is None  # over MAX_PEEL_CHARS
