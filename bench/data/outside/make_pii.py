"""Generate pii_multilocale.jsonl and pii_negatives.jsonl.

Written from the task brief only, without reading synthmill's code.
Deterministic: fixed seeds below, Faker instances seeded per locale.

    /work/main/.venv/bin/python bench/data/outside/make_pii.py
"""
from __future__ import annotations

import os
import sys

# Faker picks some values from sets, whose order depends on string hashing: pin it.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import json
import random
import re
import unicodedata
from pathlib import Path

from faker import Faker

OUT = Path(__file__).resolve().parent
SEED = 20240611
N_POSITIVE = 1500
N_NEGATIVE = 300

LOCALES = [
    "en_US", "en_GB", "en_IN", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL",
    "fi_FI", "hu_HU", "pt_BR", "sv_SE", "cs_CZ", "tr_TR", "ro_RO", "da_DK",
]
# English-speaking locales get a bit more weight: the brief says most messages are English.
LOCALE_WEIGHTS = {"en_US": 2.0, "en_GB": 2.0, "en_IN": 1.5}

rng = random.Random(SEED)
FAKERS: dict[str, Faker] = {}
for i, loc in enumerate(LOCALES):
    f = Faker(loc)
    f.seed_instance(SEED + i)
    FAKERS[loc] = f
FAKE_EN = Faker("en_US")
FAKE_EN.seed_instance(SEED + 999)

# --------------------------------------------------------------------------------------
# value generators (personal values)
# --------------------------------------------------------------------------------------

IBAN_SPEC = {  # country: BBAN pattern (n digit, a letter, c alnum), from the IBAN registry
    "GB": "aaaa" + "n" * 14, "DE": "n" * 18, "FR": "n" * 10 + "c" * 11 + "nn",
    "ES": "n" * 20, "IT": "a" + "n" * 10 + "c" * 12, "NL": "aaaa" + "n" * 10,
    "PL": "n" * 24, "FI": "n" * 14, "HU": "n" * 24, "BR": "n" * 23 + "ac",
    "SE": "n" * 20, "CZ": "n" * 20, "TR": "n" * 6 + "c" * 16, "RO": "aaaa" + "c" * 16,
    "DK": "n" * 14, "IE": "aaaa" + "n" * 14,
}
LOCALE_IBAN = {
    "en_US": ["DE", "GB", "FR", "IE"], "en_GB": ["GB"], "en_IN": ["GB", "DE"],
    "de_DE": ["DE"], "fr_FR": ["FR"], "es_ES": ["ES"], "it_IT": ["IT"], "nl_NL": ["NL"],
    "pl_PL": ["PL"], "fi_FI": ["FI"], "hu_HU": ["HU"], "pt_BR": ["BR"], "sv_SE": ["SE"],
    "cs_CZ": ["CZ"], "tr_TR": ["TR"], "ro_RO": ["RO"], "da_DK": ["DK"],
}
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def iban_check(country: str, bban: str) -> str:
    s = bban + country + "00"
    num = "".join(str(int(ch, 36)) for ch in s)
    return f"{98 - int(num) % 97:02d}"


def make_iban(loc: str) -> str:
    country = rng.choice(LOCALE_IBAN[loc])
    out = []
    for p in IBAN_SPEC[country]:
        if p == "n":
            out.append(rng.choice("0123456789"))
        elif p == "a":
            out.append(rng.choice(UPPER))
        else:
            out.append(rng.choice("0123456789" * 3 + UPPER))
    bban = "".join(out)
    raw = country + iban_check(country, bban) + bban
    if rng.random() < 0.5:
        return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))
    return raw


def luhn_ok(digits: str) -> bool:
    total, alt = 0, False
    for ch in reversed(digits):
        d = int(ch)
        if alt:
            d *= 2
            if d > 9:
                d -= 9
        total += d
        alt = not alt
    return total % 10 == 0


def make_card() -> str:
    kind = rng.choices(["visa16", "mastercard", "amex", "discover"], [5, 5, 1.5, 1])[0]
    num = FAKE_EN.credit_card_number(card_type=kind)
    assert luhn_ok(num), num
    fmt = rng.choices(["plain", "space", "dash"], [3, 4, 2])[0]
    if fmt == "plain":
        return num
    sep = " " if fmt == "space" else "-"
    groups = [4, 6, 5] if len(num) == 15 else [4, 4, 4, 4]
    parts, i = [], 0
    for g in groups:
        parts.append(num[i:i + g])
        i += g
    return sep.join(parts)


def make_phone(loc: str) -> str:
    return FAKERS[loc].phone_number()


def make_ip(v6: bool = False) -> str:
    return FAKE_EN.ipv6() if v6 else FAKE_EN.ipv4_public()


DL_FORMATS = [  # US state driver-licence shapes (letters/digits); value only, no state name
    lambda: rng.choice(UPPER) + "".join(rng.choices("0123456789", k=7)),  # CA
    lambda: "".join(rng.choices("0123456789", k=9)),  # NY
    lambda: "".join(rng.choices("0123456789", k=8)),  # TX
    lambda: (lambda d: f"{rng.choice(UPPER)}{d[0:3]}-{d[3:6]}-{d[6:8]}-{d[8:11]}-{d[11]}")(
        "".join(rng.choices("0123456789", k=12))),  # FL
    lambda: rng.choice(UPPER) + "".join(rng.choices("0123456789", k=11)),  # IL
    lambda: rng.choice(UPPER) + "".join(rng.choices("0123456789", k=12)),  # MI
]


