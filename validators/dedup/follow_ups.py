"""Follow-ups: sentences about the message itself, not about the request.

A customer who sends a message again often adds a sentence about sending it: "Still waiting for
an answer.", "I asked this earlier but got no answer.", "Sending this again as I didn't get a
reply:", "This is my second message about it.", "Can anyone help with this?". Few of them recur
word for word, so they are seldom learned as frames (`validators.dedup.frames`), but they are
built from a small vocabulary: words about writing, asking and waiting (`ABOUT_MESSAGES`:
"answer", "reply", "message", "asked", "again", "waiting", "earlier", "urgent") and the words
around them (`AROUND`: "I", "this", "but", "got", "no", "still", "my").

A sentence at the edge of a short message is a follow-up when every word in it is one of those
or small talk, at least one is about messages, and it holds no digit. One word of a request
keeps it in the message: "fee", "card", "refund", "arrived", "transfer", "why" and "how" are in
neither list, so "Is there a fee?", "It has not arrived." and "Why?" are never follow-ups.

What it cannot do: a follow-up with a word outside the lists ("The app crashed while I was
typing, so again:") or with a typo ("Stil waiting for an anwser") stays in the message; a
follow-up in another language stays too.
"""

from __future__ import annotations

from validators.dedup.small_talk import SMALL_TALK

# Words about writing, asking, answering and waiting. A follow-up has at least one.
ABOUT_MESSAGES = frozenset(
    """answer answers answered answering reply replies replied replying respond responds
    responded responding response responses message messages messaged messaging question
    questions ask asks asked asking resend resending resent repost reposting reposted resubmit
    resubmitting repeat repeating repeated follow following followed followup update updates
    news hear heard hearing wait waiting waited chat chatted email emailed emails mail mailed
    wrote written writing again earlier twice second third previous previously urgent
    urgently asap someone somebody anyone anybody nobody noone disconnected ignore reminder
    remind pinging ping bump checking help support re fwd fw""".split()
)
# Words that stand around them in a follow-up: pronouns, auxiliaries, particles and time
# words. Alone they say nothing ("It did not go through." has none of the words above).
AROUND = frozenset(
    """i me my mine myself you your yours we us our it its this that these those the a an
    is am are was were be been being have has had having do does did doing will would shall
    should can could may might must not no yet still already but and or so as since because
    to for of on in at about from with by up back out over through there here now then soon
    today yesterday before last time times this one right sure may some any all else
    get gets got getting send sends sent sending post posted posting try trying tried
    see look looking forward hope hoping let know think like said say saying went go
    gone come through been again guys folks quite very really still never ever anyway
    while if when yet just sorry apologies double need needed request quick more thing who
    appreciate appreciated""".split()
)
MAX_FOLLOW_UP = 14  # words of a follow-up sentence at most


_KNOWN = ABOUT_MESSAGES | AROUND | SMALL_TALK


def is_follow_up(found: tuple[str, ...], marked: bool = False) -> bool:
    """Whether the words of one sentence (`words.words`, no digit in it) are a follow-up:
    all about messages, around them, or small talk, and at least one about messages. An
    opener set off by a colon or a dash needs none about messages ("Hi, quick one:", "One
    more thing -")."""
    if not found or len(found) > MAX_FOLLOW_UP:
        return False
    return all(w in _KNOWN for w in found) and (marked or any(w in ABOUT_MESSAGES for w in found))
