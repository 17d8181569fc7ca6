#!/usr/bin/env python3
"""Generator for near_dups_short3.jsonl: a near-duplicate detection test set
built from BANKING77 customer queries (PolyAI, Casanueva et al. 2020, CC BY 4.0).

Standard library only.  Run:  python3 make.py [path/to/train.csv]
Deterministic for a given input file (seed 9311).
"""
import csv
import json
import os
import random
import re
import sys
from collections import Counter

SEED = 9311
SRC = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/banking77/train.csv"
OUT_DIR = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(OUT_DIR, "near_dups_short3.jsonl")

N_ORIG, N_EXACT, N_NEAR, N_NEG = 2000, 200, 500, 300
MIN_WORDS, MAX_WORDS = 3, 30
RARE_PRIORITY = 400

rng = random.Random(SEED)

# ----------------------------------------------------------------------------
# normalisation and the "natural near-duplicate" screen
# ----------------------------------------------------------------------------
STOP = set("""a an the i me my mine you your u ur we our us it its is are was were be been am
do does did to of for in on at by with and or but so if can could would should will shall
may might please pls hi hello hey there this that these those what how why when where which
who just still really any some have has had get got im id ive dont cant""".split())


def norm(t):
    """lowercase, drop apostrophes, every other non-alphanumeric -> space."""
    t = t.lower().replace("\u2019", "'").replace("'", "")
    t = re.sub(r"[^0-9a-z£$€]+", " ", t)
    return " ".join(t.split())


def norm_nospace(t):
    """lowercase, drop all punctuation without inserting spaces."""
    t = t.lower()
    t = re.sub(r"[^\w\s]", "", t)       # currency symbols count as punctuation here
    return " ".join(t.split())


def norm_keys(t):
    """all the normalised forms used for collision checks (brief: lowercase + strip punctuation)."""
    sp = " ".join(re.sub(r"[^\w\s]", " ", t.lower()).split())
    return {norm(t), norm_nospace(t), sp}


def feats(t):
    n = norm(t)
    toks = n.split()
    pad = " " + n + " "
    tri = {pad[i:i + 3] for i in range(len(pad) - 2)}
    content = frozenset(w for w in toks if w not in STOP)
    return n, set(toks), tri, content


def jacc(a, b):
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def natural_dup(fa, fb):
    """Screening rule: two texts are 'natural near-duplicates' if ANY holds:
    - identical after norm()
    - word-set Jaccard >= 0.6
    - character-trigram Jaccard >= 0.6
    - identical non-empty content-word sets (stop words removed)
    - the smaller word set (>= 3 words) is contained in the larger one
    """
    na, ta, ca, cona = fa
    nb, tb, cb, conb = fb
    if na == nb:
        return True
    if jacc(ta, tb) >= 0.6:
        return True
    if jacc(ca, cb) >= 0.6:
        return True
    if cona and cona == conb:
        return True
    small, big = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    if len(small) >= 3 and small <= big:
        return True
    return False


# ----------------------------------------------------------------------------
# text helpers
# ----------------------------------------------------------------------------
def tidy(t):
    t = re.sub(r"[ \t]{2,}", " ", t)
    t = re.sub(r" +([,.?!;:])", r"\1", t)
    t = re.sub(r",\s*([?.!])", r"\1", t)
    t = re.sub(r"^\s*,\s*", "", t)
    return t.strip()


def cap_first(s):
    return s[:1].upper() + s[1:] if s else s


def decap_first(s):
    # lower the first letter unless it is "I", "I'm" etc. or an acronym
    m = re.match(r"([A-Za-z']+)", s)
    if not m:
        return s
    w = m.group(1)
    if w == "I" or w.startswith("I'") or (len(w) > 1 and w.isupper()):
        return s
    return s[:1].lower() + s[1:]


def match_case(src, rep, at_start):
    if rep != rep.lower():          # replacement carries its own casing (PIN, GBP, Apple Pay)
        return cap_first(rep) if at_start else rep
    if len(src) > 1 and src.isupper():
        return cap_first(rep) if at_start else rep
    if src[:1].isupper():
        return cap_first(rep)
    return rep


def word_re(pat):
    cs = any(c.isupper() for c in pat)   # acronyms / proper nouns are case-sensitive
    flags = 0 if cs else re.IGNORECASE
    return re.compile(r"(?<![\w'\-])" + re.escape(pat) + r"(?![\w'\-])", flags)


def swap_one(text, pat, rep, r, avoid_if_present=True):
    """Replace one (random) occurrence of pat by rep, case-preserving."""
    rx = word_re(pat)
    ms = list(rx.finditer(text))
    if not ms:
        return None
    if avoid_if_present and word_re(rep).search(text):
        return None  # e.g. "send and receive" -> would become "receive and receive"
    m = r.choice(ms)
    at_start = m.start() == 0 or re.match(r".*[.!?]\s*$", text[:m.start()]) is not None
    new = match_case(m.group(0), rep, at_start)
    pre = text[:m.start()]
    # keep the indefinite article grammatical: "a European card" -> "an Asian card"
    am = re.search(r"(?<![\w'])([Aa]n?) $", pre)
    if am:
        want = "an" if re.match(r"[aeiouAEIOU]", new) and not re.match(r"(?i)(eu|uk|us|uni|one)", new) else "a"
        if am.group(1).lower() != want:
            want = cap_first(want) if am.group(1)[0].isupper() else want
            pre = pre[:am.start(1)] + want + " "
    return pre + new + text[m.end():]


def try_pairs(text, pairs, r, guard=None):
    cands = []
    for p in pairs:
        pat, rep = p[0], p[1]
        if word_re(pat).search(text):
            if len(p) > 2 and p[2] and re.search(p[2], text, re.IGNORECASE):
                continue
            cands.append((pat, rep))
    # prefer the most specific pattern: drop a candidate whose pattern is inside another matched one
    pats = [c[0].lower() for c in cands]
    cands = [c for c in cands if not any(c[0].lower() != q and re.search(r"(?<!\w)" + re.escape(c[0].lower()) + r"(?!\w)", q) for q in pats)]
    r.shuffle(cands)
    for pat, rep in cands:
        out = swap_one(text, pat, rep, r)
        if out and out != text:
            return out
    return None


def pairs_both(lst):
    out = []
    for a, b in lst:
        out.append((a, b))
        out.append((b, a))
    return out


# ----------------------------------------------------------------------------
# EXACT-copy variants (case / whitespace / trailing punctuation only)
# ----------------------------------------------------------------------------
def ex_lowercase(t, r):
    o = t.lower()
    return o if o != t else None


def ex_all_caps(t, r):
    o = t.upper()
    return o if o != t else None


def ex_first_letter_case(t, r):
    if not t or not t[0].isalpha():
        return None
    return (t[0].lower() if t[0].isupper() else t[0].upper()) + t[1:]


def ex_extra_internal_space(t, r):
    sp = [m.start() for m in re.finditer(" ", t)]
    if not sp:
        return None
    i = r.choice(sp)
    return t[:i] + r.choice(["  ", "   "]) + t[i + 1:]


def ex_leading_trailing_space(t, r):
    return r.choice([" ", "  ", ""]) + t + r.choice([" ", "  ", "\n", " \n"])


def ex_strip_trailing_punct(t, r):
    o = re.sub(r"[.?!]+\s*$", "", t)
    return o if o != t and o else None


