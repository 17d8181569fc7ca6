"""Generate near_dups_short.jsonl and near_dups_long.jsonl from banking77 train.csv.

Written from the task brief only, without reading synthmill's code.
Deterministic (fixed seeds below).

    /work/main/.venv/bin/python bench/data/outside/make_near_dups.py
"""
from __future__ import annotations

import collections
import json
import random
import re
from pathlib import Path

import polars as pl

OUT = Path(__file__).resolve().parent
SRC = Path("/work/shared/data/banking77/train.csv")
SEED_SHORT = 77001
SEED_LONG = 77002

N_ORIG = 3000
N_EXACT, N_EXACT_NORM, N_NEAR, N_NEG = 300, 150, 600, 300
N_LONG_TOTAL = 2000
N_LONG_EXACT = N_LONG_NEAR = N_LONG_NEG = 200
N_LONG_ORIG = N_LONG_TOTAL - N_LONG_EXACT - N_LONG_NEAR - N_LONG_NEG
SIM_MAX = 0.7  # word-set Jaccard at or above this counts as "too similar" to an unrelated text


# ------------------------------------------------------------------ helpers
def norm(t: str) -> str:
    """Normalisation that 'exact_normalised' copies survive: casefold, collapse whitespace,
    strip, drop trailing punctuation."""
    t = re.sub(r"\s+", " ", t.casefold()).strip()
    return re.sub(r"[\s.?!,;:]+$", "", t)


def toks(t: str) -> frozenset:
    return frozenset(re.findall(r"[a-z0-9']+", t.lower()))


