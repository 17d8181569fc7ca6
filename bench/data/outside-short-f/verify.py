#!/usr/bin/env python3
"""Independent re-check of every guarantee of the outside-short-f set (standard library only).

Usage: python3 verify.py [--train PATH] [--no-regen]
Exit status 0 when everything holds, 1 otherwise.  Does not import make.py; it only runs it
(as a subprocess) to regenerate the files into a temporary folder for a byte-for-byte comparison.
"""
import argparse
import csv
import difflib
import filecmp
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "near_dups_short6.jsonl")
STATS = os.path.join(HERE, "stats.json")
EXPECT = {"original": 2000, "exact": 150, "near": 500, "negative": 300}

FAIL = []


def fail(msg):
    FAIL.append(msg)


# ---------------------------------------------------------------- text utilities (re-implemented)
def normalise(s):
    s = s.lower()
    for ch in "'\u2019\u2018`\u00b4\u02bc":
        s = s.replace(ch, "")
    out = []
    prev_space = True
    for ch in s:
        if ch.isalnum():
            out.append(ch)
            prev_space = False
        elif not prev_space:
            out.append(" ")
            prev_space = True
    return "".join(out).strip()


def tokens(s):
    return normalise(s).split()


def char4(n):
    return {n[i:i + 4] for i in range(len(n) - 3)} if len(n) >= 4 else {n}


def jaccard(a, b):
    u = a | b
    return len(a & b) / len(u) if u else 1.0


def near_copy(a, b):
    """a, b: (norm, words, grams). True if they are near copies."""
    if a[0] in b[0] or b[0] in a[0]:
        return True
    if jaccard(a[1], b[1]) >= 0.5:
        return True
    return jaccard(a[2], b[2]) >= 0.5


def feats(text):
    n = normalise(text)
    return (n, set(n.split()), char4(n))


def edit_distance(a, b):
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            cur = d[j]
            d[j] = min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] != b[j - 1]))
            prev = cur
    return d[-1]


NEGATION_WORDS = {
    "not", "no", "never", "none", "nothing", "nobody", "nowhere", "neither", "nor",
    "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent",
    "wont", "wouldnt", "couldnt", "shouldnt", "havent", "hasnt", "hadnt", "aint",
    "mustnt", "neednt", "without",
}