def make_dl() -> str:
    return rng.choice(DL_FORMATS)()


TRANSLIT = str.maketrans({"ł": "l", "Ł": "L", "ß": "ss", "ø": "o", "Ø": "O", "æ": "ae",
                          "Æ": "AE", "đ": "d", "ı": "i", "ş": "s", "ğ": "g"})


def ascii_fold(s: str) -> str:
    s = s.translate(TRANSLIT)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z]", "", s).lower()


class Person:
    def __init__(self, loc: str):
        f = FAKERS[loc]
        self.female = rng.random() < 0.5
        self.first = f.first_name_female() if self.female else f.first_name_male()
        if self.female and hasattr(f, "last_name_female"):
            self.last = f.last_name_female()
        elif not self.female and hasattr(f, "last_name_male"):
            self.last = f.last_name_male()
        else:
            self.last = f.last_name()
        # Hungarian family-name-first order, half of the time
        if loc == "hu_HU" and rng.random() < 0.5:
            self.full = f"{self.last} {self.first}"
        else:
            self.full = f"{self.first} {self.last}"
        self.title = rng.choice(["Ms.", "Mrs.", "Ms"]) if self.female else rng.choice(["Mr.", "Mr"])
        self.domain = f.free_email_domain()
        self._emails = self._email_variants()
        self.email = self._emails[0]
        self.email_alt = self._emails[1]

    def _email_variants(self) -> list[str]:
        fi, la = ascii_fold(self.first.split()[0]), ascii_fold(self.last.split()[-1])
        opts = [f"{fi}.{la}", f"{fi}{la}", f"{fi[:1]}.{la}", f"{fi}_{la}",
                f"{fi}{rng.randint(1, 99)}", f"{la}.{fi}", f"{fi}.{la}{rng.randint(70, 99)}",
                f"{fi[:1]}{la}"]
        rng.shuffle(opts)
        return [f"{opts[0]}@{self.domain}", f"{opts[1]}@{FAKE_EN.free_email_domain()}"]


TR_STREETS = ["Atatürk Caddesi", "Cumhuriyet Caddesi", "İstiklal Caddesi", "Gül Sokak",
              "Lale Sokak", "Bağdat Caddesi", "Menekşe Sokak", "Çınar Sokak", "Kızılay Caddesi",
              "Barbaros Bulvarı", "Papatya Sokak", "Gazi Mustafa Kemal Bulvarı"]
TR_CITIES = ["Kadıköy/İstanbul", "Çankaya/Ankara", "Karşıyaka/İzmir", "Nilüfer/Bursa",
             "Muratpaşa/Antalya", "Selçuklu/Konya", "Tepebaşı/Eskişehir", "Ortahisar/Trabzon"]


class Address:
    """A street line (possibly 2 lines) and a postcode+city line."""

    def __init__(self, loc: str):
        f = FAKERS[loc]
        self.secondary = None
        if loc == "tr_TR":
            street = f"{rng.choice(TR_STREETS)} No: {rng.randint(1, 180)}"
            if rng.random() < 0.4:
                street += f" Daire {rng.randint(1, 30)}"
            self.street_lines = [street]
        elif loc == "en_US":
            self.street_lines = [f"{f.building_number()} {f.street_name()}"]
            if rng.random() < 0.45:
                self.secondary = f.secondary_address()
        else:
            for _ in range(20):
                s = re.sub(r" {2,}", " ", f.street_address())
                if re.search(r"\d", s):
                    break
            else:
                s = s + f" {rng.randint(1, 99)}"
            self.street_lines = [ln.strip() for ln in s.split("\n") if ln.strip()]
        self.pcity = self._pcity(loc, f)

    @staticmethod
    def _pcity(loc: str, f: Faker) -> str:
        if loc == "en_US":
            return f"{f.city()}, {f.state_abbr()} {f.zipcode()}"
        if loc == "en_GB":
            return f"{f.city()} {f.postcode()}"
        if loc == "en_IN":
            return f"{f.city()} - {f.postcode()}"
        if loc == "tr_TR":
            return f"{rng.randint(1, 81):02d}{rng.randint(0, 999):03d} {rng.choice(TR_CITIES)}"
        pc = f.postcode()
        if loc == "pt_BR":
            d = re.sub(r"\D", "", pc)
            pc = f"{d[:5]}-{d[5:8]}"
            return f"{pc} {f.city()} - {f.estado_sigla()}"
        if loc == "sv_SE" and re.fullmatch(r"\d{5}", pc):
            pc = f"{pc[:3]} {pc[3:]}"
        if loc == "nl_NL" and re.fullmatch(r"\d{4}[A-Z]{2}", pc):
            pc = f"{pc[:4]} {pc[4:]}"
        return f"{pc} {f.city()}"

    def one_line_street(self) -> str:
        s = ", ".join(self.street_lines)
        if self.secondary:
            s += " " + self.secondary
        return s


# --------------------------------------------------------------------------------------
# non-personal fillers
# --------------------------------------------------------------------------------------

