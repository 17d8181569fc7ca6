#!/usr/bin/env python3
"""Generate near_dups_short2.jsonl: a near-duplicate test set of short bank-customer
queries built from banking77 (PolyAI, CC BY 4.0).

Run:  python3 make.py [path/to/banking77/train.csv] [out_dir]
Deterministic for a given input file (seed 4242); uses only the standard library.
"""
import csv
import json
import os
import random
import re
import sys
from collections import Counter

SEED = 4242
N_ORIG, N_EXACT, N_NEAR, N_NEG = 2000, 200, 500, 300
MIN_LEN, MAX_LEN = 12, 160          # "short" messages only
JACCARD_SKIP = 0.6

SRC = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/banking77/train.csv"
OUT_DIR = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(OUT_DIR, "near_dups_short2.jsonl")

rng = random.Random(SEED)


# ----------------------------------------------------------------------------- helpers
def norm_strict(s):
    """lowercase, drop all punctuation, collapse whitespace (used for 'same text' checks)."""
    s = s.lower().replace("’", "'")
    s = re.sub(r"[^\w\s£$€]", "", s)
    return " ".join(s.split())


def norm_exact(s):
    """what an 'exact' copy may differ by: case, whitespace, trailing punctuation."""
    s = " ".join(s.lower().split())
    return re.sub(r"[\s.?!,;:]+$", "", s)


def words(s):
    return set(re.findall(r"[a-z0-9£$€']+", s.lower()))


def jaccard(a, b):
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def at_sentence_start(text, pos):
    before = text[:pos].rstrip()
    return before == "" or before[-1] in ".?!"


def fit_case(text, start, matched, new):
    """Preserve capitalisation of a replaced span."""
    if not new:
        return new
    proper = ("I", "I'd", "I'm", "I've", "I'll", "ATM", "ATMs", "PIN", "ID", "Apple", "Google", "Visa",
              "Mastercard", "MasterCard", "UK", "US", "USA", "EU")
    first = new.split()[0] if new.split() else new
    if at_sentence_start(text, start):
        if matched[:1].isupper():
            return new[:1].upper() + new[1:]
        return new
    if matched[:1].islower() and new[:1].isupper() and first not in proper and not first.isupper():
        return new[:1].lower() + new[1:]
    return new


def sub_one(text, pattern, repl, flags=re.I, r=None, check=None, keep_case=False):
    """Replace ONE randomly chosen match of pattern. repl: str (template) or func(m)->str|None.
    Returns new text or None when nothing applicable."""
    r = r or rng
    ms = list(re.finditer(pattern, text, flags))
    r.shuffle(ms)
    for m in ms:
        new = repl(m) if callable(repl) else m.expand(repl)
        if new is None or new == m.group(0):
            continue
        if not keep_case:
            new = fit_case(text, m.start(), m.group(0), new)
        out = text[:m.start()] + new + text[m.end():]
        if check and not check(out):
            continue
        return out
    return None


def pick_pairs(text, pairs, r, bidirectional=True, flags=re.I):
    """pairs: list of (a, b). Try to replace one occurrence of a->b (and b->a if bidirectional)."""
    opts = []
    for a, b in pairs:
        opts.append((a, b))
        if bidirectional:
            opts.append((b, a))
    r.shuffle(opts)
    for a, b in opts:
        pat = r"(?<![\w-])" + a + r"(?![\w-])"
        out = sub_one(text, pat, b, flags=flags, r=r)
        if out is not None:
            return out
    return None


# ----------------------------------------------------------------------------- load + originals
with open(SRC, newline="", encoding="utf-8") as f:
    rows = [(r_["text"].strip(), r_["category"]) for r_ in csv.DictReader(f)]
train_strict = {norm_strict(t) for t, _ in rows}
VOCAB = set()
for t, _ in rows:
    VOCAB |= words(t)

pool = [t for t, _ in rows if MIN_LEN <= len(t) <= MAX_LEN and "\n" not in t]
rng.shuffle(pool)

originals, orig_sets, seen_strict = [], [], set()
index = {}  # word -> list of indices of originals containing it (for fast Jaccard screening)
skipped_dup = skipped_jacc = 0
for t in pool:
    if len(originals) == N_ORIG:
        break
    ns = norm_strict(t)
    if ns in seen_strict:
        skipped_dup += 1
        continue
    ws = words(t)
    cand = set()
    for w in ws:
        cand.update(index.get(w, ()))
    if any(jaccard(ws, orig_sets[i]) >= JACCARD_SKIP for i in cand):
        skipped_jacc += 1
        continue
    seen_strict.add(ns)
    for w in ws:
        index.setdefault(w, []).append(len(originals))
    originals.append(t)
    orig_sets.append(ws)
assert len(originals) == N_ORIG, len(originals)
orig_strict = {norm_strict(t) for t in originals}

# ----------------------------------------------------------------------------- NEAR edit ops
# Each op: f(text, r) -> new text or None. "light" ops only ever appear as the 2nd edit next to a
# word-level op, so every near copy differs by more than case/punctuation.
KEYBOARD = {
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij", "i": "uok",
    "o": "ipl", "p": "ol", "a": "qsz", "s": "adwx", "d": "sfe", "f": "dgr", "g": "fht", "h": "gjy",
    "j": "hku", "k": "jli", "l": "ko", "z": "xa", "x": "zcs", "c": "xvd", "v": "cbf", "b": "vng",
    "n": "bmh", "m": "nj",
}
PROTECT = {"not", "no", "never", "can't", "cannot", "don't", "didn't", "won't", "isn't", "wasn't",
           "doesn't", "haven't", "hasn't", "aren't", "weren't", "couldn't", "shouldn't", "wouldn't"}


def _typo(text, r, mutate, minlen):
    toks = list(re.finditer(r"[A-Za-z]+", text))
    cands = [m for m in toks if len(m.group(0)) >= minlen and m.group(0).lower() not in PROTECT
             and not m.group(0).isupper()]
    r.shuffle(cands)
    for m in cands:
        w = m.group(0)
        for _ in range(6):
            nw = mutate(w, r)
            if nw and nw != w and nw.lower() not in VOCAB:   # don't create a real (different) word
                return text[:m.start()] + nw + text[m.end():]
    return None


def typo_transpose(text, r):
    def f(w, r):
        i = r.randrange(1, len(w) - 1)
        if w[i] == w[i + 1]:
            return None
        return w[:i] + w[i + 1] + w[i] + w[i + 2:]
    return _typo(text, r, f, 4)


def typo_deletion(text, r):
    def f(w, r):
        i = r.randrange(1, len(w))
        return w[:i] + w[i + 1:]
    return _typo(text, r, f, 5)


def typo_doubled(text, r):
    def f(w, r):
        i = r.randrange(1, len(w))
        return w[:i] + w[i] + w[i:]
    return _typo(text, r, f, 4)


def typo_keyboard(text, r):
    def f(w, r):
        i = r.randrange(1, len(w))
        c = w[i].lower()
        if c not in KEYBOARD:
            return None
        n = r.choice(KEYBOARD[c])
        return w[:i] + (n.upper() if w[i].isupper() else n) + w[i + 1:]
    return _typo(text, r, f, 4)


def typo_space(text, r):
    """two short words run together ("my card" -> "mycard") or a word split in two."""
    if r.random() < 0.6:
        ms = list(re.finditer(r"\b([A-Za-z]{1,4}) ([A-Za-z]{2,8})\b", text))
        ms = [m for m in ms if m.group(1).lower() not in PROTECT and m.group(2).lower() not in PROTECT
              and m.group(1) != "I"]
        if not ms:
            return None
        m = r.choice(ms)
        return text[:m.start()] + m.group(1) + m.group(2) + text[m.end():]
    ms = [m for m in re.finditer(r"\b[a-z]{7,}\b", text) if m.group(0) not in PROTECT]
    if not ms:
        return None
    m = r.choice(ms)
    i = r.randrange(3, len(m.group(0)) - 2)
    return text[:m.start() + i] + " " + text[m.start() + i:]


