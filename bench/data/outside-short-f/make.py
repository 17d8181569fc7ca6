#!/usr/bin/env python3
"""Deterministic generator for the blind near-duplicate test set `outside-short-f`.

Input : BANKING77 training split (CC BY 4.0, Casanueva et al. 2020, PolyAI).
Output: near_dups_short6.jsonl, stats.json, README.md (into this folder, or --out DIR).

Python 3 standard library only.  All randomness comes from one seeded random.Random;
no set/dict iteration order that depends on string hashing is used for decisions.
"""
import argparse
import csv
import difflib
import json
import os
import random
import re
import sys
import unicodedata
from collections import Counter

SEED = 61029
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TRAIN = "/work/shared/data/banking77/train.csv"
OUT_JSONL = "near_dups_short6.jsonl"

N_ORIG, N_EXACT, N_NEAR, N_NEG = 2000, 150, 500, 300
SOON_MAX = 40

# --------------------------------------------------------------------------------------
# normalisation and similarity
# --------------------------------------------------------------------------------------
APOS_RE = re.compile("['\u2019\u2018`\u00b4\u02bc]")
NONWORD_RE = re.compile(r"[\W_]+")


def norm(s):
    s = s.lower()
    s = APOS_RE.sub("", s)
    s = NONWORD_RE.sub(" ", s)
    return s.strip()


def toks(s):
    return norm(s).split()


def grams4(n):
    if len(n) < 4:
        return {n}
    return {n[i:i + 4] for i in range(len(n) - 3)}


def jacc(a, b):
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def too_close(na, nb, wa, wb, ga, gb):
    """True if two normalised texts are near copies by the original-selection rule."""
    if na in nb or nb in na:
        return True
    if jacc(wa, wb) >= 0.5:
        return True
    if jacc(ga, gb) >= 0.5:
        return True
    return False


def token_diff(a, b):
    ta, tb = toks(a), toks(b)
    sm = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    d = 0
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op != "equal":
            d += max(i2 - i1, j2 - j1)
    return d


def lev(a, b, cap=3):
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > cap:
            return cap + 1
        prev = cur
    return prev[-1]


# --------------------------------------------------------------------------------------
# guard lexicons (the same definitions are re-implemented in verify.py)
# --------------------------------------------------------------------------------------
NEGATIONS = {
    "not", "no", "never", "none", "nothing", "nobody", "nowhere", "neither", "nor",
    "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent",
    "wont", "wouldnt", "couldnt", "shouldnt", "havent", "hasnt", "hadnt", "aint",
    "mustnt", "neednt", "without",
}

# meaning-flip groups: group name -> list of senses (each sense a list of normalised tokens)
FLIP_GROUPS = {
    "deposit": [["deposit", "deposits", "deposited", "depositing"],
                ["withdraw", "withdrawal", "withdrawals", "withdrew", "withdrawn", "withdrawing", "withdraws"]],
    "debit": [["debit", "debits", "debited"], ["credit", "credits", "credited"]],
    "send": [["send", "sent", "sending", "sends", "sender"],
             ["receive", "received", "receiving", "receives", "recipient", "receiver"]],
    "country": [["uk", "britain", "british", "england", "kingdom"], ["us", "usa", "america", "american", "states"],
                ["europe", "european", "eu"], ["china"], ["spain"], ["france"], ["germany"], ["italy"],
                ["canada"], ["mexico"], ["australia"], ["india"], ["japan"], ["portugal"], ["ireland"],
                ["switzerland"], ["thailand"], ["turkey"], ["greece"], ["netherlands"], ["poland"], ["asia"]],
    "currency": [["gbp", "pound", "pounds", "sterling", "quid"], ["usd", "dollar", "dollars"],
                 ["eur", "euro", "euros"], ["yen", "jpy"], ["chf", "franc", "francs"]],
    "product": [["physical", "plastic"], ["virtual"], ["disposable"], ["visa"], ["mastercard"], ["apple"],
                ["google"], ["pin"], ["password", "passcode"], ["cheque", "cheques"], ["cash"],
                ["card", "cards"], ["contactless"]],
    "person": [["husband", "husbands"], ["wife", "wifes"], ["son", "sons"], ["daughter", "daughters"],
               ["child", "children", "kid", "kids", "childs", "childrens"], ["partner", "partners"],
               ["friend", "friends"], ["mum", "mom", "mother", "mums", "moms", "mothers"], ["dad", "father", "dads", "fathers"],
               ["brother", "brothers"], ["sister", "sisters"]],
    "time": [["day", "days", "daily"], ["week", "weeks", "weekly"], ["month", "months", "monthly"],
             ["year", "years", "yearly", "annual", "annually"], ["hour", "hours"], ["minute", "minutes"],
             ["today", "tonight"], ["yesterday"], ["tomorrow"], ["morning"], ["evening", "night"], ["weekend"],
             ["monday"], ["tuesday"], ["wednesday"], ["thursday"], ["friday"], ["saturday"], ["sunday"]],
    "status": [["accept", "accepted", "approve", "approved"],
               ["decline", "declined", "reject", "rejected", "refused", "denied"],
               ["fail", "failed", "fails", "failing"], ["pending"],
               ["block", "blocked", "lock", "locked", "freeze", "frozen"],
               ["unblock", "unblocked", "unlock", "unlocked", "unfreeze", "unfrozen"],
               ["activate", "activated"], ["deactivate", "deactivated"], ["lost"], ["stolen"]],
    "quantity": [["once"], ["twice", "double", "duplicate", "duplicated"], ["thrice", "three"],
                 ["increase", "increased", "raise", "raised", "higher"],
                 ["decrease", "decreased", "lower", "lowered", "reduce", "reduced"],
                 ["maximum", "max"], ["minimum", "min"], ["more"], ["less", "fewer"], ["first"], ["last"]],
    "action": [["open", "opened", "opening"], ["close", "closed", "closing"], ["add", "added", "adding"],
               ["remove", "removed", "removing", "delete", "deleted"], ["buy", "bought", "purchase", "purchased"],
               ["sell", "sold", "selling"], ["upgrade"], ["downgrade"], ["enable", "enabled"],
               ["disable", "disabled"], ["link", "linked"], ["unlink", "unlinked"], ["refund", "refunded"],
               ["charge", "charged"]],
    "direction": [["from"], ["into"], ["out"], ["incoming", "inbound"], ["outgoing", "outbound"]],
}
# groups where a near row may never introduce a sense absent from its source
STRICT_GROUPS = ["deposit", "debit", "country", "currency", "product", "person"]

SENSE_OF = {}
for _g, _senses in FLIP_GROUPS.items():
    for _i, _s in enumerate(_senses):
        for _w in _s:
            SENSE_OF.setdefault(_w, []).append((_g, _i))

STOP = set("""a an the i me my mine myself you your yours u ur we us our ours it its itself this that these those
is am are was were be been being do does did done doing have has had having will would can could should shall
may might must to of in on at for from with by about as into out up down over under off and or but if so then
than there here what whats which who whom whose when where why how all any some just also very really please
pls thanks thank thx hi hello hey im ive id ill youre theyre thats theres dont doesnt didnt isnt arent wasnt
werent wont cant cannot not no get got getting want wanted need needed like would wish know tell let able
possible way help go going gone yet still again too one much many more most other another else only even
there s t d ll ve re m ok okay yes anything something someone somebody thing things way""".split())

# equivalences accepted when checking that content words survive (source word -> replacements)
SURVIVE_SYN = {
    "received": ["got", "gotten"], "receive": ["get"], "money": ["funds"], "funds": ["money"],
    "phone": ["mobile"], "mobile": ["cell"], "cellphone": ["mobile"], "arrived": ["come", "turned up", "shown up", "come through"],
    "arrive": ["come", "get here", "turn up", "show up"], "problem": ["issue"], "issue": ["problem"],
    "problems": ["issues"], "issues": ["problems"], "wrong": ["incorrect"], "incorrect": ["wrong"],
    "strange": ["weird", "odd"], "weird": ["strange", "odd"], "odd": ["strange", "weird"],
    "unusual": ["strange", "odd"], "quickly": ["fast"], "immediately": ["right away", "straight away", "at once"],
    "fix": ["sort out", "resolve"], "resolve": ["fix", "sort out"], "long": ["time"],
    "usually": ["normally", "typically"], "normally": ["usually", "typically"], "typically": ["usually", "normally"],
    "charged": ["billed"], "declined": ["rejected", "refused"], "rejected": ["declined"], "refused": ["declined"],
    "appear": ["show up"], "showing": ["appearing"], "appearing": ["showing up"], "app": ["application"],
    "verify": ["confirm"], "identity": ["id"], "exchange": ["conversion", "fx"], "abroad": ["overseas"],
    "overseas": ["abroad"], "purchased": ["bought"], "bought": ["purchased"], "purchase": ["buy"], "buy": ["purchase"],
    "accidentally": ["by mistake", "by accident"], "mistakenly": ["by mistake"], "recently": ["lately"],
    "currently": ["right now", "at the moment"], "assist": ["help"], "fee": ["charge"], "fees": ["charges"],
    "find": ["locate"], "explain": ["clarify"], "amount": ["sum"], "change": ["update"], "contact": ["reach"],
    "large": ["big"], "big": ["large"], "mistake": ["error"], "error": ["mistake"], "kid": ["child"], "child": ["kid"],
    "account": ["acct", "acc"], "information": ["info"], "message": ["msg"], "transaction": ["txn"],
    "because": ["cuz", "coz", "bc", "since", "as"], "tomorrow": ["tmrw"], "people": ["ppl"], "minutes": ["mins"],
    "hours": ["hrs"], "weeks": ["wks"], "though": ["tho"], "through": ["thru"], "about": ["abt"],
    "atm": ["cashpoint"], "cashpoint": ["atm"], "vacation": ["holiday"], "holiday": ["vacation"],
    "apartment": ["flat"], "flat": ["apartment"], "mail": ["post"], "post": ["mail"], "zip": ["postcode"],
    "postcode": ["zip code"], "checking": ["current"], "current": ["checking"], "question": ["doubt"],
    "cell": ["mobile"], "soon": ["asap"], "possible": ["asap"], "gotten": ["got"], "got": ["gotten"],
    "mom": ["mum"], "mum": ["mom"], "cancel": ["cancel"], "work": ["working"], "working": ["work"],
}

CURRENCY_SYMBOLS = "£$€¥₹"


def digit_runs(s):
    return sorted(re.findall(r"\d+", s))


def currency_syms(s):
    return sorted(c for c in s if unicodedata.category(c) == "Sc")


def neg_count(s):
    return sum(1 for t in toks(s) if t in NEGATIONS)


def senses_in(tokens):
    out = {}
    for t in tokens:
        for g, i in SENSE_OF.get(t, []):
            out.setdefault(g, set()).add(i)
    return out


def flip_violation(src, row):
    """Return a description if `row` introduces a meaning-flipping word relative to `src`."""
    s_s = senses_in(toks(src))
    r_s = senses_in(toks(row))
    for g, idx in r_s.items():
        new = idx - s_s.get(g, set())
        if not new:
            continue
        if g in STRICT_GROUPS or g in s_s:
            return g
    return None


def content_words(s):
    out = []
    for t in toks(s):
        if t in STOP or t in NEGATIONS or t.isdigit() or len(t) < 2:
            continue
        if t not in out:
            out.append(t)
    return out


def word_survives(w, rtoks, rset, rnorm_pad, joins):
    if w in rset:
        return True
    cap = 1 if len(w) <= 4 else 2
    for t in rtoks:
        if abs(len(t) - len(w)) <= cap and lev(w, t, cap) <= cap:
            return True
        if len(w) >= 4 and len(t) > len(w) and (t.startswith(w) or t.endswith(w)):
            return True
    if len(w) >= 5 and w in joins:
        return True
    for alt in SURVIVE_SYN.get(w, []):
        if " " + alt + " " in rnorm_pad:
            return True
    return False


def survival(src, row):
    cw = content_words(src)
    if not cw:
        return 1.0
    rtoks = toks(row)
    rset = set(rtoks)
    joins = {rtoks[i] + rtoks[i + 1] for i in range(len(rtoks) - 1)}
    rpad = " " + " ".join(rtoks) + " "
    ok = sum(1 for w in cw if word_survives(w, rtoks, rset, rpad, joins))
    return ok / len(cw)


def near_guard(src, row):
    if norm(src) == norm(row):
        return "same-normalised"
    if digit_runs(src) != digit_runs(row):
        return "digits"
    if currency_syms(src) != currency_syms(row):
        return "currency"
    if neg_count(row) < neg_count(src):
        return "negation"
    g = flip_violation(src, row)
    if g:
        return "flip:" + g
    if survival(src, row) < 0.6:
        return "survival"
    return None


# --------------------------------------------------------------------------------------
# small text helpers
# --------------------------------------------------------------------------------------
def match_case(src, rep):
    if not rep:
        return rep
    if len(src) > 1 and src.isupper():
        return rep.upper() if len(src) > 4 else rep
    if src[:1].isupper():
        return rep[:1].upper() + rep[1:]
    if src[:1].islower() and not (len(rep) > 1 and rep[1:2].isupper()):
        return rep[:1].lower() + rep[1:]
    return rep


