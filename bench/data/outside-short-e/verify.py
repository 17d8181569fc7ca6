#!/usr/bin/env python3
"""Re-check every guarantee of near_dups_short5.jsonl / stats.json.  Exits 1 on any failure.

    python3 verify.py              # full check, including regenerating with make.py and comparing bytes
    python3 verify.py --no-regen   # skip the reproducibility check

Standard library only, and independent of make.py's code (it re-implements normalisation).
"""
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
TRAIN = '/work/shared/data/banking77/train.csv'
DATA = os.path.join(HERE, 'near_dups_short5.jsonl')
STATS = os.path.join(HERE, 'stats.json')
EXPECTED = {'original': 2000, 'exact': 150, 'near': 500, 'negative': 300}

NEAR_OPS = {'paraphrase', 'synonym', 'regional', 'contraction', 'expansion', 'politeness', 'filler_drop', 'filler_add',
            'reorder', 'typo_swap', 'typo_drop', 'typo_double', 'typo_key', 'typo_merge', 'typo_split', 'misspelling',
            'autocorrect', 'shorthand', 'greeting', 'opener', 'followup', 'closer', 'signature', 'marker', 'quoted',
            'case', 'punct', 'space'}
EXACT_OPS = {'verbatim', 'case', 'punct', 'space'}
NEG_OPS = {'number', 'currency', 'country', 'date', 'negation', 'object', 'action', 'antonym'}
# word pairs whose swap is a hard-negative edit: a near row must never introduce the partner word
GUARD_PAIRS = [('deposit', 'withdraw'), ('deposit', 'withdrawal'), ('debit', 'credit'), ('virtual', 'physical'),
               ('sent', 'received'), ('send', 'receive'), ('cancel', 'activate'), ('freeze', 'unfreeze'),
               ('block', 'unblock'), ('lock', 'unlock'), ('increase', 'decrease'), ('higher', 'lower'),
               ('incoming', 'outgoing'), ('apple', 'google'), ('visa', 'mastercard'), ('approved', 'declined'),
               ('accepted', 'declined'), ('buy', 'sell'), ('bought', 'sold'), ('open', 'close'), ('more', 'less'),
               ('maximum', 'minimum'), ('charged', 'refunded'), ('lost', 'found'), ('domestic', 'international'),
               ('yesterday', 'today'), ('week', 'month'), ('days', 'weeks'), ('dollars', 'euros'), ('pounds', 'euros'),
               ('dollars', 'pounds'), ('pin', 'password'), ('uk', 'us')]
NEG_TOKENS = {'not', 'no', 'never', 'cannot', 'cant', 'dont', 'didnt', 'doesnt', 'isnt', 'wasnt', 'arent',
              'werent', 'hasnt', 'havent', 'hadnt', 'wont', 'wouldnt', 'couldnt', 'shouldnt', 'aint', 'dnt', 'idk',
              'dunno', 'nothing', 'nobody', 'none', 'unable'}

failures = []


def fail(msg):
    failures.append(msg)


def collapse(t):
    return ' '.join(t.split())


def norm(t):
    t = t.lower()
    for a in "'\u2019\u2018`":
        t = t.replace(a, '')
    return ' '.join(re.sub(r'[\W_]+', ' ', t).split())


def grams4(n):
    s = ' ' + n + ' '
    return frozenset(s[i:i + 4] for i in range(len(s) - 3))


def neg_count(n):
    return sum(1 for w in n.split() if w in NEG_TOKENS)


def digits(t):
    return sorted(re.findall(r'\d+', t))


def compute_stats(rows):
    kinds = collections.Counter(r['kind'] for r in rows)
    ops = {}
    for k in ('exact', 'near', 'negative'):
        c = collections.Counter(e.split(':', 1)[0] for r in rows if r['kind'] == k for e in r['edits'])
        ops[k] = dict(sorted(c.items()))
    near_n = collections.Counter(str(len(r['edits'])) for r in rows if r['kind'] == 'near')
    rows_with_op = collections.Counter()
    for r in rows:
        if r['kind'] == 'near':
            for op in set(e.split(':', 1)[0] for e in r['edits']):
                rows_with_op[op] += 1
    return {'total_rows': len(rows), 'kinds': dict(sorted(kinds.items())), 'edit_ops': ops,
            'near_rows_containing_op': dict(sorted(rows_with_op.items())),
            'edits_per_near_row': dict(sorted(near_n.items()))}


