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

A typo in such a word is read as the word (`spelled`: "Plase help.", "Thankk you", "Qucik
question:"), where the typo is no English word of its own: "line" is never read as "time".

What it cannot do: a follow-up with a word outside the lists ("The app crashed while I was
typing, so again:") stays in the message; so does a follow-up in another language.
"""

from __future__ import annotations

import re
from functools import lru_cache

from validators.dedup.small_talk import PLEASANTRIES, SMALL_TALK, without_small_talk
from validators.dedup.synonyms import NO_SYNONYMS, lemmas
from validators.dedup.words import words

# Words about writing, asking, answering and waiting. A follow-up has at least one.
ABOUT_MESSAGES = frozenset(
    """answer answers answered answering reply replies replied replying respond responds
    responded responding response responses message messages messaged messaging question
    questions ask asks asked asking resend resending resent repost reposting reposted resubmit
    resubmitting repeat repeating repeated follow following followed followup update updates
    news hear heard hearing wait waiting waited chat chatted email emailed emails mail mailed
    wrote written writing again earlier twice second third previous previously urgent
    urgently asap someone somebody anyone anybody nobody noone disconnected ignore reminder
    remind pinging ping bump bumping bumped checking help support re fwd fw forwarding
    forwarded subject grateful appreciate appreciated emergency chasing chase raised agent
    agents needful reading word hope hoping speak panicking stressing stressed frustrated
    frustrating annoyed ages request sensitive revert""".split()
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
    while if when yet just sorry apologies double need needed quick more thing who
    much per below above same once something anything lost case pick fixed sorted closed check
    without original finds bit out ago morning afternoon evening tonight lunchtime monday
    tuesday wednesday thursday friday saturday sunday weekend nothing first other day days
    week weeks month two three few couple cut fast looked being makes sense attempt kind
    opened far""".split()
)
# Words about messages that also make requests with the words around them ("It went through
# twice.", "Can you email it to me?", "Can I speak to an agent?"): a follow-up needs another.
WEAK = frozenset(
    """again twice email emailed emails mail mailed agent agents speak chat chatted""".split()
)
MAX_FOLLOW_UP = 14  # words of a follow-up sentence at most
_DIGIT = re.compile(r"\d")


_KNOWN = ABOUT_MESSAGES | AROUND | SMALL_TALK
_VOCABULARY = _KNOWN | {w for phrase in PLEASANTRIES for w in phrase}
MIN_TYPO_LETTERS = 4  # shorter words are read only as written ("hte" stays "hte")


def _deletions(word: str) -> set[str]:
    return {word[:k] + word[k + 1 :] for k in range(len(word))}


def _typo_index() -> dict[str, frozenset[str]]:
    """Each vocabulary word and each of its one-letter deletions -> the vocabulary words it
    comes from (symmetric deletion: two words one insertion, deletion, substitution or
    swap apart share a key)."""
    index: dict[str, set[str]] = {}
    for word in _VOCABULARY:
        if len(word) >= MIN_TYPO_LETTERS:
            for key in {word} | _deletions(word):
                index.setdefault(key, set()).add(word)
    return {k: frozenset(v) for k, v in index.items()}


_TYPOS = _typo_index()


@lru_cache(maxsize=1 << 14)
def spelled(word: str) -> str:
    """`word`, or the vocabulary word it is a typo of (one letter added, dropped, changed or
    two swapped), when it is no English word itself: no WordNet word and no function word
    ("what" is not "that")."""
    if word in _VOCABULARY or len(word) < MIN_TYPO_LETTERS or word in NO_SYNONYMS or lemmas(word):
        return word
    found: set[str] = set()
    for key in {word} | _deletions(word):
        found |= _TYPOS.get(key, frozenset())
    # "thankk": "thank" or "thanks", one reading as far as a follow-up goes
    return min(found, key=lambda w: (w not in ABOUT_MESSAGES, w)) if found else word


def is_follow_up(found: tuple[str, ...], marked: bool = False) -> bool:
    """Whether the words of one sentence (`words.words`, no digit in it) are a follow-up:
    all about messages, around them, or small talk, and at least one about messages that is
    not `WEAK`. An opener set off by a colon or a dash needs none about messages ("Hi, quick
    one:", "One more thing -")."""
    if not found or len(found) > MAX_FOLLOW_UP:
        return False
    found = tuple(map(spelled, found))
    return all(w in _KNOWN for w in found) and (
        marked or any(w in ABOUT_MESSAGES and w not in WEAK for w in found)
    )


def carries_nothing(piece: str, marked: bool = False) -> bool:
    """A segment that is a follow-up ("Still waiting for an answer"; `marked`: an opener
    set off by a colon or a dash) or small talk alone ("Many thanks"), with no digit."""
    if _DIGIT.search(piece):
        return False
    found = tuple(map(spelled, words(piece)))
    return bool(found) and (is_follow_up(found, marked) or not without_small_talk(found))