HOMOPHONES = [("your", "you're"), ("there", "their"), ("to", "too"), ("than", "then"),
              ("it's", "its"), ("lose", "loose"), ("where", "were"), ("whose", "who's"),
              ("have", "of")]


def typo_homophone(text, r):
    # one-directional real-world confusions (your->you're etc.), "could have"->"could of"
    opts = HOMOPHONES[:]
    r.shuffle(opts)
    for a, b in opts:
        if a == "have":
            out = sub_one(text, r"\b(could|should|would|must) have\b", r"\1 of", r=r)
        elif a == "to":
            out = sub_one(text, r"\b(want|need|like|have|able|going|how) to\b", r"\1 too", r=r)
        else:
            out = sub_one(text, r"(?<![\w'])" + re.escape(a) + r"(?![\w'])", b, r=r)
        if out:
            return out
    return None


GREETINGS = ["Hi", "Hello", "Hey", "Hi there", "Hello there", "Good morning", "Good afternoon",
             "Good evening", "Hiya", "Hey team", "Hi support", "Dear support team", "Morning"]
SIGNOFFS = ["Thanks", "Thanks!", "Thank you.", "Thank you!", "thanks", "thx", "ty", "Cheers.",
            "Cheers", "Many thanks.", "Thanks in advance.", "Thanks a lot!", "Appreciate it.",
            "Appreciate the help.", "Please advise.", "Please help!", "Any help appreciated.",
            "Regards", "Kind regards.", "TIA"]
FILLERS = ["Quick question: ", "Quick question - ", "Just wondering, ", "So ", "Um, ", "Ok so ",
           "Sorry to bother you, but ", "Hoping you can help: ", "Question: ", "I have a question. ",
           "Can you help? ", "Please help. ", "Hi again, ", "Urgent: ", "Random question, "]


def _lower_first(text, r):
    w = text.split(" ", 1)[0]
    keep = w in ("I", "I'm", "I've", "I'd", "I'll") or (w.isupper() and len(w) > 1) or (
        len(w) > 1 and any(c.isupper() for c in w[1:]))
    if not keep and r.random() < 0.6:
        return text[:1].lower() + text[1:]
    return text


def greeting(text, r):
    g = r.choice(GREETINGS)
    sep = r.choice([", ", ". ", "! ", " ", ", ", " - "])
    body = _lower_first(text, r) if sep in (", ", " ", " - ") else text
    return g + sep + body


def signoff(text, r):
    s = r.choice(SIGNOFFS)
    if text[-1] in ".?!":
        return text + " " + s
    return text + r.choice([". ", ", ", " ", " - "]) + s


def filler(text, r):
    kind = r.random()
    if kind < 0.35:   # "please" inside a request
        out = sub_one(text, r"\b(can|could|would|will) you\b(?! please)", r"\1 you please", r=r)
        if out is None:
            out = sub_one(text, r"^(How do I|How can I|Where do I|Where can I)\b", r"\1", r=r)  # n/a
            out = None
        if out is None and text[-1] in "?." and re.match(r"^(can|could) (you|i)\b", text, re.I):
            out = text[:-1] + ", please" + text[-1]
        if out:
            return out
    f = r.choice(FILLERS)
    if f.endswith(". ") or f.endswith("? "):
        body = text
    else:
        body = _lower_first(text, r)
        if body == text:
            body = _lower_first(text, r)   # lower-case continuation is the common case
    return f + body


DROPPABLE = ["the", "a", "just", "really", "actually", "still", "already", "currently", "yet",
             "very", "please", "so", "that", "even", "now", "some", "also", "any"]


def drop_minor_word(text, r):
    opts = DROPPABLE[:]
    r.shuffle(opts)
    for w in opts:
        if w == "a":
            pat = r"\ba (?!lot\b|few\b|little\b|bit\b|while\b)"
        elif w == "that":
            pat = r"\b(think|know|said|says|noticed|see|seems|realised|realized|sure|saw) that\b"
        elif w == "any":
            pat = r"\bany (?=fees?\b|charges?\b|extra\b)"
        elif w == "now":
            pat = r",? now(?=[?.!]?$)"
        else:
            pat = r"\b" + w + r"\b,? ?"
        out = sub_one(text, pat, r"\1" if w == "that" else "", r=r)
        if out is not None:
            out = re.sub(r"  +", " ", out).strip()
            out = re.sub(r" ([?.!,])", r"\1", out)
            if out and out[0].islower() and text[0].isupper():
                out = out[0].upper() + out[1:]
            if norm_strict(out) != norm_strict(text) and len(out.split()) >= 3:
                return out
    return None


ADD_PATTERNS = [
    (r"\b(hasn't|has not|haven't|have not|isn't|is not|hasnt|havent|isnt)\b(?! yet)", r"still \1"),
    (r"\bI (lost|received|got|made|tried|ordered|sent|noticed|saw|bought|paid|topped up|withdrew)\b", r"I just \1"),
    (r"\b(How) (do|can) I\b", r"\1 exactly \2 I"),
    (r"\b(arrived|arrive|come through|gone through|shown up|showed up|cleared)(?=[?.!]?$)", r"\1 yet"),
    (r"\b(my|the) card\b", r"\1 bank card"),
    (r"\b(is|was) (charged|declined|blocked|stolen|lost|pending|cancelled|canceled|reverted|frozen)\b", r"\1 \2 again"),
    (r"\bI (need|want) to\b", r"I really \1 to"),
    (r"\b(help)(?= me\b)", r"\1"),
]


def add_minor_word(text, r):
    opts = ADD_PATTERNS[:]
    r.shuffle(opts)
    for pat, rep in opts:
        if "again" in rep:   # "again" changes meaning slightly -> skip this one entirely
            continue
        out = sub_one(text, pat, rep, r=r,
                      check=lambda o: not re.search(r"(?i)\b(why|how|what|when|where) (still|just)\b", o))
        if out:
            return out
    return None


CONTRACTIONS = [
    ("do not", "don't"), ("does not", "doesn't"), ("did not", "didn't"), ("is not", "isn't"),
    ("are not", "aren't"), ("was not", "wasn't"), ("were not", "weren't"), ("has not", "hasn't"),
    ("have not", "haven't"), ("cannot", "can't"), ("can not", "can't"), ("will not", "won't"),
    ("would not", "wouldn't"), ("could not", "couldn't"), ("should not", "shouldn't"),
    ("I am", "I'm"), ("I have", "I've"), ("I would", "I'd"), ("I will", "I'll"), ("it is", "it's"),
    ("what is", "what's"), ("that is", "that's"), ("there is", "there's"), ("where is", "where's"),
    ("who is", "who's"), ("how is", "how's"), ("you are", "you're"), ("they are", "they're"),
    ("we are", "we're"), ("let us", "let's"),
]


