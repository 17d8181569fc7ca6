#!/usr/bin/env python3
"""Independent re-check of every guarantee of outside-short-g.

    python3 verify.py            # checks the files next to this script
    python3 verify.py --train PATH/to/banking77/train.csv

It does not import make.py: every rule is re-implemented here.  At the end it
runs `python3 make.py --out <tempdir>` and compares both data files byte for
byte.  Exit status 0 when everything holds, 1 otherwise.
"""
import argparse
import collections
import csv
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = "near_dups_short7.jsonl"
STATS = "stats.json"
EXPECT = {"original": 2000, "exact": 150, "near": 500, "negative": 300}
SOON = 40

FAILS = []


def fail(msg):
    FAILS.append(msg)


# --- normalisation -----------------------------------------------------------
def normalise(text):
    t = text.lower()
    for ch in "'\u2019\u2018`\u02bc":
        t = t.replace(ch, "")
    out, prev_space = [], True
    for ch in t:
        if ch.isalnum():
            out.append(ch)
            prev_space = False
        elif not prev_space:
            out.append(" ")
            prev_space = True
    return "".join(out).strip()


def words(text):
    return normalise(text).split()


def grams4(n):
    if len(n) < 4:
        return {n}
    return {n[i:i + 4] for i in range(len(n) - 3)}


def jac(a, b):
    u = len(a | b)
    return len(a & b) / u if u else 1.0


