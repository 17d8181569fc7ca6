#!/usr/bin/env python3
"""Generate near_dups_short4.jsonl: a near-duplicate detection test set of short
customer-support messages built from BANKING77 (PolyAI, Casanueva et al. 2020, CC BY 4.0).

Usage: python3 make.py [path/to/train.csv] [out_dir]
Standard library only. Deterministic for a given seed (5150).
"""
import csv
import json
import os
import random
import re
import sys
from collections import Counter

SEED = 5150
N_ORIG, N_EXACT, N_NEAR, N_NEG = 2000, 150, 500, 300
MIN_WORDS, MAX_WORDS = 3, 25
WORD_JACC_MAX = 0.5      # originals: reject if word-set Jaccard >= this
CHAR_JACC_MAX = 0.5      # originals: reject if char-4gram Jaccard >= this

SRC = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/banking77/train.csv"
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))

rng = random.Random(SEED)


# ----------------------------------------------------------------------------- helpers
def norm(t):
    """lowercase, punctuation stripped (apostrophes removed), whitespace collapsed"""
    t = t.lower().replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", t).split())


def grams(s, n=4):
    s = f" {s} "
    return {s[i:i + n] for i in range(max(1, len(s) - n + 1))}


def jacc(a, b):
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


PROPER = {"i", "i'm", "i've", "i'd", "i'll", "apple", "google", "visa", "mastercard", "uk", "us",
          "eu", "atm", "pin", "gbp", "usd", "eur", "paypal", "china", "spain", "europe", "american",
          "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def decap(s):
    """lower-case the first letter of s unless it starts with I / a proper noun / an acronym"""
    m = re.match(r"[A-Za-z']+", s)
    if not m:
        return s
    w = m.group(0)
    if w.lower() in PROPER or (len(w) > 1 and w[1].isupper()):
        return s
    return s[0].lower() + s[1:]


def cap(s):
    return s[:1].upper() + s[1:] if s else s


def match_case(src, rep):
    if not rep:
        return rep
    w0 = src.split()[0] if src.split() else src
    if len(w0) > 1 and w0.isupper() and not src.isupper():
        return rep          # "ATM machine" -> "bank branch": acronym case says nothing
    if len(src) > 1 and src.isupper() and src.lower() not in ("i",):
        return rep.upper() if rep.lower() == rep and len(rep) <= 4 else rep
    if src[:1].isupper():
        return cap(rep)
    return rep


def sub_once(text, pattern, rep, flags=re.I):
    """replace one random occurrence of regex pattern (word-bounded by caller) with rep,
    preserving the capitalisation of the first letter. Returns (new_text, matched) or None."""
    ms = list(re.finditer(pattern, text, flags))
    if not ms:
        return None
    m = rng.choice(ms)
    r = rep(m) if callable(rep) else rep
    r = match_case(m.group(0), r)
    return text[:m.start()] + r + text[m.end():], m.group(0)


def wb(phrase):
    return r"(?<![A-Za-z0-9'])" + re.escape(phrase).replace(r"\ ", r"\s+") + r"(?![A-Za-z0-9'])"


def pat(p):
    """phrase -> regex. 're:...' = raw regex; '^...' = only at sentence start."""
    if p.startswith("re:"):
        return p[3:]
    if p.startswith("^"):
        return r"(?:(?<=^)|(?<=[.?!] ))" + wb(p[1:])
    return wb(p)


def fix_articles(t):
    t = re.sub(r"\b([Aa])n (?=[bcdfgjklmnpqrstvwxyzBCDFGJKLMNPQRSTVWXYZ][a-z])", r"\1 ", t)
    t = re.sub(r"\b([Aa]) (?=[aeiouAEIOU])", r"\1n ", t)
    return t


def tidy(t):
    t = re.sub(r"[ \t]+", " ", t).strip()
    t = re.sub(r" ([,.?!])", r"\1", t)
    return t


# ----------------------------------------------------------------------------- load + originals
rows = list(csv.DictReader(open(SRC, newline="", encoding="utf-8")))
train_norm = {norm(r["text"]) for r in rows}
pool = []
seen = set()
for r in rows:
    t = " ".join(r["text"].split())
    n = norm(t)
    if n in seen:
        continue
    seen.add(n)
    if MIN_WORDS <= len(n.split()) <= MAX_WORDS:
        pool.append((t, r["category"]))
rng.shuffle(pool)

originals = []       # list of dicts: text, cat, n, ws, cg
screen_rejects = Counter()
for t, cat in pool:
    if len(originals) == N_ORIG:
        break
    n = norm(t)
    ws = set(n.split())
    cg = grams(n)
    bad = None
    for o in originals:
        # cheap length bound for word jaccard
        if n in o["n"] or o["n"] in n:
            bad = "containment"
            break
        if jacc(ws, o["ws"]) >= WORD_JACC_MAX:
            bad = "word_jaccard"
            break
        if jacc(cg, o["cg"]) >= CHAR_JACC_MAX:
            bad = "char4_jaccard"
            break
    if bad:
        screen_rejects[bad] += 1
        continue
    originals.append({"text": t, "cat": cat, "n": n, "ws": ws, "cg": cg})
assert len(originals) == N_ORIG

# ============================================================================ EXACT copy ops
def ex_lower(t):
    return t.lower() if t.lower() != t else None


def ex_upper(t):
    return t.upper()


def ex_sentence_case(t):
    # first letter capitalised, rest lower (ATM -> atm etc.): case-only change
    s = cap(t.lower())
    return s if s != t else None


def ex_whitespace(t):
    ws = t.split(" ")
    choice = rng.random()
    if choice < 0.4 and len(ws) > 2:
        i = rng.randrange(1, len(ws))
        ws[i] = " " + ws[i]
        return " ".join(ws)
    if choice < 0.7:
        return "  " + t + " " if rng.random() < 0.5 else t + "   "
    return t.replace(" ", "  ", 1) + "\n" if rng.random() < 0.5 else "\t" + t


def ex_trailing_punct(t):
    base = t.rstrip(" .?!")
    opts = [base, base + "?", base + "??", base + ".", base + "!", base + "...", base + " ?"]
    opts = [o for o in opts if o != t]
    return rng.choice(opts)


EXACT_OPS = [("verbatim", None, 3), ("lowercase", ex_lower, 3), ("uppercase", ex_upper, 1),
             ("sentence_case", ex_sentence_case, 1), ("whitespace", ex_whitespace, 2),
             ("trailing_punct", ex_trailing_punct, 3)]


def make_exact(t):
    for _ in range(50):
        k = 1 if rng.random() < 0.65 else 2
        names, fns, w = zip(*EXACT_OPS)
        first = rng.choices(range(len(EXACT_OPS)), weights=w)[0]
        if names[first] == "verbatim":
            return t, ["verbatim"]
        chosen = [first]
        if k == 2:
            case_ops = {"lowercase", "uppercase", "sentence_case"}
            others = [i for i in range(1, len(EXACT_OPS)) if i != first
                      and not (names[i] in case_ops and names[first] in case_ops)]
            chosen.append(rng.choice(others))
        cur, ed = t, []
        ok = True
        for i in chosen:
            r = fns[i](cur)
            if r is None:
                ok = False
                break
            cur = r
            ed.append(names[i])
        if ok and norm(cur) == norm(t):
            return cur, ed
    return t, ["verbatim"]


# ============================================================================ NEAR copy ops
# ---- paraphrase-style (what an LLM rewrite of one sentence tends to do)
SYN = [  # (from, to) phrase pairs, same meaning in this domain
    ("how do i", "how can i"), ("how can i", "how do i"), ("how do i", "what's the way to"),
    ("can i", "am i able to"), ("^can i", "is it possible to"), ("is it possible to", "can i"),
    ("is it possible for me to", "can i"), ("am i able to", "can i"), ("is there a way to", "can i"),
    ("i want to", "i would like to"), ("i would like to", "i want to"), ("i'd like to", "i want to"),
    ("i need to", "i have to"), ("i have to", "i need to"), ("can you", "could you"),
    ("could you", "can you"), ("what do i do", "what should i do"),
    ("what should i do", "what do i need to do"), ("what can i do", "what should i do"),
    ("where can i", "where do i"), ("where do i", "where can i"),
    ("purchased", "bought"), ("bought", "purchased"), ("to buy", "to purchase"),
    ("my money", "my funds"), ("transfer money", "transfer funds"), ("send money", "send funds"),
    ("add money", "add funds"), ("withdraw money", "withdraw funds"), ("fee", "charge"), ("fees", "charges"), ("charged", "billed"),
    ("problem", "issue"), ("issue", "problem"), ("problems", "issues"), ("issues", "problems"),
    ("wrong", "incorrect"), ("incorrect", "wrong"), ("extra", "additional"),
    ("additional", "extra"), ("receive", "get"), ("received", "got"), ("get my", "receive my"),
    ("lost my", "misplaced my"), ("help me", "assist me"), ("information", "info"),
    ("info", "information"), ("currently", "right now"), ("right now", "at the moment"),
    ("how quickly", "how fast"), ("how fast", "how quickly"), ("cash machine", "ATM"),
    ("ATM", "cash machine"), ("declined", "rejected"), ("rejected", "declined"),
    ("tell me", "let me know"), ("change my", "update my"), ("verify my", "confirm my"),
    ("a refund", "a reimbursement"), ("the app", "the application"),
    ("my phone", "my mobile"), ("abroad", "overseas"), ("overseas", "abroad"),
    ("immediately", "right away"), ("find out", "check"), ("a new", "another"),
    ("is it normal", "is it usual"), ("do i need to", "do i have to"), ("do i have to", "do i need to"),
    ("why is", "why's"), ("it seems", "it looks like"), ("a while", "some time"),
    ("arrive", "get here"), ("anymore", "any longer"), ("several", "a few"), ("a few", "several"),
    ("how long does it take", "how much time does it take"),
    ("is there any", "are there any"), ("made a mistake", "made an error"),
    ("made an error", "made a mistake"), ("was a mistake", "was an error"),
    ("quick", "fast"), ("explain", "clarify"), ("someone", "somebody"),
    ("ok", "okay"), ("okay", "OK"), ("look into", "check on"), ("want", "wish"),
]
SYN = [p for p in SYN if p[0] != p[1]]

CONTR = [("can't", "cannot"), ("don't", "do not"), ("didn't", "did not"), ("hasn't", "has not"),
         ("haven't", "have not"), ("isn't", "is not"), ("won't", "will not"), ("i'm", "i am"),
         ("i've", "i have"), ("what's", "what is"), ("i'd", "i would"), ("wasn't", "was not"),
         ("doesn't", "does not"), ("i'll", "i will"), ("where's", "where is"), ("aren't", "are not"),
         ("couldn't", "could not"), ("that's", "that is"), ("there's", "there is"),
         ("it's", "it is"), ("weren't", "were not")]


def p_synonym(t):
    cands = [(a, b) for a, b in SYN if re.search(pat(a), t, re.I)]
    if not cands:
        return None
    a, b = rng.choice(cands)
    r = sub_once(t, pat(a), b)
    if r is None:
        return None
    new, m = r
    return new, f"synonym_swap:{m.lower()}->{b.lower()}"


def p_contraction(t):
    cands = []
    for c, e in CONTR:
        if re.search(wb(c), t, re.I):
            cands.append((c, e))
        if re.search(wb(e), t, re.I) and c not in ("it's", "there's"):
            if e == "i have":   # only the auxiliary contracts naturally: "I've been", not "I've my card"
                if not re.search(r"(?<!can )(?<!could )(?<!may )(?<!do )(?<!will )" + wb(e) +
                                 r"\s+(been|got|had|made|paid|sent|lost|done|seen|[a-z]+ed)\b", t, re.I):
                    continue
            cands.append((e, c))
    if not cands:
        return None
    a, b = rng.choice(cands)
    if a.endswith("n't") and re.search(wb(a) + r"\s+(my|i|you|it|the|this|that|we|they|he|she|your|there|a|an)\b", t, re.I):
        return None   # "Why wasn't my ..." -> "Why was not my ..." is not natural
    if a in ("it's", "there's"):
        # it's been -> it has been
        m = re.search(wb(a) + r"\s+(been|got|gotten)\b", t, re.I)
        if m:
            b = b.replace(" is", " has")
    new, m = sub_once(t, wb(a), b)
    kind = "contraction_expand" if "'" in a else "contraction_contract"
    return new, f"{kind}:{m.lower()}->{b.lower()}"


SUBORD = ["if", "because", "since", "after", "before", "while", "as soon as", "even though"]
SUB_BLOCK_PREV = {"check", "know", "see", "tell", "ask", "asking", "wondering", "wonder", "sure",
                  "find", "confirm", "out", "verify", "me", "whether", "curious", "unsure",
                  "long", "soon", "days", "weeks", "day", "week", "hours", "time", "months",
                  "minutes", "wait", "know", "ever", "even", "and", "or", "is", "was", "it"}


def p_clause_reorder(t):
    options = []
    # (1) two sentences -> swap
    sents = re.findall(r"[^.?!]+[.?!]+|[^.?!]+$", t.strip())
    sents = [s.strip() for s in sents if s.strip()]
    if len(sents) == 2 and all(len(s.split()) >= 3 for s in sents):
        a, b = sents
        if not re.search(r"[.?!]$", b):
            b += "?" if re.match(r"(how|what|why|when|where|can|could|is|are|do|does|will|would|who)\b", b, re.I) else "."
        options.append((f"{b} {a}", "clause_reorder:swap_sentences"))
    # (2) "If Y, X?" -> "X if Y?"
    m = re.match(r"^(if|when|because|since|after|before|while|as soon as|once)\s+([^,.?!]{4,}),\s*([^.?!]{6,})([.?!]*)\s*$", t, re.I)
    if m and len(m.group(3).split()) >= 3:
        sub, y, x, p = m.groups()
        options.append((f"{cap(x.strip())} {sub.lower()} {decap(y.strip())}{p or ''}",
                        "clause_reorder:fronted_to_final"))
    # (3) "X if Y?" -> "If Y, x?"
    if "," not in t and len(sents) == 1:
        for sub in SUBORD:
            mm = re.search(r"\s" + re.escape(sub) + r"\s", t, re.I)
            if not mm:
                continue
            x = t[:mm.start()].strip()
            rest = t[mm.end():].strip()
            prev = re.findall(r"[A-Za-z']+", x.lower())
            if len(prev) < 3 or prev[-1] in SUB_BLOCK_PREV:
                continue
            pm = re.search(r"[.?!]+$", rest)
            p = pm.group(0) if pm else ""
            y = rest[:pm.start()] if pm else rest
            if len(y.split()) < 2:
                continue
            options.append((f"{cap(sub)} {y}, {decap(x)}{p}", f"clause_reorder:final_to_fronted({sub})"))
            break
    if not options:
        return None
    return rng.choice(options)


POLITE_PRE = ["Hi, ", "Hello, ", "Hi there, ", "Hey, ", "Good morning, ", "Excuse me, ",
              "Quick question: ", "Hello. ", "Hi! "]
POLITE_POST = [" Thanks.", " Thank you!", " Thanks in advance.", " Please help.",
               " Any help is appreciated.", " Thank you very much.", " Cheers."]


def p_polite_add(t):
    r = rng.random()
    if r < 0.45:
        if re.match(r"\s*(hi|hello|hey|good (morning|afternoon|evening)|dear)\b", t, re.I):
            return None
        p = rng.choice(POLITE_PRE)
        keep_cap = p.endswith(". ") or p.endswith("! ") or p.endswith(": ")
        body = t if keep_cap else decap(t)
        return p + body, f"politeness_add:prefix({p.strip()})"
    if r < 0.85:
        s = rng.choice(POLITE_POST)
        body = t if re.search(r"[.?!]$", t) else t + ("?" if re.match(r"(how|what|why|when|where|can|could|is|are|do|does|will|would|who|am)\b", t, re.I) else ".")
        return body + s, f"politeness_add:suffix({s.strip()})"
    # insert "please" after can you / could you, else prefix "Please, "
    m = re.search(r"\b(can|could|would) you\b(?! please)", t, re.I)
    if m:
        return t[:m.end()] + " please" + t[m.end():], "politeness_add:please"
    return None


def p_polite_remove(t):
    pats = [(r"^\s*(hi|hello|hey|hi there|hello there|good (morning|afternoon|evening))\b\s*[,.!:\-]*\s*", "greeting"),
            (r"\s*\b(thanks|thank you|thanks in advance|thank you very much|cheers)\b[.!]*\s*$", "thanks"),
            (r"\bplease\b,?\s*", "please")]
    cands = [(p, n) for p, n in pats if re.search(p, t, re.I)]
    if not cands:
        return None
    p, n = rng.choice(cands)
    new = re.sub(p, "", t, count=1, flags=re.I)
    new = tidy(new)
    if n == "greeting":
        new = cap(new)
    if n == "thanks" and not re.search(r"[.?!]$", new):
        new = new.rstrip(",") + "."
    if len(new.split()) < 3:
        return None
    return new, f"politeness_remove:{n}"


# ---- human typing noise
KEYB = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
NEIGH = {}
for ri, row in enumerate(KEYB):
    for ci, ch in enumerate(row):
        nb = set()
        for dr in (-1, 0, 1):
            rr = ri + dr
            if 0 <= rr < 3:
                for dc in (-1, 0, 1):
                    cc = ci + dc
                    if 0 <= cc < len(KEYB[rr]) and (dr, dc) != (0, 0):
                        nb.add(KEYB[rr][cc])
        NEIGH[ch] = "".join(sorted(nb))


def _pick_word(t, minlen):
    ms = [m for m in re.finditer(r"[A-Za-z]+", t) if len(m.group(0)) >= minlen and not m.group(0).isupper()]
    return rng.choice(ms) if ms else None


def t_transpose(t):
    m = _pick_word(t, 4)
    if not m:
        return None
    w = m.group(0)
    i = rng.randrange(1, len(w) - 1)
    if w[i] == w[i + 1]:
        return None
    nw = w[:i] + w[i + 1] + w[i] + w[i + 2:]
    return t[:m.start()] + nw + t[m.end():], f"typo_transpose:{w}->{nw}"


def t_drop(t):
    m = _pick_word(t, 5)
    if not m:
        return None
    w = m.group(0)
    i = rng.randrange(1, len(w) - 1)
    nw = w[:i] + w[i + 1:]
    return t[:m.start()] + nw + t[m.end():], f"typo_drop_letter:{w}->{nw}"


def t_double(t):
    m = _pick_word(t, 4)
    if not m:
        return None
    w = m.group(0)
    i = rng.randrange(1, len(w))
    nw = w[:i] + w[i] + w[i:]
    return t[:m.start()] + nw + t[m.end():], f"typo_double_letter:{w}->{nw}"


def t_adjacent(t):
    m = _pick_word(t, 4)
    if not m:
        return None
    w = m.group(0)
    i = rng.randrange(1, len(w))
    c = w[i].lower()
    if c not in NEIGH:
        return None
    nc = rng.choice(NEIGH[c])
    nw = w[:i] + (nc.upper() if w[i].isupper() else nc) + w[i + 1:]
    return t[:m.start()] + nw + t[m.end():], f"typo_adjacent_key:{w}->{nw}"


def t_apostrophe(t):
    ms = list(re.finditer(r"\b[A-Za-z]+'[a-z]+\b", t))
    if not ms:
        return None
    new = t
    for m in ms:   # phone users usually drop all of them
        new = new.replace(m.group(0), m.group(0).replace("'", ""))
    return new, "drop_apostrophe"


def t_phone_style(t):
    new = t.lower().rstrip(" .?!")
    if new == t:
        return None
    return new, "phone_lowercase_nopunct"


SMS = [("you", "u"), ("your", "ur"), ("please", "pls"), ("thanks", "thx"), ("are", "r"),
       ("because", "bc"), ("okay", "ok"), ("before", "b4"), ("people", "ppl"), ("though", "tho"),
       ("don't know", "dunno"), ("want to", "wanna"), ("going to", "gonna"), ("account", "acct"),
       ("information", "info"), ("through", "thru"), ("and", "&"), ("with", "w/")]


def t_sms(t):
    cands = [(a, b) for a, b in SMS if re.search(wb(a), t, re.I)]
    if not cands:
        return None
    a, b = rng.choice(cands)
    new, m = sub_once(t, wb(a), b)
    return new, f"sms_abbrev:{m.lower()}->{b}"


def t_merge_space(t):
    ms = list(re.finditer(r"\b([a-z]{2,}) ([a-z]{2,})\b", t))
    if not ms:
        return None
    m = rng.choice(ms)
    return t[:m.start()] + m.group(1) + m.group(2) + t[m.end():], f"missing_space:{m.group(0)}"


# ---- re-send noise
RESEND_PRE = ["Resending: ", "Sorry, sending again: ", "Following up: ", "Re: ", "Again - ",
              "(resent) ", "Fwd: ", "Second time asking: "]
RESEND_POST = [" Sent from my iPhone", " (sent again)", " - following up", " Still no answer?",
               " Sent from my Android phone", " ??", " Hello??"]


def r_prefix(t):
    p = rng.choice(RESEND_PRE)
    return p + t, f"resend_prefix({p.strip()})"


def r_suffix(t):
    s = rng.choice(RESEND_POST)
    return t + s, f"resend_suffix({s.strip()})"


def r_stutter(t):
    ms = list(re.finditer(r"\b[A-Za-z']+\b", t))
    if len(ms) < 3:
        return None
    m = rng.choice(ms[1:])
    return t[:m.end()] + " " + m.group(0) + t[m.end():], f"repeated_word:{m.group(0)}"


def r_punct(t):
    base = t.rstrip(" .?!")
    end = t[len(base):].strip()
    new = base + rng.choice(["???", "?!", "!!", "....", "?? ?"]) if end else base + rng.choice(["??", "!!", "..."])
    return new, "repeated_punct"


NEAR_OPS = {  # name: (fn, category, weight)
    "synonym_swap": (p_synonym, "paraphrase", 9),
    "contraction": (p_contraction, "paraphrase", 3),
    "clause_reorder": (p_clause_reorder, "paraphrase", 5),
    "politeness_add": (p_polite_add, "paraphrase", 2.5),
    "politeness_remove": (p_polite_remove, "paraphrase", 4),
    "typo_transpose": (t_transpose, "typing", 2),
    "typo_drop_letter": (t_drop, "typing", 2),
    "typo_double_letter": (t_double, "typing", 1.5),
    "typo_adjacent_key": (t_adjacent, "typing", 2),
    "drop_apostrophe": (t_apostrophe, "typing", 1.5),
    "phone_lowercase_nopunct": (t_phone_style, "typing", 1.5),
    "sms_abbrev": (t_sms, "typing", 2),
    "missing_space": (t_merge_space, "typing", 1),
    "resend_prefix": (r_prefix, "resend", 1.5),
    "resend_suffix": (r_suffix, "resend", 1.5),
    "repeated_word": (r_stutter, "resend", 1.2),
    "repeated_punct": (r_punct, "resend", 0.8),
}
COSMETIC = {"phone_lowercase_nopunct", "repeated_punct"}
CAT_W = {"paraphrase": 0.5, "typing": 0.33, "resend": 0.17}
# ops are chosen first, then applied in this order (rewrites before additions before noise)
APPLY_ORDER = ["clause_reorder", "politeness_remove", "synonym_swap", "contraction", "politeness_add",
               "typo_transpose", "typo_drop_letter", "typo_double_letter", "typo_adjacent_key",
               "drop_apostrophe", "sms_abbrev", "missing_space", "resend_prefix", "resend_suffix",
               "repeated_word", "repeated_punct", "phone_lowercase_nopunct"]
assert set(APPLY_ORDER) == set(NEAR_OPS)


def make_near(t, others_norm):
    for _ in range(200):
        k = rng.choices([1, 2, 3], weights=[0.4, 0.4, 0.2])[0]
        names = []
        for _try in range(40):
            if len(names) == k:
                break
            cat = rng.choices(list(CAT_W), weights=list(CAT_W.values()))[0]
            cand = [n for n, v in NEAR_OPS.items() if v[1] == cat and n not in names]
            rng.shuffle(cand)
            cand.sort(key=lambda n: -(rng.random() ** (1.0 / NEAR_OPS[n][2])))  # weighted order
            for n in cand:
                if NEAR_OPS[n][0](t):          # applicable to the source text?
                    names.append(n)
                    break
        if len(names) != k or all(n in COSMETIC for n in names):
            continue
        cur, eds, ok = t, [], True
        for n in sorted(names, key=APPLY_ORDER.index):
            r = NEAR_OPS[n][0](cur)
            if not r or r[0] == cur:
                ok = False
                break
            cur, ed = r
            eds.append(ed)
        if not ok:
            continue
        cur = cur.strip() if not cur.endswith("\n") else cur
        n = norm(cur)
        if n == norm(t) or n in others_norm or len(cur.split()) < 3:
            continue
        return cur, eds
    return None


# ============================================================================ NEGATIVE rules
REL = ["son", "daughter", "husband", "wife", "friend", "mother", "father", "brother", "sister",
       "partner", "boss", "child"]
COUNTRIES = ["UK", "US", "China", "Spain", "France", "Germany", "Italy", "Canada", "Mexico",
             "Japan", "India", "Australia", "Ireland", "Poland"]
NUMW = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]