def ex_add_trailing_punct(t, r):
    if re.search(r"[.?!]\s*$", t):
        return t.rstrip() + r.choice(["?", "??", "!", "!!", "..."])
    return t.rstrip() + r.choice(["?", ".", "!", "??"])


def ex_swap_trailing_punct(t, r):
    m = re.search(r"([.?!]+)\s*$", t)
    if not m:
        return None
    new = r.choice([p for p in ["?", ".", "!", "?!"] if p != m.group(1)])
    return t[:m.start()] + new


EXACT_EDITS = {
    "lowercase": ex_lowercase,
    "all_caps": ex_all_caps,
    "first_letter_case": ex_first_letter_case,
    "extra_internal_space": ex_extra_internal_space,
    "leading_trailing_space": ex_leading_trailing_space,
    "strip_trailing_punct": ex_strip_trailing_punct,
    "add_trailing_punct": ex_add_trailing_punct,
    "swap_trailing_punct": ex_swap_trailing_punct,
}
EXACT_W = {"lowercase": 3, "all_caps": 1, "first_letter_case": 2, "extra_internal_space": 2,
           "leading_trailing_space": 2, "strip_trailing_punct": 3, "add_trailing_punct": 2,
           "swap_trailing_punct": 1}


def exact_key(t):
    t = t.lower().strip()
    t = re.sub(r"[.?!]+$", "", t).strip()
    return " ".join(t.split())


# ----------------------------------------------------------------------------
# NEAR-copy edits (same request)
# ----------------------------------------------------------------------------
QWERTY = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
NEIGH = {}
for ri, row in enumerate(QWERTY):
    for ci, ch in enumerate(row):
        ns = []
        for dr in (-1, 0, 1):
            rr = ri + dr
            if 0 <= rr < 3:
                for dc in (-1, 0, 1):
                    cc = ci + dc + (0 if dr == 0 else (0 if dr < 0 else -0))
                    if (dr, dc) != (0, 0) and 0 <= cc < len(QWERTY[rr]):
                        ns.append(QWERTY[rr][cc])
        NEIGH[ch] = ns


def _pick_word(t, r, minlen=4):
    ms = [m for m in re.finditer(r"[A-Za-z]+", t) if len(m.group(0)) >= minlen]
    return r.choice(ms) if ms else None


def ne_typo_adjacent_key(t, r):
    m = _pick_word(t, r)
    if not m:
        return None
    w = m.group(0)
    i = r.randrange(1, len(w))
    c = w[i].lower()
    if c not in NEIGH:
        return None
    nc = r.choice(NEIGH[c])
    nc = nc.upper() if w[i].isupper() else nc
    return t[:m.start()] + w[:i] + nc + w[i + 1:] + t[m.end():]


def ne_typo_transpose(t, r):
    m = _pick_word(t, r)
    if not m:
        return None
    w = m.group(0)
    i = r.randrange(1, len(w) - 1)
    if w[i] == w[i + 1]:
        return None
    return t[:m.start()] + w[:i] + w[i + 1] + w[i] + w[i + 2:] + t[m.end():]


def ne_typo_dropped_letter(t, r):
    m = _pick_word(t, r, 5)
    if not m:
        return None
    w = m.group(0)
    i = r.randrange(1, len(w))
    return t[:m.start()] + w[:i] + w[i + 1:] + t[m.end():]


def ne_typo_doubled_letter(t, r):
    m = _pick_word(t, r)
    if not m:
        return None
    w = m.group(0)
    i = r.randrange(1, len(w))
    return t[:m.start()] + w[:i] + w[i] + w[i:] + t[m.end():]


MISSPELL = [("receive", "recieve"), ("received", "recieved"), ("receiving", "recieving"),
            ("separate", "seperate"), ("definitely", "definately"), ("necessary", "neccessary"),
            ("address", "adress"), ("transferred", "transfered"), ("immediately", "immediatly"),
            ("business", "buisness"), ("until", "untill"), ("withdrawal", "withdrawl"),
            ("currency", "currancy"), ("account", "acount"), ("guarantee", "guarentee"),
            ("verification", "verfication"), ("which", "wich"), ("weird", "wierd"),
            ("tomorrow", "tommorow"), ("occurred", "occured"), ("transaction", "transation"),
            ("exchange", "exhange"), ("payment", "payemnt"), ("identity", "identitiy"),
            ("because", "becuase"), ("their", "thier"), ("know", "konw"), ("pending", "pendng"),
            ("beneficiary", "benificiary"), ("foreign", "foriegn"), ("cancelled", "canceled"),
            ("different", "diffrent"), ("already", "allready"), ("disposable", "disposible"),
            ("possible", "possable"), ("charged", "chaged"), ("arrived", "arived"),
            ("calendar", "calender"), ("successful", "succesful"), ("refund", "refound")]


def ne_common_misspelling(t, r):
    return try_pairs(t, [p for p in MISSPELL if p[0] != "cancelled"], r)


HOMOPHONE = [("you're", "your"), ("it's", "its"), ("its", "it's"), ("there", "their"),
             ("their", "there"), ("than", "then"), ("too", "to"), ("lose", "loose"),
             ("were", "where"), ("a lot", "alot"), ("whose", "who's"), ("affect", "effect"),
             ("could have", "could of"), ("would have", "would of")]


def ne_homophone_confusion(t, r):
    return try_pairs(t, HOMOPHONE, r)


def ne_drop_apostrophe(t, r):
    ms = [m for m in re.finditer(r"\b([A-Za-z]+)['\u2019]([A-Za-z]{1,2})\b", t)]
    if not ms:
        return None
    # usually all apostrophes (phone keyboards / lazy typing), sometimes just one
    if r.random() < 0.6:
        return re.sub(r"\b([A-Za-z]+)['\u2019]([A-Za-z]{1,2})\b", r"\1\2", t)
    m = r.choice(ms)
    return t[:m.start()] + m.group(1) + m.group(2) + t[m.end():]


CONTRACT = [("do not", "don't"), ("cannot", "can't"), ("can not", "can't"), ("is not", "isn't"),
            ("has not", "hasn't"), ("have not", "haven't"), ("did not", "didn't"),
            ("does not", "doesn't"), ("will not", "won't"), ("was not", "wasn't"),
            ("are not", "aren't"), ("I am", "I'm"), ("it is", "it's"), ("what is", "what's"),
            ("where is", "where's"), ("there is", "there's"), ("I have been", "I've been"),
            ("I would", "I'd"), ("should not", "shouldn't"), ("could not", "couldn't")]


def ne_contraction_change(t, r):
    # expanding is unnatural right after a question word or at the start ("Why has not my ...", "Cannot you ...")
    pairs = [(b, a, r"(^|[.?!]\s*|\b(why|how|what|where|when|who)\s+)" + re.escape(b) + r"(?![\w'])") for a, b in CONTRACT] + CONTRACT
    return try_pairs(t, pairs, r)


SHORTHAND = [("you", "u"), ("your", "ur"), ("you're", "ur"), ("please", "pls"), ("please", "plz"),
             ("thanks", "thx"), ("thank you", "ty"), ("are", "r"), ("because", "cuz"),
             ("because", "bc"), ("with", "w/"), ("without", "w/o"), ("tomorrow", "tmrw"),
             ("message", "msg"), ("account", "acct"), ("information", "info"), ("okay", "ok"),
             ("I don't know", "idk"), ("as soon as possible", "asap"), ("before", "b4"),
             ("people", "ppl"), ("minutes", "mins"), ("something", "smth"), ("why", "y"),
             ("though", "tho"), ("really", "rly"), ("about", "abt"), ("for", "4"), ("to", "2")]
