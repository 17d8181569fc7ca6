"""The word check: are two short texts the same request, up to typos, spelling and small talk?

MinHash estimates a Jaccard ratio, and a ratio cannot tell a near copy of a short message from a
different message: "I lost my card" -> "I found my card" (one word) and "Can I get a refund?" ->
"Hey, can I just get a refund?" (two words) are equally far apart in shingles. For short texts
the candidate pairs that LSH finds are therefore confirmed by their words instead:

- the words are aligned (`difflib`, word level, after contractions are spelled out: "can't" ->
  "can not", "I'm" -> "I am");
- a changed word is allowed when it is a typo of the other (Damerau distance 1, or 2 for words of
  six letters or more), an abbreviation ("app" / "application"), the same letters split or
  joined ("top up" / "topup"), or a synonym in WordNet ("purchase" / "buy", "wrong" /
  "incorrect", and another inflection of the same word: "currency" / "currencies";
  `validators.dedup.synonyms` says how rare senses, function words and light verbs are kept
  out); a changed block of words is allowed when its words pair up one to one that way;
- added or dropped small talk is allowed ("hi", "please", "thanks in advance", "just", ...),
  and so are at most `added_words` other words, and words that only moved;
- anything else is a different request: another content word in place of one ("charged" ->
  "refunded", "deposit" -> "withdrawal"), a negation added or dropped ("not", "never",
  "un-"/"dis-" prefixes), or a changed number ("$20" -> "$100").

Synonyms are WordNet's, so they are general English, not a domain's: words that only a bank
treats as one ("money" / "funds", "payment" / "transaction") or phrases ("ATM" / "cash machine",
"tell me" / "let me know") still make a different request, and a short message with such a swap
is kept. Long texts are compared by Jaccard, where one word is a small share of the text.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from functools import lru_cache

from validators.dedup.synonyms import are_synonyms

NEGATIONS = frozenset(
    "not no never nor none nothing nobody nowhere neither without unable cannot nope".split()
)
# Words that carry no request: greetings, politeness, hedges. Adding or dropping them is free.
SMALL_TALK = frozenset(
    """please pls plz kindly thanks thank thx ty cheers regards hi hello hey dear sir madam team
    just really actually basically simply so well ok okay um uh oh also quickly""".split()
)
# Phrases whose other words are only small talk in that phrase ("thanks in advance").
SMALL_TALK_PHRASES = (
    ("in", "advance"),
    ("very", "much"),
    ("a", "lot"),
    ("so", "much"),
    ("good", "morning"),
    ("good", "afternoon"),
    ("good", "evening"),
)
# A typo never turns a word into its opposite: "blocked" / "unblocked", "activate" / "deactivate".
FLIP_PREFIXES = ("un", "dis", "non", "de", "in", "im", "ir", "il", "mis", "re")

_CONTRACTIONS = (
    (re.compile(r"\bcan'?t\b"), "can not"),
    (re.compile(r"\bcannot\b"), "can not"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\bshan'?t\b"), "shall not"),
    (
        re.compile(
            r"\b(do|does|did|is|are|was|were|has|have|had|would|could|should|must|need)n'?t\b"
        ),
        r"\1 not",
    ),
    (re.compile(r"\bi'?m\b"), "i am"),
    (re.compile(r"\bi'?ve\b"), "i have"),
    (re.compile(r"\b(you|they)'?re\b"), r"\1 are"),
    (re.compile(r"\bwe're\b"), "we are"),
    (re.compile(r"\b(i|you|we|they)'ve\b"), r"\1 have"),
    (re.compile(r"\b(i|you|we|they|he|she|it)'ll\b"), r"\1 will"),
    (re.compile(r"\b(i|you|we|they|he|she)'d\b"), r"\1 would"),
    (re.compile(r"\b(it|that|there|what|here|who|where|how|he|she)'s\b"), r"\1 is"),
    (re.compile(r"\b(whats|thats|theres)\b"), lambda m: m.group(1)[:-1] + " is"),
    (re.compile(r"\blet's\b"), "let us"),
)
_WORD = re.compile(r"\w+")


def words(text: str) -> tuple[str, ...]:
    """Lower-cased words of `text`, contractions spelled out, punctuation dropped."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'").replace("`", "'")
    for pattern, spelled in _CONTRACTIONS:
        text = pattern.sub(spelled, text)
    return tuple(_WORD.findall(text))


def same_request(a: str, b: str, added_words: int = 1) -> bool:
    """True when `a` and `b` say the same thing up to typos, spelling, small talk and at most
    `added_words` other words added or dropped (see the module docstring)."""
    return same_words(words(a), words(b), added_words)


def same_words(a: tuple[str, ...], b: tuple[str, ...], added_words: int = 1) -> bool:
    """`same_request` on texts already split by `words`."""
    if a == b:
        return True
    dropped: Counter[str] = Counter()
    added: Counter[str] = Counter()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        x, y = _content(a[i1:i2]), _content(b[j1:j2])
        if x and y and _respelled(x, y):
            continue
        dropped.update(x)
        added.update(y)
    moved = dropped & added  # a word that only changed place
    dropped, added = dropped - moved, added - moved
    if not dropped and not added:
        return True
    if any(w in NEGATIONS for w in (dropped + added)):
        return False
    if dropped and added:  # one word in place of another: another request
        return False
    return sum(dropped.values()) + sum(added.values()) <= added_words


def _content(block: tuple[str, ...]) -> tuple[str, ...]:
    """The block without small talk (phrases like "in advance" only next to other small talk)."""
    if not block:
        return block
    kept = [w for w in block if w not in SMALL_TALK]
    if len(kept) < len(block):
        for phrase in SMALL_TALK_PHRASES:
            n = len(phrase)
            for k in range(len(kept) - n + 1):
                if tuple(kept[k : k + n]) == phrase:
                    kept[k : k + n] = []
                    break
    return tuple(kept)


def _respelled(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    """Is block `y` block `x` with typos, abbreviations, synonyms or words split or joined?"""
    if len(x) == len(y) and all(_same_meaning(p, q) for p, q in zip(x, y, strict=True)):
        return True
    joined_x, joined_y = "".join(x), "".join(y)
    return _same_word(joined_x, joined_y)


def _same_meaning(p: str, q: str) -> bool:
    """One word written two ways (`_same_word`), or two WordNet synonyms, unless one is a
    negation ("nothing" / "zero") or the other with an opposite-making prefix: those rules are
    never overruled by a word list."""
    if _same_word(p, q):
        return True
    if p in NEGATIONS or q in NEGATIONS or _flipped(p, q):
        return False
    return are_synonyms(p, q)


def _flipped(p: str, q: str) -> bool:
    """Is one word the other with a prefix that may make it its opposite ("un", "dis", ...)?"""
    short, long_ = sorted((p, q), key=len)
    return any(long_ == prefix + short for prefix in FLIP_PREFIXES)


@lru_cache(maxsize=1 << 16)
def _same_word(p: str, q: str) -> bool:
    """One word written two ways: a typo, an abbreviation of three letters or more, not an
    opposite made with a prefix, and never a different number."""
    if p == q:
        return True
    if any(c.isdigit() for c in p + q):
        return False
    if _flipped(p, q):
        return False
    short, long_ = sorted((p, q), key=len)
    if len(short) >= 3 and long_.startswith(short):
        return True
    if len(short) < 3:
        return False
    limit = 1 if len(short) <= 5 else 2
    return _damerau(p, q, limit) <= limit


def _damerau(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (an adjacent swap costs 1), or limit + 1 when above."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
