#!/usr/bin/env python3
"""Re-checks every guarantee of near_dups_short8.jsonl and that make.py
regenerates it byte for byte.  Python 3 standard library only.

Usage: python3 verify.py [--input TRAIN_CSV] [--skip-regen]
Exit status 0 when every check passes; failures are listed.

Metric code (tokenising, Jaccard, exact-equivalence, signature, recognisability,
screening) is re-implemented here; only the word lists (lexicons, wrapper
phrasings, edit names) are imported from make.py.
"""
import argparse
import collections
import csv
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make as MK  # noqa: E402  (word lists only)

FAILS = []


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
    return cond


APOS = "'’‘`"


def toks(s):
    s = s.lower()
    for a in APOS:
        s = s.replace(a, "")
    return re.findall(r"[a-z0-9]+", s)


def tset(s):
    return set(toks(s))


def grams4(s):
    t = " ".join(toks(s))
    return {t[i:i + 4] for i in range(len(t) - 3)} if len(t) >= 4 else {t}


def jac(a, b):
    if not a and not b:
        return 1.0
    i = len(a & b)
    return i / (len(a) + len(b) - i)


def exact_key(s):
    s = s.lower()
    for a in APOS:
        s = s.replace(a, "")
    s = " ".join(s.split())
    while s and s[-1] in ".?!,;: ":
        s = s[:-1]
    return s


def content(s):
    out = []
    for w in toks(s):
        if w not in MK.STOP and w not in out:
            out.append(w)
    return out