def contraction(text, r):
    opts = CONTRACTIONS[:]
    r.shuffle(opts)
    for a, b in opts:
        if r.random() < 0.5:
            a, b = b, a
        if a in ("I have",):   # "I have a card" must not become "I've a card" (rare in US)
            pat = r"\bI have(?= (?:been|not|never|already|just|lost|received|made|tried|sent|had|got|gotten|paid|ordered|noticed|changed|forgotten|forgot|topped|used|seen)\b)"
        elif a in ("it is", "what is", "that is", "there is", "where is", "who is", "how is") :
            pat = r"(?<![\w'])" + a + r"(?![\w'])(?![?.!]?$)"
        else:
            pat = r"(?<![\w'])" + re.escape(a) + r"(?![\w'])"
        if "'" in a and " not" in b or a in ("can't", "won't"):
            pat += r"(?! (?:I|you|we|they|he|she|my|it)\b)"     # no "Why cannot I ..." inversions
        if a in ("it's", "what's", "there's", "that's", "where's", "who's", "how's"):
            pat += r"(?! (?:been|got|gotten|had)\b)"             # 's = has here
        out = sub_one(text, pat, b, r=r)
        if out:
            return out
    return None


SPELLING = [  # British <-> American
    ("cancelled", "canceled"), ("cancelling", "canceling"), ("cancellation", "cancelation"),
    ("recognise", "recognize"), ("recognised", "recognized"), ("recognising", "recognizing"),
    ("authorise", "authorize"), ("authorised", "authorized"), ("authorisation", "authorization"),
    ("organise", "organize"), ("realise", "realize"), ("realised", "realized"),
    ("apologise", "apologize"), ("favourite", "favorite"), ("centre", "center"),
    ("travelling", "traveling"), ("travelled", "traveled"), ("traveller", "traveler"),
    ("labelled", "labeled"), ("behaviour", "behavior"), ("colour", "color"), ("enrol", "enroll"),
    ("licence", "license"), ("fulfil", "fulfill"), ("utilise", "utilize"), ("analyse", "analyze"),
    ("emphasise", "emphasize"), ("prioritise", "prioritize"), ("summarise", "summarize"),
    ("finalise", "finalize"), ("finalised", "finalized"), ("modernise", "modernize"),
    ("cheque", "check"), ("cheques", "checks"), ("programme", "program"), ("catalogue", "catalog"),
    ("jewellery", "jewelry"), ("grey", "gray"), ("defence", "defense"), ("offence", "offense"),
    ("whilst", "while"), ("amongst", "among"), ("judgement", "judgment"), ("instalment", "installment"),
    ("postcode", "zip code"), ("mobile phone", "cell phone"), ("holiday", "vacation"),
]
COMPOUNDS = [
    ("top up", "top-up", "topup"), ("top ups", "top-ups", "topups"), ("email", "e-mail"),
    ("online", "on-line"), ("log in", "login", "log-in"), ("cash back", "cashback"),
    ("any more", "anymore"), ("every day", "everyday"), ("ID", "I.D."), ("PIN", "pin", "Pin"),
    ("ATM", "atm"), ("Apple Pay", "ApplePay", "apple pay"), ("Google Pay", "GooglePay", "google pay"),
    ("Mastercard", "MasterCard", "master card"), ("some one", "someone"), ("e-wallet", "ewallet"),
    ("direct debit", "direct-debit", "Direct Debit"), ("okay", "ok", "OK"),
]


def spelling_variant(text, r):
    opts = SPELLING[:]
    r.shuffle(opts)
    for br, am in opts:
        if r.random() < 0.5:
            seq = [(br, am), (am, br)]
        else:
            seq = [(am, br), (br, am)]
        for a, b in seq:
            if a in ("check", "checks", "while", "program", "vacation", "zip code", "cell phone"):
                continue   # American->British would be ambiguous ("check" is also a verb)
            out = sub_one(text, r"(?<![\w-])" + re.escape(a) + r"(?![\w-])", b, r=r)
            if out:
                return out
    return None


def compound_spelling(text, r):
    opts = COMPOUNDS[:]
    r.shuffle(opts)
    for group in opts:
        for a in group:
            others = [g for g in group if g != a]
            pat = r"(?<![\w-])" + re.escape(a) + r"(?![\w-])"
            flags = 0 if a in ("PIN", "pin", "Pin", "ATM", "atm", "ID", "OK", "ok") else re.I
            ms = list(re.finditer(pat, text, flags))
            if ms:
                m = r.choice(ms)
                b = r.choice(others)
                return text[:m.start()] + b + text[m.end():]
    return None


CHAT = [
    (r"\byou\b(?!')", "u"), (r"\byour\b", "ur"), (r"\byou're\b", "ur"), (r"\bplease\b", "pls"),
    (r"\bplease\b", "plz"), (r"\bthanks\b", "thx"), (r"\bthank you\b", "ty"), (r"\bare you\b", "r u"),
    (r"\bbecause\b", "bc"), (r"\bbecause\b", "cuz"), (r"\binformation\b", "info"),
    (r"\baccount\b", "acct"), (r"\bas soon as possible\b", "asap"), (r"\bI don't know\b", "idk"),
    (r"\bI do not know\b", "idk"), (r"\btomorrow\b", "tmrw"), (r"\bmessage\b", "msg"),
    (r"\bpeople\b", "ppl"), (r"\bsomething\b", "smth"), (r"\bokay\b", "ok"), (r"\bwith\b", "w/"),
    (r"\bwithout\b", "w/o"), (r"\bbefore\b", "b4"), (r"\btransaction\b", "txn"),
    (r"\bapplication\b", "app"), (r"\bhours\b", "hrs"), (r"\bminutes\b", "mins"),
    (r"\bnumber\b", "no."), (r"\band\b", "&"), (r"\bthough\b", "tho"), (r"\bwhat\b", "wat"),
    (r"\bI\b(?!')", "i"), (r"\bpicture\b", "pic"), (r"\bwhy\b", "y"),
]


def chat_abbrev(text, r):
    opts = CHAT[:]
    r.shuffle(opts)
    for pat, rep in opts:
        ms = list(re.finditer(pat, text, re.I if rep != "i" else 0))
        if ms:
            m = r.choice(ms)
            return text[:m.start()] + rep + text[m.end():]
    return None