SH_W = {"for": 0.15, "to": 0.15, "why": 0.3}


def ne_texting_shorthand(t, r):
    cands = [p for p in SHORTHAND if word_re(p[0]).search(t)]
    cands = [p for p in cands if r.random() < SH_W.get(p[0], 1.0)]
    if not cands:
        return None
    r.shuffle(cands)
    out = t
    # real shorthand users abbreviate 1-2 words at once
    for pat, rep in cands[: r.choice([1, 1, 2])]:
        o2 = swap_one(out, pat, rep, r, avoid_if_present=False)
        if o2:
            out = o2
    return out if out != t else None


GREET = ["Hi, ", "Hello, ", "Hi there, ", "Hey, ", "Good morning, ", "Hello. ", "Hi team, ",
         "Excuse me, ", "Sorry to bother you, ", "Quick question: ", "Hiya, ", "Good afternoon. ",
         "Hey there! ", "Dear support, "]


def ne_greeting_prefix(t, r):
    if re.match(r"(hi|hello|hey|good (morning|afternoon))\b", t, re.I):
        return None
    g = r.choice(GREET)
    body = t if g.rstrip().endswith((".", "!", ":")) else decap_first(t)
    return g + body


RESEND = ["Again: ", "Following up: ", "Still waiting for a reply - ", "Resending: ",
          "As I asked before, ", "Sorry, asking again: ", "Me again. ", "Any update? "]


def ne_resend_prefix(t, r):
    g = r.choice(RESEND)
    body = t if g.rstrip().endswith((".", "?", ":", "-")) else decap_first(t)
    return g + body


SUFFIX = [" Thanks", " Thanks!", " Thank you.", " Thanks in advance.", " Please help.",
          " Any help appreciated.", " Cheers.", " thx", " Thank you so much!", " Please advise.",
          " Help please!", " I need this sorted asap.", " It's urgent.", " Many thanks."]


def ne_pleasantry_suffix(t, r):
    if re.search(r"(thanks|thank you|thx|cheers)[.!]?\s*$", t, re.I):
        return None
    s = r.choice(SUFFIX)
    base = t.rstrip()
    if not re.search(r"[.?!]$", base) and r.random() < 0.5:
        base += r.choice([".", "?", ","])
    return base + s


def ne_add_please(t, r):
    for pat, rep in [(r"\b([Cc]an|[Cc]ould|[Ww]ould|[Ww]ill) you (?!please)", r"\1 you please "),
                     (r"^([Hh]elp me|[Tt]ell me|[Ss]how me|[Cc]ancel|[Cc]lose|[Ee]xplain|[Gg]ive me|[Ss]end me)\b",
                      None)]:
        if rep and re.search(pat, t):
            return re.sub(pat, rep, t, count=1)
        if rep is None and re.search(pat, t):
            return "Please " + decap_first(t)
    return None


FILLER = ["just", "really", "actually", "please", "very", "currently", "kindly", "still",
          "even", "basically"]


def ne_drop_filler_word(t, r):
    cands = [f for f in FILLER if word_re(f).search(t)]
    if not cands:
        return None
    f = r.choice(cands)
    ms = list(word_re(f).finditer(t))
    m = r.choice(ms)
    o = t[:m.start()] + t[m.end():]
    o = re.sub(r",\s*,", ",", o)
    o = tidy(o)
    if m.start() == 0:
        o = cap_first(o)
    return o if len(o.split()) >= 2 else None


def ne_drop_article(t, r):
    ms = [m for m in re.finditer(r"(?<![\w'])(the|a|an)\s+(?!(few|lot|couple|bit|little)\b)", t, re.I)
          if m.start() > 0]
    if not ms:
        return None
    m = r.choice(ms)
    return t[:m.start()] + t[m.end():]


def ne_repeated_word(t, r):
    ms = [m for m in re.finditer(r"(?<![\w'])(the|my|to|a|i|I|is|it|and|of|card|for)(?=\s)", t)]
    if not ms:
        return None
    m = r.choice(ms)
    return t[:m.end()] + " " + m.group(0) + t[m.end():]


def ne_missing_space(t, r):
    ms = [m for m in re.finditer(r"(?<![\w'])([A-Za-z]{1,6}) ([A-Za-z]{2,7})(?![\w'])", t)]
    if not ms:
        return None
    m = r.choice(ms)
    return t[:m.start()] + m.group(1) + m.group(2) + t[m.end():]


SPACING = pairs_both([("top up", "top-up"), ("top-up", "topup"), ("e-mail", "email"),
                      ("log in", "login"), ("sign up", "signup"), ("any more", "anymore"),
                      ("every time", "everytime"), ("set up", "setup"), ("pre-paid", "prepaid"),
                      ("on line", "online"), ("cash back", "cashback"), ("re-order", "reorder")])


def ne_spacing_hyphen_variant(t, r):
    return try_pairs(t, SPACING, r)


def ne_casual_lowercase_nopunct(t, r):
    o = t.lower()
    o = re.sub(r"[?.!,;:]+", " ", o)
    o = " ".join(o.split())
    return o


PHRASES = [("would like to", "want to"), ("want to", "would like to"), ("need to", "have to"),
           ("have to", "need to"), ("How do I", "How can I"), ("How can I", "How do I"),
           ("Is it possible to", "Can I"), ("Is it possible for me to", "Can I"),
           ("Can I", "Am I able to"), ("money", "funds"), ("funds", "money"),
           ("ATM", "cash machine"), ("cash machine", "ATM"), ("cashpoint", "ATM"),
           ("fee", "charge", r"\bcharge"), ("fees", "charges", r"\bcharge"),
           ("help me", "assist me"), ("What should I do", "What do I do"),
           ("What do I do", "What should I do"), ("immediately", "right away"),
           ("right away", "immediately"), ("quickly", "fast"), ("wrong", "incorrect"),
           ("incorrect", "wrong"), ("problem", "issue"), ("issue", "problem"),
           ("issues", "problems"), ("problems", "issues"), ("lost", "misplaced"),
           ("hasn't arrived", "hasn't come"), ("has not arrived", "has not come"),
           ("haven't received", "haven't gotten"), ("haven't gotten", "haven't received"),
           ("charged twice", "double charged"), ("extra", "additional"),
           ("additional", "extra"), ("currently", "right now"), ("correct", "right"),
           ("the app", "the application"), ("How long does it take", "How long will it take"),
           ("how long", "how much time"), ("mobile phone", "phone"), ("cellphone", "phone"),
           ("I am unable to", "I can't"), ("I'm unable to", "I can't"), ("I can't", "I'm unable to"),
           ("Why", "How come", r"^why\s+(is|are|was|were|do|does|did|can|can't|has|have|hasn't|haven't|won't|would)\b"),
           ("purchase", "buy", r"\b(a|the|my|this|that) purchase"), ("buy", "purchase"),
           ("get a refund", "receive a refund"), ("get my money", "receive my money"),
           ("get my card", "receive my card"), ("get a new card", "receive a new card"),
           ("tell me", "let me know"), ("let me know", "tell me"), ("nearby", "near me"),
           ("a couple of", "a few", r"x^"), ("ASAP", "as soon as possible"),
           ("recently", "lately"), ("is there a way to", "can I"), ("Is there any way to", "Can I"),
           ("I was wondering", "I wonder"), ("Could you", "Can you"), ("Can you", "Could you"),
           ("contact", "get in touch with"), ("make sure", "ensure"), ("verify", "confirm", r"x^")]


