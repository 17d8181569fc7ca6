"""The word check: are two short texts the same request, up to typos, spelling and small talk?

MinHash estimates a Jaccard ratio, and a ratio cannot tell a near copy of a short message from a
different message: "I lost my card" -> "I found my card" (one word) and "Can I get a refund?" ->
"Hey, can I just get a refund?" (two words) are equally far apart in shingles. For short texts
the candidate pairs that LSH finds are therefore confirmed by their words instead:

- the words are aligned (`difflib`, word level, after contractions are spelled out: "can't" ->
  "can not", "I'm" -> "I am", any "Xn't" -> "X not", typos included: "hacen't"; "thank you" is
  "thanks", "w/" is "with", "w/o" "without");
- a changed word is allowed when it is a typo of the other (Damerau distance 1, or 2 for words of
  six letters or more), an abbreviation of a content word ("app" / "application"; "the" is no
  abbreviation of "there", nor "can" of "cancel"), a homophone slip ("their" / "there", "too" /
  "to"), the same letters split or joined ("top up" / "topup"), a contraction that lost its
  apostrophe ("its" / "it is"), a synonym in WordNet ("purchase" / "buy", "wrong" /
  "incorrect", another inflection of the same word: "currency" / "currencies", a phrase WordNet
  lists as one lemma: "ATM" / "cash machine"), or a noun and its broader word in WordNet
  ("funds" / "money", "payment" / "transaction", "fees" / "charges";
  `validators.dedup.synonyms` says how rare senses, function words and light verbs are kept
  out); a changed block of words is allowed when it cuts into pieces of one to three words that
  pair up in order that way;
- when the words do not pair up as written, they are compared again with everyday rephrasings
  and chat shorthand in one spelling (`validators.dedup.phrases`: "Can I" / "Am I able to" /
  "Is it possible to", "tell me" / "let me know", "need to" / "have to", "hrs" / "hours", "y" /
  "why", "one" / "1");
- added or dropped small talk is allowed (`validators.dedup.small_talk`: "hi", "please", "just",
  "Good evening -", "Sorry to bother you, but", "Appreciate the help."), and so are at most
  `added_words` other words, words that only moved, and a clause that moved whole;
- a text typed in a hurry may leave out function words anywhere (`FUNCTION_WORDS`: articles,
  pronouns, auxiliaries: "card not arrived yet", "why did only receive partial amount") when it
  is otherwise only respelled, and the texts leave out at most a third of the longer text's
  words; and chat spelling may leave the vowels out of a word ("hv" / "have", "ths" / "this",
  "wht" / "what") where the short form keeps the first letter and is no word of its own;
- the texts may differ in at most `changed_places` places (aligned blocks of words, small talk
  aside, a moved clause counting once; 2, and one more per 16 words of the shorter text). Copies
  are edited in a place or two; texts that differ in three places of ten words are a rewording,
  and a rewording is often another request ("Why didn't I receive the right amount?" / "I did
  not receive the correct amount.");
- "how" with another word that asks for a quantity ("how often", "how long", "how much") is
  another question, added or changed;
- anything else is a different request: another content word in place of one ("charged" ->
  "refunded", "deposit" -> "withdrawal"), a negation added or dropped ("not", "never",
  "un-"/"dis-" prefixes; "not" / "now" is no typo), or a changed number ("$20" -> "$100").

Known limits:
- A broader word is not always the same request. WordNet files "refund", "salary", "pension"
  and "bonus" under "payment", "son" under "kid", "passport" under "document", "statement"
  under "message", "coffee" under "beverage", so "Where is my salary?" / "Where is my
  payment?" is taken for a near copy.
- Synonyms that only a trade or a region uses are not known: "conversion rate" / "exchange
  rate", "cashpoint" / "ATM", "mobile" / "phone".
- Two very short texts that share few character 4-grams ("Is it possible to cancel my
  transfer?" / "Can I cancel my transfer?") may never be proposed by LSH, so never read here.
- Words that only moved are free, so a swapped direction passes: "from my savings to my main
  account" / "to my savings from my main account".
- Long texts are compared by Jaccard, where one word is a small share of the text.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from functools import lru_cache

from validators.dedup.phrases import canonical
from validators.dedup.small_talk import without_small_talk
from validators.dedup.synonyms import NO_SYNONYMS, are_synonyms, kind_of, lemmas

#: A near copy differs from its original in at most this many places (aligned blocks of words,
#: small talk aside), one more per `PLACE_PER_WORDS` words of the shorter text. Edits are made
#: in a place or two; texts that differ in three places of ten words are a rewording.
CHANGED_PLACES = 2
PLACE_PER_WORDS = 16
NEGATIONS = frozenset(
    "not no never nor none nothing nobody nowhere neither without unable cannot nope".split()
)
# Words a hurried or telegraphic re-type leaves out ("card not arrived yet", "how do set up apple
# pay"): articles, pronouns and auxiliaries. Negations and question words are never among them,
# nor prepositions ("pay with my card" / "pay my card").
FUNCTION_WORDS = frozenset(
    """a an the i me my you your it its this that there we our is am are was were be been
    being do does did have has had will would can could""".split()
)
# Words written for one another by sound, in any kind of text ("their" / "there", "too" /
# "to"): a spelling slip, not another word. Number words are never among them ("two").
HOMOPHONES = (
    frozenset({"there", "their", "thier"}),  # "thier": the common misspelling
    frozenset({"to", "too"}),
    frozenset({"of", "off"}),
    frozenset({"then", "than"}),
    frozenset({"were", "where", "wear"}),
    frozenset({"whose", "whos"}),
    frozenset({"here", "hear"}),
    frozenset({"weather", "whether"}),
    frozenset({"advice", "advise"}),
    frozenset({"lose", "loose"}),
    frozenset({"cheque", "check"}),
)
# A typo never turns a word into its opposite: "blocked" / "unblocked", "activate" / "deactivate".
FLIP_PREFIXES = ("un", "dis", "non", "de", "in", "im", "ir", "il", "mis", "re")
# Nor into the word with the opposite prefix: "minimum" / "maximum", "increase" / "decrease",
# "include" / "exclude", "import" / "export", "inbound" / "outbound", "overpaid" / "underpaid".
OPPOSITE_PREFIXES = (
    ("min", "max"),
    ("in", "de"),
    ("in", "ex"),
    ("im", "ex"),
    ("in", "out"),
    ("up", "down"),
    ("over", "under"),
    ("pre", "post"),
)

_CONTRACTIONS = (
    (re.compile(r"\bcan'?t\b"), "can not"),
    (re.compile(r"\bcannot\b"), "can not"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\bshan'?t\b"), "shall not"),
    (
        re.compile(
            r"\b(do|does|did|is|are|was|were|has|have|had|would|could|should|must|need)n'?t+\b"
        ),
        r"\1 not",
    ),
    # any other word before "n't" is a negated verb, typos included ("hacen't", "dooesn't")
    (re.compile(r"\b(\w+)n't\b"), r"\1 not"),
    (re.compile(r"\bi'?m\b"), "i am"),
    (re.compile(r"\bi'?ve\b"), "i have"),
    (re.compile(r"\b(you|they)'?re\b"), r"\1 are"),
    (re.compile(r"\bwe're\b"), "we are"),
    (re.compile(r"\b(i|you|we|they)'ve\b"), r"\1 have"),
    (re.compile(r"\b(you|they|we)ve\b"), r"\1 have"),
    (re.compile(r"\b(i|you|we|they|he|she|it)'ll\b"), r"\1 will"),
    (re.compile(r"\b(you|they)ll\b"), r"\1 will"),
    (re.compile(r"\b(i|you|we|they|he|she)'d\b"), r"\1 would"),
    (re.compile(r"\b(you|they)d\b"), r"\1 would"),
    (re.compile(r"\b(it|that|there|what|here|who|where|how|he|she|when|why|wat)'s\b"), r"\1 is"),
    (re.compile(r"\b(whats|thats|theres)\b"), lambda m: m.group(1)[:-1] + " is"),
    (re.compile(r"\blet's\b"), "let us"),
    (re.compile(r"\bthank (?:you|u)\b"), "thanks"),  # small talk, without a stray "you"
    (re.compile(r"\bw/o(?:ut)?\b"), "without"),  # chat shorthand that punctuation would split
    (re.compile(r"\bw/"), "with "),
    (re.compile(r"\s&\s"), " and "),
)
_WORD = re.compile(r"\w+")
# A currency sign before or after an amount, and currency codes, as the currency's word.
_CURRENCY_WORDS = {
    "$": "dollars",
    "usd": "dollars",
    "€": "euros",
    "eur": "euros",
    "euro": "euros",
    "£": "pounds",
    "gbp": "pounds",
    "¥": "yen",
    "jpy": "yen",
    "₹": "rupees",
    "inr": "rupees",
}
_AMOUNT = r"(\d[\d,.]*\d|\d)"
_CODES = r"(usd|eur|euro|gbp|jpy|inr)"
_CURRENCIES = (
    (re.compile(r"\bus\$"), "$"),
    (
        re.compile(r"([$€£¥₹])" + _AMOUNT),  # no space: "20$ 3 times" is 20 dollars
        lambda m: f" {m.group(2)} {_CURRENCY_WORDS[m.group(1)]} ",
    ),
    (
        re.compile(_AMOUNT + r"\s?([$€£¥₹])"),
        lambda m: f" {m.group(1)} {_CURRENCY_WORDS[m.group(2)]} ",
    ),
    (
        re.compile(_AMOUNT + r"\s?" + _CODES + r"\b"),
        lambda m: f" {m.group(1)} {_CURRENCY_WORDS[m.group(2)]} ",
    ),
    (
        re.compile(r"\b" + _CODES + r"\s?" + _AMOUNT),
        lambda m: f" {m.group(2)} {_CURRENCY_WORDS[m.group(1)]} ",
    ),
    (re.compile(r"\b(dollar|euro|pound)\b"), r"\1s"),
    # an amount is one word: "1,000" -> "1000", "1.50" -> "1_50", "10:10" -> "10_10"
    (re.compile(r"(?<=\d),(?=\d{3}\b)"), ""),
    (re.compile(r"(?<=\d)[.,:](?=\d)"), "_"),
)
# Contractions whose apostrophe was dropped into another word ("its", "id", "ill", "were"): never
# spelled out, but the same as their spelled-out form where the other text has that form.
APOSTROPHE_LESS = {
    ("id",): (("i", "would"), ("i", "had")),
    ("its",): (("it", "is"), ("it", "has")),
    ("ill",): (("i", "will"),),
    ("were",): (("we", "are"),),
    ("wed",): (("we", "would"),),
    ("hed",): (("he", "would"),),
    ("shed",): (("she", "would"),),
    ("hes",): (("he", "is"),),
    ("shes",): (("she", "is"),),
    ("lets",): (("let", "us"),),
    # "you're" for "your" and "they're" for "their", spelled out before they meet
    ("your",): (("you", "are"),),
    ("their",): (("they", "are"),),
    ("there",): (("they", "are"),),
}
#: Number words: never a typo or homophone of another word ("four" / "for", "two" / "too").
NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve twenty thirty forty
    fifty hundred thousand million""".split()
)


