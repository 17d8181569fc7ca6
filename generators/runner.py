"""Run a generator against a teacher: sample, prompt, call (cached), parse, check, retry, reject.

Nothing is dropped silently: every requested index ends as exactly one `Record` or one
`Rejection` carrying the raw teacher output, so requested = accepted + rejected.

A run that cannot go on (the teacher is unavailable, or its budget `teacher.max_requests` /
`teacher.max_tokens_total` is spent) raises a `TeacherError` after caching every answer it
received, so the same command resumes where it stopped.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ValidationError

from generators.base import Generator
from generators.cache import TeacherCache
from generators.config import TeacherConfig
from generators.samplers import record_rng, request_seed
from generators.teachers.base import (
    Teacher,
    TeacherBudgetReached,
    TeacherRequest,
    TeacherResponse,
)
from schemas.errors import TeacherError
from schemas.record import Provenance, Record, record_id, stable_hash
from schemas.rejection import Rejection, RejectReason, Stage
from schemas.text import ends_mid_sentence, normalise_text

_REFUSAL = re.compile(r"^\s*(i'?m sorry|i am sorry|i can(no|')t|as an ai)", re.IGNORECASE)
ECHO_MIN_CHARS = 15
logger = logging.getLogger(__name__)
SCHEDULED_BATCHES = 4  # batches per call to a teacher that schedules its own (the vLLM engine)


@dataclass
class GenerationStats:
    requested: int = 0
    accepted: int = 0
    rejected: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)
    teacher_calls: int = 0
    teacher_batches: int = 0
    cache_hits: int = 0
    retries: int = 0
    spare_attempts: int = 0  # attempts sent ahead of need whose answer was not used
    http_requests: int = 0
    http_retries: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    wall_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "requested": self.requested,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "rejected_by_reason": dict(sorted(self.by_reason.items())),
            "teacher_calls": self.teacher_calls,
            "teacher_batches": self.teacher_batches,
            "cache_hits": self.cache_hits,
            "retries": self.retries,
            "spare_attempts": self.spare_attempts,
            "http_requests": self.http_requests,
            "http_retries": self.http_retries,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "wall_s": round(self.wall_s, 3),
        }


@dataclass
class GenerationResult:
    records: list[Record[Any]]
    rejections: list[Rejection]
    stats: GenerationStats


@dataclass
class _Spent:
    """What one teacher was asked fresh: the budget counts it across the runs sharing it."""

    requests: int = 0
    tokens: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


# A `generate` or a `build` makes one teacher per process (per lane) and runs its chunks through
# it, so the budget is kept per teacher object: a re-run (a new teacher) starts a fresh budget.
_SPENT: weakref.WeakKeyDictionary[Any, _Spent] = weakref.WeakKeyDictionary()
_SPENT_LOCK = threading.Lock()


def _spent_by(teacher: object) -> _Spent:
    with _SPENT_LOCK:
        try:
            return _SPENT.setdefault(teacher, _Spent())
        except TypeError:  # a teacher that cannot be weakly referenced: budget per run
            return _Spent()


def _http_counts(teacher: object) -> tuple[int, int]:
    """HTTP requests and retries a teacher made so far (0 for the in-process engines)."""
    return int(getattr(teacher, "http_calls", 0)), int(getattr(teacher, "http_retries", 0))


@dataclass
class _Job:
    index: int
    attempt: int
    attributes: dict[str, Any]


class GenerationRun:
    """One generator × one teacher × one cache, for records [start, start + n) of a run seed."""

    def __init__(
        self,
        generator: Generator,
        teacher: Teacher,
        cache: TeacherCache,
        *,
        seed: int,
        settings: TeacherConfig,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.generator = generator
        self.teacher = teacher
        self.cache = cache
        self.seed = seed
        self.tcfg = settings
        self.progress = progress or (lambda _n: None)
        self.model = generator.output_model()
        self._spent = _spent_by(teacher)

    def _request(self, job: _Job) -> tuple[TeacherRequest, str]:
        prompt = self.generator.build_prompt(job.attributes)
        req = TeacherRequest(
            prompt=prompt.text,
            messages=prompt.messages,
            schema=self.generator.response_schema(job.attributes),
            seed=request_seed(self.seed, job.index, job.attempt),
            max_tokens=self.tcfg.max_tokens,
            temperature=self.tcfg.temperature,
            top_p=self.tcfg.top_p,
        )
        key = req.cache_key(
            self.teacher.kind, self.teacher.model_id, self.teacher.weights_hash, self.teacher.chat
        )
        return req, key

    def _judge(
        self, job: _Job, req: TeacherRequest, resp: TeacherResponse
    ) -> tuple[BaseModel | None, RejectReason | None, str]:
        """Parse and check one answer: (payload, None, "") or (None, reason, detail)."""
        if resp.error:
            return None, RejectReason.TEACHER_ERROR, resp.error
        text = resp.text
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            if _REFUSAL.match(text) or not text.strip():
                return None, RejectReason.TEACHER_REFUSED, "the teacher answered without a record"
            if resp.finish_reason == "length":
                return None, RejectReason.TRUNCATED, f"stopped at max_tokens={req.max_tokens}"
            return None, RejectReason.INVALID_JSON, exc.msg
        try:
            payload = self.model.model_validate(obj)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            if first["type"] == "string_too_long":  # a length limit rejects, it never cuts
                return None, RejectReason.TOO_LONG, f"{loc}: {first['msg']}"
            return None, RejectReason.SCHEMA_MISMATCH, f"{loc}: {first['msg']}"
        prompt_norm = normalise_text(
            req.prompt if not self.teacher.chat else json.dumps(req.messages)
        )
        closed = {
            k for k, v in req.schema.get("properties", {}).items() if "enum" in v or "const" in v
        }
        for key, value in payload.model_dump(mode="json").items():
            if isinstance(value, str) and key not in closed:
                if ends_mid_sentence(value):  # the teacher closed the string mid-sentence
                    return None, RejectReason.TRUNCATED, f"{key}: ends mid-sentence"
                norm = normalise_text(value)
                if len(norm) >= ECHO_MIN_CHARS and norm in prompt_norm:
                    return None, RejectReason.ECHO_OF_PROMPT, "copies a text shown in the prompt"
        problem = self.generator.check(payload, job.attributes)
        if problem:
            return None, RejectReason.FAILED_CHECK, problem
        return payload, None, ""

    def _call(
        self, batch: list[tuple[_Job, TeacherRequest, str]], stats: GenerationStats
    ) -> list[TeacherResponse]:
        answers: dict[int, TeacherResponse] = {}
        missing: list[int] = []
        for pos, (_job, _req, key) in enumerate(batch):
            hit = self.cache.get(key)
            if hit is None:
                missing.append(pos)
            else:
                answers[pos] = hit
                stats.cache_hits += 1
        if not missing:
            return [answers[p] for p in range(len(batch))]
        allowed = self._reserve(len(missing))
        if allowed < len(missing):
            if allowed:
                self._ask(batch, missing[:allowed], stats)
            raise self._budget_error("max_requests", stats)
        answers.update(self._ask(batch, missing, stats))
        cap = self.tcfg.max_tokens_total
        if cap is not None and self._spent.tokens >= cap:
            raise self._budget_error("max_tokens_total", stats)
        return [answers[p] for p in range(len(batch))]

    def _reserve(self, n: int) -> int:
        """How many of `n` fresh requests the budget still allows (and count them as spent)."""
        cap = self.tcfg.max_requests
        tokens = self.tcfg.max_tokens_total
        with self._spent.lock:
            if tokens is not None and self._spent.tokens >= tokens:
                return 0
            allowed = n if cap is None else max(0, min(n, cap - self._spent.requests))
            self._spent.requests += allowed
        return allowed

    def _budget_error(self, which: str, stats: GenerationStats) -> TeacherBudgetReached:
        cap = self.tcfg.max_requests if which == "max_requests" else self.tcfg.max_tokens_total
        spent = self._spent.requests if which == "max_requests" else self._spent.tokens
        where = f" ({self.cache.path})" if self.cache.path is not None else ""
        unit = "fresh requests" if which == "max_requests" else "tokens"
        return TeacherBudgetReached(
            f"teacher budget reached: teacher.{which}={cap} ({spent} {unit} spent); "
            f"the answers received are in the teacher cache{where}: run the same command again "
            f"to resume from the cache, or raise teacher.{which}",
            model=self.teacher.model_id,
        )

    def _ask(
        self, batch: list[tuple[_Job, TeacherRequest, str]], ask: list[int], stats: GenerationStats
    ) -> dict[int, TeacherResponse]:
        """Send `ask` (positions in `batch`) to the teacher; cache and return what came back."""
        requests = [batch[p][1] for p in ask]
        calls0, retries0 = _http_counts(self.teacher)
        started = time.perf_counter()
        try:
            fresh = self.teacher.generate(requests)
        except TeacherError as exc:  # unavailable: keep what did come back, then stop
            received = getattr(exc, "received", None) or {}
            self._store(batch, [(ask[i], r) for i, r in received.items() if i < len(ask)])
            raise
        except Exception as exc:  # the engine or server itself failed: the run cannot go on
            raise TeacherError(
                f"teacher {self.teacher.kind} ({self.teacher.model_id}) failed: "
                f"{type(exc).__name__}: {exc}",
                model=self.teacher.model_id,
                attempts=1,
            ) from exc
        finally:
            calls, retries = _http_counts(self.teacher)
            stats.http_requests += calls - calls0
            stats.http_retries += retries - retries0
        stats.teacher_calls += len(requests)
        stats.teacher_batches += 1
        logger.info(
            "teacher call: %d requests, %d tokens out, %.1f s",
            len(requests),
            sum(r.tokens_out for r in fresh),
            time.perf_counter() - started,
        )
        pairs = list(zip(ask, fresh, strict=False))
        self._store(batch, pairs)
        with self._spent.lock:
            self._spent.tokens += sum(r.tokens_in + r.tokens_out for _p, r in pairs)
        return dict(pairs)

    def _store(
        self,
        batch: list[tuple[_Job, TeacherRequest, str]],
        pairs: list[tuple[int, TeacherResponse]],
    ) -> None:
        """Commit one batch's answers to the cache (errored ones are not cached)."""
        now = datetime.now(timezone.utc).isoformat()
        for _p, r in pairs:
            r.created_at = r.created_at or now
        self.cache.put_many([(batch[p][2], r) for p, r in pairs])

    def run(self, start: int, n: int) -> GenerationResult:
        t0 = time.perf_counter()
        stats = GenerationStats(requested=n)
        records: dict[int, Record[Any]] = {}
        rejections: dict[int, Rejection] = {}
        queue = [
            _Job(i, 0, self.generator.sample(record_rng(self.seed, i)))
            for i in range(start, start + n)
        ]
        # A teacher that schedules its own batches (the vLLM engine refills a finished request's
        # slot at once) gets `SCHEDULED_BATCHES` batches per call, others one: answers reach the
        # cache after each call, so an interrupted run loses at most one call's work.
        per_call = self.tcfg.batch_size
        if getattr(self.teacher, "schedules_batches", False):
            per_call *= SCHEDULED_BATCHES
        while queue:
            retry: list[_Job] = []
            step = per_call
            queue, ahead = self._attempts_ahead(queue)
            settled: set[int] = set()
            for b in range(0, len(queue), step):
                jobs = queue[b : b + step]
                batch = [(job, *self._request(job)) for job in jobs]
                responses = self._call(batch, stats)
                for (job, req, _key), resp in zip(batch, responses, strict=False):
                    stats.tokens_in += resp.tokens_in
                    stats.tokens_out += resp.tokens_out
                    if job.index in settled:  # an attempt sent ahead that was not needed
                        stats.spare_attempts += 1
                        continue
                    payload, reason, detail = self._judge(job, req, resp)
                    rid = record_id(self.seed, job.index)
                    if payload is not None:
                        records[job.index] = self._record(rid, payload, job, req, resp)
                        settled.add(job.index)
                        self.progress(1)
                    elif job.attempt < self.tcfg.max_retries:
                        stats.retries += 1
                        if not ahead:  # else the next attempt follows in this batch
                            retry.append(_Job(job.index, job.attempt + 1, job.attributes))
                    else:
                        settled.add(job.index)
                        assert reason is not None
                        rejections[job.index] = Rejection(
                            record_id=rid,
                            stage=Stage.GENERATE,
                            check=f"generate.{self.generator.name}",
                            reason=reason,
                            detail=detail[:500],
                            raw_output=resp.text,
                        )
                        stats.by_reason[reason.value] += 1
                        self.progress(1)
            queue = retry
        stats.accepted = len(records)
        stats.rejected = len(rejections)
        stats.wall_s = time.perf_counter() - t0
        return GenerationResult(
            records=[records[i] for i in sorted(records)],
            rejections=[rejections[i] for i in sorted(rejections)],
            stats=stats,
        )

    def _attempts_ahead(self, queue: list[_Job]) -> tuple[list[_Job], bool]:
        """A round of retries for a teacher that schedules its own batches, when all of its
        remaining attempts fit in the engine's slots at once: every job with all its remaining
        attempts (fresh seeds), in one call, and True. The first attempt in order that passes
        is kept, so where an answer depends on its own seed and prompt only (the
        batch-invariant engine) the records are those of asking again round after round; the
        round's tail (a few retries
        decoding to `max_tokens` while the other slots idle) is paid once instead of once per
        attempt. Not with a request or token budget (the spare attempts would spend it).
        Otherwise the queue as it is, and False."""
        t = self.tcfg
        if (
            not getattr(self.teacher, "schedules_batches", False)
            or t.max_requests is not None
            or t.max_tokens_total is not None
            or not queue
            or any(job.attempt == 0 for job in queue)
        ):
            return queue, False
        if sum(t.max_retries - job.attempt + 1 for job in queue) > t.batch_size:
            return queue, False
        return [
            _Job(job.index, attempt, job.attributes)
            for job in queue
            for attempt in range(job.attempt, t.max_retries + 1)
        ], True

    def _record(
        self, rid: str, payload: BaseModel, job: _Job, req: TeacherRequest, resp: TeacherResponse
    ) -> Record[Any]:
        gen = self.generator
        return Record[Any](
            id=rid,
            payload=payload,
            provenance=Provenance(
                generator=gen.name,
                generator_version=gen.version,
                teacher=self.teacher.kind,
                teacher_model=self.teacher.model_id,
                weights_hash=self.teacher.weights_hash,
                prompt_hash=stable_hash(req.messages if self.teacher.chat else req.prompt),
                attributes=job.attributes,
                seed=req.seed,
                attempt=job.attempt,
                created_at=resp.created_at or datetime.now(timezone.utc).isoformat(),
            ),
        )