# synonym / paraphrase swaps a bank customer would treat as the same request.
# (pattern, replacement) one-directional; many pairs listed both ways.
SYN = [
    (r"\bmoney\b", "funds"), (r"\bfunds\b", "money"), (r"\bATM\b", "cash machine"),
    (r"\bcash machine\b", "ATM"), (r"\bATMs\b", "cash machines"), (r"\bcash machines\b", "ATMs"),
    (r"\bcashpoint\b", "ATM"), (r"\bATM\b", "cashpoint"),
    (r"\bI want to\b", "I'd like to"), (r"\bI'd like to\b", "I want to"),
    (r"\bI would like to\b", "I want to"), (r"\bI want to\b", "I would like to"),
    (r"\bI wish to\b", "I want to"),
    (r"^Is it possible to\b", "Can I"), (r"^Can I\b", "Is it possible to"), (r"^Can I\b(?! be\b)", "Am I able to"),
    (r"^Am I able to\b", "Can I"), (r"^Is there a way to\b", "Can I"),
    (r"\bHow do I\b", "How can I"), (r"\bHow can I\b", "How do I"), (r"\bHow do I\b", "What's the way to"),
    (r"\bCan you\b", "Could you"), (r"\bCould you\b", "Can you"), (r"\bCan I\b", "Could I"),
    (r"\bWhere can I\b", "Where do I"), (r"\bWhere do I\b", "Where can I"),
    (r"\bwrong\b", "incorrect"), (r"\bincorrect\b", "wrong"),
    (r"\bright away\b", "immediately"), (r"\bimmediately\b", "right away"), (r"\bimmediately\b", "straight away"),
    (r"\babroad\b", "overseas"), (r"\boverseas\b", "abroad"), (r"\bin another country\b", "abroad"),
    (r"\bshow up\b", "appear"), (r"\bshowing up\b", "appearing"), (r"\bshowed up\b", "appeared"),
    (r"\bappear\b", "show up"), (r"\bappeared\b", "showed up"), (r"\bshown up\b", "appeared"),
    (r"\bexchange rate\b", "conversion rate"), (r"\bexchange rates\b", "conversion rates"),
    (r"\bconversion rate\b", "exchange rate"),
    (r"\bfees\b", "charges"), (r"\bcharges\b(?= for\b)", "fees"),
    (r"\b(a|the|any|this|that|an extra|extra) fee\b", r"\1 charge"),
    (r"\b(a|the|any|this|that|an extra|extra) charge\b", r"\1 fee"),
    (r"\b(delete|terminate|cancel) my account\b", "close my account"),
    (r"\bclose my account\b", "delete my account"), (r"\bclose my account\b", "shut down my account"),
    (r"\btell me\b", "let me know"), (r"\blet me know\b", "tell me"),
    (r"\bphone\b(?! call)", "mobile"), (r"\bmobile phone\b", "phone"), (r"\bcell phone\b", "phone"),
    (r"\bverify my identity\b", "confirm my identity"), (r"\bmy identity\b", "my ID"),
    (r"\bsomeone\b", "somebody"), (r"\banyone\b", "anybody"), (r"\bsomebody\b", "someone"),
    (r"\bbought\b", "purchased"), (r"\bpurchased\b", "bought"),
    (r"\bHow quickly\b", "How fast"), (r"\bHow fast\b", "How quickly"),
    (r"\bWhat should I do\b", "What do I do"), (r"\bWhat can I do\b", "What should I do"),
    (r"\bWhat do I do\b", "What should I do"), (r"\bWhat do I need to do\b", "What should I do"),
    (r"\bhelp me\b", "assist me"), (r"\ba lot of\b", "lots of"), (r"\blots of\b", "a lot of"),
    (r"\bget a refund\b", "get my money back"), (r"\bget my money back\b", "get a refund"),
    (r"\brefund\b(?= for\b)", "reimbursement"), (r"\bI received\b", "I got"), (r"\bI got\b", "I received"),
    (r"\b(haven't|have not|hasn't|has not) received\b", r"\1 gotten"),
    (r"\b(haven't|have not|hasn't|has not) (?:gotten|got)\b", r"\1 received"),
    (r"\bwill (\w+ )?(\w+ )?arrive\b", r"will \1\2get here"), (r"\barrive\b", "come"),
    (r"\bfix\b", "sort out"), (r"\bsort out\b", "fix"), (r"\bsort this out\b", "fix this"),
    (r"\bresolve\b", "fix"), (r"\bproblem\b", "issue"), (r"\bissue\b", "problem"),
    (r"\bnot working\b", "broken"), (r"\bdoesn't work\b", "isn't working"), (r"\bisn't working\b", "doesn't work"),
    (r"\bis not working\b", "does not work"), (r"\bdoes not work\b", "is not working"),
    (r"\bcorrect\b", "right"), (r"\bsoon\b(?! as)", "shortly"), (r"\bshortly\b", "soon"),
    (r"\bhow long\b", "how much time"), (r"\bhow much time\b", "how long"),
    (r"\bhow many days\b", "how long"), (r"\bstarted\b", "begun"),
    (r"\bfind out\b", "know"), (r"\bcheck\b(?= (?:on|the status|my balance|whether|if)\b)", "see"),
    (r"\bobtain\b", "get"), (r"\bacquire\b", "get"), (r"\brequire\b", "need"), (r"\bneed\b", "require"),
    (r"\bkeeps? (getting|being) declined\b", r"was declined again"),
    (r"\bdeclined\b", "rejected"), (r"\brejected\b", "declined"), (r"\bapproved\b", "accepted"),
    (r"\bcharged\b(?= twice| two times| double)", "billed"), (r"\bbilled\b", "charged"),
    (r"\bthe app\b", "the application"), (r"\bapplication\b(?! form)", "app"),
    (r"\bI noticed\b", "I saw"), (r"\bI saw\b", "I noticed"), (r"\bI see\b", "I noticed"),
    (r"\bchange\b(?= my (?:address|name|details|personal|phone|email|surname|pin|PIN|passcode))", "update"),
    (r"\bupdate\b(?= my )", "change"), (r"\bmistake\b", "error"), (r"\berror\b(?! message| code)", "mistake"),
    (r"\bwithdraw\b(?= (?:cash|money)\b)", "take out"), (r"\btake out\b(?= (?:cash|money)\b)", "withdraw"),
    (r"\bget cash\b", "withdraw cash"), (r"\bpurchase\b(?= (?:a|an|some)\b)", "buy"),
    (r"\bnew card\b", "replacement card"), (r"\breplacement card\b", "new card"),
    (r"\bduplicate\b", "double"), (r"\btwice\b", "two times"), (r"\btwo times\b", "twice"),
    (r"\bhusband\b", "partner"), (r"\bwife\b", "partner"),
]


def synonym_swap(text, r):
    opts = SYN[:]
    r.shuffle(opts)
    for pat, rep in opts:
        flags = 0 if pat.startswith(r"\bATM") or pat == r"\bPIN\b" else re.I
        out = sub_one(text, pat, rep, flags=flags, r=r)
        if out:
            out = re.sub(r"  +", " ", out)
            return out
    return None


NUMWORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
            8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve", 20: "twenty",
            30: "thirty", 50: "fifty", 100: "a hundred"}
UNIT = r"(?=\s(?:days?|weeks?|months?|hours?|minutes?|mins|years?|times?|business days|working days|cards?|transactions?|payments?|transfers?)\b)"


def number_format(text, r):
    ms = [m for m in re.finditer(r"\b(\d{1,3})\b" + UNIT, text) if int(m.group(1)) in NUMWORDS]
    if ms:
        m = r.choice(ms)
        return text[:m.start()] + NUMWORDS[int(m.group(1))] + text[m.end():]
    inv = {v: k for k, v in NUMWORDS.items()}
    ms = [m for m in re.finditer(r"\b(" + "|".join(v for v in inv if " " not in v) + r")\b" + UNIT, text, re.I)]
    if ms:
        m = r.choice(ms)
        return text[:m.start()] + str(inv[m.group(1).lower()]) + text[m.end():]
    return None


CUR = {"£": ["pounds", "GBP", "quid"], "$": ["dollars", "USD", "bucks"], "€": ["euros", "EUR"]}
CUR_INV = {"pounds": "£", "gbp": "£", "quid": "£", "dollars": "$", "usd": "$", "bucks": "$",
           "euros": "€", "eur": "€", "euro": "€", "pound": "£", "dollar": "$"}


def currency_format(text, r):
    m = re.search(r"([£$€])\s?(\d[\d,]*(?:\.\d+)?)", text)
    if m:
        word = r.choice(CUR[m.group(1)])
        return text[:m.start()] + m.group(2) + " " + word + text[m.end():]
    m = re.search(r"\b(\d[\d,]*(?:\.\d+)?)\s?(pounds|gbp|quid|dollars|usd|bucks|euros|eur|euro|pound|dollar)\b", text, re.I)
    if m:
        sym = CUR_INV[m.group(2).lower()]
        if r.random() < 0.6:
            return text[:m.start()] + sym + m.group(1) + text[m.end():]
        alt = [w for w in CUR[sym] if w.lower() != m.group(2).lower()]
        return text[:m.start()] + m.group(1) + " " + r.choice(alt) + text[m.end():]
    return None


TIME_ADV = r"(yesterday|today|last week|this morning|last night|earlier today|recently|a few days ago|two days ago|last month)"


