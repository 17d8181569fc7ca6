"""One spelling for the everyday English ways of saying the same request, for the word check.

WordNet (`validators.dedup.synonyms`) pairs single nouns, verbs and adjectives. Much of how people
rephrase a short request is not there: the frame of the request ("Can I ..." / "Am I able to ..."
/ "Is it possible to ..."), "tell me" / "let me know", "need to" / "have to", "would like to" /
"want to", and chat shorthand ("hrs", "u", "ur"). Each phrase here is rewritten to one canonical
form in the word sequences of both texts, which the word check aligns again when the words as
written do not pair up, so the two sides meet on equal words and the alignment never splits a
phrase across blocks.

What goes in: grammar and shorthand of English in general, whose swap never changes what is
asked in any domain. What stays out: content words ("money" / "funds": WordNet's broader words
serve there), and swaps that change the request ("can I" / "should I", "how should I" / "how
can I", "will you" / "can you", "got to" / "need to"); "What should I do?" / "What can I do?"
is the one frame where "should" and "can" ask the same.
"""

from __future__ import annotations

from functools import lru_cache

# (variant words) -> (canonical words). Both sides of a pair are rewritten, so a variant and its
# canonical form meet; longer variants are tried first at each position.
_PHRASES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _add(canonical: str, *variants: str) -> None:
    for variant in variants:
        _PHRASES[tuple(variant.split())] = tuple(canonical.split())


# The frame of a request for permission or ability.
_add(
    "can i",
    *("am i able to", "could i", "may i", "is it possible to", "is it possible for me to"),
    *("is there a way to", "is there any way to", "is there a way i can"),
    *("is there any way i can", "is there a way for me to", "is there any way for me to"),
)
_add("can we", "are we able to", "could we", "may we", "is it possible for us to")
_add("can you", "could you", "are you able to")
_add("how do i", "how can i", "how could i", "what is the way to", "whats the way to")
_add("how do we", "how can we", "how could we")
_add("where do i", "where can i")
_add("what do i do", "what should i do", "what can i do", "what do i need to do")
_add("how long", "how much time")
_add("has been", "is been")  # "it's been": the "'s" of "has", spelled out as "is"
# "should of" for "should have": a slip of the ear, like "their" for "there".
_add("should have", "should of")
_add("could have", "could of")
_add("would have", "would of")
_add("must have", "must of")
_add("can not", "am unable to", "is unable to", "are unable to", "unable to")
# Telling and asking.
_add("tell me", "let me know", "inform me")
# Obligation and wishes.
_add("need to", "have to", "has to", "gotta")
_add("want to", "would like to", "wish to", "wanna")
_add("going to", "gonna")
_add("want", "would like")
_add("i want to", "id like to", "id love to")  # "I'd like to" without its apostrophe
_add("i want", "id like")
# Vague amounts.
_add("a few", "several", "a couple of", "a couple", "multiple")
# Chat shorthand (whole words only; "u" and "r" only where a shorthand reading is the only one).
_add("hours", "hrs")
_add("hour", "hr")
_add("minutes", "mins")
_add("seconds", "secs")
_add("you", "u", "ya")
_add("why", "y")
_add("what", "wat", "wut", "wht")
_add("transaction", "txn", "trx")
_add("before", "b4")
_add("people", "ppl")
_add("tomorrow", "tmrw", "tmr")
_add("could", "cud")
_add("would", "wud")
_add("should", "shud")
_add("about", "abt")
_add("your", "ur")
_add("are", "r")
_add("because", "bc", "cuz", "coz", "cos")
_add("through", "thru")
_add("the", "da")
_add("that", "dat")
_add("this", "dis")
_add("though", "tho")
_add("message", "msg")
_add("account", "acct")
_add("amount", "amt")
_add("identity", "id")
_add("account", "a c")  # "a/c"
_add("number", "nr")
_add("help", "hlp")
_add("something", "smth", "sth", "sumthing")
_add("please", "pls", "plz")
# One thing under its British, American and other names (regional wording, not a synonym
# list: each group names the same object or act everywhere).
_add("atm", "cashpoint", "cash point", "cash machine", "cashpoints", "cash points")
_add("atms", "cash machines")
_add("phone", "mobile phone", "cell phone", "cellphone")  # not "mobile": "mobile banking"
_add("in the mail", "in the post")
_add("by mail", "by post")
_add("zip code", "postcode", "post code", "postal code")

# Number words and digits ("1 week" / "one week"); a changed number still differs.
for _n, _word in enumerate("zero one two three four five six seven eight nine ten".split()):
    _add(str(_n), _word)

_LONGEST = max(len(v) for v in _PHRASES)


@lru_cache(maxsize=1 << 16)
def canonical(words: tuple[str, ...]) -> tuple[str, ...]:
    """`words` (lower case, contractions spelled out) with every listed phrase in its canonical
    form, longest match first, left to right, until nothing changes ("how may i" -> "how can
    i" -> "how do i")."""
    for _ in range(3):
        changed = _canonical_once(words)
        if changed == words:
            break
        words = changed
    return words


def _canonical_once(words: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    i, n = 0, len(words)
    while i < n:
        for size in range(min(_LONGEST, n - i), 0, -1):
            replacement = _PHRASES.get(words[i : i + size])
            if replacement is not None:
                out.extend(replacement)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return tuple(out)