def ne_phrase_swap(t, r):
    cands = []
    for p in PHRASES:
        pat, rep = p[0], p[1]
        g = p[2] if len(p) > 2 else None
        if not word_re(pat).search(t):
            continue
        if pat == "Why":
            continue  # handled below
        if g and re.search(g, t, re.I):
            continue
        cands.append((pat, rep))
    r.shuffle(cands)
    hc = _how_come(t)
    if hc and (not cands or r.random() < 0.5):
        return hc
    for pat, rep in cands:
        o = swap_one(t, pat, rep, r)
        if o and o != t:
            return o
    return hc


def _how_come(t):
    """ "Why is my card declined?" -> "How come my card is declined?" """
    m = re.match(r"^why (is|are|was|were|has|have|hasn't|haven't|isn't|wasn't|aren't) (my|the|this|that) "
                 r"([A-Za-z-]+) ((?:not |still |so |already |being )?(?:[a-z]+ed|[a-z]+ing|pending|gone|taken|"
                 r"shown|low|high|wrong|frozen|different|missing|there|available))\b(.*)$", t, re.I)
    if m:
        return "How come " + m.group(2).lower() + " " + m.group(3) + " " + m.group(1).lower() + " " + m.group(4) + m.group(5)
    return None


REGIONAL = pairs_both([("cancelled", "canceled"), ("cancelling", "canceling"),
                       ("colour", "color"), ("favourite", "favorite"), ("authorise", "authorize"),
                       ("authorised", "authorized"), ("authorisation", "authorization"),
                       ("recognise", "recognize"), ("recognised", "recognized"),
                       ("realise", "realize"), ("realised", "realized"), ("apologise", "apologize"),
                       ("centre", "center"), ("licence", "license"), ("travelling", "traveling"),
                       ("organisation", "organization"), ("enrol", "enroll"), ("cheque", "check"),
                       ("mum", "mom"), ("labelled", "labeled"), ("utilise", "utilize"),
                       ("fulfil", "fulfill"), ("analyse", "analyze"), ("verified", "verified")])
REGIONAL = [p for p in REGIONAL if not (p[0] == "check")]  # "check" is also a verb


def ne_regional_spelling(t, r):
    return try_pairs(t, REGIONAL, r)


NUMW = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
        "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12"}
WNUM = {v: k for k, v in NUMW.items()}


def ne_digits_words(t, r):
    cands = []
    for m in re.finditer(r"(?<![\w£$€.,'])(\d{1,2})(?![\w.,%])", t):
        if m.group(1) in WNUM:
            cands.append((m, WNUM[m.group(1)]))
    for m in re.finditer(r"(?<![\w'-])(" + "|".join(NUMW) + r")(?![\w'-])", t, re.I):
        cands.append((m, NUMW[m.group(1).lower()]))
    if not cands:
        return None
    m, rep = r.choice(cands)
    if m.group(0)[:1].isupper():
        rep = cap_first(rep)
    return t[:m.start()] + rep + t[m.end():]


CUR = {"£": ["GBP", "pounds"], "$": ["USD", "dollars"], "€": ["EUR", "euros"]}


def ne_currency_format(t, r):
    m = re.search(r"([£$€])\s?(\d+(?:[.,]\d+)?)", t)
    if m:
        style = r.randrange(2)  # one person writes every amount the same way
        return re.sub(r"([£$€])\s?(\d+(?:[.,]\d+)?)", lambda x: x.group(2) + " " + CUR[x.group(1)][style], t)
    m = re.search(r"(\d+(?:\.\d+)?)\s?(GBP|USD|EUR|pounds|dollars|euros)\b", t)
    if m:
        sym = {"GBP": "£", "pounds": "£", "USD": "$", "dollars": "$", "EUR": "€", "euros": "€"}[m.group(2)]
        return t[:m.start()] + sym + m.group(1) + t[m.end():]
    return None


def split_sents(t):
    return [s for s in re.split(r"(?<=[.!?])\s+(?=\S)", t.strip()) if s]


GREET_RX = re.compile(r"^\W*(hi|hello|hey|hiya|dear|good (morning|afternoon|evening)|thanks|thank you|cheers)\b", re.I)


def ne_sentence_reorder(t, r):
    ss = split_sents(t)
    if len(ss) < 2:
        return None
    i = r.randrange(len(ss) - 1)
    if GREET_RX.match(ss[i]) or GREET_RX.match(ss[i + 1]):
        return None  # greetings / thanks stay where they are
    a, b = ss[i], ss[i + 1]
    if not re.search(r"[.!?]$", b):
        b += "."
    ss[i], ss[i + 1] = cap_first(b), a
    o = " ".join(ss)
    return o if o != t else None


def ne_clause_reorder(t, r):
    m = re.match(r"^(If|When|After|Since|Before|While|Once)\s+([^,]{3,}),\s*(.+?)([?.!]*)\s*$", t)
    if m:
        main = m.group(3)
        return cap_first(main) + " " + m.group(1).lower() + " " + m.group(2) + (m.group(4) or "")
    m = re.match(r"^((?:What|How|Can|Could|Will|Do|Should|Is|Why|Where|Am) [^,?.!]{4,}?)\s+(if|when|after|before|once)\s+([^,?.!]{6,})([?.!]*)\s*$", t)
    if m and " and " not in m.group(1) and " or " not in m.group(1):
        return cap_first(m.group(2)) + " " + m.group(3) + ", " + decap_first(m.group(1)) + (m.group(4) or "")
    return None


NEAR_EDITS = {
    "typo_adjacent_key": (ne_typo_adjacent_key, 3.0),
    "typo_transpose": (ne_typo_transpose, 2.0),
    "typo_dropped_letter": (ne_typo_dropped_letter, 2.0),
    "typo_doubled_letter": (ne_typo_doubled_letter, 1.0),
    "common_misspelling": (ne_common_misspelling, 2.0),
    "homophone_confusion": (ne_homophone_confusion, 1.5),
    "drop_apostrophe": (ne_drop_apostrophe, 2.5),
    "contraction_change": (ne_contraction_change, 2.0),
    "texting_shorthand": (ne_texting_shorthand, 2.0),
    "greeting_prefix": (ne_greeting_prefix, 2.5),
    "resend_prefix": (ne_resend_prefix, 1.0),
    "pleasantry_suffix": (ne_pleasantry_suffix, 2.5),
    "add_please": (ne_add_please, 1.0),
    "drop_filler_word": (ne_drop_filler_word, 1.5),
    "drop_article": (ne_drop_article, 1.0),
    "repeated_word": (ne_repeated_word, 0.7),
    "missing_space": (ne_missing_space, 1.0),
    "spacing_hyphen_variant": (ne_spacing_hyphen_variant, 1.5),
    "casual_lowercase_nopunct": (ne_casual_lowercase_nopunct, 1.5),
    "phrase_swap": (ne_phrase_swap, 3.5),
    "regional_spelling": (ne_regional_spelling, 2.5),
    "digits_words": (ne_digits_words, 2.5),
    "currency_format": (ne_currency_format, 3.0),
    "sentence_reorder": (ne_sentence_reorder, 3.0),
    "clause_reorder": (ne_clause_reorder, 3.0),
}
# quota of rows whose FIRST (primary) edit is this type; the rest (500 - sum) are unconstrained
NEAR_QUOTA = {"typo_adjacent_key": 35, "typo_transpose": 25, "typo_dropped_letter": 25,
              "typo_doubled_letter": 12, "common_misspelling": 20, "homophone_confusion": 12,
              "drop_apostrophe": 25, "contraction_change": 25, "texting_shorthand": 25,
              "greeting_prefix": 30, "resend_prefix": 12, "pleasantry_suffix": 30, "add_please": 8,
              "drop_filler_word": 15, "drop_article": 10, "repeated_word": 8, "missing_space": 12,
              "spacing_hyphen_variant": 15, "phrase_swap": 45, "regional_spelling": 20,
              "digits_words": 20, "currency_format": 15, "sentence_reorder": 25, "clause_reorder": 20}