def word_order(text, r):
    opts = ["sent_swap", "please_move", "time_front", "pp_swap"]
    r.shuffle(opts)
    for o in opts:
        if o == "sent_swap":
            parts = re.split(r"(?<=[.?!])\s+", text.strip())
            if len(parts) == 2 and all(len(p.split()) >= 3 for p in parts) and parts[1][0].isupper():
                a, b = parts
                if not re.match(r"^(it|this|that|they|he|she|so|but|and|also|then)\b", b, re.I) and \
                        not re.match(r"^(hi|hello|hey|good|dear|morning)\b", a, re.I):
                    if b[-1] not in ".?!":
                        b += "."
                    return b + " " + a
        elif o == "please_move":
            m = re.match(r"^Please,? (.+?)([.?!]?)$", text)
            if m and len(m.group(1).split()) >= 3:
                return m.group(1)[0].upper() + m.group(1)[1:] + ", please" + (m.group(2) or "")
            m = re.match(r"^(.+?),? please([.?!]?)$", text, re.I)
            if m and len(m.group(1).split()) >= 3:
                body = m.group(1)
                if not body.startswith("I ") and not re.match(r"^[A-Z]{2}", body):
                    body = body[0].lower() + body[1:]
                return "Please " + body + (m.group(2) or "")
        elif o == "time_front":
            m = re.match(r"^(.+?),? " + TIME_ADV + r"([.?!]?)$", text, re.I)
            if m and len(m.group(1).split()) >= 3 and not re.match(r"^(why|how|what|when|where|can|could|is|did|do|does|was|will|has)\b", m.group(1), re.I):
                body = m.group(1)
                if not body.startswith("I ") and not re.match(r"^[A-Z]{2}", body):
                    body = body[0].lower() + body[1:]
                adv = m.group(2)
                return adv[0].upper() + adv[1:] + ", " + body + (m.group(3) or "")
        elif o == "pp_swap":
            # "... X in the app" <-> "in the app, ..." style: move a leading "If ..., main" clause
            m = re.match(r"^If (.+?), (.+?)([?.!]?)$", text)
            if m and len(m.group(2).split()) >= 3 and len(m.group(1).split()) >= 2:
                main = m.group(2)
                return main[0].upper() + main[1:] + " if " + m.group(1) + (m.group(3) or "")
    return None


# light ops (never alone)
def case_change(text, r):
    c = r.random()
    if c < 0.6:
        return text.lower()
    if c < 0.8:
        return text[:1].swapcase() + text[1:]
    return text.upper() if len(text) < 60 else text.lower()


def punctuation(text, r):
    c = r.random()
    if c < 0.3 and "," in text:
        return text.replace(",", "", 1)
    if c < 0.55 and "'" in text:
        i = r.choice([m.start() for m in re.finditer("'", text)])
        return text[:i] + text[i + 1:]           # dont / cant / im
    if text[-1] == "?":
        return text[:-1] + r.choice(["", "??", "???", "?!", " ?"])
    if text[-1] in ".!":
        return text[:-1] + r.choice(["", "!", "..."])
    return text + r.choice(["?", ".", "!!", "??"])


NEAR_OPS = {
    "typo_transpose": (typo_transpose, 1.0), "typo_deletion": (typo_deletion, 1.0),
    "typo_doubled": (typo_doubled, 0.8), "typo_keyboard": (typo_keyboard, 1.0),
    "typo_space": (typo_space, 0.6), "typo_homophone": (typo_homophone, 0.6),
    "greeting": (greeting, 1.0), "signoff": (signoff, 1.0), "filler": (filler, 0.8),
    "drop_minor_word": (drop_minor_word, 1.0), "add_minor_word": (add_minor_word, 0.8),
    "contraction": (contraction, 1.0), "spelling_variant": (spelling_variant, 1.0),
    "compound_spelling": (compound_spelling, 0.7), "chat_abbrev": (chat_abbrev, 1.0),
    "synonym_swap": (synonym_swap, 2.0), "number_format": (number_format, 1.0),
    "currency_format": (currency_format, 1.0), "word_order": (word_order, 1.0),
}
LIGHT_OPS = {"case_change": case_change, "punctuation": punctuation}


# ----------------------------------------------------------------------------- NEGATIVE rules
def neg_negation_removed(text, r):
    bad_next = (r"(?! (?:know|understand|think|sure|mind|care|worry|see why|want to bother|matter)\b)"
                r"(?!(?:\W+\w+){0,5}?\W+(?:any\w*|ever|either|at all)\b)")
    pats = [
        (r"\b(do|does|did|is|was|are|were|has|have|had|could|would|should)n['’]?t\b" + bad_next, r"\1"),
        (r"\bcan['’]?t\b" + bad_next, "can"), (r"\bcannot\b" + bad_next, "can"),
        (r"\bwon['’]t\b|\bwont\b", "will"),
        (r"\b(do|does|did|is|was|are|were|has|have|had|can|could|will|would|should) not\b" + bad_next, r"\1"),
        (r"\b(?:have|has|had) never\b", None), (r"\bnever ", ""),
    ]
    r.shuffle(pats)
    for p, rep in pats:
        if rep is None:
            out = sub_one(text, p, lambda m: m.group(0).split()[0], r=r)
        else:
            out = sub_one(text, p, rep, r=r)
        if out:
            out = re.sub(r"  +", " ", out)
            out = re.sub(r",? yet\b", "", out, count=1)   # "haven't received it yet" -> "have received it"
            return out
    return None


BASE = {"received": "receive", "got": "get", "made": "make", "sent": "send", "withdrew": "withdraw",
        "paid": "pay", "ordered": "order", "requested": "request", "authorised": "authorise",
        "authorized": "authorize", "used": "use", "transferred": "transfer", "deposited": "deposit",
        "bought": "buy", "activated": "activate", "cancelled": "cancel", "canceled": "cancel",
        "topped up": "top up", "changed": "change", "approved": "approve", "signed": "sign",
        "verified": "verify", "agreed": "agree"}


def neg_negation_added(text, r):
    pats = [
        (r"(^|[.,!?;:]\s*|\b(?:and|but|so|because|since|then|yesterday|today|recently) )I (" + "|".join(BASE) +
         r")\b(?! (?:less|more|fewer|only|an? extra|extra|the wrong|wrong|a partial|partial)\b)",
         lambda m: m.group(1) + "I didn't " + BASE[m.group(2).lower()]),
        (r"\bI (recognise|recognize)\b",
         lambda m: "I don't " + m.group(1)),
        (r"\bI (have|had|'ve) (received|made|sent|used|authorised|authorized|requested|ordered|changed|topped up|verified)\b",
         lambda m: "I " + m.group(1) + " not " + m.group(2)),
        (r"\b(is|was|were|are|has been|have been)( it| my [a-z-]+(?: [a-z-]+)?| the [a-z-]+| I| this [a-z-]+)? (charged|accepted|refunded|approved|credited|cancelled|canceled|working|showing|verified|activated|completed|received|delivered|sent)\b",
         lambda m: m.group(1) + (m.group(2) or "") + " not " + m.group(3)),
    ]
    r.shuffle(pats)
    for p, f in pats:
        out = sub_one(text, p, f, r=r)
        if out:
            return out
    return None


CUR_WORDS = ["euros", "dollars", "pounds", "yen", "pesos", "Swiss francs", "rupees"]
CUR_WORD_SG = ["euro", "dollar", "pound", "yen", "peso", "Swiss franc", "rupee"]
CUR_CODES = ["GBP", "USD", "EUR", "AUD", "CAD", "JPY", "CHF"]
CUR_SYMS = ["£", "$", "€"]