NEG_PAIRS = {
    # category: [(from, to), ...]  from = phrase (whole word, case-insensitive), '^phrase' =
    # sentence-initial only, 're:...' = raw regex. One occurrence is changed, except for the
    # entity categories in NEG_ALL_OCC where every occurrence is changed consistently.
    "negation": [("can't", "can"), ("cannot", "can"), ("don't", "do"), ("didn't", "did"),
                 ("hasn't", "has"), ("haven't", "have"), ("isn't", "is"), ("wasn't", "was"),
                 ("won't", "will"), ("doesn't", "does"), ("aren't", "are"), ("couldn't", "could"),
                 ("weren't", "were"), ("is not", "is"), ("did not", "did"), ("do not", "do"),
                 ("has not", "has"), ("have not", "have"), ("was not", "was"), ("does not", "does"),
                 ("never", "always"), ("i made", "I didn't make"), ("i received", "I didn't receive"),
                 ("i got", "I didn't get"), ("i paid", "I didn't pay"), ("i sent", "I didn't send"),
                 ("i ordered", "I didn't order"), ("i used", "I didn't use"), ("i bought", "I didn't buy"),
                 ("i requested", "I didn't request"), ("i authorized", "I didn't authorize"),
                 ("i recognize", "I don't recognize"), ("i have received", "I haven't received"),
                 ("has arrived", "hasn't arrived"), ("was charged", "wasn't charged"),
                 ("is working", "isn't working"), ("^can i", "why can't I"),
                 ("i can", "I can't"), ("went through", "didn't go through"),
                 ("is pending", "is not pending"), ("i want", "I don't want")],
    "direction": [("re:(?:(?<=\\bmoney )|(?<=\\bfunds )|(?<=\\bcash )|(?<=\\btransfer )|(?<=\\btransferred )|(?<=\\bmove )|(?<=\\bmoved )|(?<=\\bsent )|(?<=\\bsend )|(?<=\\bpayment )|(?<=\\bpaid ))to my\\b", "from my"),
                  ("re:(?:(?<=\\bmoney )|(?<=\\bfunds )|(?<=\\bcash )|(?<=\\btransfer )|(?<=\\btransferred )|(?<=\\bmove )|(?<=\\bmoved )|(?<=\\bsent )|(?<=\\bpayment )|(?<=\\bwithdraw ))from my\\b", "to my"),
                  ("into", "out of"), ("out of", "into"),
                  ("re:\\breceived\\b(?! (?:me|you|him|her|them|us)\\b)", "sent"), ("re:\\bsent\\b(?! (?:me|you|him|her|them|us)\\b)", "received"),
                  ("re:\\breceive\\b(?! (?:me|you|him|her|them|us)\\b)", "send"), ("re:\\bsend\\b(?! (?:me|you|him|her|them|us|out)\\b)", "receive"),
                  ("incoming", "outgoing"), ("outgoing", "incoming"), ("deposit", "withdrawal"),
                  ("withdrawal", "deposit"), ("withdraw", "deposit"), ("i deposited", "I withdrew"),
                  ("i withdrew", "I deposited"), ("refunded", "charged"), ("charged", "refunded"),
                  ("credited", "debited"), ("debited", "credited"), ("sender", "recipient"), ("recipient", "sender"),
                  ("to someone", "from someone"), ("from someone", "to someone"),
                  ("i paid", "I was paid")],
    "product": [("virtual card", "physical card"), ("physical card", "virtual card"),
                ("virtual", "physical"), ("physical", "virtual"), ("credit card", "debit card"),
                ("debit card", "credit card"), ("apple pay", "Google Pay"), ("google pay", "Apple Pay"),
                ("visa", "Mastercard"), ("mastercard", "Visa"), ("pin", "password"),
                ("password", "PIN"), ("disposable card", "virtual card"), ("my card", "my account"),
                ("my account", "my card"), ("the card", "the account"), ("exchange rate", "transfer fee"),
                ("transfer fee", "exchange rate"), ("fee", "limit"), ("limit", "fee"),
                ("cheque", "card payment"), ("top-up", "transfer"),
                ("re:(?:(?<=\\ba )|(?<=\\bmy ))transfer\\b(?![ -]fee)", "top-up"),
                ("card payment", "bank transfer"), ("cash withdrawal", "card payment"),
                ("crypto", "stocks"), ("cryptocurrency", "stocks")],
    "action": [("activate", "deactivate"), ("deactivate", "activate"), ("freeze", "unfreeze"),
               ("unfreeze", "freeze"), ("unblock", "block"), ("block", "unblock"), ("lock", "unlock"),
               ("unlock", "lock"), ("cancel", "track"), ("cancelled", "completed"),
               ("canceled", "completed"), ("open", "close"), ("close", "open"), ("add", "remove"),
               ("remove", "add"), ("increase", "decrease"), ("decrease", "increase"), ("raise", "lower"),
               ("upgrade", "downgrade"), ("enable", "disable"), ("disable", "enable"),
               ("link my", "unlink my"), ("to link", "to unlink"),
               ("buy", "sell"), ("sell", "buy"), ("accepted", "declined"), ("declined", "accepted"),
               ("approved", "declined"), ("rejected", "approved"), ("delete", "create"),
               ("stolen", "found"), ("lost", "found"), ("found my", "lost my"), ("order a", "cancel a"),
               ("order another", "cancel another"), ("ordered", "cancelled"), ("dispute", "accept"),
               ("reverted", "approved"), ("has failed", "has succeeded"),
               ("transfer failed", "transfer succeeded"), ("payment failed", "payment succeeded"),
               ("top-up failed", "top-up succeeded"), ("top up failed", "top up succeeded")],
    "time": [("yesterday", "today"), ("today", "yesterday"), ("last week", "last month"),
             ("last month", "last week"), ("this morning", "last night"), ("tomorrow", "next week"),
             ("week", "month"), ("weeks", "months"), ("month", "year"), ("months", "days"),
             ("days", "weeks"), ("day", "week"), ("hours", "days"), ("hour", "day"),
             ("minutes", "hours"), ("before i", "after I"), ("after i", "before I"),
             ("before the", "after the"), ("after the", "before the"), ("monthly", "yearly"),
             ("already been", "not yet been"), ("weekend", "weekday"), ("is still", "is no longer"),
             ("are still", "are no longer"), ("still pending", "no longer pending")],
    "channel": [("app", "website"), ("website", "app"), ("online", "in store"), ("in store", "online"),
                ("in a store", "online"), ("re:\\batm\\b(?! machine|'s)", "bank branch"), ("atm machine", "bank branch"), ("cash machine", "bank branch"),
                ("email", "text message"), ("text", "email"), ("re:\\bphone\\b(?! (?:number|no)\\b)", "laptop"),
                ("contactless", "chip and PIN"), ("by phone", "by email"), ("call", "email")],
    "currency_place": [("euros", "dollars"), ("euro", "dollar"), ("dollars", "euros"),
                       ("dollar", "euro"), ("pounds", "euros"), ("pound", "euro"), ("gbp", "EUR"),
                       ("eur", "USD"), ("usd", "GBP"), ("abroad", "at home"), ("overseas", "at home"),
                       ("re:\\bforeign\\b(?! countr)", "local"), ("a foreign country", "my home country"), ("local", "foreign"), ("international", "domestic"),
                       ("domestic", "international")],
    "quantity": [("more than", "less than"), ("less than", "more than"), ("higher", "lower"),
                 ("lower", "higher"), ("maximum", "minimum"), ("minimum", "maximum"), ("max", "min"),
                 ("first", "last"), ("twice", "once"), ("re:\\bonce\\b(?! (?:i|you|it|we|they|the|my|a)\\b)", "twice"),
                 ("old card", "new card"), ("new card", "old card"), ("new one", "old one"),
                 ("my new", "my old"), ("my old", "my new"), ("the same", "a different"),
                 ("a different", "the same"), ("multiple", "two"), ("all of", "some of"),
                 ("all the", "some of the"), ("too much", "too little"), ("large", "small"),
                 ("big", "small")],
}
NEG_ALL_OCC = {"product", "channel", "currency_place"}
NEG_QUOTA = {"negation": 45, "direction": 35, "product": 35, "action": 35, "time": 30,
             "person": 30, "quantity": 25, "channel": 25, "number": 20, "currency_place": 20}
