#!/usr/bin/env python3
"""Generator for the blind short-message near-duplicate test set "outside-short-g".

Standard library only.  `python3 make.py` writes near_dups_short7.jsonl and
stats.json next to this file; `python3 make.py --out DIR` writes them to DIR.

Input: the BANKING77 training split (CC BY 4.0, Casanueva et al. 2020, PolyAI),
read from /work/shared/data/banking77/train.csv (override with --train).

The output is fully determined by SEED and the input file.
"""
import argparse
import collections
import csv
import difflib
import json
import os
import random
import re
import sys

SEED = 5318008
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TRAIN = "/work/shared/data/banking77/train.csv"
OUT_NAME = "near_dups_short7.jsonl"
STATS_NAME = "stats.json"

N_ORIG, N_EXACT, N_NEAR, N_NEG = 2000, 150, 500, 300
SOON_MAX = 40
MIN_WORDS, MAX_WORDS = 3, 25
SURVIVAL_MIN = 0.6
NEG_MAX_TOKENS = 6

# ---------------------------------------------------------------------------
# text basics
# ---------------------------------------------------------------------------
APOS_RE = re.compile("['\u2019\u2018`\u02bc]")
NONALNUM_RE = re.compile(r"[\W_]+")


def collapse(s):
    return re.sub(r"\s+", " ", s).strip()


def norm(s):
    s = APOS_RE.sub("", s.lower())
    return NONALNUM_RE.sub(" ", s).strip()


def toks(s):
    return norm(s).split()


STOP = frozenset("""
a an the i me my mine myself you your yours u ur we our he she it its they them
their this that these those is am are was were be been being have has had having
do does did doing will would shall should can could may might must to of in on at
by for with from into onto about as and or but if so than then there here what
whats which who whom whose when where wheres why how hows all any some such only
own too very just also again still yet even ever already now up out off over
please pls plz kindly hi hello hey thanks thank ok okay im ive id ill youre thats
theres lets want wanted wants need needs needed like know tell let get got getting
gets gotten possible able way going wondering help s t m d ll ve re not no dont
doesnt didnt cant cannot wont isnt arent wasnt werent havent hasnt hadnt couldnt
wouldnt shouldnt never make made making
""".split())

NEG = frozenset("""
not no never nothing none nobody nowhere neither nor cannot without unable dont
doesnt didnt cant wont isnt arent wasnt werent havent hasnt hadnt couldnt wouldnt
shouldnt aint mustnt neednt
""".split())

CURRENCY_CHARS = "$\u00a3\u20ac\u00a5\u20b9\u20a9\u20bd\u00a2"

COUNTRIES = """
spain france germany italy china japan india canada mexico australia ireland
scotland wales portugal netherlands holland belgium switzerland sweden norway
denmark finland poland russia brazil argentina turkey greece thailand singapore
egypt nigeria kenya austria hungary romania ukraine vietnam indonesia philippines
pakistan bangladesh morocco colombia peru chile croatia israel korea malaysia
""".split()
NATIONALITIES = """
spanish french german italian chinese japanese indian canadian mexican australian
irish scottish welsh portuguese dutch belgian swiss swedish norwegian danish
finnish polish russian brazilian turkish greek thai egyptian nigerian
""".split()

FLIP = frozenset("""
deposit deposits deposited depositing withdraw withdraws withdrew withdrawn
withdrawal withdrawals withdrawing debit debits debited credit credits credited
send sends sent sending sender receive receives received receiving recipient
recipients incoming outgoing buy buys bought buying sell sells sold selling
charge charges charged charging refund refunds refunded
uk us usa eu europe european america american britain british england
euro euros eur dollar dollars usd pound pounds gbp sterling yen rupees
day days daily week weeks weekly weekend month months monthly year years yearly
annual annually hour hours hourly minute minutes today tomorrow yesterday tonight
physical virtual disposable visa mastercard apple google
activate activated deactivate deactivated block blocked unblock unblocked freeze
frozen froze unfreeze unfrozen lock locked unlock unlocked enable enabled disable
disabled open opened close closed closing opening decline declined accept accepted
approved rejected increase increased decrease decreased higher lower more less
maximum minimum max min highest lowest twice once fee fees limit limits rate rates
pin passcode before after correct wrong incorrect domestic international abroad
locally local foreign start started stop stopped add added remove removed same
different old new lost found expensive cheap early late son daughter child children kid kids
partner husband wife friend friends mum mom dad mother father parent parents
brother sister
sons daughters childs husbands wifes partners mums moms dads brothers sisters flatmate
flatmates mothers fathers
""".split() + COUNTRIES + NATIONALITIES)
FLIP_CANON = {"incorrect": "wrong", "mom": "mum"}

WH = frozenset("what which who whom whose when where why how".split())
RELATION = frozenset("""son daughter child children kid kids partner husband wife
friend friends mum mom dad mother father parent parents brother sister""".split())


def neg_count(s):
    return sum(1 for t in toks(s) if t in NEG)


def digit_runs(s):
    return sorted(re.findall(r"\d+", s))


def currency_syms(s):
    return sorted(c for c in s if c in CURRENCY_CHARS)


def flip_set(s):
    return sorted({FLIP_CANON.get(t, t) for t in toks(s) if t in FLIP})


def flip_multiset(s):
    return sorted(FLIP_CANON.get(t, t) for t in toks(s) if t in FLIP)


def signature(s):
    tt = toks(s)
    return (flip_multiset(s), neg_count(s), digit_runs(s), currency_syms(s),
            sorted(t for t in tt if t in WH))


def word_set(s):
    return frozenset(toks(s))


def char4(n):
    return frozenset(n[i:i + 4] for i in range(max(1, len(n) - 3)))


def jaccard(a, b):
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


# stemming + canonical forms for the "same request reworded" screen
SCREEN_CANON = {
    "overseas": "abroad", "foreign": "abroad", "incorrect": "wrong",
    "purchase": "buy", "bought": "buy", "purchased": "buy", "buying": "buy",
    "purchasing": "buy", "purchases": "buy", "issue": "problem",
    "issues": "problem", "problems": "problem", "funds": "money", "cash": "money",
    "received": "receive", "receiving": "receive", "receives": "receive",
    "arrive": "come", "arrived": "come", "arriving": "come", "arrives": "come",
    "came": "come", "coming": "come", "withdrawal": "withdraw",
    "withdrew": "withdraw", "withdrawn": "withdraw", "withdrawing": "withdraw",
    "withdrawals": "withdraw", "machine": "atm", "machines": "atm", "atms": "atm",
}


def stem(w):
    if w in SCREEN_CANON:
        return SCREEN_CANON[w]
    if len(w) > 4 and w.endswith(("ies", "ied")):
        w = w[:-3] + "y"
    elif len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
    elif len(w) > 4 and w.endswith("es"):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


def content_stems(n):
    return frozenset(stem(w) for w in n.split() if w not in STOP)


def same_request(cat_a, sa, cat_b, sb):
    """Semantic screen: obviously the same request reworded."""
    i = len(sa & sb)
    if cat_a == cat_b and sa and sb:
        if sa == sb:
            return True
        if i >= 2 and 2 * i >= max(len(sa), len(sb)):
            return True
        if i >= 3 and 4 * i >= 3 * min(len(sa), len(sb)):
            return True
    if i >= 3 and 5 * i >= 3 * (len(sa) + len(sb) - i):
        return True
    return False


# content-word survival for near duplicates
EQUIV_GROUPS = [
    "problem issue", "problems issues", "wrong incorrect", "buy purchase",
    "bought purchased", "buying purchasing", "help assist assistance",
    "strange weird odd unusual", "fix sort", "change modify alter update",
    "explain clarify", "noticed saw spotted", "notice see", "seems looks",
    "money funds", "need require", "needed required", "find locate",
    "tell inform", "error mistake", "big large huge", "anyone anybody",
    "someone somebody", "everyone everybody", "arrive come", "arrived come came",
    "cost price", "account acct acc", "information info", "please pls plz",
    "thanks thx", "you u", "your ur", "are r", "because bc cuz", "why y",
    "application app", "message msg", "something smth sth", "really rly",
    "people ppl", "about abt", "through thru", "though tho",
    "transaction txn", "transactions txns", "mobile cell", "post mail",
    "postcode zip", "holiday vacation", "flat apartment", "atm cashpoint",
    "shop store", "shops stores", "whilst while", "surname last",
    "current checking", "parcel package", "ring call", "immediately right",
    "obtain get", "utilise use", "utilize use", "request ask", "discover find",
    "minimum min", "maximum max", "approximately about", "okay ok",
    "identity identify", "payment pavement", "currency currently", "transfer xfer",
    "tomorrow tmrw", "address addy", "kindly please", "documents docs",
    "verification verify", "happened happen",
]
EQUIV = collections.defaultdict(set)
for _g in EQUIV_GROUPS:
    _ws = _g.split()
    for _w in _ws:
        EQUIV[_w].update(x for x in _ws if x != _w)


def dl_distance(a, b):
    la, lb = len(a), len(b)
    d = [[0] * (lb + 1) for _ in range(la + 1)]
    for i in range(la + 1):
        d[i][0] = i
    for j in range(lb + 1):
        d[0][j] = j
    for i in range(1, la + 1):
        for j in range(1, lb + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[la][lb]


def is_subseq(short, long_):
    it = iter(long_)
    return all(c in it for c in short)


def word_survives(w, near_tokens, near_set, joined_pairs):
    if w in near_set:
        return True
    if EQUIV.get(w, set()) & near_set:
        return True
    lim = 1 if len(w) <= 5 else 2
    for t in near_set:
        if len(t) >= 2 and abs(len(t) - len(w)) <= lim and dl_distance(t, w) <= lim:
            return True
        if len(w) >= 3 and len(t) > len(w) and w in t:
            return True
        if (len(t) >= 3 and t[0] == w[0] and len(t) < len(w)
                and 3 * len(t) >= len(w) and is_subseq(t, w)):
            return True
    if w in joined_pairs:
        return True
    return False


def survival(src, near):
    cw = [t for t in toks(src) if t not in STOP]
    if not cw:
        return 1.0
    nt = toks(near)
    ns = set(nt)
    joined = {nt[i] + nt[i + 1] for i in range(len(nt) - 1)}
    ok = sum(1 for w in cw if word_survives(w, nt, ns, joined))
    return ok / len(cw)


def token_change(a, b):
    ta, tb = toks(a), toks(b)
    sm = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in sm.get_opcodes()
               if tag != "equal")


def surface_key(s):
    """What is left after case, apostrophe, whitespace and final punctuation."""
    s = APOS_RE.sub("", s.lower())
    s = re.sub(r"\s+", "", s)
    return s.rstrip(".?!")