def neg_currency_changed(text, r):
    def f(m):
        s = m.group(0)
        if s in CUR_SYMS:
            return r.choice([c for c in CUR_SYMS if c != s])
        if s.upper() in CUR_CODES and s.isupper():
            return r.choice([c for c in CUR_CODES if c != s.upper()])
        lw = s.lower()
        for lst in (CUR_WORDS, CUR_WORD_SG):
            low = [x.lower() for x in lst]
            if lw in low:
                return r.choice([x for x in lst if x.lower() != lw])
        return None
    return sub_one(text, r"[£$€]|\b(?:GBP|USD|EUR|AUD|CAD|JPY|CHF)\b|(?<!UK )(?<!US )(?<!British )(?<!American )(?<!Australian )(?<!Canadian )\b(?:euros?|dollars?|pounds?|pesos?|rupees?)\b(?! sign)", f,
                   flags=0 if True else re.I, r=r) or sub_one(
        text, r"\b(?:Euros?|Dollars?|Pounds?)\b", f, flags=0, r=r)


def _new_number(s, r):
    s2 = s.replace(",", "")
    try:
        v = float(s2)
    except ValueError:
        return None
    is_int = "." not in s2
    for _ in range(10):
        c = r.random()
        if c < 0.35:
            nv = v * 10
        elif c < 0.55 and v >= 10:
            nv = v / 10 if not is_int or v % 10 == 0 else v + r.choice([5, 10, 20])
        else:
            nv = v + r.choice([-5, -3, -2, -1, 1, 2, 3, 5, 10, 15, 50]) * (1 if v < 100 else 10)
        if nv > 0 and nv != v:
            return str(int(nv)) if is_int else f"{nv:.2f}"
    return None


def neg_number_changed(text, r):
    pats = [r"(?<=[£$€])\d[\d,]*(?:\.\d+)?",
            r"\b\d[\d,]*(?:\.\d+)?(?=\s?(?:euros?|dollars?|pounds?|GBP|USD|EUR|quid|bucks|percent)\b|%)",
            r"(?<=\bI am )\d{1,2}\b|(?<=\bI'm )\d{1,2}\b|\b\d{1,2}(?= years? old\b)|(?<=\bage of )\d{1,2}\b|(?<=\bunder )\d{1,2}\b|(?<=\bover )\d{1,2}\b(?= years?)"]
    r.shuffle(pats)
    for p in pats:
        out = sub_one(text, p, lambda m: _new_number(m.group(0), r), flags=re.I, r=r)
        if out:
            return out
    return None


OPPOSITES = [
    ("send", "receive"), ("sent", "received"), ("sending", "receiving"), ("incoming", "outgoing"),
    ("activate", "deactivate"), ("activated", "deactivated"), ("increase", "decrease"),
    ("raise", "lower"), ("add", "remove"), ("added", "removed"), ("freeze", "unfreeze"),
    ("frozen", "unfrozen"), ("block", "unblock"), ("blocked", "unblocked"), ("lock", "unlock"),
    ("locked", "unlocked"), ("link", "unlink"), ("linked", "unlinked"), ("enable", "disable"),
    ("enabled", "disabled"), ("maximum", "minimum"), ("max", "min"), ("highest", "lowest"),
    ("buy", "sell"), ("bought", "sold"), ("deposit", "withdraw"),
    ("deposits", "withdrawals"), ("deposited", "withdrew"),
    ("turn on", "turn off"), ("top up", "withdraw"), ("more", "less"),
    ("start", "stop"), ("auto top-up", "manual top-up"), ("open", "close"),
]


def neg_opposite_action(text, r):
    opts = []
    for a, b in OPPOSITES:
        opts += [(a, b), (b, a)]
    r.shuffle(opts)
    for a, b in opts:
        if (a, b) in (("withdraw", "top up"), ("withdrawal", "deposit"), ("more", "less"), ("less", "more")):
            continue
        pat = r"(?<![\w-])" + re.escape(a) + r"(?![\w-])"
        if a == "open":
            pat = r"\bopen(?= (?:a|an|my|another|a new|a second) (?:new )?account\b)"
        if a == "close":
            pat = r"\bclose(?= (?:my|the|an?) (?:\w+ )?account\b)"
        if a == "deposit" and b == "withdraw":
            pat = r"\bdeposit(?= (?:cash|money)\b)"
        if a == "withdraw" and b == "deposit":
            pat = r"\bwithdraw(?= (?:cash|money|some cash|some money)\b)"
        if a in ("deposited", "withdrew"):
            pat = r"\b" + a + r"(?= (?:cash|money|some|\d|£|\$|€))"
        if a == "send":
            pat = r"\bsend(?! out\b)"
        if a == "withdrawal":
            pat = r"(?<=\bcash )withdrawal\b"
        if a in ("more", "before", "after", "start", "stop", "lower", "raise", "add", "remove", "max", "min"):
            if a == "more":
                pat = r"\bmore than\b"
                b = "less than"
            elif a in ("before", "after"):
                pat = r"\b" + a + r"(?= (?:the|my|it|I|you|a)\b)"
            elif a in ("max", "min"):
                pat = r"\b" + a + r"\b(?=\.? ?(?:amount|limit|top|withdraw))"
            else:
                pat = r"\b" + a + r"(?= (?:my|the|a|an|this|that|it|automatic|auto)\b)"
        if a == "top up" and b == "withdraw":
            pat = r"\b(?:top up|top-up)(?= (?:money|cash|some money|some cash|\d|£|\$|€))"
        if a in ("send", "receive", "sent", "received", "sending", "receiving"):
            # keep grammar: "received my card" -> "sent my card" is fine, but "receive a refund" fine too
            pass
        out = sub_one(text, pat, b, r=r)
        if out:
            return out
    return None


PRODUCTS = [
    ("Apple Pay", "Google Pay"), ("Google Pay", "Apple Pay"), ("Apple pay", "Google pay"),
    ("Google pay", "Apple pay"), ("apple pay", "google pay"), ("google pay", "apple pay"),
    ("Visa", "Mastercard"), ("Mastercard", "Visa"), ("MasterCard", "Visa"), ("visa", "mastercard"),
    ("mastercard", "visa"), ("virtual card", "physical card"), ("physical card", "virtual card"),
    ("virtual cards", "physical cards"), ("physical cards", "virtual cards"),
    ("debit card", "credit card"), ("credit card", "debit card"), ("disposable", "physical"),
    ("PIN", "passcode"), ("passcode", "PIN"), ("pin", "passcode"), ("Pin", "passcode"),
    ("my phone", "my card"), ("contactless", "chip and PIN"), ("American Express", "Visa"),
    ("Amex", "Visa"), ("savings account", "current account"), ("current account", "savings account"),
    ("the app", "the website"), ("the website", "the app"), ("ATM", "bank branch"),
    ("direct debit", "standing order"), ("standing order", "direct debit"),
    ("Direct Debit", "standing order"),
]


def neg_product_swapped(text, r):
    opts = PRODUCTS[:]
    r.shuffle(opts)
    for a, b in opts:
        flags = 0
        pat = r"(?<![\w-])" + re.escape(a) + r"(?![\w-])"
        if a == "disposable":
            pat = r"\bdisposable(?! virtual)"
        if a in ("virtual card", "virtual cards"):
            pat = r"(?<!disposable )\b" + a + r"\b"
        if a == "ATM":
            pat = r"\b(an|the) ATM\b(?! (?:fee|withdrawal|card))"
            b = r"\1 bank branch"
        out = sub_one(text, pat, b, flags=flags, r=r)
        if out:
            if a in ("ATM",):
                out = re.sub(r"\ban bank branch\b", "a bank branch", out)
            return out
    return None


NOUN_SETS = [
    ["transfer", "top-up", "card payment", "cash withdrawal", "refund", "deposit"],  # refund: source only
    ["address", "name", "email address", "phone number", "surname"],
    ["fee", "exchange rate", "limit"],
    ["card", "account"],
]