def lower_first(s):
    if not s:
        return s
    first = s.split(" ", 1)[0]
    if first in ("I", "I'm", "I've", "I'd", "I'll") or (len(first) > 1 and first[:2].isupper()):
        return s
    return s[:1].lower() + s[1:]


def upper_first(s):
    return s[:1].upper() + s[1:] if s else s


def final_punct(s):
    m = re.search(r"[.?!]+$", s)
    return m.group(0) if m else ""


def strip_final(s):
    return re.sub(r"\s*[.?!]+$", "", s)


def sub_one(text, pattern, rng, choices, flags=re.I):
    ms = list(re.finditer(pattern, text, flags))
    if not ms:
        return None
    m = rng.choice(ms)
    src = m.group(0)
    rep = choices(m) if callable(choices) else rng.choice(choices)
    if rep is None:
        return None
    rep = match_case(src, rep)
    if re.match(r"i\b", src) and rep.startswith("I"):
        rep = "i" + rep[1:]
    before = text[:m.start()]
    art = re.search(r"\b(an?|An?) $", before)
    if art and rep[:1].isalpha():
        a = art.group(1)
        want = "an" if rep[:1].lower() in "aeiou" else "a"
        if a.lower() != want:
            want = want[:1].upper() + want[1:] if a[:1].isupper() else want
            before = before[:art.start(1)] + want + " "
    return before + rep + text[m.end():]


def table_sub(text, table, rng):
    opts = [(p, alts) for p, alts in table if re.search(p, text, re.I)]
    if not opts:
        return None
    p, alts = rng.choice(opts)
    return sub_one(text, p, rng, alts)


def words_idx(text):
    return [m for m in re.finditer(r"[A-Za-z]+", text)]


# --------------------------------------------------------------------------------------
# near-duplicate edit operations.  Each returns (new_text, detail) or None.
# --------------------------------------------------------------------------------------
_NB = "q:was w:qeasd e:wrsdf r:etdfg t:ryfgh y:tughj u:yihjk i:uojkl o:ipkl p:ol a:qwsz s:adwezx d:sferxc f:dgrtcv g:fhtyvb h:gjyubn j:hkuinm k:jliom l:kop z:asx x:zcsd c:xvdf v:cbfg b:vngh n:bmhj m:njk"
NEIGH = {kv.split(":")[0]: list(kv.split(":")[1]) for kv in _NB.split()}

BANNED_TYPO_OUT = NEGATIONS | set(SENSE_OF)


def _typo_word(w, kind, rng):
    lw = len(w)
    if kind == "neighbor_key":
        i = rng.randrange(1, lw)
        ch = w[i].lower()
        if ch not in NEIGH:
            return None
        r = rng.choice(NEIGH[ch])
        r = r.upper() if w[i].isupper() else r
        return w[:i] + r + w[i + 1:]
    if kind == "transpose":
        cands = [i for i in range(1, lw - 1) if w[i] != w[i + 1]]
        if not cands:
            return None
        i = rng.choice(cands)
        return w[:i] + w[i + 1] + w[i] + w[i + 2:]
    if kind == "drop_letter":
        i = rng.randrange(1, lw)
        return w[:i] + w[i + 1:]
    if kind == "double_letter":
        i = rng.randrange(1, lw)
        return w[:i] + w[i] + w[i:]
    if kind == "split_word":
        i = rng.randrange(2, lw - 1)
        return w[:i] + " " + w[i:]
    return None


def op_typo(text, rng):
    kind = rng.choices(["neighbor_key", "transpose", "drop_letter", "double_letter", "missing_space", "split_word"],
                       [30, 25, 22, 10, 10, 3])[0]
    if kind == "missing_space":
        ms = list(re.finditer(r"(?<=[A-Za-z]) (?=[A-Za-z])", text))
        if not ms:
            return None
        m = rng.choice(ms)
        new = text[:m.start()] + text[m.end():]
        joined = re.search(r"[A-Za-z]+$", new[:m.start()]).group(0) + re.match(r"[A-Za-z]*", new[m.start():]).group(0)
        if joined.lower() in BANNED_TYPO_OUT:
            return None
        return new, "typo:missing_space"
    ws = [m for m in words_idx(text) if len(m.group(0)) >= (5 if kind == "split_word" else 4)]
    if not ws:
        return None
    m = rng.choice(ws)
    nw = _typo_word(m.group(0), kind, rng)
    if nw is None or nw == m.group(0):
        return None
    for piece in nw.lower().split():
        if piece in BANNED_TYPO_OUT:
            return None
    return text[:m.start()] + nw + text[m.end():], "typo:" + kind


MISSPELL = {
    "receive": "recieve", "received": "recieved", "receiving": "recieving", "separate": "seperate",
    "definitely": "definately", "necessary": "neccessary", "address": "adress", "until": "untill",
    "which": "wich", "their": "thier", "weird": "wierd", "believe": "beleive", "occurred": "occured",
    "because": "becuase", "business": "buisness", "immediately": "immediatly", "transferred": "transfered",
    "withdrawal": "withdrawl", "account": "acount", "currency": "currancy", "verification": "verfication",
    "identity": "identiy", "transaction": "transacton", "exchange": "exchnage", "statement": "statment",
    "already": "allready", "different": "diffrent", "possible": "possable", "tomorrow": "tommorow",
    "successful": "succesful", "apparently": "apparantly", "foreign": "foriegn", "recommend": "reccomend",
    "really": "realy", "unfortunately": "unfortunatly", "actually": "actualy", "basically": "basicly",
    "finally": "finaly", "usually": "usualy", "payment": "payement", "information": "infomation",
    "available": "availible", "explain": "explian", "disappeared": "dissapeared", "again": "agian",
    "problem": "probelm", "whether": "wether", "verified": "verifed", "cancellation": "cancelation",
    "accommodate": "accomodate", "guarantee": "guarentee", "withdraw": "withdrawl", "beginning": "begining",
    "where": "were", "pending": "pendng", "receipt": "reciept", "restaurant": "resturant", "charged": "chargd",
    "refund": "refund", "minutes": "minuets", "wednesday": "wensday", "february": "febuary",
    "automatically": "automaticly", "occasionally": "occasionaly", "specific": "specfic", "different": "diffrent",
}
MISSPELL.pop("refund")


def op_misspell(text, rng):
    ms = [m for m in words_idx(text) if m.group(0).lower() in MISSPELL]
    if not ms:
        return None
    m = rng.choice(ms)
    w = m.group(0)
    rep = match_case(w, MISSPELL[w.lower()])
    return text[:m.start()] + rep + text[m.end():], "typo:common_misspelling"


HOMOPHONES = [
    (r"\byour\b", ["you're"]), (r"\byou're\b", ["your"]), (r"\bits\b", ["it's"]), (r"\bit's\b", ["its"]),
    (r"\bthere\b", ["their"]), (r"\btheir\b", ["there"]), (r"\btoo(?= (much|many|long|high|low|late|often)\b)", ["to"]),
    (r"\bthan\b", ["then"]), (r"\blose\b", ["loose"]), (r"\ba lot\b", ["alot"]), (r"\b(would|could|should) have\b", None),
    (r"\bany more\b", ["anymore"]), (r"\bevery day\b", ["everyday"]), (r"\blog in\b", ["login"]),
    (r"\bset up\b", ["setup"]), (r"\bmaybe\b", ["may be"]), (r"\balright\b", ["all right"]), (r"\bwhose\b", ["who's"]),
    (r"\bwhere\b", ["were"]), (r"\bin to\b", ["into"]), (r"\bkind of\b", ["kinda"]), (r"\bsort of\b", ["sorta"]),
]


def op_homophone(text, rng):
    opts = [(p, a) for p, a in HOMOPHONES if re.search(p, text, re.I)]
    if not opts:
        return None
    p, alts = rng.choice(opts)
    if alts is None:
        new = sub_one(text, p, rng, lambda m: m.group(1) + " of")
    else:
        new = sub_one(text, p, rng, alts)
    if new is None:
        return None
    return new, "typo:grammar_slip"


CONTRACT = [
    ("do not", "don't"), ("does not", "doesn't"), ("did not", "didn't"), ("is not", "isn't"), ("are not", "aren't"),
    ("was not", "wasn't"), ("were not", "weren't"), ("have not", "haven't"), ("has not", "hasn't"),
    ("had not", "hadn't"), ("cannot", "can't"), ("can not", "can't"), ("will not", "won't"), ("would not", "wouldn't"),
    ("could not", "couldn't"), ("should not", "shouldn't"), ("I am", "I'm"), ("I would", "I'd"), ("I will", "I'll"),
    ("it is", "it's"), ("that is", "that's"), ("what is", "what's"), ("where is", "where's"), ("there is", "there's"),
    ("you are", "you're"), ("they are", "they're"), ("we are", "we're"), ("who is", "who's"), ("how is", "how's"),
    ("it has been", "it's been"), ("I have been", "I've been"), ("I have already", "I've already"),
    ("I have just", "I've just"), ("I have tried", "I've tried"), ("I have made", "I've made"),
    ("I have lost", "I've lost"), ("I have got", "I've got"), ("I have had", "I've had"),
    ("I have received", "I've received"), ("I have noticed", "I've noticed"), ("I have ordered", "I've ordered"),
    ("you have been", "you've been"), ("we have been", "we've been"), ("you have already", "you've already"),
    ("you have not", "you've not"), ("what are", "what're"),
]


def op_contraction(text, rng):
    opts = []
    for full, short in CONTRACT:
        pf = r"\b" + re.escape(full) + r"\b"
        ps = r"(?<![\w'])" + re.escape(short).replace("'", "['\u2019]") + r"(?![\w])"
        if re.search(pf, text, re.I):
            opts.append((pf, short, "contract"))
        if re.search(ps, text, re.I):
            if "n't" in short and re.search(ps + r" (I|you|we|they|it|he|she|my|the|this|there|your|that)\b", text, re.I):
                continue  # "can't I" -> "can not I" is not how people expand an inverted question
            opts.append((ps, full, "expand"))
    if not opts:
        return None
    p, rep, kind = rng.choice(opts)
    new = sub_one(text, p, rng, [rep])
    if new is None:
        return None
    return new, "contraction:" + kind


SYN_TABLE = [
    (r"(?<=n't )arrived\b|(?<=not )arrived\b|(?<=has )arrived\b|(?<=have )arrived\b|(?<=yet )arrived\b",
     ["come", "turned up", "shown up", "come through"]),
    (r"(?<=to )arrive\b|(?<=n't )arrive\b|(?<=will )arrive\b|(?<=it )arrive\b|(?<=card )arrive\b",
     ["come", "get here", "turn up", "show up"]),
    (r"(?<=n't )received\b|(?<=not )received\b|(?<=have )received\b|(?<=has )received\b|(?<= I )received\b", ["got"]),
    (r"(?<=to )receive\b|(?<=I )receive\b|(?<=I'll )receive\b|(?<=will )receive\b", ["get"]),
    (r"\bmoney\b", ["funds"]), (r"\bfunds\b", ["money"]), (r"\bphone\b", ["mobile"]),
    (r"\bproblem\b", ["issue"]), (r"\bissue\b", ["problem"]), (r"\bproblems\b", ["issues"]), (r"\bissues\b", ["problems"]),
    (r"\bwrong\b", ["incorrect"]), (r"\bincorrect\b", ["wrong"]), (r"\bstrange\b", ["weird", "odd"]),
    (r"\bweird\b", ["strange", "odd"]), (r"\bodd\b", ["strange", "weird"]), (r"\bunusual\b", ["strange", "odd"]),
    (r"\bquickly\b", ["fast"]), (r"\bimmediately\b", ["right away", "straight away", "at once"]),
    (r"(?<=to )fix\b|(?<=I )fix\b|(?<=you )fix\b", ["sort out", "resolve"]), (r"\bresolve\b", ["fix", "sort out"]),
    (r"\bhow long\b", ["how much time"]), (r"\btell me\b", ["let me know"]), (r"\blet me know\b", ["tell me"]),
    (r"\busually\b", ["normally", "typically"]), (r"\bnormally\b", ["usually", "typically"]),
    (r"\btypically\b", ["usually", "normally"]), (r"\bcharged\b", ["billed"]),
    (r"\bdeclined\b", ["rejected", "refused"]), (r"\brejected\b", ["declined"]), (r"\brefused\b", ["declined"]),
    (r"\bappear\b", ["show up"]), (r"\bshowing\b(?! up)", ["appearing"]), (r"\bappearing\b", ["showing up"]),
    (r"\bverify\b", ["confirm"]), (r"\bidentity\b", ["ID"]), (r"\bexchange rate\b", ["conversion rate", "FX rate"]),
    (r"\babroad\b", ["overseas"]), (r"\boverseas\b", ["abroad"]), (r"\bpurchased\b", ["bought"]),
    (r"\bbought\b", ["purchased"]), (r"\bto purchase\b", ["to buy"]), (r"\bto buy\b", ["to purchase"]),
    (r"\bbecause\b", ["since", "as"]), (r"\baccidentally\b", ["by mistake", "by accident"]),
    (r"\bmistakenly\b", ["by mistake"]), (r"\bsomeone\b", ["somebody"]), (r"\bsomebody\b", ["someone"]),
    (r"\brecently\b", ["lately"]), (r"\bcurrently\b", ["right now", "at the moment"]),
    (r"\bright now\b", ["currently", "at the moment"]), (r"\bassist\b", ["help"]), (r"\bfee\b", ["charge"]),
    (r"\bfees\b", ["charges"]), (r"(?<=t )find\b|(?<=to )find\b|(?<=not )find\b", ["locate"]),
    (r"\bexplain\b", ["clarify"]), (r"\bchange(?= my\b)", ["update"]), (r"\bcontact(?= you\b)", ["reach"]),
    (r"\blarge\b", ["big"]), (r"\bmistake\b", ["error"]), (r"\berror\b", ["mistake"]),
    (r"\bkid\b", ["child"]), (r"\bchild\b", ["kid"]), (r"\ba lot of\b", ["lots of", "loads of"]),
    (r"\bmake sure\b", ["ensure"]),
]


