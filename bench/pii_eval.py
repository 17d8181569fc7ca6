"""PII scrub benchmark: leak rate per entity type and throughput, ours next to presidio's default.

Builds a labelled set in memory: Faker values (several locales) planted in varied templates and in
banking77 messages, plus untouched banking77 messages to see how much clean text each engine
alters. A value *leaks* when the gold string is still in the output; for names and addresses a
stricter *token leak* also counts any identifying word of the value left behind. The default is
presidio's `BatchAnalyzerEngine` + `AnonymizerEngine` as shipped (all entities, threshold 0) on
the same spaCy model; both run in this process on the same texts and the best of `--repeats`
timings is kept, since other work may share the CPUs. HELD_OUT templates were written after the
recognizers were tuned on TEMPLATES; the one change made after seeing them fixed a presidio IBAN
bug they exposed (an unspaced IBAN followed by a word was missed), not their phrasing.

    .venv/bin/python bench/pii_eval.py [--per-type 250] [--clean 400] [--seed 7] [--json R.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# presidio's stock e-mail recognizer uses tldextract's module-level extractor, which fetches the
# suffix list over HTTP; no URLs makes it read the bundled snapshot (the only change made to it).
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from faker import Faker  # noqa: E402

BANKING77 = ROOT / "examples" / "banking77" / "banking77_train_full.csv"
STRUCTURED = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS")
SOFT = ("PERSON", "STREET_ADDRESS")
AIMS = {**{t: 0.02 for t in STRUCTURED}, **{t: 0.10 for t in SOFT}}


def _split(joined: str) -> tuple[str, ...]:
    return tuple(joined.split(" | "))


# Written before any recognizer was tuned; {msg} is a banking77 message, {v} the planted value.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "EMAIL_ADDRESS": _split(
        "{msg} You can reach me at {v}. | My email is {v}, {msg_lc} | Please send the "
        "statement to {v} asap | {msg} ({v}) | Email: {v} | I changed my e-mail to {v} but "
        "still get nothing. {msg} | contact {v} regarding this | {msg} -- sent from {v}"
    ),
    "PHONE_NUMBER": _split(
        "{msg} Call me on {v}. | My phone number is {v} | {msg} My mobile: {v} | please text "
        "{v} when the card is ready | {v} is my new number, {msg_lc} | {msg} ({v}) | Reach me "
        "at {v} after 5pm. | I updated my contact number to {v} yesterday. {msg}"
    ),
    "CREDIT_CARD": _split(
        "{msg} My card number is {v}. | card {v} was declined | I was charged twice on {v}. "
        "{msg} | {msg} The number on the front is {v} | Visa {v} expired last month | {v} - "
        "{msg_lc} | Can you block {v}? {msg} | {msg} cc: {v}"
    ),
    "IBAN_CODE": _split(
        "{msg} My IBAN is {v}. | Please transfer to {v} | {msg} Beneficiary account: {v} | I "
        "sent money to {v} and it has not arrived. {msg} | {v} is the account I want to top "
        "up from | {msg} (IBAN {v})"
    ),
    "US_SSN": _split(
        "{msg} My SSN is {v}. | social security number {v} | {msg} For verification: {v} | "
        "Here is my social: {v}. {msg} | {v} is my social security number | {msg} ssn {v}"
    ),
    "IP_ADDRESS": _split(
        "{msg} I logged in from {v}. | The app shows IP {v} which is not mine | {msg} Login "
        "attempt from {v} was blocked. | Someone at {v} accessed my account. {msg} | {msg} "
        "(ip: {v})"
    ),
    "PERSON": _split(
        "Hi, my name is {v}. {msg} | {msg} Thanks, {v} | This is {v}, {msg_lc} | {msg} - {v} "
        "| I sent money to {v} but {msg_lc} | {v} here. {msg} | Dear support, {msg} Regards, "
        "{v} | My husband {v} has the same problem. {msg} | Can {v} use my card? {msg} | "
        "{msg} The account holder is {v}. | {v} told me to contact you. {msg} | Please add "
        "{v} as a payee."
    ),
    "STREET_ADDRESS": _split(
        "{msg} My new address is {v}. | I moved to {v} last month. {msg} | Please send the "
        "card to {v} | {msg} I live at {v}, {city}. | {v} is where the card should arrive | "
        "{msg} Delivery address: {v} | Ship it to {v}, {city}, {state} {zip} | {msg} I am at "
        "{v} now."
    ),
}

# Written after tuning and never tuned on: how the recognizers do on phrasing they have not seen.
HELD_OUT: dict[str, tuple[str, ...]] = {
    "EMAIL_ADDRESS": _split(
        "{msg} pls reply to {v} not my old address | Send the receipt over to {v} thanks | i "
        "cant log in with {v}, {msg_lc} | {msg} email - {v} | Is {v} still the address on "
        "file? {msg}"
    ),
    "PHONE_NUMBER": _split(
        "{msg} my number changed, its {v} now | you can ring {v} anytime | {msg} tel {v} | "
        "whatsapp me at {v} | The SMS code never arrives on {v}. {msg}"
    ),
    "CREDIT_CARD": _split(
        "my debit card {v} got swallowed by the atm | Refund to {v} please | {msg} [{v}] | a "
        "charge on {v} i dont recognise | {msg} Full card no: {v}"
    ),
    "IBAN_CODE": _split(
        "my account {v} shows a wrong balance | {msg} iban: {v} | Wire from {v} missing. "
        "{msg} | Can I receive money to {v}? | {msg} Send it to {v} please"
    ),
    "US_SSN": _split(
        "{msg} social security no. {v} | my ssn: {v} - is that needed for verification? | SSN "
        "{v}. {msg} | {msg} Tax ID (SSN) {v}"
    ),
    "IP_ADDRESS": _split(
        "{msg} the login came from ip address {v} | Blocked access from {v}? {msg} | my "
        "router ip is {v} | {msg} device {v}"
    ),
    "PERSON": _split(
        "{msg} Kind regards, {v} | Hello, {v} speaking. {msg} | {msg} Cheers {v} | my wife "
        "{v} cannot log in | I want to send 50 pounds to {v}. {msg} | Is {v} allowed to use "
        "my account? {msg} | {v}: {msg} | From {v} - {msg}"
    ),
    "STREET_ADDRESS": _split(
        "{msg} I'm now living at {v}. | Post the card to {v} please | {msg} my address "
        "changed to {v} | Card should go to {v}, {city} {zip} | {v}, {city} is my billing "
        "address"
    ),
}
MULTI = (
    "Hi, I'm {PERSON}. My card {CREDIT_CARD} was charged twice, call me on {PHONE_NUMBER}.",
    "{msg} Contact: {PERSON}, {EMAIL_ADDRESS}, {STREET_ADDRESS}.",
    "Please refund to {IBAN_CODE} (holder {PERSON}). {msg}",
    "{msg} My SSN is {US_SSN} and I logged in from {IP_ADDRESS}.",
)
_SSN_CONTEXT = re.compile(r"ssn|social", re.I)
_WORD = re.compile(r"[\w'’.-]+")
_UNIT = {"apt", "apt.", "suite", "unit", "flat", "studio", "mr.", "mrs.", "ms.", "dr.", "prof."}


class Values:
    """Fresh Faker values per entity type, from a fixed mix of locales."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fakers: dict[str, Faker] = {}
        for i, loc in enumerate(
            "en_US en_GB en_CA en_AU fr_FR de_DE es_ES it_IT nl_NL pt_BR en_IN pl_PL".split()
        ):
            self.fakers[loc] = Faker(loc)
            self.fakers[loc].seed_instance(seed * 100 + i)

    def _pick(self, weights: dict[str, float]) -> Faker:
        return self.fakers[self.rng.choices(list(weights), weights=list(weights.values()))[0]]

    def make(self, entity: str, template: str) -> str:
        rng, us = self.rng, self.fakers["en_US"]
        if entity == "EMAIL_ADDRESS":
            return self._pick({"en_US": 3, "en_GB": 1, "fr_FR": 1, "de_DE": 1}).email()
        if entity == "PHONE_NUMBER":
            mix = {"en_US": 4, "en_GB": 2, "en_CA": 1, "en_AU": 1, "fr_FR": 1, "de_DE": 1}
            return self._pick(mix).phone_number()
        if entity == "CREDIT_CARD":
            kind = rng.choice(
                "visa16 visa13 visa19 mastercard amex discover jcb15 jcb16 diners maestro".split()
            )
            digits = us.credit_card_number(kind)
            if rng.random() < 0.1:  # a typo: fails the Luhn check
                i = rng.randrange(1, len(digits) - 1)
                digits = digits[:i] + str((int(digits[i]) + 1) % 10) + digits[i + 1 :]
            sep = rng.choice(["", "", " ", "-"])
            groups = (4, 6, 5) if len(digits) == 15 else (4,) * 5
            parts, at = [], 0
            for g in groups:
                if at < len(digits):
                    parts.append(digits[at : at + g])
                    at += g
            return sep.join(parts) + digits[at:]
        if entity == "IBAN_CODE":
            iban = self._pick(
                dict.fromkeys("en_GB de_DE fr_FR es_ES it_IT nl_NL".split(), 1)
            ).iban()
            if rng.random() < 0.5:
                iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
            return iban
        if entity == "US_SSN":
            ssn = us.ssn()
            roll = rng.random()
            if roll < 0.15 and _SSN_CONTEXT.search(template):
                return ssn.replace("-", "")
            return ssn.replace("-", " ") if roll < 0.3 else ssn
        if entity == "IP_ADDRESS":
            roll = rng.random()
            return (
                us.ipv6() if roll < 0.2 else us.ipv4_private() if roll < 0.3 else us.ipv4_public()
            )
        if entity == "PERSON":
            mix = dict.fromkeys(
                "fr_FR de_DE es_ES it_IT nl_NL pt_BR en_IN pl_PL en_AU".split(), 0.5
            )
            fk = self._pick({"en_US": 4, "en_GB": 1.5, **mix})
            return fk.first_name() if rng.random() < 0.1 else fk.name()
        if entity == "STREET_ADDRESS":
            fk = self._pick({"en_US": 6, "en_GB": 2, "en_AU": 1, "en_CA": 1})
            return fk.street_address().replace("\n", ", ")
        raise ValueError(entity)