def jacc(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


class SimIndex:
    """Exact word-set Jaccard search with prefix filtering (threshold SIM_MAX)."""

    def __init__(self, df: collections.Counter):
        self.df = df
        self.post = collections.defaultdict(list)
        self.sets: list[frozenset] = []
        self.keys: list = []
        self.norms: dict[str, list] = collections.defaultdict(list)

    def _prefix(self, s: frozenset):
        order = sorted(s, key=lambda w: (self.df.get(w, 0), w))
        k = int((1 - SIM_MAX) * len(order)) + 1
        return order[:k]

    def add(self, key, text):
        s = toks(text)
        i = len(self.sets)
        self.sets.append(s)
        self.keys.append(key)
        for w in s:
            self.post[w].append(i)
        self.norms[norm(text)].append(key)

    def similar(self, text, exclude=()):
        """keys of indexed texts with Jaccard >= SIM_MAX or equal normalised text."""
        s = toks(text)
        hits = set(k for k in self.norms.get(norm(text), []) if k not in exclude)
        cand = set()
        for w in self._prefix(s):
            cand.update(self.post.get(w, ()))
        for i in cand:
            if self.keys[i] not in exclude and jacc(s, self.sets[i]) >= SIM_MAX:
                hits.add(self.keys[i])
        return hits


def cap_like(src: str, repl: str) -> str:
    return repl[:1].upper() + repl[1:] if src[:1].isupper() else repl


# ------------------------------------------------------------------ edits for near copies
SYN = [
    (r"\bmoney\b", "funds"), (r"\bfunds\b", "money"), (r"\bpurchase\b", "buy"), (r"\bbuy\b", "purchase"),
    (r"\bwant to\b", "would like to"), (r"\bwould like to\b", "want to"), (r"\bneed to\b", "have to"),
    (r"\bwrong\b", "incorrect"), (r"\bincorrect\b", "wrong"), (r"\bquickly\b", "fast"),
    (r"\bapp\b", "application"), (r"\bATM\b", "cash machine"), (r"\bcharged\b", "billed"),
    (r"\bfees\b", "charges"), (r"\bdeclined\b", "rejected"), (r"\brejected\b", "declined"),
    (r"^How do I\b", "How can I"), (r"^How can I\b", "How do I"), (r"^What is\b", "What's"),
    (r"^Is it possible to\b", "Can I"), (r"^Can I\b", "Am I able to"), (r"\btell me\b", "let me know"),
    (r"\bhelp me\b", "assist me"), (r"\bget (a|an|my|the)\b", r"receive \1"),
    (r"\bcellphone\b", "mobile phone"), (r"\bphone\b", "mobile"), (r"\btransaction\b", "payment"),
    (r"\bpayment\b", "transaction"), (r"\bshowing\b", "displaying"), (r"\bseveral\b", "a few"), (r"\ba few\b", "several"),
    (r"\btop up\b", "top-up"), (r"\btopped up\b", "topped-up"), (r"\bcompletely\b", "totally"),
    (r"\bok\b", "okay"), (r"\bokay\b", "ok"), (r"\bhours\b", "hrs"), (r"\bplease\b", "pls"),
]
CONTR = [
    ("can't", "cannot"), ("don't", "do not"), ("didn't", "did not"), ("isn't", "is not"),
    ("hasn't", "has not"), ("haven't", "have not"), ("won't", "will not"), ("I'm", "I am"),
    ("it's", "it is"), ("what's", "what is"), ("I've", "I have"), ("doesn't", "does not"),
    ("wasn't", "was not"), ("aren't", "are not"), ("I'd", "I would"), ("there's", "there is"),
    ("couldn't", "could not"), ("shouldn't", "should not"), ("wouldn't", "would not"),
]
DROPPABLE = ["just", "really", "still", "please", "actually", "currently", "also", "now", "very", "so", "the"]
WORD_RE = re.compile(r"[A-Za-z][A-Za-z']*")


def e_typo(t, rng):
    words = [m for m in WORD_RE.finditer(t) if len(m.group()) >= 4 and m.group().isalpha()]
    if not words:
        return None
    m = rng.choice(words)
    w = m.group()
    op = rng.choice(["swap", "drop", "double"])
    i = rng.randint(1, len(w) - 2)
    if op == "swap":
        if w[i] == w[i + 1]:
            return None
        nw = w[:i] + w[i + 1] + w[i] + w[i + 2:]
    elif op == "drop":
        nw = w[:i] + w[i + 1:]
    else:
        nw = w[:i] + w[i] + w[i:]
    return t[:m.start()] + nw + t[m.end():]


def e_synonym(t, rng):
    opts = [(p, r) for p, r in SYN if re.search(p, t)]
    if not opts:
        return None
    p, r = rng.choice(opts)
    return re.sub(p, lambda m: cap_like(m.group(), m.expand(r)), t, count=1)


def e_filler(t, rng):
    kind = rng.choice(["hi", "thanks", "please"])
    if kind == "hi":
        first = t[:1] if t[:2] in ("I ", "I'") or t[:2].isupper() else t[:1].lower()
        return rng.choice(["Hi, ", "Hello, ", "Hey, ", "hi "]) + first + t[1:]
    if kind == "thanks":
        sep = " " if re.search(r"[.?!]$", t) else ". "
        return t.rstrip() + sep + rng.choice(["Thanks", "Thank you.", "thanks!", "Thanks in advance."])
    m = re.search(r"\b(Can|Could|can|could) you\b", t)
    if m:
        return t[:m.end()] + " please" + t[m.end():]
    m = re.search(r"[?.!]*$", t.rstrip())
    return t.rstrip()[:m.start()] + ", please" + t.rstrip()[m.start():]


def e_drop(t, rng):
    opts = [m for w in DROPPABLE for m in re.finditer(rf"\b{w}\b ?", t, flags=re.I)]
    if not opts:
        return None
    m = rng.choice(opts)
    out = t[:m.start()] + t[m.end():]
    if m.start() == 0:
        out = out[:1].upper() + out[1:]
    return out


def e_add(t, rng):
    m = re.search(r"\bI (?!am\b|'m\b)", t)
    if m:
        return t[:m.end()] + rng.choice(["just ", "really ", "actually "]) + t[m.end():]
    m = re.search(r"\b(hasn't|has not|haven't|have not)\b", t)
    if m:
        return t[:m.start()] + "still " + t[m.start():]
    return None


def e_punct(t, rng):
    out = re.sub(r"[,.?!;:']", "", t)
    return out if out != t else None


def e_contraction(t, rng):
    opts = []
    for a, b in CONTR:
        for x, y in ((a, b), (b, a)):
            if re.search(rf"\b{re.escape(x)}\b", t, flags=re.I):
                opts.append((x, y))
    if not opts:
        return None
    x, y = rng.choice(opts)
    return re.sub(rf"\b{re.escape(x)}\b", lambda m: cap_like(m.group(), y), t, count=1, flags=re.I)


NEAR_EDITS = {"typo": e_typo, "synonym": e_synonym, "filler": e_filler, "drop_word": e_drop,
              "add_word": e_add, "no_punct": e_punct, "contraction": e_contraction}


def make_near(t, rng, n_edits):
    for _ in range(30):
        names = rng.sample(list(NEAR_EDITS), n_edits)
        out, ok = t, True
        for n in names:
            r = NEAR_EDITS[n](out, rng)
            if r is None or r == out:
                ok = False
                break
            out = r
        out = re.sub(r" {2,}", " ", out).strip()
        if ok and norm(out) != norm(t):
            return out, names
    return None, None


# ------------------------------------------------------------------ exact-after-normalisation
def make_exact_norm(t, rng):
    for _ in range(30):
        out = t
        ops = rng.sample(["lower", "upper", "firstcase", "spaces", "trail"], rng.choice([1, 1, 2]))
        for op in ops:
            if op == "lower":
                out = out.lower()
            elif op == "upper":
                out = out.upper()
            elif op == "firstcase":
                out = out[:1].swapcase() + out[1:]
            elif op == "spaces":
                sp = [m.start() for m in re.finditer(" ", out)]
                if sp:
                    i = rng.choice(sp)
                    out = out[:i] + rng.choice(["  ", "   "]) + out[i + 1:]
                if rng.random() < 0.4:
                    out = rng.choice([" ", "  "]) + out + rng.choice(["", " "])
            else:
                base = re.sub(r"[.?!]+$", "", out.rstrip())
                out = base + rng.choice(["", "?", "??", ".", "!", "...", " ?"])
        if out != t and norm(out) == norm(t):
            return out, ops
    return None, None


# ------------------------------------------------------------------ hard negatives
NEG_RULES = [  # (name, pattern, replacement)  - each changes what is being asked for
    ("activate->cancel", r"\bactivate\b", "cancel"), ("cancel->activate", r"\bcancel\b", "activate"),
    ("freeze<->unfreeze", r"\bfreeze\b", "unfreeze"), ("unfreeze->freeze", r"\bunfreeze\b", "freeze"),
    ("block->unblock", r"\bblock\b", "unblock"), ("blocked->unblocked", r"\bblocked\b", "unblocked"),
    ("physical->virtual", r"\bphysical\b", "virtual"), ("virtual->physical", r"\bvirtual\b", "physical"),
    ("receive->send", r"\breceive\b", "send"), ("send->receive", r"\bsend\b", "receive"),
    ("received->sent", r"\breceived\b", "sent"), ("sent->received", r"\bsent\b", "received"),
    ("withdraw->deposit", r"\bwithdraw\b", "deposit"), ("withdrawal->deposit", r"\bwithdrawal\b", "deposit"),
    ("deposit->withdrawal", r"\bdeposit\b", "withdrawal"),
    ("debit card->credit card", r"(?<!credit or )(?<!credit and )\bdebit card\b", "credit card"),
    ("credit card->debit card", r"(?<!debit or )(?<!debit and )\bcredit card\b", "debit card"),
    ("increase->decrease", r"\bincrease\b", "decrease"), ("add->remove", r"\badd\b", "remove"),
    ("remove->add", r"\bremove\b", "add"), ("open->close", r"\bopen\b", "close"),
    ("close->open", r"\bclose\b", "open"), ("declined->approved", r"\bdeclined\b", "approved"),
    ("lost->found", r"\blost\b", "found"), ("stolen->returned", r"\bstolen\b", "returned"),
    ("PIN->password", r"\bPIN\b", "password"), ("exchange rate->interest rate", r"\bexchange rate\b", "interest rate"),
    ("charged->refunded", r"\bcharged\b", "refunded"), ("refunded->charged", r"\brefunded\b", "charged"),
    ("top-up->transfer", r"\b(my|the|a) top[- ]?up\b", r"\1 transfer"),
    ("transfer->top-up", r"\b(my|the|a) transfer\b", r"\1 top-up"),
    ("twice->once", r"\btwice\b", "once"),
    ("failed->succeeded", r"\bfailed\b", "succeeded"),
    ("pending->cancelled", r"\bpending\b", "cancelled"), ("child->partner", r"\bchild\b", "partner"),
    ("Apple Pay->bank transfer", r"\bApple Pay\b", "a bank transfer"),
    ("not: didn't->did", r"\b(didn't|did not)\b", "did"), ("not: hasn't->has", r"\b(hasn't|has not)\b( arrived)?( yet)?", r"has\2"),
    ("not: isn't->is", r"\b(isn't|is not)\b", "is"), ("not: doesn't->does", r"\b(doesn't|does not)\b", "does"),
    ("not: can't->can", r"\b(can't|cannot|can not)\b", "can"), ("not: won't->will", r"\b(won't|will not)\b", "will"),
    ("not: wasn't->was", r"\b(wasn't|was not)\b", "was"), ("not: don't->do", r"\b(don't|do not)\b", "do"),
    ("abroad->at home", r"\babroad\b", "at home"),
    ("card arrive->card expire", r"\bcard (to )?arrive\b", r"card \1expire"),
]
NEG_RULE_CAP = 25


def make_negative(t, rng, used):
    opts = [r for r in NEG_RULES if re.search(r[1], t, flags=re.I) and used[r[0]] < NEG_RULE_CAP]
    if not opts:
        return None, None
    name, pat, rep = rng.choice(opts)
    flags = re.I

    def sub(m):
        r = m.expand(rep)
        return cap_like(m.group(), r) if m.start() == 0 else r
    out = re.sub(pat, sub, t, flags=flags)
    if name.startswith("not:"):  # "hasn't arrived yet" -> "has arrived", not "has arrived yet"
        out = re.sub(r",? yet\b", "", out)
    out = re.sub(r" {2,}", " ", out).strip()
    if out == t or norm(out) == norm(t):
        return None, None
    return out, name


# ------------------------------------------------------------------ short set
def load():
    df = pl.read_csv(SRC)
    return df["text"].to_list()


def build_short(texts, df_counts):
    rng = random.Random(SEED_SHORT)
    all_norm = collections.Counter(norm(t) for t in texts)
    order = list(range(len(texts)))
    rng.shuffle(order)
    idx = SimIndex(df_counts)
    originals, skipped = [], 0
    for i in order:
        t = texts[i]
        if idx.similar(t):
            skipped += 1
            continue
        idx.add(len(originals), t)
        originals.append(i)
        if len(originals) == N_ORIG:
            break
    items = [{"text": texts[i], "kind": "original", "src": None, "row": i, "edit": None} for i in originals]

    # each planted item uses a distinct source
    src_pool = list(range(N_ORIG))
    rng.shuffle(src_pool)
    used_src = set()

    def take(pred):
        for s in src_pool:
            if s not in used_src and pred(s):
                used_src.add(s)
                return s
        raise RuntimeError("no source left")

    planted = []
    for _ in range(N_EXACT):
        s = take(lambda s: True)
        planted.append({"text": items[s]["text"], "kind": "exact", "src": s, "edit": ["verbatim"]})
    while sum(p["kind"] == "exact_normalised" for p in planted) < N_EXACT_NORM:
        s = take(lambda s: True)
        out, ops = make_exact_norm(items[s]["text"], rng)
        if out is None:
            continue
        planted.append({"text": out, "kind": "exact_normalised", "src": s, "edit": ops})

    def clean_against_others(out, s):
        # must not collide with any train text other than its own source, nor be too similar
        # to another original
        if all_norm.get(norm(out), 0) > (1 if norm(out) == norm(items[s]["text"]) else 0):
            return False
        return not idx.similar(out, exclude={s})

    n_near = 0
    while n_near < N_NEAR:
        s = take(lambda s: True)
        n_edits = 2 if rng.random() < 0.3 else 1
        out, names = make_near(items[s]["text"], rng, n_edits)
        if out is None or not clean_against_others(out, s):
            continue
        planted.append({"text": out, "kind": "near", "src": s, "edit": names})
        n_near += 1
    used_rules = collections.Counter()
    n_neg = 0
    for s in src_pool:
        if n_neg == N_NEG:
            break
        if s in used_src:
            continue
        out, rule = make_negative(items[s]["text"], rng, used_rules)
        if out is None or not clean_against_others(out, s) or all_norm.get(norm(out)):
            continue
        used_src.add(s)
        used_rules[rule] += 1
        planted.append({"text": out, "kind": "negative", "src": s, "edit": [rule]})
        n_neg += 1
    assert n_neg == N_NEG, n_neg

    # final order: originals shuffled (already random), each plant at a random later position
    keyed = [(float(p), 0, it) for p, it in enumerate(items)]
    for p in planted:
        keyed.append((rng.uniform(p["src"] + 0.01, N_ORIG), 1, p))
    keyed.sort(key=lambda x: (x[0], x[1]))
    rows = []
    for n, (_, _, it) in enumerate(keyed):
        it["id"] = f"s{n:05d}"
    for _, _, it in keyed:
        src_id = None if it["src"] is None else items[it["src"]]["id"]
        rows.append({"id": it["id"], "text": it["text"], "kind": it["kind"], "source_id": src_id})
    stats = {"originals_skipped_as_too_similar": skipped,
             "neg_rules": dict(used_rules),
             "near_edits": dict(collections.Counter(e for p in planted if p["kind"] == "near" for e in p["edit"])),
             "near_two_edits": sum(1 for p in planted if p["kind"] == "near" and len(p["edit"]) == 2)}
    return rows, stats


# ------------------------------------------------------------------ long set
def wc(t):
    return len(t.split())


def word_edits(doc, rng, n):
    """n word-level edits: typo / synonym / drop a word / add a filler word."""
    words = doc.split(" ")
    done = 0
    tries = 0
    while done < n and tries < 100:
        tries += 1
        op = rng.choice(["typo", "synonym", "drop", "add"])
        i = rng.randrange(len(words))
        w = words[i]
        core = re.sub(r"[^A-Za-z']", "", w)
        if op == "typo" and len(core) >= 4 and core.isalpha():
            r = e_typo(w, rng)
            if r and r != w:
                words[i] = r
                done += 1
        elif op == "synonym":
            r = e_synonym(w, rng)
            if r and r != w:
                words[i] = r
                done += 1
        elif op == "drop" and core.lower() in DROPPABLE and w == core:
            del words[i]
            done += 1
        elif op == "add":
            if w == "I" and i + 1 < len(words):  # "I just/really ..."
                words.insert(i + 1, rng.choice(["just", "really", "actually"]))
                done += 1
            elif i > 0 and re.search(r"[.?!]$", words[i - 1]) and w[:1].isupper():  # sentence start
                words.insert(i, rng.choice(["Also,", "Hi,", "Thanks.", "Hello,", "Sorry,"]))
                done += 1
    return " ".join(words), done


def build_long(texts, df_counts):
    rng = random.Random(SEED_LONG)
    n = len(texts)
    stream = list(range(n))
    rng.shuffle(stream)
    s2 = list(range(n))
    rng.shuffle(s2)
    stream += s2
    use = collections.Counter()
    member = collections.defaultdict(set)  # query -> docs
    docs = []
    ptr = 0
    while len(docs) < N_LONG_ORIG:
        target = rng.randint(85, 190)
        cur, words, skipped = [], 0, []
        while words < target and len(cur) < 12 and ptr < len(stream):
            q = stream[ptr]
            ptr += 1
            shared = set()
            for c in cur:
                shared |= member[c]
            if q in cur or use[q] >= 2 or (member[q] & shared):
                skipped.append(q)
                continue
            cur.append(q)
            words += wc(texts[q])
        stream[ptr:ptr] = skipped  # put skipped back for later docs
        if 6 <= len(cur) <= 12 and 80 <= words <= 200:
            d = len(docs)
            for q in cur:
                use[q] += 1
                member[q].add(d)
            docs.append(cur)
        if ptr >= len(stream):
            raise RuntimeError("ran out of queries")
    items = [{"text": " ".join(texts[q] for q in d), "kind": "original", "src": None, "rows": d} for d in docs]
    src_pool = list(range(N_LONG_ORIG))
    rng.shuffle(src_pool)
    it_src = iter(src_pool)
    planted = []
    for _ in range(N_LONG_EXACT):
        s = next(it_src)
        planted.append({"text": items[s]["text"], "kind": "exact", "src": s})
    for _ in range(N_LONG_NEAR):
        s = next(it_src)
        while True:
            out, done = word_edits(items[s]["text"], rng, rng.randint(2, 4))
            if done >= 2 and norm(out) != norm(items[s]["text"]):
                break
        planted.append({"text": out, "kind": "near", "src": s, "n_edits": done})
    least_used = sorted(range(n), key=lambda q: (use[q], rng.random()))
    fresh = iter(least_used)
    k = 0
    while k < N_LONG_NEG:
        s = next(it_src)
        src_rows = docs[s]
        m = len(src_rows)
        keep_n = m // 2 if m % 2 == 0 else rng.choice([m // 2, m // 2 + 1])
        keep_pos = sorted(rng.sample(range(m), keep_n))
        kept = [src_rows[p] for p in keep_pos]
        new = []
        while len(new) < m - keep_n:
            q = next(fresh)
            if q not in src_rows:
                new.append(q)
        seq = kept[:]
        for q in new:
            seq.insert(rng.randint(0, len(seq)), q)
        text = " ".join(texts[q] for q in seq)
        if not 80 <= wc(text) <= 200:
            continue
        planted.append({"text": text, "kind": "negative", "src": s})
        k += 1
    keyed = [(float(p), 0, it) for p, it in enumerate(items)]
    for p in planted:
        keyed.append((rng.uniform(p["src"] + 0.01, N_LONG_ORIG), 1, p))
    keyed.sort(key=lambda x: (x[0], x[1]))
    for j, (_, _, it) in enumerate(keyed):
        it["id"] = f"d{j:05d}"
    rows = [{"id": it["id"], "text": it["text"], "kind": it["kind"],
             "source_id": None if it["src"] is None else items[it["src"]]["id"]} for _, _, it in keyed]
    return rows, {"max_query_reuse": max(use.values())}


def main():
    texts = load()
    df_counts = collections.Counter(w for t in texts for w in toks(t))
    rows, st = build_short(texts, df_counts)
    with open(OUT / "near_dups_short.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("short:", collections.Counter(r["kind"] for r in rows), st)
    rows, st = build_long(texts, df_counts)
    with open(OUT / "near_dups_long.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("long:", collections.Counter(r["kind"] for r in rows), st)


if __name__ == "__main__":
    main()