def op_synonym(text, rng):
    new = table_sub(text, SYN_TABLE, rng)
    if new is None:
        return None
    return new, "synonym:word"


REWORD_START = [
    (r"^how do i\b", ["How can I", "How would I", "How should I", "What do I do to", "How do you"]),
    (r"^how can i\b", ["How do I", "How would I", "What do I need to do to", "Is there a way to"]),
    (r"^can i\b", ["Is it possible to", "Am I able to", "Could I", "May I", "Is there a way to", "Would I be able to"]),
    (r"^is it possible to\b", ["Can I", "Is there a way to", "Am I able to", "Could I"]),
    (r"^is it possible for me to\b", ["Can I", "Am I able to", "Is there a way for me to"]),
    (r"^am i able to\b", ["Can I", "Is it possible to", "Could I"]),
    (r"^could i\b", ["Can I", "May I"]),
    (r"^can you\b", ["Could you", "Would you", "Are you able to"]),
    (r"^could you\b", ["Can you", "Would you", "Would you be able to"]),
    (r"^would you\b", ["Could you", "Can you"]),
    (r"^i want to\b", ["I'd like to", "I would like to", "I wish to", "I'm looking to"]),
    (r"^i would like to\b", ["I want to", "I'd like to", "I wish to"]),
    (r"^i'd like to\b", ["I want to", "I would like to"]),
    (r"^i need to\b", ["I have to", "I must", "I've got to"]),
    (r"^what do i do\b", ["What should I do", "What can I do", "What do I need to do"]),
    (r"^what should i do\b", ["What do I do", "What can I do"]),
    (r"^what can i do\b", ["What should I do", "What do I do"]),
    (r"^do you\b", ["Do you guys", "Does your bank"]),
    (r"^tell me\b", ["Can you tell me", "Please tell me", "Let me know"]),
    (r"^where is\b", ["What happened to", "Where's"]),
    (r"^i have a question about\b", ["Question about", "Quick question about"]),
    (r"^is there a way to\b", ["Can I", "Is it possible to"]),
]
REWORD_MID = [
    (r"\bdoesn't work\b", ["isn't working", "won't work"]), (r"\bdoes not work\b", ["is not working", "won't work"]),
    (r"\bisn't working\b", ["doesn't work", "won't work"]), (r"\bis not working\b", ["does not work", "won't work"]),
    (r"\bhow long does it take\b", ["how long will it take", "how much time does it take"]),
    (r"\bhow long will it take\b", ["how long does it take"]),
    (r"\bhow much does it cost\b", ["what does it cost", "how much is it"]),
    (r"\bis there a fee\b", ["is there a charge", "do you charge a fee"]),
    (r"\bis there a charge\b", ["is there a fee"]),
    (r"\bI lost my\b", ["I've lost my", "I have lost my"]), (r"\bI need help\b", ["I need some help", "I need assistance"]),
    (r"\bplease help\b", ["can you help", "help please"]), (r"\bwhat is the reason\b", ["why is that"]),
    (r"\bi think\b", ["I believe", "I'm pretty sure"]), (r"\bwhen will\b", ["when is"]) ,
]


def op_reword(text, rng):
    opts = []
    for p, alts in REWORD_START:
        if re.search(p, text, re.I):
            opts.append((p, alts))
    for p, alts in REWORD_MID:
        if p == r"\bwhen will\b":
            continue
        if re.search(p, text, re.I):
            opts.append((p, alts))
    if not opts:
        return None
    p, alts = rng.choice(opts)
    new = sub_one(text, p, rng, alts)
    if new is None or new == text:
        return None
    return new, "reword:phrase"


SUBORD = "if|when|since|after|before|because|as soon as|while|once|although|though"


def op_reorder(text, rng):
    kinds = []
    sents = re.split(r"(?<=[.!?])\s+", text.strip())
    if len(sents) >= 2 and all(len(s.split()) >= 2 for s in sents) and not re.match(r"^(hi|hello|hey|dear|good)\b", text, re.I):
        kinds.append("sentences")
    if re.match(r"^(%s) [^,]{6,}, .{6,}$" % SUBORD, text, re.I):
        kinds.append("clause_front")
    if re.match(r"^[^,.?!]{10,}? (%s) [^,.?!]{6,}[.?!]*$" % SUBORD, text, re.I):
        kinds.append("clause_back")
    if re.match(r"^please,? \w", text, re.I) or re.search(r",? please[.?!]*$", text, re.I):
        kinds.append("please")
    if not kinds:
        return None
    kind = rng.choice(kinds)
    if kind == "sentences":
        i = rng.randrange(1, len(sents))
        s2 = [sents[i]] + sents[:i] + sents[i + 1:]
        new = " ".join(s2)
        if not re.search(r"[.!?]$", sents[-1]) and i != len(sents) - 1:
            return None
        return new, "reorder:sentences"
    if kind == "clause_front":
        m = re.match(r"^(%s) ([^,]{6,}), (.{6,}?)([.?!]*)$" % SUBORD, text, re.I)
        sub, clause, main, p = m.group(1), m.group(2), m.group(3), m.group(4)
        new = "%s %s %s%s" % (upper_first(main), sub.lower(), clause, p)
        return new, "reorder:clause"
    if kind == "clause_back":
        m = re.match(r"^([^,.?!]{10,}?) (%s) ([^,.?!]{6,})([.?!]*)$" % SUBORD, text, re.I)
        main, sub, clause, p = m.group(1), m.group(2), m.group(3), m.group(4)
        new = "%s %s, %s%s" % (upper_first(sub.lower()), clause, lower_first(main), p)
        return new, "reorder:clause"
    m = re.match(r"^please,? (.+?)([.?!]*)$", text, re.I)
    if m:
        new = "%s please%s" % (upper_first(m.group(1)), m.group(2))
    else:
        m = re.match(r"^(.+?),? please([.?!]*)$", text, re.I)
        if not m:
            return None
        new = "Please %s%s" % (lower_first(m.group(1)), m.group(2))
    return new, "reorder:please"


FILLER_START = ["So ", "So, ", "Ok so ", "OK so ", "Okay, ", "Um, ", "Umm ", "Hmm, ", "Quick question: ",
                "Quick question - ", "Question: ", "Just wondering, ", "I was just wondering, ", "Basically ",
                "Honestly, ", "Sorry, ", "Right, ", "Well, ", "Alright so ", "Hey so ", "Just a quick one: ",
                "Random question but ", "Not sure who to ask but ", "Real quick, ", "Erm, ", "Anyway, ",
                "One question: ", "Question for you: ", "Hoping you can help: ", "Can I ask something? "]
FILLER_END = [" though", " tbh", " btw", " or something", " lol", " haha", " at all", " by the way",
              " if that makes sense", " or what", " anyway"]
FILLER_DROP = r"\b(just|really|actually|basically|honestly|simply|also|even|very|quite|kindly|anyway)\b ?"


def op_filler(text, rng):
    kinds = ["add_start", "add_start", "add_end", "add_mid"]
    if re.search(FILLER_DROP, text, re.I):
        kinds += ["drop", "drop"]
    kind = rng.choice(kinds)
    if kind == "drop":
        ms = list(re.finditer(FILLER_DROP, text, re.I))
        m = rng.choice(ms)
        new = text[:m.start()] + text[m.end():]
        new = re.sub(r"\s{2,}", " ", new).strip()
        if m.start() == 0:
            new = upper_first(new)
        return new, "filler:drop"
    if kind == "add_start":
        f = rng.choice(FILLER_START)
        return f + lower_first(text), "filler:add"
    if kind == "add_end":
        f = rng.choice(FILLER_END)
        p = final_punct(text)
        return strip_final(text) + f + p, "filler:add"
    ms = list(re.finditer(r"\bI (?=(need|want|have|made|tried|lost|can't|cannot|don't|got|paid|see|used|would|think)\b)",
                          text))
    if not ms:
        return None
    m = rng.choice(ms)
    f = rng.choice(["just ", "actually ", "really ", "literally ", "honestly "])
    return text[:m.end()] + f + text[m.end():], "filler:add"


POLITE_ADD_END = [" Please advise.", " Please help.", " Any help appreciated.", " Would be grateful for any help.",
                  " I'd appreciate your help.", " Appreciate any help.", " Thanks for your help in advance.",
                  " Help would be much appreciated.", " Could you look into it please?", " I'd be grateful for a reply."]


def op_politeness(text, rng):
    kinds = ["add"]
    if re.search(r"\b(please|kindly)\b", text, re.I) or re.match(r"^(could|would) you (please )?", text, re.I):
        kinds += ["drop", "drop"]
    kind = rng.choice(kinds)
    if kind == "drop":
        if re.match(r"^(could|would) you please ", text, re.I):
            return re.sub(r"^(could|would) you please ", "Can you ", text, flags=re.I), "politeness:drop"
        ms = list(re.finditer(r",? ?\b(please|kindly)\b,? ?", text, re.I))
        if not ms:
            return None
        m = rng.choice(ms)
        new = text[:m.start()] + " " + text[m.end():]
        new = re.sub(r"\s+([.?!,])", r"\1", re.sub(r"\s{2,}", " ", new)).strip()
        if m.start() == 0:
            new = upper_first(new)
        if not re.search(r"[A-Za-z]", new):
            return None
        return new, "politeness:drop"
    choices = []
    if re.match(r"^can you\b", text, re.I):
        choices.append("could_please")
    if text.rstrip().endswith("?"):
        choices.append("please_q")
    if re.match(r"^(tell|help|cancel|send|show|check|block|freeze|explain|change|give|reset|unblock|close|activate|stop|refund|remove|add|update)\b",
                text, re.I):
        choices.append("please_imp")
    choices += ["end", "end"]
    c = rng.choice(choices)
    if c == "could_please":
        return re.sub(r"^can you\b", "Could you please", text, flags=re.I), "politeness:add"
    if c == "please_q":
        return strip_final(text) + rng.choice([", please?", " please?", " pls?", ", please??"]), "politeness:add"
    if c == "please_imp":
        return "Please " + lower_first(text), "politeness:add"
    p = final_punct(text) or rng.choice([".", ".", ".", ""])
    return strip_final(text) + p + rng.choice(POLITE_ADD_END), "politeness:add"


TEXTSPEAK = [
    (r"\byou\b", ["u"]), (r"\byour\b", ["ur"]), (r"\byou're\b", ["ur", "youre"]), (r"\bplease\b", ["pls", "plz", "plse"]),
    (r"\bthanks\b", ["thx", "thnx", "tx"]), (r"\bthank you\b", ["ty", "thank u"]), (r"\bbecause\b", ["cuz", "coz", "bc"]),
    (r"\bokay\b", ["ok", "k"]), (r"\btomorrow\b", ["tmrw"]), (r"\bmessage\b", ["msg"]), (r"\baccount\b", ["acct", "acc"]),
    (r"\binformation\b", ["info"]), (r"\bpeople\b", ["ppl"]), (r"\breally\b", ["rly", "rlly"]), (r"\bthough\b", ["tho"]),
    (r"\bthrough\b", ["thru"]), (r"\bdon't know\b", ["dunno"]), (r"\bgoing to\b", ["gonna"]), (r"\bwant to\b", ["wanna"]),
    (r"\bgot to\b", ["gotta"]), (r"\bare you\b", ["r u"]), (r"\bwith\b", ["w/"]), (r"\bas soon as possible\b", ["asap"]),
    (r"\babout\b", ["abt"]), (r"\btransaction\b", ["txn"]), (r"\bminutes\b", ["mins"]), (r"\bhours\b", ["hrs"]),
    (r"\bweeks\b", ["wks"]), (r"\bsomething\b", ["smth", "sth"]), (r"\bbecause\b", ["cos"]), (r"\bwhat\b", ["wat"]),
    (r"\band\b", ["&"]), (r"\bwhy\b", ["y"]),
]


def op_textspeak(text, rng):
    n = rng.choice([1, 1, 2, 2, 3])
    cur = text
    done = 0
    for _ in range(n * 3):
        if done >= n:
            break
        new = table_sub(cur, TEXTSPEAK, rng)
        if new is None:
            break
        if new != cur and norm(new) != norm(cur):
            cur = new
            done += 1
    if done == 0:
        return None
    return cur, "textspeak:abbrev"