def cstem(w):
    for suf in ("ing", "ed", "es", "s"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[:-len(suf)]
    return w


def sig(text):
    t = toks(text)
    out = ["NEG=%d" % sum(1 for w in t if w in MK.NEG_TOKENS)]
    out += ["NUM:" + m.replace(",", "") for m in re.findall(r"\d+(?:[.,]\d+)*", text)]
    out += ["SYM:" + c for c in text if c in MK.CURRENCY_SYM]
    out += ["W:us" for _ in re.findall(r"\bUS\b", text)]
    out += ["W:" + w for w in t if w in MK.HARD and w not in MK.NEG_TOKENS]
    return sorted(out)


def dl(a, b):
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if prev2 and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def build_equiv():
    eq = collections.defaultdict(set)
    for k, vs in MK.SHORTHAND.items():
        for v in vs:
            for a in toks(k):
                eq[a].update(toks(v))
    for a, b in MK.SYNONYMS + MK.SPELLING:
        ta, tb = toks(a), toks(b)
        for x in ta:
            if x not in tb:
                eq[x].update(w for w in tb if w not in ta)
    return eq


EQ = build_equiv()


def recognisable(w, near_toks):
    if w in near_toks:
        return True
    sq = re.sub(r"(.)\1+", r"\1", w)
    for t in near_toks:
        if len(w) >= 4 and abs(len(w) - len(t)) <= 2 and dl(w, t) <= (2 if len(w) >= 8 else 1):
            return True
        if len(w) >= 3 and len(t) > len(w) and (t.startswith(w) or t.endswith(w)):
            return True
        if re.sub(r"(.)\1+", r"\1", t) == sq:
            return True
    return bool(EQ.get(w, set()) & near_toks)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default=MK.DEFAULT_INPUT)
    ap.add_argument("--skip-regen", action="store_true")
    args = ap.parse_args()
    path = os.path.join(HERE, MK.OUT_NAME)

    train = []
    with open(args.input, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            train.append((r["text"], r["category"]))
    cat_of = {}
    for t, c in train:
        cat_of.setdefault(t, c)
    train_keys = set(" ".join(toks(t)) for t, _ in train)

    raw = open(path, "rb").read()
    check(raw.endswith(b"\n"), "file must end with newline")
    rows = []
    for n, line in enumerate(raw.decode("utf-8").split("\n")[:-1]):
        r = json.loads(line)
        check(list(r) == ["id", "text", "kind", "source_id", "edits"], "key order line %d" % n)
        check(r["id"] == "h%05d" % n, "id order at line %d" % n)
        check(isinstance(r["edits"], list) and all(isinstance(e, str) for e in r["edits"]), "edits list %d" % n)
        rows.append(r)
    cnt = collections.Counter(r["kind"] for r in rows)
    check(len(rows) == 2950, "2950 rows, got %d" % len(rows))
    for k, want in (("original", 2000), ("exact", 150), ("near", 500), ("negative", 300)):
        check(cnt[k] == want, "%s: want %d got %d" % (k, want, cnt[k]))
    check(set(cnt) == {"original", "exact", "near", "negative"}, "unknown kinds %s" % set(cnt))

    pos = {r["id"]: n for n, r in enumerate(rows)}
    byid = {r["id"]: r for r in rows}
    origs = [r for r in rows if r["kind"] == "original"]

    # ---------------- originals ----------------
    for r in origs:
        check(r["source_id"] == "" and r["edits"] == [], "original %s has source/edits" % r["id"])
        check(r["text"] in cat_of, "original %s not verbatim in train.csv" % r["id"])
        check(3 <= len(r["text"].split()) <= 30, "original %s word count" % r["id"])
    O = [{"id": r["id"], "ws": tset(r["text"]), "g": grams4(r["text"]), "n": " ".join(toks(r["text"])),
          "cat": cat_of.get(r["text"]), "cs": {cstem(w) for w in content(r["text"])}} for r in origs]
    pair_fail = collections.Counter()
    worst = {"word": 0.0, "char4": 0.0}
    for i in range(len(O)):
        a = O[i]
        for j in range(i + 1, len(O)):
            b = O[j]
            wj = jac(a["ws"], b["ws"])
            if wj > worst["word"]:
                worst["word"] = wj
            if wj >= 0.5:
                pair_fail["word_jaccard"] += 1
                continue
            la, lb = len(a["g"]), len(b["g"])
            if min(la, lb) >= 0.5 * max(la, lb):
                gj = jac(a["g"], b["g"])
                if gj > worst["char4"]:
                    worst["char4"] = gj
                if gj >= 0.5:
                    pair_fail["char4_jaccard"] += 1
                    continue
            if a["n"] in b["n"] or b["n"] in a["n"]:
                pair_fail["containment"] += 1
                continue
            if a["cat"] == b["cat"] and a["cs"] and b["cs"]:
                k = len(a["cs"] & b["cs"])
                if k / min(len(a["cs"]), len(b["cs"])) > 0.5 or k / len(a["cs"] | b["cs"]) >= 0.5:
                    pair_fail["same_category_content"] += 1
    for k, v in pair_fail.items():
        check(False, "original pairs failing %s: %d" % (k, v))

    widx = collections.defaultdict(list)
    for n, o in enumerate(O):
        for w in o["ws"]:
            widx[w].append(n)
    oidx = {o["id"]: n for n, o in enumerate(O)}

    def closest_ok(text, src_id):
        ws = tset(text)
        s = oidx[src_id]
        own = jac(ws, O[s]["ws"])
        c = collections.Counter()
        for w in ws:
            for n in widx.get(w, ()):
                c[n] += 1
        best = 0.0
        for n, k in c.items():
            if n != s:
                best = max(best, k / (len(ws) + len(O[n]["ws"]) - k))
        return own > best, own, best

    # ---------------- planted rows ----------------
    used = collections.Counter()
    gaps = []
    near_kinds = collections.Counter()
    neg_kinds = collections.Counter()
    planted_texts = collections.Counter()
    margins = []
    recog = []
    for r in rows:
        if r["kind"] == "original":
            continue
        sid = r["source_id"]
        if not check(sid in byid and byid[sid]["kind"] == "original", "%s: bad source %s" % (r["id"], sid)):
            continue
        used[sid] += 1
        g = pos[r["id"]] - pos[sid]
        check(g >= 1, "%s comes before its source" % r["id"])
        gaps.append(g)
        src = byid[sid]["text"]
        t = r["text"]
        planted_texts[t] += 1
        if r["kind"] == "exact":
            check(exact_key(t) == exact_key(src), "%s exact key differs" % r["id"])
            check(set(r["edits"]) <= set(MK.EXACT_EDITS) | {"identical"} and r["edits"], "%s exact edits" % r["id"])
            check((t == src) == (r["edits"] == ["identical"]), "%s identical flag" % r["id"])
        elif r["kind"] == "near":
            e = r["edits"]
            check(1 <= len(e) <= 3, "%s near edit count" % r["id"])
            check(all(x in MK.NEAR_EDITS for x in e), "%s unknown near edit" % r["id"])
            check(any(MK.NEAR_EDITS[x][2] for x in e if x in MK.NEAR_EDITS), "%s only cosmetic" % r["id"])
            near_kinds.update(e)
            check(exact_key(t) != exact_key(src), "%s near is an exact copy" % r["id"])
            check(toks(t) != toks(src), "%s near has the same words" % r["id"])
            check(sig(t) == sig(src), "%s protected material changed: %s vs %s" % (r["id"], sig(src), sig(t)))
            cw = content(src)
            nt = set(toks(t))
            share = sum(1 for w in cw if recognisable(w, nt)) / len(cw) if cw else 1.0
            recog.append(share)
            check(share >= 0.6, "%s keeps %.2f of content words" % (r["id"], share))
            ok, own, best = closest_ok(t, sid)
            margins.append(own - best)
            check(ok, "%s near closer to another original (%.2f vs %.2f)" % (r["id"], best, own))
        elif r["kind"] == "negative":
            e = r["edits"]
            check(len(e) == 1 and e[0] in MK.NEG_KINDS, "%s negative edits %s" % (r["id"], e))
            neg_kinds.update(e)
            check(" ".join(toks(t)) not in train_keys, "%s negative equals a train.csv text" % r["id"])
            check(exact_key(t) != exact_key(src), "%s negative is an exact copy" % r["id"])
            ok, own, best = closest_ok(t, sid)
            check(ok, "%s negative closer to another original (%.2f vs %.2f)" % (r["id"], best, own))
            ta, tb = toks(src), toks(t)
            ops = [op for op in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes() if op[0] != "equal"]
            if e and e[0] == "second_request":
                check(len(ops) == 1 and ops[0][0] == "insert" and ops[0][1] == len(ta),
                      "%s second request is not a single appended sentence" % r["id"])
                check(len(tb) - len(ta) >= 4, "%s second request too short" % r["id"])
            else:
                check(len(ops) == 1, "%s negative changes %d places" % (r["id"], len(ops)))
                if ops:
                    tag, i1, i2, j1, j2 = ops[0]
                    check(i2 - i1 <= 3 and j2 - j1 <= 3, "%s negative change too wide" % r["id"])
                check(sig(t) != sig(src), "%s negative leaves protected material unchanged" % r["id"])
    check(all(v == 1 for v in used.values()), "an original is used as source more than once")
    check(len(used) == 950, "950 distinct sources, got %d" % len(used))
    close = sum(1 for g in gaps if 1 <= g <= 40)
    check(0.4 <= close / len(gaps) <= 0.6, "share within 1-40 rows is %.3f" % (close / len(gaps)))
    dup_planted = [t for t, c in planted_texts.items() if c > 1]
    check(not dup_planted, "duplicate planted texts: %s" % dup_planted[:3])
    check(len(near_kinds) >= 15, "only %d near edit kinds" % len(near_kinds))
    check(len(neg_kinds) >= 6, "only %d negative kinds" % len(neg_kinds))

    # wrapper phrasings: each used at most PHRASE_CAP times (boundary-aware count,
    # a phrase contained in a longer phrase of the same list is not double counted)
    lists = dict(MK.WRAPPER_LISTS)
    lists["second_request"] = [p for p, _ in MK.SECOND_REQUESTS]
    over = []
    for name, lst in lists.items():
        use = collections.Counter()
        for r in rows:
            if r["kind"] not in ("near", "negative"):
                continue
            src_low = byid[r["source_id"]]["text"].lower()
            low = r["text"].lower()
            hits = [p for p in lst if re.search(r"(?<![a-z0-9])" + re.escape(p.lower()) + r"(?![a-z0-9])", low)
                    and p.lower() not in src_low]
            hits = [p for p in hits if not any(p != q and p.lower() in q.lower() for q in hits)]
            use.update(hits)
        over += [(name, p, c) for p, c in use.items() if c > MK.PHRASE_CAP]
    check(not over, "phrasings used more than %d times: %s" % (MK.PHRASE_CAP, over[:5]))

    # stats.json agrees with the file
    st = json.load(open(os.path.join(HERE, "stats.json"), encoding="utf-8"))
    check(st["counts"] == dict(cnt), "stats counts mismatch")
    check(st["near_edit_counts"] == dict(near_kinds), "stats near edit counts mismatch")
    check(st["negative_kind_counts"] == dict(neg_kinds), "stats negative counts mismatch")
    check(st["max_phrase_use"] <= MK.PHRASE_CAP, "stats max phrase use")

    # ---------------- regeneration ----------------
    if not args.skip_regen:
        with tempfile.TemporaryDirectory() as td:
            env = dict(os.environ, PYTHONHASHSEED="12345")
            subprocess.run([sys.executable, os.path.join(HERE, "make.py"), "--input", args.input, "--outdir", td],
                           check=True, env=env, stderr=subprocess.DEVNULL)
            for fn in (MK.OUT_NAME, "stats.json"):
                h1 = hashlib.sha256(open(os.path.join(HERE, fn), "rb").read()).hexdigest()
                h2 = hashlib.sha256(open(os.path.join(td, fn), "rb").read()).hexdigest()
                check(h1 == h2, "regenerated %s differs" % fn)
                print("regen %-24s sha256 %s %s" % (fn, h2[:16], "OK" if h1 == h2 else "DIFFERS"))

    print("rows %d  kinds %s" % (len(rows), dict(cnt)))
    print("originals: max pairwise word Jaccard %.3f, max char-4 Jaccard %.3f" % (worst["word"], worst["char4"]))
    print("gaps: %d within 1-40 rows, %d later (max %d)" % (close, len(gaps) - close, max(gaps)))
    print("near: %d edit kinds, min recognisable share %.2f, min closeness margin %.3f"
          % (len(near_kinds), min(recog), min(margins)))
    print("negative: %d kinds" % len(neg_kinds))
    if FAILS:
        print("FAILED %d checks:" % len(FAILS))
        for m in FAILS[:50]:
            print("  -", m)
        sys.exit(1)
    print("ALL CHECKS PASSED")


if __name__ == "__main__":
    main()
