"""Realistic stand-ins for detected PII: the same original gets the same fake for one scrubber.

Each fake is a function of (run seed, entity type, original) only: it does not depend on the order
values are met nor on which other values a scrubber saw, so batches scrubbed on different workers
give the text one scrubber gives, and a re-run with the same seed gives the same text. (Two
originals may, rarely, share a fake; that loses nothing private.) Where the shape
carries meaning (separators of a card or phone number, the country of an IBAN) the fake keeps it,
and card numbers and IBANs get valid check digits so downstream validators treat them as real.
The mapping lives in memory only; nothing here logs or returns an original value.
"""

from __future__ import annotations

import hashlib
import random

from faker import Faker

from validators.pii.recognizers import iban_remainder, luhn_ok

_MAX_TRIES = 8


def _seed_for(seed: int, entity: str, original: str, attempt: int) -> int:
    key = f"{seed}\x1f{entity}\x1f{original}\x1f{attempt}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def _fill_digits(shape: str, digits: str) -> str:
    """Put `digits` into the digit positions of `shape`, keeping every other character."""
    feed = iter(digits)
    return "".join(next(feed, "0") if ch.isdigit() else ch for ch in shape)


def _reshape(original: str, rng: random.Random, keep_letters: bool) -> str:
    """Random digits (and letters unless kept) in the positions of the original's."""
    out = []
    for ch in original:
        if ch.isdigit():
            out.append(str(rng.randrange(10)))
        elif ch.isalpha() and ch.isascii() and not keep_letters:
            letter = chr(ord("a") + rng.randrange(26))
            out.append(letter.upper() if ch.isupper() else letter)
        else:
            out.append(ch)
    return "".join(out)


def _fake_card(original: str, rng: random.Random) -> str:
    digits = [ch for ch in original if ch.isdigit()]
    body = digits[0] + "".join(str(rng.randrange(10)) for _ in digits[1:-1])
    check = next(d for d in "0123456789" if luhn_ok(body + d))
    return _fill_digits(original, body + check)


def _fake_iban(original: str, rng: random.Random) -> str:
    compact = "".join(ch for ch in original if ch.isalnum()).upper()
    country, bban = compact[:2], _reshape(compact[4:], rng, keep_letters=False).upper()
    check = 98 - iban_remainder(f"{country}00{bban}")
    fake = f"{country}{check:02d}{bban}"
    if " " not in original:
        return fake
    return " ".join(fake[i : i + 4] for i in range(0, len(fake), 4))


def _fake_phone(original: str, rng: random.Random) -> str:
    """Keep a leading '+country' or '00' prefix, the separators and the length; new digits."""
    keep = 0
    if original.startswith("+"):
        run = len(original[1:]) - len(original[1:].lstrip("0123456789"))
        keep = 1 + (run if run <= 3 else 2)  # a country code, unless the digits run on
    elif original.startswith("00"):
        keep = 2
    head, tail = original[:keep], original[keep:]
    fake_tail = list(_reshape(tail, rng, keep_letters=True))
    first = next((i for i, ch in enumerate(tail) if ch.isdigit()), None)
    if first is not None and not head:  # a trunk '0' stays; no number starts with 1
        fake_tail[first] = "0" if tail[first] == "0" else str(rng.randrange(2, 10))
    return head + "".join(fake_tail)


def _fake_person(original: str, faker: Faker) -> str:
    words = [w for w in original.split() if w[:1].isalpha() and not w.endswith(".")]
    if len(words) <= 1:
        return faker.first_name()
    return f"{faker.first_name()} {faker.last_name()}"


class FakeMaker:
    """Turns (entity type, original) into a fake, remembering each answer for the run."""

    def __init__(self, seed: int, templates: dict[str, str] | None = None) -> None:
        self.seed = seed
        self.templates = dict(templates or {})
        self._faker = Faker("en_US")
        self._memo: dict[tuple[str, str], str] = {}

    def __len__(self) -> int:
        return len(self._memo)

    def fake(self, entity: str, original: str) -> str:
        """The fake for `original`; the same pair always gets the same answer."""
        key = (entity, original)
        found = self._memo.get(key)
        if found is not None:
            return found
        value = original
        for attempt in range(_MAX_TRIES):
            seed = _seed_for(self.seed, entity, original, attempt)
            self._faker.seed_instance(seed)
            value = self._draw(entity, original, random.Random(seed))
            if value != original:
                break
        if value == original:  # never hand the original back
            value = f"<{entity}>"
        self._memo[key] = value
        return value

    def _draw(self, entity: str, original: str, rng: random.Random) -> str:
        faker = self._faker
        template = self.templates.get(entity)
        if template is not None:
            return faker.bothify(template)
        if entity == "PERSON":
            return _fake_person(original, faker)
        if entity == "EMAIL_ADDRESS":
            return faker.safe_email()
        if entity == "PHONE_NUMBER":
            return _fake_phone(original, rng)
        if entity == "CREDIT_CARD" and sum(ch.isdigit() for ch in original) >= 12:
            return _fake_card(original, rng)
        if entity == "IBAN_CODE" and original[:2].isalpha():
            return _fake_iban(original, rng)
        if entity == "US_SSN":
            return _fill_digits(original, faker.ssn().replace("-", ""))
        if entity == "IP_ADDRESS":
            return faker.ipv6() if ":" in original else faker.ipv4_public()
        if entity == "STREET_ADDRESS":
            return faker.street_address()
        if entity == "POSTCODE_CITY":
            return f"{faker.postcode()} {faker.city()}"
        if entity == "LOCATION":
            return faker.city()
        if entity == "URL":
            return faker.url()
        if entity == "DATE_TIME":
            return faker.date()
        has_digits = any(ch.isdigit() for ch in original)
        return _reshape(original, rng, keep_letters=has_digits)