REGIONAL_PAIRS = [
    ("color", "colour"), ("colors", "colours"), ("favorite", "favourite"), ("canceled", "cancelled"),
    ("canceling", "cancelling"), ("cancelation", "cancellation"), ("traveling", "travelling"),
    ("traveled", "travelled"), ("traveler", "traveller"), ("authorize", "authorise"), ("authorized", "authorised"),
    ("authorization", "authorisation"), ("recognize", "recognise"), ("recognized", "recognised"),
    ("realize", "realise"), ("realized", "realised"), ("apologize", "apologise"), ("organize", "organise"),
    ("center", "centre"), ("license", "licence"), ("enroll", "enrol"), ("fulfill", "fulfil"),
    ("jewelry", "jewellery"), ("catalog", "catalogue"), ("customize", "customise"), ("finalize", "finalise"),
    ("utilize", "utilise"), ("analyze", "analyse"), ("defense", "defence"), ("gray", "grey"),
    ("labeled", "labelled"), ("behavior", "behaviour"), ("neighbor", "neighbour"), ("learned", "learnt"),
    ("spelled", "spelt"), ("gotten", "got"), ("zip code", "postcode"), ("cell phone", "mobile phone"),
    ("cellphone", "mobile"), ("vacation", "holiday"), ("apartment", "flat"), ("in the mail", "in the post"),
    ("by mail", "by post"), ("ATM", "cashpoint"), ("ATMs", "cashpoints"), ("checking account", "current account"),
    ("fill out", "fill in"), ("on the weekend", "at the weekend"), ("among", "amongst"), ("mom", "mum"),
    ("authorizing", "authorising"), ("recognizing", "recognising"), ("apologizing", "apologising"),
    ("customized", "customised"), ("canceling", "cancelling"),
]


def op_regional(text, rng):
    opts = []
    for us, uk in REGIONAL_PAIRS:
        for a, b in ((us, uk), (uk, us)):
            if a == "got":
                continue
            p = r"(?<![\w-])" + re.escape(a) + r"(?![\w-])"
            if re.search(p, text, re.I):
                opts.append(("spelling" if " " not in a and lev(a.lower(), b.lower()) <= 2 and a.lower()[:2] == b.lower()[:2]
                             else "wording", p, b))
    if re.search(r"(?<!a )\bwhile\b", text, re.I):
        opts.append(("wording", r"(?<!a )\bwhile\b", "whilst"))
    if re.search(r"\bwhilst\b", text, re.I):
        opts.append(("wording", r"\bwhilst\b", "while"))
    phr = []
    if re.search(r"\bplease\b", text, re.I):
        phr.append("kindly")
    if rng.random() < 0.5:
        phr.append("needful")
    if re.match(r"^(how|what|why|when|where|can|is|do|does)\b", text, re.I):
        phr.append("please_q")
    if re.match(r"^do you\b", text, re.I) or re.search(r"\byou guys\b", text, re.I):
        phr.append("yall")
    if text.rstrip().endswith("?"):
        phr.append("mate")
    if re.search(r"\bI have a question\b", text, re.I):
        phr.append("doubt")
    if not opts and not phr:
        return None
    if opts and (not phr or rng.random() < 0.8):
        kind, p, b = rng.choice(opts)
        new = sub_one(text, p, rng, [b])
        if new is None or new == text:
            return None
        return new, "regional:" + kind
    k = rng.choice(phr)
    if k == "kindly":
        return sub_one(text, r"\bplease\b", rng, ["kindly"]), "regional:indian_english"
    if k == "needful":
        p = final_punct(text) or "."
        tail = rng.choice([" Kindly do the needful.", " Please do the needful.", " Kindly revert.",
                           " Please revert at the earliest.", " Kindly look into this.",
                           " Waiting for your kind reply.", " Kindly revert back soon.",
                           " Request you to please check."])
        return strip_final(text) + p + tail, "regional:indian_english"
    if k == "please_q":
        return rng.choice(["Please ", "Pls ", "Good day, please ", "Please sir, "]) + lower_first(text), \
            "regional:west_african_english"
    if k == "yall":
        if re.search(r"\byou guys\b", text, re.I):
            return sub_one(text, r"\byou guys\b", rng, ["y'all"]), "regional:us_southern"
        return re.sub(r"^do you\b", "Do y'all", text, flags=re.I), "regional:us_southern"
    if k == "mate":
        return strip_final(text) + rng.choice([", mate?", " mate?", " mate??"]), "regional:aus_uk_informal"
    return sub_one(text, r"\bquestion\b", rng, ["doubt"]), "regional:indian_english"


def op_telegraphic(text, rng):
    kinds = []
    if re.match(r"^I(?:'m| am) ", text):
        kinds.append("drop_subject")
    elif re.match(r"^I (need|want|have|lost|can't|cannot|got|made|just|think|tried|used|ordered|noticed|received|see|don't|didn't|haven't|would|paid|bought|forgot|still)\b", text):
        kinds.append("drop_subject")
    if re.search(r"\b(the|a|an) ", text, re.I):
        kinds.append("drop_article")
    if not kinds:
        return None
    k = rng.choice(kinds)
    if k == "drop_subject":
        new = re.sub(r"^I(?:'m| am) ", "", text)
        if new == text:
            new = re.sub(r"^I ", "", text)
        return upper_first(new), "telegraphic:drop_subject"
    ms = list(re.finditer(r"\b(the|a|an) ", text, re.I))
    m = rng.choice(ms)
    new = text[:m.start()] + text[m.end():]
    if m.start() == 0:
        new = upper_first(new)
    return new, "telegraphic:drop_article"


def op_linebreak(text, rng):
    cands = [m for m in re.finditer(r"(?<=[.!?,:;]) (?=\S)", text)]
    cands += [m for m in re.finditer(r" (?=(and|but|so|because|also|then) )", text)]
    if not cands:
        return None
    m = rng.choice(cands)
    br = rng.choice(["\n", "\n", "\n\n"])
    before = text[:m.start()]
    after = text[m.end():]
    if rng.random() < 0.3:
        before = re.sub(r",$", "", before)
    if rng.random() < 0.5:
        after = upper_first(after)
    return before + br + after, "linebreak:split"


URG_PRE = ["URGENT: ", "Urgent - ", "URGENT!! ", "Urgent please: ", "HELP - ", "Help!! ", "ASAP: ", "Urgent!!! ",
           "Please help urgently - ", "Emergency: "]
URG_SUF = [" ASAP", " asap!!", " This is urgent.", " Please hurry.", " I need this sorted quickly.",
           " Really urgent, please!", " Need an answer fast.", " Please help, this is urgent!!", " It's urgent.",
           " Please reply ASAP.", " This is really stressing me out.", " I'm panicking a bit here.",
           " Need this fixed quickly please.", " Please treat as urgent.", " Can someone respond quickly?",
           " Kind of an emergency.", " This is time sensitive."]


def op_urgency(text, rng):
    if rng.random() < 0.45:
        return rng.choice(URG_PRE) + text, "urgency:add"
    s = rng.choice(URG_SUF)
    p = final_punct(text)
    if s.startswith(" ASAP") or s.startswith(" asap"):
        return strip_final(text) + s + (p if p and "!" not in s else ""), "urgency:add"
    return strip_final(text) + (p or rng.choice([".", "!", ""])) + s, "urgency:add"


# ---- style-only edits (do not change the normalised text on their own) ----
def op_case(text, rng):
    kinds = ["lower", "lower", "lower_first"]
    if len(text.split()) <= 12:
        kinds.append("all_caps")
    if re.search(r"(^|\s)i(\s|'|$)", text):
        kinds.append("capitalise_i")
    if text[:1].islower():
        kinds.append("sentence")
    if re.search(r"\b[a-z]{4,}\b", text):
        kinds += ["shout_word", "shout_word"]
    k = rng.choice(kinds)
    if k == "lower":
        new = text.lower()
    elif k == "lower_first":
        new = text[:1].lower() + text[1:]
    elif k == "all_caps":
        new = text.upper()
    elif k == "capitalise_i":
        new = re.sub(r"(^|\s)i(?=\s|'|$)", lambda m: m.group(1) + "I", text)
    elif k == "sentence":
        new = upper_first(text)
    else:
        ms = [m for m in re.finditer(r"\b[a-z]{4,}\b", text) if m.group(0) not in STOP]
        if not ms:
            return None
        m = rng.choice(ms)
        new = text[:m.start()] + m.group(0).upper() + text[m.end():]
        k = "shout_word"
    if new == text:
        return None
    return new, "case:" + k


def op_punct(text, rng):
    kinds = []
    p = final_punct(text)
    if p:
        kinds += ["drop_final", "drop_final", "repeat_final", "space_before_final"]
    else:
        kinds += ["add_final", "add_final"]
    if re.search(r"[.,;:!?\"()\-]", text[:-1] if p else text):
        kinds.append("strip_all")
    if "'" in text:
        kinds += ["drop_apostrophes", "curly_apostrophes"]
    if "," in text:
        kinds.append("drop_commas")
    kinds.append("ellipsis")
    k = rng.choice(kinds)
    if k == "drop_final":
        new = strip_final(text)
    elif k == "add_final":
        new = text + rng.choice(["?", ".", "!", "??"])
    elif k == "repeat_final":
        new = strip_final(text) + rng.choice(["??", "???", "?!", "!!", "!!!", "?!?"]) if "?" in p else \
            strip_final(text) + rng.choice(["!!", "...", "!!!"])
    elif k == "space_before_final":
        new = strip_final(text) + " " + (p if p else "?")
    elif k == "strip_all":
        new = re.sub(r"[.,;:!?\"()\-]+", " ", text)
        new = APOS_RE.sub("", new)
        new = re.sub(r"[ \t]{2,}", " ", new).strip()
    elif k == "drop_apostrophes":
        new = text.replace("'", "")
    elif k == "curly_apostrophes":
        new = text.replace("'", "\u2019")
    elif k == "drop_commas":
        new = re.sub(r",(\s)", r"\1", text)
        new = re.sub(r",", " ", new)
    else:
        new = strip_final(text) + "..."
    if new == text or not new.strip():
        return None
    return new, "punct:" + k


EMOJI = [" \U0001F621", " \U0001F64F", " \U0001F629", " :(", " :/", " \U0001F615", " \U0001F642", " \U0001F62D",
         " \U0001F914", " \U0001F44D", " :)", " \U0001F605", " \U0001F612", " \U0001F625", " xx", " \U0001F937"]


def op_emoji(text, rng):
    e = rng.choice(EMOJI)
    if " xx" == e and rng.random() < 0.8:
        e = " \U0001F64F"
    return text + e, "emoji:add"


# ---- wrappers ----
FIRST = ["Sam", "Priya", "Tomasz", "Aisha", "Liam", "Chen", "Maria", "Oluwaseun", "Sophie", "Jamal", "Hannah",
         "Mateo", "Fatima", "Ewan", "Yuki", "Grace", "Dmitri", "Chloe", "Arjun", "Niamh", "Kwame", "Lucia",
         "Ben", "Zara", "Rhys", "Mei", "Olivia", "Tariq", "Ingrid", "Jack", "Amara", "Luca", "Siobhan", "Ravi",
         "Emma", "Kofi", "Nadia", "Pete", "Leila", "Marcus", "Hyun", "Bea", "Callum", "Ana", "Imran", "Freya"]
LAST = ["Sharma", "Nowak", "Bello", "O'Connor", "Wei", "Garcia", "Adeyemi", "Martin", "Wright", "Schmidt",
        "Rossi", "Khan", "Campbell", "Tanaka", "Evans", "Petrov", "Dubois", "Patel", "Murphy", "Mensah", "Silva",
        "Cohen", "Jones", "Ahmed", "Lindqvist", "Okafor", "Kowalski", "Nguyen", "Hughes", "Moreau", "Kim"]


def op_greeting(text, rng):
    if re.match(r"^(hi|hello|hey|hiya|good (morning|afternoon|evening)|dear \w+)\b[ ,!.]*\S", text, re.I) and rng.random() < 0.7:
        new = re.sub(r"^(hi|hello|hey|hiya|good (morning|afternoon|evening)|dear \w+( \w+)?)\b(\s+there)?[ ,!.:]*",
                     "", text, flags=re.I)
        if len(new.split()) < 2:
            return None
        return upper_first(new), "greeting:drop"
    g = rng.choice(["Hi", "Hello", "Hey", "Hiya", "Good morning", "Good afternoon", "Good evening", "Hi there",
                    "Hello there", "Dear Sir/Madam", "Dear support team", "Dear Customer Service", "Hello team",
                    "Hi team", "Hey guys", "Hi support", "Morning", "Afternoon", "Greetings", "Hi all", "Hey there",
                    "Hello again", "Hi folks", "Yo", "Hello support", "Dear team", "Hi,", "hi", "hello", "hey"])
    sep = rng.choice([", ", ",\n", ",\n\n", " - ", "! ", ". ", " ", ",\n\n", "!\n"])
    if g.endswith(","):
        g = g[:-1]
    extra = ""
    if rng.random() < 0.2:
        extra = rng.choice(["Hope you're well. ", "I hope you are doing well. ", "Hope all is good. ",
                            "I hope this finds you well. ", "Hope you can help. ", "Hope you're having a good day. "])
        if "\n" in sep:
            extra = extra.rstrip() + sep[1:] if sep.startswith(",") else extra
    body = text if extra or text[:2] in ("I ", "I'") or text[:2].isupper() else (text if rng.random() < 0.6 else lower_first(text))
    return g + sep + extra + body, "greeting:add"


