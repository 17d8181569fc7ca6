"""PII scrub benchmark: leak per entity type on data from outside the project, ours vs presidio's.

A value *leaks* when its gold text is still in the output. Each source is scored on its own line,
for synthmill and for presidio's default (`AnalyzerEngine` + `AnonymizerEngine` as shipped, all
entities, on the same spaCy model), both built and run in this process on the same texts:

* outside: `bench/data/outside/pii_multilocale.jsonl`, 1,500 labelled texts written by a helper
  who never saw this code (17 locales; chats, letters, forms, lists, sign-offs, all-lower and
  all-upper case), and `pii_negatives.jsonl`, ordinary messages with no PII (share altered).
  The headline.
* presidio-evaluator: the public templates and the FakeNameGenerator sample (3,000 identities
  from some 30 countries) that ship in the `presidio-evaluator` wheel, filled here. Read from
  the installed package's files (`pip install --no-deps presidio-evaluator==0.3.2`) or a wheel
  given with `--evaluator`; skipped if neither is there. Cards, IBANs and IPs come from Faker
  (the CSV's card numbers were mangled by a spreadsheet).
* own templates (regression): Faker values from 23 locales in templates written next to the
  code (chats, lower and upper case, sign-offs, lists, letters, forms). Not evidence of how the
  scrubber does on other data: the recognizers were designed with these formats in mind.
* banking77: real customer queries (`/work/shared/data/banking77/train.csv`, 10k rows); the
  share a scrub alters, which should stay under 1%.

Structured values (e-mail, phone, card, IBAN, IP, SSN, licence) aim at <= 2% leaked; names and
addresses (person, street line, postcode and town) at <= 10%. Throughput is texts per second of
wall clock for each engine on each source and over all, one pass each, in the same run.

    .venv/bin/python bench/pii_eval.py [--evaluator WHEEL] [--banking77 N] [--json R.json]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import random
import re
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# presidio's stock e-mail recognizer uses tldextract's module-level extractor, which fetches the
# suffix list over HTTP; no URLs makes it read the bundled snapshot (the only change made to it).
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from faker import Faker  # noqa: E402

OUTSIDE = ROOT / "bench" / "data" / "outside"
BANKING77 = Path("/work/shared/data/banking77/train.csv")
BANKING77_FALLBACK = ROOT / "examples" / "banking77" / "banking77_train_full.csv"
STRUCTURED = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_SSN",
    "US_DRIVER_LICENSE",
)
SOFT = ("PERSON", "STREET_ADDRESS", "POSTCODE_CITY")
AIM = {"structured": 0.02, "names+addresses": 0.10}

Sample = tuple[str, list[tuple[str, str]]]  # (text, [(entity type, gold value), ...])


# -- sources ----------------------------------------------------------------------------------


def outside_set() -> tuple[list[Sample], list[str]]:
    """The helper's labelled set and its negatives; empty when the files are not there."""
    labelled, negatives = [], []
    path = OUTSIDE / "pii_multilocale.jsonl"
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                labelled.append((row["text"], [(s["type"], s["value"]) for s in row["spans"]]))
    path = OUTSIDE / "pii_negatives.jsonl"
    if path.is_file():
        negatives = [
            json.loads(line)["text"]
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    return labelled, negatives


def banking77_messages(limit: int) -> list[str]:
    path = BANKING77 if BANKING77.is_file() else BANKING77_FALLBACK
    with path.open(encoding="utf-8") as fh:
        return [row["text"] for row in csv.DictReader(fh)][:limit]


def _evaluator_files(where: Path | None) -> dict[str, str] | None:
    """templates.txt and the FakeNameGenerator CSV from presidio-evaluator, without importing it."""
    inner = "presidio_evaluator/data_generator/raw_data/"
    names = ("templates.txt", "FakeNameGenerator.com_3000.csv")
    if where is None:
        spec = importlib.util.find_spec("presidio_evaluator")
        if spec is None or not spec.submodule_search_locations:
            return None
        where = Path(next(iter(spec.submodule_search_locations))).parent
    if where.is_file():
        with zipfile.ZipFile(where) as wheel:
            return {n: wheel.read(inner + n).decode("utf-8-sig") for n in names}
    return {n: (where / inner / n).read_text(encoding="utf-8-sig") for n in names}


_US_STYLE = {"US", "CA", "AU"}


def evaluator_set(where: Path | None, n: int, seed: int) -> list[Sample] | None:
    """presidio-evaluator's templates filled from its FakeNameGenerator identities.

    '{{building_number}} {{street_name}}' becomes the identity's street line (gold
    STREET_ADDRESS); '{{address}}' the street line and its postcode and town (gold for both);
    names, first names and surnames are gold PERSON; phones, e-mails, cards, IBANs, IPs, SSNs
    and licence numbers gold too. Cities, countries, companies, dates and the like are filled
    but not gold (synthmill keeps them by policy).
    """
    files = _evaluator_files(where)
    if files is None:
        return None
    people = list(csv.DictReader(files["FakeNameGenerator.com_3000.csv"].splitlines()))
    templates = [
        t.replace("\\n", "\n")
        for t in files["templates.txt"].splitlines()
        if "{{" in t and t.strip()
    ]
    rng = random.Random(seed)
    fk = Faker("en_US")
    fk.seed_instance(seed)
    return [
        _fill_evaluator(templates[i % len(templates)], rng.choice(people), rng, fk)
        for i in range(n)
    ]


def _fill_evaluator(template: str, person: dict[str, str], rng: random.Random, fk: Faker) -> Sample:
    """One presidio-evaluator template filled from one identity, with its gold values."""
    street = person["StreetAddress"]
    if person["Country"] in _US_STYLE:
        place = f"{person['City']}, {person['State']} {person['ZipCode']}"
    else:
        place = f"{person['ZipCode']} {person['City']}"
    full = f"{person['GivenName']} {person['Surname']}"
    table: dict[str, tuple[str, str | None]] = {
        "street_line": (street, "STREET_ADDRESS"),
        "person": (full, "PERSON"),
        "name": (full, "PERSON"),
        "name_female": (full, "PERSON"),
        "name_male": (full, "PERSON"),
        "first_name": (person["GivenName"], "PERSON"),
        "first_name_male": (person["GivenName"], "PERSON"),
        "first_name_female": (person["GivenName"], "PERSON"),
        "first_name_nonbinary": (person["GivenName"], "PERSON"),
        "last_name": (person["Surname"], "PERSON"),
        "last_name_male": (person["Surname"], "PERSON"),
        "last_name_female": (person["Surname"], "PERSON"),
        "phone_number": (person["TelephoneNumber"], "PHONE_NUMBER"),
        "email": (person["EmailAddress"], "EMAIL_ADDRESS"),
        "city": (person["City"], None),
        "country": (person["CountryFull"], None),
        "postcode": (person["ZipCode"], None),
        "zipcode": (person["ZipCode"], None),
        "state_abbr": (person["State"], None),
        "street_name": (re.sub(r"\s*\d+\w*\s*", " ", street).strip(), None),
        "organization": (person["Company"], None),
        "job": (person["Occupation"], None),
        "age": (person["Age"], None),
        "url": (f"https://{person['Domain']}", None),
        "date_time": (person["Birthday"], None),
        "date_of_birth": (person["Birthday"], None),
        "prefix": (person["Title"], None),
        "prefix_male": (person["Title"], None),
        "prefix_female": (person["Title"], None),
        "nationality": ("French", None),
        "nation_woman": ("Italian", None),
        "nation_plural": ("Germans", None),
    }
    drawn = {  # drawn afresh at each use
        "secondary_address": lambda: (f"Apt. {rng.randint(1, 999)}", "STREET_ADDRESS"),
        "credit_card_number": lambda: (fk.credit_card_number(), "CREDIT_CARD"),
        "iban": lambda: (fk.iban(), "IBAN_CODE"),
        "ip_address": lambda: (fk.ipv4_public(), "IP_ADDRESS"),
        "ssn": lambda: (fk.ssn(), "US_SSN"),
        "us_driver_license": lambda: (fk.bothify("?#######").upper(), "US_DRIVER_LICENSE"),
        "building_number": lambda: (str(rng.randint(1, 200)), None),
        "year": lambda: (str(rng.randint(1950, 2024)), None),
        "day_of_week": lambda: (rng.choice(["Monday", "Friday", "Sunday"]), None),
    }
    gold: list[tuple[str, str]] = []

    def fill(match: re.Match) -> str:
        key = match.group(1)
        if key == "address":
            gold.extend([("STREET_ADDRESS", street), ("POSTCODE_CITY", place)])
            return f"{street}, {place}"
        value, kind = drawn[key]() if key in drawn else table.get(key, (key, None))
        if kind is not None:
            gold.append((kind, value))
        return value

    text = template.replace("{{building_number}} {{street_name}}", "{{street_line}}")
    return re.sub(r"\{\{(\w+)\}\}", fill, text), gold


# Own templates (regression): written next to the code; Faker fills them from these locales.
LOCALES = (
    "en_GB en_US en_IE en_AU en_IN de_DE de_AT fr_FR es_ES it_IT nl_NL pt_PT pt_BR pl_PL hu_HU "
    "cs_CZ sv_SE da_DK fi_FI no_NO ro_RO tr_TR hr_HR"
).split()
OWN_TEMPLATES: dict[str, tuple[str, ...]] = {
    "chat": (
        "Hi, I'm {name}. {msg}",
        "{msg} My name is {name} and you can call me on {phone}.",
        "Please send the new card to {street}, {place}. {msg}",
        "{msg} My mobile is {phone}, email {email}.",
        "I moved to {street}, {place} last week, please update it. {msg}",
        "{msg} The transfer to {name} ({iban}) never arrived.",
        "this is {name}, {msg}",
        "{msg} Card {card} was charged twice.",
    ),
    "signoff": (
        "{msg}\n\nThanks,\n{name}",
        "{msg}\nBest regards,\n{name}\n{phone}",
        "{msg} Cheers, {first}",
        "{msg}\n--\n{name}\n{street}\n{place}",
        "{msg}\n\nKind regards\n{name}",
        "{msg}\nThanks\n{first}",
        "{msg} - {first}",
        "{msg}\n\nSent from my phone\n{first} {last}",
        "{msg}\nRgds {name}",
        "{msg} Thank you, {name}.",
    ),
    "hard": (
        "{last} from your fraud team told me to write here. {msg}",
        "I tried sending money to {first}'s account but it bounced.",
        "My wife {first} cannot log in to the app. {msg}",
        "{first} and I share this account. {msg}",
        "The account is in the name of {name}, not mine.",
        "From: {name}\nTo: Support\nSubject: card\n\n{msg}",
        "{name} ({email}) is the beneficiary.",
        "Can {first} {last} use my card? {msg}",
    ),
    "list": (
        "Please add {last}, {last2} and {last3} as payees.",
        "Transfers to {name}, {name2} and {name3} all failed. {msg}",
        "The joint account holders are {name} and {name2}.",
    ),
    "letter": (
        "Dear Sir or Madam,\n\n{msg}\n\nYours faithfully,\n\n{name}\n{street}\n{place}",
        "{name}\n{street}\n{place}\n\nDear Support,\n{msg}\nRegards, {first}",
    ),
    "form": (
        "Name: {name}\nAddress: {street}\n{place}\nPhone: {phone}\nEmail: {email}",
        "Full name: {name}\nStreet: {street}\nPostcode and town: {place}\nIBAN: {iban}",
    ),
}


def own_set(n: int, seed: int, messages: list[str]) -> list[Sample]:
    """Own templates in every style, one in six lower-cased and one in ten upper-cased."""
    rng = random.Random(seed)
    fakers = {}
    for i, loc in enumerate(LOCALES):
        fakers[loc] = Faker(loc)
        fakers[loc].seed_instance(seed * 100 + i)
    styles = [(style, t) for style, ts in OWN_TEMPLATES.items() for t in ts]
    samples: list[Sample] = []
    for i in range(n):
        style, template = styles[i % len(styles)]
        fk = fakers[rng.choice(LOCALES)]
        street = fk.street_address().replace("\n", ", ")
        if fk.locales[0] in ("en_US", "en_AU"):
            place = f"{fk.city()}, {fk.state_abbr()} {fk.postcode()}"
        else:
            place = f"{fk.postcode()} {fk.city()}"
        values = {
            "name": (fk.name(), "PERSON"),
            "name2": (fk.name(), "PERSON"),
            "name3": (fk.name(), "PERSON"),
            "first": (fk.first_name(), "PERSON"),
            "last": (fk.last_name(), "PERSON"),
            "last2": (fk.last_name(), "PERSON"),
            "last3": (fk.last_name(), "PERSON"),
            "street": (street, "STREET_ADDRESS"),
            "place": (place, "POSTCODE_CITY"),
            "phone": (fk.phone_number(), "PHONE_NUMBER"),
            "email": (fk.email(), "EMAIL_ADDRESS"),
            "iban": (
                fakers["de_DE"].iban() if fk.locales[0] == "en_US" else fk.iban(),
                "IBAN_CODE",
            ),
            "card": (fk.credit_card_number(), "CREDIT_CARD"),
        }
        values = {k: (re.sub(r"\s+", " ", v).strip(), t) for k, (v, t) in values.items()}
        gold = [values[k] for k in re.findall(r"\{(\w+)\}", template) if k in values]
        text = template.format(msg=rng.choice(messages), **{k: v for k, (v, _) in values.items()})
        roll = rng.random()
        if roll < 1 / 6:
            text, gold = text.lower(), [(t, v.lower()) for v, t in gold]
        elif roll < 1 / 6 + 1 / 10:
            text, gold = text.upper(), [(t, v.upper()) for v, t in gold]
        else:
            gold = [(t, v) for v, t in gold]
        samples.append((text, gold))
    return samples


# -- engines and scores ----------------------------------------------------------------------


def default_engine(model: str, batch_size: int) -> Callable[[list[str]], list[str]]:
    """presidio as shipped: its default NLP configuration, on the same spaCy model."""
    import yaml
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    conf = Path(NlpEngineProvider._get_full_conf_path())  # presidio's default.yaml
    nlp_conf = yaml.safe_load(conf.read_text())
    nlp_conf["models"] = [{"lang_code": "en", "model_name": model}]
    nlp_engine = NlpEngineProvider(nlp_configuration=nlp_conf).create_engine()
    batch = BatchAnalyzerEngine(AnalyzerEngine(nlp_engine=nlp_engine))
    anonymizer = AnonymizerEngine()

    def run(texts: list[str]) -> list[str]:
        found = batch.analyze_iterator(texts, language="en", batch_size=batch_size)
        return [anonymizer.anonymize(t, r).text for t, r in zip(texts, found, strict=True)]

    return run


def leaks(samples: list[Sample], outputs: list[str]) -> dict[str, tuple[int, int]]:
    """entity type (and the two groups) -> (gold values, values still in the output)."""
    n, leaked = Counter(), Counter()
    for (_, gold), out in zip(samples, outputs, strict=True):
        for entity, value in gold:
            group = "structured" if entity in STRUCTURED else "names+addresses"
            for key in (entity, group):
                n[key] += 1
                leaked[key] += value in out
    return {k: (n[k], leaked[k]) for k in n}


def altered(texts: list[str], outputs: list[str]) -> tuple[int, int]:
    return len(texts), sum(a != b for a, b in zip(texts, outputs, strict=True))


def _rate(pair: tuple[int, int] | None) -> str:
    if not pair or not pair[0]:
        return "-"
    return f"{pair[1] / pair[0]:.1%}"


def print_source(name: str, ours: dict, default: dict) -> None:
    print(f"\n{name}")
    print(f"  {'entity':18} {'n':>5} {'synthmill':>10} {'presidio':>9}")
    for key in (*STRUCTURED, *SOFT):
        if key in ours:
            print(
                f"  {key:18} {ours[key][0]:>5} {_rate(ours[key]):>10} {_rate(default.get(key)):>9}"
            )
    for group, aim in AIM.items():
        if group in ours:
            met = ours[group][1] / ours[group][0] <= aim
            print(
                f"  {group:18} {ours[group][0]:>5} {_rate(ours[group]):>10}"
                f" {_rate(default.get(group)):>9}   aim <= {aim:.0%}{'' if met else '  MISSED'}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluator", type=Path, help="presidio-evaluator wheel or site folder")
    parser.add_argument("--evaluator-n", type=int, default=1000, help="filled templates")
    parser.add_argument("--own-n", type=int, default=800, help="own regression texts")
    parser.add_argument("--banking77", type=int, default=10_000, help="messages to alter-check")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    from validators.pii import PIIConfig, PIIScrubber, resolve_spacy_model

    outside, negatives = outside_set()
    messages = banking77_messages(args.banking77)
    evaluator = evaluator_set(args.evaluator, args.evaluator_n, args.seed)
    own = own_set(args.own_n, args.seed, messages)
    sources: dict[str, list[str]] = {
        "outside": [t for t, _ in outside],
        "negatives": negatives,
        "evaluator": [t for t, _ in evaluator or []],
        "own": [t for t, _ in own],
        "banking77": messages,
    }
    texts = [t for group in sources.values() for t in group]

    start = time.perf_counter()
    ours_scrubber = PIIScrubber(PIIConfig(batch_size=args.batch_size))
    built = {"synthmill": time.perf_counter() - start}
    start = time.perf_counter()
    engines = {
        "synthmill": ours_scrubber.scrub_texts,
        "presidio": default_engine(resolve_spacy_model("en_core_web_sm"), args.batch_size),
    }
    built["presidio"] = time.perf_counter() - start
    for run in engines.values():
        run(texts[:20])  # warm-up: lazy loads stay outside the timing
    outputs: dict[str, dict[str, list[str]]] = {name: {} for name in engines}
    seconds: dict[str, dict[str, float]] = {name: {} for name in engines}
    for source, group in sources.items():  # engines alternate, so a busy neighbour hits both
        for name, run in engines.items():
            wall = time.perf_counter()
            outputs[name][source] = run(group) if group else []
            seconds[name][source] = time.perf_counter() - wall

    numbers: dict[str, object] = {}
    print(f"{len(texts)} texts in all; leak = share of gold values whose text is still there")
    labelled = {"outside": outside, "evaluator": evaluator or [], "own": own}
    titles = {
        "outside": f"outside multilocale ({len(outside)} texts, written blind to the code)",
        "evaluator": f"presidio-evaluator templates + FakeNameGenerator ({len(evaluator or [])})",
        "own": f"own templates, regression only ({len(own)} texts, 23 locales)",
    }
    for source, samples in labelled.items():
        if not samples:
            print(f"\n{titles[source]}: not available")
            continue
        scores = {name: leaks(samples, outputs[name][source]) for name in engines}
        print_source(titles[source], scores["synthmill"], scores["presidio"])
        numbers[source] = scores
    print()
    for source in ("negatives", "banking77"):
        if sources[source]:
            pairs = {name: altered(sources[source], outputs[name][source]) for name in engines}
            print(
                f"{source} altered: synthmill {_rate(pairs['synthmill'])}, presidio"
                f" {_rate(pairs['presidio'])} (of {pairs['synthmill'][0]})"
            )
            numbers[f"{source}_altered"] = pairs
    print("throughput (texts/s, wall clock, one pass each, same run):")
    speed: dict[str, dict[str, float]] = {name: {} for name in engines}
    for source in (*[s for s in sources if sources[s]], "all"):
        n = len(texts) if source == "all" else len(sources[source])
        for name in engines:
            took = sum(seconds[name].values()) if source == "all" else seconds[name][source]
            speed[name][source] = n / took
        ratio = speed["synthmill"][source] / speed["presidio"][source]
        print(
            f"  {source:10} {n:>6} texts: synthmill {speed['synthmill'][source]:>5.0f}, "
            f"presidio {speed['presidio'][source]:>5.0f}, ratio {ratio:.2f}"
        )
    print(f"engine build: synthmill {built['synthmill']:.1f} s, presidio {built['presidio']:.1f} s")
    numbers["texts_per_s"] = speed
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
