#!/usr/bin/env python3
"""Generate the outside-short-e near-duplicate test set from BANKING77 train.csv.

Standard library only.  Deterministic: seeded with random.Random(77031).

    python3 make.py            # writes near_dups_short5.jsonl and stats.json next to this file
    python3 make.py --out DIR  # writes them into DIR instead (used by verify.py to check reproducibility)

Source data: BANKING77 (PolyAI), CC BY 4.0 -- see README.md.
"""
import collections
import csv
import json
import os
import re
import sys

import random

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN = '/work/shared/data/banking77/train.csv'
SEED = 77031
N_ORIG, N_EXACT, N_NEAR, N_NEG = 2000, 150, 500, 300

# --------------------------------------------------------------------------------------------
# normalisation (shared definition with verify.py)
# --------------------------------------------------------------------------------------------
APOS = "'\u2019\u2018`"


def collapse(t):
    return ' '.join(t.split())


def norm(t):
    t = t.lower()
    for a in APOS:
        t = t.replace(a, '')
    return ' '.join(re.sub(r'[\W_]+', ' ', t).split())


def grams4(n):
    s = ' ' + n + ' '
    return frozenset(s[i:i + 4] for i in range(len(s) - 3))


def too_close(n1, w1, g1, n2, w2, g2):
    if len(w1 & w2) / len(w1 | w2) >= 0.5:
        return True
    if len(g1 & g2) / len(g1 | g2) >= 0.5:
        return True
    return n1 in n2 or n2 in n1


# --------------------------------------------------------------------------------------------
# small text helpers
# --------------------------------------------------------------------------------------------
PROPER_WORDS = set()  # filled in below (days, months, places, brands)


def _is_proper(word):
    w = word.strip(".,'")
    return (w in PROPER_WORDS or w == 'I' or w.startswith("I'") or (len(w) > 1 and w.isupper())
            or any(c.isupper() for c in w[1:]))


def match_case(src, rep):
    """Give rep the casing style of src: ALL CAPS (long words only), Capitalised, or lower-case start."""
    letters = [c for c in src if c.isalpha()]
    if len(letters) > 4 and all(c.isupper() for c in letters):
        return rep.upper()
    if len(letters) > 1 and all(c.isupper() for c in letters):  # acronym like ATM / PIN: keep rep as written
        return rep
    if src[:1].isupper() and rep[:1].islower():
        return rep[:1].upper() + rep[1:]
    if src[:1].islower() and rep[:1].isupper() and not _is_proper(rep.split()[0]):
        return rep[:1].lower() + rep[1:]
    return rep


def tidy(t):
    t = re.sub(r'[ \t]+', ' ', t)
    t = re.sub(r' +([,.?!])', r'\1', t)
    t = re.sub(r',\s*,', ',', t)
    t = re.sub(r'^\s*,\s*', '', t)
    t = re.sub(r'\n ', '\n', t)
    return t.strip()


def cap_first(t):
    for i, c in enumerate(t):
        if c.isalpha():
            return t[:i] + c.upper() + t[i + 1:]
    return t


def lower_first(t):
    m = re.match(r"^(\W*)([A-Za-z]+)", t)
    if not m:
        return t
    w = m.group(2)
    if w == 'I' or (len(w) > 1 and w.isupper()):
        return t
    if any(c.isupper() for c in w[1:]):  # "THere" -> "there"
        return t[:m.start(2)] + w.lower() + t[m.end(2):]
    return t[:m.start(2)] + w[0].lower() + w[1:] + t[m.end(2):]


def split_final_punct(t):
    m = re.search(r'([.?!]+)\s*$', t)
    if m:
        return t[:m.start()], m.group(1)
    return t, ''


def fix_lookbehind(pat):
    """Rewrite (?<=\\b(a|bb|ccc) ) -- not allowed by re -- as (?:(?<=\\ba )|(?<=\\bbb )|(?<=\\bccc ))."""
    def one(m):
        alts = m.group(1).split('|')
        return '(?:' + '|'.join('(?<=\\b%s%s)' % (a, m.group(2)) for a in alts) + ')'
    return re.sub(r'\(\?<=\\b\(([^()]*)\)([^()]*)\)', one, pat)


def pick_match(rng, text, pattern, flags=0, cond=None):
    ms = [m for m in re.finditer(pattern, text, flags) if cond is None or cond(text, m)]
    if not ms:
        return None
    return rng.choice(ms)


def sentence_of(text, pos):
    """Return the sentence (string) that contains character position pos."""
    starts = [0] + [m.end() for m in re.finditer(r'[.?!]+\s+', text)]
    s = max(x for x in starts if x <= pos)
    ends = [m.start() for m in re.finditer(r'[.?!]+(\s+|$)', text) if m.start() >= pos]
    e = min(ends) if ends else len(text)
    return text[s:e]


def wants_an(word):
    w = word.strip('"(\'')
    if not w:
        return False
    if len(w) > 1 and w[:2].isupper() or w in ('US', 'UK', 'EU'):
        return w[0] in 'AEFHILMNORSX'
    wl = w.lower()
    if wl.startswith(('eu', 'uni', 'use', 'usu', 'one', 'once')):
        return False
    if wl.startswith(('hour', 'honest')):
        return True
    return wl[0] in 'aeiou'


def fix_article(text, start):
    """Make an 'a'/'an' right before position start agree with the word that starts there."""
    m = re.search(r'\b(a|an|A|An)\s$', text[:start])
    if not m:
        return text
    nxt = re.match(r"[\w'$£€]+", text[start:])
    if not nxt:
        return text
    art = 'an' if wants_an(nxt.group(0)) else 'a'
    if m.group(1)[0].isupper():
        art = art.capitalize()
    return text[:m.start(1)] + art + text[m.end(1):]


def count_word(text, w):
    return len(re.findall(r'(?<![\w-])' + re.escape(w) + r'(?![\w-])', text, re.I))


def load_train():
    with open(TRAIN, encoding='utf-8', newline='') as f:
        return list(csv.DictReader(f))