SIGNOFFS = ["Thanks", "Thank you", "Thanks in advance", "Many thanks", "Cheers", "Kind regards", "Best regards",
            "Regards", "Best", "Thx", "ty", "TIA", "Much appreciated", "Thanks a lot", "Appreciate it",
            "Thanks so much", "Thank you for your help", "Ta", "Thanks!", "Thank you!!", "Cheers!", "Warm regards",
            "Many thanks in advance", "Thanks again", "Thank you kindly", "Grateful for any help", "With thanks",
            "All the best", "Speak soon", "Thanks very much", "Thank u", "thanks", "cheers"]


def op_signoff(text, rng):
    if re.search(r"[.!?,]?\s*(thanks|thank you|thx|cheers|regards)[.! ]*$", text, re.I) and rng.random() < 0.6:
        new = re.sub(r"[,.]?\s*(many |kind |best )?(thanks|thank you|thx|cheers|regards)( (so|very) much)?( in advance)?[.! ]*$",
                     "", text, flags=re.I)
        if len(new.split()) < 2:
            return None
        return new, "signoff:drop"
    s = rng.choice(SIGNOFFS)
    name = ""
    r = rng.random()
    if r < 0.35:
        name = rng.choice(FIRST)
    elif r < 0.45:
        name = rng.choice(FIRST)[0]
    p = final_punct(text)
    body = text if p or rng.random() < 0.5 else text + "."
    sep = rng.choice([" ", " ", "\n", "\n\n", " - ", "  "])
    out = body + sep + s
    if name:
        out += rng.choice([", ", "\n", ",\n", " - "] if "\n" in sep else ["\n", ", ", " - "]) + name
    return out, "signoff:add"


DEVICES = ["Sent from my iPhone", "Sent from my Samsung Galaxy smartphone.", "Get Outlook for Android",
           "Get Outlook for iOS", "Sent from Yahoo Mail on Android", "Sent from my iPad", "Sent from Mail for Windows",
           "Sent from my Huawei phone", "Sent from my Pixel", "Sent from Proton Mail mobile"]


def op_signature(text, rng):
    fn, ln = rng.choice(FIRST), rng.choice(LAST)
    closing = rng.choice(["Kind regards", "Best regards", "Regards", "Many thanks", "Thanks", "Best wishes",
                          "Yours faithfully", "Yours sincerely", "Sincerely", "Thank you"])
    style = rng.choice(["dashes", "closing_name", "closing_name_device", "name_device", "device_only", "formal"])
    if style == "dashes":
        sig = "\n\n--\n%s %s" % (fn, ln)
    elif style == "closing_name":
        sig = "\n\n%s,\n%s %s" % (closing, fn, ln)
    elif style == "closing_name_device":
        sig = "\n\n%s,\n%s\n\n%s" % (closing, fn, rng.choice(DEVICES))
    elif style == "name_device":
        sig = "\n\n%s\n\n%s" % (fn, rng.choice(DEVICES))
    elif style == "device_only":
        sig = "\n\n" + rng.choice(DEVICES)
    else:
        sig = "\n\n%s,\n\n%s %s\nCustomer" % (closing, fn, ln)
    return text + sig, "signature:email"


WHEN = ["yesterday", "earlier", "this morning", "last night", "a few days ago", "on Monday", "over the weekend",
        "last week", "earlier today", "a while ago", "an hour ago", "the other day", "on Friday",
        "two days ago", "at lunchtime", "first thing this morning", "a couple of days back", "last Tuesday",
        "this afternoon", "a week ago", "earlier on"]
SINCE = ["yesterday", "this morning", "last night", "Monday", "the weekend", "last week", "Friday", "lunchtime",
         "Tuesday", "last Thursday", "earlier today", "the start of the week"]
RESEND_A = [
    "I asked this {w} but never got a reply", "I wrote to you {w} and haven't heard back",
    "I sent this {w} and still nothing", "Posting this again as nobody answered {w}",
    "Tried the chat {w} but it cut out", "My message from {w} seems to have disappeared",
    "Not sure my earlier message got through", "Repeating my question from {w}",
    "Still no response to what I asked {w}", "The app closed before I could see your reply",
    "Second time asking", "Third time trying to get an answer", "Your bot didn't understand me {w}",
    "I already raised this {w}", "Got cut off in the chat {w}", "Nobody has come back to me since {s}",
    "Apologies if this is a duplicate", "Sorry for messaging again", "Sorry to chase", "Chasing this up",
    "Following up on my message from {w}", "Bumping this", "Me again", "Trying again",
    "Re-sending as the chat crashed", "Asked one of your agents {w} but no answer yet",
    "Sending again because I got no answer {w}", "Not sure if this went through {w}",
    "I messaged {w} and got an automated reply only", "Still waiting on an answer from {w}",
    "Opened a chat {w}, nobody replied", "Same question as {w}", "Didn't get a response {w}",
    "Writing again", "Hello again, still waiting", "As per my previous message",
    "I emailed {w} but heard nothing", "My chat {w} was closed without an answer", "Asking again",
    "I put this in the app {w} with no reply", "Not had a reply since {s}", "This is my second message",
    "Resubmitting my question", "I'm re-asking this since {s}", "Following on from my message {w}",
]
RESEND_JOIN = [": ", " - ", ". ", "... ", ", so here it is again: ", ", so again: ", ". Here it is again: ",
               ". My question was: ", " - original question below:\n\n", ".\n\n", ":\n", " -- ", ". Again: ",
               " >> ", ". Asking once more: "]
RESEND_SUF = [
    "Any update?", "Any news on this?", "Still waiting on a reply.", "Please get back to me.",
    "Can someone answer this please?", "Has anyone looked at this yet?", "This is my second message about this.",
    "Haven't heard anything yet.", "Hello?", "Anyone there?", "Still no answer...", "Would appreciate a reply this time.",
    "Is anyone reading these?", "Please respond, it's been ages.", "Waiting to hear back.",
    "Could I get an update please?", "Following up on this.", "Any progress?", "Bump.",
    "Really need an answer on this one.", "I asked this {w} too.", "Same question as {w}.", "No one replied {w}.",
    "Checking in again.", "Asked {w} already.", "Still nothing since {s}.", "Is this being looked at?",
    "Please reply this time.", "hello??", "anyone??", "Waiting since {s}.", "Got no reply {w}.",
    "Any answer yet?", "I'm still waiting.", "Can I get a response?", "Please don't ignore this again.",
    "(asked {w} as well)", "(second attempt)", "(resending)", "Nobody got back to me {w}.",
    "I'd really like an answer.", "Let me know asap.", "Any word on this?", "Still hoping for a reply.",
]


def _resend_text(rng, suffix):
    w = rng.choice(WHEN)
    sn = rng.choice(SINCE)
    if suffix:
        s = rng.choice(RESEND_SUF).format(w=w, s=sn)
        if rng.random() < 0.25:
            s = rng.choice(["Hi, ", "Sorry but ", "Um ", "Again - ", "Hello? ", "Ok so "]) + lower_first(s)
        if rng.random() < 0.15:
            s = s.lower()
        return s
    a = rng.choice(RESEND_A).format(w=w, s=sn)
    if rng.random() < 0.15:
        a = a.lower()
    return a + rng.choice(RESEND_JOIN)


def op_resend(text, rng, used):
    for _ in range(40):
        suffix = rng.random() < 0.5
        frame = _resend_text(rng, suffix)
        key = norm(frame)
        if key in used:
            continue
        if suffix:
            sep = rng.choice([" ", " ", "\n", "\n\n", " - ", "  "])
            body = text if final_punct(text) else text + rng.choice(["", ".", "?"])
            return body + sep + frame, "resend:suffix", key
        body = text
        if frame.endswith(": ") or frame.endswith(" - ") or frame.endswith("... ") or frame.endswith(" >> ") \
                or frame.endswith(" -- "):
            body = text if rng.random() < 0.5 else lower_first(text)
        return frame + body, "resend:prefix", key
    return None


QUOTE_FOLLOW = ["Any update on the below?", "See below - still waiting.", "Still no reply to this.",
                "Please see my message below.", "Resending the below.", "Can anyone help with this?",
                "Following up on the message below.", "No answer yet to this one.", "Chasing the below please.",
                "Could someone pick this up?", "Any news?", "Re-sending in case it got lost.", "Still need help with this.",
                "Hello, any response to this?", "Forwarding my earlier question.", "Still waiting, see below.",
                "Is anyone looking at this?", "Please answer the below.", "Just bumping this.", "As below, please."]


def op_quote(text, rng, used):
    for _ in range(40):
        kind = rng.choice(["email", "email", "subject", "inline"])
        f = rng.choice(QUOTE_FOLLOW)
        if rng.random() < 0.2:
            f = f.lower()
        if kind == "email":
            lines = text.split("\n")
            q = "\n".join("> " + l if l else ">" for l in lines)
            hdr = ""
            if rng.random() < 0.5:
                hdr = rng.choice(["On %s, %s wrote:\n" % (rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday",
                                                                       "Friday", "Saturday", "Sunday"]),
                                                           rng.choice(FIRST)),
                                  "-----Original Message-----\n", "----- Forwarded message -----\n",
                                  "%s %s wrote:\n" % (rng.choice(FIRST), rng.choice(LAST))])
            out = f + "\n\n" + hdr + q
        elif kind == "subject":
            pre = rng.choice(["Re: ", "RE: ", "Fwd: ", "FW: ", "Re: Re: ", "Subject: "])
            out = pre + text + "\n\n" + f
        else:
            qo, qc = rng.choice([('"', '"'), ("\u201c", "\u201d"), ("'", "'"), ("<<", ">>")])
            out = rng.choice(["%s%s%s\n%s", "%s%s%s - %s", "Re my message %s%s%s - %s", "My question was %s%s%s. %s"]) % (
                qo, text, qc, f)
        key = "quote|" + norm(f) + "|" + kind
        if key in used:
            if rng.random() < 0.85:
                continue
        return out, "quote:" + kind, key
    return None


NEAR_OPS = {
    # name: (stage, weight, fn)
    "typo": (0, 15, op_typo), "misspell": (0, 5, op_misspell), "homophone": (0, 3, op_homophone),
    "contraction": (0, 10, op_contraction), "synonym": (0, 15, op_synonym), "reword": (0, 14, op_reword),
    "reorder": (0, 8, op_reorder), "filler": (0, 7, op_filler), "politeness": (0, 5, op_politeness),
    "textspeak": (0, 6, op_textspeak), "regional": (0, 5, op_regional), "telegraphic": (0, 5, op_telegraphic),
    "linebreak": (1, 5, op_linebreak), "case": (1, 8, op_case), "punct": (1, 9, op_punct),
    "emoji": (1, 2, op_emoji), "urgency": (2, 4, op_urgency), "resend": (2, 10, op_resend),
    "quote": (2, 4, op_quote), "greeting": (3, 7, op_greeting), "signoff": (4, 6, op_signoff),
    "signature": (4, 3, op_signature),
}
EXCLUSIVE = [("signoff", "signature"), ("resend", "quote"), ("quote", "linebreak"), ("urgency", "quote"),
             ("typo", "misspell")]
NEEDS_USED = ("resend", "quote")


def weighted_order(rng, names, weights):
    items = list(zip(names, weights))
    out = []
    while items:
        tot = sum(w for _, w in items)
        r = rng.random() * tot
        acc = 0
        for i, (n, w) in enumerate(items):
            acc += w
            if r <= acc:
                out.append(n)
                items.pop(i)
                break
        else:
            out.append(items.pop()[0])
    return out


def _applicable(n, src):
    fn = NEAR_OPS[n][2]
    for i in range(4):
        r = random.Random(i)
        res = fn(src, r, set()) if n in NEEDS_USED else fn(src, r)
        if res is not None and res[0] is not None and res[0] != src:
            return True
    return False


def _has_regional_spelling(src):
    for us, uk in REGIONAL_PAIRS:
        for a in (us, uk):
            if a != "got" and re.search(r"(?<![\w-])" + re.escape(a) + r"(?![\w-])", src, re.I):
                return True
    return False


def make_near(src, rng, used_frames, taken_norms, other_check):
    names = [n for n in NEAR_OPS if _applicable(n, src)]
    weights = [NEAR_OPS[n][1] * (5 if n == "regional" and _has_regional_spelling(src) else 1) for n in names]
    for attempt in range(200):
        k = rng.choices([1, 2, 3], [40, 36, 24])[0]
        order = weighted_order(rng, names, weights)
        chosen = []
        for n in order:
            if any((n == a and b in chosen) or (n == b and a in chosen) for a, b in EXCLUSIVE):
                continue
            chosen.append(n)
            if len(chosen) == k:
                break
        chosen.sort(key=lambda n: (NEAR_OPS[n][0], names.index(n)))
        cur = src
        edits = []
        keys = []
        ok = True
        states = [src]
        for n in chosen:
            fn = NEAR_OPS[n][2]
            res = fn(cur, rng, used_frames) if n in NEEDS_USED else fn(cur, rng)
            if res is None or res[0] is None or res[0] in states:
                ok = False
                break
            if NEAR_OPS[n][0] != 1 and any(norm(res[0]) == norm(x) for x in states):
                ok = False  # a content edit must change the normalised text (and must not undo an earlier edit)
                break
            states.append(res[0])
            cur = res[0]
            edits.append(res[1])
            if n in NEEDS_USED:
                keys.append(res[2])
        if not ok:
            continue
        if near_guard(src, cur) is not None:
            continue
        nk = norm(cur)
        if nk in taken_norms or not nk:
            continue
        if other_check(cur):
            continue
        for kk in keys:
            used_frames.add(kk)
        return cur, edits
    return None