def neg_key_noun_changed(text, r):
    opts = list(range(len(NOUN_SETS)))
    r.shuffle(opts)
    for i in opts:
        group = NOUN_SETS[i]
        alts = group + (["top up", "topup", "payment", "withdrawal"] if i == 0 else [])
        det = r"\b(my|the|a|this|that|your|an) "
        if i == 3:
            pat = r"\b(close|delete|cancel|terminate|freeze|unfreeze|lock|unlock|block|unblock) my (card|account)\b"
        else:
            pat = det + "(" + "|".join(re.escape(a) for a in sorted(alts, key=len, reverse=True)) + r")\b(?![\w-])"

        def f(m, group=group, i=i):
            cur = m.group(2).lower()
            canon = {"top up": "top-up", "topup": "top-up", "payment": "card payment",
                     "withdrawal": "cash withdrawal"}.get(cur, cur)
            choices = [g for g in group if g != canon and g != cur and g != "refund"]
            if "charg" in text.lower() or "cost" in text.lower():
                choices = [c for c in choices if c not in ("limit", "exchange rate")]
            if not choices:
                return None
            return m.group(1) + (" my " if i == 3 else " ") + r.choice(choices)
        out = sub_one(text, pat, f, r=r)
        if out:
            out = re.sub(r"\ba (exchange|email)\b", r"an \1", out)
            out = re.sub(r"\ban (fee|limit|card|transfer|top-up|refund|deposit|name|surname|phone)\b", r"a \1", out)
            out = re.sub(r"\ba (account|address|ATM)\b", r"an \1", out)
            return out
    return None


def neg_status_changed(text, r):
    sts = ["pending", "declined", "failed", "reverted", "cancelled"]

    def f2(cur, prefix=""):
        cur = cur.lower()
        cur = "cancelled" if cur == "canceled" else cur
        pool_ = sts
        if prefix.lower() in ("been", "being", "get", "got", "keeps getting", "keep getting"):
            pool_ = ["declined", "reverted", "cancelled"]
        elif prefix.lower() in ("is", "was"):
            pool_ = ["pending", "declined", "reverted", "cancelled"]
        elif prefix.lower() == "still":
            pool_ = ["pending", "declined"]
        return r.choice([s for s in pool_ if s != cur] or [s for s in sts if s != cur])
    out = sub_one(text, r"\b(is|was|been|being|get|got|keeps getting|keep getting|still) (pending|declined|failed|reverted|cancelled|canceled)\b",
                  lambda m: m.group(1) + " " + f2(m.group(2), m.group(1)), r=r)
    if out is None:
        out = sub_one(text, r"\b(pending|declined|failed|reverted)(?= (?:transfer|payment|top-up|top up|withdrawal|transaction|card payment|cash withdrawal)s?\b)",
                      lambda m: f2(m.group(1)), r=r)
    return out


COUNTRIES = ["the UK", "the US", "Spain", "France", "Germany", "Italy", "Canada", "Australia",
             "Mexico", "China", "India", "Japan", "Portugal", "Ireland", "Brazil", "Turkey", "Greece",
             "the Netherlands", "Switzerland", "Poland", "Thailand", "Europe", "the EU"]


def neg_country_changed(text, r):
    names = sorted({c.replace("the ", "") for c in COUNTRIES} | {"USA", "America", "England",
                    "Britain", "United States", "United Kingdom", "Scotland", "Asia", "Africa"}, key=len, reverse=True)
    pat = (r"\b(in|to|from|at|of|visit|visiting|leave|leaving|outside|across|into|within) (?:the )?(" +
           "|".join(re.escape(n) for n in names) +
           r")\b(?! (?i:account|bank|card|transfer|address|number|based|residents?|citizens?|pounds|dollars|phone|issued|credit|debit)\b)")

    def f(m):
        cur = m.group(2)
        choices = [c for c in COUNTRIES if c.replace("the ", "") != cur]
        return m.group(1) + " " + r.choice(choices)
    return sub_one(text, pat, f, flags=0, r=r, keep_case=True)


def neg_question_changed(text, r):
    m = re.match(r"^(.*?)\b(how long) (does|will|do|would|should) (.{3,50}?) take([?.!]?)$", text, re.I)
    if m:
        hm = "How much" if m.group(2)[0] == "H" else "how much"
        return m.group(1) + hm + " " + m.group(3) + " " + m.group(4) + " cost" + m.group(5)
    m = re.match(r"^(.*?)\b(how much) (does|will|do|would|should) (.{3,50}?) cost([?.!]?)$", text, re.I)
    if m:
        hl = "How long" if m.group(2)[0] == "H" else "how long"
        return m.group(1) + hl + " " + m.group(3) + " " + m.group(4) + " take" + m.group(5)
    out = sub_one(text, r"^(Where|When)(?= (?:can|do|will|should) (?:I|you|my)\b)",
                  lambda m: "When" if m.group(1).lower() == "where" else "Where", r=r)
    return out


def neg_quantity_changed(text, r):
    pairs = [(r"\btwice\b", "three times"), (r"\bone\b(?= (?:card|account|transfer|payment)\b)", "two"),
             (r"\b(?:a|an|one) (extra|additional|spare) card\b", r"three \1 cards"),
(r"\bdaily\b", "monthly"),
             (r"\bmonthly\b", "daily"), (r"\bweekly\b", "yearly"), (r"\bper day\b", "per month"),
             (r"\bper month\b", "per day"), (r"\beach month\b", "each day")]
    r.shuffle(pairs)
    for p, rep in pairs:
        out = sub_one(text, p, rep, r=r)
        if out:
            return out
    return None


def neg_owner_changed(text, r):
    # "my card" -> "my son's card": a request about somebody else's product
    people = ["my son's", "my daughter's", "my husband's", "my wife's", "my friend's",
              "my mother's", "my partner's", "my child's"]
    return sub_one(text, r"\bmy (?=(?:card|account|phone|PIN|pin|passcode|top-up|transfer)\b)",
                   lambda m: r.choice(people) + " ", flags=0, r=r)


NEG_RULES = {
    "negation_removed": (neg_negation_removed, 45), "negation_added": (neg_negation_added, 40),
    "currency_changed": (neg_currency_changed, 25), "number_changed": (neg_number_changed, 25),
    "opposite_action": (neg_opposite_action, 40), "product_swapped": (neg_product_swapped, 35),
    "key_noun_changed": (neg_key_noun_changed, 40), "status_changed": (neg_status_changed, 25),
    "country_changed": (neg_country_changed, 15), "question_changed": (neg_question_changed, 15),
    "quantity_changed": (neg_quantity_changed, 15), "owner_changed": (neg_owner_changed, 15),
}  # second value: soft cap (per-rule target)


CONSISTENT_RULES = {"key_noun_changed", "product_swapped", "opposite_action", "currency_changed",
                    "status_changed", "country_changed"}


# ----------------------------------------------------------------------------- EXACT variants
def exact_variant(text, r):
    c = r.random()
    if c < 0.35:
        return text, ["verbatim"]
    kinds = ["lowercase", "uppercase_first_toggle", "trailing_space", "leading_space", "double_space",
             "trailing_punct_removed", "trailing_punct_added", "trailing_punct_changed", "uppercase_all",
             "newline_whitespace"]
    k = r.choice(kinds)
    t = text
    if k == "lowercase":
        t = text.lower()
    elif k == "uppercase_all":
        t = text.upper()
    elif k == "uppercase_first_toggle":
        t = text[:1].swapcase() + text[1:]
    elif k == "trailing_space":
        t = text + r.choice([" ", "  ", "\t"])
    elif k == "leading_space":
        t = r.choice([" ", "  "]) + text
    elif k == "double_space":
        sp = [m.start() for m in re.finditer(" ", text)]
        if sp:
            i = r.choice(sp)
            t = text[:i] + "  " + text[i + 1:]
    elif k == "newline_whitespace":
        t = text + "\n"
    elif k == "trailing_punct_removed":
        t = re.sub(r"[.?!]+$", "", text)
    elif k == "trailing_punct_added":
        t = text + r.choice(["?", ".", "!"]) if text[-1] not in ".?!" else text + text[-1]
    elif k == "trailing_punct_changed":
        if text[-1] in ".?!":
            t = text[:-1] + r.choice([p for p in ["?", ".", "!", "??"] if p != text[-1]])
        else:
            t = text + "?"
    if t == text or not t.strip():
        return text, ["verbatim"]
    return t, [k]