ORDER_EDITS = {"sentence_reorder", "clause_reorder"}
AFFIX_EDITS = {"greeting_prefix", "resend_prefix", "pleasantry_suffix"}
# edits that only touch case/punctuation cannot stand alone (the row would be an exact copy)
SURFACE_ONLY = {"casual_lowercase_nopunct"}

# ----------------------------------------------------------------------------
# HARD-NEGATIVE rules (different request / fact)
# ----------------------------------------------------------------------------
_NEG_KEEP = r"\b(anymore|any more|at all|yet|either|ever|no longer|unless|any)\b"
NEGATION = [("can't", "can"), ("cant", "can"), ("cannot", "can"), ("can not", "can"),
            ("didn't", "did"), ("didnt", "did"), ("did not", "did"), ("hasn't", "has"),
            ("hasnt", "has"), ("has not", "has"), ("haven't", "have"), ("havent", "have"),
            ("have not", "have"), ("isn't", "is"), ("isnt", "is"), ("is not", "is"),
            ("wasn't", "was"), ("was not", "was"), ("won't", "will"), ("wont", "will"),
            ("will not", "will"), ("doesn't", "does"), ("doesnt", "does"), ("does not", "does"),
            ("don't", "do"), ("dont", "do"), ("do not", "do"), ("aren't", "are"),
            ("weren't", "were"), ("couldn't", "could"), ("wouldn't", "would"),
            ("has been", "has not been", r"\bnot\b|n't"), ("have been", "have not been", r"\bnot\b|n't"), ("was", "wasn't"),
            ("will", "won't", r"^\W*(how|when|where|what|will|which|why|who)\b|\bwill (I|you|it|my|the|this|there|they|we)\b|will take"),
            ("I received", "I didn't receive"), ("I got", "I didn't get", r"I got (to|a new|married)"),
            ("I made", "I didn't make"), ("I have a", "I don't have a"), ("I have an", "I don't have an"),
            ("I have my", "I don't have my"), ("I have money", "I don't have money"), ("is working", "is not working"),
            ("works", "doesn't work"), ("did", "didn't", r"\bdid (this|that|it|so)\b|\bI did\b|^\W*(where|what|when|how|which|who)\b")]

# removing a negation next to "yet"/"anymore"/"at all" gives nonsense ("has arrived yet")
NEGATION = [(p[0], p[1], p[2] if len(p) > 2 else _NEG_KEEP)
            if ("n't" in p[0] or "nt" == p[0][-2:] or " not" in p[0] or p[0] == "cannot") and "n't" not in p[1] and " not" not in p[1]
            else p for p in NEGATION]
NEGATION = [(p[0], p[1], p[2] + "|" + _NEG_KEEP) if len(p) > 2 and p[2] != _NEG_KEEP and "n't" not in p[1] and " not" not in p[1] else p
            for p in NEGATION]
NEGATION = [("was", "wasn't", r"\b(when|while|as|since|if) (I|we|it|he|she) was\b|^\W*(what|where|how|who|which|when) was\b|was wondering")
            if p[0] == "was" else p for p in NEGATION]
OPPOSITE = pairs_both([("activate", "deactivate"), ("activated", "deactivated"),
                       ("freeze", "unfreeze"), ("frozen", "unfrozen"), ("lock", "unlock"),
                       ("locked", "unlocked"), ("block", "unblock"), ("blocked", "unblocked"),
                       ("enable", "disable"), ("add", "remove"), ("added", "removed"),
                       ("increase", "decrease"), ("deposited", "withdrew"),
                       ("a deposit", "a withdrawal"), ("the deposit", "the withdrawal"), ("my deposit", "my withdrawal"),
                       ("sending", "receiving"),
                       ("incoming", "outgoing"), ("accepted", "declined"), ("approved", "rejected"),
                       ("open", "close"), ("opened", "closed"), ("start", "stop"),
                       ("upgrade", "downgrade"), ("buy", "sell"), ("bought", "sold"),
                       ("charged", "refunded"), ("before", "after"), ("more", "less"),
                       ("higher", "lower"), ("maximum", "minimum"), ("max", "min"),
                       ("first", "last"), ("link", "unlink"), ("log in", "log out"),
                       ("turn on", "turn off"), ("early", "late"), ("accept", "reject"),
                       ("pending", "completed"), ("withdrawal", "deposit"),
                       ("withdrawals", "deposits"), ("cheaper", "more expensive"),
                       ("faster", "slower"), ("allowed", "not allowed")])
OPPOSITE = [p for p in OPPOSITE if p[0] not in ("not allowed",)]
OPPOSITE += [("deposit", "withdraw", r"\b(a|the|cash|cheque|check|my|this|that|any) deposit\b"),
             ("withdraw", "deposit", r"\b(cash|money|funds)\b"),
             ("send", "receive", r"\bsend\b[^.?!]{0,40}\bto\b"), ("receive", "send", r"\breceive\b[^.?!]{0,40}\bfrom\b"),
             ("sent", "received", r"\bsent\b[^.?!]{0,40}\bto\b"), ("received", "sent", r"\breceived\b[^.?!]{0,40}\bfrom\b"),
             ("declined", "accepted"), ("rejected", "approved"), ("reverted", "completed"),
             ("refund", "charge", r"\b(a|my) refund"), ("lost", "found"), ("stolen", "found")]

PRODUCT = pairs_both([("credit card", "debit card"), ("Visa", "Mastercard"),
                      ("virtual card", "physical card"), ("disposable card", "physical card"),
                      ("Apple Pay", "Google Pay"), ("bank transfer", "card payment"),
                      ("direct debit", "standing order"), ("contactless", "chip and PIN"),
                      ("savings account", "current account"), ("American Express", "Visa")])
PRODUCT += [("disposable", "permanent"), ("virtual", "physical"), ("physical", "virtual"),
            ("a cheque", "cash"), ("cheque", "cash", r"\ba cheque"), ("crypto", "stocks"), ("cryptocurrency", "stocks"),
            ("debit", "credit", r"direct debit"), ("credit", "debit", r"\bcredit (score|check)"),
            ("Apple", "Samsung"), ("Android", "iPhone"), ("iPhone", "Android"),
            ("mastercard", "Visa"), ("visa", "Mastercard", r"\bvisa\b.*\b(travel|passport)")]

