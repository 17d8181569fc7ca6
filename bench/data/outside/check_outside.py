"""Sanity checks for the files in bench/data/outside (offsets, counts, invariants).

    /work/main/.venv/bin/python bench/data/outside/check_outside.py
"""
import collections
import json
import re
import sys
from pathlib import Path

import polars as pl

D = Path(__file__).resolve().parent
TYPES = {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
         "STREET_ADDRESS", "POSTCODE_CITY", "US_DRIVER_LICENSE"}
errors = []


def err(msg):
    errors.append(msg)


def norm(t):
    t = re.sub(r"\s+", " ", t.casefold()).strip()
    return re.sub(r"[\s.?!,;:]+$", "", t)


def luhn(d):
    s, alt = 0, False
    for ch in reversed(d):
        x = int(ch)
        if alt:
            x = x * 2 - 9 if x > 4 else x * 2
        s += x
        alt = not alt
    return s % 10 == 0


def iban_ok(v):
    v = v.replace(" ", "")
    r = v[4:] + v[:4]
    return int("".join(str(int(c, 36)) for c in r)) % 97 == 1


def load(name):
    return [json.loads(l) for l in open(D / name, encoding="utf-8")]


# ---- set 1
pos = load("pii_multilocale.jsonl")
nspans = collections.Counter()
for k, r in enumerate(pos):
    t, last = r["text"], 0
    if re.search(r"\{[A-Z]+\d?(\|[ul])?\}", t):
        err(f"pii line {k}: unfilled placeholder in {t!r}")
    for f in ("text", "locale", "style", "spans"):
        if f not in r:
            err(f"pii line {k}: missing {f}")
    for s in r["spans"]:
        nspans[s["type"]] += 1
        if t[s["start"]:s["end"]] != s["value"]:
            err(f"pii line {k}: offset mismatch {s}")
        if s["start"] < last:
            err(f"pii line {k}: overlapping/unsorted spans")
        last = s["end"]
        if s["type"] not in TYPES:
            err(f"pii line {k}: bad type {s['type']}")
        if s["type"] == "CREDIT_CARD" and not luhn(re.sub(r"\D", "", s["value"])):
            err(f"pii line {k}: card fails Luhn {s['value']}")
        if s["type"] == "IBAN_CODE" and not iban_ok(s["value"].upper()):
            err(f"pii line {k}: IBAN checksum {s['value']}")
        if s["type"] == "EMAIL_ADDRESS" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-zA-Z]+", s["value"]):
            err(f"pii line {k}: odd email {s['value']}")
    # unmarked look-alikes of strongly formatted values
    masked = list(t)
    for s in r["spans"]:
        masked[s["start"]:s["end"]] = [" "] * (s["end"] - s["start"])
    m = "".join(masked)
    if re.search(r"\S+@\S+\.\w+", m) or re.search(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,}", m) \
            or re.search(r"\d{9,}", m):
        err(f"pii line {k}: unmarked email/IBAN/long number in {t!r}")
if len({r["text"] for r in pos}) != len(pos):
    err("pii: duplicate texts")
neg = load("pii_negatives.jsonl")
for k, r in enumerate(neg):
    t = r["text"]
    if set(r) != {"text"}:
        err(f"neg line {k}: extra fields")
    if re.search(r"\S+@\S+\.\w+", t) or re.search(r"\d{9,}", t) or re.search(r"\b[A-Z]{2}\d{2}[A-Z0-9]{10,}", t):
        err(f"neg line {k}: looks like PII {t!r}")
print(f"pii_multilocale: {len(pos)} texts, {sum(nspans.values())} spans {dict(nspans)}")
print(f"  locales {dict(collections.Counter(r['locale'] for r in pos))}")
print(f"  styles {dict(collections.Counter(r['style'] for r in pos))}")
print(f"pii_negatives: {len(neg)} texts")


# ---- set 2
def check_dups(name, long=False):
    rows = load(name)
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        err(f"{name}: duplicate ids")
    pos_of = {r["id"]: i for i, r in enumerate(rows)}
    byid = {r["id"]: r for r in rows}
    seen_src = collections.Counter()
    for i, r in enumerate(rows):
        if set(r) != {"id", "text", "kind", "source_id"}:
            err(f"{name} {r['id']}: fields")
        if r["kind"] == "original":
            if r["source_id"] is not None:
                err(f"{name} {r['id']}: original with source")
            if long and not 80 <= len(r["text"].split()) <= 200:
                err(f"{name} {r['id']}: word count")
            continue
        src = byid.get(r["source_id"])
        if src is None or src["kind"] != "original":
            err(f"{name} {r['id']}: bad source")
            continue
        seen_src[r["source_id"]] += 1
        if pos_of[r["source_id"]] >= i:
            err(f"{name} {r['id']}: copy before its source")
        a, b = src["text"], r["text"]
        k = r["kind"]
        if k == "exact" and a != b:
            err(f"{name} {r['id']}: exact differs")
        if k == "exact_normalised" and (a == b or norm(a) != norm(b)):
            err(f"{name} {r['id']}: exact_normalised invariant")
        if k in ("near", "negative") and norm(a) == norm(b):
            err(f"{name} {r['id']}: {k} equal after normalisation")
        if long and not 80 <= len(b.split()) <= 210:
            err(f"{name} {r['id']}: word count {len(b.split())}")
    orig_norms = collections.Counter(norm(r["text"]) for r in rows if r["kind"] == "original")
    if not long and max(orig_norms.values()) > 1:
        err(f"{name}: originals not distinct after normalisation")
    if long and len({r['text'] for r in rows if r['kind'] == 'original'}) != sum(1 for r in rows if r['kind'] == 'original'):
        err(f"{name}: duplicate originals")
    print(f"{name}: {len(rows)} rows {dict(collections.Counter(r['kind'] for r in rows))}, "
          f"max copies per source {max(seen_src.values())}")


check_dups("near_dups_short.jsonl")
check_dups("near_dups_long.jsonl", long=True)
train = pl.read_csv("/work/shared/data/banking77/train.csv")
train_texts = set(train["text"].to_list())
short = load("near_dups_short.jsonl")
if not all(r["text"] in train_texts for r in short if r["kind"] == "original"):
    err("short originals not verbatim banking77 rows")

# ---- set 3
dc = json.load(open(D / "drift_cases.json"))
labels = train["category"].to_list()
n = len(labels)
for c in dc["cases"]:
    ref, cand = c["reference_rows"], c["candidate_rows"]
    if set(ref) & set(cand):
        err(f"drift {c['name']}: overlap")
    if len(set(ref)) != len(ref) or len(set(cand)) != len(cand):
        err(f"drift {c['name']}: repeated rows")
    if not all(0 <= i < n for i in ref + cand):
        err(f"drift {c['name']}: index out of range")
    if "candidate_labels" in c:
        if sorted(c["candidate_labels"]) != sorted(labels[i] for i in cand):
            err(f"drift {c['name']}: label marginals changed")
print(f"drift_cases: {len(dc['cases'])} cases, sizes " +
      ", ".join(f"{c['name']}={len(c['reference_rows'])}/{len(c['candidate_rows'])}" for c in dc["cases"][-4:]))

for p in D.iterdir():
    if p.stat().st_size > 5 * 1024 * 1024:
        err(f"{p.name} over 5 MB")
if errors:
    print(f"{len(errors)} ERRORS")
    for e in errors[:50]:
        print("  ", e)
    sys.exit(1)
print("all checks passed")