# --------------------------------------------------------------------------------------------
# HARD NEGATIVES: one minimal, meaning-changing edit
# --------------------------------------------------------------------------------------------
NUM_WORDS = ['two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'twenty', 'thirty']


def new_number(rng, s):
    has_comma = ',' in s
    v = float(s.replace(',', ''))
    if '.' in s:
        dec = len(s.split('.')[1])
        choices = [v * 2, v * 3, v / 2, v + 5, v * 10]
        nv = rng.choice([c for c in choices if c != v and c > 0])
        out = '%.*f' % (dec, nv)
    else:
        n = int(v)
        if 1900 <= n <= 2100:
            out = str(n + rng.choice([-3, -2, -1, 1, 2]))
        elif n <= 12:
            opts = [x for x in range(1, 13) if abs(x - n) >= 2] if n > 0 else [1, 2, 5, 10]
            out = str(rng.choice(opts))
        elif n < 100:
            opts = [x for x in (15, 20, 25, 30, 40, 45, 50, 60, 75, 80, 90) if abs(x - n) >= 5]
            out = str(rng.choice(opts))
        else:
            mult = rng.choice([2, 3, 5, 10, 0.5, 0.25])
            nv = n * mult
            mag = 10 ** max(0, len(str(int(nv))) - 2)
            nv = int(round(nv / mag) * mag)
            if nv == n or nv <= 0:
                nv = n * 2
            out = str(nv)
            if has_comma and nv >= 1000:
                out = '{:,}'.format(nv)
    return out


def neg_number(rng, text):
    cands = []
    for m in re.finditer(r'(?<![\w.,:/])\d+(?:,\d{3})*(?:\.\d+)?(?![\w:/%]|[.,]\d)', text):
        cands.append(('d', m))
    for m in re.finditer(r'\b(%s)\b' % '|'.join(NUM_WORDS), text, re.I):
        nxt = text[m.end():m.end() + 12].lower()
        # only countable uses ("two weeks", "three times", "ten pounds")
        if re.match(r'\s+(days?|weeks?|months?|years?|hours?|minutes?|times|pounds|dollars|euros|cards?|payments|'
                    r'transactions|transfers|business|working|separate|different|more|extra)\b', nxt):
            cands.append(('w', m))
    if not cands:
        return None
    cands = [(k, m) for k, m in cands if count_word(text, m.group(0)) == 1]
    if not cands:
        return None
    kind, m = rng.choice(cands)
    old = m.group(0)
    after = text[m.end():]
    plural_next = re.match(r'\s?[A-Za-z]+s\b', after) is not None
    is_age = kind == 'd' and re.search(r'\b(turned|am|aged|age|under|over|is|are|be)\s+$', text[:m.start()], re.I) \
        and old.isdigit() and 5 <= int(old) <= 25 and not re.match(r'\s*(days?|weeks?|months?|hours?|minutes?|times|%|[$£€])', after)
    for _ in range(20):
        if is_age:
            new = str(rng.choice([a for a in range(8, 22) if abs(a - int(old)) >= 3]))
        elif kind == 'd':
            new = new_number(rng, old)
        else:
            pool = NUM_WORDS if old.lower() in ('twenty', 'thirty') else NUM_WORDS[:9]
            new = match_case(old, rng.choice([w for w in pool if w != old.lower()]))
        if new in ('1', 'one') and plural_next:
            continue
        if count_word(text, new) == 0:
            break
    else:
        return None
    out = text[:m.start()] + new + text[m.end():]
    if old == '1':  # "1 week" -> "6 weeks"
        mm = re.match(r'(\s?)(week|day|month|year|hour|minute|dollar|pound|euro|time)\b', after)
        if mm and not re.search(r'[$£€]\s?$', text[:m.start()]):
            out = text[:m.start()] + new + mm.group(1) + mm.group(2) + 's' + after[mm.end():]
    if re.search(r'\b(a|an)\s$', text[:m.start()], re.I):
        out = fix_article(out, m.start())
    return out, 'number:%s>%s' % (old, new)


CUR_SYM = ['$', '£', '€']
CUR_WORD_SWAPS = [
    (r'\bdollars\b', ['euros', 'pounds'], re.I), (r'\bdollar\b', ['euro', 'pound'], re.I),
    (r'\beuros\b', ['dollars', 'pounds'], re.I), (r'\beuro\b', ['dollar', 'pound'], re.I),
    (r'\bpounds\b', ['euros', 'dollars'], re.I), (r'\bpound\b', ['euro', 'dollar'], re.I),
    (r'\bUSD\b', ['EUR', 'GBP'], 0), (r'\bEUR\b', ['USD', 'GBP'], 0), (r'\bGBP\b', ['EUR', 'USD'], 0),
    (r'\bAUD\b', ['CAD', 'NZD'], 0), (r'\bCAD\b', ['AUD'], 0), (r'\bCHF\b', ['SEK'], 0), (r'\bJPY\b', ['CNY'], 0),
    (r'\byen\b', ['yuan'], re.I), (r'\bpesos\b', ['euros'], re.I), (r'\brupees\b', ['dollars'], re.I),
    (r'\b(US|American)(?= dollars?\b)', ['Canadian', 'Australian'], 0),
    (r'\b(Australian|Canadian)(?= dollars?\b)', ['US', 'New Zealand'], 0),
]


def neg_currency(rng, text):
    cands = []
    for m in re.finditer(r'[$£€](?=\s?\d)|(?<=\d)[$£€]|(?<=\d )[$£€]', text):
        cands.append((m, [s for s in CUR_SYM if s != m.group(0)]))
    for pat, tg, fl in CUR_WORD_SWAPS:
        for m in re.finditer(pat, text, fl):
            w = m.group(0)
            before = text[max(0, m.start() - 12):m.start()].lower()
            if re.search(r'(british|us|uk|english|american|australian|canadian|hong kong|new zealand|sterling)\s*$', before) \
                    and w.lower() in ('dollars', 'dollar', 'pounds', 'pound'):
                continue
            if w.lower() in ('pound', 'pounds') and 'sterling' in text[m.end():m.end() + 10].lower():
                continue
            cands.append((m, tg))
    cands = [(m, [t for t in tg if t not in text and count_word(text, t) == 0]) for m, tg in cands
             if (m.group(0).isalpha() and count_word(text, m.group(0)) == 1) or (not m.group(0).isalpha() and text.count(m.group(0)) == 1)]
    cands = [(m, tg) for m, tg in cands if tg]
    if not cands:
        return None
    m, tg = rng.choice(cands)
    old = m.group(0)
    new = rng.choice(tg)
    if old.isalpha():
        new = match_case(old, new) if not old.isupper() else new
    out = text[:m.start()] + new + text[m.end():]
    return fix_article(out, m.start()), 'currency:%s>%s' % (old, new)


COUNTRY_SWAPS = {
    'UK': ['US'], 'U.K.': ['U.S.'], 'US': ['UK'], 'USA': ['UK'],
    'U.S.': ['U.K.'], 'America': ['Canada', 'Australia'], 'Europe': ['Asia', 'the US'], 'EU': ['UK'],
    'China': ['Japan', 'India'], 'Japan': ['China', 'Korea'], 'Spain': ['Portugal', 'Italy'],
    'France': ['Germany', 'Belgium'], 'Germany': ['France', 'Austria'], 'Italy': ['Spain', 'Greece'],
    'Mexico': ['Brazil', 'Colombia'], 'Canada': ['Mexico', 'Australia'], 'Australia': ['New Zealand', 'Canada'],
    'India': ['Thailand', 'Pakistan'], 'Thailand': ['Vietnam', 'Indonesia'], 'Russia': ['Ukraine', 'Poland'],
    'England': ['Scotland', 'Ireland'], 'Ireland': ['Scotland', 'Wales'], 'Scotland': ['Ireland', 'Wales'],
    'Brazil': ['Argentina', 'Chile'], 'Turkey': ['Greece', 'Egypt'], 'Poland': ['Hungary', 'Romania'],
    'London': ['Manchester', 'Dublin'], 'Paris': ['Berlin', 'Madrid'], 'Greece': ['Turkey', 'Cyprus'],
    'Portugal': ['Spain', 'Italy'], 'Switzerland': ['Austria', 'Norway'], 'Netherlands': ['Belgium', 'Denmark'],
    'Egypt': ['Morocco', 'Tunisia'], 'Korea': ['Japan', 'Taiwan'], 'Hong Kong': ['Singapore', 'Taiwan'],
    'Singapore': ['Hong Kong', 'Malaysia'], 'Dubai': ['Qatar', 'Oman'], 'Sweden': ['Norway', 'Finland'],
    'Norway': ['Sweden', 'Denmark'], 'Asia': ['Europe', 'Africa'], 'Africa': ['Asia', 'South America'],
}


def neg_country(rng, text):
    if sum(c.isupper() for c in text) > 0.6 * sum(c.isalpha() for c in text):
        return None
    cands = []
    for k, v in COUNTRY_SWAPS.items():
        for m in re.finditer(r'(?<![\w.])' + re.escape(k) + r'(?![\w])', text):
            if re.match(r'\s+(dollars?|pounds?|sterling|euros?|currency|ruble)', text[m.end():], re.I):
                continue
            cands.append((m, v))
    if not cands:
        return None
    cands = [(m, [x for x in v if count_word(text, x) == 0]) for m, v in cands if count_word(text, m.group(0)) == 1]
    cands = [(m, v) for m, v in cands if v]
    if not cands:
        return None
    m, v = rng.choice(cands)
    new = rng.choice(v)
    if new == 'the US' and text[max(0, m.start() - 4):m.start()].lower() == 'the ':
        new = 'US'
    return text[:m.start()] + new + text[m.end():], 'country:%s>%s' % (m.group(0), new)


DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']
MONTHS = ['January', 'February', 'March', 'April', 'June', 'July', 'August', 'September', 'October',
          'November', 'December']
DATE_SWAPS = [
    (r'\byesterday\b', ['last week', 'on Monday', 'last month']),
    (r'\btoday\b', ['yesterday', 'last week']),
    (r'\blast week\b', ['yesterday', 'last month']),
    (r'\blast month\b', ['last week', 'last year']),
    (r'\bthis morning\b', ['last night', 'yesterday']),
    (r'\blast night\b', ['this morning', 'on Friday']),
    (r'\btomorrow\b', ['next week', 'tonight']),
    (r'\bweeks\b', ['months', 'days']), (r'\bweek\b', ['month']),
    (r'(?<!working )(?<!business )\bdays\b', ['weeks', 'hours']), (r'(?<!to)\bday\b', ['week']),
    (r'\bhours\b', ['days', 'minutes']), (r'\bhour\b', ['day']),
    (r'\bminutes\b', ['hours', 'days']),
    (r'\bmonths\b', ['weeks', 'years']), (r'\bmonth\b', ['week', 'year']),
    (r'\byears\b', ['months']), (r'\byear\b', ['month']),
    (r'\bfortnight\b', ['month', 'week']),
]


def neg_date(rng, text):
    cands = []
    for d in DAYS:
        for m in re.finditer(r'\b%ss?\b' % d, text, re.I):
            cands.append((m, [x for x in DAYS if x != d]))
    for mo in MONTHS:
        for m in re.finditer(r'\b%s\b' % mo, text):
            cands.append((m, [x for x in MONTHS if x != mo]))
    for pat, tg in DATE_SWAPS:
        for m in re.finditer(pat, text, re.I):
            ctx = text[max(0, m.start() - 10):m.end() + 10].lower()
            if re.search(r'(these|those|some|every|per|a|one|the other|same|next|other|different|certain) ' + re.escape(m.group(0).lower()), ctx):
                continue
            if count_word(text, m.group(0)) > 1 or re.match(r'\s+old\b', text[m.end():]):
                continue
            if re.search(r'\b(earlier|later)\s+$', text[max(0, m.start() - 9):m.start()], re.I):
                continue
            if m.group(0).lower() in ('day', 'week', 'month', 'year') and re.search(
                    r'\b(each|the|this|that|per|of|same|which|what) ' + m.group(0).lower(), ctx):
                continue
            cands.append((m, tg))
    if not cands:
        return None
    m, tg = rng.choice(cands)
    old = m.group(0)
    new = rng.choice(tg)
    if old.lower().endswith('s') and old.lower()[:-1].capitalize() in DAYS:
        new = new + 's'
    if old[:1].isupper() and new[:1].islower() and m.start() == 0:
        new = new[:1].upper() + new[1:]
    elif new[:1].isupper() is False:
        new = match_case(old, new)
    out = fix_article(text[:m.start()] + new + text[m.end():], m.start())
    return out, 'date:%s>%s' % (old, new)


# negation ------------------------------------------------------------------------------------
PAST = {'make': 'made', 'get': 'got', 'receive': 'received', 'go': 'went', 'work': 'worked',
        'authorize': 'authorized', 'authorise': 'authorised', 'recognize': 'recognized',
        'recognise': 'recognised', 'do': 'did', 'order': 'ordered', 'request': 'requested', 'use': 'used',
        'send': 'sent', 'withdraw': 'withdrew', 'arrive': 'arrived', 'buy': 'bought', 'pay': 'paid',
        'give': 'gave', 'show': 'showed', 'come': 'came', 'charge': 'charged', 'approve': 'approved',
        'allow': 'allowed', 'accept': 'accepted', 'take': 'took', 'update': 'updated', 'appear': 'appeared',
        'transfer': 'transferred', 'deposit': 'deposited', 'purchase': 'purchased', 'process': 'processed',
        'complete': 'completed', 'agree': 'agreed', 'change': 'changed', 'sign': 'signed', 'add': 'added',
        'get through': 'got through', 'initiate': 'initiated', 'attempt': 'attempted', 'try': 'tried',
        'spend': 'spent', 'see': 'saw', 'enter': 'entered', 'top': 'topped', 'cancel': 'cancelled',
        'activate': 'activated', 'apply': 'applied', 'lose': 'lost', 'set': 'set', 'put': 'put'}
PAST_INV = {v: k for k, v in PAST.items()}
NEG_ADD_PAST = ['made', 'received', 'got', 'ordered', 'requested', 'used', 'sent', 'authorized', 'authorised',
                'bought', 'paid', 'withdrew', 'deposited', 'transferred', 'purchased', 'cancelled',
                'activated', 'changed', 'applied', 'agreed', 'signed', 'added', 'entered', 'spent', 'initiated',
                'recognised', 'recognized']
THIRD = {'go': 'goes', 'do': 'does', 'have': 'has', 'work': 'works', 'show': 'shows', 'appear': 'appears',
         'recognize': 'recognizes', 'recognise': 'recognises', 'seem': 'seems', 'match': 'matches',
         'accept': 'accepts', 'allow': 'allows', 'look': 'looks', 'add': 'adds', 'load': 'loads',
         'come': 'comes', 'take': 'takes', 'apply': 'applies', 'let': 'lets', 'reflect': 'reflects',
         'include': 'includes', 'make': 'makes', 'need': 'needs', 'charge': 'charges', 'cost': 'costs',
         'get': 'gets', 'display': 'displays', 'update': 'updates', 'function': 'functions'}
AUX_BASE = {'is': 'is', 'are': 'are', 'was': 'was', 'were': 'were', 'has': 'has', 'have': 'have', 'had': 'had',
            'does': 'does', 'do': 'do', 'did': 'did', 'could': 'could', 'would': 'would', 'should': 'should',
            'wo': 'will', 'ca': 'can', 'can': 'can', 'will': 'will'}
NEG_PARTICIPLES = ('charged|declined|refunded|approved|returned|cancelled|canceled|sent|received|credited|'
                   'accepted|reversed|blocked|frozen|locked|activated|delivered|verified|updated|processed|'
                   'completed|deducted|taken|reimbursed|applied|shown|added|posted|allowed|confirmed')


def _why_sentence(text, pos):
    s = sentence_of(text, pos).lower().lstrip(' "(')
    return bool(re.match(r"(why|how come|what|is there|whats|what's)\b", s)) or 'why' in s.split()


def neg_remove(rng, text):
    cands = []
    pat = (r"\b(is|are|was|were|has|have|had|does|do|did|could|would|should|wo|ca)n'?t\b|\b(cannot)\b|"
           r"\b(is|are|was|were|has|have|had|does|do|did|can|could|will|would|should) not\b")
    for m in re.finditer(pat, text, re.I):
        if _why_sentence(text, m.start()):
            continue
        after = text[m.end():m.end() + 25].lower()
        if re.match(r'\s+(sure|only|even|yet\b|able to be)', after):
            continue
        if re.match(r'\s+(a single|ever)\b', after):
            continue
        cands.append(m)
    if not cands:
        return None
    m = rng.choice(cands)
    old = m.group(0)
    aux = (m.group(1) or m.group(2) or m.group(3)).lower()
    aux = 'can' if aux in ('cannot', 'ca') else AUX_BASE.get(aux, aux)
    start, end = m.start(), m.end()
    rest = text[end:]
    new = aux
    if aux in ('do', 'does', 'did'):
        mv = re.match(r"\s+(\w+)", rest)
        if not mv:
            return None
        verb = mv.group(1)
        vl = verb.lower()
        if aux == 'did':
            if vl not in PAST:
                return None
            new = PAST[vl]
        elif aux == 'does':
            if vl not in THIRD:
                return None
            new = THIRD[vl]
        else:
            new = verb
        end = end + mv.end()
        rest = text[end:]
    new = match_case(old.split()[0], new)
    # remove 'still' immediately before and 'yet' in the same clause
    head = text[:start]
    hs = re.search(r'\bstill\s+$', head, re.I)
    if hs:
        head = head[:hs.start()]
    my = re.match(r"^([^.?!,;]{0,40}?)\s+yet\b", rest)
    if my:
        rest = my.group(1) + rest[my.end():]
    # "can't ... any cash" -> "can ... some cash" (same clause only)
    ma = re.match(r"^([^.?!,;]{0,40}?\b)any(thing|where|one|body)?\b", rest)
    if ma:
        rest = ma.group(1) + 'some' + (ma.group(2) or '') + rest[ma.end():]
    out = re.sub(r'  +', ' ', head + new + rest).strip()
    return out, 'negation:removed %s' % old


def neg_add(rng, text):
    cands = []
    for m in re.finditer(r"\b(is|was|are|were|has been|have been|had been)\s+(%s)\b" % NEG_PARTICIPLES, text, re.I):
        if _why_sentence(text, m.start()) or sentence_of(text, m.start()).rstrip().endswith('?'):
            continue
        if re.search(r'\b(when|if|whether|once|until)\b', sentence_of(text, m.start()), re.I):
            continue
        if re.search(r"\b(not|n't|never)\s*$", text[:m.start()]):
            continue
        cands.append(('aux', m))
    for m in re.finditer(r"\bI (%s)\b" % '|'.join(NEG_ADD_PAST), text):
        if _why_sentence(text, m.start()) or re.match(r'\s+to\b', text[m.end():]):
            continue
        if not re.search(r'(^|[.?!,;:]|\b(and|but|so|because|as))\s*$', text[:m.start()], re.I):
            continue  # only a main-clause "I <verb>", never "the ATM I used" / "what I received"
        cands.append(('past', m))
    for m in re.finditer(r"\bI (recognise|recognize|have|want|need|understand|remember|know|see)\b(?! to)", text):
        if _why_sentence(text, m.start()):
            continue
        if re.search(r"\b(do|does|did|can|could|will|would|should|shall|may|might|must|to|don't|can't)\s+$",
                     text[max(0, m.start() - 8):m.start()], re.I):
            continue
        if m.group(1) in ('have',) and not re.match(r'\s+(a|an|the|my|money|access|any)\b', text[m.end():]):
            continue
        cands.append(('pres', m))
    if not cands:
        return None
    kind, m = rng.choice(cands)
    old = m.group(0)
    if kind == 'aux':
        aux, part = m.group(1), m.group(2)
        words = aux.split()
        if rng.random() < 0.5:
            words[0] = words[0] + "n't"
        else:
            words.insert(1, 'not')
        new = ' '.join(words) + ' ' + part
    elif kind == 'past':
        base = PAST_INV[m.group(1)]
        new = 'I ' + rng.choice(["didn't", 'did not']) + ' ' + base
    else:
        new = 'I ' + rng.choice(["don't", 'do not']) + ' ' + m.group(1)
    out = text[:m.start()] + new + text[m.end():]
    return out, 'negation:added %s' % new.split()[1] if kind != 'aux' else 'negation:added %s' % new


# word-pair swaps -----------------------------------------------------------------------------
def _card_ctx(text, m):
    return bool(re.match(r"\s+(my |the |this |a |your |our |that |me a |it)?(new |old |physical |virtual |"
                         r"debit |credit |replacement |lost |stolen )?(card|cards|it)\b",
                         text[m.end():m.end() + 40], re.I))


def _acct_ctx(text, m):
    return bool(re.match(r"\s+(a |an |my |the |this |another |new |second |joint |my bank |an extra )*"
                         r"(account|acct)\b", text[m.end():m.end() + 40], re.I))


def _no_to_after(text, m):
    return not re.match(r'\s+(\S+\s+){0,3}?(to|into|onto|in)\b', text[m.end():m.end() + 40], re.I)


def _no_from_after(text, m):
    return not re.match(r'\s+(\S+\s+){0,3}?from\b', text[m.end():m.end() + 40], re.I)


def _money_ctx(text, m):
    """sent/received swaps: only about money moving between people, never ATM cash, never 'send me ...'."""
    if re.search(r'\b(ATM|cash|withdraw\w*|machine|card|code|email|text|message|sms|notification)\b', text, re.I):
        return False
    if text[m.start() - 1:m.start()] in '-' and m.start() > 0:
        return False
    if re.match(r'\s+(me|you|him|her|them|us|it)\b', text[m.end():m.end() + 6], re.I):
        return False
    return bool(re.search(r'\b(money|funds|payment|payments|transfer|transfers|\$|£|€|dollars|euros|pounds)\b',
                          text, re.I))


def _more_ctx(text, m):
    if re.match(r'\s+than (once|one|twice|normal|usual|expected)\b', text[m.end():], re.I):
        return False
    return bool(re.match(r'\s+(than|money|cash|funds|fees|interest)\b', text[m.end():m.end() + 12], re.I))


def _not_new(text, m):
    return not re.match(r'\s+(a\s+)?new\b', text[m.end():m.end() + 8], re.I)


def _deposit_noun(text, m):
    return bool(re.search(r"\b(a|the|my|cash|cheque|check|this|that|your|last|recent)\s+$",
                          text[max(0, m.start() - 12):m.start()], re.I))


def _deposit_verb(text, m):
    return (bool(re.search(r"\b(to|I|can|cannot|can't|not|you|please|and|I'd|I'll|we|wanna)\s+$",
                           text[max(0, m.start() - 10):m.start()], re.I)) and _no_to_after(text, m))


def _found_ctx(text, m):
    return bool(re.match(r'\s+(my|the|our)\s+(card|phone|wallet)\b', text[m.end():m.end() + 20], re.I)) \
        and not re.search(r'\b(have|has|had|was|been|is)\s+$', text[max(0, m.start() - 8):m.start()], re.I)


# (op, pattern, replacements, flags, condition)
SWAPS = [
    # objects
    ('object', r'\bdebit(?= cards?\b)', ['credit'], re.I, None),
    ('object', r'\bcredit(?= cards?\b)', ['debit'], re.I, None),
    ('object', r'\bvirtual(?= cards?\b)', ['physical', 'plastic'], re.I,
     lambda t, m: not re.search(r'(disposable|single[- ]use|one[- ]time)\s+$', t[max(0, m.start() - 14):m.start()], re.I)),
    ('object', r'\b(physical|plastic)(?= cards?\b)', ['virtual'], re.I, None),
    ('object', r'\b(disposable|single[- ]use)(?= cards?\b)', ['physical', 'regular'], re.I, None),
    ('object', r'\b(disposable|single[- ]use)(?= virtual cards?\b)', ['regular', 'standard'], re.I, None),
    ('object', r'\bapple ?pay\b', ['Google Pay'], re.I, None),
    ('object', r'\bgoogle ?pay\b', ['Apple Pay'], re.I, None),
    ('object', r'\bvisa\b', ['Mastercard'], re.I, None),
    ('object', r'\bmaster ?card\b', ['Visa'], re.I, None),
    ('object', r'\bPIN\b(?! code| number)', ['password', 'passcode'], re.I,
     lambda t, m: bool(re.search(r'\b(my|the|new|your|a)\s+$', t[max(0, m.start() - 6):m.start()], re.I))),
    ('object', r'\bpasscode\b', ['PIN'], re.I, None),
    ('object', r'\bpassword\b', ['PIN'], re.I, None),
    ('object', r'(?<=\bmy )card\b(?! (payment|details|number|transaction))', ['account'], re.I,
     lambda t, m: bool(re.search(r'\b(frozen|blocked|locked|closed|close|delete|cancel|suspended|hacked|'
                                 r'compromised|terminate|deactivate|verified|verify|top up|top-up)\b', t, re.I))),
    ('object', r'(?<=\bmy )account\b(?! (number|details|balance|statement))', ['card'], re.I,
     lambda t, m: bool(re.search(r'\b(frozen|blocked|locked|suspended|hacked|compromised|deactivate|freeze)\b', t, re.I))),
    ('object', r'(?<=\b(my|the|a) )transfer\b(?! (money|funds|from|to|fee))', ['top-up'], re.I,
     lambda t, m: not re.search(r'\b(friend|someone|recipient|person|family|beneficiary|payee|to (a|my|the|an)|'
                                r'sent|send|IBAN|bank account|abroad|international|country)\b', t, re.I)),
    ('object', r'(?<=\b(my|the|a) )top[- ]?up\b(?! (my|the|with|using|via|by|from|to|money|card))', ['transfer'], re.I, None),
    ('object', r'\bcheques?\b', ['cash'], re.I,
     lambda t, m: bool(re.search(r'\b(deposit|deposited|depositing|cash)\b', t, re.I)) and
     not re.search(r'\b(a|the|my|this)\s+$', t[max(0, m.start() - 6):m.start()], re.I)),
    ('object', r'\bcash(?= (deposit|deposits)\b)', ['cheque'], re.I, None),
    ('object', r'\bcard payment\b', ['cash withdrawal'], re.I, None),
    ('object', r'\bcash withdrawal\b', ['card payment'], re.I, None),
    ('object', r'\bATM\b', ['shop', 'store'], 0,
     lambda t, m: bool(re.search(r'\bat (an|the)\s+$', t[max(0, m.start() - 8):m.start()], re.I))
     and not re.match(r'\s+(machine|card)', t[m.end():m.end() + 9])),
    ('object', r'\bpersonal(?= account)', ['business'], re.I, None),
    ('object', r'\bbusiness(?= account)', ['personal'], re.I, None),
    ('object', r'\bpassport\b', ["driver's licence", 'ID card'], re.I, None),
    ('object', r"\b(driver'?s|driving) licen[cs]e\b", ['passport'], re.I, None),
    ('object', r'\bcontactless\b(?= (payment|payments|transaction|transactions|purchase|purchases)\b)', ['online'], re.I, None),
    ('object', r'\bcrypto(currency)?\b', ['stocks', 'gold'], re.I, None),
    ('object', r'\bphone number\b', ['email address', 'home address'], re.I, None),
    ('object', r'\bemail address\b', ['phone number'], re.I, None),
    ('object', r'\b(my|the) address\b', ['phone number'], re.I, None),
    ('object', r'\bsurname\b', ['address', 'phone number'], re.I, None),
    ('object', r'\b(my|the) child\b', ['my partner', 'my parent'], re.I, None),
    ('object', r'\bchildren\b', ['parents'], re.I, None),
    # actions / directions
    ('action', r'\bcancel(?= )', ['activate'], re.I, _card_ctx),
    ('action', r'\bactivate(?= )', ['cancel'], re.I, _card_ctx),
    ('action', r'\bdeposit\b', ['withdrawal'], re.I, _deposit_noun),
    ('action', r'\bdeposit\b', ['withdraw'], re.I, _deposit_verb),
    ('action', r'\bdeposits\b', ['withdrawals'], re.I, None),
    ('action', r'\bwithdrawal\b', ['deposit'], re.I, None),
    ('action', r'\bwithdrawals\b', ['deposits'], re.I, None),
    ('action', r'\bwithdraw\b', ['deposit'], re.I,
     lambda t, m: _no_from_after(t, m) and not re.search(r'\b(received|gave|given|got|only|amount)\b', t, re.I)),
    ('action', r'\bwithdrew\b', ['deposited'], re.I, lambda t, m: _no_from_after(t, m)),
    ('action', r'\bdeposited\b', ['withdrew'], re.I,
     lambda t, m: _no_to_after(t, m) and not re.search(r'\b(was|been|be|is|were|got|being)\s+$', t[max(0, m.start() - 7):m.start()], re.I)
     and not re.search(r'\b(check|cheque)', t, re.I)),
    ('action', r'\bsent\b', ['received'], re.I, lambda t, m: _money_ctx(t, m) and _no_to_after(t, m)),
    ('action', r'\breceived\b', ['sent'], re.I, lambda t, m: _money_ctx(t, m) and _no_from_after(t, m)),
    ('action', r'\bsend\b', ['receive'], re.I, lambda t, m: _money_ctx(t, m) and _no_to_after(t, m)),
    ('action', r'\breceive\b', ['send'], re.I, lambda t, m: _money_ctx(t, m) and _no_from_after(t, m)),
    ('action', r'\bcharged\b', ['refunded'], re.I, None),
    ('action', r'\brefunded\b', ['charged'], re.I, None),
    ('action', r'\bbuy\b', ['sell'], re.I, None),
    ('action', r'\bsell\b', ['buy'], re.I, None),
    ('action', r'\bbought\b', ['sold'], re.I, None),
    ('action', r'\bsold\b', ['bought'], re.I, None),
    ('action', r'\blost\b', ['found'], re.I, _found_ctx),
    ('action', r'\bopen\b', ['close'], re.I, lambda t, m: _acct_ctx(t, m) and _not_new(t, m)),
    ('action', r'\bclose\b', ['open'], re.I, _acct_ctx),
    ('action', r'\bopened\b', ['closed'], re.I, _acct_ctx),
    ('action', r'\bclosed\b', ['opened'], re.I, None),
    ('action', r'\b(add|link)\b', ['remove'], re.I,
     lambda t, m: bool(re.match(r'\s+(a |my |the )*(card|payee|beneficiary|account)', t[m.end():m.end() + 30], re.I))),
    ('action', r'\b(remove|delete)\b', ['add'], re.I,
     lambda t, m: bool(re.match(r'\s+(a |my |another |the |old )*(card|payee|beneficiary)', t[m.end():m.end() + 30], re.I))),
    # antonyms
    ('antonym', r'\bfreeze\b', ['unfreeze'], re.I, None),
    ('antonym', r'\bunfreeze\b', ['freeze'], re.I, None),
    ('antonym', r'\bfrozen\b', ['unfrozen'], re.I, None),
    ('antonym', r'\bblock\b', ['unblock'], re.I,
     lambda t, m: not re.search(r'\b(a|the|this|that|any)\s+$', t[max(0, m.start() - 6):m.start()], re.I)),
    ('antonym', r'\bunblock\b', ['block'], re.I, None),
    ('antonym', r'\bblocked\b', ['unblocked'], re.I, None),
    ('antonym', r'\bunblocked\b', ['blocked'], re.I, None),
    ('antonym', r'\block\b', ['unlock'], re.I, None),
    ('antonym', r'\bunlock\b', ['lock'], re.I, None),
    ('antonym', r'\blocked\b', ['unlocked'], re.I, lambda t, m: not re.search(r'\blocked out\b', t[m.start():m.end() + 4], re.I)),
    ('antonym', r'\bactivated\b', ['deactivated'], re.I, None),
    ('antonym', r'\bdeactivate\b', ['reactivate'], re.I, None),
    ('antonym', r'\benable\b', ['disable'], re.I, None),
    ('antonym', r'\bdisable\b', ['enable'], re.I, None),
    ('antonym', r'\bincrease\b', ['decrease', 'lower'], re.I, None),
    ('antonym', r'\b(decrease|reduce|lower)\b', ['increase', 'raise'], re.I,
     lambda t, m: bool(re.search(r'\b(limit|limits|fee|fees|rate)\b', t, re.I))),
    ('antonym', r'\bhigher\b', ['lower'], re.I, None),
    ('antonym', r'\blower\b', ['higher'], re.I, lambda t, m: bool(re.match(r'\s+(than|rate|exchange|amount|fee|limit)', t[m.end():m.end() + 12], re.I))),
    ('antonym', r'\bmore\b', ['less'], re.I, _more_ctx),
    ('antonym', r'\bless\b', ['more'], re.I, _more_ctx),
    ('antonym', r'\bextra\b', ['less'], re.I, lambda t, m: bool(re.match(r'\s+(money|cash)\b', t[m.end():m.end() + 8], re.I))),
    ('antonym', r'\bmaximum\b', ['minimum'], re.I, None),
    ('antonym', r'\bminimum\b', ['maximum'], re.I, None),
    ('antonym', r'\bmax\b', ['min'], re.I, None),
    ('antonym', r'\bincoming\b', ['outgoing'], re.I, None),
    ('antonym', r'\boutgoing\b', ['incoming'], re.I, None),
    ('antonym', r'\bdomestic\b', ['international'], re.I, None),
    ('antonym', r'\binternational\b', ['domestic'], re.I,
     lambda t, m: bool(re.match(r'\s+(transfer|transfers|payment|payments|transaction|transactions)', t[m.end():m.end() + 14], re.I))),
    ('antonym', r'\b(declined|rejected|denied)\b', ['approved', 'accepted'], re.I, None),
    ('antonym', r'\b(approved|accepted)\b', ['declined', 'rejected'], re.I,
     lambda t, m: not re.search(r'currenc|cheques?|checks?\b|cash\b', t, re.I)),
    ('antonym', r'\bpending\b', ['declined', 'complete'], re.I,
     lambda t, m: not re.search(r'\b(still|my|a|the|your)\s+$', t[max(0, m.start() - 7):m.start()], re.I)
     and bool(re.match(r'\s*([.?!,]|$)', t[m.end():]))),
    ('antonym', r'\bold\b', ['new'], re.I, lambda t, m: bool(re.match(r'\s+(card|account|phone|address)', t[m.end():m.end() + 9], re.I))),
    ('antonym', r'\bnew\b', ['old'], re.I, lambda t, m: bool(re.match(r'\s+(card|phone|address)', t[m.end():m.end() + 9], re.I))
     and not re.search(r'\b(a|get|order|need|want|request)\s+$', t[max(0, m.start() - 9):m.start()], re.I)),
    ('antonym', r'\babroad\b', ['at home'], re.I, None),
    ('antonym', r'\bonline\b', ['in store', 'in person'], re.I,
     lambda t, m: bool(re.search(r'\b(buy|bought|pay|paid|purchase|purchased|shop|shopping|use)\b', t, re.I))),
]


def neg_swap_factory(op):
    def f(rng, text):
        cands = []
        for o, pat, tg, flags, cond in SWAPS:
            if o != op:
                continue
            for m in re.finditer(pat, text, flags):
                if cond is not None and not cond(text, m):
                    continue
                cands.append((m, tg))
        good = []
        for m, tg in cands:
            old = m.group(0)
            if count_word(text, old) > 1:
                continue  # changing only one of several mentions reads as a slip, not a different request
            tg2 = [t for t in tg if count_word(text, t) == 0 and not (len(t) >= 4 and t.lower() in text.lower()) and not
                   (len(t) > 5 and re.search(r'\b' + re.escape(t[:-2].lower()), text.lower()))]
            if tg2:
                good.append((m, tg2))
        if not good:
            return None
        m, tg = rng.choice(good)
        old = m.group(0)
        new = rng.choice(tg)
        if old.islower() and new in BRANDS:
            new = new.lower()
        new2 = match_case(old, new)
        out = text[:m.start()] + new2 + text[m.end():]
        out = fix_article(out, m.start())
        return out, '%s:%s>%s' % (op, old, new2)
    return f


BRANDS = {'Google Pay', 'Apple Pay', 'Visa', 'Mastercard'}
PROPER_WORDS.update(DAYS + MONTHS + ['Google', 'Apple', 'Pay', 'Visa', 'Mastercard', 'New', 'Zealand', 'Hong', 'Kong',
                                     'South', 'America', 'Canadian', 'Australian', 'US', 'UK', 'EU', 'British'])
for _k, _v in COUNTRY_SWAPS.items():
    for _x in [_k] + _v:
        PROPER_WORDS.update(w for w in _x.split() if w[:1].isupper())

SWAPS = [(o, fix_lookbehind(p), tg, fl, c) for o, p, tg, fl, c in SWAPS]

NEG_OPS = collections.OrderedDict([
    ('number', neg_number), ('currency', neg_currency), ('country', neg_country), ('date', neg_date),
    ('negation', None), ('object', neg_swap_factory('object')), ('action', neg_swap_factory('action')),
    ('antonym', neg_swap_factory('antonym')),
])


def neg_negation(rng, text):
    fs = [neg_remove, neg_add]
    rng.shuffle(fs)
    for f in fs:
        r = f(rng, text)
        if r:
            return r
    return None


NEG_OPS['negation'] = neg_negation
NEG_CAP = {'number': 55, 'currency': 25, 'country': 20, 'date': 45, 'negation': 55, 'object': 60,
           'action': 60, 'antonym': 55}


# --------------------------------------------------------------------------------------------
# NEAR DUPLICATES: same request, re-typed or re-sent
# --------------------------------------------------------------------------------------------
PROTECT = set('''not no never cannot cant dont didnt doesnt isnt wasnt arent werent hasnt havent hadnt wont wouldnt
couldnt shouldnt nothing nobody none without debit credit deposit withdraw withdrawal virtual physical send sent
receive received cancel activate freeze unfreeze block unblock lock unlock more less higher lower increase decrease
incoming outgoing domestic international declined approved accepted pending refund refunded charged buy sell bought
sold open close opened closed lost found yesterday today week weeks month months year years days hours minutes
apple google visa mastercard dollars euros pounds euro dollar pound'''.split())

# common English words outside BANKING77's own vocabulary: a typo must never land on a real word
EXTRA_WORDS = set('''
fiend debt cart bard scent mist lust sand bond wand sing site tent dept bran fried trial trail diary dairy angel angle
casual causal untied except quiet tough fro bat bad bed bid bud bet bit but cot cut cat hat hit hot hut mat met mitt
rat rot rut sat set sit sot tat tot wet wit pat pet pit pot put fat fit fan fin fun fen ban ben bin bun den din dun
hen tin ton tan ten van win won ran run rang ring rung sang sung song sink sank sunk tank tack tick tuck lack lick
lock luck back pack peck pick puck rack rock sack sick sock suck wick deck dock duck neck nick mock muck hack hock
card cord curd lard lord word ward hard herd bird nerd yard card care core cure dare dire fare fire fore hare here
hire mare mere mire more pare pore pure rare sire sore sure tare tire tore ware were wire wore bare bore came come
dame dome fame game home lame lime mime name same some tame time tome bake bike cake coke fake joke lake like make
mike poke rake sake take wake woke bale bile bole dale dole gale hale hole kale male mile mole pale pile pole rale
role sale sole tale tile toll vale vile vole wale whale while whole bane bone cane cone dine done fine gone lane line
lone mane mine none pane pine sane tone vane vine wane wine zone cope dope hope lope mope nope pope rope tope type
base case ease lase rose hose nose pose vase wise rise dose lose lost list last lust most must mast mist past pest
post vast vest west zest best bust cast cost dust fast fist gust hast host jest just lest mist nest oust rest rust
test bend band bind bond fend find fund hand hind kind land lend mend mind pond rend rind sand send tend wand wend
wind fond blond blend bland brand grand grind stand stance glance chance change charge charm chart chant chain chair
plan plane plant slant scant scan span spin spun stun shun shin shine spine swine twine twin tween train brain drain
grain stain strain slain plain claim clam cram cream dream steam stream scream seam team beam bean lean mean meat
heat beat feat neat peat seat teat treat great greet green grant groan grown brown crown crow grow glow flow blow
slow snow know known show shown shoe shot shut shout about aunt bout pout rout tout lout gout spout stout trout
bank bunk bonk hunk junk monk punk sunk dunk funk pink link mink sink wink rink kink ink inn ion into onto unto upon
sent rent dent lent vent went bent cent tent pent scent spent stent aver over ever even oven open omen amen amend
emend mended tended vended wended ended bended lend lender render tender vendor sender gender fender bender mender
carb crab crib curb garb grab grub scrub shrub club cub cube tube lube rube dude rude nude crude prude prune
form from farm firm film fill fell fall full bull bell ball bill call cell cull dull dell doll dill hill hull hall
mall mill mull null pall pill poll pull rill roll tall tell till toll wall well will yell yawl
cod code coda coded cider wider rider rinse sense tense dense tease lease cease leash least feast beast yeast
unite untie united untied unit unto until auntie anti ante
tree true trek tram trap tarp trip tripe trope troop troupe group grout
pan pun pin pen pod pad bod bud mud mad mod god gad had hid nod rod sod wad
fiance finance fiancee
casing caring carting charting chafing chasing
loan lone loon lion loin coin join joint point pint print paint faint saint taint
mail male mall maul meal mall nail rail sail tail fail hail jail bail wail pail
fee feed feel fees flee free fret feet meet melt mett
paid pain pair laid lain lair said sail raid rain bait wait gait
money monkey honey hone done none
card cards carts care cared caret carat
transfer transferee
account accountant
refund refunds
charge charger chart charts
limit limits
dept depth debts debit debits debut
bee doe cad pone tis moe ape ate tea toe foe hoe roe woe due cue hue rue sue owe awe ewe eve ode ore oar era ere
bat cab dab jab lab nab tab bog cog dog fog hog jog log bug dug hug jug lug mug rug tug lid kid rid bid aid
thin than then them the she he we me be see sea pea lea tee fee wee knee kneel heel reel peel seal sell shell
'''.split())

QWERTY = {
    'q': 'wa', 'w': 'qeas', 'e': 'wrsd', 'r': 'etdf', 't': 'ryfg', 'y': 'tugh', 'u': 'yihj', 'i': 'uojk',
    'o': 'ipkl', 'p': 'ol', 'a': 'qwsz', 's': 'awedxz', 'd': 'serfcx', 'f': 'drtgvc', 'g': 'ftyhbv',
    'h': 'gyujnb', 'j': 'huikmn', 'k': 'jiolm', 'l': 'kop', 'z': 'asx', 'x': 'zsdc', 'c': 'xdfv',
    'v': 'cfgb', 'b': 'vghn', 'n': 'bhjm', 'm': 'njk',
}

MISSPELL = {
    'receive': ['recieve', 'recive'], 'received': ['recieved', 'recived'], 'account': ['acount', 'accout', 'accont'],
    'accounts': ['acounts'], 'transfer': ['tranfer', 'transfere', 'trasnfer'], 'transferred': ['transfered', 'tranferred'],
    'transfers': ['tranfers'], 'withdrawal': ['withdrawl', 'withdrawel', 'withdrawral'], 'separate': ['seperate'],
    'definitely': ['definately', 'definatly'], 'necessary': ['neccessary', 'necesary'], 'beneficiary': ['benificiary', 'beneficary'],
    'currency': ['currancy', 'curency'], 'transaction': ['transcation', 'transation', 'transacton'],
    'transactions': ['transcations', 'transations'], 'immediately': ['immediatly', 'imediately'],
    'verification': ['verfication', 'verificaton'], 'identity': ['identiy', 'indentity'], 'address': ['adress', 'addres'],
    'business': ['buisness', 'busness'], 'guarantee': ['guarentee'], 'until': ['untill'], 'occurred': ['occured'],
    'which': ['wich'], 'weird': ['wierd'], 'believe': ['beleive'], 'balance': ['ballance', 'balence'],
    'process': ['proccess'], 'different': ['diffrent'], 'statement': ['statment'], 'apparently': ['apparantly'],
    'exchange': ['exhange', 'exchage'], 'possible': ['possable'], 'payment': ['payement', 'paymant'],
    'payments': ['payements'], 'paid': ['payed'], 'merchant': ['merchent'], 'foreign': ['foriegn', 'forign'],
    'cancelled': ['canceld', 'cancled'], 'cancel': ['cancell'], 'charge': ['chage'], 'charged': ['chargd', 'charded'],
    'disappeared': ['dissapeared', 'disapeared'], 'arrived': ['arived'], 'arrive': ['arive'],
    'already': ['allready', 'alredy'], 'tomorrow': ['tommorow', 'tomorow'], 'yesterday': ['yesturday', 'yesteday'],
    'restaurant': ['resturant'], 'because': ['becuase', 'becasue'], 'information': ['infomation', 'informaton'],
    'verify': ['verfy', 'varify'], 'verified': ['verifed'], 'physical': ['physcial', 'phisical'],
    'deposit': ['deposite'], 'deposited': ['desposited', 'deposted'], 'refund': ['refun'], 'pending': ['pendding'],
    'declined': ['delined', 'declind'], 'stolen': ['stollen'], 'unauthorized': ['unauthorised'],
    'recognize': ['reconize', 'recogonize'], 'recognise': ['recongise', 'reconise'], 'passcode': ['passcod'],
    'automatically': ['automaticly', 'automatically'], 'someone': ['somone'], 'something': ['somthing', 'somethin'],
    'please': ['pleas', 'plase', 'pleae'], 'whether': ['wether'], 'limit': ['limmit'], 'wrong': ['wron'],
    'appear': ['apear'], 'appears': ['apears'], 'showing': ['showin'], 'getting': ['geting'], 'really': ['realy'],
    'still': ['stil'], 'money': ['mony', 'monney'], 'there': ['thier'], 'their': ['thier'], 'friend': ['freind'],
    'friends': ['freinds'], 'country': ['contry'], 'abroad': ['abraod'], 'question': ['quesiton', 'questoin'],
    'company': ['compnay'], 'purchase': ['purchace', 'purchse'], 'purchased': ['purchaced'], 'minimum': ['minumum'],
    'maximum': ['maximun'], 'cheque': ['cheqeu'], 'receipt': ['reciept'], 'extra': ['exta'], 'already': ['allready'],
    'weeks': ['weeeks'], 'actually': ['actualy'], 'usually': ['usualy'], 'supposed': ['suppose'], 'contactless': ['contactles'],
}
# real-word and autocorrect slips people make (the intended word stays obvious)
AUTOCORRECT = [
    (r"\byour\b", ["you're", 'you']), (r"\byou're\b", ['your']), (r'\bthen\b', ['than']), (r'\bthan\b', ['then']),
    (r'\bto\b(?= (much|many|long|late|high|low)\b)', ['too']), (r'\bto\b(?= (get|use|make|have|see|know|do|pay|top|order|change|activate|send)\b)', ['too']),
    (r'\bthere\b', ['their']), (r'\btheir\b', ['there', "they're"]), (r'\blose\b', ['loose']), (r'\bwhere\b', ['were']),
    (r'\ba lot\b', ['alot']), (r'\b(could|should|would) have\b', None), (r'\boff\b', ['of']), (r'\bwho\'?s\b', ['whose']),
    (r'\baffect\b', ['effect']), (r'\bany more\b', ['anymore']), (r'\bmaybe\b', ['may be']), (r'\bloan\b', ['lone']),
    (r'\bsome one\b', ['someone']), (r'\bsomeone\b', ['some one']), (r'\bnow\b(?= I)', ['know']),
    (r'\bwere\b', ['where']), (r"\bwe're\b", ['were']), (r'\bof\b(?= (my|the)\b)', ['off']),
]

SHORTHAND = [
    (r'\byou\b', ['u']), (r'\byour\b', ['ur', 'yr']), (r"\byou're\b", ['ur']), (r'\bare\b(?= you\b)', ['r']),
    (r'\bplease\b', ['pls', 'plz', 'plss']), (r'\bthanks\b', ['thx', 'thnx', 'tks']), (r'\bthank you\b', ['ty', 'thank u']),
    (r'\bbecause\b', ['bc', 'cuz', 'cos', 'coz']), (r"\bI'm\b|\bI am\b", ['im', 'Im']), (r'\bwant to\b', ['wanna']),
    (r'\bgoing to\b', ['gonna']), (r'\bhave to\b', ['gotta']), (r"\b(I )?(don't|do not) know\b", ['idk', 'dunno']),
    (r'\baccount\b', ['acct', 'acc', 'a/c']), (r'\binformation\b', ['info']), (r'\bmessage\b', ['msg']),
    (r'\btomorrow\b', ['tmrw', 'tmr']), (r'\bthough\b', ['tho']), (r'\bthrough\b', ['thru']), (r'\babout\b', ['abt']),
    (r'\bpeople\b', ['ppl']), (r'\bwith\b', ['w/']), (r'\bwithout\b', ['w/o']), (r'\bokay\b', ['ok', 'k']),
    (r'\bsomething\b', ['smth', 'sth']), (r'\bas soon as possible\b', ['asap', 'ASAP']), (r'\bminutes\b', ['mins']),
    (r'\bhours\b', ['hrs']), (r'\bweeks\b', ['wks']), (r'\bapplication\b', ['app']), (r'\bprobably\b', ['prob', 'prolly']),
    (r'\bapproximately\b', ['approx']), (r'\bdefinitely\b', ['def', 'defo']), (r'\bnumber\b(?! of)', ['num', 'nr']),
    (r'\bbecause of\b', ['cuz of', 'bc of']), (r'\bwhat\b', ['wat']), (r'\breally\b', ['rly']),
    (r"\bdon't\b|\bdo not\b", ['dont', 'dnt']), (r"\bcan't\b|\bcannot\b", ['cant']), (r'\bsorry\b', ['sry', 'soz']),
    (r'\bplease\b(?=[?.!]?$)', ['pls', 'plz']), (r'\bhelp\b', ['hlp']), (r'\bcould you\b', ['could u', 'cud u']),
]

CONTRACT = [
    (r'\bI am\b', "I'm"), (r'\bdo not\b', "don't"), (r'\bdoes not\b', "doesn't"), (r'\bdid not\b', "didn't"),
    (r'\bis not\b', "isn't"), (r'\bare not\b', "aren't"), (r'\bwas not\b', "wasn't"), (r'\bwere not\b', "weren't"),
    (r'\bhas not\b', "hasn't"), (r'\bhave not\b', "haven't"), (r'\bcannot\b|\bcan not\b', "can't"),
    (r'\bwill not\b', "won't"), (r'\bcould not\b', "couldn't"), (r'\bwould not\b', "wouldn't"),
    (r'\bshould not\b', "shouldn't"), (r'\bit is\b', "it's"), (r'\bthat is\b', "that's"), (r'\bwhat is\b', "what's"),
    (r'\bwhere is\b', "where's"), (r'\bthere is\b', "there's"), (r'\bI will\b', "I'll"), (r'\bI would\b', "I'd"),
    (r'\byou are\b', "you're"), (r'\bwho is\b', "who's"), (r'\bhow is\b', "how's"), (r'\bwhen is\b', "when's"),
    (r'\bI have\b(?= (been|not|already|just|made|received|tried|lost|ordered|got|gotten|used|sent|never|noticed|seen|'
     r'requested|changed|moved|forgotten|topped|paid|had|checked|waited|deposited|transferred|bought|applied|done|'
     r'asked|still|recently|misplaced|spent|entered|travelled|traveled|completed|started|submitted)\b)', "I've"),
    (r'\bwe have\b(?= (been|not|just|already|moved|got))', "we've"), (r'\bthey are\b', "they're"),
    (r'\bit has\b(?= been\b)', "it's"), (r'\bhas been\b(?=)', None),
]
EXPAND = [
    (r"\bI'm\b", 'I am'), (r"\bdon'?t\b", 'do not'), (r"\bdoesn'?t\b", 'does not'), (r"\bdidn'?t\b", 'did not'),
    (r"\bisn'?t\b", 'is not'), (r"\baren'?t\b", 'are not'), (r"\bwasn'?t\b", 'was not'), (r"\bweren'?t\b", 'were not'),
    (r"\bhasn'?t\b", 'has not'), (r"\bhaven'?t\b", 'have not'), (r"\bcan'?t\b", ['cannot', 'can not']),
    (r"\bwon'?t\b", 'will not'), (r"\bcouldn'?t\b", 'could not'), (r"\bwouldn'?t\b", 'would not'),
    (r"\bshouldn'?t\b", 'should not'), (r"\bit's\b(?= (been|got|gone)\b)", 'it has'), (r"\bit's\b(?! (been|got|gone)\b)", 'it is'),
    (r"\bwhat's\b", 'what is'), (r"\bwhere's\b", 'where is'), (r"\bthere's\b", 'there is'), (r"\bthat's\b", 'that is'),
    (r"\bI've\b", 'I have'), (r"\bI'd\b(?= (like|love|prefer|want|rather)\b)", 'I would'), (r"\bI'll\b", 'I will'),
    (r"\byou're\b", 'you are'), (r"\bthey're\b", 'they are'), (r"\bhow's\b", 'how is'), (r"\bwho's\b", 'who is'),
    (r"\blet's\b", 'let us'), (r"\bwhat're\b", 'what are'),
]
CONTRACT = [(p, r) for p, r in CONTRACT if r is not None]

SYNONYM = [
    (r'\bmoney\b', ['funds', 'cash']), (r'\bfunds\b(?! (were|are|have|haven))', ['money']), (r'\bwrong\b', ['incorrect']),
    (r'\bincorrect\b', ['wrong']), (r'\b(strange|weird|odd)\b', ['strange', 'weird', 'odd', 'unusual']),
    (r'\bunusual\b', ['strange', 'odd']), (r'\bextra\b(?! money)', ['additional']), (r'\badditional\b', ['extra']),
    (r'(?<=\b(a|the) )fee\b', ['charge']), (r'(?<=\bthe )fees\b', ['charges']), (r'\bbought\b', ['purchased']),
    (r'\bpurchased\b', ['bought']), (r'(?<=\bto )purchase\b', ['buy']), (r'\breceived\b(?! (a|an|my|the) (text|email|message))', ['got']),
    (r'(?<=\b(to|I|not|we|can|will|you) )receive\b', ['get']), (r'\bhelp me\b(?= (with|please|out)\b|[?.!,]|$)', ['assist me']),
    (r'\bverify my identity\b', ['confirm my identity', 'verify my ID', 'prove my identity']),
    (r'\bidentity\b', ['ID']), (r'\bidentification\b', ['ID']), (r'\bimmediately\b', ['right away', 'straight away']),
    (r'\bright away\b', ['immediately', 'straight away']), (r'\bcharged\b(?= (me|twice|for|an?|extra|more)\b)', ['billed']),
    (r'(?<=\bmy )(personal )?(information|info)\b', ['details']), (r'(?<=\bmy )details\b(?! (are|is))', ['information', 'info']),
    (r'(?<=\b(the|your) )app\b', ['application', 'mobile app', 'banking app']), (r'\bwebsite\b', ['site', 'web site']),
    (r'\btransfer money\b', ['send money', 'move money']), (r'\bsend money\b', ['transfer money']),
    (r'\bproblem\b', ['issue']), (r'\bissue\b', ['problem']), (r'\bproblems\b', ['issues']), (r'\bissues\b', ['problems']),
    (r'\bseveral\b', ['a few', 'multiple']), (r'\bmultiple\b', ['several']), (r'\bdeclined\b', ['rejected', 'refused']),
    (r'\brejected\b', ['declined']), (r'\brefused\b', ['declined']), (r'\bshow up\b', ['appear']), (r'\bappear\b', ['show up']),
    (r'\bshowing up\b', ['appearing']), (r'\bappearing\b', ['showing up', 'showing']), (r'\bshowing\b(?! up)', ['appearing']),
    (r'(?<=\b(has|have|hasnt|havent|not|never|it|card) )arrived\b', ['turned up', 'come']),
    (r'(?<=\b(will|to|it|card|didn\'t|doesn\'t|not) )arrive\b', ['come', 'turn up', 'get here']),
    (r'\blocate\b', ['find']), (r'(?<=\b(to|I|can|cant|can\'t|cannot|you) )find\b(?! out)', ['locate']),
    (r'(?<=\b(to|I|can|you) )order\b(?! (a|my) (cash|statement))', ['request', 'get']),
    (r'\blet me know\b', ['tell me']), (r'\btell me\b', ['let me know']), (r'\blost\b(?= (my|the) card\b)', ['misplaced']),
    (r'\bmisplaced\b', ['lost']), (r'\bsomeone\b', ['somebody']), (r'\bsomebody\b', ['someone']), (r'\banyone\b', ['anybody']),
    (r'\bokay\b', ['ok', 'alright']), (r'\bcorrect\b(?= (amount|rate|exchange))', ['right']), (r'\bexchange rate\b', ['conversion rate', 'rate of exchange']),
    (r'\bconversion rate\b', ['exchange rate']), (r'\bquickly\b(?=[?.!]?$)', ['fast']), (r'\bfast\b(?=[?.!]?$)', ['quickly']),
    (r'\bhow long does it take\b', ['how long will it take', 'how much time does it take']),
    (r'\bhow much does it cost\b', ['what does it cost', "what's the cost"]), (r'\bwhat is the cost\b', ['how much is it']),
    (r'\bstart\b(?= (the|a)\b)', ['begin']), (r'\bbegin\b', ['start']), (r'\bget rid of\b', ['remove']),
    (r'\bsingle[- ]use\b', ['disposable', 'one-time']), (r'\bdisposable\b', ['single-use', 'one-time']),
    (r'\bcontact\b(?= (you|support|customer))', ['reach']), (r'\bphone\b(?! number)', ['mobile']),
    (r'\bmobile phone\b', ['phone']), (r'\bstopped working\b', ['quit working', 'stopped functioning']),
    (r'\bis not working\b|\bisn\'t working\b', ["doesn't work"]), (r'\bdoes not work\b|\bdoesn\'t work\b', ["isn't working"]),
    (r'\bbank account\b', ['account']), (r'\bcan I\b', ['may I']), (r'\bamount\b(?= of money)', ['sum']),
    (r'\ba couple of\b', ['a few']), (r'\bcash machine\b', ['ATM']),
    (r'\bdeducted\b', ['taken']), (r'\btaken\b(?= (out|from))', ['deducted']), (r'\bsoon\b', ['quickly']),
]
REGIONAL = [
    (r'\bcheque\b', ['check']), (r'\bcheques\b', ['checks']),
    (r'(?<=\b(a|my|the|this) )check\b(?= (deposit|I|that|to|into|in|was|is|has|from|and|but|[.?!,]))', ['cheque']),
    (r'\bcancelled\b', ['canceled']), (r'\bcanceled\b', ['cancelled']), (r'\bcancelling\b', ['canceling']),
    (r'\bcanceling\b', ['cancelling']), (r'\brecogni[sz]e\b', None), (r'\brecogni[sz]ed\b', None),
    (r'\bauthori[sz]e\b', None), (r'\bauthori[sz]ed\b', None), (r'\bunauthori[sz]ed\b', None), (r'\brealise\b', ['realize']),
    (r'\brealize\b', ['realise']), (r'\bapologi[sz]e\b', None), (r'\bcentre\b', ['center']), (r'\bcenter\b', ['centre']),
    (r'\blicence\b', ['license']), (r'\blicense\b', ['licence']), (r'\btravelling\b', ['traveling']),
    (r'\btraveling\b', ['travelling']), (r'\btravelled\b', ['traveled']), (r'\btraveled\b', ['travelled']),
    (r'\bATM\b(?! (card|machine))', ['cash machine', 'cashpoint', 'cash point']), (r'\bATMs\b', ['cash machines', 'cashpoints']),
    (r'\bholiday\b', ['vacation']), (r'\bvacation\b', ['holiday']), (r'\bmobile\b(?= (phone|number))', ['cell']),
    (r'\bcell phone\b', ['mobile phone', 'mobile']), (r'\bin the post\b', ['in the mail']), (r'\bin the mail\b', ['in the post']),
    (r'\bpostcode\b', ['zip code']), (r'\bzip code\b', ['postcode', 'post code']), (r'\bsurname\b', ['last name']),
    (r'\blast name\b', ['surname']), (r'\bshop\b(?! (online|around))', ['store']), (r'\bstore\b', ['shop']),
    (r'\bfortnight\b', ['two weeks']), (r'\btop[- ]up\b(?= (my|the|your) card\b)', ['reload', 'load']),
    (r'\bcurrent account\b', ['checking account']), (r'\bchecking account\b', ['current account']),
    (r'\bmoved house\b', ['moved']),
    (r'\borganisation\b', ['organization']), (r'\bfavour\b', ['favor']), (r'\bprogramme\b', ['program']),
    (r'\benrol\b', ['enroll']), (r'\bmum\b', ['mom']), (r'\bmom\b', ['mum']), (r'\bcolour\b', ['color']),
    (r'\bqueue\b', ['line']), (r'\bpetrol\b', ['gas']), (r'\bcashpoint\b', ['ATM']),
]

SYNONYM = [(fix_lookbehind(p), tg) for p, tg in SYNONYM]
REGIONAL = [(fix_lookbehind(p), tg) for p, tg in REGIONAL]

PARAPHRASE = [
    (r'^How do I\b', ['How can I', 'How would I', 'How should I', 'What do I do to', 'Can you tell me how to',
                      'Could you tell me how to', 'What are the steps to']),
    (r'^How can I\b', ['How do I', 'How would I', 'Is there a way to']),
    (r'^Can I\b', ['Am I able to', 'Is it possible to', 'Is it possible for me to', 'Could I']),
    (r'^Is it possible to\b', ['Can I', 'Am I able to']), (r'^Is it possible for me to\b', ['Can I', 'Am I able to']),
    (r'^Am I able to\b', ['Can I', 'Is it possible to']),
    (r'\bI want to\b', ["I'd like to", 'I would like to', 'I wish to']), (r'\bI would like to\b', ['I want to', "I'd like to"]),
    (r"\bI'd like to\b", ['I want to', 'I would like to']), (r'^Where can I\b', ['Where do I']), (r'^Where do I\b', ['Where can I']),
    (r'^What do I need to do to\b', ['How do I', 'What should I do to']), (r'^What should I do\b', ['What do I do', 'What can I do']),
    (r'^What do I do\b', ['What should I do', 'What can I do']), (r'^Do you\b', ['Do you guys', 'Does your bank']),
    (r'^Is there a way\b', ['Is there any way']), (r'^Why is\b(?= my)', ['How come']),
    (r'^Tell me\b', ['Can you tell me', 'Could you tell me', 'Please tell me']),
    (r'^Help me\b', ['Can you help me', 'Please help me', 'I need help to']), (r'^Please help me\b', ['Can you help me', 'Help me']),
    (r'^Can you\b', ['Could you', 'Would you', 'Are you able to']), (r'^Could you\b', ['Can you', 'Would you']),
    (r'^I need to know\b', ['I want to know', "I'd like to know", 'I need to find out']),
    (r"^I would like to know\b|^I'd like to know\b|^I want to know\b", ['I need to know', "I'm wondering", 'Can you tell me']),
    (r'^How long will it take\b', ['How long does it take', 'How much time will it take']),
]
POLITE_IMPERATIVES = ('Cancel|Close|Send|Help|Tell|Change|Block|Freeze|Unblock|Unfreeze|Show|Check|Explain|Give|'
                      'Delete|Activate|Verify|Refund|Remove|Update|Reset|Let|Assist|Transfer|Order|Stop|Terminate|'
                      'Reverse|Get|Find|Look|Add|Lock|Unlock|Deactivate|Return')

GREETINGS = ['Hi', 'Hello', 'Hey', 'Hi there', 'Hello there', 'Hey there', 'Good morning', 'Good afternoon',
             'Good evening', 'Morning', 'Afternoon', 'Hiya', 'Hi team', 'Hello team', 'Hi support',
             'Hello support team', 'Dear Sir/Madam', 'Dear Sir or Madam', 'Dear support team', 'Dear team',
             'To whom it may concern', 'Hey guys', 'Hi all', 'Hi folks', 'Greetings', 'Hello again', 'Hi again',
             'Hey again', 'Evening', 'Hi, hope you are well', 'Hello, I hope you can help', 'Hi, good morning',
             'Hey team', 'Howdy', 'Good day']
FOLLOW_BEFORE = [
    'Following up on my earlier message:', 'Following up on this:', 'Just following up -', 'Sorry to chase, but',
    "Sending this again as I didn't get a reply:", 'Resending my question:', 'Asking again:', 'Asking again -',
    'I asked this earlier but got no answer.', 'Still no reply to this:', 'Not sure my last message went through, so again:',
    'My previous message may not have sent.', 'Sorry if this is a duplicate,', "Apologies if you've already seen this:",
    'Re-posting since the chat disconnected:', 'The chat closed before anyone answered.', 'Trying again:', 'Me again.',
    'Same question as before:', 'Bumping this:', 'Quick reminder about my question:', 'I emailed about this earlier -',
    'Nobody got back to me on this:', 'Could someone please look at this?', 'Still waiting on an answer:',
    'I already asked this but nobody replied.', 'Posting this again:', "I'll ask again:", 'Repeating my question:',
    'The app crashed while I was typing, so again:', 'My message got cut off, again:', 'Hope someone can answer this time.',
    'Let me try this again.', 'Got disconnected. Anyway,', "Didn't hear back, so:", 'Sorry for the double message,',
    'Ok so like I said earlier,', 'As I mentioned before,', 'Just checking in on this:', 'Chasing this up:',
    'Can anyone help with this?', 'Hello? Still waiting.', 'Ignore my last message, this is the right one:',
    'Sorry, wrong chat before.', 'Following up again.', 'Second attempt at getting an answer here:',
]
FOLLOW_AFTER = [
    'Any update?', 'Any news?', 'Any updates on this?', 'Still waiting.', 'Still waiting for an answer.',
    'Hello?', 'Is anyone there?', 'Please get back to me.', 'Please reply.', 'Please respond asap.',
    'I asked this earlier too.', "I've asked this before.", 'Sorry for asking again.', 'This is my second message about it.',
    'Nobody has answered me yet.', 'Please, it is urgent.', "It's quite urgent.", 'Need an answer today please.',
    'I asked this earlier as well.', 'Can someone help?', 'Would appreciate a quick answer.', 'Waiting to hear back.',
    'Please let me know.', 'Hope to hear from you soon.', 'Looking forward to your reply.', 'Any help appreciated.',
    'Kindly respond.', 'Please advise.', 'Please help.', 'Help!', 'Someone please answer.', 'Thought I would ask again.',
]
CLOSERS = ['Thanks', 'Thank you', 'Thanks!', 'Thank you.', 'Thanks in advance', 'Thanks in advance!', 'Many thanks',
           'Cheers', 'Ta', 'Appreciate it', 'Appreciate your help', 'Thanks for your help', 'Thank you for your help.',
           'Thanks a lot', 'Thank you so much', 'Much appreciated', 'Cheers, thanks', 'TIA', 'Thanks again',
           'Thanks, appreciate it', 'Thank you kindly', 'Grateful for any help', 'Thanks so much!', 'Ty',
           'Thanks very much', 'Many thanks in advance', 'Thank you in advance for your help.', 'Thx']
SIGNOFFS = ['Regards', 'Kind regards', 'Best regards', 'Best', 'Warm regards', 'Many thanks', 'Thanks', 'Cheers',
            'Sincerely', 'Yours sincerely', 'Yours faithfully', 'All the best', 'Thank you', 'Rgds', 'Br', 'Kind Regards',
            'Best wishes', 'Thanks and regards', 'With thanks']
NAMES = ['Sam', 'Alex', 'Chris', 'Jordan', 'Priya', 'Tom', 'Sarah', 'James', 'Emma', 'Liam', 'Olivia', 'Noah',
         'Mia', 'Lucas', 'Sofia', 'Mohammed', 'Fatima', 'Ahmed', 'Aisha', 'Wei', 'Li', 'Hiroshi', 'Yuki', 'Carlos',
         'Maria', 'Jose', 'Ana', 'Pierre', 'Claire', 'Hans', 'Anna', 'Piotr', 'Kasia', 'Olga', 'Ivan', 'Dmitri',
         'Niamh', 'Sean', 'Aoife', 'Rhys', 'Megan', 'Callum', 'Isla', 'Ravi', 'Deepa', 'Arjun', 'Grace', 'David',
         'Rachel', 'Ben', 'Zoe', 'Kwame', 'Ama', 'Tunde', 'Chloe', 'Luca', 'Giulia', 'Lars', 'Ingrid', 'Mateo',
         'Lena', 'Jon', 'Kate', 'Dan', 'Beth', 'Rob', 'Jess', 'Mike', 'Helen', 'Pat', 'Nick', 'Laura', 'Omar',
         'Yasmin', 'Tariq', 'Harpreet', 'Siobhan', 'Eilidh', 'Hamish', 'Gareth']
SURNAME_INITIALS = list('ABCDEFGHJKLMNPRSTW')
DEVICE_SIGS = ['Sent from my iPhone', 'Sent from my iPad', 'Sent from my Android phone', 'Sent from my Samsung Galaxy',
               'Sent from Mail for Windows', 'Get Outlook for iOS', 'Get Outlook for Android', 'Sent from Yahoo Mail on Android',
               'Sent from my mobile', 'Sent from my phone, please excuse typos', 'Sent from Gmail Mobile',
               'Sent from my Huawei phone']
MARKERS = ['Re: ', 'RE: ', 'Fwd: ', 'FW: ', 'Fw: ', 'RE: RE: ', 'Re: Re: ', '[Resend] ', '(resending) ', 'Resent: ',
           'Re: Your message - ', 'RE: Support request - ', 'Fwd: Re: ', 'Resending: ', 'RE: Query - ', 'Re: my question - ']
OPEN_FILLERS = ['So ', 'Ok so ', 'Okay so ', 'Um, ', 'Hmm, ', 'Quick question: ', 'Quick question - ', 'Hey quick question, ',
                'Question: ', 'Just wondering, ', 'Random question but ', 'Sorry to bother you, but ', 'Sorry, ',
                'Excuse me, ', 'One more thing: ', 'Also, ', 'Right, ', 'Hi, quick one: ', 'Sorry to bother, ',
                'Hope you can help. ', 'I need some help. ', 'Can you help? ', 'Help needed: ', 'Urgent: ', 'URGENT: ',
                'Please help: ', 'Need help - ', 'Query: ', 'Question for you: ', 'Not sure who to ask, ']


# ---- near op implementations: each returns (new_text, edit_string) or None ------------------
def _stem_present(text, word):
    w = word.lower().split()[-1]
    stem = w[:5] if len(w) >= 5 else w
    return re.search(r'\b' + re.escape(stem), text.lower()) is not None


def sub_from_table(rng, text, table, opname, flags=re.I):
    cands = []
    for pat, tg in table:
        for m in re.finditer(pat, text, flags):
            if opname == 'expansion' and re.match(r"\s+(I|you|it|my|the|this|that|he|she|they|we|your|there|our|his|her)\b",
                                                  text[m.end():], re.I):
                continue  # "Why doesn't my card..." cannot become "Why does not my card..."
            if opname in ('synonym', 'regional') and isinstance(tg, list):
                tg = [t for t in tg if not _stem_present(text[:m.start()] + text[m.end():], t)]
                if not tg:
                    continue
            cands.append((m, tg))
    if not cands:
        return None
    m, tg = rng.choice(cands)
    old = m.group(0)
    if tg is None:  # British -ise <-> American -ize
        new = re.sub(r'i([sz])(e|ed|ing)\b', lambda mm: 'i' + ('z' if mm.group(1) == 's' else 's') + mm.group(2), old)
        if new == old:
            return None
    else:
        new = rng.choice(tg) if isinstance(tg, list) else tg
        new = match_case(old, new)
    out = text[:m.start()] + new + text[m.end():]
    out = fix_article(out, m.start())
    if out == text:
        return None
    return out, '%s:%s>%s' % (opname, old, new)


def op_synonym(rng, t):
    return sub_from_table(rng, t, SYNONYM, 'synonym')


def op_regional(rng, t):
    return sub_from_table(rng, t, REGIONAL, 'regional')


def op_contraction(rng, t):
    return sub_from_table(rng, t, [(p, [r]) for p, r in CONTRACT], 'contraction')


def op_expansion(rng, t):
    return sub_from_table(rng, t, EXPAND, 'expansion')


def op_paraphrase(rng, t):
    cands = []
    for pat, tg in PARAPHRASE:
        for m in re.finditer(pat, t):
            cands.append((m, tg))
    if not cands:
        return None
    m, tg = rng.choice(cands)
    old = m.group(0)
    new = rng.choice(tg)
    rest = t[m.end():]
    if old == 'Why is' and new == 'How come':
        mm = re.match(r'^ (my [\w\- ]+?) (not |still |so |being |showing |pending|declined|taking|charged|higher|lower|'
                      r'different|wrong|blocked|frozen|locked|missing|there)', rest)
        if not mm:
            return None
        rest = ' ' + mm.group(1) + ' is ' + rest[len(mm.group(1)) + 2:]
    if new.startswith(('Can you tell me how to', 'Could you tell me how to', 'What are the steps to', 'What do I do to')):
        pass
    out = t[:m.start()] + new + rest
    if new.startswith(('I need to know', "I'm wondering")) and out.rstrip().endswith('?'):
        pass
    return out, 'paraphrase:%s>%s' % (old, new)


def op_politeness(rng, t):
    choices = []
    if re.match(r'^(Can|Could|Would) you (tell|help|explain|check|cancel|send|give|show|close|delete|reset|unblock|'
                r'freeze|block|look|assist|walk|reactivate|verify|confirm|change|update|let|advise|find|stop|refund|'
                r'reverse|process|remove|resolve|activate|issue|provide|clarify|guide|sort|fix|help)\b', t):
        choices.append('please_after_you')
    if re.match(r'^(%s)\b' % POLITE_IMPERATIVES, t):
        choices.append('please_imperative')
    if 'please' not in t.lower() and re.search(r'[?.]?\s*$', t) and len(t.split()) <= 16 \
            and re.match(r'^(Can|Could|How|Where|When|What|I need|I want|I would|I\'d|Is|Do|Will)', t):
        choices.append('please_end')
    if re.search(r'\bI want\b(?! to know)', t):
        choices.append('want_to_like')
    if re.match(r'^(%s)\b' % POLITE_IMPERATIVES, t):
        choices.append('kindly')
    if re.match(r'^Can you\b', t):
        choices.append('could_you')
    if not choices:
        return None
    c = rng.choice(choices)
    if c == 'please_after_you':
        out = re.sub(r'^(\w+ you)\b', r'\1 please', t, count=1)
    elif c == 'please_imperative':
        out = 'Please ' + lower_first(t)
    elif c == 'kindly':
        out = 'Kindly ' + lower_first(t)
    elif c == 'please_end':
        body, p = split_final_punct(t)
        if p:
            out = body + rng.choice([' please', ', please', ' please', ' pls']) + p
        else:
            out = body + rng.choice([' please', ', please', ' pls', ' please!', ', please.'])
    elif c == 'want_to_like':
        out = re.sub(r'\bI want\b', rng.choice(['I would like', "I'd like"]), t, count=1)
    else:
        out = re.sub(r'^Can you\b', 'Could you please', t, count=1)
    if out == t:
        return None
    return tidy(out), 'politeness:%s' % c


FILLER_DROP = r'\b(still|just|really|actually|currently|already|also|even|yet|please|kindly|now|simply|recently|again)\b'


def op_filler_drop(rng, t):
    cands = [m for m in re.finditer(FILLER_DROP, t, re.I)]
    cands = [m for m in cands if not re.match(r'\s+(though|if|so|a)\b', t[m.end():m.end() + 6])
             and not (m.group(0).lower() == 'now' and re.match(r'\s+that\b', t[m.end():]))]
    if not cands:
        return None
    m = rng.choice(cands)
    head, tail = t[:m.start()], t[m.end():]
    sent_start = re.search(r'(^|[.?!]\s+)$', head) is not None
    tail = re.sub(r'^\s*,?\s*', '', tail) if sent_start else tail
    if sent_start and m.group(0)[:1].isupper():
        tail = cap_first(tail)
    out = tidy(head + tail)
    return out, 'filler_drop:%s' % m.group(0).lower()


def op_filler_add(rng, t):
    cands = []
    for m in re.finditer(r'\bI (?=(made|tried|got|received|ordered|paid|noticed|saw|checked|moved|lost|want|need|'
                         r'wanted|topped|transferred|bought|used|changed|have|can\'t|cannot|don\'t|do not|am)\b)', t):
        cands.append((m, ['just', 'actually', 'recently', 'really', 'still', 'already']))
    cands = [(m, [w for w in tg if w != 'really' or re.match(r"(want|need|don't|do not|can't|cannot)\b", t[m.end():])])
             for m, tg in cands]
    cands = [(m, tg) for m, tg in cands if tg]
    for m in re.finditer(fix_lookbehind(r'(?<=\b(card|money|transfer|payment|refund|it|top up|top-up)) ') + r'(?=(hasn\'t|has not|haven\'t|'
                         r'isn\'t|is not|didn\'t|doesn\'t|won\'t|can\'t|never)\b)', t):
        cands.append((m, ['still']))
    for m in re.finditer(r'\b(Do|Can|Could|Will|Would) you\b(?! guys)', t):
        cands.append((m, ['guys']))
    for m in re.finditer(r"(?:(?<=\bnot )|(?<=n't ))" + r'(working|work|arrived|showing|show up|go through|gone through)\b', t):
        cands.append((m, ['at all']))
    if not cands:
        return None
    m, tg = rng.choice(cands)
    w = rng.choice(tg)
    if w == 'guys':
        out = t[:m.end()] + ' guys' + t[m.end():]
    elif w == 'at all':
        out = t[:m.end()] + ' at all' + t[m.end():]
    elif w in ('still', 'just') and m.group(0) == ' ':
        out = t[:m.start()] + ' %s ' % w + t[m.end():]
    else:
        out = t[:m.end()] + w + ' ' + t[m.end():]
        if w == 'still' and not re.match(r"(can't|cannot|don't|do not|have (not|no|yet)|haven't|need|am)\b", t[m.end():]):
            return None
        if w == 'just' and re.search(r'\balready\b', t):
            return None
        if w == 'already' and not re.match(r'(made|tried|got|received|ordered|paid|checked|moved|topped|transferred|'
                                            r'bought|used|changed|have)\b', t[m.end():]):
            return None
        if w in ('recently', 'just') and not re.match(r'(made|got|received|ordered|paid|noticed|saw|moved|topped|'
                                                     r'transferred|bought|changed|tried|checked|lost|used|want|need)\b', t[m.end():]):
            return None
        if w == 'actually' and re.match(r'am\b', t[m.end():]):
            return None
    out = tidy(out)
    return out, 'filler_add:%s' % w


def split_sentences(t):
    parts = re.split(r'(?<=[.?!])\s+(?=[A-Z"])', t)
    return [p for p in parts if p]


def op_reorder(rng, t):
    choices = []
    sents = split_sentences(t)
    if len(sents) == 2 and all(len(x.split()) >= 3 for x in sents) \
            and not re.match(r'(hi|hello|hey|dear|good (morning|afternoon|evening))\b', sents[0], re.I) \
            and not re.match(r'^(So|But|And|Also|Then|Or|Because|Which|Therefore|However|Otherwise|Yet|'
                                        r'Thus|Now|Afterwards|After that|Since then|Still|Even|This|That|It|They|'
                                        r'These|Those|There|He|She)\b', sents[1]) \
            and re.search(r'[.?!]$', sents[1]) \
            and not (len(sents[1].split()) <= 5 and re.search(r'\b(this|that|it|so)\b', sents[1], re.I)):
        choices.append('sentences')
    if re.match(r'^Please \w', t) and len(t.split()) <= 14:
        choices.append('please_to_end')
    if re.match(r'^(If|When|Whenever|Since|After|Before|While|Because|Although|Once) [^,]{6,60}, [^,]{8,}$', t):
        choices.append('clause')
    if re.search(r'\bplease[.!]?$', t, re.I) and not t.lower().startswith('please'):
        choices.append('please_to_front')
    if not choices:
        return None
    c = rng.choice(choices)
    if c == 'sentences':
        out = sents[1] + ' ' + sents[0]
    elif c == 'please_to_end':
        body = t[len('Please '):]
        body, p = split_final_punct(body)
        out = cap_first(body) + rng.choice([' please', ', please']) + (p or '')
    elif c == 'please_to_front':
        m = re.search(r',?\s*please([.?!]?)$', t, re.I)
        body = t[:m.start()]
        out = 'Please ' + lower_first(body) + (m.group(1) or '')
    else:
        m = re.match(r'^(\w+) ([^,]+), (.+?)([.?!]*)$', t)
        sub, main, p = m.group(1) + ' ' + m.group(2), m.group(3), m.group(4)
        if re.match(r'^(what|how|why|where|when|can|could|do|does|is|are|will|should|would|who|which)\b', main, re.I) \
                and p.startswith('?'):
            pass
        out = cap_first(main) + ' ' + lower_first(sub) + p
    if norm(out) == norm(t) or out == t:
        return None
    return tidy(out), 'reorder:%s' % c


def typo_word_cands(t, vocab, minlen=4):
    out = []
    for m in re.finditer(r"(?<![\w'-])[A-Za-z']+(?![\w'-])", t):
        w = m.group(0)
        if "'" in w or len(w) < minlen or w.lower() in PROTECT or (w.isupper() and len(w) > 1):
            continue
        out.append(m)
    return out


def op_typo(rng, t, vocab, kind):
    if kind == 'merge':
        cands = []
        for m in re.finditer(r"(?<![\w'-])(?=([A-Za-z']+) ([A-Za-z']+)(?![\w'-]))", t):
            a, b = m.group(1), m.group(2)
            if a.lower().replace("'", '') in PROTECT or b.lower().replace("'", '') in PROTECT:
                continue
            if a.lower().replace("'", '').endswith('nt') and "'" in a:
                continue
            if (a + b).lower().replace("'", '') in vocab or (a + b).lower() in EXTRA_WORDS:
                continue
            cands.append((m.start(), a, b))
        if not cands:
            return None
        s, a, b = rng.choice(cands)
        out = t[:s] + a + b + t[s + len(a) + 1 + len(b):]
        return out, 'typo_merge:%s %s>%s%s' % (a, b, a, b)
    cands = typo_word_cands(t, vocab, 5 if kind == 'split' else 4)
    rng.shuffle(cands)
    for m in cands:
        w = m.group(0)
        for _ in range(6):
            if kind == 'swap':
                i = rng.randrange(1, len(w) - 1)
                if w[i] == w[i + 1]:
                    continue
                nw = w[:i] + w[i + 1] + w[i] + w[i + 2:]
            elif kind == 'drop':
                i = rng.randrange(1, len(w))
                nw = w[:i] + w[i + 1:]
            elif kind == 'double':
                i = rng.randrange(1, len(w))
                nw = w[:i] + w[i] + w[i:]
            elif kind == 'key':
                i = rng.randrange(1, len(w))
                c = w[i].lower()
                if c not in QWERTY:
                    continue
                r = rng.choice(QWERTY[c])
                nw = w[:i] + (r.upper() if w[i].isupper() else r) + w[i + 1:]
            elif kind == 'split':
                i = rng.randrange(2, len(w) - 2)
                nw = w[:i] + ' ' + w[i:]
            else:
                raise ValueError(kind)
            if nw.lower() in vocab or nw.lower() in EXTRA_WORDS or nw == w:
                continue
            out = t[:m.start()] + nw + t[m.end():]
            return out, 'typo_%s:%s>%s' % (kind, w, nw)
    return None


def op_misspelling(rng, t):
    cands = []
    for m in re.finditer(r"\b[A-Za-z]+\b", t):
        if m.group(0).lower() in MISSPELL:
            cands.append(m)
    if not cands:
        return None
    m = rng.choice(cands)
    w = m.group(0)
    nw = match_case(w, rng.choice(MISSPELL[w.lower()]))
    if nw == w:
        return None
    return t[:m.start()] + nw + t[m.end():], 'misspelling:%s>%s' % (w, nw)


def op_autocorrect(rng, t):
    cands = []
    for pat, tg in AUTOCORRECT:
        for m in re.finditer(pat, t, re.I):
            cands.append((m, tg))
    if not cands:
        return None
    m, tg = rng.choice(cands)
    old = m.group(0)
    if tg is None:
        new = old.split()[0] + ' of'
    else:
        new = match_case(old, rng.choice(tg))
    out = t[:m.start()] + new + t[m.end():]
    if norm(out) == norm(t):
        return None
    return out, 'autocorrect:%s>%s' % (old, new)


def op_shorthand(rng, t):
    cands = []
    for pat, tg in SHORTHAND:
        for m in re.finditer(pat, t, re.I):
            cands.append((pat, tg))
            break
    if not cands:
        return None
    rng.shuffle(cands)
    k = min(len(cands), rng.choice([1, 1, 2, 2, 3]))
    details = []
    out = t
    for pat, tg in cands[:k]:
        new = rng.choice(tg)
        m0 = re.search(pat, out, re.I)
        if not m0:
            continue
        old = m0.group(0)
        out = re.sub(pat, lambda m: new if new.isupper() or not m.group(0)[:1].isupper() or new in ('u', 'ur', 'r')
                     else new[:1].upper() + new[1:], out, flags=re.I)
        details.append('%s>%s' % (old, new))
    if out == t or norm(out) == norm(t):
        return None
    return out, 'shorthand:%s' % ','.join(details)


def _ensure_end_punct(t, rng):
    if re.search(r'[.?!)]$', t):
        return t
    return t + rng.choice(['.', '', '?' if re.match(r'^(how|what|why|where|when|can|could|is|are|do|does|will|would|'
                                                      r'should|am|which|who|did)\b', t, re.I) else '.'])


def op_greeting(rng, t):
    if re.match(r'(hi|hello|hey|good (morning|afternoon|evening)|dear)\b', t, re.I):
        return None
    g = rng.choice(GREETINGS)
    sep = rng.choice([', ', '! ', ' - ', '. ', ',\n', '!\n', ' ', ', ', '! '])
    body = t
    if sep.strip() in (',', '-', '') and rng.random() < 0.6:
        body = lower_first(t)
    if sep.strip() in ('!', '.') or sep.endswith('\n'):
        body = cap_first(t)
    if ',' in g:
        sep = rng.choice(['. ', '! ', '!\n', '.\n'])
        body = cap_first(t)
    if g.startswith(('Dear', 'To whom')):
        sep = rng.choice([',\n', ',\n\n', ', '])
        body = cap_first(t)
    return g + sep + body, 'greeting:%s' % g


def op_opener(rng, t):
    o = rng.choice(OPEN_FILLERS)
    body = lower_first(t) if o.endswith((', ', 'but ', 'so ', 'So ', 'Um, ', 'Hmm, ')) else cap_first(t)
    if o.endswith(': ') or o.endswith('- ') or o.endswith('. ') or o.endswith('? '):
        body = cap_first(t)
    return o + body, 'opener:%s' % o.strip()


def op_followup(rng, t):
    if rng.random() < 0.55:
        line = rng.choice(FOLLOW_BEFORE)
        sep = rng.choice([' ', ' ', '\n', '\n\n']) if not line.endswith((',', 'but', '-')) else ' '
        body = lower_first(t) if line.endswith((',', 'but')) else cap_first(t)
        return line + sep + body, 'followup:%s' % line
    line = rng.choice(FOLLOW_AFTER)
    body = _ensure_end_punct(t, rng)
    sep = rng.choice([' ', ' ', '\n', '  ']) if re.search(r'[.?!)]$', body) else rng.choice(['. ', '\n', ' - '])
    return body + sep + line, 'followup:%s' % line


def op_closer(rng, t):
    c = rng.choice(CLOSERS)
    body = _ensure_end_punct(t, rng)
    sep = rng.choice([' ', ' ', '\n', ' ', '\n\n'])
    if not re.search(r'[.?!]$', body):
        sep = rng.choice([', ', '. ', '\n', ' - '])
    return body + sep + c, 'closer:%s' % c


def op_signature(rng, t):
    body = _ensure_end_punct(t, rng)
    r = rng.random()
    if r < 0.55:
        s = rng.choice(SIGNOFFS)
        n = rng.choice(NAMES)
        if rng.random() < 0.3:
            n = n + ' ' + rng.choice(SURNAME_INITIALS) + rng.choice(['.', ''])
        form = rng.choice(['%s,\n%s', '%s\n%s', '%s, %s', '%s,\n\n%s'])
        sig = form % (s, n)
        return body + rng.choice(['\n\n', '\n', ' ']) + sig, 'signature:%s' % s
    elif r < 0.8:
        s = rng.choice(DEVICE_SIGS)
        return body + rng.choice(['\n\n', '\n', '\n\n']) + s, 'signature:device'
    else:
        n = rng.choice(NAMES)
        s = rng.choice(['- %s', '%s', '~%s', '-- %s', 'Thanks, %s', 'Thx %s', 'Cheers, %s']) % n
        return body + rng.choice([' ', '\n']) + s, 'signature:name'


def op_marker(rng, t):
    mk = rng.choice(MARKERS)
    if rng.random() < 0.2:
        q = rng.choice(['See below.', 'Please see my message below.', 'Original message below.', 'See my earlier message:',
                        'Forwarding my question again.', 'Still waiting on this one.', 'No reply yet to this:'])
        quoted = '\n'.join('> ' + ln for ln in t.split('\n'))
        return q + '\n\n' + quoted, 'quoted:%s' % q
    return mk + t, 'marker:%s' % mk.strip()


# cosmetic (normalisation-neutral) ops: only ever used alongside a content op in near rows,
# and on their own in exact rows
def cos_lower(rng, t):
    out = t.lower()
    return (out, 'case:lower') if out != t else None


def cos_upper(rng, t):
    if len(t) > 90:
        return None
    out = t.upper()
    return (out, 'case:upper') if out != t else None


def cos_nocap(rng, t):
    out = re.sub(r'(^|[.?!]\s+)([A-Z])(?=[a-z])', lambda m: m.group(1) + m.group(2).lower(), t)
    out = re.sub(r"\bI\b", 'i', out) if rng.random() < 0.6 else out
    return (out, 'case:no_caps') if out != t else None


def cos_capfirst(rng, t):
    out = cap_first(t)
    return (out, 'case:cap_first') if out != t else None


def cos_drop_final(rng, t):
    out = re.sub(r'[.?!]+$', '', t)
    return (out, 'punct:drop_final') if out != t else None


def cos_final(rng, t):
    body, p = split_final_punct(t)
    if '?' in p:
        opts = ['??', '???', '?!', ' ?', '?!?']
    elif p:
        opts = ['!', '!!', '...', '']
    elif re.match(r'(how|what|why|where|when|can|could|is|are|do|does|will|would|should|am|which|who|did)\b', t, re.I):
        opts = ['?', '??', '?!']
    else:
        opts = ['.', '!', '...']
    new = rng.choice(opts)
    if new == p or not new.strip():
        return None
    return body + new, 'punct:final%s' % new.strip()


def cos_no_apos(rng, t):
    out = re.sub(r"(?<=[A-Za-z])'(?=[A-Za-z])", '', t)
    return (out, 'punct:no_apostrophes') if out != t else None


def cos_no_commas(rng, t):
    out = re.sub(r',(?=\s)', '', t)
    return (out, 'punct:no_commas') if out != t else None


def cos_spaces(rng, t):
    words = t.split(' ')
    if len(words) < 3:
        return None
    i = rng.randrange(1, len(words))
    out = ' '.join(words[:i]) + '  ' + ' '.join(words[i:])
    return out, 'space:double'


def cos_trailing(rng, t):
    return t + rng.choice([' ', '  ', '\n']), 'space:trailing'


def cos_hyphen(rng, t):
    out = re.sub(r'(?<=\w)-(?=\w)', ' ', t)
    if out == t:
        out = re.sub(r'\btop up\b', 'top-up', t, flags=re.I)
    return (out, 'punct:hyphen') if out != t else None


def cos_space_punct(rng, t):
    out = re.sub(r'(?<=\w)([?!])$', r' \1', t)
    return (out, 'space:before_punct') if out != t else None


COSMETIC = [('case_lower', cos_lower, 6), ('case_no_caps', cos_nocap, 4), ('case_upper', cos_upper, 1),
            ('punct_drop_final', cos_drop_final, 5), ('punct_final', cos_final, 4), ('punct_no_apos', cos_no_apos, 3),
            ('punct_no_commas', cos_no_commas, 1), ('space_double', cos_spaces, 1), ('space_trailing', cos_trailing, 1),
            ('punct_hyphen', cos_hyphen, 1), ('space_before_punct', cos_space_punct, 1), ('case_cap_first', cos_capfirst, 1)]

# content ops (applied first), noise (typing), framing (wrappers)
CONTENT = [('paraphrase', op_paraphrase, 6), ('synonym', op_synonym, 10), ('regional', op_regional, 6),
           ('contraction', op_contraction, 5), ('expansion', op_expansion, 5), ('politeness', op_politeness, 5),
           ('filler_drop', op_filler_drop, 5), ('filler_add', op_filler_add, 4), ('reorder', op_reorder, 4)]
NOISE = [('typo_swap', 'swap', 5), ('typo_drop', 'drop', 5), ('typo_double', 'double', 3), ('typo_key', 'key', 4),
         ('typo_merge', 'merge', 3), ('typo_split', 'split', 1), ('misspelling', op_misspelling, 5),
         ('autocorrect', op_autocorrect, 3), ('shorthand', op_shorthand, 6)]
FRAMING = [('greeting', op_greeting, 7), ('opener', op_opener, 4), ('followup', op_followup, 6), ('closer', op_closer, 6),
           ('signature', op_signature, 4), ('marker', op_marker, 3)]
# order in which chosen ops are applied (inner edits first, outermost wrappers last, casing at the very end)
STAGE = {}
for _n, _f, _w in CONTENT:
    STAGE[_n] = 0
for _n, _f, _w in NOISE:
    STAGE[_n] = 1
STAGE.update({'followup': 2, 'closer': 2, 'opener': 2, 'greeting': 3, 'signature': 4, 'marker': 5})
for _n, _f, _w in COSMETIC:
    # punctuation/spacing slips belong to the typed question itself; casing covers what the person typed
    # (greeting, follow-up line, closer) but not auto-added signatures or e-mail subject markers
    STAGE[_n] = 1.5 if _n.startswith(('punct', 'space_double', 'space_before')) else 3.5
STAGE['space_trailing'] = 6
# ops that could undo each other share a group; a near row uses at most one op per group
GROUP = {'synonym': 'lex', 'regional': 'lex', 'paraphrase': 'phr', 'politeness': 'phr', 'contraction': 'contr',
         'expansion': 'contr', 'filler_drop': 'filler', 'filler_add': 'filler', 'reorder': 'reorder',
         'typo_swap': 'typo', 'typo_drop': 'typo', 'typo_double': 'typo', 'typo_key': 'typo', 'typo_merge': 'typo',
         'typo_split': 'typo', 'misspelling': 'typo', 'autocorrect': 'typo', 'shorthand': 'short',
         'greeting': 'greet', 'opener': 'greet', 'followup': 'follow', 'closer': 'close', 'signature': 'close',
         'marker': 'marker'}
for _n, _f, _w in COSMETIC:
    GROUP[_n] = _n.split('_')[0]


def wchoice(rng, items):
    tot = sum(w for _, _, w in items)
    r = rng.random() * tot
    for it in items:
        r -= it[2]
        if r <= 0:
            return it
    return items[-1]


def apply_op(rng, name, fn, text, vocab):
    if isinstance(fn, str):
        return op_typo(rng, text, vocab, fn)
    return fn(rng, text)


# how many near rows get each op as their primary (guaranteed, normalisation-changing) edit
PRIMARY_PLAN = {
    'paraphrase': 32, 'synonym': 50, 'regional': 24, 'contraction': 22, 'expansion': 22, 'politeness': 24,
    'filler_drop': 15, 'filler_add': 12, 'reorder': 12,
    'typo_swap': 24, 'typo_drop': 24, 'typo_double': 14, 'typo_key': 20, 'typo_merge': 17, 'typo_split': 5,
    'misspelling': 25, 'autocorrect': 12, 'shorthand': 26,
    'greeting': 28, 'opener': 18, 'followup': 28, 'closer': 20, 'signature': 14, 'marker': 12,
}
OPS_BY_NAME = {o[0]: o for o in CONTENT + NOISE + FRAMING + COSMETIC}
FRAMING_NAMES = {o[0] for o in FRAMING}


def make_near(rng, src, vocab, primary):
    """Near duplicate of src whose edits include `primary`; 1-3 edits in all. Returns (text, edits) or None."""
    if apply_op(random.Random(rng.random()), primary, OPS_BY_NAME[primary][1], src, vocab) is None:
        return None
    n_target = rng.choices([1, 2, 3], weights=[40, 37, 23])[0]
    for _attempt in range(30):
        ops = [OPS_BY_NAME[primary]]
        used_groups = {GROUP[primary]}
        tries = 0
        while len(ops) < n_target and tries < 30:
            tries += 1
            pool = rng.choices([CONTENT, NOISE, FRAMING, COSMETIC], weights=[2, 3, 3, 4])[0]
            cand = wchoice(rng, pool)
            if GROUP[cand[0]] in used_groups:
                continue
            if cand[0] in FRAMING_NAMES and sum(1 for o in ops if o[0] in FRAMING_NAMES) >= 2:
                continue  # at most two framing wrappers
            used_groups.add(GROUP[cand[0]])
            ops.append(cand)
        ops.sort(key=lambda o: STAGE[o[0]])
        text = src
        edits = []
        ok = True
        for name, fn, _w in ops:
            r = apply_op(rng, name, fn, text, vocab)
            if r is None:
                if name == primary or _attempt < 25:
                    ok = False  # try another combination of extras
                    break
                continue  # late attempts: leave out an optional extra that does not fit this text
            text, e = r
            edits.append(e)
        if not ok:
            continue
        if norm(text) == norm(src):
            continue
        return text, edits
    return None


def make_exact(rng, src):
    r = rng.random()
    if r < 0.25:
        return src, ['verbatim']
    k = 1 if r < 0.75 else 2
    for _ in range(40):
        picks = []
        while len(picks) < k:
            c = wchoice(rng, COSMETIC)
            if GROUP[c[0]] not in {GROUP[x[0]] for x in picks}:
                picks.append(c)
        text = src
        edits = []
        ok = True
        for name, fn, _w in picks:
            res = fn(rng, text)
            if res is None:
                ok = False
                break
            text, e = res
            edits.append(e)
        if ok and text != src and norm(text) == norm(src):
            return text, edits
    return src, ['verbatim']


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------
def select_originals(rng, rows):
    idx = list(range(len(rows)))
    rng.shuffle(idx)
    acc = []
    seen = set()
    for i in idx:
        t = collapse(rows[i]['text'])
        if not 3 <= len(t.split()) <= 25:
            continue
        n = norm(t)
        if not n or n in seen:
            continue
        w, g = frozenset(n.split()), grams4(n)
        if any(too_close(n, w, g, *a[1:]) for a in acc):
            continue
        acc.append((t, n, w, g))
        seen.add(n)
        if len(acc) == N_ORIG:
            break
    if len(acc) < N_ORIG:
        raise SystemExit('only %d originals passed the screen' % len(acc))
    return [a[0] for a in acc]


def main(out_dir):
    rng = random.Random(SEED)
    rows = load_train()
    train_norms = set(norm(r['text']) for r in rows)
    vocab = set()
    for r in rows:
        for w in norm(r['text']).split():
            vocab.add(w)
    originals = select_originals(rng, rows)
    orig_norms = [norm(t) for t in originals]
    orig_norm_set = set(orig_norms)

    used_norms = set(orig_norm_set)   # normalised texts of all originals + planted non-exact rows
    planted = []                      # (source_index, kind, text, edits)
    taken = set()

    # ---- negatives: one minimal meaning-changing edit; balance across edit types
    order = list(range(N_ORIG))
    rng.shuffle(order)
    per_op = collections.Counter()
    per_detail = collections.Counter()
    neg_ops = list(NEG_OPS.keys())
    cand_by_op = collections.defaultdict(list)
    for i in order:
        for op in neg_ops:
            r = NEG_OPS[op](random.Random(rng.random()), originals[i])
            if r is None:
                continue
            cand_by_op[op].append(i)
    # round-robin over ops, least-filled first
    pointers = {op: 0 for op in neg_ops}
    n_neg = 0
    stalled = 0
    while n_neg < N_NEG and stalled < 5000:
        progressed = False
        for op in sorted(neg_ops, key=lambda o: (per_op[o], rng.random())):
            if n_neg >= N_NEG:
                break
            if per_op[op] >= NEG_CAP[op]:
                continue
            lst = cand_by_op[op]
            while pointers[op] < len(lst):
                i = lst[pointers[op]]
                pointers[op] += 1
                if i in taken:
                    continue
                r = NEG_OPS[op](rng, originals[i])
                if r is None:
                    continue
                text, detail = r
                dkey = detail.lower().split(':', 1)[1] if op not in ('number', 'date') else op + re.sub(r'\d+|>.*', '', detail.lower())
                if op not in ('number',) and per_detail[dkey] >= 7:
                    continue
                nt = norm(text)
                if nt == orig_norms[i] or nt in train_norms or nt in used_norms:
                    continue
                taken.add(i)
                used_norms.add(nt)
                planted.append((i, 'negative', text, [detail]))
                per_detail[dkey] += 1
                per_op[op] += 1
                n_neg += 1
                progressed = True
                break
        if not progressed:
            stalled += 1
            if all(pointers[o] >= len(cand_by_op[o]) or per_op[o] >= NEG_CAP[o] for o in neg_ops):
                break
    if n_neg < N_NEG:
        raise SystemExit('only %d negatives' % n_neg)

    # ---- near duplicates: a fixed plan of primary edit types, each matched to a source it fits
    free = [i for i in order if i not in taken]
    rng.shuffle(free)
    plan = [op for op, n in sorted(PRIMARY_PLAN.items()) for _ in range(n)]
    assert len(plan) == N_NEAR, len(plan)
    rng.shuffle(plan)
    for primary in plan:
        placed = False
        for i in free:
            if i in taken:
                continue
            r = make_near(rng, originals[i], vocab, primary)
            if r is None:
                continue
            text, edits = r
            nt = norm(text)
            if nt in used_norms or nt == orig_norms[i]:
                continue
            taken.add(i)
            used_norms.add(nt)
            planted.append((i, 'near', text, edits))
            placed = True
            break
        if not placed:
            raise SystemExit('no source found for near op %s' % primary)

    # ---- exact duplicates
    free2 = [i for i in free if i not in taken]
    for i in free2[:N_EXACT]:
        text, edits = make_exact(rng, originals[i])
        taken.add(i)
        planted.append((i, 'exact', text, edits))

    # ---- interleave: each planted row goes somewhere after its source
    buckets = collections.defaultdict(list)
    for p in planted:
        s = p[0]
        if rng.random() < 0.5:
            slot = min(N_ORIG, s + rng.randint(1, 40))
        else:
            slot = rng.randint(s + 1, N_ORIG)
        buckets[slot].append(p)
    records = []
    orig_id = {}
    for pos in range(N_ORIG + 1):
        b = buckets.get(pos, [])
        rng.shuffle(b)
        for s, kind, text, edits in b:
            records.append({'text': text, 'kind': kind, 'source': s, 'edits': edits})
        if pos < N_ORIG:
            records.append({'text': originals[pos], 'kind': 'original', 'source': pos, 'edits': []})
    out_rows = []
    for n, r in enumerate(records):
        rid = 'e%05d' % n
        if r['kind'] == 'original':
            orig_id[r['source']] = rid
        out_rows.append((rid, r))
    lines = []
    for rid, r in out_rows:
        sid = '' if r['kind'] == 'original' else orig_id[r['source']]
        lines.append(json.dumps({'id': rid, 'text': r['text'], 'kind': r['kind'], 'source_id': sid,
                                 'edits': r['edits']}, ensure_ascii=False))
    with open(os.path.join(out_dir, 'near_dups_short5.jsonl'), 'w', encoding='utf-8', newline='\n') as f:
        f.write('\n'.join(lines) + '\n')
    stats = compute_stats([json.loads(x) for x in lines])
    with open(os.path.join(out_dir, 'stats.json'), 'w', encoding='utf-8', newline='\n') as f:
        json.dump(stats, f, indent=2, ensure_ascii=False, sort_keys=True)
        f.write('\n')
    return stats


def edit_op(e):
    return e.split(':', 1)[0]


def compute_stats(rows):
    kinds = collections.Counter(r['kind'] for r in rows)
    ops = {}
    for k in ('exact', 'near', 'negative'):
        c = collections.Counter(edit_op(e) for r in rows if r['kind'] == k for e in r['edits'])
        ops[k] = dict(sorted(c.items()))
    near_n = collections.Counter(str(len(r['edits'])) for r in rows if r['kind'] == 'near')
    rows_with_op = collections.Counter()
    for r in rows:
        if r['kind'] == 'near':
            for op in set(edit_op(e) for e in r['edits']):
                rows_with_op[op] += 1
    return {
        'total_rows': len(rows),
        'kinds': dict(sorted(kinds.items())),
        'edit_ops': ops,
        'near_rows_containing_op': dict(sorted(rows_with_op.items())),
        'edits_per_near_row': dict(sorted(near_n.items())),
        'seed': SEED,
        'source': 'BANKING77 train.csv (PolyAI, CC BY 4.0)',
    }


if __name__ == '__main__':
    out = HERE
    if len(sys.argv) >= 3 and sys.argv[1] == '--out':
        out = sys.argv[2]
        os.makedirs(out, exist_ok=True)
    s = main(out)
    print(json.dumps(s['kinds']), 'near edits per row:', json.dumps(s['edits_per_near_row']))