CHANNEL = [("in the app", "on the website"), ("on the app", "on the website"), ("the app", "the website"),
           ("app", "website"), ("website", "app"), ("online", "in store"), ("in store", "online"),
           ("in a shop", "online"), ("email", "text message"), ("text message", "email"),
           ("SMS", "email"), ("by phone", "by email"), ("over the phone", "by email"),
           ("ATM", "bank branch"), ("cash machine", "bank branch"), ("branch", "ATM"),
           ("post office", "ATM"), ("phone", "laptop", r"phone number|by phone|over the phone|phone call"),
           ("Western Union", "PayPal"), ("PayPal", "Western Union"), ("mail", "email", r"e-?mail")]

_NAT_D = r"\b(US|American|Australian|Canadian|Singapore|Hong Kong|NZ|New Zealand)\s+dollars?"
_NAT_P = r"\b(British|UK|English|sterling)\s+pounds?"
CURRENCY = [("dollars", "euros", _NAT_D), ("dollar", "euro", _NAT_D), ("euros", "pounds"), ("euro", "pound"),
            ("pounds", "dollars", _NAT_P), ("pound", "dollar", _NAT_P), ("British pounds", "euros"),
            ("UK pound", "euro"), ("Australian dollars", "US dollars"), ("USD", "EUR"), ("EUR", "GBP"),
            ("GBP", "USD"), ("yen", "rupees"), ("rupees", "yen"), ("Euros", "Pounds"),
            ("Euro", "Pound"), ("sterling", "euros"), ("bitcoin", "ethereum"),
            ("US dollars", "Canadian dollars"), ("Canadian dollars", "US dollars"),
            ("pesos", "euros"), ("francs", "euros")]

COUNTRY = [("US", "UK"), ("UK", "US"), ("USA", "Canada"), ("America", "Europe"),
           ("Europe", "Asia"), ("China", "Japan"), ("Spain", "Italy"), ("France", "Germany"),
           ("Germany", "France"), ("Italy", "Spain"), ("England", "Scotland"),
           ("abroad", "in my home country"), ("overseas", "domestically"), ("international", "domestic"),
           ("domestic", "international"), ("foreign", "local"), ("EU", "UK"), ("Mexico", "Brazil"),
           ("Canada", "Mexico"), ("India", "Thailand"), ("London", "Paris"), ("Australia", "New Zealand"),
           ("Portugal", "Greece"), ("Russia", "Ukraine"), ("Switzerland", "Austria"),
           ("Japan", "China"), ("Thailand", "Vietnam"), ("Turkey", "Egypt"), ("Ireland", "Wales"),
           ("European", "Asian"), ("another country", "my home country"), ("Hong Kong", "Singapore")]

TIMEW = [("day", "week"), ("days", "weeks"), ("week", "month"), ("weeks", "months"),
         ("month", "year"), ("months", "years"), ("hour", "day"), ("hours", "days"),
         ("minutes", "hours"), ("today", "yesterday"), ("yesterday", "last week"),
         ("tomorrow", "next week"), ("morning", "evening"), ("Monday", "Friday"),
         ("Tuesday", "Thursday"), ("Wednesday", "Saturday"), ("Thursday", "Sunday"),
         ("Friday", "Monday"), ("Saturday", "Tuesday"), ("Sunday", "Wednesday"),
         ("weekend", "weekday"), ("daily", "monthly"), ("monthly", "yearly"),
         ("annual", "monthly"), ("overnight", "next week"), ("January", "June"),
         ("March", "October"), ("recently", "a year ago"), ("last night", "last month"),
         ("an hour ago", "a month ago")]

NUMWORD_NEG = [("two", "three"), ("three", "five"), ("four", "six"), ("five", "eight"),
               ("six", "nine"), ("seven", "ten"), ("ten", "twenty"), ("twice", "three times"),
               ("once", "twice"), ("a few", "many"), ("several", "dozens of"),
               ("double", "triple"), ("half", "a quarter")]

PERSON = [("my friend", "my landlord"), ("friend", "colleague"), ("my husband", "my wife"),
          ("my wife", "my husband"), ("my son", "my daughter"), ("my daughter", "my son"),
          ("my mother", "my father"), ("my mom", "my dad"), ("my mum", "my dad"),
          ("my dad", "my mom"), ("my father", "my mother"), ("my partner", "my employer"),
          ("my child", "my grandmother"), ("my children", "my parents"), ("my kids", "my parents"),
          ("my brother", "my sister"), ("my sister", "my brother"), ("someone else", "my wife"),
          ("my family", "my employer"), ("my boss", "my tenant"), ("relative", "stranger"),
          ("family member", "stranger"), ("my card", "my son's card"), ("my account", "my wife's account"),
          ("my phone", "my daughter's phone"), ("my PIN", "my husband's PIN")]

KEYNOUN = [("PIN", "password"), ("password", "PIN"), ("passcode", "PIN"),
           ("exchange rate", "transfer fee"), ("transfer fee", "exchange rate"),
           ("limit", "fee", r"\bfee\b|\bcharge"), ("limits", "fees", r"\bfees?\b"),
           ("fees", "limits", r"charged|\blimits?\b"), ("fee", "limit", r"charged|\b(a|the) fee\b.*\bfor\b|\blimit"),
           ("address", "phone number"), ("phone number", "home address"), ("email address", "home address"),
           ("name", "address", r"\baddress"), ("statement", "balance", r"\bbalance"),
           ("balance", "statement", r"\bstatement"), ("refund", "replacement", r"replacement"),
           ("replacement", "refund"), ("new card", "new PIN"), ("new PIN", "new card"),
           ("passport", "driving licence"), ("driver's license", "passport"),
           ("top-up", "transfer", r"\btransfer"), ("top up", "transfer", r"\btransfer"),
           ("transfer", "top-up", r"top.?up"), ("transfers", "top-ups", r"top.?up"),
           ("withdrawal", "transfer", r"\btransfer"), ("salary", "pension"), ("deposit cash", "deposit a cheque"), ("with cash", "with a cheque"),
           ("in cash", "by cheque"), ("cash deposit", "cheque deposit"), ("by cash", "by cheque"),
           ("cashback", "interest"), ("interest", "cashback"), ("my card", "my PIN", r"\bpin\b|card (payment|number|details)|top.?up|(arrive|deliver|track|order|ship|mail|post|came|come|receive|got|get)"),
           ("account", "card", r"\bcard\b|top.?up"), ("fingerprint", "face ID"),
           ("beneficiary", "payee"), ("payee", "beneficiary"), ("stolen", "damaged"), ("expired", "stolen"),
           ("damaged", "stolen"), ("broken", "stolen"), ("declined", "delayed"), ("delayed", "declined")]