CURRENCY = {
    "en_US": ("$", "pre"), "en_GB": ("£", "pre"), "en_IN": ("₹", "pre"), "de_DE": ("€", "post"),
    "fr_FR": ("€", "post"), "es_ES": ("€", "post"), "it_IT": ("€", "post"), "nl_NL": ("€", "pre"),
    "pl_PL": ("zł", "post"), "fi_FI": ("€", "post"), "hu_HU": ("Ft", "post"),
    "pt_BR": ("R$", "pre"), "sv_SE": ("kr", "post"), "cs_CZ": ("Kč", "post"),
    "tr_TR": ("TL", "post"), "ro_RO": ("lei", "post"), "da_DK": ("kr.", "post"),
}
MERCHANTS = ["Amazon", "Uber", "Netflix", "Spotify", "IKEA", "Lidl", "Tesco", "Zara", "Ryanair",
             "Booking.com", "Steam", "a petrol station", "the supermarket", "an online shop"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def fmt_amount(loc: str | None = None, english: bool = True) -> str:
    loc = loc or rng.choice(LOCALES)
    sym, pos = CURRENCY[loc]
    if sym in ("Ft", "Kč", "₹"):
        val = rng.choice([rng.randint(2, 90) * 100, rng.randint(100, 99999)])
        cents = False
    else:
        val = rng.choice([rng.randint(1, 99), rng.randint(10, 3000), rng.randint(3000, 20000)])
        cents = rng.random() < 0.6
    whole = f"{val:,}"
    frac = f"{rng.randint(0, 99):02d}" if cents else ""
    if english:
        num = whole + ("." + frac if cents else "")
        if sym == "€" and rng.random() < 0.3:
            return f"{num} EUR"
        return f"{sym}{num}" if len(sym) <= 2 and pos == "pre" or sym == "€" else f"{num} {sym}"
    num = whole.replace(",", ".") + ("," + frac if cents else "")
    return f"{sym}{num}" if pos == "pre" and sym != "€" else f"{num} {sym}"


def fmt_date() -> str:
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.choice([2023, 2024, 2025])
    return rng.choice([
        f"{d:02d}/{m:02d}/{y}", f"{d} {MONTHS[m - 1]}", f"{MONTHS[m - 1]} {d}", f"{y}-{m:02d}-{d:02d}",
        f"{d}.{m}.{y}", f"the {d}{'th' if 4 <= d <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th')}",
    ])


def fmt_ref() -> str:
    return rng.choice([
        f"REF-{rng.randint(1000, 9999)}-{rng.choice(UPPER)}{rng.choice(UPPER)}",
        f"#{rng.randint(100000, 999999)}", f"TX{rng.randint(10000000, 99999999)}",
        f"CASE-{rng.randint(10000, 99999)}", f"{rng.choice(UPPER)}{rng.choice(UPPER)}{rng.randint(100, 999)}",
    ])


def fmt_time() -> str:
    h, m = rng.randint(7, 21), rng.choice([0, 15, 30, 45])
    return rng.choice([f"{h}:{m:02d}", f"{h % 12 or 12}{'am' if h < 12 else 'pm'}", f"{h:02d}.{m:02d}"])


# --------------------------------------------------------------------------------------
# templates
# placeholders: {KEY}, {KEY2}, {KEY|u} (upper), {KEY|l} (lower)
# person keys: FULL FIRST LAST EMAIL EMAILALT TITLE(non-PII)  (digit = which person)
# address keys: ADDR (multi-line block), ADDRLINE (one line), STREET, PCITY, SEC
# others: PHONE CARD IBAN IP IPV(v6) DL ; non-PII: AMT DATE REF TIME DAY MONTH MERCH
# --------------------------------------------------------------------------------------

T = []  # (style, requires_locale_or_None, template)


def add(style, tpl, loc=None):
    T.append((style, loc, tpl))


# chat one-liners
add("chat", "hi its {FULL|u}, my card {CARD} got declined at {MERCH} twice today")
add("chat", "hello, {FULL} here. can you call me back on {PHONE}? it's about a payment of {AMT}")
add("chat", "my name is {FULL} and I can't log in, the app says my email {EMAIL} is not recognised")
add("chat", "Hi, I need to update my phone number to {PHONE}, old one was {PHONE2}. Thanks, {FIRST}")
add("chat", "someone logged in from {IP} last night and it wasn't me!! pls freeze card {CARD}")
add("chat", "can you send the new card to {ADDRLINE}? I moved last month. {FULL}")
add("chat", "Why was {AMT} taken from my account? IBAN is {IBAN}. - {FIRST}")
add("chat", "pls refund to {IBAN} asap, name on account {FULL|u}")
add("chat", "Hey, it's {FIRST}. My partner {FIRST2}'s card was charged twice for {AMT}.")
add("chat", "i tried paying {FULL2} {AMT} but the transfer to {IBAN} failed")
add("chat", "Transfer of {AMT} to {FULL2} ({IBAN}) still pending since {DATE}, ref {REF}. Please check. {FULL}")
add("chat", "my email changed to {EMAIL}, the old one {EMAILALT} doesnt work anymore")
add("chat", "got a text from {PHONE} asking for my PIN, is that you?? {FIRST}")
add("chat", "{FIRST|l} here, card number {CARD}, it's stuck in the ATM")
add("chat", "This is {TITLE} {LAST}. I called on {DAY} about card {CARD} and nobody got back to me. Reach me at {PHONE} or {EMAIL}.")
add("chat", "hi! could you check why my top-up from card {CARD} failed? my login email is {EMAIL}")
add("chat", "so the money went to {FULL2} instead of {FULL3}, can I get it back?? ref {REF}")
add("chat", "Please change my address from {ADDRLINE} to {ADDRLINE2}")
add("chat", "{PHONE} - call me pls, locked out of app. {FIRST}")
add("chat", "Can someone ring me? Number is {PHONE}, best after {TIME}.")
add("chat", "The payment to {FULL2} for {AMT} went through twice. Their IBAN is {IBAN}, mine is {IBAN2}.")
add("chat", "I need to change the name on my account from {FULL} to {FULL2}, I got married in {MONTH}.")
add("chat", "Is {IP} one of your servers? It keeps showing up in my login history. {FIRST}")
add("chat", "I got a security alert for a login from {IPV}. Not me. My email is {EMAIL}.")
add("chat", "card {CARD} blocked?? im abroad and cant pay for anything. {FULL|l} {PHONE}")
add("chat", "new address: {STREET},\n{PCITY}\nplease update it before you send the card")
add("chat", "Do I need to verify again? I already sent my ID. {LAST}, {FIRST}")
add("chat", "My {CHILD2} {FULL2} wants an account too, can {PRON2} use my email {EMAIL}?")
# formal letters
add("formal_letter", "Dear Sir or Madam,\n\nI am writing to dispute a transaction of {AMT} dated {DATE} on my card {CARD}. I did not authorise this payment.\n\nYours faithfully,\n{FULL}\n{ADDR}")
add("formal_letter", "To whom it may concern,\n\nPlease close my account and transfer the remaining balance to {IBAN}.\n\nKind regards,\n\n{FULL}\n{ADDR}\nTel: {PHONE}")
add("formal_letter", "{FULL}\n{ADDR}\n{PHONE}\n{EMAIL}\n\n{DATE}\n\nDear Customer Services,\n\nI have still not received my replacement card. Please send it to the address above.\n\nSincerely,\n{FULL}")
add("formal_letter", "Dear team,\n\nMy {PARENT2}, {FULL2}, has passed away and I would like to close {POSS2} account. I am the executor of the estate. You can reach me on {PHONE}.\n\nRegards,\n{FULL}\n{ADDR}")
add("formal_letter", "Dear Sir/Madam,\n\nRe: complaint {REF}\n\nOn {DATE} I transferred {AMT} to IBAN {IBAN} but the money was returned. Please explain why.\n\nBest regards\n{FULL}\n{ADDR}")
add("formal_letter", "{FULL|u}\n{ADDR|u}\n\nRE: CARD {CARD} STOLEN\n\nPlease cancel the card above and send a new one to my home address.\n\n{FULL}")
add("formal_letter", "Dear {TITLE2} {LAST2},\n\nThank you for your letter of {DATE}. I confirm that my correct address is:\n\n{ADDR}\n\nYours sincerely,\n{TITLE} {LAST}")
# emails
add("email", "Subject: change of address\n\nHello,\nplease update my address to:\n{ADDR}\nThank you,\n{FULL}")
add("email", "Subject: Card not received\n\nHi,\n\nI ordered a card on {DATE} and it still hasn't arrived. My postal address is {ADDRLINE}. Mobile {PHONE}.\n\nThanks\n{FIRST}")
add("email", "From: {EMAIL}\nSubject: Unknown charge\n\nThere is a payment of {AMT} to {MERCH} I don't recognise. Card: {CARD}\n\n{FULL}")
add("email", "Hello,\n\nI'd like to add {FULL2} ({EMAIL2}) as a joint account holder. Their phone number is {PHONE2}.\n\nBest,\n{FULL}")
add("email", "Hi {FIRST2},\n\nthanks for your help yesterday. Could you also check transfer {REF}? It went to {IBAN}.\n\n{FIRST}")
# lists
add("list", "Contacts: {LAST}, {LAST2} and {LAST3}")
add("list", "Authorised users on my account:\n- {FULL}\n- {FULL2}\n- {FULL3}")
add("list", "Please remove these payees: {FULL}, {FULL2}, {FULL3}.")
add("list", "Beneficiaries\n{FULL} | {IBAN}\n{FULL2} | {IBAN2}")
add("list", "people who can see the account: {FIRST|l}, {FIRST2|l} and me ({FULL3|l})")
add("list", "Cardholders: {REV|u}; {REV2|u}")
# forms
add("form", "Name: {FULL}\nEmail: {EMAIL}\nPhone: {PHONE}\nIssue: card declined\nAmount: {AMT}")
add("form", "NAME: {FULL|u}\nADDRESS: {STREET|u}\n{PCITY|u}\nCARD: {CARD}\nREASON: lost")
add("form", "Full name - {FULL}; IBAN - {IBAN}; IP at time of login - {IP}")
add("form", "customer: {FULL}\nphone: {PHONE}\nlast login ip: {IP}\nref: {REF}")
add("form", "Name: {FULL}\nDriver's license: {DL}\nAddress: {STREET}\n{SEC}\n{PCITY}\nPhone: {PHONE}", "en_US")
add("form", "Surname: {LAST}\nFirst name: {FIRST}\nMobile: {PHONE}\nE-mail: {EMAIL}")
# US driver licence
add("chat", "I uploaded my driver's license ({DL}) for verification three days ago and it's still pending. {FULL}", "en_US")
add("chat", "hi my DL number is {DL} and my address is {STREET}\n{SEC}\n{PCITY}. can you verify me now?", "en_US")
add("chat", "Verification keeps failing. License no. {DL}, name {FULL|u}, DOB on file is correct.", "en_US")
# sign-offs / names alone on a line
add("signoff", "Thanks for sorting the refund so quickly!\n\n{FIRST}")
add("signoff", "Card still not working after the PIN reset.\n\n--\n{FULL}\n{PHONE}")
add("signoff", "ok that worked, cheers,{FIRST}")
add("signoff", "{FULL}\n\nPlease call me back, it's urgent.")
add("signoff", "The transfer from {DATE} is still missing.\nRegards\n{LAST}")
add("signoff", "please send statements to\n{STREET}\n{PCITY}\nthank you\n{FIRST|l}")
add("signoff", "Hello, {FIRST} here again. Any news on {REF}?\nThx\n{FIRST}")

# native-language templates
NATIVE = {
    "de_DE": ["Hallo, hier ist {FULL}. Meine Karte {CARD} wurde gesperrt. Bitte rufen Sie mich unter {PHONE} zurück.",
              "Sehr geehrte Damen und Herren,\n\nbitte überweisen Sie die Erstattung auf mein Konto {IBAN}.\n\nMit freundlichen Grüßen\n{FULL}\n{ADDR}"],
    "fr_FR": ["Bonjour, je suis {FULL}, ma carte {CARD} a été débitée deux fois. Mon numéro : {PHONE}.",
              "Madame, Monsieur,\n\nVeuillez effectuer le remboursement sur mon compte {IBAN}.\n\nCordialement,\n{FULL}\n{ADDR}"],
    "es_ES": ["Hola, soy {FULL}. No reconozco un cargo de {AMTN} en mi tarjeta {CARD}. Mi teléfono es {PHONE}.",
              "Estimados señores:\n\nLes ruego que envíen la nueva tarjeta a esta dirección:\n{ADDR}\n\nAtentamente,\n{FULL}"],
    "it_IT": ["Buongiorno, sono {FULL}. Vorrei bloccare la carta {CARD}. Potete chiamarmi al {PHONE}?",
              "Gentili signori,\n\nvi chiedo di chiudere il conto e di trasferire il saldo su {IBAN}.\n\nCordiali saluti\n{FULL}\n{ADDR}"],
    "nl_NL": ["Hoi, met {FULL}. Mijn pas {CARD} is gestolen. Bel me terug op {PHONE} aub.",
              "Geachte heer/mevrouw,\n\nMijn nieuwe adres is:\n{ADDR}\n\nMet vriendelijke groet,\n{FULL}"],
    "pl_PL": ["Dzień dobry, nazywam się {FULL}. Proszę o zwrot na konto {IBAN}. Mój e-mail: {EMAIL}.",
              "Szanowni Państwo,\n\nproszę o zablokowanie karty {CARD}.\n\nZ poważaniem\n{FULL}\n{ADDR}"],
    "fi_FI": ["Hei, olen {FULL}. Korttini {CARD} on kadonnut. Puhelinnumeroni on {PHONE}.",
              "Hyvä vastaanottaja,\n\nuusi osoitteeni on:\n{ADDR}\n\nYstävällisin terveisin\n{FULL}"],
    "hu_HU": ["Jó napot, {FULL} vagyok. A kártyám ({CARD}) elveszett. Telefonszámom: {PHONE}.",
              "Tisztelt Ügyfélszolgálat!\n\nKérem, a visszatérítést a {IBAN} számlára utalják.\n\nTisztelettel:\n{FULL}\n{ADDR}"],
    "pt_BR": ["Olá, meu nome é {FULL}. Meu cartão {CARD} foi clonado. Meu telefone: {PHONE}.",
              "Prezados,\n\nsolicito o envio do novo cartão para o endereço abaixo:\n{ADDR}\n\nAtenciosamente,\n{FULL}"],
    "sv_SE": ["Hej, jag heter {FULL}. Mitt kort {CARD} har spärrats. Ring mig på {PHONE}.",
              "Hej,\n\njag har flyttat. Min nya adress är:\n{ADDR}\n\nMed vänliga hälsningar\n{FULL}"],
    "cs_CZ": ["Dobrý den, jmenuji se {FULL}. Moje karta {CARD} byla zablokována. Telefon: {PHONE}.",
              "Vážení,\n\nprosím o vrácení peněz na účet {IBAN}.\n\nS pozdravem\n{FULL}\n{ADDR}"],
    "tr_TR": ["Merhaba, ben {FULL}. Kartım {CARD} çalındı. Telefonum: {PHONE}.",
              "Sayın Yetkili,\n\nyeni adresim:\n{ADDR}\n\nSaygılarımla,\n{FULL}"],
    "ro_RO": ["Bună ziua, sunt {FULL}. Cardul meu {CARD} a fost blocat. Telefon: {PHONE}.",
              "Stimate domn/Stimată doamnă,\n\nvă rog să transferați suma pe contul {IBAN}.\n\nCu stimă,\n{FULL}\n{ADDR}"],
    "da_DK": ["Hej, jeg hedder {FULL}. Mit kort {CARD} er blevet spærret. Ring på {PHONE}.",
              "Kære kundeservice,\n\nmin nye adresse er:\n{ADDR}\n\nMed venlig hilsen\n{FULL}"],
}
for loc, tpls in NATIVE.items():
    add("native_chat", tpls[0], loc)
    add("native_letter", tpls[1], loc)

# hard cases: a name that is also an ordinary word, with the same word used as a word nearby
HARD = [
    ("Price", "last", "The price in the app was different from the price I paid."),
    ("Banks", "last", "I have moved money between banks before without any problem."),
    ("Cash", "last", "I tried to get cash out but the machine kept my card."),
    ("Bill", "first", "My phone bill was paid twice this month."),
    ("Young", "last", "Can I open an account for a young person?"),
    ("Green", "last", "The green tick never appeared after the transfer."),
    ("Hope", "first", "I hope someone can help me with this."),
    ("May", "first", "May I ask why my card was declined?"),
    ("Will", "first", "Will my new card arrive before the weekend?"),
    ("Mark", "first", "Please mark the payment as fraud."),
    ("Grace", "first", "Is there a grace period for the overdraft fee?"),
    ("Penny", "first", "I want every penny of that refund back."),
    ("Chase", "first", "Can you chase the missing transfer for me?"),
    ("Frank", "first", "To be frank, I'm not happy with the service."),
    ("Rose", "last", "The fee rose without any notice."),
    ("Best", "last", "What is the best way to send money abroad?"),
    ("Little", "last", "I'm a little confused about the exchange rate."),
    ("Short", "last", "My balance is short by about ten euros."),
    ("Money", "last", "The money still hasn't arrived."),
    ("Fee", "last", "Why was I charged a fee for this?"),
    ("Sterling", "last", "Can I hold sterling in my account?"),
    ("Block", "last", "Please block my card right away."),
    ("Lock", "last", "How do I lock my card in the app?"),
    ("Swift", "last", "Thanks for the swift reply."),
    ("Page", "last", "The page keeps loading forever."),
    ("Post", "last", "Did you send the card by post?"),
    ("Summer", "first", "I'm travelling this summer, will my card work?"),
    ("June", "first", "My card expires in June."),
    ("April", "first", "I was charged twice in April."),
    ("Major", "last", "This is a major problem for me."),
    ("Cross", "last", "Is there a fee for cross-border payments?"),
    ("Day", "last", "I have been waiting a whole day for the transfer."),
    ("Street", "last", "I lost my card on the street yesterday."),
    ("Kiss", "last", "My card was declined at the till."),
    ("Rich", "first", "Do I need to be rich to get the metal card?"),
    ("Wise", "last", "Would it be wise to freeze the card now?"),
    ("Bell", "last", "The bell icon in the app shows a payment I don't know."),
    ("Church", "last", "I want to donate to a church by standing order."),
]
HARD_FORMS = [
    "{S} Thanks, {NAME}",
    "Hi, {NAME} here. {S}",
    "{S}\n\n{NAME}",
    "{S} Regards,{NAME}",
    "hello its {NAME|l}. {S|l}",
    "{S}\nCheers\n{NAME}",
    "Good morning, this is {NAME}. {S}",
]


# --------------------------------------------------------------------------------------
# rendering with offsets
# --------------------------------------------------------------------------------------
PH = re.compile(r"\{([A-Z]+?)(\d?)(?:\|([ul]))?\}")
PERSON_KEYS = {"REV", "FULL", "FIRST", "LAST", "EMAIL", "EMAILALT", "TITLE", "CHILD", "PRON", "PARENT", "POSS"}
ADDR_KEYS = {"ADDR", "ADDRLINE", "STREET", "PCITY", "SEC"}


class Ctx:
    def __init__(self, loc):
        self.loc = loc
        self.cache = {}

    def get(self, kind, idx):
        key = (kind, idx)
        if key not in self.cache:
            self.cache[key] = {
                "person": lambda: Person(self.loc),
                "addr": lambda: Address(self.loc),
                "PHONE": lambda: make_phone(self.loc),
                "CARD": make_card,
                "IBAN": lambda: make_iban(self.loc),
                "IP": lambda: make_ip(False),
                "IPV": lambda: make_ip(True),
                "DL": make_dl,
            }[kind]()
        return self.cache[key]


def expand(key, idx, ctx):
    """Return list of (text, type|None) fragments for one placeholder."""
    if key in PERSON_KEYS:
        p = ctx.get("person", idx)
        return {
            "FULL": [(p.full, "PERSON")], "FIRST": [(p.first, "PERSON")],
            "LAST": [(p.last, "PERSON")], "REV": [(f"{p.last} {p.first}", "PERSON")], "EMAIL": [(p.email, "EMAIL_ADDRESS")],
            "EMAILALT": [(p.email_alt, "EMAIL_ADDRESS")], "TITLE": [(p.title, None)],
            "CHILD": [("daughter" if p.female else "son", None)],
            "PRON": [("she" if p.female else "he", None)],
            "PARENT": [("mother" if p.female else "father", None)],
            "POSS": [("her" if p.female else "his", None)],
        }[key]
    if key in ADDR_KEYS:
        a = ctx.get("addr", idx)
        if key == "ADDR":
            frags = []
            for ln in a.street_lines:
                frags += [(ln, "STREET_ADDRESS"), ("\n", None)]
            if a.secondary:
                frags += [(a.secondary, "STREET_ADDRESS"), ("\n", None)]
            return frags + [(a.pcity, "POSTCODE_CITY")]
        if key == "ADDRLINE":
            return [(a.one_line_street(), "STREET_ADDRESS"), (", ", None), (a.pcity, "POSTCODE_CITY")]
        if key == "STREET":
            return [(", ".join(a.street_lines), "STREET_ADDRESS")]
        if key == "SEC":
            if a.secondary is None:
                a.secondary = FAKERS["en_US"].secondary_address()
            return [(a.secondary, "STREET_ADDRESS")]
        return [(a.pcity, "POSTCODE_CITY")]
    typ = {"PHONE": "PHONE_NUMBER", "CARD": "CREDIT_CARD", "IBAN": "IBAN_CODE",
           "IP": "IP_ADDRESS", "IPV": "IP_ADDRESS", "DL": "US_DRIVER_LICENSE"}
    if key in typ:
        return [(ctx.get(key, idx), typ[key])]
    filler = {
        "AMT": lambda: fmt_amount(ctx.loc, True), "AMTN": lambda: fmt_amount(ctx.loc, False),
        "DATE": fmt_date, "REF": fmt_ref, "TIME": fmt_time, "DAY": lambda: rng.choice(WEEKDAYS),
        "MONTH": lambda: rng.choice(MONTHS), "MERCH": lambda: rng.choice(MERCHANTS),
    }
    return [(filler[key](), None)]


def render(template, ctx, case=None, extra=None):
    frags = []
    pos = 0
    for m in PH.finditer(template):
        frags.append((template[pos:m.start()], None, None))
        key, idx, mod = m.group(1), int(m.group(2) or 1), m.group(3)
        if extra and key in extra:
            parts = extra[key]
        else:
            parts = expand(key, idx, ctx)
        for txt, typ in parts:
            frags.append((txt, typ, mod))
        pos = m.end()
    frags.append((template[pos:], None, None))
    text, spans = [], []
    off = 0
    for txt, typ, mod in frags:
        mod = mod or case
        if mod == "u":
            txt = txt.upper()
        elif mod == "l":
            txt = txt.lower()
        if typ and txt:
            spans.append({"start": off, "end": off + len(txt), "type": typ, "value": txt})
        text.append(txt)
        off += len(txt)
    return "".join(text), spans


def hard_item(loc):
    word, slot, sentence = rng.choice(HARD)
    loc = rng.choice(["en_US", "en_GB", "en_IN", "en_GB"])
    f = FAKERS[loc]
    if word == "Kiss":
        loc = "hu_HU"
        f = FAKERS[loc]
    if slot == "first":
        last = f.last_name()
        name = rng.choice([f"{word} {last}", word, word])
    else:
        first = f.first_name()
        name = rng.choice([f"{first} {word}", f"{first} {word}", f"{rng.choice(['Mr', 'Ms', 'Mrs'])}. {word}"])
    form = rng.choice(HARD_FORMS)
    # title stays outside the span
    title = ""
    if re.match(r"M(r|s|rs)\. ", name):
        title, name = name.split(" ", 1)
        title += " "
    extra = {"NAME": [(title, None), (name, "PERSON")], "S": [(sentence, None)]}
    text, spans = render(form, Ctx(loc), extra=extra)
    return text, spans, loc


def validate(text, spans):
    last_end = -1
    for s in spans:
        assert text[s["start"]:s["end"]] == s["value"], (text, s)
        assert s["start"] >= last_end, ("overlap", text, spans)
        assert s["value"] == s["value"].strip() and s["value"], (text, s)
        last_end = s["end"]


def main():
    weights = [LOCALE_WEIGHTS.get(l, 1.0) for l in LOCALES]
    rows, seen = [], set()
    while len(rows) < N_POSITIVE:
        loc = rng.choices(LOCALES, weights)[0]
        r = rng.random()
        if r < 0.08:
            text, spans, loc2 = hard_item(loc)
            style = "hard"
            loc = loc2
        else:
            native = [t for t in T if t[1] == loc and t[0].startswith("native")]
            if native and r < 0.25:
                style, _, tpl = rng.choice(native)
            else:
                pool = [t for t in T if t[1] in (None, loc) and not t[0].startswith("native")]
                if loc == "en_US" and rng.random() < 0.25:  # driver's licence templates more often
                    pool = [t for t in pool if "{DL}" in t[2]]
                style, _, tpl = rng.choice(pool)
            case = None
            if style == "chat" and rng.random() < 0.2:
                case = rng.choice(["l", "l", "u"])
                style = "chat_lowercase" if case == "l" else "chat_uppercase"
            text, spans = render(tpl, Ctx(loc), case=case)
        if text in seen:
            continue
        seen.add(text)
        validate(text, spans)
        rows.append({"text": text, "locale": loc, "style": style, "spans": spans})
    with open(OUT / "pii_multilocale.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    negs = make_negatives()
    with open(OUT / "pii_negatives.jsonl", "w", encoding="utf-8") as fh:
        for t in negs:
            fh.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} positives, {len(negs)} negatives")


# --------------------------------------------------------------------------------------
# negatives: no personal data, but plenty of look-alikes
# --------------------------------------------------------------------------------------
PRODUCTS = ["Apple Pay", "Google Pay", "the Premium plan", "the Metal card", "a virtual card",
            "Visa", "Mastercard", "the savings pot", "contactless", "the mobile app"]
CURRENCY_GROUPS = [["euro", "euros", "EUR"], ["US dollars", "USD", "dollars"], ["pounds", "GBP", "sterling"],
                   ["Swiss francs"], ["Polish zloty"], ["forint"], ["Czech koruna"], ["Danish krone"],
                   ["Swedish kronor"], ["Turkish lira"]]
COUNTRIES = ["the UK", "Spain", "Germany", "the US", "Hungary", "Poland", "France", "Italy",
             "the Netherlands", "Finland", "Brazil", "Sweden", "the Czech Republic", "Turkey",
             "Romania", "Denmark", "India", "the EU"]
PCTS = ["0.5%", "1%", "2.5%", "3 %", "0.25%", "1.75%", "10%"]
NEG_TEMPLATES = [
    "Why was I charged {AMT} on {DATE}? The reference is {REF}.",
    "I paid with {PROD} at {TIME} but the payment shows as pending.",
    "What is the exchange rate from {CUR} to {CUR2} today?",
    "Is there a {PCT} fee for card payments in {COUNTRY}?",
    "My PIN doesn't work since {DAY}. Can I reset my PIN in the app?",
    "Will the transfer of {AMT} arrive before {DAY}?",
    "May I top up {AMT} with {PROD}?",
    "The refund for order {REF} still hasn't arrived, it has been {N} days.",
    "I want to cancel the standing order that goes out on the {DAYN}th of every month.",
    "How long does a SEPA transfer take? I sent {AMT} on {DAY} at {TIME}.",
    "Can I use {PROD} in {COUNTRY}?",
    "I'm going to {COUNTRY} in {MONTH}, do I need to tell you?",
    "My card was declined at {MERCH} for {AMT}. Reference {REF}.",
    "Hi, the app crashed at {TIME} and now my balance shows {AMT}.",
    "Why is the interest rate {PCT} and not {PCT2} like last {MONTH}?",
    "I was charged twice by {MERCH}: {AMT} and {AMT} on {DATE}.",
    "Can I change my PIN at any ATM in {COUNTRY}?",
    "How much is the fee for withdrawing {AMT} in {CUR}?",
    "What is the daily limit for contactless payments? I tried to pay {AMT}.",
    "hi, my top up of {AMT} failed twice, error code {REF}",
    "The card payment from {DATE} is still pending, can you check {REF}?",
    "Is {PROD} free to use or is there a monthly fee?",
    "Please cancel the direct debit to {MERCH} from {MONTH} onwards.",
    "Thanks for the quick help on {DAY}!",
    "Hello, how do I freeze my card? I think I left it in a taxi around {TIME}.",
    "Can I hold {CUR} and {CUR2} in the same account?",
    "Will I be charged {PCT} if I exchange money at the weekend?",
    "I entered my PIN wrong 3 times and now it's blocked.",
    "When will the {MONTH} statement be available?",
    "The ATM gave me {AMT} less than I asked for. Transaction {REF}, {DATE} at {TIME}.",
    "Do you support {PROD} on Android?",
    "Is it safe to use my card in {COUNTRY}? I am travelling on {DAY}.",
    "My salary of {AMT} was due on {DATE} but nothing has come in.",
    "How do I get a new card? Mine expires in {MONTH}.",
    "Good morning, can I order a physical card? The virtual one works with {PROD}.",
    "Why does the app say my identity check failed? Case {REF}.",
    "I would like to close my savings account by the end of {MONTH}.",
    "Can I send money to {COUNTRY} in {CUR}?",
    "There's a {AMT} charge labelled {REF} that I don't understand.",
    "OK thanks, that solved it.",
    "My cashback of {PCT} for {MONTH} hasn't been paid.",
    "Can I get a refund in {CUR} instead of {CUR2}?",
    "Where can I find my card's CVV in the app? Asking before {TIME} today.",
    "April's statement shows a fee of {AMT}; was that the {PCT} FX charge?",
    "Summer holiday coming up — what are the fees in {COUNTRY}?",
    "Will Apple Pay work if my card is frozen?",
    "URGENT: card swallowed by the ATM on {DAY} at {TIME}",
    "my pin isnt working and its {DAY} so the branch is closed",
]


def make_negatives():
    out, seen = [], set()
    i = 0
    while len(out) < N_NEGATIVE:
        tpl = NEG_TEMPLATES[i % len(NEG_TEMPLATES)]
        i += 1
        loc = rng.choice(LOCALES)
        cur_pair = rng.sample(CURRENCY_GROUPS, 2)

        def sub(m):
            k = m.group(1)
            return {
                "AMT": lambda: fmt_amount(loc, True), "DATE": fmt_date, "REF": fmt_ref,
                "TIME": fmt_time, "DAY": lambda: rng.choice(WEEKDAYS),
                "MONTH": lambda: rng.choice(MONTHS), "MERCH": lambda: rng.choice(MERCHANTS),
                "PROD": lambda: rng.choice(PRODUCTS), "CUR": lambda: rng.choice(cur_pair[0]),
                "CUR2": lambda: rng.choice(cur_pair[1]), "COUNTRY": lambda: rng.choice(COUNTRIES),
                "PCT": lambda: rng.choice(PCTS), "PCT2": lambda: rng.choice(PCTS),
                "N": lambda: str(rng.randint(2, 30)), "DAYN": lambda: str(rng.randint(4, 20)),
            }[k]()
        t = re.sub(r"\{([A-Z0-9]+)\}", sub, tpl)
        if t in seen and i < 20 * N_NEGATIVE:
            continue
        seen.add(t)
        out.append(t)
    return out


if __name__ == "__main__":
    main()