assert sum(NEG_QUOTA.values()) == N_NEG


def neg_pair(cat, t):
    cands = [(a, b) for a, b in NEG_PAIRS[cat] if re.search(pat(a), t, re.I)]
    if cat in NEG_ALL_OCC:   # "Mastercard as well as Visa" -> "Visa as well as Visa" is not a clean negative
        cands = [(a, b) for a, b in cands if not re.search(wb(b), t, re.I)]
    if not cands:
        return None
    a, b = rng.choice(cands)
    p = pat(a)
    if cat in NEG_ALL_OCC:
        m0 = re.search(p, t, re.I).group(0)
        new = re.sub(p, lambda m: match_case(m.group(0), b), t, flags=re.I)
    else:
        new, m0 = sub_once(t, p, b)
    if cat == "direction" and re.match(r"(send|sent|receive|received)$", b):
        # keep the sentence coherent: "send X to" <-> "receive X from" (next to/from in the clause)
        i = new.lower().find(b) + len(b)
        tail = new[i:]
        mm = re.match(r"([^.?!,]{0,40}?)\b(to|from)\b", tail)
        if mm:
            sw = "from" if mm.group(2).lower() == "to" else "to"
            if (b in ("receive", "received")) == (sw == "from"):
                new = new[:i] + mm.group(1) + sw + tail[mm.end():]
    new = fix_articles(new) if fix_articles(t) == t else new
    if t[:1].isupper():
        new = cap(new)
    return new, f"{cat}:{m0.lower()}->{b.lower()}"


