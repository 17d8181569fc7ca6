"""Small talk: words and phrases that carry no request, free to add or drop in a near copy.

Greetings, politeness and hedges ("hi", "please", "just", "thanks in advance") and the openers
and sign-offs of customer messages ("Good evening -", "Sorry to bother you, but", "Quick
question:", "Appreciate the help."). Single words are small talk anywhere; the phrases only as a
whole, since their words alone are not ("good", "question", "help", "appreciate").
"""

from __future__ import annotations

# Words that carry no request: greetings, politeness, hedges. Adding or dropping them is free.
SMALL_TALK = frozenset(
    """please pls plz kindly thanks thank thx ty cheers regards hi hiya hello hey greetings dear sir madam team
    just really actually basically simply so well ok okay um uh oh hmm erm also quickly anyway
    guys folks mate lol tbh btw honestly haha""".split()
)
# Phrases whose other words are only small talk in that phrase ("thanks in advance").
SMALL_TALK_PHRASES = (
    ("in", "advance"),
    ("very", "much"),
    ("a", "lot"),
    ("so", "much"),
)
# Greetings, openers and sign-offs that are small talk wherever they stand, as whole phrases
# (their words alone are not: "good", "question", "help", "appreciate").
PLEASANTRIES = tuple(
    sorted(
        (
            tuple(p.split())
            for p in """good morning|good afternoon|good evening|good day|hi there|hello there|
            hey there|hi again|hello again|hi team|hey team|hello team|dear team|dear support team|
            dear support|to whom it may concern|sorry to bother you but|sorry to bother you|
            sorry to bother|sorry for bothering you|sorry for the trouble|excuse me|
            quick question|random question|one question|a question|i have a question|
            i have a quick question|question for you|can you help|can you help me|
            could you help|could you help me|please help|help please|help me please|
            any help|any help appreciated|any help would be appreciated|i appreciate it|
            appreciate it|appreciate the help|appreciate your help|much appreciated|
            thanks for your help|thanks for the help|thanks for helping|many thanks|best regards|
            kind regards|warm regards|best wishes|all the best|by the way|or what|or something|
            yours sincerely|yours faithfully|yours truly|
            sincerely|many thanks in advance|tia|please excuse typos|excuse typos|have a nice day|have a good day|hope you are well|
            hope you are doing well|if you can|if possible|thanks a lot|thanks so much|
            any update|any updates|any news|following up|just following up|me again|it is me again|
            asking again|sorry asking again|as i asked before|as i said before|
            it is urgent|this is urgent|please advise|please let me know|asap|
            i need this sorted asap|i need this sorted""".split("|")
        ),
        key=len,
        reverse=True,
    )
)


def _by_first_word(phrases: tuple[tuple[str, ...], ...]) -> dict[str, tuple[int, ...]]:
    """Each first word and the positions of the phrases it starts."""
    found: dict[str, tuple[int, ...]] = {}
    for k, phrase in enumerate(phrases):
        found[phrase[0]] = (*found.get(phrase[0], ()), k)
    return found


_PLEASANTRY_BY_FIRST = _by_first_word(PLEASANTRIES)


def without_small_talk(block: tuple[str, ...]) -> tuple[str, ...]:
    """The block without small talk: greetings and sign-offs (`PLEASANTRIES`) as whole
    phrases, single small-talk words, and phrases like "in advance" only next to other small
    talk."""
    if not block:
        return block
    words = list(block)
    # only the phrases that can match, in PLEASANTRIES' order (removing words adds none)
    present = sorted({k for w in set(words) for k in _PLEASANTRY_BY_FIRST.get(w, ())})
    for phrase in (PLEASANTRIES[k] for k in present):
        n = len(phrase)
        k = 0
        while k <= len(words) - n:
            if tuple(words[k : k + n]) == phrase:
                words[k : k + n] = []
            else:
                k += 1
    kept = [w for w in words if w not in SMALL_TALK]
    if len(kept) < len(words):
        for phrase in SMALL_TALK_PHRASES:
            n = len(phrase)
            for k in range(len(kept) - n + 1):
                if tuple(kept[k : k + n]) == phrase:
                    kept[k : k + n] = []
                    break
    return tuple(kept)