@lru_cache(maxsize=1 << 14)
def words(text: str) -> tuple[str, ...]:
    """Lower-cased words of `text`, contractions spelled out, currency signs as words ("$20" ->
    "20 dollars", so "$20" / "€20" differ and "$20" / "20 USD" do not), punctuation dropped, a
    word typed twice in a row ("for for") kept once."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'").replace("`", "'")
    for pattern, spelled in _CONTRACTIONS:
        text = pattern.sub(spelled, text)
    for pattern, spelled in _CURRENCIES:
        text = pattern.sub(spelled, text)
    found = _WORD.findall(text)
    return tuple(w for k, w in enumerate(found) if k == 0 or w != found[k - 1] or not w.isalpha())


def same_request(
    a: str, b: str, added_words: int = 1, changed_places: int = CHANGED_PLACES
) -> bool:
    """True when `a` and `b` say the same thing up to typos, spelling, small talk, synonyms and
    at most `added_words` other words added or dropped, changed in at most `changed_places`
    places (see the module docstring)."""
    return same_words(words(a), words(b), added_words, changed_places)


def same_words(
    a: tuple[str, ...],
    b: tuple[str, ...],
    added_words: int = 1,
    changed_places: int = CHANGED_PLACES,
) -> bool:
    """`same_request` on texts already split by `words`. Symmetric: the same request when it is
    one read either way (difflib aligns the words by the first text, so the places it counts
    can differ with the order: 3 of the 7,150 planted pairs of the outside sets, all near
    copies, were found one way only)."""
    return _same_words(a, b, added_words, changed_places) or (
        a != b and _same_words(b, a, added_words, changed_places)
    )


def _same_words(
    a: tuple[str, ...], b: tuple[str, ...], added_words: int, changed_places: int
) -> bool:
    """`same_words` with `b` aligned against `a`."""
    if a == b:
        return True
    if not (_same_how(a, b) or _same_how(canonical(a), canonical(b))):
        return False  # "How can I change my PIN?" / "How often can I change my PIN?"
    limit = changed_places + min(len(a), len(b)) // PLACE_PER_WORDS
    blocks = _changed_blocks(a, b)
    if _within(blocks, limit, added_words):
        return True
    ca, cb = canonical(a), canonical(b)
    if (ca, cb) != (a, b) and _within(_changed_blocks(ca, cb), limit - 1, added_words):
        return True  # the rephrasing itself is one place
    return _telegraphic(a, b, blocks)


def _telegraphic(
    a: tuple[str, ...], b: tuple[str, ...], blocks: list[tuple[tuple[str, ...], tuple[str, ...]]]
) -> bool:
    """Is one text the other (`blocks`: where they differ) with function words left out
    (`FUNCTION_WORDS`: "card not arrived yet"), and otherwise only respelled? At most a third
    of the longer text's words: "A transfer is pending." / "I have a transfer that is pending."
    says more than a hurried copy leaves out."""
    if not any(FUNCTION_WORDS.intersection(x or y) for x, y in blocks):
        return False
    if any(not (x and y) and not FUNCTION_WORDS.issuperset(x or y) for x, y in blocks):
        return False  # a content word added or dropped (checked first: it is cheap)
    left_out = 0
    for x, y in blocks:
        if x and y and (_slip(x, y) or _respelled(x, y)):
            continue
        kept_x = tuple(w for w in x if w not in FUNCTION_WORDS)
        kept_y = tuple(w for w in y if w not in FUNCTION_WORDS)
        if len(kept_x) < len(x) and kept_y == y:
            fuller, other = kept_x, y
        elif len(kept_y) < len(y) and kept_x == x:
            fuller, other = kept_y, x
        else:
            return False
        # what is left may only be a typing slip of the other side ("my topup" / "top up"), not
        # another word for it ("have forgotten" / "forgot" is a rewording of a real message)
        if (fuller or other) and not (fuller and other and _slip(fuller, other)):
            return False
        left_out += len(x) - len(kept_x) + len(y) - len(kept_y)
    return left_out * 3 <= max(len(a), len(b))


# "how" and the word that makes it ask for a quantity: another question when added or changed.
HOW_WHAT = frozenset("often long much many soon far old big fast late early".split())


def _same_how(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether each "how" + quantity word of one text ("how often") is in the other, typos
    allowed ("how mch")."""
    after_a, after_b = _after_how(a), _after_how(b)
    return all(
        any(x == y or _same_word(x, y) for y in other)
        for mine, other in ((after_a, after_b), (after_b, after_a))
        for x in mine
        if x in HOW_WHAT
    )