def neg_country(t):
    ms = [m for m in re.finditer(r"\b(" + "|".join(COUNTRIES) + r")\b", t)]
    if not ms:
        return None
    m = rng.choice(ms)
    to = rng.choice([c for c in COUNTRIES if c != m.group(0)])
    pre = t[:m.start()]
    if to in ("UK", "US") and not re.search(r"\bthe $", pre, re.I):
        to_s = "the " + to
    elif to not in ("UK", "US") and re.search(r"\bthe $", pre, re.I):
        pre, to_s = re.sub(r"\bthe $", "", pre, flags=re.I), to
    else:
        to_s = to
    return pre + to_s + t[m.end():], f"currency_place:{m.group(0)}->{to}"


def neg_number(t):
    ms = list(re.finditer(r"(?<![\w.])(\d+(?:[.,]\d+)?)(?![\w])", t))
    wms = list(re.finditer(r"\b(" + "|".join(NUMW) + r")\b", t, re.I))
    if not ms and not wms:
        return None
    if ms and (not wms or rng.random() < 0.7):
        m = rng.choice(ms)
        s = m.group(1)
        if "." in s or "," in s:
            ip, sep, fp = re.split(r"([.,])", s)
            v = int(ip)
            nv = v * 2 if v > 0 else 5
            to = f"{nv}{sep}{fp}"
        else:
            v = int(s)
            if v <= 10:
                nv = rng.choice([x for x in range(1, 15) if x != v])
            else:
                nv = rng.choice([v * 2, v * 3, max(1, v // 2), v + 10 ** max(0, len(s) - 1)])
                if nv == v:
                    nv = v + 1
            to = str(nv)
        return t[:m.start()] + to + t[m.end():], f"number:{s}->{to}"
    m = rng.choice(wms)
    to = rng.choice([w for w in NUMW if w != m.group(0).lower()])
    to = match_case(m.group(0), to)
    return t[:m.start()] + to + t[m.end():], f"number:{m.group(0).lower()}->{to.lower()}"


def neg_person(t):
    opts = []
    rel = list(re.finditer(r"\b(" + "|".join(REL) + r")('s|s)?\b", t, re.I))
    if rel:
        opts.append("swap_rel")
    poss = list(re.finditer(r"\bmy (card|account|transfer|payment|phone|pin|top[- ]up|refund|money|cards)\b", t, re.I))
    if poss:
        opts.append("possessor")
    if re.search(r"\bfor me\b", t, re.I):
        opts.append("for_me")
    if not opts:
        return None
    o = rng.choice(opts)
    if o == "swap_rel":
        m = rng.choice(rel)
        w = m.group(1)
        plural = (m.group(2) or "").lower() == "s"
        to = rng.choice([r for r in REL if r != w.lower() and not (plural and r in ("boss", "child"))])
        to = match_case(w, to)
        return t[:m.start(1)] + to + t[m.end(1):], f"person:{w.lower()}->{to.lower()}"
    if o == "possessor":
        m = rng.choice(poss)
        who = rng.choice(REL)
        return (t[:m.start()] + m.group(0)[:2] + f" {who}'s " + m.group(1) + t[m.end():],
                f"person:my {m.group(1).lower()}->my {who}'s {m.group(1).lower()}")
    who = rng.choice(["my son", "my daughter", "my husband", "my wife", "a friend", "my mother"])
    new, m = sub_once(t, r"\bfor me\b", f"for {who}")
    return new, f"person:for me->for {who}"


NEG_FUNCS = {c: (lambda t, c=c: neg_pair(c, t)) for c in NEG_PAIRS}
_cp = NEG_FUNCS["currency_place"]
NEG_FUNCS["currency_place"] = lambda t: (neg_country(t) if re.search(r"\b(" + "|".join(COUNTRIES) + r")\b", t) and rng.random() < 0.5 else _cp(t)) or neg_country(t)
NEG_FUNCS["number"] = neg_number
NEG_FUNCS["person"] = neg_person


def neg_applicable(t):
    out = []
    for c in NEG_FUNCS:
        if c in NEG_PAIRS and any(re.search(pat(a), t, re.I) for a, _ in NEG_PAIRS[c]):
            out.append(c)
        elif c == "currency_place" and re.search(r"\b(" + "|".join(COUNTRIES) + r")\b", t) and c not in out:
            out.append(c)
        elif c == "number" and (re.search(r"\d", t) or re.search(r"\b(" + "|".join(NUMW) + r")\b", t, re.I)):
            out.append(c)
        elif c == "person" and re.search(r"\b(" + "|".join(REL) + r")|\bmy (card|account|transfer|payment|phone|pin|top[- ]up|refund|money|cards)\b|\bfor me\b", t, re.I):
            out.append(c)
    return out


def make_negative(t, cat_counts, forbidden):
    cats = [c for c in neg_applicable(t) if cat_counts[c] < NEG_QUOTA[c]]
    if not cats:
        return None
    # favour the categories furthest from their quota (keeps the rule mix balanced)
    cats.sort(key=lambda c: (cat_counts[c] / NEG_QUOTA[c], rng.random()))
    for c in cats[:3]:
        for _ in range(15):
            r = NEG_FUNCS[c](t)
            if not r:
                continue
            new, ed = r
            new = tidy(new)
            n = norm(new)
            if n == norm(t) or n in forbidden:
                continue
            return new, [ed], c
    return None


# ============================================================================ assemble
orig_norms = {o["n"] for o in originals}
idx = list(range(N_ORIG))
rng.shuffle(idx)
used = set()
planted = {}        # orig index -> (kind, text, edits)
neg_cat_counts = Counter()
generated_norms = set()

# negatives first (need an applicable rule)
for i in idx:
    if len(planted) == N_NEG:
        break
    t = originals[i]["text"]
    r = make_negative(t, neg_cat_counts, train_norm | generated_norms)
    if not r:
        continue
    new, eds, c = r
    neg_cat_counts[c] += 1
    planted[i] = ("negative", new, eds)
    generated_norms.add(norm(new))
assert sum(1 for v in planted.values() if v[0] == "negative") == N_NEG

rest = [i for i in idx if i not in planted]
n_near = 0
for i in rest:
    if n_near == N_NEAR:
        break
    t = originals[i]["text"]
    r = make_near(t, (orig_norms - {originals[i]["n"]}) | (train_norm - {originals[i]["n"]}) | generated_norms)
    if not r:
        continue
    planted[i] = ("near", r[0], r[1])
    generated_norms.add(norm(r[0]))
    n_near += 1
assert n_near == N_NEAR

rest = [i for i in idx if i not in planted]
for i in rest[:N_EXACT]:
    t = originals[i]["text"]
    new, eds = make_exact(t)
    planted[i] = ("exact", new, eds)

# ordering: original i gets key i; its planted copy lands at a random later position
keyed = []
for i, o in enumerate(originals):
    keyed.append((float(i), 0, i, "original"))
for i, (kind, text, eds) in planted.items():
    keyed.append((rng.uniform(i + 0.5, N_ORIG + 50), 1, i, kind))
keyed.sort()

out_rows = []
orig_id = {}
for pos, (_, _, i, kind) in enumerate(keyed):
    rid = f"d{pos:05d}"
    if kind == "original":
        orig_id[i] = rid
        out_rows.append({"id": rid, "text": originals[i]["text"], "kind": "original",
                         "source_id": "", "edits": []})
    else:
        _, text, eds = planted[i]
        out_rows.append({"id": rid, "text": text, "kind": kind, "source_id": orig_id[i], "edits": eds})

# ---------------------------------------------------------------------------- verify
ids = [r["id"] for r in out_rows]
assert len(ids) == len(set(ids))
pos_of = {r["id"]: p for p, r in enumerate(out_rows)}
kinds = Counter(r["kind"] for r in out_rows)
assert kinds == Counter(original=N_ORIG, exact=N_EXACT, near=N_NEAR, negative=N_NEG), kinds
srcs = [r["source_id"] for r in out_rows if r["kind"] != "original"]
assert len(srcs) == len(set(srcs))
byid = {r["id"]: r for r in out_rows}
for r in out_rows:
    if r["kind"] == "original":
        assert r["source_id"] == ""
        continue
    s = byid[r["source_id"]]
    assert s["kind"] == "original" and pos_of[s["id"]] < pos_of[r["id"]]
    if r["kind"] == "exact":
        assert norm(r["text"]) == norm(s["text"])
    else:
        assert norm(r["text"]) != norm(s["text"])
    if r["kind"] == "negative":
        assert norm(r["text"]) not in train_norm
    if r["kind"] == "near":
        assert 1 <= len(r["edits"]) <= 3

with open(os.path.join(OUT, "near_dups_short4.jsonl"), "w", encoding="utf-8") as f:
    for r in out_rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")

# stats for README
stats = {"kinds": dict(kinds), "screen_rejects": dict(screen_rejects),
         "pool_after_length_filter": len(pool),
         "exact_ops": Counter(), "near_ops": Counter(), "near_cats": Counter(),
         "near_n_edits": Counter(), "near_with_paraphrase": 0, "neg_cats": Counter(),
         "neg_rules": Counter()}
cat_of = {n: v[1] for n, v in NEAR_OPS.items()}
for r in out_rows:
    if r["kind"] == "exact":
        for e in r["edits"]:
            stats["exact_ops"][e] += 1
    elif r["kind"] == "near":
        stats["near_n_edits"][len(r["edits"])] += 1
        has_p = False
        for e in r["edits"]:
            op = re.split(r"[:(]", e)[0]
            op = {"contraction_expand": "contraction", "contraction_contract": "contraction"}.get(op, op)
            stats["near_ops"][re.split(r"[:(]", e)[0]] += 1
            stats["near_cats"][cat_of[op]] += 1
            has_p |= cat_of[op] == "paraphrase"
        stats["near_with_paraphrase"] += has_p
    elif r["kind"] == "negative":
        e = r["edits"][0]
        stats["neg_cats"][e.split(":")[0]] += 1
        stats["neg_rules"][e.split(":", 1)[1].split("->")[0] + "->" + e.split("->")[1] if e.startswith(("negation", "direction", "product", "action", "time", "channel", "quantity")) else e.split(":")[0]] += 1
with open(os.path.join(OUT, "stats.json"), "w") as f:
    json.dump({k: (dict(v) if isinstance(v, Counter) else v) for k, v in stats.items()}, f, indent=1, sort_keys=True)
print(json.dumps({k: (dict(v) if isinstance(v, Counter) else v) for k, v in stats.items() if k != "neg_rules"}, indent=1))