# --- word lists (the definitions the data promises) -------------------------
STOP = set("""
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
NEGATION = set("""
not no never nothing none nobody nowhere neither nor cannot without unable dont
doesnt didnt cant wont isnt arent wasnt werent havent hasnt hadnt couldnt wouldnt
shouldnt aint mustnt neednt
""".split())
MONEY_SIGNS = set("$\u00a3\u20ac\u00a5\u20b9\u20a9\u20bd\u00a2")
PLACES = """spain france germany italy china japan india canada mexico australia ireland
scotland wales portugal netherlands holland belgium switzerland sweden norway
denmark finland poland russia brazil argentina turkey greece thailand singapore
egypt nigeria kenya austria hungary romania ukraine vietnam indonesia philippines
pakistan bangladesh morocco colombia peru chile croatia israel korea malaysia
spanish french german italian chinese japanese indian canadian mexican australian
irish scottish welsh portuguese dutch belgian swiss swedish norwegian danish
finnish polish russian brazilian turkish greek thai egyptian nigerian""".split()
MEANING = set("""
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
different old new lost found expensive cheap early late son daughter child children
kid kids partner husband wife friend friends mum mom dad mother father parent
parents brother sister
sons daughters childs husbands wifes partners mums moms dads brothers sisters flatmate
flatmates mothers fathers
""".split()) | set(PLACES)
SAME_MEANING = {"incorrect": "wrong", "mom": "mum"}
QUESTION_WORDS = set("what which who whom whose when where why how".split())

EQUIV = """problem issue|problems issues|wrong incorrect|buy purchase|bought purchased|
buying purchasing|help assist assistance|strange weird odd unusual|fix sort|
change modify alter update|explain clarify|noticed saw spotted|notice see|seems looks|
money funds|need require|needed required|find locate|tell inform|error mistake|
big large huge|anyone anybody|someone somebody|everyone everybody|arrive come|
arrived come came|cost price|account acct acc|information info|please pls plz|
thanks thx|you u|your ur|are r|because bc cuz|why y|application app|message msg|
something smth sth|really rly|people ppl|about abt|through thru|though tho|
transaction txn|transactions txns|mobile cell|post mail|postcode zip|holiday vacation|
flat apartment|atm cashpoint|shop store|shops stores|whilst while|surname last|
current checking|parcel package|ring call|immediately right|obtain get|utilise use|
utilize use|request ask|discover find|minimum min|maximum max|approximately about|
okay ok|identity identify|payment pavement|currency currently|transfer xfer|
tomorrow tmrw|address addy|kindly please|documents docs|verification verify|
happened happen"""
SYN = collections.defaultdict(set)
for grp in EQUIV.replace("\n", "").split("|"):
    ws = grp.split()
    for w in ws:
        SYN[w] |= set(ws) - {w}

SCREEN_MAP = {
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


def light_stem(w):
    if w in SCREEN_MAP:
        return SCREEN_MAP[w]
    if len(w) > 4 and (w.endswith("ies") or w.endswith("ied")):
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


def stems(n):
    return {light_stem(w) for w in n.split() if w not in STOP}


def reworded(cat1, s1, cat2, s2):
    k = len(s1 & s2)
    if cat1 == cat2 and s1 and s2:
        if s1 == s2 or (k >= 2 and 2 * k >= max(len(s1), len(s2))) or \
                (k >= 3 and 4 * k >= 3 * min(len(s1), len(s2))):
            return True
    return k >= 3 and 5 * k >= 3 * len(s1 | s2)


def negs(t):
    return sum(w in NEGATION for w in words(t))


def numbers(t):
    return sorted(re.findall(r"\d+", t))


def signs(t):
    return sorted(c for c in t if c in MONEY_SIGNS)


def meaning_words(t):
    return sorted(SAME_MEANING.get(w, w) for w in words(t) if w in MEANING)


def osa(a, b):
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            c = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + c)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def subseq(s, t):
    pos = 0
    for ch in s:
        pos = t.find(ch, pos) + 1
        if pos == 0:
            return False
    return True


def kept_share(src, new):
    content = [w for w in words(src) if w not in STOP]
    if not content:
        return 1.0
    nw = words(new)
    have = set(nw)
    glued = {nw[i] + nw[i + 1] for i in range(len(nw) - 1)}
    kept = 0
    for w in content:
        ok = w in have or bool(SYN[w] & have) or w in glued
        if not ok:
            lim = 1 if len(w) <= 5 else 2
            for t in have:
                if len(t) >= 2 and abs(len(t) - len(w)) <= lim and osa(t, w) <= lim:
                    ok = True
                elif len(w) >= 3 and len(t) > len(w) and w in t:
                    ok = True
                elif len(t) >= 3 and t[0] == w[0] and len(t) < len(w) and 3 * len(t) >= len(w) \
                        and subseq(t, w):
                    ok = True
                if ok:
                    break
        kept += ok
    return kept / len(content)


def changed_tokens(a, b):
    sm = difflib.SequenceMatcher(None, words(a), words(b), autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal")


def surface_only(a):
    a = a.lower()
    for ch in "'\u2019\u2018`\u02bc":
        a = a.replace(ch, "")
    a = "".join(a.split())
    return a.rstrip(".?!")


def recompute_stats(rows, pos, src_pos):
    kinds = collections.Counter(r["kind"] for r in rows)
    ops = {k: collections.Counter() for k in ("exact", "near", "negative")}
    subs = {k: collections.Counter() for k in ("exact", "near", "negative")}
    nums = {k: collections.Counter() for k in ("exact", "near", "negative")}
    place = {k: {"soon": 0, "late": 0} for k in ("exact", "near", "negative")}
    gaps = {"soon": [], "late": []}
    for r in rows:
        if r["kind"] == "original":
            continue
        k = r["kind"]
        nums[k][str(len(r["edits"]))] += 1
        for e in r["edits"]:
            parts = e.split(":")
            ops[k][parts[0]] += 1
            subs[k][":".join(parts[:2])] += 1
        g = pos[r["id"]] - src_pos[r["id"]]
        m = "soon" if g <= SOON else "late"
        place[k][m] += 1
        gaps[m].append(g)
    return {
        "total_rows": len(rows),
        "kinds": {k: kinds[k] for k in ("original", "exact", "near", "negative")},
        "edit_ops": {k: dict(sorted(v.items())) for k, v in ops.items()},
        "edit_subtypes": {k: dict(sorted(v.items())) for k, v in subs.items()},
        "num_edits": {k: dict(sorted(v.items())) for k, v in nums.items()},
        "placement": place,
        "gap_rows": {m: {"min": min(v), "max": max(v)} for m, v in gaps.items() if v},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default="/work/shared/data/banking77/train.csv")
    ap.add_argument("--dir", default=HERE)
    ap.add_argument("--skip-regen", action="store_true")
    a = ap.parse_args()

    with open(a.train, newline="", encoding="utf-8") as fh:
        train = [(" ".join(r["text"].split()), r["category"]) for r in csv.DictReader(fh)]
    cat_of = {}
    for t, c in train:
        cat_of.setdefault(t, c)
    train_norm = {normalise(t) for t, _ in train}

    rows = []
    with open(os.path.join(a.dir, DATA), encoding="utf-8") as fh:
        for ln, line in enumerate(fh):
            try:
                rows.append(json.loads(line))
            except ValueError:
                fail("line %d is not JSON" % ln)
    if FAILS:
        return finish()

    # schema, ids, counts
    for i, r in enumerate(rows):
        if list(r.keys()) != ["id", "text", "kind", "source_id", "edits"]:
            fail("%d: keys %r" % (i, list(r.keys())))
            continue
        if r["id"] != "g%05d" % i:
            fail("%d: id %r out of order" % (i, r["id"]))
        if r["kind"] not in EXPECT or not isinstance(r["text"], str) or not r["text"].strip():
            fail("%s: bad kind or text" % r["id"])
        if not isinstance(r["edits"], list) or not all(isinstance(e, str) and e for e in r["edits"]):
            fail("%s: edits must be a list of strings" % r["id"])
    if FAILS:
        return finish()
    got = collections.Counter(r["kind"] for r in rows)
    if dict(got) != EXPECT:
        fail("kind counts %r != %r" % (dict(got), EXPECT))
    pos = {r["id"]: i for i, r in enumerate(rows)}
    byid = {r["id"]: r for r in rows}

    # originals
    origs = [r for r in rows if r["kind"] == "original"]
    for r in origs:
        t = r["text"]
        if r["source_id"] != "" or r["edits"] != []:
            fail("%s: original with source/edits" % r["id"])
        if t != " ".join(t.split()):
            fail("%s: whitespace not collapsed" % r["id"])
        if t not in cat_of:
            fail("%s: original not verbatim in train.csv" % r["id"])
        if not 3 <= len(t.split()) <= 25:
            fail("%s: original has %d words" % (r["id"], len(t.split())))
    info = []
    for r in origs:
        n = normalise(r["text"])
        info.append((r["id"], n, set(n.split()), grams4(n), stems(n), cat_of.get(r["text"], "?")))
    for i in range(len(info)):
        ida, na, wa, ga, sa, ca = info[i]
        for j in range(i + 1, len(info)):
            idb, nb, wb, gb, sb, cb = info[j]
            if 2 * min(len(wa), len(wb)) >= max(len(wa), len(wb)) and jac(wa, wb) >= 0.5:
                fail("originals %s %s: word Jaccard >= 0.5" % (ida, idb))
            if 2 * min(len(ga), len(gb)) >= max(len(ga), len(gb)) and jac(ga, gb) >= 0.5:
                fail("originals %s %s: char-4-gram Jaccard >= 0.5" % (ida, idb))
            if na in nb or nb in na:
                fail("originals %s %s: one contains the other" % (ida, idb))
            if (ca == cb or len(sa & sb) >= 3) and reworded(ca, sa, cb, sb):
                fail("originals %s %s: same request reworded" % (ida, idb))
    orig_words = {r["id"]: set(words(r["text"])) for r in origs}

    # planted rows
    planted_src = collections.Counter()
    src_pos = {}
    seen_norm = {}
    for r in rows:
        if r["kind"] == "exact":
            continue
        n = normalise(r["text"])
        if n in seen_norm:
            fail("%s and %s share a normalised text" % (seen_norm[n], r["id"]))
        seen_norm[n] = r["id"]
    mode = {k: collections.Counter() for k in ("exact", "near", "negative")}
    for r in rows:
        if r["kind"] == "original":
            continue
        rid, k, t = r["id"], r["kind"], r["text"]
        s = byid.get(r["source_id"])
        if s is None or s["kind"] != "original" or pos[s["id"]] >= pos[rid]:
            fail("%s: source must be an earlier original" % rid)
            continue
        planted_src[s["id"]] += 1
        src_pos[rid] = pos[s["id"]]
        gap = pos[rid] - pos[s["id"]]
        mode[k]["soon" if 1 <= gap <= SOON else "late"] += 1
        src = s["text"]
        for e in r["edits"]:
            if not re.match(r"^[a-z_]+(:.*)?$", e, re.S):
                fail("%s: edit %r is not op or op:detail" % (rid, e))
        if k == "exact":
            if not 1 <= len(r["edits"]) <= 3:
                fail("%s: exact edits %r" % (rid, r["edits"]))
            if {e.split(":")[0] for e in r["edits"]} - {"verbatim", "case", "final_punct",
                                                        "apostrophe", "spacing"}:
                fail("%s: exact with an unexpected edit %r" % (rid, r["edits"]))
            if normalise(t) != normalise(src) or surface_only(t) != surface_only(src):
                fail("%s: exact copy differs beyond case/punctuation/apostrophes/spacing" % rid)
            if r["edits"] == ["verbatim"] and t != src:
                fail("%s: 'verbatim' copy is not verbatim" % rid)
            continue
        # near and negative: closer to own source than to any other original
        ws = set(words(t))
        own = jac(ws, orig_words[s["id"]])
        for oid, ow in orig_words.items():
            if oid != s["id"] and jac(ws, ow) >= own:
                fail("%s: as close to %s as to its source" % (rid, oid))
                break
        if normalise(t) == normalise(src):
            fail("%s: %s equals its source after normalisation" % (rid, k))
        if k == "near":
            if not 1 <= len(r["edits"]) <= 3:
                fail("%s: near has %d edits" % (rid, len(r["edits"])))
            if numbers(t) != numbers(src):
                fail("%s: near changes digits" % rid)
            if signs(t) != signs(src):
                fail("%s: near changes currency symbols" % rid)
            if negs(t) < negs(src):
                fail("%s: near loses a negation" % rid)
            if sorted(set(meaning_words(t))) != sorted(set(meaning_words(src))):
                fail("%s: near adds or loses a meaning-bearing word %r vs %r"
                     % (rid, meaning_words(t), meaning_words(src)))
            if kept_share(src, t) < 0.6:
                fail("%s: near keeps only %.2f of the content words" % (rid, kept_share(src, t)))
        else:
            if len(r["edits"]) != 1:
                fail("%s: negative must have exactly one edit" % rid)
            if normalise(t) in train_norm:
                fail("%s: negative equals a train.csv text" % rid)
            d = changed_tokens(src, t)
            if not 1 <= d <= 6:
                fail("%s: negative changes %d tokens" % (rid, d))
            sig_t = (meaning_words(t), negs(t), numbers(t), signs(t),
                     sorted(w for w in words(t) if w in QUESTION_WORDS))
            sig_s = (meaning_words(src), negs(src), numbers(src), signs(src),
                     sorted(w for w in words(src) if w in QUESTION_WORDS))
            if sig_t == sig_s:
                fail("%s: negative has no meaning-changing difference" % rid)
    for sid, c in planted_src.items():
        if c > 1:
            fail("original %s has %d planted rows" % (sid, c))
    for k, c in mode.items():
        n = EXPECT[k]
        if c["soon"] != n // 2 or c["late"] != n - n // 2:
            fail("%s placement soon/late = %d/%d, want %d/%d" % (k, c["soon"], c["late"], n // 2,
                                                                 n - n // 2))

    # stats.json agrees with the data
    with open(os.path.join(a.dir, STATS), encoding="utf-8") as fh:
        stats = json.load(fh)
    mine = recompute_stats(rows, pos, src_pos)
    for key, val in mine.items():
        if stats.get(key) != val:
            fail("stats.json %s disagrees with the data" % key)

    # byte-for-byte regeneration
    if not a.skip_regen:
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run([sys.executable, os.path.join(HERE, "make.py"), "--out", tmp,
                                "--train", a.train], capture_output=True, text=True)
            if p.returncode != 0:
                fail("make.py failed: %s" % p.stderr[-2000:])
            else:
                for name in (DATA, STATS):
                    with open(os.path.join(tmp, name), "rb") as f1, \
                            open(os.path.join(a.dir, name), "rb") as f2:
                        if f1.read() != f2.read():
                            fail("regenerated %s differs from the stored file" % name)
    return finish()


def finish():
    if FAILS:
        for m in FAILS[:50]:
            print("FAIL:", m)
        print("%d failure(s)" % len(FAILS))
        return 1
    print("OK: all guarantees hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