def _after_how(found: tuple[str, ...]) -> list[str]:
    return [found[k + 1] for k in range(len(found) - 1) if found[k] == "how"]


def _within(
    blocks: list[tuple[tuple[str, ...], tuple[str, ...]]], limit: int, added_words: int
) -> bool:
    """Do the changed `blocks` fit in `limit` places and leave the request the same?"""
    moved = _moved_clauses(blocks)
    return _places(blocks, moved) <= limit and _same_after(blocks, moved, added_words)


def _changed_blocks(
    a: tuple[str, ...], b: tuple[str, ...]
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The places where `b` differs from `a` (aligned word blocks), small talk left out."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    blocks = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        x, y = without_small_talk(a[i1:i2]), without_small_talk(b[j1:j2])
        if x or y:
            blocks.append((x, y))
    return blocks


def _same_after(
    blocks: list[tuple[tuple[str, ...], tuple[str, ...]]], moved: set[int], added_words: int
) -> bool:
    """Do the changed `blocks` (of two texts; `moved`: the moved clauses among them) leave the
    request the same?"""
    dropped: Counter[str] = Counter()
    added: Counter[str] = Counter()
    for k, (x, y) in enumerate(blocks):
        if k in moved or (x and y and _respelled(x, y)):
            continue
        dropped.update(x)
        added.update(y)
    shifted = dropped & added  # a word that only changed place
    dropped, added = dropped - shifted, added - shifted
    if not dropped and not added:
        return True
    if any(w in NEGATIONS for w in (dropped + added)):
        return False
    if dropped and added:  # one word in place of another: another request
        return False
    return sum(dropped.values()) + sum(added.values()) <= added_words


def _moved_clauses(blocks: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> set[int]:
    """Blocks that are a clause (three words or more) dropped in one place and added in
    another, as written or respelled ("I will be traveling" / "I will be travelling")."""
    gone = [k for k, (x, y) in enumerate(blocks) if len(x) >= 3 and not y]
    moved: set[int] = set()
    for k, (x, y) in enumerate(blocks):
        if len(y) < 3 or x:
            continue
        for g in gone:
            if g not in moved and _respelled(blocks[g][0], y):
                moved.update((g, k))
                break
    return moved


def _places(blocks: list[tuple[tuple[str, ...], tuple[str, ...]]], moved: set[int]) -> int:
    """How many places the texts differ in wording: a block changed only by a typing slip
    (`_slip`) is none, a clause that only moved (`moved`, from `_moved_clauses`) is one, a
    single word that moves ("I am still waiting" / "I am waiting, still") is two."""
    slips = sum(1 for x, y in blocks if x and y and _slip(x, y))
    return len(blocks) - slips - len(moved) // 2


def _slip(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    """A block changed by a typing slip only: respelled without synonyms, and one side no
    English word ("acount", "theyy", "topup"), so no real word was put for another ("sell" /
    "tell", "card" / "car")."""
    return _respelled(x, y, spelling_only=True) and not (
        all(map(_is_word, x)) and all(map(_is_word, y))
    )


def _is_word(word: str) -> bool:
    """A word WordNet knows (in any inflection), a function word or one under three letters,
    or a number."""
    return len(word) < 3 or word in NO_SYNONYMS or word.isdigit() or bool(lemmas(word))


def _respelled(x: tuple[str, ...], y: tuple[str, ...], spelling_only: bool = False) -> bool:
    """Is block `y` block `x` with typos, abbreviations, synonyms, words split or joined, or a
    contraction that lost its apostrophe ("its" / "it is")? The blocks are cut into pieces of up
    to three words that pair up in order ("the atm kept" / "the cash machine kpet").
    `spelling_only`: typos, homophones and split or joined words only, no synonyms."""
    return _pieces_match(x, y, 0, 0, {}, spelling_only)


def _pieces_match(
    x: tuple[str, ...],
    y: tuple[str, ...],
    i: int,
    j: int,
    memo: dict[tuple[int, int], bool],
    spelling_only: bool,
) -> bool:
    if i == len(x) or j == len(y):
        return i == len(x) and j == len(y)
    if (i, j) not in memo:
        memo[(i, j)] = any(
            _piece_same(x[i : i + k], y[j : j + h], spelling_only)
            and _pieces_match(x, y, i + k, j + h, memo, spelling_only)
            for k in range(1, min(3, len(x) - i) + 1)
            for h in range(1, min(3, len(y) - j) + 1)
        )
    return memo[(i, j)]


def _piece_same(p: tuple[str, ...], q: tuple[str, ...], spelling_only: bool = False) -> bool:
    """Do pieces of one to three words mean the same: one word each, two ways of writing one
    phrase ("top up" / "topup"), a phrase WordNet lists as one lemma ("cash machine" / "atm"),
    or a contraction that lost its apostrophe? `spelling_only`: no synonyms or broader words."""
    if len(p) == len(q) == 1:
        return _same_meaning(p[0], q[0], spelling_only)
    if q in APOSTROPHE_LESS.get(p, ()) or p in APOSTROPHE_LESS.get(q, ()):
        return True
    if NEGATIONS.isdisjoint(p) != NEGATIONS.isdisjoint(q):
        return False  # "not received" / "now recieved" is no typo
    if _same_letters("".join(p), "".join(q)):
        return True
    if spelling_only:
        return False
    phrase_p, phrase_q = "_".join(p), "_".join(q)
    return are_synonyms(phrase_p, phrase_q) or kind_of(phrase_p, phrase_q)


def _same_meaning(p: str, q: str, spelling_only: bool = False) -> bool:
    """One word written two ways (`_same_word`), two WordNet synonyms, or a noun and its broader
    word, unless one is a negation ("nothing" / "zero", "not" / "now") or the other with an
    opposite-making prefix: those rules are never overruled by a typo or a word list."""
    if p == q:
        return True
    if p in NEGATIONS or q in NEGATIONS or _flipped(p, q):
        return False  # "not" / "now", "never" / "ever" are no typos
    if p in NUMBER_WORDS or q in NUMBER_WORDS:
        return False  # "four" / "for", "two" / "too"
    if _same_word(p, q) or _homophones(p, q):
        return True
    return not spelling_only and (are_synonyms(p, q) or kind_of(p, q))


def _homophones(p: str, q: str) -> bool:
    """Written for one another by sound ("their" / "there"): see `HOMOPHONES`."""
    return any(p in group and q in group for group in HOMOPHONES)


@lru_cache(maxsize=1 << 16)
def _flipped(p: str, q: str) -> bool:
    """Is one word the other with a prefix that may make it its opposite ("un", "dis", ...),
    or the other with the opposite prefix ("minimum" / "maximum", `OPPOSITE_PREFIXES`)?"""
    short, long_ = sorted((p, q), key=len)
    if any(long_ == prefix + short for prefix in FLIP_PREFIXES):
        return True
    for x, y in OPPOSITE_PREFIXES:
        for a, b in ((p, q), (q, p)):
            if a.startswith(x) and b.startswith(y) and len(a) - len(x) >= 3:
                if a[len(x) :] == b[len(y) :]:
                    return True
    return False


def _same_letters(p: str, q: str) -> bool:
    """Words split or joined, with a typo at most ("top up" / "topup", "log in" / "logn"): the
    letters match, no abbreviation ("card" is no short form of "cards pin")."""
    if p == q:
        return True
    if any(c.isdigit() for c in p + q) or min(len(p), len(q)) < 3 or _flipped(p, q):
        return False
    limit = 1 if min(len(p), len(q)) <= 5 else 2
    return _damerau(p, q, limit) <= limit


@lru_cache(maxsize=1 << 16)
def _same_word(p: str, q: str) -> bool:
    """One word written two ways: a typo, an abbreviation of three letters or more, not an
    opposite made with a prefix, and never a different number."""
    if _same_letters(p, q):
        return True
    if any(c.isdigit() for c in p + q) or _flipped(p, q):
        return False
    short, long_ = sorted((p, q), key=len)
    # an abbreviation; a function word is none ("the" / "there", "can" / "cancel")
    if len(short) >= 3 and long_.startswith(short) and short not in NO_SYNONYMS:
        return True
    return _letters_dropped(short, long_)


def _letters_dropped(short: str, long_: str) -> bool:
    """Is `short` a chat spelling of `long_` that keeps its consonants ("hv" / "have", "ths" /
    "this", "wht" / "what"): the same first letter, then only consonants, all of them in order
    in the longer word, and no word of its own (a function word or one WordNet knows). A short
    form with a vowel ("me" / "more", "states" / "statements") is another word."""
    if len(short) < 2 or len(long_) < 4 or short[0] != long_[0]:
        return False
    if any(c in _VOWELS or not c.isalpha() for c in short[1:]):
        return False
    if len(short) == 2 and short[0] in _VOWELS:
        return False  # "on" / "open", "at" / "about": short words of their own
    if short in NO_SYNONYMS or lemmas(short):
        return False
    rest = iter(long_[1:])
    return all(c in rest for c in short[1:])


_VOWELS = frozenset("aeiouy")


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
