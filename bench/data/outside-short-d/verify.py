import json, csv, re, collections, itertools
def norm(t):
    t = t.lower().replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", t).split())
rows = [json.loads(l) for l in open("/tmp/blind4/near_dups_short4.jsonl")]
train = {norm(r["text"]) for r in csv.DictReader(open("/work/shared/data/banking77/train.csv"))}
assert all(set(r) == {"id", "text", "kind", "source_id", "edits"} for r in rows)
assert [r["id"] for r in rows] == [f"d{i:05d}" for i in range(len(rows))]
k = collections.Counter(r["kind"] for r in rows); print(k)
pos = {r["id"]: i for i, r in enumerate(rows)}; by = {r["id"]: r for r in rows}
src = [r["source_id"] for r in rows if r["kind"] != "original"]
assert len(src) == len(set(src)) and all(by[s]["kind"] == "original" and pos[s] < pos[r["id"]] for r in rows if r["kind"] != "original" for s in [r["source_id"]])
assert all(r["source_id"] == "" and r["edits"] == [] for r in rows if r["kind"] == "original")
origs = [r for r in rows if r["kind"] == "original"]
assert len({norm(r["text"]) for r in origs}) == len(origs)
assert all(norm(r["text"]) == norm(by[r["source_id"]]["text"]) for r in rows if r["kind"] == "exact")
assert all(norm(r["text"]) != norm(by[r["source_id"]]["text"]) and 1 <= len(r["edits"]) <= 3 for r in rows if r["kind"] == "near")
assert all(norm(r["text"]) not in train and len(r["edits"]) == 1 for r in rows if r["kind"] == "negative")
allnorm = collections.Counter(norm(r["text"]) for r in rows if r["kind"] != "exact")
print("dup normalized texts among non-exact rows:", sum(v - 1 for v in allnorm.values() if v > 1))
ws = [set(norm(r["text"]).split()) for r in origs]
mx = max(len(a & b) / len(a | b) for a, b in itertools.combinations(ws, 2))
print("max word-jaccard between originals: %.3f" % mx)
wc = [len(r["text"].split()) for r in rows]; print("words/row min/median/max", min(wc), sorted(wc)[len(wc)//2], max(wc))
print("OK")