def main():
    regen = '--no-regen' not in sys.argv[1:]
    with open(TRAIN, encoding='utf-8', newline='') as f:
        train = list(csv.DictReader(f))
    train_texts = set(collapse(r['text']) for r in train)
    train_norms = set(norm(r['text']) for r in train)

    rows = []
    with open(DATA, encoding='utf-8') as f:
        for ln, line in enumerate(f, 1):
            try:
                rows.append(json.loads(line))
            except ValueError as e:
                fail('line %d: not JSON (%s)' % (ln, e))
    if failures:
        return

    # ---- shape, ids, counts
    for n, r in enumerate(rows):
        if set(r) != {'id', 'text', 'kind', 'source_id', 'edits'}:
            fail('%s: fields %s' % (r.get('id'), sorted(r)))
            continue
        if r['id'] != 'e%05d' % n:
            fail('row %d: id %r, expected e%05d' % (n, r['id'], n))
        if r['kind'] not in EXPECTED:
            fail('%s: kind %r' % (r['id'], r['kind']))
        if not isinstance(r['text'], str) or not r['text'].strip():
            fail('%s: empty text' % r['id'])
        if re.search(r'[\x00-\x09\x0b-\x1f\x7f]', r['text']):
            fail('%s: control character in text' % r['id'])
        if not isinstance(r['edits'], list) or not all(isinstance(e, str) and e for e in r['edits']):
            fail('%s: edits must be a list of non-empty strings' % r['id'])
        for e in r['edits']:
            if not re.match(r'^[a-z_]+(:.+)?$', e, re.S):
                fail('%s: malformed edit %r' % (r['id'], e))
    if failures:
        return
    counts = collections.Counter(r['kind'] for r in rows)
    for k, v in EXPECTED.items():
        if counts[k] != v:
            fail('count of %s is %d, expected %d' % (k, counts[k], v))
    if len(rows) != sum(EXPECTED.values()):
        fail('total rows %d, expected %d' % (len(rows), sum(EXPECTED.values())))

    pos = {r['id']: i for i, r in enumerate(rows)}
    byid = {r['id']: r for r in rows}
    origs = [r for r in rows if r['kind'] == 'original']

    # ---- originals
    for r in origs:
        t = r['text']
        if r['source_id'] != '' or r['edits'] != []:
            fail('%s: original must have source_id "" and edits []' % r['id'])
        if t != collapse(t):
            fail('%s: original has uncollapsed whitespace' % r['id'])
        if t not in train_texts:
            fail('%s: original is not a (whitespace-collapsed) train.csv text' % r['id'])
        if not 3 <= len(t.split()) <= 25:
            fail('%s: original has %d words' % (r['id'], len(t.split())))
    on = [(r['id'], norm(r['text'])) for r in origs]
    if len(set(n for _, n in on)) != len(on):
        fail('originals: duplicate normalised texts')
    feats = [(i, n, frozenset(n.split()), grams4(n)) for i, n in on]
    close_pairs = 0
    for a in range(len(feats)):
        ia, na, wa, ga = feats[a]
        for b in range(a + 1, len(feats)):
            ib, nb, wb, gb = feats[b]
            if (len(wa & wb) / len(wa | wb) >= 0.5 or len(ga & gb) / len(ga | gb) >= 0.5 or na in nb or nb in na):
                close_pairs += 1
                if close_pairs <= 5:
                    fail('originals %s and %s are near copies of each other' % (ia, ib))
    if close_pairs > 5:
        fail('... %d near-copy original pairs in all' % close_pairs)
    orig_norm_to_id = {n: i for i, n in on}

    # ---- planted rows
    planted = [r for r in rows if r['kind'] != 'original']
    src_use = collections.Counter(r['source_id'] for r in planted)
    for s, c in src_use.items():
        if c > 1:
            fail('original %s has %d planted rows' % (s, c))
    for r in planted:
        sid = r['source_id']
        if sid not in byid or byid[sid]['kind'] != 'original':
            fail('%s: source_id %r is not an original' % (r['id'], sid))
            continue
        if pos[sid] >= pos[r['id']]:
            fail('%s: comes before its source %s' % (r['id'], sid))
        src = byid[sid]['text']
        ns, nt = norm(src), norm(r['text'])
        if nt in orig_norm_to_id and orig_norm_to_id[nt] != sid:
            fail('%s: normalised text equals another original %s' % (r['id'], orig_norm_to_id[nt]))
        ops = [e.split(':', 1)[0] for e in r['edits']]
        if r['kind'] == 'exact':
            if nt != ns:
                fail('%s: exact row does not normalise to its source' % r['id'])
            if not r['edits'] or not set(ops) <= EXACT_OPS:
                fail('%s: exact edits %r' % (r['id'], r['edits']))
            if 'verbatim' in ops and r['text'] != src:
                fail('%s: "verbatim" but text differs' % r['id'])
        elif r['kind'] == 'near':
            if not 1 <= len(r['edits']) <= 3:
                fail('%s: near row has %d edits' % (r['id'], len(r['edits'])))
            if not set(ops) <= NEAR_OPS:
                fail('%s: unknown near edit ops %r' % (r['id'], sorted(set(ops) - NEAR_OPS)))
            if not set(ops) - {'case', 'punct', 'space'}:
                fail('%s: near row has only normalisation-neutral edits' % r['id'])
            if nt == ns:
                fail('%s: near row normalises to its source' % r['id'])
            if digits(r['text']) != digits(src):
                fail('%s: near row changed numbers %r -> %r' % (r['id'], digits(src), digits(r['text'])))
            if sorted(re.findall(r'[$£€]', r['text'])) != sorted(re.findall(r'[$£€]', src)):
                fail('%s: near row changed currency symbols' % r['id'])
            if neg_count(nt) < neg_count(ns):
                fail('%s: near row lost a negation' % r['id'])
            body = norm(re.sub(r'(?i)\bsent from\b', ' ', r['text']))
            sw, tw = set(ns.split()), set(body.split())
            for a, b in GUARD_PAIRS:
                for x, y in ((a, b), (b, a)):
                    if x in sw and y not in sw and y in tw:
                        fail('%s: near row introduces %r (source has %r)' % (r['id'], y, x))
            # the source's words must still be (mostly) there
            toks = ns.split()
            tl = sorted(tw)
            kept = sum(1 for w in toks if w in tw or difflib.get_close_matches(w, tl, n=1, cutoff=0.75))
            if kept / len(toks) < 0.4:
                fail('%s: near row keeps only %d/%d source words' % (r['id'], kept, len(toks)))
        else:  # negative
            if len(r['edits']) != 1:
                fail('%s: negative must have exactly one edit' % r['id'])
            if ops[0] not in NEG_OPS:
                fail('%s: unknown negative op %r' % (r['id'], ops[0]))
            if nt == ns:
                fail('%s: negative normalises to its source' % r['id'])
            if nt in train_norms:
                fail('%s: negative equals a train.csv text' % r['id'])
            a, b = ns.split(), nt.split()
            sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
            hunks = [op for op in sm.get_opcodes() if op[0] != 'equal']
            changed = sum(max(i2 - i1, j2 - j1) for _, i1, i2, j1, j2 in hunks)
            if not 1 <= len(hunks) <= 3 or changed > 6:
                fail('%s: negative edit is not minimal (%d hunks, %d tokens)' % (r['id'], len(hunks), changed))
            det = r['edits'][0].split(':', 1)[1] if ':' in r['edits'][0] else ''
            if '>' in det:
                old, new = det.split('>', 1)
                if norm(new) and norm(new) not in nt:
                    fail('%s: declared replacement %r not in row' % (r['id'], new))
                if norm(old) and norm(old) not in ns:
                    fail('%s: declared original %r not in source' % (r['id'], old))
            elif ops[0] != 'negation':
                fail('%s: negative edit detail should be old>new' % r['id'])

    # ---- uniqueness of normalised texts over all non-exact rows
    seen = {}
    for r in rows:
        if r['kind'] == 'exact':
            continue
        n = norm(r['text'])
        if n in seen:
            fail('%s and %s share a normalised text' % (seen[n], r['id']))
        seen[n] = r['id']

    # ---- stats.json
    with open(STATS, encoding='utf-8') as f:
        stats = json.load(f)
    want = compute_stats(rows)
    for k, v in want.items():
        if stats.get(k) != v:
            fail('stats.json: %s is %r, recomputed %r' % (k, stats.get(k), v))

    # ---- reproducibility
    if regen:
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run([sys.executable, os.path.join(HERE, 'make.py'), '--out', d],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
            if p.returncode != 0:
                fail('make.py --out failed: %s' % p.stderr[-500:])
            else:
                for name in ('near_dups_short5.jsonl', 'stats.json'):
                    with open(os.path.join(d, name), 'rb') as f1, open(os.path.join(HERE, name), 'rb') as f2:
                        if f1.read() != f2.read():
                            fail('%s differs from a fresh make.py run' % name)
    print('rows: %d  %s' % (len(rows), json.dumps(dict(sorted(counts.items())))))


if __name__ == '__main__':
    main()
    if failures:
        for m in failures[:200]:
            print('FAIL', m)
        if len(failures) > 200:
            print('... and %d more failures' % (len(failures) - 200))
        sys.exit(1)
    print('OK: all checks passed')