# ----------------------------------------------------------------------------- assign planted rows
order = list(range(N_ORIG))
rng.shuffle(order)
used = set()
all_texts_strict = set(orig_strict)

# negatives first (they need an applicable rule)
neg_rows, neg_counts = [], Counter()
for i in order:
    if len(neg_rows) == N_NEG:
        break
    src = originals[i]
    cands = []
    names = list(NEG_RULES)
    rng.shuffle(names)
    for name in names:
        fn, cap = NEG_RULES[name]
        out = fn(src, rng)
        if not out or out == src:
            continue
        ns = norm_strict(out)
        if ns == norm_strict(src) or ns in train_strict or ns in all_texts_strict:
            continue
        if name in CONSISTENT_RULES:
            # swap-type rules: the replaced term must occur once, and the new term must be new to the
            # text (avoids "debit or debit card" / half-changed "transfer ... transfer" texts)
            cs, co = Counter(re.findall(r"[a-z£$€]+", src.lower())), Counter(re.findall(r"[a-z£$€]+", out.lower()))
            removed, added = cs - co, co - cs
            if any(cs[w] != removed[w] for w in removed) or any(w in cs for w in added):
                continue
        cands.append((neg_counts[name] / cap, rng.random(), name, out))
    if not cands:
        continue
    cands.sort()
    load, _, name, out = cands[0]
    if load >= 1.0 and len(neg_rows) < N_NEG * 0.9:
        # all applicable rules are at their soft cap: keep this source for near/exact instead
        continue
    neg_counts[name] += 1
    used.add(i)
    all_texts_strict.add(norm_strict(out))
    neg_rows.append((i, out, [name]))
assert len(neg_rows) == N_NEG, len(neg_rows)

rest = [i for i in order if i not in used]
exact_src = rest[:N_EXACT]
near_src = rest[N_EXACT:N_EXACT + N_NEAR]

exact_rows, exact_counts = [], Counter()
for i in exact_src:
    t, e = exact_variant(originals[i], rng)
    assert norm_exact(t) == norm_exact(originals[i]), (t, originals[i])
    exact_counts[e[0]] += 1
    exact_rows.append((i, t, e))

near_rows, near_counts = [], Counter()
heavy_names = list(NEAR_OPS)
for i in near_src:
    src = originals[i]
    n_edits = 1 if rng.random() < 0.6 else 2
    for attempt in range(20):
        cur, edits = src, []
        # first edit: least-used applicable word-level op (ratio to weight), random tie-break
        pool_ops = []
        names = heavy_names[:]
        rng.shuffle(names)
        for name in names:
            fn, w = NEAR_OPS[name]
            out = fn(cur, rng)
            if out and out != cur and norm_exact(out) != norm_exact(src):
                pool_ops.append(((near_counts[name] + sum(1 for e in edits if e == name)) / w + rng.random() * 0.5, name, out))
        if not pool_ops:
            break
        pool_ops.sort()
        _, name, cur = pool_ops[0]
        edits.append(name)
        if n_edits == 2:
            # second edit: word-level (65%) or light case/punctuation change (35%)
            if rng.random() < 0.35:
                lname = rng.choice(list(LIGHT_OPS))
                out = LIGHT_OPS[lname](cur, rng)
                if out and out != cur:
                    cur = out
                    edits.append(lname)
            else:
                names = [n for n in heavy_names if n != name and not (n.startswith("typo") and name.startswith("typo"))]
                rng.shuffle(names)
                opts2 = []
                for n2 in names:
                    out = NEAR_OPS[n2][0](cur, rng)
                    if out and out != cur:
                        opts2.append((near_counts[n2] / NEAR_OPS[n2][1] + rng.random() * 0.5, n2, out))
                if opts2:
                    opts2.sort()
                    _, n2, cur = opts2[0]
                    edits.append(n2)
        ns = norm_strict(cur)
        # must differ by more than punctuation/case/whitespace, and not collide with another row
        if ns != norm_strict(src) and ns not in all_texts_strict:
            break
    assert norm_strict(cur) != norm_strict(src), (src, cur)
    all_texts_strict.add(norm_strict(cur))
    for e in edits:
        near_counts[e] += 1
    near_rows.append((i, cur, edits))

# ----------------------------------------------------------------------------- order + ids
# Each original gets a random key in [0,1); a planted row gets a key strictly between its source's
# key and 1, so sorting by key shuffles everything while keeping every copy after its source.
items = []
okey = {}
for i, t in enumerate(originals):
    okey[i] = rng.random()
    items.append((okey[i], "original", i, t, []))
for kind, lst in (("exact", exact_rows), ("near", near_rows), ("negative", neg_rows)):
    for i, t, e in lst:
        k = okey[i] + (1.0 - okey[i]) * (0.02 + 0.98 * rng.random())
        items.append((k, kind, i, t, e))
items.sort(key=lambda x: (x[0], x[1] != "original"))

ids = {}
out_rows = []
for n, (k, kind, i, t, e) in enumerate(items):
    rid = f"b{n:05d}"
    if kind == "original":
        ids[i] = rid
        sid = ""
    else:
        sid = ids[i]   # source already emitted (KeyError would mean an ordering bug)
    out_rows.append({"id": rid, "text": t, "kind": kind, "source_id": sid, "edits": e})

os.makedirs(OUT_DIR, exist_ok=True)
with open(OUT, "w", encoding="utf-8") as f:
    for row in out_rows:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")

# ----------------------------------------------------------------------------- checks + stats
kinds = Counter(r_["kind"] for r_ in out_rows)
assert kinds == {"original": N_ORIG, "exact": N_EXACT, "near": N_NEAR, "negative": N_NEG}, kinds
assert len({r_["id"] for r_ in out_rows}) == len(out_rows)
pos = {r_["id"]: n for n, r_ in enumerate(out_rows)}
kind_of = {r_["id"]: r_["kind"] for r_ in out_rows}
srcs = Counter()
for n, r_ in enumerate(out_rows):
    if r_["kind"] != "original":
        assert r_["source_id"] in pos and pos[r_["source_id"]] < n and kind_of[r_["source_id"]] == "original"
        srcs[r_["source_id"]] += 1
    else:
        assert r_["source_id"] == ""
assert max(srcs.values()) == 1
for r_ in out_rows:
    if r_["kind"] == "negative":
        assert norm_strict(r_["text"]) not in train_strict
stats = {
    "counts": dict(kinds),
    "originals_skipped_duplicate": skipped_dup, "originals_skipped_jaccard": skipped_jacc,
    "exact_variants": dict(exact_counts.most_common()),
    "near_edit_types": dict(near_counts.most_common()),
    "near_n_edits": dict(Counter(len(r_["edits"]) for r_ in out_rows if r_["kind"] == "near")),
    "negative_rules": dict(neg_counts.most_common()),
}
with open(os.path.join(OUT_DIR, "stats.json"), "w") as f:
    json.dump(stats, f, indent=1)
print(json.dumps(stats, indent=1))