def build_set(per_type: int, clean: int, seed: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """(text, [(entity type, gold value), ...]) samples; clean ones have no gold.

    Entity types planted in a HELD_OUT template are suffixed '@held_out'.
    """
    with BANKING77.open(encoding="utf-8") as fh:
        messages = [row["text"].strip() for row in csv.DictReader(fh)]
    values = Values(seed)
    rng, us = values.rng, values.fakers["en_US"]

    def fill(template: str, entities: list[str], tag: str = "") -> tuple[str, list]:
        msg = rng.choice(messages)
        gold = [(e, values.make(e, template)) for e in entities]
        slots = {e: v for e, v in gold}
        text = template.format(
            msg=msg,
            msg_lc=msg[:1].lower() + msg[1:],
            city=us.city(),
            state=us.state_abbr(),
            zip=us.zipcode(),
            v=gold[0][1] if len(gold) == 1 else "",
            **slots,
        )
        return text, [(e + tag, v) for e, v in gold]

    samples = []
    for entity, templates in TEMPLATES.items():
        for i in range(per_type):
            template = templates[i % len(templates)]
            samples.append(fill(template, [entity]))
    for entity, templates in HELD_OUT.items():
        for i in range(per_type // 3):
            samples.append(fill(templates[i % len(templates)], [entity], "@held_out"))
    for i in range(per_type // 2):
        template = MULTI[i % len(MULTI)]
        samples.append(fill(template, re.findall(r"\{([A-Z_]+)\}", template)))
    samples += [(m, []) for m in rng.sample(messages, clean)]
    rng.shuffle(samples)
    return samples


def token_leak(value: str, text: str, output: str) -> bool:
    """Any identifying word of `value` (not a title/unit word, not elsewhere in the text) left."""
    skeleton = text.replace(value, " ")
    for word in _WORD.findall(value):
        word = word.strip(".'’-")
        if len(word) < 3 or word.lower() in _UNIT or word.lower().rstrip(".") in _GENERIC:
            continue
        if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", skeleton):
            continue
        if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", output):
            return True
    return False


def score(samples: list, outputs: list[str]) -> dict[str, dict[str, float]]:
    """Per entity type: n, leak rate, token leak rate; plus the share of clean texts changed."""
    n, leak, tok = Counter(), Counter(), Counter()
    clean = changed = 0
    for (text, gold), out in zip(samples, outputs, strict=True):
        if not gold:
            clean += 1
            changed += out != text
        for entity, value in gold:
            n[entity] += 1
            leak[entity] += value in out
            soft = entity.split("@")[0] in SOFT and token_leak(value, text, out)
            tok[entity] += value in out or soft
    table = {e: {"n": n[e], "leak": leak[e] / n[e], "token_leak": tok[e] / n[e]} for e in n}
    table["_clean"] = {"n": clean, "changed": changed / max(clean, 1)}
    return table


def timed(run: Callable[[list[str]], list[str]], texts: list[str]):
    """Outputs, wall seconds and CPU seconds of this process for one pass."""
    wall, cpu = time.perf_counter(), time.process_time()
    outputs = run(texts)
    return outputs, time.perf_counter() - wall, time.process_time() - cpu


def default_engine(model: str, batch_size: int) -> Callable[[list[str]], list[str]]:
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    conf = Path(NlpEngineProvider._get_full_conf_path())  # presidio's default.yaml
    import yaml

    nlp_conf = yaml.safe_load(conf.read_text())
    nlp_conf["models"] = [{"lang_code": "en", "model_name": model}]
    nlp_engine = NlpEngineProvider(nlp_configuration=nlp_conf).create_engine()
    batch = BatchAnalyzerEngine(AnalyzerEngine(nlp_engine=nlp_engine))
    anonymizer = AnonymizerEngine()

    def run(texts: list[str]) -> list[str]:
        found = batch.analyze_iterator(texts, language="en", batch_size=batch_size)
        return [anonymizer.anonymize(t, r).text for t, r in zip(texts, found, strict=True)]

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-type", type=int, default=250, help="planted texts per entity type")
    parser.add_argument("--clean", type=int, default=400, help="untouched banking77 messages")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=2, help="timed passes per engine")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    from validators.pii import PIIConfig, PIIScrubber, resolve_spacy_model

    samples = build_set(args.per_type, args.clean, args.seed)
    texts = [t for t, _ in samples]
    chars = sum(map(len, texts)) / len(texts)
    start = time.perf_counter()
    ours = PIIScrubber(PIIConfig(batch_size=args.batch_size))
    built_ours = time.perf_counter() - start
    start = time.perf_counter()
    default = default_engine(resolve_spacy_model("en_core_web_sm"), args.batch_size)
    built_default = time.perf_counter() - start
    engines = {"default": default, "ours": ours.scrub_texts}
    for run in engines.values():
        run(texts[:20])  # warm-up: lazy loads stay outside the timing
    walls: dict[str, float] = dict.fromkeys(engines, float("inf"))
    cpus, results = dict(walls), {}
    for _ in range(args.repeats):  # alternate, so a busy neighbour hits both alike
        for name, run in engines.items():
            outputs, wall, cpu = timed(run, texts)
            walls[name], cpus[name] = min(walls[name], wall), min(cpus[name], cpu)
            results[name] = score(samples, outputs)

    print(f"{len(texts)} texts, {chars:.0f} characters on average, batch size {args.batch_size}")
    print(
        f"{'entity':16} {'n':>5} {'ours leak':>10} {'default':>8} {'ours tok':>9} {'default':>8}"
        f" {'aim':>5}"
    )
    ok = True
    for entity in (*STRUCTURED, *SOFT):
        o, d = results["ours"][entity], results["default"][entity]
        met = o["leak"] <= AIMS[entity]
        ok &= met
        tok = f"{o['token_leak']:>9.1%} {d['token_leak']:>8.1%}" if entity in SOFT else " " * 18
        print(
            f"{entity:16} {o['n']:>5} {o['leak']:>10.1%} {d['leak']:>8.1%} {tok}"
            f" {AIMS[entity]:>5.0%}{'' if met else '  MISSED'}"
        )
    oc, dc = results["ours"]["_clean"], results["default"]["_clean"]
    print(
        f"clean banking77 texts altered: ours {oc['changed']:.1%}, default {dc['changed']:.1%}"
        f" (of {oc['n']})"
    )
    print("held-out phrasing (templates written after tuning, never tuned on):")
    for entity in (*STRUCTURED, *SOFT):
        o, d = results["ours"][entity + "@held_out"], results["default"][entity + "@held_out"]
        tok = f"{o['token_leak']:>9.1%} {d['token_leak']:>8.1%}" if entity in SOFT else ""
        print(f"{entity:16} {o['n']:>5} {o['leak']:>10.1%} {d['leak']:>8.1%} {tok}")
    speed = {k: len(texts) / v for k, v in walls.items()}
    cpu_speed = {k: len(texts) / v for k, v in cpus.items()}
    print(
        f"throughput (best of {args.repeats}, wall clock): ours {speed['ours']:.0f} texts/s, "
        f"default {speed['default']:.0f} texts/s, ratio {speed['ours'] / speed['default']:.2f}"
    )
    print(
        f"throughput (CPU time of this process): ours {cpu_speed['ours']:.0f} texts/s, "
        f"default {cpu_speed['default']:.0f} texts/s, "
        f"ratio {cpu_speed['ours'] / cpu_speed['default']:.2f}"
    )
    print(f"engine build: ours {built_ours:.1f} s, default {built_default:.1f} s")
    print("aims met" if ok and speed["ours"] >= speed["default"] else "some aims missed")
    if args.json:
        numbers = {"results": results, "texts_per_s": speed, "texts_per_cpu_s": cpu_speed}
        args.json.write_text(json.dumps(numbers, indent=2))
    return 0


_GENERIC = {
    w.lower()
    for w in "Street St Avenue Ave Road Rd Lane Ln Drive Dr Court Ct Way Place Pl Boulevard "
    "Blvd Trail Run Loop Square Terrace Circle Highway Crossing Point Port Ports Park View "
    "Herr Frau Mme Mlle Sr Jr MD PhD DDS DVM II III IV".split()
}

if __name__ == "__main__":
    raise SystemExit(main())