GROUPS = {
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
ALWAYS_BANNED = {"deposit", "debit", "country", "currency", "product", "person"}
WORD_SENSES = {}
for gname, senses in GROUPS.items():
    for si, words in enumerate(senses):
        for w in words:
            WORD_SENSES.setdefault(w, set()).add((gname, si))
FLIP_WORDS = set(WORD_SENSES)

STOPWORDS = set("""a an the i me my mine myself you your yours u ur we us our ours it its itself this that these those
is am are was were be been being do does did done doing have has had having will would can could should shall
may might must to of in on at for from with by about as into out up down over under off and or but if so then
than there here what whats which who whom whose when where why how all any some just also very really please
pls thanks thank thx hi hello hey im ive id ill youre theyre thats theres dont doesnt didnt isnt arent wasnt
werent wont cant cannot not no get got getting want wanted need needed like would wish know tell let able
possible way help go going gone yet still again too one much many more most other another else only even
there s t d ll ve re m ok okay yes anything something someone somebody thing things way""".split())

SYNONYMS = {
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


def senses(tok_list):
    d = {}
    for t in tok_list:
        for g, i in WORD_SENSES.get(t, ()):
            d.setdefault(g, set()).add(i)
    return d


def introduces_flip(src, row):
    a, b = senses(tokens(src)), senses(tokens(row))
    for g, idx in b.items():
        extra = idx - a.get(g, set())
        if extra and (g in ALWAYS_BANNED or g in a):
            return g
    return None


def negations(s):
    return sum(t in NEGATION_WORDS for t in tokens(s))


def digits(s):
    return sorted(re.findall(r"[0-9]+", s))


def cur_symbols(s):
    return sorted(ch for ch in s if unicodedata.category(ch) == "Sc")


def survive_fraction(src, row):
    content = []
    for t in tokens(src):
        if t in STOPWORDS or t in NEGATION_WORDS or t.isdigit() or len(t) < 2 or t in content:
            continue
        content.append(t)
    if not content:
        return 1.0
    rt = tokens(row)
    rs = set(rt)
    padded = " " + " ".join(rt) + " "
    pairs = {rt[i] + rt[i + 1] for i in range(len(rt) - 1)}
    hit = 0
    for w in content:
        lim = 1 if len(w) <= 4 else 2
        ok = w in rs
        if not ok:
            for t in rt:
                if abs(len(t) - len(w)) <= lim and edit_distance(w, t) <= lim:
                    ok = True
                    break
                if len(w) >= 4 and len(t) > len(w) and (t.startswith(w) or t.endswith(w)):
                    ok = True
                    break
        if not ok and len(w) >= 5 and w in pairs:
            ok = True
        if not ok:
            ok = any(" " + alt + " " in padded for alt in SYNONYMS.get(w, ()))
        hit += ok
    return hit / len(content)


def squash(s):
    """Canonical form for exact copies: lowercase, no apostrophes, no whitespace, no final .?! run."""
    s = s.lower()
    for ch in "'\u2019\u2018`\u00b4\u02bc":
        s = s.replace(ch, "")
    s = "".join(s.split())
    return re.sub(r"[.?!]+$", "", s)


def diff_size(a, b):
    ta, tb = tokens(a), tokens(b)
    n = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if tag != "equal":
            n += max(i2 - i1, j2 - j1)
    return n


# ---------------------------------------------------------------- checks
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default="/work/shared/data/banking77/train.csv")
    ap.add_argument("--no-regen", action="store_true")
    args = ap.parse_args()

    with open(args.train, newline="", encoding="utf-8") as f:
        train_texts = [" ".join(r["text"].split()) for r in csv.DictReader(f)]
    train_set = set(train_texts)
    train_norm = {normalise(t) for t in train_texts}

    rows = []
    with open(DATA, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            if not line.endswith("\n"):
                fail("line %d: no trailing newline" % ln)
            try:
                rows.append(json.loads(line))
            except ValueError as e:
                fail("line %d: bad JSON %s" % (ln, e))
                return finish()

    # schema, ids, kinds
    kinds = Counter()
    edit_re = re.compile(r"^[a-z_]+(:[a-z0-9_]+)?$")
    for i, r in enumerate(rows):
        if set(r) != {"id", "text", "kind", "source_id", "edits"}:
            fail("%d: keys %s" % (i, sorted(r)))
            continue
        if r["id"] != "f%05d" % i:
            fail("%d: id %s out of order" % (i, r["id"]))
        if r["kind"] not in EXPECT:
            fail("%s: bad kind" % r["id"])
        if not isinstance(r["text"], str) or not r["text"].strip():
            fail("%s: empty text" % r["id"])
        if not isinstance(r["edits"], list) or not all(isinstance(e, str) and edit_re.match(e) for e in r["edits"]):
            fail("%s: bad edits %r" % (r["id"], r["edits"]))
        kinds[r["kind"]] += 1
    for k, v in EXPECT.items():
        if kinds[k] != v:
            fail("kind %s: %d rows, expected %d" % (k, kinds[k], v))
    if FAIL:
        return finish()

    pos = {r["id"]: i for i, r in enumerate(rows)}
    byid = {r["id"]: r for r in rows}
    origs = [r for r in rows if r["kind"] == "original"]

    # originals
    for r in origs:
        t = r["text"]
        if r["source_id"] != "" or r["edits"] != []:
            fail("%s: original with source/edits" % r["id"])
        if t not in train_set:
            fail("%s: original not a verbatim train.csv text" % r["id"])
        if " ".join(t.split()) != t:
            fail("%s: whitespace not collapsed" % r["id"])
        if not 3 <= len(t.split()) <= 25:
            fail("%s: %d words" % (r["id"], len(t.split())))
    of = [feats(r["text"]) for r in origs]
    for i in range(len(of)):
        a = of[i]
        la = len(a[1])
        for j in range(i + 1, len(of)):
            b = of[j]
            if a[0] in b[0] or b[0] in a[0]:
                fail("originals %s/%s: containment" % (origs[i]["id"], origs[j]["id"]))
                continue
            lb = len(b[1])
            if min(la, lb) >= 0.5 * max(la, lb) and jaccard(a[1], b[1]) >= 0.5:
                fail("originals %s/%s: word Jaccard" % (origs[i]["id"], origs[j]["id"]))
            ga, gb = len(a[2]), len(b[2])
            if min(ga, gb) >= 0.5 * max(ga, gb) and jaccard(a[2], b[2]) >= 0.5:
                fail("originals %s/%s: char-4 Jaccard" % (origs[i]["id"], origs[j]["id"]))

    # planted rows
    used_src = Counter()
    soon = later = 0
    orig_ids = [r["id"] for r in origs]
    for r in rows:
        if r["kind"] == "original":
            continue
        rid, sid, t = r["id"], r["source_id"], r["text"]
        src = byid.get(sid)
        if src is None or src["kind"] != "original":
            fail("%s: source %r is not an original" % (rid, sid))
            continue
        gap = pos[rid] - pos[sid]
        if gap <= 0:
            fail("%s: before its source" % rid)
        elif gap <= 40:
            soon += 1
        else:
            later += 1
        used_src[sid] += 1
        if not r["edits"]:
            fail("%s: planted row without edits" % rid)
        s = src["text"]
        if r["kind"] == "exact":
            if normalise(t) != normalise(s) or squash(t) != squash(s):
                fail("%s: exact copy differs beyond case/punct/apostrophe/space" % rid)
            if (t == s) != (r["edits"] == ["verbatim"]):
                fail("%s: verbatim flag inconsistent" % rid)
        elif r["kind"] == "near":
            if not 1 <= len(r["edits"]) <= 3:
                fail("%s: %d edits" % (rid, len(r["edits"])))
            if normalise(t) == normalise(s):
                fail("%s: near row normalises to its source" % rid)
            if digits(t) != digits(s):
                fail("%s: digits changed" % rid)
            if cur_symbols(t) != cur_symbols(s):
                fail("%s: currency symbols changed" % rid)
            if negations(t) < negations(s):
                fail("%s: negation dropped" % rid)
            g = introduces_flip(s, t)
            if g:
                fail("%s: introduces a %s flip word" % (rid, g))
            sf = survive_fraction(s, t)
            if sf < 0.6:
                fail("%s: only %.2f of content words survive" % (rid, sf))
        else:
            if len(r["edits"]) != 1:
                fail("%s: negative with %d edits" % (rid, len(r["edits"])))
            d = diff_size(s, t)
            if not 1 <= d <= 6:
                fail("%s: negative token diff %d" % (rid, d))
            if normalise(t) in train_norm:
                fail("%s: negative equals a train.csv text" % rid)
            ta, tb = Counter(tokens(s)), Counter(tokens(t))
            changed = set((ta - tb) + (tb - ta))
            marker = (digits(s) != digits(t) or negations(s) != negations(t) or cur_symbols(s) != cur_symbols(t)
                      or bool(changed & FLIP_WORDS))
            if not marker:
                fail("%s: negative changes no meaning-bearing word" % rid)
        # not a near copy of any other original
        ft = feats(t)
        for oid, fo in zip(orig_ids, of):
            if oid != sid and near_copy(ft, fo):
                fail("%s: near copy of another original %s" % (rid, oid))
                break
    for sid, c in used_src.items():
        if c > 1:
            fail("%s: %d planted rows" % (sid, c))
    planted = soon + later
    if soon != planted // 2 or later != planted - planted // 2:
        fail("placement soon=%d later=%d" % (soon, later))

    # unique normalised text among non-exact rows
    seen = {}
    for r in rows:
        if r["kind"] == "exact":
            continue
        n = normalise(r["text"])
        if n in seen:
            fail("%s and %s share a normalised text" % (seen[n], r["id"]))
        seen[n] = r["id"]

    # stats.json
    with open(STATS, encoding="utf-8") as f:
        st = json.load(f)
    if st.get("kinds") != {k: kinds[k] for k in EXPECT}:
        fail("stats kinds mismatch")
    ops, det, nums = {}, {}, {}
    for r in rows:
        if r["kind"] == "original":
            continue
        nums.setdefault(r["kind"], Counter())[str(len(r["edits"]))] += 1
        for e in r["edits"]:
            ops.setdefault(r["kind"], Counter())[e.split(":")[0]] += 1
            det.setdefault(r["kind"], Counter())[e] += 1
    for k in ("exact", "near", "negative"):
        if dict(st["edit_ops"][k]) != dict(ops[k]):
            fail("stats edit_ops[%s] mismatch" % k)
        if dict(st["edit_op_details"][k]) != dict(det[k]):
            fail("stats edit_op_details[%s] mismatch" % k)
        if dict(st["num_edits"][k]) != dict(nums[k]):
            fail("stats num_edits[%s] mismatch" % k)
    if st.get("placement") != {"soon_1_40": soon, "later_over_40": later}:
        fail("stats placement mismatch")
    if st.get("total_rows") != len(rows):
        fail("stats total mismatch")

    readme = open(os.path.join(HERE, "README.md"), encoding="utf-8").read()
    for needle in ("CC BY 4.0", "Casanueva", "blind", "PolyAI-LDN/task-specific-datasets"):
        if needle not in readme:
            fail("README lacks %r" % needle)

    # regenerate and compare byte for byte
    if not args.no_regen:
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run([sys.executable, os.path.join(HERE, "make.py"), "--out", tmp, "--train", args.train],
                               capture_output=True, text=True)
            if p.returncode != 0:
                fail("make.py failed: " + p.stderr[-500:])
            else:
                for name in ("near_dups_short6.jsonl", "stats.json", "README.md"):
                    if not filecmp.cmp(os.path.join(HERE, name), os.path.join(tmp, name), shallow=False):
                        fail("regenerated %s differs" % name)
    return finish(kinds, soon, later)


def finish(kinds=None, soon=0, later=0):
    if FAIL:
        for m in FAIL[:50]:
            print("FAIL:", m)
        print("%d failure(s)" % len(FAIL))
        sys.exit(1)
    print("OK: %s; placement soon=%d later=%d; all guarantees hold; regeneration identical" % (dict(kinds), soon, later))
    sys.exit(0)


if __name__ == "__main__":
    main()