def ng_amount(t, r):
    ms = list(re.finditer(r"(?<![\w.])(\d{1,7})((?:[.,]\d+)?)(?![\w])", t))
    if not ms:
        return None
    m = r.choice(ms)
    n = int(m.group(1))
    choices = [n * 10, n + 1 if n > 0 else 3, n * 2 if n > 1 else 5, max(1, n // 2) if n > 3 else n + 7]
    choices = [c for c in choices if c != n]
    c = r.choice(choices)
    return t[:m.start()] + str(c) + m.group(2) + t[m.end():]


def ng_amount_or_count(t, r):
    o = ng_amount(t, r) if r.random() < 0.8 else None
    return o or try_pairs(t, NUMWORD_NEG, r) or ng_amount(t, r)


CUR_WORD = {"£": ("pound", "pounds"), "$": ("dollar", "dollars"), "€": ("euro", "euros")}


def _symbol_swap(t, r):
    # "$20" -> "20 euros": a plain symbol swap ("$20" -> "€20") would vanish once punctuation is stripped
    ms = list(re.finditer(r"([£$€])\s?(\d+(?:[.,]\d+)?)|(\d+(?:[.,]\d+)?)\s?([£€])", t))
    if not ms:
        return None
    m = r.choice(ms)
    sym = m.group(1) or m.group(4)
    amt = m.group(2) or m.group(3)
    other = r.choice([s for s in "£$€" if s != sym])
    word = CUR_WORD[other][0 if amt in ("1", "1.00") else 1]
    return t[:m.start()] + amt + " " + word + t[m.end():]


def ng_currency(t, r):
    if r.random() < 0.5:
        o = _symbol_swap(t, r)
        if o:
            return o
    return try_pairs(t, CURRENCY, r) or _symbol_swap(t, r)


NEG_RULES = {
    "negation_flip": (lambda t, r: try_pairs(t, NEGATION, r), 3.0),
    "opposite_action": (lambda t, r: try_pairs(t, OPPOSITE, r), 3.0),
    "product_swap": (lambda t, r: try_pairs(t, PRODUCT, r), 2.0),
    "channel_swap": (lambda t, r: try_pairs(t, CHANNEL, r), 2.0),
    "currency_swap": (ng_currency, 3.0),
    "country_swap": (lambda t, r: try_pairs(t, COUNTRY, r), 3.0),
    "time_change": (lambda t, r: try_pairs(t, TIMEW, r), 2.5),
    "amount_or_count_change": (ng_amount_or_count, 3.0),
    "person_swap": (lambda t, r: try_pairs(t, PERSON, r), 2.0),
    "key_noun_swap": (lambda t, r: try_pairs(t, KEYNOUN, r), 2.5),
}
NEG_COSMETIC_P = 0.2
NEG_QUOTA = {"negation_flip": 50, "opposite_action": 45, "key_noun_swap": 45, "product_swap": 25,
             "channel_swap": 25, "currency_swap": 20, "country_swap": 25, "time_change": 25,
             "amount_or_count_change": 25, "person_swap": 15}
assert sum(NEG_QUOTA.values()) == 300
NEG_COSMETIC = ["greeting_prefix", "pleasantry_suffix", "casual_lowercase_nopunct", "drop_apostrophe"]


# ----------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------
def weighted_pick(r, items, weights):
    tot = sum(weights)
    x = r.random() * tot
    for it, w in zip(items, weights):
        x -= w
        if x <= 0:
            return it
    return items[-1]


RARE_RX = re.compile(r"\d|[£$€]|\b(dollars?|euros?|pounds?|USD|EUR|GBP|yen|US|UK|USA|EU|America|Europe|"
                    r"China|Spain|France|Germany|Italy|Mexico|Canada|India|abroad|overseas|international)\b|"
                    r"^(If|When|After|Before|Once|Since)\b|\b(colour|cancelled|authori[sz]e|recogni[sz]e|travell?ing|"
                    r"cheque|centre|licence|two|three|four|five|six|seven|ten)\b")


def main():
    with open(SRC, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    train_norms = set()
    for row in rows:
        train_norms |= norm_keys(row["text"])

    # ---- originals -------------------------------------------------------
    pool = []
    seen = set()
    for row in rows:
        t = " ".join(row["text"].replace("\xa0", " ").split())  # single-line, single-spaced
        nw = len(t.split())
        if not (MIN_WORDS <= nw <= MAX_WORDS):
            continue
        if norm(t) in seen:
            continue
        seen.add(norm(t))
        pool.append((t, row["category"]))
    rng.shuffle(pool)
    # rare phenomena (numbers, money, places, conditional clauses) go first so the
    # amount/currency/country rules and digit/currency/clause edits have material
    # (capped at RARE_PRIORITY texts so the originals stay close to the natural mix)
    rare_ids = [k for k, x in enumerate(pool) if RARE_RX.search(x[0])][:RARE_PRIORITY]
    first = set(rare_ids)
    pool = [pool[k] for k in rare_ids] + [x for k, x in enumerate(pool) if k not in first]
    originals, ofeats, rejected = [], [], 0
    for t, cat in pool:
        f = feats(t)
        if any(natural_dup(f, g) for g in ofeats):
            rejected += 1
            continue
        originals.append((t, cat))
        ofeats.append(f)
        if len(originals) == N_ORIG:
            break
    assert len(originals) == N_ORIG, len(originals)

    def clashes_other(text, src_idx):
        f = feats(text)
        for j, g in enumerate(ofeats):
            if j != src_idx and natural_dup(f, g):
                return True
        return False

    order = list(range(N_ORIG))
    rng.shuffle(order)
    used_src = set()
    planted = []  # (src_idx, kind, text, edits)
    planted_norms = set()

    # ---- hard negatives (quota per rule; scarcest rule picks its sources first) ----
    def neg_try(i, rule):
        t = originals[i][0]
        for attempt in range(6):
            out = NEG_RULES[rule][0](t, rng)
            if not out:
                return None
            out = tidy(out) if ("  " in out or " ," in out) else out
            edits = [rule]
            if rng.random() < NEG_COSMETIC_P:
                cos = rng.choice(NEG_COSMETIC)
                o2 = NEAR_EDITS[cos][0](out, rng)
                if o2:
                    out, edits = o2, edits + [cos]
            ks = norm_keys(out)
            if ks & norm_keys(t) or ks & train_norms:
                continue
            if ks & planted_norms or clashes_other(out, i):
                continue
            return out, edits
        return None

    def applicable(fn, t):
        return fn(t, random.Random(0)) is not None

    neg_count = Counter()
    avail = {n: [i for i in order if applicable(NEG_RULES[n][0], originals[i][0])] for n in NEG_RULES}
    for rule in sorted(NEG_QUOTA, key=lambda n: (len(avail[n]), n)):
        for i in avail[rule]:
            if neg_count[rule] >= NEG_QUOTA[rule]:
                break
            if i in used_src:
                continue
            res = neg_try(i, rule)
            if res:
                used_src.add(i)
                neg_count[rule] += 1
                planted.append((i, "negative", res[0], res[1]))
                planted_norms.update(norm_keys(res[0]))
    # top up any shortfall with whichever rule applies
    for i in order:
        if sum(neg_count.values()) >= N_NEG:
            break
        if i in used_src:
            continue
        for rule in sorted(NEG_RULES, key=lambda n: neg_count[n] / NEG_QUOTA[n]):
            res = neg_try(i, rule) if applicable(NEG_RULES[rule][0], originals[i][0]) else None
            if res:
                used_src.add(i)
                neg_count[rule] += 1
                planted.append((i, "negative", res[0], res[1]))
                planted_norms.update(norm_keys(res[0]))
                break
    assert sum(neg_count.values()) == N_NEG, neg_count

    # ---- near copies: a quota for each edit type as the row's primary edit, plus 0-2 extra edits ----
    near_count, near_primary = Counter(), Counter()
    kdist = [1] * 45 + [2] * 40 + [3] * 15

    def near_try(i, primary):
        t = originals[i][0]
        for attempt in range(15):
            k = rng.choice(kdist)
            cur, edits = t, []
            if primary:
                out = NEAR_EDITS[primary][0](cur, rng)
                if not out or out == cur:
                    return None
                cur, edits = out, [primary]
            tried = set()
            while len(edits) < k:
                cand = [n for n in NEAR_EDITS if n not in edits and n not in tried]
                if not cand:
                    break
                w = [NEAR_EDITS[n][1] for n in cand]
                name = weighted_pick(rng, cand, w)
                tried.add(name)
                if name in SURFACE_ONLY and len(edits) < k - 1:
                    continue  # case/punct-only edit goes last
                if name in ORDER_EDITS and set(edits) & (SURFACE_ONLY | AFFIX_EDITS):
                    continue  # reorder the real content, not the added greeting/thanks
                out = NEAR_EDITS[name][0](cur, rng)
                if out and out != cur:
                    cur, edits = out, edits + [name]
            if not edits or all(e in SURFACE_ONLY for e in edits):
                continue
            ks = norm_keys(cur)
            if ks & norm_keys(t):
                continue  # would be an exact copy under aggressive normalisation
            if ks & train_norms:
                continue  # coincides with some other real query
            if ks & planted_norms or clashes_other(cur, i):
                continue
            return cur, edits
        return None

    def add_near(i, res):
        used_src.add(i)
        near_primary[res[1][0]] += 1
        for e in res[1]:
            near_count[e] += 1
        planted.append((i, "near", res[0], res[1]))
        planted_norms.update(norm_keys(res[0]))

    navail = {n: [i for i in order if i not in used_src and applicable(NEAR_EDITS[n][0], originals[i][0])]
              for n in NEAR_QUOTA}
    for prim in sorted(NEAR_QUOTA, key=lambda n: (len(navail[n]), n)):
        for i in navail[prim]:
            if near_primary[prim] >= NEAR_QUOTA[prim]:
                break
            if i in used_src:
                continue
            res = near_try(i, prim)
            if res:
                add_near(i, res)
    for i in order:
        if sum(near_primary.values()) >= N_NEAR:
            break
        if i in used_src:
            continue
        res = near_try(i, None)
        if res:
            add_near(i, res)
    n_near = sum(near_primary.values())
    assert n_near == N_NEAR, n_near

    # ---- exact copies ----------------------------------------------------
    ex_count = Counter()
    n_ex = 0
    for i in order:
        if n_ex >= N_EXACT:
            break
        if i in used_src:
            continue
        t = originals[i][0]
        if rng.random() < 0.25:
            out, edits = t, ["verbatim"]
        else:
            k = rng.choice([1, 1, 2])
            names = list(EXACT_EDITS)
            out, edits = t, []
            for _ in range(10):
                if len(edits) >= k:
                    break
                avail = [n for n in names if n not in edits]
                # don't stack case edits on top of each other
                if set(edits) & {"lowercase", "all_caps", "first_letter_case"}:
                    avail = [n for n in avail if n not in ("lowercase", "all_caps", "first_letter_case")]
                if set(edits) & {"strip_trailing_punct", "add_trailing_punct", "swap_trailing_punct"}:
                    avail = [n for n in avail if n not in ("strip_trailing_punct", "add_trailing_punct", "swap_trailing_punct")]
                if not avail:
                    break
                name = weighted_pick(rng, avail, [EXACT_W[n] for n in avail])
                o = EXACT_EDITS[name](out, rng)
                if o is not None and o != out:
                    out, edits = o, edits + [name]
            if not edits:
                out, edits = t, ["verbatim"]
        assert exact_key(out) == exact_key(t), (t, out)
        used_src.add(i)
        n_ex += 1
        for e in edits:
            ex_count[e] += 1
        planted.append((i, "exact", out, edits))
    assert n_ex == N_EXACT

    # ---- ordering: originals shuffled, each planted row placed later than its source
    keyed = []
    for pos in range(N_ORIG):
        keyed.append((float(pos), 0, ("original", pos)))
    for p in planted:
        src = p[0]
        key = rng.uniform(src + 0.01, N_ORIG + 50)
        keyed.append((key, 1, ("planted", p)))
    keyed.sort(key=lambda x: (x[0], x[1]))
    records, orig_id = [], {}
    for n, (_, _, (typ, obj)) in enumerate(keyed):
        rid = "c%05d" % n
        if typ == "original":
            orig_id[obj] = rid
            records.append({"id": rid, "text": originals[obj][0], "kind": "original",
                            "source_id": "", "edits": []})
        else:
            src, kind, text, edits = obj
            records.append({"id": rid, "text": text, "kind": kind,
                            "source_id": orig_id[src], "edits": edits})

    # ---- verification ----------------------------------------------------
    kinds = Counter(r_["kind"] for r_ in records)
    assert kinds == {"original": N_ORIG, "exact": N_EXACT, "near": N_NEAR, "negative": N_NEG}, kinds
    ids = [r_["id"] for r_ in records]
    assert len(set(ids)) == len(ids)
    assert ids == ["c%05d" % n for n in range(len(ids))]
    pos = {r_["id"]: n for n, r_ in enumerate(records)}
    srcs = Counter()
    for n, r_ in enumerate(records):
        if r_["kind"] == "original":
            assert r_["source_id"] == "" and r_["edits"] == []
        else:
            s = r_["source_id"]
            assert s in pos and pos[s] < n and records[pos[s]]["kind"] == "original"
            assert r_["edits"]
            srcs[s] += 1
    assert max(srcs.values()) == 1
    byid = {r_["id"]: r_ for r_ in records}
    for r_ in records:
        if r_["kind"] == "negative":
            assert not (norm_keys(r_["text"]) & train_norms)
        if r_["kind"] == "exact":
            assert exact_key(r_["text"]) == exact_key(byid[r_["source_id"]]["text"])
        if r_["kind"] in ("near", "negative"):
            assert not (norm_keys(r_["text"]) & norm_keys(byid[r_["source_id"]]["text"]))
    # originals pairwise screen (full re-check)
    for a in range(N_ORIG):
        for b in range(a + 1, N_ORIG):
            assert not natural_dup(ofeats[a], ofeats[b])

    with open(OUT, "w", encoding="utf-8") as f:
        for r_ in records:
            f.write(json.dumps(r_, ensure_ascii=False) + "\n")

    stats = {"pool": len(pool), "screen_rejected": rejected, "kinds": dict(kinds),
             "exact_edits": dict(ex_count), "near_edits": dict(near_count),
             "near_primary_edit": dict(near_primary),
             "originals_matching_rare_priority": sum(1 for t, _ in originals if RARE_RX.search(t)),
             "near_edits_per_row": dict(Counter(len(r_["edits"]) for r_ in records if r_["kind"] == "near")),
             "negative_rules": dict(neg_count),
             "negative_with_cosmetic": dict(Counter(r_["edits"][1] for r_ in records
                                                    if r_["kind"] == "negative" and len(r_["edits"]) > 1))}
    with open(os.path.join(OUT_DIR, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1, sort_keys=True)
    print(json.dumps(stats, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