# --------------------------------------------------------------------------------------
# exact copies
# --------------------------------------------------------------------------------------
def make_exact(src, rng):
    for _ in range(50):
        r = rng.random()
        if r < 0.3:
            return src, ["verbatim"]
        n = rng.choice([1, 1, 2])
        ops = []
        cur = src
        pool = ["case:lower", "case:lower_first", "case:all_caps", "punct:drop_final", "punct:add_final",
                "punct:change_final", "apostrophe:drop", "apostrophe:curly", "space:trailing", "space:double",
                "space:before_punct", "space:leading"]
        rng.shuffle(pool)
        picked = []
        for op in pool:
            if op.split(":")[0] not in [p.split(":")[0] for p in picked]:
                picked.append(op)
        cat_order = ["punct", "apostrophe", "case", "space"]
        picked.sort(key=lambda o: (cat_order.index(o.split(":")[0]), o))
        for op in picked:
            if len(ops) == n:
                break
            new = cur
            if op == "case:lower":
                new = cur.lower()
            elif op == "case:lower_first":
                new = cur[:1].lower() + cur[1:]
            elif op == "case:all_caps":
                if len(cur.split()) > 10:
                    continue
                new = cur.upper()
            elif op == "punct:drop_final":
                new = strip_final(cur)
            elif op == "punct:add_final":
                if final_punct(cur):
                    continue
                new = cur + rng.choice(["?", ".", "!", "??"])
            elif op == "punct:change_final":
                p = final_punct(cur)
                if not p:
                    continue
                alts = [x for x in ["?", ".", "!", "??", "!!", "?!", "..."] if x != p]
                new = strip_final(cur) + rng.choice(alts)
            elif op == "apostrophe:drop":
                new = cur.replace("'", "")
            elif op == "apostrophe:curly":
                new = cur.replace("'", "\u2019")
            elif op == "space:trailing":
                new = cur + rng.choice([" ", "  "])
            elif op == "space:double":
                sp = [m.start() for m in re.finditer(" ", cur.strip())]
                if not sp:
                    continue
                i = rng.choice(sp)
                new = cur[:i] + " " + cur[i:]
            elif op == "space:before_punct":
                m = re.search(r"(?<=\w)([.?!,])", cur)
                if not m:
                    continue
                new = cur[:m.start()] + " " + cur[m.start():]
            elif op == "space:leading":
                new = " " + cur
            if new != cur and norm(new) == norm(cur):
                ops.append(op)
                cur = new
        if ops and cur != src:
            return cur, ops
    return src, ["verbatim"]


# --------------------------------------------------------------------------------------
# hard negatives
# --------------------------------------------------------------------------------------
def _swap_first(text, rng, pairs, flags=re.I):
    """pairs: list of (pattern, chooser) ; pick a random match among all, return new text."""
    ms = []
    for p, ch in pairs:
        for m in re.finditer(p, text, flags):
            ms.append((m, ch))
    if not ms:
        return None
    ms.sort(key=lambda x: (x[0].start(), -x[0].end()))
    m, ch = rng.choice(ms)
    rep = ch(m, text) if callable(ch) else rng.choice(ch)
    if rep is None:
        return None
    src = m.group(0)
    if len(src) <= 4 and src.isupper() and rep.lower() == rep:
        rep = rep
    else:
        rep = match_case(src, rep)
    return text[:m.start()] + rep + text[m.end():]


NOUN_PRE = {"a", "the", "my", "cash", "this", "that", "your", "any", "cheque", "check", "first", "last", "recent",
            "security", "pending", "atm", "large", "small", "new"}


def _prev_word(text, pos):
    m = re.search(r"([A-Za-z']+)\W*$", text[:pos])
    return m.group(1).lower() if m else ""


VERB_PRE = {"to", "i", "you", "we", "they", "can", "could", "would", "will", "and", "or", "please", "not", "cant",
            "dont", "didnt", "also", "just", "", "should", "must", "how", "never", "cannot", "wont", "id", "ill"}


def neg_deposit(text, rng):
    def dep(m, t):
        pw = _prev_word(t, m.start()).replace("'", "")
        return "withdraw" if pw in VERB_PRE else "withdrawal"

    def deposited(m, t):
        pw = _prev_word(t, m.start())
        return "withdrawn" if pw in ("been", "was", "were", "be", "is", "being", "get", "got") else "withdrew"

    def wd(m, t):
        return "deposit"
    pairs = [(r"\bdeposits\b", ["withdrawals"]), (r"\bdeposited\b", deposited), (r"\bdepositing\b", ["withdrawing"]),
             (r"\bdeposit\b", dep), (r"\bwithdrawals\b", ["deposits"]), (r"\bwithdrawal\b", ["deposit"]),
             (r"\bwithdrawing\b", ["depositing"]), (r"\bwithdrew\b", ["deposited"]), (r"\bwithdrawn\b", ["deposited"]),
             (r"\bwithdraw\b", wd)]
    return _swap_first(text, rng, pairs)


def neg_debit(text, rng):
    pairs = [(r"(?<!direct )\bdebit\b(?= (card|cards|transaction|transactions|payment|payments)\b)", ["credit"]),
             (r"\bcredit\b(?= (card|cards|transaction|transactions|payment|payments)\b)", ["debit"]),
             (r"\bdebited\b", ["credited"]), (r"\bcredited\b", ["debited"])]
    return _swap_first(text, rng, pairs)


SR = {"sent": "received", "received": "sent", "send": "receive", "receive": "send", "sending": "receiving",
      "receiving": "sending", "sends": "receives", "receives": "sends"}


SR_PRE = {"i", "ive", "you", "they", "we", "he", "she", "has", "have", "hasnt", "havent", "had", "hadnt", "been",
          "was", "were", "not", "didnt", "it", "just", "already", "recently", "recipient", "seller", "friend",
          "person", "payee", "theyve", "weve", "youve", "merchant", "they", "wasnt", "isnt", "yet", "still"}


def neg_send(text, rng):
    ms = [m for m in re.finditer(r"\b(sent|received|send|receive|sending|receiving|sends|receives)\b", text, re.I)
          if _prev_word(text, m.start()).replace("'", "") in SR_PRE and not re.match(r" (out|back|over|me|us|him|her|them)\b", text[m.end():])]
    if not ms:
        return None
    m = rng.choice(ms)
    w = m.group(0)
    new = text[:m.start()] + match_case(w, SR[w.lower()]) + text[m.end():]
    tail_start = m.start() + len(SR[w.lower()])
    tail = new[tail_start:]
    t2 = re.search(r"^((?:\s+\S+){0,4}?)\s+(to|from)(?=\s+(my|a|an|the|his|her|their|someone|another|me|you|him|them|[A-Z]\w+)\b)",
                   tail)
    if t2:
        word = t2.group(2)
        a = tail_start + t2.start(2)
        new = new[:a] + ("from" if word == "to" else "to") + new[a + len(word):]
    return new


def neg_direction(text, rng):
    tgt = r"(?= (?:my|your|the|another|a|an|this|that|his|her|their|someone's|other|someone else's) (?:\w+ )?(?:account|accounts|card|bank|wallet)\b)"
    pre = r"(?<=\bmoney )|(?<=\bfunds )|(?<=\bcash )|(?<=\btransfer )|(?<=\btransferred )|(?<=\bmoved )|(?<=\bmove )|(?<=\bpounds )|(?<=\beuros )|(?<=\bdollars )|(?<=\bit )|(?<=\bthem )"
    pairs = [(r"(?:%s)\bto" % pre + tgt, ["from"]), (r"(?:%s)\binto" % pre + tgt, ["out of"]),
             (r"(?:%s)\bfrom" % pre + tgt, ["to", "into"]),
             (r"(?:%s)\bout of" % pre + tgt, ["into"]), (r"\bincoming\b", ["outgoing"]), (r"\boutgoing\b", ["incoming"])]
    return _swap_first(text, rng, pairs)


COUNTRY_ART = ["UK", "US", "USA", "EU", "United States", "United Kingdom", "Netherlands"]
COUNTRY_NOART = ["China", "Spain", "France", "Germany", "Italy", "Canada", "Mexico", "Australia", "India", "Japan",
                 "Portugal", "Ireland", "Switzerland", "Thailand", "Turkey", "Greece", "Poland", "America", "Europe"]


def neg_country(text, rng):
    ms = []
    for c in COUNTRY_ART + COUNTRY_NOART:
        for m in re.finditer(r"(?<![\w.])" + re.escape(c) + r"(?![\w])", text):
            ms.append((m, c))
    if not ms:
        return None
    m, c = rng.choice(ms)
    pool = COUNTRY_ART if c in COUNTRY_ART else COUNTRY_NOART
    if c in ("UK", "United Kingdom"):
        alts = ["US", "EU"] if "the " + c in text else ["US"]
    elif c in ("US", "USA", "United States"):
        alts = ["UK"]
    else:
        alts = [x for x in pool if x != c and x not in ("United States", "United Kingdom", "USA")]
    rep = rng.choice(alts)
    return text[:m.start()] + rep + text[m.end():]


CUR_WORDS = {"pounds": ["euros", "dollars"], "euros": ["pounds", "dollars"], "dollars": ["pounds", "euros"],
             "pound": ["euro", "dollar"], "euro": ["pound", "dollar"], "dollar": ["pound", "euro"],
             "GBP": ["USD", "EUR"], "USD": ["GBP", "EUR"], "EUR": ["GBP", "USD"], "£": ["$", "€"], "$": ["£", "€"],
             "€": ["£", "$"], "sterling": ["euros"], "yen": ["dollars"]}


def neg_currency(text, rng):
    ms = []
    for w in CUR_WORDS:
        if w in "£$€":
            p = re.escape(w)
            fl = 0
        else:
            p = r"(?<!British )(?<!American )(?<!US )(?<!Euro )\b" + w + r"\b"
            fl = 0 if w.isupper() else re.I
        for m in re.finditer(p, text, fl):
            ms.append((m, w))
    if not ms:
        return None
    m, w = rng.choice(ms)
    rep = rng.choice(CUR_WORDS[w])
    if w not in "£$€":
        rep = match_case(m.group(0), rep) if not w.isupper() else rep
    return text[:m.start()] + rep + text[m.end():]


TIME_SWAP = {"day": ["week"], "days": ["weeks"], "week": ["month", "day"], "weeks": ["months", "days"],
             "month": ["week", "year"], "months": ["weeks", "years"], "year": ["month"], "years": ["months"],
             "hour": ["day"], "hours": ["days", "minutes"], "minute": ["hour"], "minutes": ["hours"],
             "today": ["yesterday"], "yesterday": ["today", "last week"], "tomorrow": ["today"],
             "morning": ["evening"], "evening": ["morning"], "night": ["morning"], "weekly": ["monthly"],
             "monthly": ["weekly", "yearly"], "daily": ["weekly", "monthly"], "weekend": ["week"],
             "monday": ["friday"], "tuesday": ["thursday"], "wednesday": ["monday"], "thursday": ["tuesday"],
             "friday": ["monday"], "saturday": ["sunday"], "sunday": ["saturday"], "annual": ["monthly"]}


def neg_time(text, rng):
    ms = []
    for m in re.finditer(r"\b(%s)\b" % "|".join(TIME_SWAP), text, re.I):
        pw = _prev_word(text, m.start())
        if pw in ("working", "business", "these", "those", "good", "all", "every", "other", "same") and m.group(0).lower() in (
                "day", "days", "week", "weeks"):
            continue
        if m.group(0).lower() == "day" and re.match(r"\s*(before|after)\b", text[m.end():]):
            pass
        ms.append(m)
    if not ms:
        return None
    m = rng.choice(ms)
    rep = rng.choice(TIME_SWAP[m.group(0).lower()])
    return text[:m.start()] + match_case(m.group(0), rep) + text[m.end():]