# ---------------------------------------------------------------------------
# original selection
# ---------------------------------------------------------------------------
def load_train(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return [(r["text"], r["category"]) for r in csv.DictReader(fh)]


def select_originals(train, rng):
    cands = []
    seen = set()
    for text, cat in train:
        t = collapse(text)
        n = norm(t)
        if not (MIN_WORDS <= len(t.split()) <= MAX_WORDS) or not n or n in seen:
            continue
        seen.add(n)
        cands.append({"text": t, "cat": cat, "n": n, "w": frozenset(n.split()),
                      "g": char4(n), "c": content_stems(n)})
    N = len(cands)
    adj = [set() for _ in range(N)]

    def add_edge(i, j):
        if i != j:
            adj[i].add(j)
            adj[j].add(i)

    def to_bits(sets):
        vocab, out = {}, []
        for s in sets:
            v = 0
            for x in sorted(s):
                if x not in vocab:
                    vocab[x] = len(vocab)
                v |= 1 << vocab[x]
            out.append(v)
        return out

    def jaccard_join(sets, num, den, min_inter=0):
        # prefix-filtered all-pairs join: edge when |A&B| >= num/den * |A|B|
        B = to_bits(sets)
        L = [len(s) for s in sets]
        freq = collections.Counter(x for s in sets for x in s)
        post = collections.defaultdict(list)
        for idx, s in enumerate(sets):
            if not s:
                continue
            srt = sorted(s, key=lambda x: (freq[x], x))
            p = len(s) - (num * len(s) + den - 1) // den + 1
            done = set()
            for x in srt[:p]:
                for j in post[x]:
                    if j in done:
                        continue
                    done.add(j)
                    inter = (B[idx] & B[j]).bit_count()
                    if den * inter >= num * (L[idx] + L[j] - inter) and inter >= min_inter:
                        add_edge(idx, j)
                post[x].append(idx)

    jaccard_join([c["w"] for c in cands], 1, 2)
    jaccard_join([c["g"] for c in cands], 1, 2)
    jaccard_join([c["c"] for c in cands], 3, 5, min_inter=3)
    # containment of normalised texts (the contained text's rarest 4-gram must occur)
    gfreq = collections.Counter(g for c in cands for g in c["g"])
    gpost = collections.defaultdict(list)
    for i, c in enumerate(cands):
        for g in c["g"]:
            gpost[g].append(i)
    for i, c in enumerate(cands):
        g = min(c["g"], key=lambda x: (gfreq[x], x))
        for j in gpost[g]:
            if j != i and c["n"] in cands[j]["n"]:
                add_edge(i, j)
    # same category, same request reworded
    bycat = collections.defaultdict(list)
    for i, c in enumerate(cands):
        bycat[c["cat"]].append(i)
    for cat in sorted(bycat):
        ids = bycat[cat]
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                i, j = ids[a], ids[b]
                if same_request(cat, cands[i]["c"], cat, cands[j]["c"]):
                    add_edge(i, j)

    # random greedy maximal independent set
    order = list(range(N))
    rng.shuffle(order)
    rank = {v: r for r, v in enumerate(order)}
    chosen = set()
    for v in order:
        if not (adj[v] & chosen):
            chosen.add(v)
    # 1-for-2 swaps until the target size is reachable
    rounds = 0
    while len(chosen) < N_ORIG and rounds < 50:
        rounds += 1
        tight = collections.defaultdict(list)
        for v in order:
            if v in chosen:
                continue
            nb = adj[v] & chosen
            if len(nb) == 1:
                tight[next(iter(nb))].append(v)
        improved = False
        for u in sorted(tight, key=lambda x: rank[x]):
            if u not in chosen:
                continue
            pick = []
            for v in tight[u]:
                if v in chosen or (adj[v] & (chosen - {u})):
                    continue
                if all(v not in adj[p] for p in pick):
                    pick.append(v)
            if len(pick) >= 2:
                chosen.discard(u)
                chosen.update(pick)
                improved = True
                if len(chosen) >= N_ORIG:
                    break
        if not improved:
            break
    if len(chosen) < N_ORIG:
        raise SystemExit("could not select %d originals (got %d)" % (N_ORIG, len(chosen)))
    keep = sorted(chosen, key=lambda x: rank[x])[:N_ORIG]
    return [cands[i] for i in keep]


# ---------------------------------------------------------------------------
# small helpers for editing
# ---------------------------------------------------------------------------
def match_case(src, rep):
    if src.isupper() and len(src) <= 4 and " " not in src and len(src) > 1:
        return rep  # an acronym such as ATM / PIN: keep the replacement as written
    letters = [c for c in src if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return rep.upper()
    if letters and all(c.islower() for c in letters):
        return rep.lower()
    if src[:1].isupper():
        return rep[:1].upper() + rep[1:]
    if src[:1].islower():
        return rep[:1].lower() + rep[1:]
    return rep


def tidy(s):
    s = re.sub(r"[ \t]+", " ", s)
    s = re.sub(r" +([,.?!])", r"\1", s)
    s = re.sub(r"^[ ,]+", "", s)
    return s.strip()


def cap_first(s):
    for i, ch in enumerate(s):
        if ch.isalpha():
            return s[:i] + ch.upper() + s[i + 1:]
    return s


def lower_first(s):
    # lower the first letter unless it starts with "I " / "I'" / an acronym
    m = re.match(r"\s*([A-Za-z]+)", s)
    if not m:
        return s
    w = m.group(1)
    if w == "I" or (len(w) > 1 and w.isupper()):
        return s
    i = m.start(1)
    return s[:i] + s[i].lower() + s[i + 1:]


def sub_one(text, pattern, reps, rng, cond=None, flags=re.I, keep_case=True):
    """Replace one random match of pattern. reps: list or callable(match)->str."""
    ms = [m for m in re.finditer(pattern, text, flags) if cond is None or cond(text, m)]
    if not ms:
        return None
    m = rng.choice(ms)
    rep = reps(m) if callable(reps) else rng.choice(reps)
    if rep is None:
        return None
    if keep_case:
        rep = match_case(m.group(0), rep)
    new = fix_article(text[:m.start()] + rep + text[m.end():], m.start())
    return new, m.group(0), rep


def word_before(text, m):
    pre = re.findall(r"[A-Za-z']+", text[:m.start()])
    return pre[-1].lower() if pre else ""


def word_after(text, m):
    post = re.findall(r"[A-Za-z']+", text[m.end():])
    return post[0].lower() if post else ""


def words_after(text, m, k):
    return [w.lower() for w in re.findall(r"[A-Za-z']+", text[m.end():])[:k]]


def at_sentence_start(text, m):
    return re.search(r"(^|[.?!]\s+)$", text[:m.start()]) is not None


# ---------------------------------------------------------------------------
# near-duplicate edits
# ---------------------------------------------------------------------------
KEY_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
KEY_POS = {}
for _r, _row in enumerate(KEY_ROWS):
    for _c, _ch in enumerate(_row):
        KEY_POS[_ch] = (_r, _c + 0.3 * _r)
NEIGHBOURS = {a: sorted(b for b in KEY_POS if b != a and abs(KEY_POS[a][0] - KEY_POS[b][0]) <= 1
                        and abs(KEY_POS[a][1] - KEY_POS[b][1]) <= 1.0)
              for a in KEY_POS}


def typo_word(w, sub, rng):
    lw = len(w)
    if sub == "swap":
        i = rng.randrange(1, lw - 1)
        return w[:i] + w[i + 1] + w[i] + w[i + 2:]
    if sub == "drop":
        i = rng.randrange(1, lw)
        return w[:i] + w[i + 1:]
    if sub == "double":
        i = rng.randrange(1, lw)
        return w[:i] + w[i] + w[i:]
    if sub == "key":
        i = rng.randrange(1, lw)
        ch = w[i].lower()
        if ch not in NEIGHBOURS:
            return None
        n = rng.choice(NEIGHBOURS[ch])
        n = n.upper() if w[i].isupper() else n
        return w[:i] + n + w[i + 1:]
    if sub == "insert":
        i = rng.randrange(1, lw)
        ch = w[i - 1].lower()
        if ch not in NEIGHBOURS:
            return None
        n = rng.choice(NEIGHBOURS[ch])
        return w[:i] + n + w[i:]
    return None


def protected(w):
    lw = norm(w)
    return lw in FLIP or lw in NEG or any(ch.isdigit() for ch in w)


def op_typo(text, rng):
    sub = rng.choices(["swap", "drop", "double", "key", "insert", "space_drop", "space_split"],
                      [28, 24, 12, 20, 6, 7, 3])[0]
    if sub == "space_drop":
        ms = [m for m in re.finditer(r"\b([A-Za-z]+) ([A-Za-z]+)\b", text)
              if not protected(m.group(1)) and not protected(m.group(2))
              and len(m.group(1)) + len(m.group(2)) >= 5]
        if not ms:
            return None
        m = rng.choice(ms)
        new = m.group(1) + m.group(2)
        return (text[:m.start()] + new + text[m.end():],
                "typo:space_drop:%s %s>%s" % (m.group(1), m.group(2), new))
    ms = [m for m in re.finditer(r"\b[A-Za-z]{4,}\b", text) if not protected(m.group(0))]
    if not ms:
        return None
    m = rng.choice(ms)
    w = m.group(0)
    if sub == "space_split":
        if len(w) < 6:
            return None
        i = rng.randrange(2, len(w) - 2)
        new = w[:i] + " " + w[i:]
    else:
        new = typo_word(w, sub, rng)
    if not new or new == w or norm(new) in FLIP or norm(new) in NEG:
        return None
    return text[:m.start()] + new + text[m.end():], "typo:%s:%s>%s" % (sub, w, new)


AUTOCORRECT = [
    (r"\byour\b", ["you're"]), (r"\byou're\b", ["your"]), (r"\btheir\b", ["there"]),
    (r"\bthere\b", ["their"]), (r"\bthen\b", ["than"]), (r"\bthan\b", ["then"]),
    (r"\bwhere\b", ["were"]), (r"\bwere\b", ["where"]), (r"\bto\b", ["too"]),
    (r"\blose\b", ["loose"]), (r"\bI'll\b", ["ill"]), (r"\bcard\b", ["care", "cars"]),
    (r"\btop up\b", ["too up"]), (r"\bapp\b", ["all"]), (r"\bwallet\b", ["waller"]),
    (r"\bof\b", ["if"]), (r"\bthe\b", ["thr"]), (r"\bpayment\b", ["pavement"]),
    (r"\bidentity\b", ["identify"]), (r"\bcurrency\b", ["currently"]),
    (r"\bwe're\b", ["were"]), (r"\bits\b", ["it"]), (r"\bam\b", ["an"]),
    (r"\bis\b", ["id"]), (r"\bthis\b", ["thus"]), (r"\bmy\b", ["mu"]),
]


def op_autocorrect(text, rng):
    rules = [r for r in AUTOCORRECT if re.search(r[0], text, re.I)]
    if not rules:
        return None
    pat, reps = rng.choice(rules)
    r = sub_one(text, pat, reps, rng)
    if not r:
        return None
    return r[0], "autocorrect:%s>%s" % (r[1], r[2])


TEXTSPEAK = [
    (r"\byou\b", ["u"]), (r"\byour\b", ["ur"]), (r"\byou're\b", ["ur", "youre"]),
    (r"\bare\b", ["r"]), (r"\bplease\b", ["pls", "plz", "pleaseee", "plse"]),
    (r"\bthanks\b", ["thx", "thnx", "thanx"]), (r"\bthank you\b", ["ty", "thank u", "thanku"]),
    (r"\bbecause\b", ["bc", "cuz", "coz", "bcoz"]), (r"\bokay\b", ["ok", "k"]),
    (r"\babout\b", ["abt"]), (r"\baccount\b", ["acct", "acc", "a/c"]),
    (r"\binformation\b", ["info"]), (r"\bmessage\b", ["msg"]),
    (r"\bsomething\b", ["smth", "sth", "somethin"]), (r"\breally\b", ["rly", "realy"]),
    (r"\bpeople\b", ["ppl"]), (r"\bthrough\b", ["thru"]), (r"\bthough\b", ["tho"]),
    (r"\bwant to\b", ["wanna"]), (r"\bgoing to\b", ["gonna"]), (r"\bgot to\b", ["gotta"]),
    (r"\bhave to\b", ["hafta", "gotta"]), (r"\bI am\b", ["im", "i'm"]), (r"\bI'm\b", ["im"]),
    (r"\bwith\b", ["w/"]), (r"\bwhat\b", ["wat", "wht"]), (r"\bwhy\b", ["y"]),
    (r"\bas soon as possible\b", ["asap"]), (r"\bby the way\b", ["btw"]),
    (r"\bright now\b", ["rn"]), (r"\bdon't\b", ["dont", "dnt"]), (r"\bcan't\b", ["cant", "cnt"]),
    (r"\bdoesn't\b", ["doesnt"]), (r"\bknow\b", ["kno"]), (r"\btransaction\b", ["txn"]),
    (r"\btransactions\b", ["txns"]), (r"\bapplication\b", ["app"]), (r"\bpossible\b", ["poss"]),
    (r"\bactually\b", ["actly"]),
    (r"\band\b", ["&", "n"]), (r"\bthe\b", ["da", "teh"]), (r"\bwhere\b", ["wer"]),
    (r"\bdocuments\b", ["docs"]), (r"\baddress\b", ["addy"]), (r"\bthat\b", ["dat"]),
    (r"\bhave\b", ["hv", "hav"]), (r"\bneed\b", ["ned"]), (r"\bsee\b", ["c"]),
]


def op_textspeak(text, rng):
    rules = [r for r in TEXTSPEAK if re.search(r[0], text, re.I)]
    if not rules:
        return None
    rng.shuffle(rules)
    k = rng.choice([1, 1, 2, 2, 3])
    details = []
    cur = text
    for pat, reps in rules[:k]:
        rep = rng.choice(reps)
        before = cur
        cur = re.sub(pat, lambda m: rep if m.group(0).islower() or len(rep) <= 3
                     else match_case(m.group(0), rep), cur, flags=re.I)
        if cur != before:
            details.append("%s>%s" % (pat.replace(r"\b", ""), rep))
    if not details or norm(cur) == norm(text):
        return None
    return cur, "textspeak:" + ",".join(details)


CONTRACTIONS = [
    ("do not", "don't"), ("does not", "doesn't"), ("did not", "didn't"),
    ("cannot", "can't"), ("can not", "can't"), ("is not", "isn't"), ("has not", "hasn't"),
    ("have not", "haven't"), ("was not", "wasn't"), ("will not", "won't"),
    ("are not", "aren't"), ("were not", "weren't"), ("would not", "wouldn't"),
    ("could not", "couldn't"), ("I am", "I'm"), ("I have", "I've"), ("it is", "it's"),
    ("what is", "what's"), ("there is", "there's"), ("I would", "I'd"), ("I will", "I'll"),
    ("you are", "you're"), ("that is", "that's"), ("where is", "where's"),
    ("how is", "how's"), ("who is", "who's"), ("I had", "I'd"),
]


def op_contraction(text, rng):
    opts = []
    for full, short in CONTRACTIONS:
        if re.search(r"\b%s\b" % re.escape(full), text, re.I):
            opts.append(("contract", full, short))
        if re.search(r"\b%s(?=\W|$)" % re.escape(short), text, re.I):
            opts.append(("expand", short, full))
    if not opts:
        return None
    kind, a, b = rng.choice(opts)
    pat = r"\b%s\b" % re.escape(a) if kind == "contract" else r"\b%s(?=\W|$)" % re.escape(a)
    r = sub_one(text, pat, [b], rng)
    if not r or norm(r[0]) == norm(text):
        return None
    return r[0], "contraction:%s:%s>%s" % (kind, r[1], r[2])


def _arrived_rep(m_text, text, m):
    return "come" if word_before(text, m) in ("has", "have", "hasn't", "haven't", "not",
                                               "already", "yet") else "came"


SYNONYMS = [
    (r"\bproblem\b", ["issue"]), (r"\bissue\b", ["problem"]), (r"\bproblems\b", ["issues"]),
    (r"\bissues\b", ["problems"]), (r"\bpurchased\b", ["bought"]),
    (r"\bpurchasing\b", ["buying"]), (r"\bhelp me\b", ["assist me"]),
    (r"\bassist\b", ["help"]), (r"\bassistance\b", ["help"]), (r"\bstrange\b", ["weird", "odd"]),
    (r"\bweird\b", ["strange", "odd"]), (r"\bodd\b", ["strange", "weird"]),
    (r"\bunusual\b", ["odd", "strange"]), (r"\bmodify\b", ["change"]), (r"\balter\b", ["change"]),
    (r"\bexplain\b", ["clarify"]), (r"\bnoticed\b", ["saw", "spotted"]), (r"\bseems\b", ["looks"]),
    (r"\bfunds\b", ["money"]), (r"\brequire\b", ["need"]), (r"\brequired\b", ["needed"]),
    (r"\blocate\b", ["find"]), (r"\binform\b", ["tell"]), (r"\berror\b", ["mistake"]),
    (r"\bmistake\b", ["error"]), (r"\blarge\b", ["big"]), (r"\bhuge\b", ["big"]),
    (r"\banyone\b", ["anybody"]), (r"\banybody\b", ["anyone"]), (r"\bsomeone\b", ["somebody"]),
    (r"\bsomebody\b", ["someone"]), (r"\bobtain\b", ["get"]), (r"\bacquire\b", ["get"]),
    (r"\bimmediately\b", ["right away", "straight away"]), (r"\bhow long\b", ["how much time"]),
    (r"\bhow much time\b", ["how long"]), (r"\bthe cost\b", ["the price"]),
    (r"\butilize\b", ["use"]), (r"\butilise\b", ["use"]), (r"\bdiscover\b", ["find"]),
    (r"\bcurrently\b", ["right now"]), (r"\bapproximately\b", ["about", "roughly"]),
    (r"\barrive\b", ["come"]), (r"\ba lot of\b", ["lots of"]), (r"\blots of\b", ["a lot of"]),
    (r"\bwhat happened\b", ["what's happened"]), (r"\bcorrectly\b", ["properly"]),
    (r"\bproperly\b", ["correctly"]), (r"\bfunction\b", ["work"]), (r"\bfunctioning\b", ["working"]),
    (r"\bcontact\b", ["reach"]), (r"\bquickly\b", ["fast"]), (r"\bmobile phone\b", ["phone"]),
    (r"\bbank card\b", ["card"]),
    (r"\bmoney\b(?=\s*($|[.,?!]|(to|from|in|into|on|out|back|for|that|and|I|is|was|has|have|yet|"
     r"at|with|but|so|anymore|again|there|here|please)\b))", ["funds"]),
    (r"\bfix\b", ["sort out", "resolve"]), (r"\bresolve\b", ["fix", "sort out"]),
    (r"\bcheck\b", ["look at", "look into"]), (r"\bfind out\b", ["check", "see"]),
    (r"\bshowing\b", ["appearing", "showing up"]), (r"\bappearing\b", ["showing", "showing up"]),
    (r"\bappears\b", ["shows", "shows up"]), (r"\bshows\b", ["appears"]),
    (r"\bneed\b", ["require"]),
    (r"\bphone\b", ["mobile"]), (r"\bcellphone\b", ["phone"]), (r"\bsupposed to\b", ["meant to"]),
    (r"\bmeant to\b", ["supposed to"]), (r"\bconfused\b", ["puzzled", "unsure"]),
    (r"\bworried\b", ["concerned"]), (r"\bconcerned\b", ["worried"]),
    (r"\bsuddenly\b", ["all of a sudden"]), (r"\bget back\b", ["recover"]),
    (r"\bhappen\b", ["occur"]), (r"\bhappened\b", ["occurred", "gone on"]),
    (r"\bunderstand\b", ["get"]), (r"\btrying\b", ["attempting"]), (r"\battempting\b", ["trying"]),
    (r"\bamount\b", ["sum"]), (r"\bdetails\b", ["info", "information"]),
]


def op_synonym(text, rng):
    opts = [(p, r) for p, r in SYNONYMS if re.search(p, text, re.I)]
    if re.search(r"\barrived\b", text, re.I):
        opts.append((r"\barrived\b", "ARRIVED"))
    if not opts:
        return None
    pat, reps = rng.choice(opts)
    if reps == "ARRIVED":
        r = sub_one(text, pat, lambda m: _arrived_rep(m.group(0), text, m), rng)
    else:
        r = sub_one(text, pat, reps, rng)
    if not r:
        return None
    return r[0], "synonym:%s>%s" % (r[1], r[2])


# (UK form, US form, directions allowed: "both", "uk>us" or "us>uk")
DIALECT = [
    ("authorise", "authorize", "both"), ("authorised", "authorized", "both"),
    ("authorisation", "authorization", "both"), ("recognise", "recognize", "both"),
    ("recognised", "recognized", "both"), ("realise", "realize", "both"),
    ("realised", "realized", "both"), ("organise", "organize", "both"),
    ("apologise", "apologize", "both"), ("finalise", "finalize", "both"),
    ("customise", "customize", "both"), ("prioritise", "prioritize", "both"),
    ("utilise", "utilize", "both"), ("minimise", "minimize", "both"),
    ("personalise", "personalize", "both"), ("summarise", "summarize", "both"),
    ("cancelled", "canceled", "both"), ("cancelling", "canceling", "both"),
    ("travelling", "traveling", "both"), ("traveller", "traveler", "both"),
    ("travelled", "traveled", "both"), ("favour", "favor", "both"), ("colour", "color", "both"),
    ("centre", "center", "both"), ("licence", "license", "both"),
    ("programme", "program", "uk>us"), ("behaviour", "behavior", "both"),
    ("neighbour", "neighbor", "both"), ("catalogue", "catalog", "both"),
    ("analyse", "analyze", "both"), ("jewellery", "jewelry", "both"), ("grey", "gray", "both"),
    ("ageing", "aging", "both"), ("judgement", "judgment", "both"),
    ("instalment", "installment", "both"), ("enquiry", "inquiry", "both"),
    ("enquire", "inquire", "both"), ("fulfil", "fulfill", "both"), ("enrol", "enroll", "both"),
    ("labelled", "labeled", "both"), ("cheque", "check", "uk>us"),
    ("cheques", "checks", "uk>us"), ("mum", "mom", "both"), ("whilst", "while", "uk>us"),
    ("postcode", "zip code", "both"), ("post code", "zip code", "uk>us"),
    ("mobile phone", "cell phone", "both"), ("mobile number", "cell number", "both"),
    ("in the post", "in the mail", "both"), ("by post", "by mail", "both"),
    ("on holiday", "on vacation", "both"), ("flat", "apartment", "us>uk"),
    ("cashpoint", "ATM", "us>uk"), ("shop", "store", "uk>us"), ("shops", "stores", "uk>us"),
    ("current account", "checking account", "both"), ("surname", "last name", "uk>us"),
    ("parcel", "package", "uk>us"), ("petrol", "gas", "uk>us"),
    ("ring you", "call you", "both"), ("have got", "have gotten", "uk>us"),
    ("sort out", "fix", "uk>us"), ("straight away", "right away", "both"),
    ("rubbish", "garbage", "uk>us"), ("maths", "math", "both"),
]


def op_dialect(text, rng):
    opts = []
    for uk, us, d in DIALECT:
        if d in ("both", "uk>us") and re.search(r"\b%s\b" % re.escape(uk), text, re.I):
            opts.append(("uk>us", r"\b%s\b" % re.escape(uk), us))
        if d in ("both", "us>uk") and re.search(r"\b%s\b" % re.escape(us), text, re.I):
            opts.append(("us>uk", r"\b%s\b" % re.escape(us), uk))
    if not opts:
        return None
    d, pat, rep = rng.choice(opts)
    r = sub_one(text, pat, [rep], rng)
    if not r or norm(r[0]) == norm(text):
        return None
    return r[0], "dialect:%s:%s>%s" % (d, r[1], r[2])


def not_after_wh(text, m):
    return word_before(text, m) not in ("how", "where", "what", "when", "why", "who", "which")


FRAMES = [
    (r"\bhow do I\b", ["how can I", "how would I", "how should I", "how to", "what do I do to",
                       "what's the way to", "how am I supposed to"]),
    (r"\bhow can I\b", ["how do I", "how would I", "how to", "how am I able to", "how could I"]),
    (r"\bhow to\b", ["how do I", "how can I"]),
    (r"\bcan I\b", ["am I able to", "is it possible to", "could I", "may I", "is there a way to"]),
    (r"\bis it possible to\b", ["can I", "am I able to", "could I", "is there a way to"]),
    (r"\bis there a way to\b", ["can I", "is it possible to"]),
    (r"\bam I able to\b", ["can I", "is it possible to"]),
    (r"\bI would like to\b", ["I want to", "I'd like to", "I wish to", "I wanna", "I'd love to"]),
    (r"\bI'd like to\b", ["I want to", "I would like to", "I wanna"]),
    (r"\bI want to\b", ["I would like to", "I'd like to", "I need to", "I wish to"]),
    (r"\bI need to\b", ["I have to", "I must", "I want to", "I've got to"]),
    (r"\bcan you\b", ["could you", "would you", "will you", "are you able to"]),
    (r"\bcould you\b", ["can you", "would you"]),
    (r"\bwould you\b", ["could you", "can you"]),
    (r"\bplease tell me\b", ["tell me", "let me know", "can you tell me"]),
    (r"\bcan you tell me\b", ["tell me", "please tell me", "could you let me know", "let me know"]),
    (r"\bcould you tell me\b", ["can you tell me", "please tell me", "let me know"]),
    (r"\bwhat should I do\b", ["what do I do", "what can I do", "what do I need to do"]),
    (r"\bwhat do I do\b", ["what should I do", "what can I do"]),
    (r"\bwhat can I do\b", ["what should I do", "what do I do"]),
    (r"\bhow long does it take\b", ["how long will it take", "how much time does it take",
                                    "how long do I wait"]),
    (r"\bhow long will it take\b", ["how long does it take", "how long is it going to take"]),
    (r"\bI was wondering\b", ["I wonder", "just wondering"]),
    (r"\bwhy is\b", ["why's"]),
    (r"\bdo you\b", ["do you guys", "does your bank"]),
    (r"\bwhat are\b", ["what're"]),
    (r"\bI have a question about\b", ["question about", "quick question about"]),
    (r"\bis there any way\b", ["is there a way"]),
    (r"\bwhere can I\b", ["where do I", "where would I"]),
    (r"\bwhere do I\b", ["where can I", "where should I"]),
    (r"\bI'm trying to\b", ["I am trying to", "I've been trying to", "I try to"]),
    (r"\bI am trying to\b", ["I'm trying to", "I've been trying to"]),
    (r"\bwhat is the\b", ["what's the", "whats the"]),
    (r"\bwhat's the\b", ["what is the"]),
    (r"\bhow long does it take for\b", ["how long until", "how long till", "how long for"]),
    (r"\bI can't\b", ["I'm unable to", "I am not able to", "I cannot"]),
    (r"\bI cannot\b", ["I can't", "I'm unable to"]), (r"\bI am unable to\b", ["I can't"]),
    (r"\bwhere is my\b", ["where's my", "what happened to my"]),
    (r"\bis not working\b", ["doesn't work", "isn't working"]),
    (r"\bisn't working\b", ["doesn't work", "is not working", "won't work"]),
    (r"\bdoesn't work\b", ["isn't working", "is not working"]),
    (r"\bhow much does it cost to\b", ["what does it cost to", "what's the cost to"]),
    (r"\bwhy was (my \w+|I) (\w+ed)\b", "WHYWAS"),
    (r"\bI (lost|made|tried|forgot|noticed|ordered|used|paid|requested)\b", "PERFECT"),
    (r"\bI have (lost|made|tried|forgotten|noticed|ordered|used|paid|requested|been)\b", "PAST"),
    (r"\bI've (lost|made|tried|forgotten|noticed|ordered|used|paid|requested|been)\b", "PAST"),
    (r"\bcan you help me\b", ["could you help me", "can you assist me", "can you help"]),
    (r"\bhelp me\b", ["give me a hand"]), (r"\bright now\b", ["now"]),
    (r"\bwhat do I need to do\b", ["what should I do", "what do I have to do"]),
    (r"\bis it possible for me to\b", ["can I", "could I"]),
    (r"\bI'd like\b", ["I want", "I would like"]), (r"\bI would like\b", ["I'd like", "I want"]),
    (r"\bwhat's the reason\b", ["why is it"]),
    (r"\bhow come\b", ["why is it that"]),
    (r"\bwhy is it that\b", ["how come"]),
    (r"\bI don't understand why\b", ["why", "I don't get why"]),
    (r"\bI am\b", ["I'm"]), (r"\bI'm\b", ["I am"]),
]
PAST_PART = {"lost": "lost", "made": "made", "tried": "tried", "forgot": "forgotten",
             "noticed": "noticed", "ordered": "ordered", "used": "used", "paid": "paid",
             "requested": "requested"}
PART_PAST = {"lost": "lost", "made": "made", "tried": "tried", "forgotten": "forgot",
             "noticed": "noticed", "ordered": "ordered", "used": "used", "paid": "paid",
             "requested": "requested", "been": "was"}


def op_reframe(text, rng):
    opts = [(p, r) for p, r in FRAMES if re.search(p, text, re.I)]
    if not opts:
        return None
    pat, reps = rng.choice(opts)
    if reps == "WHYWAS":
        reps = lambda m: "why did %s get %s" % (m.group(1), m.group(2))
    elif reps == "PERFECT":
        reps = lambda m: rng.choice(["I've ", "I have "]) + PAST_PART[m.group(1).lower()]
    elif reps == "PAST":
        reps = lambda m: "I " + PART_PAST[m.group(1).lower()]
    cond = not_after_wh if pat in (r"\bcan I\b", r"\bcan you\b", r"\bcould you\b",
                                   r"\bwould you\b", r"\bdo you\b") else None
    r = sub_one(text, pat, reps, rng, cond=cond)
    if not r or norm(r[0]) == norm(text):
        return None
    return r[0], "reframe:%s>%s" % (r[1], r[2])


DROPPABLE = [
    ("please", r"\bplease\b,?\s*"), ("the", r"\bthe\s+"), ("a", r"\ba\s+(?=[a-z])"),
    ("my", r"\bmy\s+"), ("just", r"\bjust\s+"), ("really", r"\breally\s+"),
    ("actually", r"\bactually\s+"), ("currently", r"\bcurrently\s+"),
    ("also", r"\balso\s+"), ("even", r"\beven\s+"), ("very", r"\bvery\s+"),
    ("that", r"\bthat\s+(?=(i|my|the|it|you|there)\b)"), ("any", r"\bany\s+"),
    ("kindly", r"\bkindly\s+"), ("so", r"\bso\s+"), ("still", r"\bstill\s+"),
    ("I", r"^I\s+(?=(want|need|have|lost|made|tried|got|think|noticed|can't|cannot|would)\b)"),
    ("can you", r"^(can|could) you (please )?"), ("hi", r"^(hi|hello|hey)[,!.]*\s+"),
    ("do you know", r"^do you know\s+"), ("is it", r"\bis it\s+(?=possible)"),
    ("to", r"\bto\s+(?=(the|my)\b)"), ("in", r"\bin\s+(?=the app\b)"),
]


def op_drop_word(text, rng):
    opts = []
    for name, pat in DROPPABLE:
        for m in re.finditer(pat, text, re.I):
            opts.append((name, m))
    if not opts:
        return None
    name, m = rng.choice(opts)
    rest = text[m.end():]
    if (m.start() == 0 or re.search(r"[.?!]\s*$", text[:m.start()])) and m.group(0)[:1].isupper():
        rest = cap_first(rest)
    new = tidy(text[:m.start()] + rest)
    if len(new.split()) < 2 or norm(new) == norm(text):
        return None
    return new, "drop_word:%s" % name


SUBORD = r"(If|When|Since|After|Before|While|Because|As|Whenever|Although)"


def op_reorder(text, rng):
    opts = []
    sents = re.split(r"(?<=[.?!])\s+", text)
    sents = [s for s in sents if s]
    if len(sents) >= 2:
        opts.append("sentences")
    if re.match(SUBORD + r" ([^,]{6,}), (.{6,})$", text):
        opts.append("clause")
    if re.match(r"^please\b", text, re.I) or re.search(r",? please[.?!]*$", text, re.I):
        opts.append("please")
    if re.match(r"^(.{10,}?)\s+(yesterday|today|this morning|earlier|recently|last night|last week)([.?!]*)$",
                text, re.I) and "?" not in text[-2:]:
        opts.append("adverb_front")
    m = re.match(r"^(.{8,}?), (can you|could you|can I|how do I|what do I do|what should I do|"
                 r"is that normal|why)(\b.*)$", text, re.I)
    if m:
        opts.append("question_first")
    if not opts:
        return None
    sub = rng.choice(opts)
    if sub == "sentences":
        i = rng.randrange(len(sents) - 1)
        a, b = sents[i], sents[i + 1]
        if not re.search(r"[.?!]$", b):
            b = b + ("?" if re.match(r"(how|what|why|when|where|can|is|do|does|will|could)\b", b, re.I)
                     else ".")
        sents[i], sents[i + 1] = b, a
        new = " ".join(sents)
    elif sub == "adverb_front":
        mm = re.match(r"^(.{10,}?)\s+(yesterday|today|this morning|earlier|recently|last night|last week)"
                      r"([.?!]*)$", text, re.I)
        adv = mm.group(2)
        new = cap_first(adv) + rng.choice([", ", " "]) + lower_first(mm.group(1)) + mm.group(3)
    elif sub == "clause":
        mm = re.match(SUBORD + r" ([^,]{6,}), (.{6,})$", text)
        tail = mm.group(3)
        endp = re.search(r"[.?!]+$", tail)
        punct = endp.group(0) if endp else ""
        tail = tail[:len(tail) - len(punct)]
        new = cap_first(tail) + " " + mm.group(1).lower() + " " + mm.group(2) + punct
    elif sub == "please":
        if re.match(r"^please\b", text, re.I):
            body = re.sub(r"^please,?\s*", "", text, flags=re.I)
            endp = re.search(r"[.?!]+$", body)
            punct = endp.group(0) if endp else ""
            body = body[:len(body) - len(punct)]
            new = cap_first(body) + " please" + punct
        else:
            mm = re.search(r",? please([.?!]*)$", text, re.I)
            body = text[:mm.start()]
            new = "Please " + lower_first(body) + mm.group(1)
    else:
        head, q, rest = m.group(1), m.group(2), m.group(3)
        endp = re.search(r"[.?!]+$", rest)
        punct = endp.group(0) if endp else "?"
        rest = rest[:len(rest) - len(endp.group(0))] if endp else rest
        new = cap_first(q + rest) + punct + " " + cap_first(head) + "."
    new = tidy(new)
    if norm(new) == norm(text):
        return None
    return new, "reorder:%s" % sub


FILLERS_START = ["So ", "Ok so ", "Um ", "Umm ", "Hmm ", "Right, ", "Well ", "Hey so ",
                 "Quick q: ", "Question - ", "Yeah so ", "Erm ", "Basically ", "Just wondering, ",
                 "Uh ", "Okay, ", "Ah ", "Listen, ", "Real quick - ", "Query: "]
FILLERS_MID = ["just", "actually", "really", "basically", "kind of", "like", "honestly", "literally"]


def op_filler(text, rng):
    if rng.random() < 0.55:
        f = rng.choice(FILLERS_START)
        if text[:1].islower():
            f = f[:1].lower() + f[1:]
        new = f + lower_first(text)
        return new, "filler:start:%s" % f.strip(" ,:-").lower()
    ms = list(re.finditer(r"\bI (want|need|have|tried|lost|used|noticed|think|can't|cannot|am|was|"
                          r"made|got|don't|didn't)\b", text))
    if not ms:
        return None
    m = rng.choice(ms)
    f = rng.choice(FILLERS_MID)
    new = text[:m.start()] + "I " + f + " " + m.group(1) + text[m.end():]
    return new, "filler:mid:%s" % f


ARTICLES = r"(?<![\w'\u2019/])(a|an|the)\s+"
PAST = {"receive": "received", "get": "got", "arrive": "arrived", "come": "came",
        "go": "went", "see": "saw", "make": "made", "pay": "paid", "work": "worked",
        "show": "showed", "happen": "happened", "recognise": "recognised",
        "recognize": "recognized", "know": "knew", "authorize": "authorized",
        "authorise": "authorised", "go through": "went through", "have": "had",
        "take": "took", "use": "used", "do": "did", "give": "gave"}
THIRD = {"work": "works", "show": "shows", "appear": "appears", "have": "has",
         "let": "lets", "accept": "accepts", "go": "goes", "seem": "seems",
         "exist": "exists", "arrive": "arrives", "take": "takes", "look": "looks"}


def op_nonnative(text, rng):
    subs = ["articles", "question_order", "verb_form", "agreement", "preposition",
            "plural", "calque", "missing_aux", "adverb_order"]
    rng.shuffle(subs)
    if rng.random() < 0.12:
        subs.insert(0, "bad_english")
    for sub in subs:
        r = _nonnative(sub, text, rng)
        if r and norm(r[0]) != norm(text):
            return r
    return None


def _nonnative(sub, text, rng):
    if sub == "articles":
        ms = list(re.finditer(ARTICLES, text, re.I))
        ms = [m for m in ms if m.start() > 0]
        if not ms:
            return None
        k = rng.randint(1, len(ms))
        drop = sorted(rng.sample(range(len(ms)), k), reverse=True)
        new = text
        for i in drop:
            m = ms[i]
            new = new[:m.start()] + new[m.end():]
        return tidy(new), "nonnative:articles:%d" % k
    if sub == "question_order":
        rules = [(r"\bhow (can|do|should) I\b", lambda m: "how I " + ("can" if m.group(1).lower() == "can"
                                                                   else "should" if m.group(1).lower() == "should"
                                                                   else "can")),
                 (r"\bwhere (can|do) I\b", lambda m: "where I can"),
                 (r"\bwhat (can|should) I\b", lambda m: "what I " + m.group(1).lower()),
                 (r"^can I\b", lambda m: "I can"),
                 (r"\bwhy (is|was) my (\w+)\b", lambda m: "why my %s %s" % (m.group(2), m.group(1).lower())),
                 (r"\bwhen will my (\w+)\b", lambda m: "when my %s will" % m.group(1))]
        opts = [r for r in rules if re.search(r[0], text, re.I)]
        if not opts:
            return None
        pat, fn = rng.choice(opts)
        r = sub_one(text, pat, fn, rng)
        if not r:
            return None
        return r[0], "nonnative:question_order:%s>%s" % (r[1], r[2])
    if sub == "verb_form":
        pat = (r"\b(didn't|did not|don't|can't|cannot|can|will|to|doesn't|does not)\s+(%s)\b"
               % "|".join(sorted(set(PAST) | set(THIRD), key=len, reverse=True)))
        ms = list(re.finditer(pat, text, re.I))
        if not ms:
            return None
        m = rng.choice(ms)
        aux, verb = m.group(1), m.group(2).lower()
        if aux.lower() in ("doesn't", "does not") and verb in THIRD:
            nv = THIRD[verb]
        elif verb in PAST:
            nv = PAST[verb]
        else:
            return None
        new = text[:m.start(2)] + match_case(m.group(2), nv) + text[m.end(2):]
        return new, "nonnative:verb_form:%s>%s" % (m.group(2), nv)
    if sub == "agreement":
        rules = [(r"\bdoes my\b", ["do my"]), (r"\bhas my\b", ["have my"]),
                 (r"\bdoesn't\b", ["don't"]), (r"\bhasn't\b", ["haven't"]),
                 (r"\bit has\b", ["it have"]), (r"\bit does\b", ["it do"]),
                 (r"\bis there any\b", ["are there any"]), (r"\bthere are\b", ["there is"]),
                 (r"\bmy card is\b", ["my card are"]), (r"\bit takes\b", ["it take"]),
                 (r"\bit says\b", ["it say"]), (r"\bit works\b", ["it work"]),
                 (r"\bdoes it\b", ["do it"]), (r"\bdoes the\b", ["do the"])]
        opts = [r for r in rules if re.search(r[0], text, re.I)]
        if not opts:
            return None
        pat, reps = rng.choice(opts)
        r = sub_one(text, pat, reps, rng)
        return r[0], "nonnative:agreement:%s>%s" % (r[1], r[2])
    if sub == "preposition":
        rules = [(r"\bon (?=(the|my) app\b)", ["in "]), (r"\bin (?=(the|my) app\b)", ["on "]),
                 (r"\bat (?=(the|an) ATM\b)", ["in "]), (r"\bon (?=my (card|account)\b)", ["in "]),
                 (r"\bin (?=my account\b)", ["on "]), (r"\bfor (?=(a|the) (refund|replacement)\b)", ["of "]),
                 (r"\babout (?=(my|the|a)\b)", ["regarding ", "for "]),
                 (r"\bwaiting (for|on)\b", ["waiting"]), (r"\bafraid of\b", ["afraid for"])]
        opts = [r for r in rules if re.search(r[0], text, re.I)]
        if not opts:
            return None
        pat, reps = rng.choice(opts)
        r = sub_one(text, pat, reps, rng)
        return tidy(r[0]), "nonnative:preposition:%s>%s" % (r[1].strip(), r[2].strip())
    if sub == "plural":
        rules = [(r"\binformation\b", ["informations"]), (r"\bmoney\b", ["moneys"]),
                 (r"\badvice\b", ["advices"]), (r"\bfeedback\b", ["feedbacks"]),
                 (r"\bequipment\b", ["equipments"]), (r"\bsome details\b", ["some detail"]),
                 (r"\bdetails\b", ["detail"])]
        opts = [r for r in rules if re.search(r[0], text, re.I)]
        if not opts:
            return None
        pat, reps = rng.choice(opts)
        r = sub_one(text, pat, reps, rng)
        return r[0], "nonnative:plural:%s>%s" % (r[1], r[2])
    if sub == "calque":
        rules = [(r"\bmake (a|the) (payment|transfer|top[- ]?up|withdrawal)\b", lambda m: "do %s %s" % (m.group(1), m.group(2))),
                 (r"\bmade (a|the) (payment|transfer|top[- ]?up|withdrawal|mistake)\b", lambda m: "did %s %s" % (m.group(1), m.group(2))),
                 (r"\bexplain to me\b", lambda m: "explain me"), (r"\bcan you tell me\b", lambda m: "can you say me"),
                 (r"\bfor (\d+|two|three|four|five|several|a few) (days|weeks|months|hours)\b",
                  lambda m: "since %s %s" % (m.group(1), m.group(2))),
                 (r"\bI have been waiting\b", lambda m: "I am waiting since"),
                 (r"\bI've been waiting\b", lambda m: "I am waiting"),
                 (r"\btake out money\b", lambda m: "take money out"), (r"\bI agree\b", lambda m: "I am agree"),
                 (r"\bhow old do I have to be\b", lambda m: "how many years I must have"),
                 (r"\bwhat is the reason\b", lambda m: "what is the motive"),
                 (r"\bI'm sure\b", lambda m: "I am sure"), (r"\bnow\b", lambda m: "now only"),
                 (r"\bI would like\b", lambda m: "I would want"), (r"\bI want to\b", lambda m: "I want"),
                 (r"\bhelp me\b", lambda m: "help me please"), (r"\bdoes it take\b", lambda m: "it takes")]
        opts = [r for r in rules if re.search(r[0], text, re.I)]
        if not opts:
            return None
        pat, fn = rng.choice(opts)
        r = sub_one(text, pat, fn, rng)
        return r[0], "nonnative:calque:%s>%s" % (r[1], r[2])
    if sub == "missing_aux":
        rules = [(r"\b(how|why|where|when|what) (do|does|did) I\b", lambda m: "%s I" % m.group(1)),
                 (r"\b(why|where|when|how) (is|are) (my|the)\b", lambda m: "%s %s" % (m.group(1), m.group(3))),
                 (r"\b(my \w+) (is|has been) (\w+ing|\w+ed)\b", lambda m: "%s %s" % (m.group(1), m.group(3))),
                 (r"\bit is (not )?(working|possible|showing)\b", lambda m: "it %s%s" % (m.group(1) or "", m.group(2))),
                 (r"\bI am (trying|waiting|having|looking|worried|confused|unable)\b", lambda m: "I %s" % m.group(1))]
        opts = [r for r in rules if re.search(r[0], text, re.I)]
        if not opts:
            return None
        pat, fn = rng.choice(opts)
        r = sub_one(text, pat, fn, rng)
        return r[0], "nonnative:missing_aux:%s>%s" % (r[1], r[2])
    if sub == "adverb_order":
        rules = [(r"\bI (am|have|was) (still|already|just)\b", lambda m: "%s I %s" % (m.group(2), m.group(1))),
                 (r"\bI (still|already|also|just) (\w+)\b", lambda m: "I %s %s" % (m.group(2), m.group(1))),
                 (r"\bhas (not|still not) (\w+) yet\b", lambda m: "has %s yet %s" % (m.group(1), m.group(2))),
                 (r"\bcan I (also|still)\b", lambda m: "%s can I" % m.group(1))]
        opts = [r for r in rules if re.search(r[0], text, re.I)]
        if not opts:
            return None
        pat, fn = rng.choice(opts)
        r = sub_one(text, pat, fn, rng)
        return r[0], "nonnative:adverb_order:%s>%s" % (r[1], r[2])
    if sub == "bad_english":
        note = rng.choice(["Sorry for my bad English.", "Sorry my english is not so good.",
                           "(sorry, English is not my first language)", "Excuse my English.",
                           "Sorry for mistakes, I am learning English.", "pardon my english",
                           "Sorry if my english is bad", "Apologies for my English."])
        if note.startswith("(") or rng.random() < 0.5:
            sep = " " if re.search(r"[.?!]$", text) else rng.choice([". ", " ", "\n", " - "])
            return text + sep + note, "nonnative:bad_english_note"
        if not re.search(r"[.?!)]$", note):
            note += rng.choice([".", " -", ",", "!", ":"])
        return note + " " + text, "nonnative:bad_english_note"
    return None


def op_indian(text, rng):
    subs = ["kindly", "procedure", "progressive", "want_to_know", "sir", "needful", "revert",
            "itself", "same", "doubt", "pls_reply"]
    w = {"kindly": 3, "procedure": 3, "progressive": 3, "want_to_know": 2, "sir": 2, "needful": 2,
         "revert": 2, "itself": 2, "same": 2, "doubt": 2, "pls_reply": 1}
    subs = sorted(subs, key=lambda x: -rng.random() ** (1.0 / w[x]))
    for sub in subs:
        r = _indian(sub, text, rng)
        if r and norm(r[0]) != norm(text):
            return r
    return None


def _indian(sub, text, rng):
    if sub == "kindly":
        if re.search(r"\bplease\b", text, re.I):
            r = sub_one(text, r"\bplease\b", ["kindly"], rng)
            return r[0], "indian_english:kindly"
        m = re.match(r"^(can|could) you (please )?", text, re.I)
        if m:
            return "Kindly " + text[m.end():], "indian_english:kindly"
        if re.match(r"^(help|tell|check|cancel|block|send|let|update|change|explain|show|close)\b",
                    text, re.I):
            return "Kindly " + lower_first(text), "indian_english:kindly"
        return None
    if sub == "procedure":
        m = re.match(r"^(how (do|can) I|how to|how should I)\s+(.*)$", text, re.I)
        if not m:
            return None
        rest = m.group(3)
        frame = rng.choice(["What is the procedure to", "What is the process to",
                            "What is the procedure for how to", "Please tell the procedure to"])
        if text[:1].islower():
            frame = frame.lower()
        return frame + " " + rest, "indian_english:procedure"
    if sub == "progressive":
        rules = [(r"\bI have (a|an|some|the) (problem|issue|doubt|query|question)",
                  lambda m: "I am having %s %s" % (m.group(1), m.group(2))),
                 (r"\bI have (a|an|some) ", lambda m: "I am having %s " % m.group(1)),
                 (r"\bI want\b", lambda m: "I am wanting"),
                 (r"\bI need\b", lambda m: "I am needing"),
                 (r"\bquestion\b", lambda m: "doubt")]
        opts = [r for r in rules if re.search(r[0], text)]
        if not opts:
            return None
        pat, fn = rng.choice(opts)
        r = sub_one(text, pat, fn, rng, flags=0)
        return r[0], "indian_english:progressive"
    if sub == "want_to_know":
        if not re.match(r"^(how|what|why|when|where|which|is|can|do|does|will)\b", text, re.I):
            return None
        lead = rng.choice(["I want to know", "I want to know that", "Please tell me",
                           "Want to know", "I would like to know"])
        return lead + " " + lower_first(text), "indian_english:want_to_know"
    if sub == "itself":
        r = sub_one(text, r"\b(today|yesterday|now)\b", lambda m: m.group(0) + " itself", rng, keep_case=False)
        return (r[0], "indian_english:itself") if r else None
    if sub == "same":
        tail = rng.choice(["Please help with the same.", "Kindly help me with the same.",
                           "Please update on the same.", "Kindly clarify the same.",
                           "Please look into the same."])
        return text + " " + tail, "indian_english:same"
    if sub == "doubt":
        if re.search(r"\bquestion\b", text, re.I):
            r = sub_one(text, r"\bquestion\b", ["doubt"], rng)
            return r[0], "indian_english:doubt"
        if re.match(r"^(how|what|why|when|where|which|is|can|do|does|will)\b", text, re.I):
            return rng.choice(["I have one doubt.", "One doubt:", "I have a doubt,", "Small doubt -"]) + " " \
                + (text if rng.random() < 0.5 else lower_first(text)), "indian_english:doubt"
        return None
    if sub == "pls_reply":
        tail = rng.choice(["pls reply fast", "Plz reply soon.", "Reply fast pls", "Kindly reply soon.",
                           "Please reply soon itself."])
        return text + " " + tail, "indian_english:pls_reply"
    if sub == "sir":
        lead = rng.choice(["Sir,", "Dear Sir,", "Respected Sir/Madam,", "Hello sir,", "Hi sir,",
                           "Good morning sir,", "Dear Sir/Mam,", "Respected team,", "Hello mam,"])
        if rng.random() < 0.35:
            return text + " " + rng.choice(["Please help sir.", "Thank you sir.", "Thanks madam.",
                                            "Please check sir.", "Sir please help."]), \
                "indian_english:sir"
        return lead + " " + text, "indian_english:sir"
    if sub == "needful":
        tail = rng.choice(["Please do the needful.", "Kindly do the needful.",
                           "Do the needful at the earliest.", "Kindly do needful.",
                           "Please do the needful asap.", "Request you to do the needful."])
        return text + " " + tail, "indian_english:needful"
    if sub == "revert":
        tail = rng.choice(["Kindly revert.", "Please revert at the earliest.", "Awaiting your revert.",
                           "Please revert back.", "Kindly revert asap.", "Waiting for your kind reply.",
                           "Please help in this regard.", "Kindly look into this matter.",
                           "Please resolve at the earliest."])
        return text + " " + tail, "indian_english:revert"
    return None


# --- wrappers: greetings, notes, sign-offs, e-mail furniture -----------------
FIRST = """Priya Rahul Aisha Mohammed Tom Sarah Jake Emily Oluwaseun Wei Ana Lukas Sofia
Dmitri Fatima Kwame Hannah Liam Mei Carlos Siobhan Arjun Zainab Marta Pedro Yuki Nadia
Ben Olga Tariq Chloe Diego Ingrid Kofi Leila Mateus Noor Pavel Rosa Sanjay Thandiwe
Uma Viktor Ximena Yusuf Zoe Deepa Ravi Anil Sunita Gareth Morag Callum Bethany Keisha
Jamal Tyler Brooke Hiroshi Svetlana Ahmed Bilal Ifeoma Chidi Lars Elif Farah Gianluca
Ines Joao Katarzyna Magnus Niamh Rory Shreya Vikram Lakshmi Dylan Megan Connor Aoife
Hamza Amara Jonas Freya Mateo Valentina Andrei Kemi""".split()
LAST = """Shah Patel Okafor Smith Jones Nguyen Kowalski Muller Garcia Rossi O'Brien Kim
Haddad Mensah Ivanova Silva Murphy Khan Sato Brown Williams Dubois Novak Andersson
Mwangi Reyes Chatterjee Fernandes Costa Lindqvist Iyer Reddy Sharma Evans Taylor
MacLeod Hughes Adeyemi Baker Walsh Kaur Singh Tanaka Petrov Yilmaz Nowak Hassan
Campbell Osei Moreau Bianchi Jensen Ali Thompson Wright""".split()
AGENTS = ["Sam", "Alex", "Jamie", "Chris", "Jordan", "Robin", "Kim", "Pat", "Charlie",
          "Sasha", "Jo", "Nico"]
DOMAINS = ["gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "proton.me",
           "mail.com", "btinternet.com", "rediffmail.com", "gmx.de", "live.com", "aol.com",
           "yandex.ru", "web.de", "me.com", "fastmail.com", "sky.com", "orange.fr"]

GREETINGS = ["Hi", "Hello", "Hey", "Hi there", "Hello there", "Hey there", "Good morning",
             "Good afternoon", "Good evening", "Morning", "Afternoon", "Hiya", "Hi team",
             "Hello team", "Hi support", "Hello support team", "Dear Sir/Madam",
             "Dear support team", "Dear team", "To whom it may concern", "Greetings",
             "Hey guys", "Hi folks", "Hi all", "Yo", "Howdy", "Hello again", "Hi again",
             "Hey hey", "Heya", "Hello hello", "Dear customer service", "Hi helpdesk",
             "Good evening team", "Hey support", "Hallo", "Hola", "Bonjour", "Namaste",
             "Salaam", "Hi guys", "Hello folks", "G'morning", "Evening", "Hi y'all"]

IMPATIENCE = [
    "Still waiting for an answer on this", "still no reply", "Nobody has got back to me",
    "Asking again", "Asking for the third time", "This is my third message",
    "Why is nobody answering", "hello?? anyone there", "Is anyone actually reading these",
    "I've been waiting ages for a response", "Can someone please respond", "Still no answer",
    "bump", "Bumping this", "I'm still waiting", "Come on, it's been ages",
    "Seriously, can I get an answer", "Getting really frustrated now", "This is urgent",
    "URGENT", "Really need an answer", "please answer this time", "I need an answer asap",
    "Chasing this up", "Still waiting here", "Any update", "Anyone", "Hello? Anybody",
    "Waiting on a reply still", "Honestly losing patience", "Third time asking",
    "Is there a human I can talk to", "Your chat keeps ignoring me", "No response yet",
    "Can I please get an actual reply", "Been waiting forever", "This is ridiculous",
    "ugh, trying again", "I've asked this a couple of times already", "Nobody seems to care",
    "still nothing from you", "Not happy, still waiting", "Can a real person answer",
    "I'm getting nowhere with the bot", "Repeating myself here", "please please reply",
    "Right, asking one last time", "Helloooo", "Is this chat even monitored",
    "Waiting for ages here", "ok trying this again",
]
APOLOGY = [
    "Sorry to bother you again", "Sorry, me again", "apologies if this is a duplicate",
    "Sorry if I already asked this", "Sorry for the double message", "Apologies for chasing",
    "Sorry, my last message got cut off", "Sorry, I hit enter too soon",
    "Sorry, not sure my message went through", "Apologies, the app glitched",
    "Sorry for the repeat", "Excuse me", "Sorry to pester", "Sorry to trouble you",
    "Apologies for the repost", "sorry if this has been asked already",
    "Sorry, I think my message vanished", "Forgive the follow-up",
    "Sorry, typing this again", "Apologies for the second message", "Sorry for the spam",
    "sorry my phone died", "Sorry, the page refreshed", "oops, here it is again",
    "Sorry, ignore my earlier message, here is the question",
]
FOLLOWUP = [
    "Following up on my chat from earlier", "Re my earlier ticket", "As per my previous message",
    "Further to my earlier chat", "I spoke to someone on chat earlier and got cut off",
    "The chat ended on me without an answer", "Re: the ticket I raised",
    "Continuing from the chat that dropped", "Also asked this in my ticket",
    "The chat timed out, so again", "Your bot didn't understand me, so",
    "Your agent ended the chat without answering", "Following up on the call with your team",
    "Picking up from my previous conversation", "Reposting from my earlier ticket",
    "As discussed with your colleague", "Your colleague asked me to write in here",
    "I was told to message here instead", "My earlier chat got disconnected",
    "Per my last message", "Re-raising my previous query", "Following up",
    "Quick follow-up", "Ref. my earlier chat", "Regarding my ticket",
    "In reference to the conversation I had earlier", "Continuing our chat",
    "Just following up on this", "Re: my query", "Following on from my email",
    "Your assistant told me to ask here", "Got disconnected mid-chat",
]
CONTEXT = [
    "Quick question", "Question for you", "I have a question", "Can you help with something",
    "Need some help", "Need help please", "Got a question", "One question", "Just a quick one",
    "Hoping you can help", "Hope you can help me", "I hope you're well", "Hope you are doing well",
    "Hope all is well", "Not urgent but", "Random question", "Probably a silly question but",
    "This might be a dumb question", "Bit confused", "Hoping someone can help",
    "Can anyone help", "Need a hand", "Wondering if you can help", "Help needed",
    "Hi, hoping for some help", "Need advice", "I'm a bit stuck", "Confused here",
]
SUFFIX_NOTES = [
    "Please reply", "please respond asap", "Need this sorted asap", "Why is this so hard",
    "Still waiting!!", "Waiting...", "hello??", "Answer please", "please help",
    "I really need help with this", "this is getting ridiculous", "Please get back to me",
    "Reply when you can", "Would appreciate a quick answer", "I'd appreciate an urgent answer",
    "can somebody help", "no rush", "Let me know", "Appreciate it", "Please advise",
    "Any help appreciated", "Looking forward to your reply", "Awaiting your response",
    "hope that makes sense", "if that makes sense", "Thanks in advance for your help",
    "Can someone get back to me", "Please sort this out", "I need an answer",
    "Help!!", "pls help", "It's urgent", "Desperate here", "asap please",
    "Would be great to hear back", "Hope you can help", "Grateful for any help",
    "Cheers for any help", "please reply this time", "Still no answer from anyone",
]
SIGNOFFS = ["Thanks", "Thank you", "Thanks in advance", "Thanks so much", "Many thanks",
            "Cheers", "Regards", "Kind regards", "Best regards", "Best", "Thx", "ty", "TIA",
            "Much appreciated", "Appreciate it", "Warm regards", "Best wishes", "All the best",
            "Thanks a million", "Ta", "Cheers mate", "Thank u", "Thank you very much",
            "With thanks", "Yours sincerely", "Yours faithfully", "Sincerely", "Rgds",
            "Thanks and regards", "Thanks!!", "Thank you kindly", "Respectfully",
            "Many thanks in advance", "Speak soon", "Cheers, thanks"]
TITLES = ["Project Manager", "Freelance Photographer", "Teacher", "Software Engineer", "Nurse",
          "Student", "Head of Operations", "Office Manager", "Graphic Designer", "Sales Executive",
          "Marketing Lead", "Consultant", "Director", "Architect", "Research Assistant", "Chef",
          "Physiotherapist", "Store Supervisor", "Logistics Coordinator", "PhD Candidate",
          "Product Designer", "HR Advisor", "Site Engineer", "Owner", "Copywriter"]
COMPANIES = ["Brightwater Logistics", "Northfield Primary School", "Acme Design Studio",
             "Greenleaf Consulting", "Harbour Lane Dental", "Blue Fern Media", "Kestrel Engineering",
             "Oakridge Architects", "Summit Outdoor Gear", "Lotus Tech Solutions Pvt Ltd",
             "Copperpot Kitchen", "Riverbend Housing", "Meridian Health", "Falcon Freight",
             "Willow & Stone Interiors", "Bluebell Nursery", "Orbit Software", "Saffron Events",
             "Pinecrest University", "Redwood Physio Clinic", "Tidewater Marine Services"]
FOOTERS = ["Get Outlook for iOS", "Get Outlook for Android", "Enviado desde mi iPhone",
           "Envoy\u00e9 de mon iPhone", "Von meinem iPhone gesendet", "Inviato da iPhone",
           "Verstuurd vanaf mijn iPhone", "Enviado do meu iPhone", "Wys\u0142ane z iPhone'a",
           "Sorry for brevity, on my phone", "Please excuse typos, typed on a phone",
           "Please consider the environment when printing this email.",
           "This email has been scanned for viruses.",
           "CONFIDENTIALITY: This e-mail and any attachments are confidential and may be "
           "privileged. If you are not the intended addressee, please notify the author and "
           "destroy all copies.",
           "This message and its attachments are private and confidential.",
           "Disclaimer: the views expressed here are my own.",
           "Typed with thumbs, excuse the brevity", "Get BlueMail for Android",
           "From my Samsung Galaxy smartphone",
           "-- \nThis email is intended only for the named addressee."]
SUBJECTS = ["Query", "Help needed", "Question", "Urgent query", "Support request", "Problem",
            "Enquiry", "Customer query", "Help", "Quick question", "(no subject)", "Issue",
            "Complaint", "Please help", "Follow up", "My query", "Request", "Help please"]
FWD_NOTES = ["See below", "Forwarding this again", "FYI - see my message below",
             "Please see below, still not resolved", "Resending my email from earlier",
             "Forwarding as nobody replied", "Re-forwarding this", "Please see my email below",
             "As requested, forwarding my original email", "Nobody replied to this",
             "Any update on the below?", "Forwarding again for visibility", ""]
REPLY_NOTES = ["Any news on this?", "Hello? Still waiting.", "Can you please reply to the below",
               "Still need help with this", "Following up on the below", "Bumping this",
               "See below again", "Please respond to my question below", "Nobody answered this",
               "Any update?", "Chasing this", "Hi, any progress?", "Still waiting on a reply to this",
               "Could someone look at this please", "??", "Following up again"]
QUOTE_LEADS = ["Copying my question from earlier:", "My original message:", "What I asked earlier:",
               "Pasting this again:", "Repeating my question:", "Original question below",
               "As I wrote earlier:", "My question again:", "Re-posting:", "Again:",
               "Earlier message:", "From my ticket:", "This was my question:"]
QUOTE_NOTES = ["any update?", "still no reply", "can someone answer this", "^ this",
               "please see above", "still waiting on an answer to this", "?", "hello??",
               "anyone?", "no answer yet", "please reply to this", "still stuck on this",
               "can I get a response", "^^ still need help with this"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Monday", "Tuesday", "Wednesday",
        "Thursday", "Friday"]


def person(rng):
    f = rng.choice(FIRST)
    l = rng.choice(LAST)
    return f, l


def email_of(f, l, rng):
    base = re.sub(r"[^a-z]", "", f.lower()), re.sub(r"[^a-z]", "", l.lower())
    fmt = rng.choice(["{f}.{l}", "{f}{l}", "{f}_{l}", "{fi}{l}", "{f}.{li}"])
    user = fmt.format(f=base[0], l=base[1], fi=base[0][0], li=base[1][0])
    return user + "@" + rng.choice(DOMAINS)


def join_prefix(prefix, text, rng, joiners):
    j = rng.choice(joiners)
    body = text
    if j == " " or (j in (", ", " - ", " \u2013 ") and rng.random() < 0.7):
        body = lower_first(text)
    return prefix + j + body


def op_greeting(text, rng):
    g = rng.choice(GREETINGS)
    if rng.random() < 0.2 and g in ("Hi", "Hello", "Hey", "Morning", "Good morning"):
        g = g + " " + rng.choice(AGENTS)
    new = join_prefix(g, text, rng, [", ", ",\n", "! ", ". ", " ", "\n\n", "!! ", " - "])
    return new, "greeting"


def op_prefix_note(text, rng):
    kind = rng.choices(["impatience", "apology", "followup", "context"], [30, 22, 28, 20])[0]
    pool = {"impatience": IMPATIENCE, "apology": APOLOGY, "followup": FOLLOWUP,
            "context": CONTEXT}[kind]
    p = rng.choice(pool)
    if p.endswith((" so", " but")):
        joiners = [" ", ", "]
    else:
        joiners = [". ", "! ", "... ", " - ", ": ", ", ", "\n", "!! ", ".\n\n"]
    if rng.random() < 0.15:
        p = p.lower()
    new = join_prefix(p, text, rng, joiners)
    return new, "prefix_note:%s" % kind


def op_suffix_note(text, rng):
    s = rng.choice(SUFFIX_NOTES)
    if rng.random() < 0.2:
        s = s.lower()
    sep = rng.choice([" ", " ", "\n", ". ", " - ", "  ", "\n\n"])
    if sep == ". " and re.search(r"[.?!]$", text):
        sep = " "
    end = rng.choice(["", "", ".", "!", "!!", "?", "..."]) if not re.search(r"[.?!]$", s) else ""
    return text + sep + s + end, "suffix_note"


def op_signoff(text, rng):
    so = rng.choice(SIGNOFFS)
    r = rng.random()
    f, l = person(rng)
    if r < 0.3:
        new = text + rng.choice([" ", "\n", "\n\n"]) + so + rng.choice(["", ".", "!", ","])
        return new, "signoff:plain"
    if r < 0.65:
        name = rng.choice([f, f, f + " " + l, f[0] + ".", f + " " + l[0] + ".", f.lower()])
        new = text + rng.choice(["\n\n", "\n", " "]) + so + rng.choice([",\n", ", ", "\n", " - "]) + name
        return new, "signoff:name"
    name = rng.choice([f, f + " " + l, f.upper(), "- " + f, "~" + f])
    return text + rng.choice([" ", "\n", "\n\n"]) + name, "signoff:name_only"


def op_email_signature(text, rng):
    f, l = person(rng)
    full = f + " " + l
    style = rng.randrange(5)
    if style == 0:
        sig = "--\n%s\n%s\n%s" % (full, rng.choice(TITLES), rng.choice(COMPANIES))
    elif style == 1:
        sig = "%s,\n%s\n%s | %s" % (rng.choice(SIGNOFFS), full, rng.choice(TITLES),
                                    rng.choice(COMPANIES))
    elif style == 2:
        sig = "%s\n%s" % (full, email_of(f, l, rng))
    elif style == 3:
        sig = "%s %s (%s)\n%s" % (rng.choice(["Best,", "Regards,", "Thanks,", "Cheers,"]),
                                  full, rng.choice(["she/her", "he/him", "they/them"]),
                                  rng.choice(COMPANIES))
    else:
        sig = "Kind regards\n\n%s\n%s, %s" % (full.upper() if rng.random() < 0.2 else full,
                                             rng.choice(TITLES), rng.choice(COMPANIES))
    return text + "\n\n" + sig, "email_signature"


def op_email_footer(text, rng):
    ft = rng.choice(FOOTERS)
    sep = rng.choice(["\n\n", "\n\n", "\n\n--\n", "\n\n________________________________\n", "\n"])
    return text + sep + ft, "email_footer"


def subject_for(text, rng):
    if rng.random() < 0.55:
        s = rng.choice(SUBJECTS)
    else:
        ws = re.sub(r"[.?!]+$", "", text).split()
        s = " ".join(ws[:rng.randint(2, 5)])
    return rng.choice(["", "", "Re: ", "RE: ", "Fwd: ", "FW: "]) + s


def op_forward_header(text, rng):
    f, l = person(rng)
    note = rng.choice(FWD_NOTES)
    style = rng.randrange(3)
    subj = subject_for(text, rng)
    if style == 0:
        hdr = ("---------- Forwarded message ---------\nFrom: %s %s <%s>\nSubject: %s\n"
               "To: <customer.support@bank.example>\n\n" % (f, l, email_of(f, l, rng), subj))
    elif style == 1:
        hdr = "Begin forwarded message:\n\nFrom: %s %s <%s>\nSubject: %s\n\n" % (
            f, l, email_of(f, l, rng), subj)
    else:
        hdr = "________________________________\nFrom: %s %s\nSubject: %s\n\n" % (f, l, subj)
    new = (note + "\n\n" if note else "") + hdr + text
    return new, "forward_header:%s" % ["gmail", "apple", "outlook"][style]


def op_reply_quote(text, rng):
    f, l = person(rng)
    note = rng.choice(REPLY_NOTES)
    if rng.random() < 0.5:
        quoted = "\n".join("> " + line for line in text.split("\n"))
        new = "%s\n\nOn %s, %s %s <%s> wrote:\n%s" % (note, rng.choice(DAYS), f, l,
                                                      email_of(f, l, rng), quoted)
        return new, "reply_quote:inline"
    new = "%s\n\n-----Original Message-----\nFrom: %s %s\nSubject: %s\n\n%s" % (
        note, f, l, subject_for(text, rng), text)
    return new, "reply_quote:outlook"


def op_quote_earlier(text, rng):
    style = rng.randrange(5)
    note = rng.choice(QUOTE_NOTES)
    if style == 0:
        new = "> %s\n\n%s" % (text, note)
    elif style == 1:
        new = "\"%s\"\n%s" % (text, note)
    elif style == 2:
        new = "%s\n%s" % (rng.choice(QUOTE_LEADS), text)
    elif style == 3:
        new = "%s \"%s\" - %s" % (rng.choice(QUOTE_LEADS), text, note)
    else:
        new = "%s\n\n%s" % (text, note)
    return new, "quote_earlier"


def op_double_paste(text, rng):
    sep = rng.choice([" ", "\n", "  ", "\n\n"])
    return text + sep + text, "double_paste"


def op_lowercase(text, rng):
    new = text.lower()
    return (new, "lowercase") if new != text else None


def op_uppercase(text, rng):
    new = text.upper()
    return (new, "uppercase") if new != text else None


def op_no_punct(text, rng):
    keep_apos = rng.random() < 0.4
    pat = r"[^\w\s'\u2019$\u00a3\u20ac]" if keep_apos else r"[^\w\s$\u00a3\u20ac]"
    new = re.sub(pat, " ", text)
    new = re.sub(r"[ \t]+", " ", new).strip()
    if new == text:
        return None
    return new, "no_punct"


def op_punct(text, rng):
    end = re.search(r"[.?!]*$", text).group(0)
    q = "?" in end or re.match(r"(how|what|why|when|where|can|is|do|does|will|could|would|are|am"
                               r"|should|has|have|did)\b", text, re.I)
    choices = ["??", "???", "?!", "??!", " ?"] if q else ["!", "!!", "...", "!!!", "."]
    choices = choices + [""]
    new_end = rng.choice(choices)
    if new_end == end:
        return None
    names = {"??": "double_q", "???": "triple_q", "?!": "q_bang", "??!": "qq_bang", " ?": "space_q",
             "!": "bang", "!!": "double_bang", "...": "ellipsis", "!!!": "triple_bang", ".": "dot",
             "": "none"}
    return text[:len(text) - len(end)] + new_end, "punct:%s" % names[new_end]


TELEGRAPHIC_DROP = r"(?<![\w'\u2019])(the|a|an|my|is|are|am|was|I|I'm|do|does|please|it|that|been|" \
    r"just|really|any|some|your|there|have|has|will|can you|could you)(?![\w'\u2019])\s*"


def op_telegraphic(text, rng):
    """Re-typed in a hurry: several small words left out ("card not arrived yet")."""
    ms = list(re.finditer(TELEGRAPHIC_DROP, text, re.I))
    if len(ms) < 2:
        return None
    k = min(len(ms), rng.randint(2, 4))
    drop = sorted(rng.sample(range(len(ms)), k), reverse=True)
    new = text
    for i in drop:
        m = ms[i]
        new = new[:m.start()] + new[m.end():]
    new = tidy(new)
    if text[:1].isupper():
        new = cap_first(new)
    if len(new.split()) < 2 or norm(new) == norm(text):
        return None
    return new, "telegraphic:%d" % k


FRAME_DROPS = [
    r"^(can|could) you (please )?tell me\s+", r"^(please )?tell me\s+", r"^I would like to know\s+",
    r"^I want to know\s+", r"^I'd like to know\s+", r"^I was wondering\s+(if\s+)?",
    r"^I need to know\s+", r"^(can|could) you (please )?(help me|explain)( understand)?\s+",
    r"^do you know\s+", r"^I'd like to ask\s+", r"^I have a question[,.:]?\s+",
    r"^(hi|hello|hey)[,!.]*\s+", r"^(so|ok|okay|well)[,]?\s+", r"^excuse me[,.]?\s+",
    r"^quick question[,.:]?\s+",
    r"(?<=[.?!])\s*(thanks|thank you|thx)( in advance)?[.!]*$",
    r"(?<=[.?!])\s*(please )?help( me)?( please)?[.!]*$", r",\s*please[.!]*$",
    r"(?<=[.?!])\s*(any help is appreciated|help would be appreciated)[.!]*$",
    r"[,.?!]?\s*(can|could) you (please )?help( me)?( with this)?\??$",
    r"(?<=[.?!])\s*what (should|can|do) I do( now)?\??$", r"(?<=[.?!])\s*I need (some )?help[.!]*$",
]


def op_drop_frame(text, rng):
    """The question is typed again without its polite frame or lead-in."""
    opts = []
    for pat in FRAME_DROPS:
        m = re.search(pat, text, re.I)
        if m and m.group(0).strip():
            opts.append(m)
    if not opts:
        return None
    m = rng.choice(opts)
    new = text[:m.start()] + text[m.end():]
    if m.start() == 0 and text[:1].isupper():
        new = cap_first(new)
    if m.end() == len(text):
        new = new.rstrip(" ,")
        if not re.search(r"[.?!]$", new) and rng.random() < 0.5:
            new = new + rng.choice(["?", ".", ""])
    new = tidy(new)
    if len(new.split()) < 3 or norm(new) == norm(text):
        return None
    return new, "drop_frame:%s" % norm(m.group(0)).replace(" ", "_")


RESPELL = [
    (r"\btop[- ]up\b", ["topup", "top-up", "top up"]), (r"\btopup\b", ["top up", "top-up"]),
    (r"\btop[- ]ups\b", ["topups"]), (r"\btop[- ]?ping up\b", ["topping-up"]),
    (r"\be-mail\b", ["email"]), (r"\bemail\b", ["e-mail", "mail"]), (r"\blog in\b", ["login", "log-in"]),
    (r"\blogin\b", ["log in"]), (r"\bsign up\b", ["signup", "sign-up"]), (r"\bwebsite\b", ["web site", "site"]),
    (r"\bokay\b", ["ok", "OK"]), (r"\bOK\b", ["okay"]), (r"\bpin number\b", ["pin"]),
    (r"\bPIN number\b", ["PIN"]), (r"\bATM machine\b", ["ATM"]), (r"\bATM\b", ["atm machine", "ATM machine"]),
    (r"\bcan not\b", ["cannot"]), (r"\bcannot\b", ["can not"]), (r"\bsmartphone\b", ["smart phone"]),
    (r"\bcrypto ?currency\b", ["crypto"]), (r"\bcryptocurrencies\b", ["cryptos", "crypto"]),
    (r"\bapp\b", ["application", "App"]),
    (r"\bID\b", ["I.D.", "id"]), (r"\bonline\b", ["on-line", "on line"]), (r"\bwifi\b", ["wi-fi"]),
    (r"\bbeneficiary\b", ["payee"]), (r"\bpayee\b", ["beneficiary"]),
    (r"\bpassport\b", ["passport"]), (r"\bdidn't\b", ["didnt", "did'nt"]),
    (r"\ba lot\b", ["alot"]), (r"\bany more\b", ["any more"]), (r"\bsome one\b", ["someone"]),
    (r"\bin to\b", ["into"]), (r"\binto\b", ["in to"]), (r"\bshowing up\b", ["showing"]),
]


def op_respell(text, rng):
    """Compound / spelling variants a customer types differently the second time."""
    opts = [(p, r) for p, r in RESPELL if re.search(p, text, re.I)]
    rng.shuffle(opts)
    for pat, reps in opts:
        r = sub_one(text, pat, reps, rng, flags=re.I if not pat.startswith("\\b" + "ID") else 0)
        if r and norm(r[0]) != norm(text):
            return r[0], "respell:%s>%s" % (r[1], r[2])
    return None


NEAR_OPS = {
    "typo": (op_typo, 0, True), "autocorrect": (op_autocorrect, 0, True),
    "textspeak": (op_textspeak, 0, True), "contraction": (op_contraction, 0, True),
    "synonym": (op_synonym, 0, True), "dialect": (op_dialect, 0, True),
    "reframe": (op_reframe, 0, True), "drop_word": (op_drop_word, 0, True),
    "reorder": (op_reorder, 0, True), "filler": (op_filler, 0, True),
    "telegraphic": (op_telegraphic, 0, True), "drop_frame": (op_drop_frame, 0, True),
    "respell": (op_respell, 0, True),
    "nonnative": (op_nonnative, 0, True), "indian_english": (op_indian, 0, True),
    "greeting": (op_greeting, 2, True), "prefix_note": (op_prefix_note, 1, True),
    "suffix_note": (op_suffix_note, 1, True), "signoff": (op_signoff, 3, True),
    "quote_earlier": (op_quote_earlier, 0.5, True), "double_paste": (op_double_paste, 0.5, True),
    "lowercase": (op_lowercase, 4, False), "uppercase": (op_uppercase, 4, False),
    "no_punct": (op_no_punct, 4, False), "punct": (op_punct, 4, False),
    "email_signature": (op_email_signature, 6, True), "email_footer": (op_email_footer, 7, True),
    "forward_header": (op_forward_header, 5, True), "reply_quote": (op_reply_quote, 5, True),
}

# scenario: (weight, {op: weight}, number-of-edits weights for 1,2,3)
SCENARIOS = {
    "phone_retype": (19, {"typo": 10, "drop_word": 3, "textspeak": 3, "autocorrect": 3,
                          "lowercase": 5, "no_punct": 4, "punct": 2, "contraction": 2,
                          "telegraphic": 2, "respell": 3}, [3, 4, 3]),
    "memory_reword": (24, {"reframe": 5, "synonym": 5, "drop_word": 2, "reorder": 6,
                           "contraction": 2, "filler": 2, "telegraphic": 3, "drop_frame": 6,
                           "respell": 3, "typo": 1, "lowercase": 1}, [3, 4, 3]),
    "chat_note": (16, {"prefix_note": 7, "suffix_note": 4, "greeting": 5, "signoff": 4,
                       "quote_earlier": 3, "double_paste": 1, "typo": 2, "lowercase": 2,
                       "uppercase": 1,
                       "punct": 1, "drop_frame": 1}, [4, 4, 2]),
    "email": (9, {"forward_header": 4, "reply_quote": 4, "email_signature": 4,
                   "email_footer": 4, "greeting": 3, "signoff": 2}, [4, 4, 2]),
    "nonnative": (10, {"nonnative": 10, "typo": 2, "lowercase": 1, "greeting": 1,
                       "drop_word": 1, "telegraphic": 1}, [4, 4, 2]),
    "indian": (7, {"indian_english": 10, "reframe": 1, "textspeak": 1, "signoff": 1,
                   "typo": 1}, [4, 4, 2]),
    "dialect": (6, {"dialect": 10, "synonym": 2, "contraction": 2, "typo": 1, "respell": 2},
                [5, 4, 1]),
    "textspeak_shout": (11, {"textspeak": 8, "uppercase": 6, "lowercase": 3, "punct": 3,
                             "prefix_note": 2, "no_punct": 2, "filler": 2, "telegraphic": 1},
                        [3, 4, 3]),
}


def near_guard(src, near):
    if norm(near) == norm(src) or len(toks(near)) < 2:
        return "same"
    if digit_runs(near) != digit_runs(src):
        return "digits"
    if currency_syms(near) != currency_syms(src):
        return "currency"
    if neg_count(near) < neg_count(src):
        return "negation"
    if flip_set(near) != flip_set(src):
        return "flip"
    if survival(src, near) < SURVIVAL_MIN:
        return "survival"
    return None


# edits that apply to few messages get picked more often when they do apply
BOOST = {"respell": 3, "drop_frame": 3, "reorder": 2, "autocorrect": 1.5}
PRIMARY = {"dialect": "dialect", "indian": "indian_english", "nonnative": "nonnative",
           "textspeak_shout": "textspeak"}


def make_near(src, rng):
    names = sorted(SCENARIOS)
    weights = [SCENARIOS[n][0] for n in names]
    if op_dialect(src, random.Random(0)) is not None:
        # dialect words are rare in the source data: favour them when they occur
        weights = [w * (8 if n == "dialect" else 1) for n, w in zip(names, weights)]
    for _attempt in range(40):
        scen = rng.choices(names, weights)[0]
        _, pool, kw = SCENARIOS[scen]
        k = rng.choices([1, 2, 3], kw)[0]
        ops = []
        avail = {}
        for o in sorted(pool):
            if NEAR_OPS[o][0](src, random.Random(rng.random())) is not None:
                avail[o] = pool[o] * BOOST.get(o, 1)
        if scen in PRIMARY:
            prim = PRIMARY[scen]
            if NEAR_OPS[prim][0](src, random.Random(rng.random())) is None:
                continue
            ops.append(prim)
            avail.pop(prim, None)
        while len(ops) < k and avail:
            nm = sorted(avail)
            o = rng.choices(nm, [avail[x] for x in nm])[0]
            ops.append(o)
            if o != "typo" or ops.count("typo") >= 2:
                del avail[o]
            if o in ("lowercase", "uppercase"):
                avail.pop("lowercase", None)
                avail.pop("uppercase", None)
            if o in ("forward_header", "reply_quote", "quote_earlier", "double_paste"):
                for x in ("forward_header", "reply_quote", "quote_earlier", "double_paste"):
                    avail.pop(x, None)
        if not any(NEAR_OPS[o][2] for o in ops):
            continue
        ops.sort(key=lambda o: NEAR_OPS[o][1])
        text = src
        edits = []
        ok = True
        seen = [norm(src)]
        for o in ops:
            r = NEAR_OPS[o][0](text, rng)
            if r is None:
                ok = False
                break
            text, e = r
            edits.append(e)
            if NEAR_OPS[o][2]:
                # every content edit must leave a visible trace (no edit undoing another)
                if norm(text) in seen:
                    ok = False
                    break
                seen.append(norm(text))
        if not ok:
            continue
        if near_guard(src, text) is None:
            return text, edits, scen
    return None


# ---------------------------------------------------------------------------
# hard negatives: exactly one meaning-changing edit
# ---------------------------------------------------------------------------
def _dep_rep(m, text):
    nxt = word_after(text, m)
    prv = word_before(text, m)
    if nxt in ("money", "cash", "funds", "a", "my", "some", "the", "into", "in", "to", "cheques",
               "checks", "it", "this", "that") or prv in ("to", "i", "can", "cannot", "will",
                                                           "please", "how", "not", "you"):
        return "withdraw"
    return "withdrawal"


def _deposited_rep(m, text):
    return "withdrawn" if word_before(text, m) in ("was", "been", "were", "is", "be", "got",
                                                    "being", "are") else "withdrew"


def _withdrew_rep(m, text):
    return "deposited"


ANTONYMS = [
    # (pattern, replacement list or callable(m, text), subtype)
    (r"\bdeposit\b", _dep_rep, "deposit_withdraw"),
    (r"\bdeposits\b", ["withdrawals"], "deposit_withdraw"),
    (r"\bdeposited\b", _deposited_rep, "deposit_withdraw"),
    (r"\bdepositing\b", ["withdrawing"], "deposit_withdraw"),
    (r"\bwithdraw\b", ["deposit"], "deposit_withdraw"),
    (r"\bwithdrawal\b", ["deposit"], "deposit_withdraw"),
    (r"\bwithdrawals\b", ["deposits"], "deposit_withdraw"),
    (r"\bwithdrew\b", ["deposited"], "deposit_withdraw"),
    (r"\bwithdrawn\b", ["deposited"], "deposit_withdraw"),
    (r"\bwithdrawing\b", ["depositing"], "deposit_withdraw"),
    (r"\bdebit\b", ["credit"], "debit_credit"), (r"\bcredit\b", ["debit"], "debit_credit"),
    (r"\bdebited\b", ["credited"], "debit_credit"), (r"\bcredited\b", ["debited"], "debit_credit"),
    (r"\bsent\b", ["received"], "send_receive"), (r"\breceived\b", ["sent"], "send_receive"),
    (r"\bsend\b", ["receive"], "send_receive"), (r"\breceive\b", ["send"], "send_receive"),
    (r"\bsending\b", ["receiving"], "send_receive"), (r"\breceiving\b", ["sending"], "send_receive"),
    (r"\bsender\b", ["recipient"], "send_receive"), (r"\brecipient\b", ["sender"], "send_receive"),
    (r"\bincoming\b", ["outgoing"], "send_receive"), (r"\boutgoing\b", ["incoming"], "send_receive"),
    (r"\bbuy\b", ["sell"], "buy_sell"), (r"\bsell\b", ["buy"], "buy_sell"),
    (r"\bbought\b", ["sold"], "buy_sell"), (r"\bsold\b", ["bought"], "buy_sell"),
    (r"\bbuying\b", ["selling"], "buy_sell"), (r"\bselling\b", ["buying"], "buy_sell"),
    (r"\bweek\b", ["month", "day"], "time_unit"), (r"\bweeks\b", ["months", "days"], "time_unit"),
    (r"\bmonth\b", ["week", "year"], "time_unit"), (r"\bmonths\b", ["weeks", "years"], "time_unit"),
    (r"\bday\b", ["week", "month"], "time_unit"), (r"\bdays\b", ["weeks", "hours"], "time_unit"),
    (r"\bhour\b", ["day", "week"], "time_unit"), (r"\bhours\b", ["days", "minutes"], "time_unit"),
    (r"\bminutes\b", ["hours", "days"], "time_unit"), (r"\byear\b", ["month"], "time_unit"),
    (r"\byears\b", ["months"], "time_unit"), (r"\bdaily\b", ["weekly", "monthly"], "time_unit"),
    (r"\bweekly\b", ["monthly", "daily"], "time_unit"), (r"\bmonthly\b", ["weekly", "yearly"], "time_unit"),
    (r"\btoday\b", ["yesterday", "last week"], "time_point"), (r"\byesterday\b", ["today", "last month"], "time_point"),
    (r"\btomorrow\b", ["today", "next week"], "time_point"),
    (r"\bactivate\b", ["deactivate"], "state"), (r"\bactivated\b", ["deactivated"], "state"),
    (r"\bdeactivate\b", ["activate"], "state"), (r"\bblock\b", ["unblock"], "state"),
    (r"\bunblock\b", ["block"], "state"), (r"\bblocked\b", ["unblocked"], "state"),
    (r"\bunblocked\b", ["blocked"], "state"), (r"\bfreeze\b", ["unfreeze"], "state"),
    (r"\bunfreeze\b", ["freeze"], "state"), (r"\bfrozen\b", ["unfrozen"], "state"),
    (r"\block\b", ["unlock"], "state"), (r"\bunlock\b", ["lock"], "state"),
    (r"\blocked\b", ["unlocked"], "state"), (r"\bunlocked\b", ["locked"], "state"),
    (r"\benable\b", ["disable"], "state"), (r"\bdisable\b", ["enable"], "state"),
    (r"\benabled\b", ["disabled"], "state"), (r"\bdisabled\b", ["enabled"], "state"),
    (r"\bopen\b", ["close"], "state"), (r"\bclose\b", ["open"], "state"),
    (r"\bopened\b", ["closed"], "state"), (r"\bclosed\b", ["opened"], "state"),
    (r"\bstart\b", ["stop"], "state"), (r"\bstop\b", ["start"], "state"),
    (r"\bstarted\b", ["stopped"], "state"), (r"\bstopped\b", ["started"], "state"),
    (r"\bdeclined\b", ["accepted", "approved"], "outcome"), (r"\baccepted\b", ["declined"], "outcome"),
    (r"\bapproved\b", ["declined"], "outcome"), (r"\brejected\b", ["accepted"], "outcome"),
    (r"\bdecline\b", ["accept"], "outcome"), (r"\baccept\b", ["decline"], "outcome"),
    (r"\bincrease\b", ["decrease", "lower"], "quantity"), (r"\bdecrease\b", ["increase"], "quantity"),
    (r"\bincreased\b", ["decreased"], "quantity"), (r"\bdecreased\b", ["increased"], "quantity"),
    (r"\braise\b", ["lower"], "quantity"), (r"\bhigher\b", ["lower"], "quantity"),
    (r"\blower\b", ["higher"], "quantity"), (r"\bmaximum\b", ["minimum"], "quantity"),
    (r"\bminimum\b", ["maximum"], "quantity"), (r"\bmax\b", ["min"], "quantity"),
    (r"\bhighest\b", ["lowest"], "quantity"), (r"\blowest\b", ["highest"], "quantity"),
    (r"\bmore\b", ["less"], "quantity"), (r"\bless\b", ["more"], "quantity"),
    (r"\btwice\b", ["once", "three times"], "quantity"),
    (r"\bphysical\b", ["virtual"], "card_type"), (r"\bvirtual\b", ["physical"], "card_type"),
    (r"\bdisposable\b", ["physical", "permanent"], "card_type"),
    (r"\bApple\b", ["Google"], "wallet_brand"), (r"\bGoogle\b", ["Apple"], "wallet_brand"),
    (r"\bVisa\b", ["Mastercard"], "card_brand"), (r"\bMastercard\b", ["Visa"], "card_brand"),
    (r"\bMaster ?card\b", ["Visa"], "card_brand"),
    (r"\bbefore\b", ["after"], "before_after"), (r"\bafter\b", ["before"], "before_after"),
    (r"\bfee\b", ["limit"], "fee_limit"), (r"\bfees\b", ["limits"], "fee_limit"),
    (r"\blimit\b", ["fee"], "fee_limit"), (r"\blimits\b", ["fees"], "fee_limit"),
    (r"\bpasscode\b", ["PIN"], "pin_passcode"),
    (r"\bcorrect\b", ["wrong"], "right_wrong"), (r"\bwrong\b", ["correct", "right"], "right_wrong"),
    (r"\bincorrect\b", ["correct"], "right_wrong"),
    (r"\binternational\b", ["domestic"], "scope"), (r"\bdomestic\b", ["international"], "scope"),
    (r"\bforeign\b", ["local"], "scope"), (r"\babroad\b", ["locally", "at home"], "scope"),
    (r"\boverseas\b", ["locally"], "scope"),
    (r"\bcharged\b", ["refunded"], "charge_refund"), (r"\bcharges\b", ["refunds"], "charge_refund"),
    (r"\brefunded\b", ["charged"], "charge_refund"),
    (r"\bsame\b", ["different"], "same_different"), (r"\ba different\b", ["the same"], "same_different"),
    (r"\bold\b", ["new"], "old_new"), (r"\bnew\b", ["old"], "old_new"),
    (r"\bexpensive\b", ["cheap"], "price"), (r"\bcheap\b", ["expensive"], "price"),
    (r"\bexchange rate\b", ["exchange fee"], "rate_fee"), (r"\bexchange rates\b", ["exchange fees"], "rate_fee"),
    (r"\bearly\b", ["late"], "timing"), (r"\blate\b", ["early"], "timing"),
    (r"\bpin\b", ["passcode"], "pin_passcode"),
]
PLACE_SWAP = {"UK": ["US", "EU"], "US": ["UK", "EU"], "USA": ["UK"], "EU": ["US", "UK"],
              "America": ["Europe"], "Europe": ["America", "Asia"], "American": ["European"],
              "European": ["American"], "British": ["American"], "Britain": ["America"],
              "England": ["France", "Spain"]}
CURRENCY_SWAP = {"euros": ["dollars", "pounds"], "euro": ["dollar", "pound"],
                 "dollars": ["euros", "pounds"], "dollar": ["euro", "pound"],
                 "pounds": ["euros", "dollars"], "pound": ["euro", "dollar"],
                 "GBP": ["EUR", "USD"], "USD": ["GBP", "EUR"], "EUR": ["USD", "GBP"]}
RELATIONS = ["son's", "daughter's", "husband's", "wife's", "partner's", "friend's", "mum's",
             "dad's", "child's", "brother's", "sister's", "flatmate's"]

NEG_ADD = {"is": "isn't", "was": "wasn't", "are": "aren't", "were": "weren't", "can": "can't",
           "will": "won't", "could": "couldn't", "would": "wouldn't", "should": "shouldn't",
           "has": "hasn't", "have": "haven't", "did": "didn't", "does": "doesn't", "do": "don't"}
NEG_REMOVE = [(r"\bisn't\b", "is"), (r"\bwasn't\b", "was"), (r"\baren't\b", "are"),
              (r"\bweren't\b", "were"), (r"\bcan't\b", "can"), (r"\bcannot\b", "can"),
              (r"\bwon't\b", "will"), (r"\bcouldn't\b", "could"), (r"\bwouldn't\b", "would"),
              (r"\bshouldn't\b", "should"), (r"\bhasn't\b", "has"), (r"\bhaven't\b", "have"),
              (r"\bdidn't\b", "did"), (r"\bdoesn't\b", "does"), (r"\bdon't\b", "do"),
              (r"\bisnt\b", "is"), (r"\bcant\b", "can"), (r"\bdidnt\b", "did"),
              (r"\bdoesnt\b", "does"), (r"\bdont\b", "do"), (r"\bhasnt\b", "has"),
              (r"\bhavent\b", "have"), (r"\bwont\b", "will"), (r"\bwasnt\b", "was"),
              (r"\bnot\s+(?!(yet|only|even|just|sure)\b)", ""), (r"\bnever\s+", ""), (r"\bunable to\b", "able to")]
PARTICIPLE_HINT = re.compile(r"^(been|got|gotten|received|made|seen|done|had|arrived|come|gone|"
                             r"\w+ed)$")


def op_neg_antonym(text, rng):
    opts = []
    for pat, reps, sub in ANTONYMS:
        flags = 0 if pat in (r"\bApple\b", r"\bGoogle\b", r"\bVisa\b") else re.I
        for m in re.finditer(pat, text, flags):
            opts.append((pat, reps, sub, flags, m))
    if not opts:
        return None
    pat, reps, sub, flags, m = rng.choice(opts)
    w = m.group(0).lower()
    nxt, prv = word_after(text, m), word_before(text, m)
    # grammar / sense conditions
    if w in ("more", "less") and (prv in ("any", "no", "once", "one", "some") or nxt in (
            "time", "times", "information", "info", "details", "help", "question", "questions")):
        return None
    if w in ("open", "close") and (nxt in ("to", "up") or prv in ("too", "very", "so")):
        return None
    if w == "new" and prv not in ("my", "a", "the", "another", "this", "your"):
        return None
    if w == "old" and prv not in ("my", "an", "the", "this", "your"):
        return None
    if w in ("apple", "google") and nxt != "pay":
        return None
    if w == "wrong" and prv not in ("the", "a", "an", "was", "is", "were", "are"):
        return None
    if w == "correct" and prv not in ("the", "a", "is", "was", "not", "are", "were"):
        return None
    if w == "same" and prv != "the":
        return None
    if w in ("block", "lock") and prv in ("a", "the"):
        return None
    if w in ("send", "receive", "sent", "received") and (
            nxt in ("me", "you", "him", "her", "us", "them", "it", "my", "a", "an") and w.startswith("send")
            or prv in ("please", "you")):
        return None
    if w == "same":
        rep2 = "a different" if re.match(r"\s+[A-Za-z]", text[m.end():]) else "different"
        start = m.start()
        pre = re.search(r"\bthe\s+$", text[:start], re.I)
        if pre:
            start = pre.start()
        return (text[:start] + rep2 + text[m.end():],
                "antonym:same_different:the same>%s" % rep2)
    if callable(reps):
        rep = reps(m, text)
    else:
        rep = rng.choice(reps)
    if sub in ("wallet_brand", "card_brand"):
        new = text[:m.start()] + rep + text[m.end():]
    elif sub == "pin_passcode":
        new = text[:m.start()] + (rep if m.group(0) != "Pin" else rep.capitalize()) + text[m.end():]
    else:
        new = text[:m.start()] + match_case(m.group(0), rep) + text[m.end():]
    # article agreement: a/an before the replaced word
    new = fix_article(new, m.start())
    return new, "antonym:%s:%s>%s" % (sub, m.group(0), rep)


def fix_article(s, pos):
    pre = s[:pos]
    m = re.search(r"\b(a|an|A|An)\s+$", pre)
    if not m:
        return s
    nxt = s[pos:pos + 1].lower()
    want = "an" if nxt in "aeiou" and nxt else "a"
    if m.group(1).lower() == want:
        return s
    rep = want if m.group(1).islower() else want.capitalize()
    return pre[:m.start(1)] + rep + pre[m.end(1):] + s[pos:]


def op_neg_place(text, rng):
    opts = []
    for k in PLACE_SWAP:
        for m in re.finditer(r"\b%s\b(?! (Union|Economic|Commission|Parliament))" % k, text):
            opts.append((m, PLACE_SWAP[k]))
    for c in COUNTRIES:
        for m in re.finditer(r"\b%s\b" % c, text, re.I):
            others = [x for x in ("Spain", "France", "Germany", "Italy", "Canada", "Mexico",
                                  "Japan", "China", "Australia", "Ireland", "Portugal", "Poland")
                      if x.lower() != c]
            opts.append((m, others))
    if not opts:
        return None
    m, reps = rng.choice(opts)
    rep = rng.choice(reps)
    return text[:m.start()] + rep + text[m.end():], "place:%s>%s" % (m.group(0), rep)


def op_neg_currency(text, rng):
    opts = []
    for k in CURRENCY_SWAP:
        flags = 0 if k.isupper() else re.I
        for m in re.finditer(r"\b%s\b" % k, text, flags):
            opts.append(("word", m, CURRENCY_SWAP[k]))
    for m in re.finditer(r"[$\u00a3\u20ac]", text):
        opts.append(("symbol", m, [c for c in "$\u00a3\u20ac" if c != m.group(0)]))
    if not opts:
        return None
    kind, m, reps = rng.choice(opts)
    rep = rng.choice(reps)
    rep2 = match_case(m.group(0), rep) if kind == "word" and not m.group(0).isupper() else rep
    return text[:m.start()] + rep2 + text[m.end():], "currency:%s>%s" % (m.group(0), rep)


def op_neg_number(text, rng):
    ms = list(re.finditer(r"(?<![\d.,])\d+", text))  # whole numbers / integer parts only
    if not ms:
        return None
    m = rng.choice(ms)
    n = int(m.group(0))
    if n >= 1900 and n <= 2100:
        cands = [n - 1, n + 1]
    elif n == 0:
        cands = [1, 5]
    elif n == 1:
        cands = [2, 3]
    else:
        cands = sorted({n + 1, n * 2, n * 10, max(1, n - 1), n + 5} - {n})
    new_n = rng.choice(cands)
    s = str(new_n)
    if len(m.group(0)) > 1 and m.group(0).startswith("0"):
        s = s.zfill(len(m.group(0)))
    return text[:m.start()] + s + text[m.end():], "number:%s>%s" % (m.group(0), s)


def op_neg_negation(text, rng):
    opts = []
    for pat, rep in NEG_REMOVE:
        for m in re.finditer(pat, text, re.I):
            opts.append(("remove", m, rep))
    for m in re.finditer(r"\b(%s)\b" % "|".join(NEG_ADD), text, re.I):
        w = m.group(1).lower()
        if at_sentence_start(text, m):
            continue
        prv, nxt = word_before(text, m), word_after(text, m)
        if prv in ("what", "where", "who", "which", "how", "when", "long", "much", "many", "often",
                   "soon", "there", "that", "it", "this"):
            if not (prv in ("there", "that", "it", "this") and w in ("is", "was", "are", "were")):
                continue
        if w in ("have", "has") and not PARTICIPLE_HINT.match(nxt or ""):
            continue
        if w in ("do", "does", "did") and prv != "why":
            continue
        if prv in ("please", "so", "and"):
            continue
        if nxt in ("not", "never", "n't", "still", "already", "just", "also", "always", "only",
                   "really", "yet"):
            continue
        if re.match(r"\s+it\s+that\b", text[m.end():], re.I):
            continue
        opts.append(("add", m, NEG_ADD[w]))
    if not opts:
        return None
    kind, m, rep = rng.choice(opts)
    new = text[:m.start()] + match_case(m.group(0), rep) if rep else text[:m.start()]
    rest = text[m.end():]
    if kind == "remove":
        # "hasn't arrived yet" -> "has arrived": the dangling "yet" goes with the negation
        rest = re.sub(r"^((?:\s*\w+){0,3}?)\s+yet\b", r"\1", rest, count=1)
    new = new + rest
    new = tidy(new)
    return new, "negation:%s:%s>%s" % (kind, m.group(0).strip(), rep or "(deleted)")


def op_neg_wh(text, rng):
    rules = [(r"\bhow do I\b", ["why do I", "why should I"]),
             (r"\bwhere can I\b", ["when can I"]), (r"\bwhen can I\b", ["where can I"]),
             (r"\bwhen will\b", ["where will"]), (r"\bwhy did\b", ["when did"]),
             (r"\bwhen did\b", ["why did"]), (r"\bwhy was\b", ["when was"]),
             (r"\bwhy do I have to\b", ["how do I"]), (r"\bwhy do I need to\b", ["how do I"])]
    opts = [r for r in rules if re.search(r[0], text, re.I)]
    if not opts:
        return None
    pat, reps = rng.choice(opts)
    r = sub_one(text, pat, reps, rng)
    if not r:
        return None
    return r[0], "wh:%s>%s" % (r[1], r[2])


def op_neg_owner(text, rng):
    ms = list(re.finditer(r"\bmy (card|account|PIN|pin|transfer|payment|top-up|top up|details|"
                          r"identity|phone|money|cards|statement|balance|passcode)\b", text))
    if not ms:
        return None
    m = rng.choice(ms)
    rel = rng.choice(RELATIONS)
    new = text[:m.start()] + m.group(0)[:2] + " " + rel + text[m.start() + 2:]
    return new, "owner:my>my %s" % rel


NEG_OPS = [("antonym", op_neg_antonym, 55), ("negation", op_neg_negation, 35),
           ("wh", op_neg_wh, 3), ("owner", op_neg_owner, 3), ("number", op_neg_number, 3),
           ("currency", op_neg_currency, 3), ("place", op_neg_place, 3)]


def neg_guard(src, new, train_norms):
    if norm(new) == norm(src):
        return "same"
    if norm(new) in train_norms:
        return "in_train"
    tc = token_change(src, new)
    if tc < 1 or tc > NEG_MAX_TOKENS:
        return "tokens"
    if signature(new) == signature(src):
        return "signature"
    return None


NEG_QUOTAS = [("number", 15), ("currency", 12), ("place", 20), ("wh", 20), ("owner", 20)]


def make_negative(src, rng, train_norms, only=None):
    names = [x[0] for x in NEG_OPS]
    weights = [x[2] for x in NEG_OPS]
    fn = {x[0]: x[1] for x in NEG_OPS}
    for _ in range(25):
        nm = only or rng.choices(names, weights)[0]
        r = fn[nm](src, rng)
        if r is None:
            continue
        new, e = r
        if neg_guard(src, new, train_norms) is None:
            return new, [e]
    return None


# ---------------------------------------------------------------------------
# exact copies
# ---------------------------------------------------------------------------
def make_exact(src, rng):
    for _ in range(30):
        if rng.random() < 0.25:
            return src, ["verbatim"]
        ops = rng.sample(["case", "final_punct", "apostrophe", "spacing"], rng.choice([1, 1, 2]))
        text = src
        edits = []
        for o in ["case", "apostrophe", "final_punct", "spacing"]:
            if o not in ops:
                continue
            if o == "case":
                sub = rng.choice(["lower", "lower", "upper", "first_lower", "first_upper"])
                new = {"lower": text.lower(), "upper": text.upper(),
                       "first_lower": text[:1].lower() + text[1:],
                       "first_upper": text[:1].upper() + text[1:]}[sub]
            elif o == "apostrophe":
                if "'" not in text:
                    new = text
                else:
                    sub = rng.choice(["drop", "drop", "curly"])
                    new = text.replace("'", "" if sub == "drop" else "\u2019")
            elif o == "spacing":
                sub = rng.choice(["double", "trailing", "leading", "before_punct", "newline_end"])
                if sub == "double":
                    sp = [m.start() for m in re.finditer(" ", text)]
                    if not sp:
                        new = text
                    else:
                        i = rng.choice(sp)
                        new = text[:i] + "  " + text[i + 1:]
                elif sub == "trailing":
                    new = text + rng.choice([" ", "  "])
                elif sub == "leading":
                    new = " " + text
                elif sub == "newline_end":
                    new = text + "\n"
                else:
                    m = re.search(r"([.?!]+)$", text)
                    new = text[:m.start()] + " " + m.group(1) if m else text
            else:
                end = re.search(r"[.?!]*$", text).group(0)
                sub = rng.choice(["drop", "add_q", "add_dot", "double", "swap"])
                if sub == "drop":
                    new_end = ""
                elif sub == "add_q":
                    new_end = "?"
                elif sub == "add_dot":
                    new_end = "."
                elif sub == "double":
                    new_end = (end[:1] or "?") * 2
                else:
                    new_end = {"?": ".", ".": "?", "!": "."}.get(end[:1], "!")
                new = text[:len(text) - len(end)] + new_end
            if new != text:
                text = new
                edits.append("%s:%s" % (o, sub))
        if edits and norm(text) == norm(src) and surface_key(text) == surface_key(src):
            return text, edits
    return src, ["verbatim"]


# ---------------------------------------------------------------------------
# assembly
# ---------------------------------------------------------------------------
def build(train_path):
    rng = random.Random(SEED)
    train = load_train(train_path)
    train_norms = {norm(collapse(t)) for t, _ in train}
    origs = select_originals(train, rng)
    rng.shuffle(origs)
    orig_norm = [o["n"] for o in origs]
    orig_words = [o["w"] for o in origs]
    used_norms = set(orig_norm)

    def closer_to_source(text, si):
        ws = word_set(text)
        own = jaccard(ws, orig_words[si])
        for j, ow in enumerate(orig_words):
            if j != si and jaccard(ws, ow) >= own:
                return False
        return True

    order = list(range(N_ORIG))
    rng.shuffle(order)
    taken = set()
    planted = []  # (source index, kind, text, edits)

    # negatives first (most constrained); the rarer edit types get a first pass
    neg_counts = collections.Counter()
    for only, quota in NEG_QUOTAS + [(None, N_NEG)]:
        for si in order:
            if len([p for p in planted if p[1] == "negative"]) >= N_NEG:
                break
            if si in taken or (only and neg_counts[only] >= quota):
                continue
            r = make_negative(origs[si]["text"], rng, train_norms, only)
            if r is None:
                continue
            text, edits = r
            n = norm(text)
            if n in used_norms or not closer_to_source(text, si):
                continue
            used_norms.add(n)
            taken.add(si)
            neg_counts[edits[0].split(":")[0]] += 1
            planted.append((si, "negative", text, edits))
    near_scen = collections.Counter()
    for si in order:
        if sum(1 for p in planted if p[1] == "near") >= N_NEAR:
            break
        if si in taken:
            continue
        r = make_near(origs[si]["text"], rng)
        if r is None:
            continue
        text, edits, scen = r
        n = norm(text)
        if n in used_norms or not closer_to_source(text, si):
            continue
        used_norms.add(n)
        taken.add(si)
        near_scen[scen] += 1
        planted.append((si, "near", text, edits))
    for si in order:
        if sum(1 for p in planted if p[1] == "exact") >= N_EXACT:
            break
        if si in taken:
            continue
        text, edits = make_exact(origs[si]["text"], rng)
        taken.add(si)
        planted.append((si, "exact", text, edits))
    counts = collections.Counter(p[1] for p in planted)
    if counts != {"negative": N_NEG, "near": N_NEAR, "exact": N_EXACT}:
        raise SystemExit("could not plant enough rows: %r" % counts)

    # placement: half soon (1..40 rows after the source), half later (> 40 rows after)
    mode = {}
    for kind in ("exact", "near", "negative"):
        rows = [i for i, p in enumerate(planted) if p[1] == kind]
        rng.shuffle(rows)
        late_ok = [i for i in rows if planted[i][0] < N_ORIG - 80]
        half = len(rows) // 2
        late = set(late_ok[:half])
        for i in rows:
            mode[i] = "late" if i in late else "soon"
    keys = {}

    def draw(i):
        s = planted[i][0]
        if mode[i] == "soon":
            return s + rng.uniform(0.02, 20.0)
        return rng.uniform(s + 34.0, N_ORIG + 0.5)

    for i in range(len(planted)):
        keys[i] = draw(i)
    for _it in range(2000):
        seq = [("o", j, float(j)) for j in range(N_ORIG)] + \
              [("p", i, keys[i]) for i in range(len(planted))]
        seq.sort(key=lambda x: (x[2], 0 if x[0] == "o" else 1, x[1]))
        pos_o = {}
        pos_p = {}
        for idx, (t, j, _) in enumerate(seq):
            (pos_o if t == "o" else pos_p)[j] = idx
        bad = []
        for i, p in enumerate(planted):
            gap = pos_p[i] - pos_o[p[0]]
            if mode[i] == "soon" and not (1 <= gap <= SOON_MAX):
                bad.append(i)
            if mode[i] == "late" and gap <= SOON_MAX:
                bad.append(i)
        if not bad:
            break
        for i in bad:
            keys[i] = draw(i)
    else:
        raise SystemExit("placement did not converge")

    rows = []
    ids_o = {}
    for idx, (t, j, _) in enumerate(seq):
        rid = "g%05d" % idx
        if t == "o":
            ids_o[j] = rid
            rows.append({"id": rid, "text": origs[j]["text"], "kind": "original",
                         "source_id": "", "edits": []})
        else:
            si, kind, text, edits = planted[j]
            rows.append({"id": rid, "text": text, "kind": kind, "source_id": ids_o[si],
                         "edits": list(edits)})
    gaps = {"soon": [], "late": []}
    placement = {k: {"soon": 0, "late": 0} for k in ("exact", "near", "negative")}
    for i, p in enumerate(planted):
        g = pos_p[i] - pos_o[p[0]]
        gaps[mode[i]].append(g)
        placement[p[1]][mode[i]] += 1
    stats = make_stats(rows)
    stats["placement"] = placement
    stats["gap_rows"] = {k: {"min": min(v), "max": max(v)} for k, v in gaps.items()}
    stats["near_scenarios"] = dict(sorted(near_scen.items()))
    stats["seed"] = SEED
    return rows, stats


def make_stats(rows):
    kinds = collections.Counter(r["kind"] for r in rows)
    ops = collections.defaultdict(collections.Counter)
    subops = collections.defaultdict(collections.Counter)
    nedits = collections.defaultdict(collections.Counter)
    for r in rows:
        if r["kind"] == "original":
            continue
        nedits[r["kind"]][str(len(r["edits"]))] += 1
        for e in r["edits"]:
            parts = e.split(":")
            ops[r["kind"]][parts[0]] += 1
            subops[r["kind"]][":".join(parts[:2])] += 1
    order = ("exact", "near", "negative")
    return {
        "total_rows": len(rows),
        "kinds": {k: kinds[k] for k in ("original",) + order},
        "edit_ops": {k: dict(sorted(ops[k].items())) for k in order},
        "edit_subtypes": {k: dict(sorted(subops[k].items())) for k in order},
        "num_edits": {k: dict(sorted(nedits[k].items())) for k in order},
    }


def write(rows, stats, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, OUT_NAME), "w", encoding="utf-8", newline="\n") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(os.path.join(out_dir, STATS_NAME), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(json.dumps(stats, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=HERE, help="output folder (default: this script's folder)")
    ap.add_argument("--train", default=DEFAULT_TRAIN, help="path to BANKING77 train.csv")
    a = ap.parse_args(argv)
    rows, stats = build(a.train)
    write(rows, stats, a.out)
    print("wrote %d rows to %s" % (len(rows), os.path.join(a.out, OUT_NAME)))


if __name__ == "__main__":
    main()