def neg_amount(text, rng):
    ms = list(re.finditer(r"(?<![\d.,])\d+(?![\d])", text))
    if not ms:
        return None
    m = rng.choice(ms)
    n = int(m.group(0))
    if n == 0:
        alts = [1, 5]
    elif n < 10:
        alts = [x for x in (n + 1, n + 2, n * 2, n + 3) if x != n] + ([n - 1] if n > 2 else [])
    elif n < 100:
        alts = [n * 2, n + 10, n * 10, max(1, n // 2)]
    else:
        alts = [n * 2, n * 10, max(1, n // 2), n + 100]
    alts = [a for a in alts if a != n]
    rep = str(rng.choice(alts))
    return text[:m.start()] + rep + text[m.end():]


def neg_product(text, rng):
    pairs = [
        (r"\bphysical\b", ["virtual"]), (r"\bvirtual\b(?! card number)", ["physical"]),
        (r"\bdisposable\b(?! virtual)", ["physical", "standard"]), (r"\bvisa\b", ["Mastercard"]),
        (r"\bmaster ?card\b", ["Visa"]), (r"\bapple pay\b", ["Google Pay"]), (r"\bgoogle pay\b", ["Apple Pay"]),
        (r"(?<=\b(with|using|via|by|in) )(cash)\b", ["card", "cheque"]),
        (r"(?<=\b(with|using|via|by) )(cheque|check)\b", ["cash", "card"]),
        (r"\bcontactless(?= (payment|payments|transaction|transactions|purchase)\b)", ["online"]),
    ]
    t = text
    if re.search(r"\b(forgot|forgotten|reset|change|changing|blocked|locked|remember|wrong)\b", t, re.I):
        pairs.append((r"\bPIN\b", ["password", "passcode"]))
        pairs.append((r"\b(password|passcode)\b", ["PIN"]))
    if re.search(r"\bcard (is|was|has been|got|has|gets) (blocked|locked|frozen)\b", t, re.I):
        pairs.append((r"\bcard(?= (is|was|has been|got|has|gets) (blocked|locked|frozen)\b)", ["PIN"]))
    # variable-width lookbehinds are not allowed: rewrite those three with a capture form
    fixed = []
    for p, ch in pairs:
        if p.startswith("(?<=\\b("):
            inner = p[len("(?<=\\b("):]
            verbs, rest = inner.split(") )", 1)
            fixed.append((r"\b(?:%s) %s" % (verbs, rest), ch, True))
        else:
            fixed.append((p, ch, False))
    ms = []
    for p, ch, pre in fixed:
        for m in re.finditer(p, t, re.I):
            ms.append((m, ch, pre))
    if not ms:
        return None
    m, ch, pre = rng.choice(ms)
    rep = rng.choice(ch)
    if pre:
        head = m.group(0).split(" ", 1)[0]
        word = m.group(0)[len(head) + 1:]
        return t[:m.start()] + head + " " + match_case(word, rep) + t[m.end():]
    src = m.group(0)
    rep2 = rep if (src.isupper() or rep[:1].isupper()) and len(rep) > 1 and rep[1:2].isupper() or rep in ("Mastercard", "Visa", "Google Pay", "Apple Pay") else match_case(src, rep)
    return t[:m.start()] + rep2 + t[m.end():]


def neg_status(text, rng):
    pairs = [(r"\baccepted\b", ["declined"]), (r"\bapproved\b", ["declined", "rejected"]),
             (r"\bdeclined\b", ["accepted", "approved"]), (r"\brejected\b", ["approved", "accepted"]),
             (r"\bblock\b", ["unblock"]), (r"\bblocked\b", ["unblocked"]), (r"\bunblock\b", ["block"]),
             (r"\bunblocked\b", ["blocked"]), (r"\blocked\b", ["unlocked"]), (r"\bunlock\b", ["lock"]),
             (r"\bunlocked\b", ["locked"]), (r"\bfreeze\b", ["unfreeze"]), (r"\bunfreeze\b", ["freeze"]),
             (r"\bfrozen\b", ["unfrozen"]), (r"\bactivate\b", ["deactivate"]), (r"\bactivated\b", ["deactivated"]),
             (r"\bdeactivate\b", ["activate"]), (r"\blost\b(?! track)", ["stolen"]), (r"\bstolen\b", ["lost"]),
             (r"\bpending\b", ["declined"])]
    return _swap_first(text, rng, pairs)


def neg_quantity(text, rng):
    pairs = [(r"\btwice\b", ["three times"]), (r"\bonce\b(?! (i|you|it|the|my)\b)", ["twice"]),
             (r"\bincrease\b", ["decrease"]), (r"\bdecrease\b", ["increase"]), (r"\bincreased\b", ["decreased"]),
             (r"\bdecreased\b", ["increased"]), (r"\bhigher\b", ["lower"]), (r"\blower\b", ["higher"]),
             (r"\bmore than\b(?! (once|one|a|an)\b)", ["less than"]), (r"\bless than\b", ["more than"]), (r"\bmaximum\b", ["minimum"]),
             (r"\bminimum\b", ["maximum"]), (r"\bmax\b", ["min"]), (r"\bdouble\b", ["triple"]),
             (r"\bfirst time\b", ["last time"]), (r"\braise\b", ["lower"])]
    return _swap_first(text, rng, pairs)


RELS = ["son's", "daughter's", "husband's", "wife's", "partner's", "mum's", "dad's", "friend's", "brother's",
        "sister's", "child's"]
REL_BARE = ["son", "daughter", "husband", "wife", "partner", "mum", "dad", "friend", "brother", "sister", "child"]


def neg_person(text, rng):
    ms = list(re.finditer(r"\bmy (?=(card|account|PIN|pin|phone|money|details|balance|statement|virtual card|debit card|credit card|top up|top-up)\b)",
                          text))
    ms2 = list(re.finditer(r"\b(son|daughter|husband|wife|partner|mum|mom|dad|friend|brother|sister|child|kid)\b", text, re.I))
    if not ms and not ms2:
        return None
    if ms2 and (not ms or rng.random() < 0.5):
        m = rng.choice(ms2)
        w = m.group(0).lower()
        rep = rng.choice([r for r in REL_BARE if r != w and not (w == "mom" and r == "mum")])
        return text[:m.start()] + match_case(m.group(0), rep) + text[m.end():]
    m = rng.choice(ms)
    return text[:m.end()] + rng.choice(RELS) + " " + text[m.end():]


def neg_action(text, rng):
    tgt = r"(?= (?:a |an |my |the |new |another |joint |second |this |our )*(?:\w+ )?(?:account|accounts|card|cards)\b)"
    pairs = [(r"\bopen" + tgt, ["close"]), (r"\bclose" + tgt, ["open"]), (r"\bopened" + tgt, ["closed"]),
             (r"\bclosed" + tgt, ["opened"]), (r"\bopening" + tgt, ["closing"]), (r"\bclosing" + tgt, ["opening"]),
             (r"\badd\b(?= (a|an|another|my|the|new|this|that|extra)\b)(?! (a |an |another |my |the |new |this |that |extra )*(money|funds|cash|balance)\b)", ["remove"]),
             (r"\bremove\b(?= (a|an|another|my|the|this|that)\b)(?! (a |an |another |my |the |this |that )*(money|funds|cash)\b)", ["add"]), (r"\blink\b", ["unlink"]), (r"\bunlink\b", ["link"]),
             (r"\benable\b", ["disable"]), (r"\bdisable\b", ["enable"]), (r"\bupgrade\b", ["downgrade"]),
             (r"\bbuy\b", ["sell"]), (r"\bsell\b", ["buy"]), (r"\bturn on\b", ["turn off"]), (r"\bturn off\b", ["turn on"]),
             (r"\bcharged\b", ["refunded"]), (r"\brefunded\b", ["charged"])]
    return _swap_first(text, rng, pairs)


LEMMA = {"made": "make", "got": "get", "received": "receive", "ordered": "order", "used": "use", "paid": "pay",
         "authorized": "authorize", "authorised": "authorise", "requested": "request", "sent": "send",
         "tried": "try", "changed": "change", "lost": "lose", "topped": "top", "withdrew": "withdraw",
         "saw": "see", "recognized": "recognize", "recognised": "recognise", "bought": "buy",
         "transferred": "transfer", "updated": "update", "activated": "activate", "forgot": "forget",
         "did": "do", "purchased": "purchase", "added": "add", "cancelled": "cancel", "canceled": "cancel"}
AUX_NEG = {"is": "isn't", "was": "wasn't", "are": "aren't", "were": "weren't", "has": "hasn't", "have": "haven't",
           "can": "can't", "will": "won't", "did": "didn't", "does": "doesn't", "do": "don't", "should": "shouldn't",
           "could": "couldn't", "would": "wouldn't", "had": "hadn't"}


def neg_negation_add(text, rng):
    cands = []
    subj = r"(?:I|it|this|that|they|we|he|she|there|my \w+|the \w+|your \w+)"
    for m in re.finditer(r"\b%s (is|was|are|were|has|have|can|will|did|does|should|could|had)\b(?! not\b)(?!n't)" % subj, text):
        nxt = text[m.end():m.end() + 12].lower()
        aux = m.group(1)
        if re.match(r" (to|wondering|hoping|just|told|asked)\b", nxt) or _prev_word(text, m.start()) in AUX_NEG:
            continue
        if aux in ("has", "have", "had") and not re.match(r" (been|got|gotten|made|received|arrived|gone|come|shown|seen|used|had|paid|charged|tried|ordered|noticed|done|taken|changed|lost|sent|updated|cleared|processed|appeared|reached)\b", nxt):
            continue
        cands.append((m.start(1), m.end(1), AUX_NEG[aux]))
    for m in re.finditer(r"\bI (see|need|want|have|know|recognize|recognise|understand|remember|use|think|get)\b(?! to)", text):
        if _prev_word(text, m.start()) in AUX_NEG or _prev_word(text, m.start()) in ("how", "why", "where", "what", "when"):
            continue
        if m.group(1) == "have" and not re.match(r" (a|an|any|enough|my|the|money|funds|access|some|two|multiple)\b", text[m.end():]):
            continue
        cands.append((m.start(1), m.start(1), "don't "))
    for m in re.finditer(r"\bI (%s)\b" % "|".join(k for k in LEMMA if k not in ("did",)), text):
        if _prev_word(text, m.start()) in AUX_NEG:
            continue
        cands.append((m.start(1), m.end(1), "didn't " + LEMMA[m.group(1)]))
    m = re.match(r"^(Can|Could|Will|Do|Does|Did|Is|Was) (I|you|my|the)\b(?! please)", text)
    if m:
        cands.append((0, m.end(1), "Why " + AUX_NEG[m.group(1).lower()]))
    if not cands:
        return None
    a, b, rep = rng.choice(cands)
    return text[:a] + rep + text[b:]


POS_OF = {"isn't": "is", "wasn't": "was", "aren't": "are", "weren't": "were", "can't": "can", "cannot": "can",
          "won't": "will", "couldn't": "could", "shouldn't": "should", "don't": "do", "doesn't": "does",
          "didn't": "did", "haven't": "have", "hasn't": "has", "wouldn't": "would",
          "isnt": "is", "wasnt": "was", "cant": "can", "wont": "will", "dont": "do", "doesnt": "does", "didnt": "did",
          "havent": "have", "hasnt": "has", "couldnt": "could"}


def neg_negation_remove(text, rng):
    if re.search(r"\b(still|yet|anymore|any more|either|any)\b", text, re.I):
        return None
    cands = []
    for m in re.finditer(r"\b(%s)(?=\s)" % "|".join(re.escape(k) for k in POS_OF), text, re.I):
        cands.append((m.start(), m.end(), match_case(m.group(0), POS_OF[m.group(0).lower()])))
    for m in re.finditer(r"\b(is|was|are|were|do|does|did|can|will|have|has) not\b", text, re.I):
        cands.append((m.start(), m.end(), m.group(1)))
    if not cands:
        return None
    a, b, rep = rng.choice(cands)
    return text[:a] + rep + text[b:]


NEG_OPS = [
    ("swap:deposit_withdraw", neg_deposit, 3), ("swap:debit_credit", neg_debit, 2), ("swap:send_receive", neg_send, 3),
    ("swap:direction", neg_direction, 2), ("swap:country", neg_country, 2), ("swap:currency", neg_currency, 2),
    ("swap:time", neg_time, 3), ("swap:amount", neg_amount, 3), ("swap:product", neg_product, 3),
    ("swap:status", neg_status, 3), ("swap:quantity", neg_quantity, 2), ("swap:person", neg_person, 2),
    ("swap:action", neg_action, 2), ("negation:add", neg_negation_add, 3), ("negation:remove", neg_negation_remove, 2),
]


# --------------------------------------------------------------------------------------
# main build
# --------------------------------------------------------------------------------------
def load_train(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [(" ".join(r["text"].split()), r["category"]) for r in rows]


class Orig:
    __slots__ = ("text", "cat", "n", "w", "g")

    def __init__(self, text, cat):
        self.text, self.cat = text, cat
        self.n = norm(text)
        self.w = set(self.n.split())
        self.g = grams4(self.n)


def select_originals(train, rng):
    by_cat = {}
    seen = set()
    for t, c in train:
        wc = len(t.split())
        if wc < 3 or wc > 25:
            continue
        n = norm(t)
        if not n or n in seen:
            continue
        seen.add(n)
        by_cat.setdefault(c, []).append(t)
    cats = sorted(by_cat)
    for c in cats:
        rng.shuffle(by_cat[c])
    chosen = []
    ptr = {c: 0 for c in cats}
    while len(chosen) < N_ORIG:
        progressed = False
        rng.shuffle(cats)
        for c in cats:
            lst = by_cat[c]
            while ptr[c] < len(lst):
                t = lst[ptr[c]]
                ptr[c] += 1
                o = Orig(t, c)
                if any(too_close(o.n, x.n, o.w, x.w, o.g, x.g) for x in chosen):
                    continue
                chosen.append(o)
                progressed = True
                break
            if len(chosen) >= N_ORIG:
                break
        if not progressed:
            raise SystemExit("not enough diverse originals")
    return chosen


def place(orig_ids, planted, rng):
    """orig_ids: list of original keys in order. planted: dict key -> (row, mode). Returns ordered list."""
    total = len(orig_ids) + len(planted)
    for attempt in range(200):
        out = []
        pending = []  # (target, seq, row)
        seq = 0
        src_pos = {}
        for ok in orig_ids:
            while pending and min(pending)[0] <= len(out):
                pending.sort()
                out.append(pending.pop(0)[2])
            src_pos[ok] = len(out)
            out.append(("orig", ok))
            if ok in planted:
                mode = planted[ok][1]
                pos = src_pos[ok]
                if mode == "soon":
                    g = rng.randint(1, 30)
                else:
                    hi = total - 1 - pos
                    g = rng.randint(SOON_MAX + 1, max(SOON_MAX + 1, hi))
                seq += 1
                pending.append((pos + g, seq, ("plant", ok)))
        pending.sort()
        out.extend(p[2] for p in pending)
        ok_all = True
        pos_of = {}
        for i, it in enumerate(out):
            pos_of[it] = i
        for ok, (row, mode) in planted.items():
            gap = pos_of[("plant", ok)] - pos_of[("orig", ok)]
            if mode == "soon" and not (1 <= gap <= SOON_MAX):
                ok_all = False
                break
            if mode == "later" and gap <= SOON_MAX:
                ok_all = False
                break
        if ok_all:
            return out
    raise SystemExit("placement failed")


def build(train_path):
    rng = random.Random(SEED)
    train = load_train(train_path)
    train_norms = {norm(t) for t, _ in train}
    origs = select_originals(train, rng)
    rng.shuffle(origs)
    keys = list(range(len(origs)))

    taken = {o.n for o in origs}
    used_frames = set()

    def close_to_other(text, src_key):
        n = norm(text)
        w = set(n.split())
        g = grams4(n)
        for k2, o in enumerate(origs):
            if k2 == src_key:
                continue
            if too_close(n, o.n, w, o.w, g, o.g):
                return True
        return False

    # ---- negatives first (they need specific vocabulary) ----
    cand_by_op = {name: [] for name, _, _ in NEG_OPS}
    for k in keys:
        for name, fn, _ in NEG_OPS:
            if fn(origs[k].text, random.Random(k)) is not None:
                cand_by_op[name].append(k)
    assigned = {}
    kinds_of = {}
    neg_counts = Counter()
    op_names = [n for n, _, _ in NEG_OPS]
    op_w = {n: w for n, _, w in NEG_OPS}
    guard = 0
    while len(assigned) < N_NEG:
        guard += 1
        if guard > 200000:
            raise SystemExit("could not build negatives")
        live = [n for n in op_names if any(k not in kinds_of for k in cand_by_op[n])]
        if not live:
            raise SystemExit("ran out of negative candidates")
        name = rng.choices(live, [op_w[n] / (1 + neg_counts[n]) for n in live])[0]
        fn = dict((n, f) for n, f, _ in NEG_OPS)[name]
        pool = [k for k in cand_by_op[name] if k not in kinds_of]
        k = rng.choice(pool)
        src = origs[k].text
        res = None
        for _ in range(12):
            new = fn(src, rng)
            if new is None or new == src:
                continue
            nn = norm(new)
            if nn == origs[k].n or nn in taken or nn in train_norms:
                continue
            d = token_diff(src, new)
            if d < 1 or d > 6:
                continue
            if not (set(toks(new)) - set(toks(src))):
                continue
            if close_to_other(new, k):
                continue
            res = new
            break
        if res is None:
            cand_by_op[name] = [x for x in cand_by_op[name] if x != k]
            continue
        taken.add(norm(res))
        assigned[k] = (res, [name], "negative")
        kinds_of[k] = "negative"
        neg_counts[name] += 1

    # ---- near duplicates ----
    rest = [k for k in keys if k not in kinds_of]
    rng.shuffle(rest)
    near_n = 0
    idx = 0
    while near_n < N_NEAR:
        k = rest[idx]
        idx += 1
        src = origs[k].text
        res = make_near(src, rng, used_frames, taken, lambda t, kk=k: close_to_other(t, kk))
        if res is None:
            continue
        text, edits = res
        taken.add(norm(text))
        assigned[k] = (text, edits, "near")
        kinds_of[k] = "near"
        near_n += 1

    # ---- exact copies ----
    rest2 = [k for k in rest[idx:] if k not in kinds_of]
    for k in rest2[:N_EXACT]:
        text, edits = make_exact(origs[k].text, rng)
        assigned[k] = (text, edits, "exact")
        kinds_of[k] = "exact"

    # ---- placement ----
    planted_keys = sorted(assigned)
    eligible = [k for k in planted_keys if k < int(len(keys) * 0.85)]
    rng.shuffle(eligible)
    half = len(planted_keys) // 2
    later = set(eligible[:half])
    planted = {k: (assigned[k], "later" if k in later else "soon") for k in planted_keys}
    order = place(keys, planted, rng)

    rows = []
    id_of = {}
    for i, (typ, k) in enumerate(order):
        rid = "f%05d" % i
        if typ == "orig":
            id_of[k] = rid
            rows.append({"id": rid, "text": origs[k].text, "kind": "original", "source_id": "", "edits": []})
        else:
            (text, edits, kind), mode = planted[k]
            rows.append({"id": rid, "text": text, "kind": kind, "source_id": id_of[k], "edits": list(edits)})
    return rows, origs, planted


def compute_stats(rows):
    kinds = Counter(r["kind"] for r in rows)
    by_op = {}
    by_detail = {}
    n_edits = {}
    pos = {r["id"]: i for i, r in enumerate(rows)}
    placement = {"soon_1_40": 0, "later_over_40": 0}
    for r in rows:
        if r["kind"] == "original":
            continue
        kd = r["kind"]
        n_edits.setdefault(kd, Counter())[str(len(r["edits"]))] += 1
        for e in r["edits"]:
            by_op.setdefault(kd, Counter())[e.split(":", 1)[0]] += 1
            by_detail.setdefault(kd, Counter())[e] += 1
        gap = pos[r["id"]] - pos[r["source_id"]]
        placement["soon_1_40" if gap <= SOON_MAX else "later_over_40"] += 1

    def srt(c):
        return {k: c[k] for k in sorted(c, key=lambda x: (-c[x], x))}
    return {
        "total_rows": len(rows),
        "kinds": {k: kinds[k] for k in ("original", "exact", "near", "negative")},
        "edit_ops": {k: srt(by_op[k]) for k in ("exact", "near", "negative")},
        "edit_op_details": {k: srt(by_detail[k]) for k in ("exact", "near", "negative")},
        "num_edits": {k: {x: n_edits[k][x] for x in sorted(n_edits[k])} for k in ("exact", "near", "negative")},
        "placement": placement,
        "seed": SEED,
    }


def md_table(d):
    lines = ["| edit | count |", "|---|---|"]
    for k, v in d.items():
        lines.append("| `%s` | %d |" % (k, v))
    return "\n".join(lines)


def readme(stats):
    k = stats["kinds"]
    ne = stats["num_edits"]
    return """# outside-short-f: blind near-duplicate test set for short bank support messages

This folder was written **blind**: its author did not open the detector's code, benchmarks, tests
or any other data folder, and ran no detector.  The only inputs were the BANKING77 training split
and general knowledge of how customers re-type and re-send messages to a bank's chat, app or e-mail support.

## Source and licence

Originals are verbatim texts (whitespace runs collapsed to one space) from the BANKING77 training split:
I. Casanueva, T. Temcinas, D. Gerz, M. Henderson, I. Vulic, "Efficient Intent Detection with Dual Sentence
Encoders", NLP4ConvAI workshop @ ACL 2020, PolyAI, https://github.com/PolyAI-LDN/task-specific-datasets
(folder banking_data).  BANKING77 is licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/);
this derived set is distributed under the same licence with this attribution.  Planted rows are edits of those texts.

## Files

* `near_dups_short6.jsonl` - %(total)d rows, one JSON object per line:
  `{"id", "text", "kind", "source_id", "edits"}`; ids `f00000`.. in file order.
* `stats.json` - counts per kind, per edit op, per op:detail, per number of edits, placement.
* `make.py` - deterministic generator (`random.Random(%(seed)d)`, standard library only):
  `python3 make.py` writes the three data/doc files here, `python3 make.py --out DIR` elsewhere.
* `verify.py` - re-checks every guarantee independently and regenerates into a temp folder,
  comparing byte for byte; exit status 1 on any failure.  Run: `python3 verify.py`.

## Counts

| kind | rows |
|---|---|
| original | %(orig)d |
| exact | %(exact)d |
| near | %(near)d |
| negative | %(neg)d |

Number of edits per planted row: exact %(ne_e)s; near %(ne_n)s; negative %(ne_g)s.
Placement: %(soon)d planted rows sit 1-40 rows after their source, %(later)d sit more than 40 rows later.

## Method

1. **Originals.** train.csv texts with 3-25 whitespace words, de-duplicated on the normalised text, drawn
   round-robin over the 77 intents in seeded random order and kept greedily only if, against every original
   already kept, word-set Jaccard < 0.5, character-4-gram Jaccard < 0.5 (on the normalised text) and
   neither normalised text contains the other.  Normalise = lowercase, delete apostrophes (' \u2019 \u2018 ` \u00b4 \u02bc),
   every other run of non-alphanumeric characters -> one space, strip.
2. **Planted rows** (at most one per original, always after it): half 1-40 rows after the source, half at a
   random position more than 40 rows later.
   * `exact`: verbatim, or only case / final punctuation / apostrophe (dropped or curly) / spacing changes.
   * `near`: the same request re-typed or re-sent, 1-3 edits drawn from the ops below (core edits first,
     then style, then wrappers such as re-send framing, quoting, greetings, sign-offs and e-mail signatures).
     Re-send framings are assembled from parts (context x time reference x joiner, or follow-up lines) and
     no re-send framing occurs twice in the set; quote follow-up lines may recur.  Near rows can contain
     line breaks (e-mail greetings, signatures, quoted `> ` lines).  Every content edit must change the
     normalised text; case/punctuation/emoji edits only ever accompany one.
   * `negative`: exactly one meaning-changing edit (a swapped key word, a negation, a different
     amount / product / direction / time / person / currency / country), at most 6 tokens changed.

### Edit ops per kind (op = part before the colon)
%(t_ops)s

### Exact edit ops
%(t_exact)s

### Near edit ops
%(t_near)s

### Negative edit ops
%(t_neg)s

## Guarantees (all re-checked by verify.py)

* 2,000 originals, each a verbatim (whitespace-collapsed) train.csv text of 3-25 words; pairwise word
  Jaccard < 0.5, char-4-gram Jaccard < 0.5, no normalised containment.
* Every planted row's `source_id` is an original earlier in the file; each original has at most one
  planted row; exactly half of the planted rows are 1-40 rows after their source, the rest > 40.
* `exact`: same normalised text as the source, and equal to it after lowercasing, deleting apostrophes
  and whitespace and stripping final `.?!` runs.
* `near`: 1-3 edits; normalised text differs from the source; same digit runs and currency symbols;
  no fewer negation words; no new word from a meaning-flip group (deposit/withdraw, debit/credit,
  send/receive, countries, currencies, card products, family members, time units and days,
  status words, quantity words, open/close-type actions, from/into/out) whose sense is absent
  from the source when the source already uses that group (for deposit, debit, country, currency,
  product and person groups: never); at least 60%% of the source's content words survive
  (exactly, with a small typo, or as a listed synonym/abbreviation).
* `negative`: exactly one edit; 1-6 tokens changed (difflib on normalised tokens); the change touches
  a digit, a negation or a meaning-flip word; normalised text equals no train.csv text.
* No planted row is a near copy (same rule as for originals) of any original other than its source.
* No two non-exact rows share a normalised text.
* Files are byte-for-byte reproducible from `make.py`.

Verify with `python3 verify.py` (optionally `--train PATH` if train.csv lives elsewhere; `--no-regen`
skips the regeneration step).

## Known limits

* Edits are rule-based; a few rows read a little stiffly (negation removal uses the emphatic form,
  e.g. "don't" -> "do"; some swaps leave slightly odd grammar).  Negatives were kept only when the swapped
  word was not already in the source and the result is not a train.csv text, but their meaning change is
  judged by rule, not by a person.
* Typos are drawn on words of 4+ letters, so brand names can be hit.
* `near` rows keep every digit and currency symbol of the source, so amount-preserving rewrites
  like "$20" -> "20 dollars" are deliberately absent.
""" % {
        "total": stats["total_rows"], "seed": stats["seed"], "orig": k["original"], "exact": k["exact"],
        "near": k["near"], "neg": k["negative"],
        "ne_e": ", ".join("%s: %d" % (a, b) for a, b in ne["exact"].items()),
        "ne_n": ", ".join("%s: %d" % (a, b) for a, b in ne["near"].items()),
        "ne_g": ", ".join("%s: %d" % (a, b) for a, b in ne["negative"].items()),
        "soon": stats["placement"]["soon_1_40"], "later": stats["placement"]["later_over_40"],
        "t_exact": md_table(stats["edit_op_details"]["exact"]),
        "t_ops": "\n".join(["| kind | op | count |", "|---|---|---|"] + [
            "| %s | `%s` | %d |" % (kd, op, c) for kd in ("exact", "near", "negative")
            for op, c in stats["edit_ops"][kd].items()]),
        "t_near": md_table(stats["edit_op_details"]["near"]),
        "t_neg": md_table(stats["edit_op_details"]["negative"]),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--train", default=DEFAULT_TRAIN)
    a = ap.parse_args()
    rows, _, _ = build(a.train)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, OUT_JSONL), "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    stats = compute_stats(rows)
    with open(os.path.join(a.out, "stats.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(stats, f, indent=2, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(a.out, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(readme(stats))
    print("wrote %d rows to %s" % (len(rows), a.out))


if __name__ == "__main__":
    main()
