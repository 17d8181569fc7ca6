"""Run a generator against a teacher: sample, prompt, call (cached), parse, check, retry, reject.

Nothing is dropped silently: every requested index ends as exactly one `Record` or one
`Rejection` carrying the raw teacher output, so requested = accepted + rejected.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ValidationError

from generators.base import Generator
from generators.cache import TeacherCache
from generators.samplers import record_rng, request_seed
from generators.teachers.base import Teacher, TeacherRequest, TeacherResponse
from schemas.errors import TeacherError
from schemas.record import Provenance, Record, record_id, stable_hash
from schemas.rejection import Rejection, RejectReason, Stage

_REFUSAL = re.compile(r"^\s*(i'?m sorry|i am sorry|i can(no|')t|as an ai)", re.IGNORECASE)
_PUNCT = re.compile(r"[^\w\s]")
ECHO_MIN_CHARS = 15


def normalise_text(text: str) -> str:
    """NFKC, lower case, punctuation removed, whitespace collapsed: for echo and dedup checks."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(_PUNCT.sub(" ", text).split())


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
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.generator = generator
        self.teacher = teacher
        self.cache = cache
        self.seed = seed
        self.tcfg = generator.config.teacher
        self.progress = progress or (lambda _n: None)
        self.model = generator.output_model()

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
            return None, RejectReason.SCHEMA_MISMATCH, f"{loc}: {first['msg']}"
        prompt_norm = normalise_text(
            req.prompt if not self.teacher.chat else json.dumps(req.messages)
        )
        closed = {
            k for k, v in req.schema.get("properties", {}).items() if "enum" in v or "const" in v
        }
        for key, value in payload.model_dump(mode="json").items():
            if isinstance(value, str) and key not in closed:
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
        if missing:
            requests = [batch[p][1] for p in missing]
            try:
                fresh = self.teacher.generate(requests)
            except Exception as exc:  # the engine or server itself failed: the run cannot go on
                raise TeacherError(
                    f"teacher {self.teacher.kind} ({self.teacher.model_id}) failed: "
                    f"{type(exc).__name__}: {exc}",
                    model=self.teacher.model_id,
                    attempts=1,
                ) from exc
            now = datetime.now(timezone.utc).isoformat()
            for r in fresh:
                r.created_at = r.created_at or now
            stats.teacher_calls += len(requests)
            stats.teacher_batches += 1
            self.cache.put_many([(batch[p][2], r) for p, r in zip(missing, fresh, strict=False)])
            for p, r in zip(missing, fresh, strict=False):
                answers[p] = r
        return [answers[p] for p in range(len(batch))]

    def run(self, start: int, n: int) -> GenerationResult:
        t0 = time.perf_counter()
        stats = GenerationStats(requested=n)
        records: dict[int, Record[Any]] = {}
        rejections: dict[int, Rejection] = {}
        queue = [
            _Job(i, 0, self.generator.sample(record_rng(self.seed, i)))
            for i in range(start, start + n)
        ]
        while queue:
            retry: list[_Job] = []
            for b in range(0, len(queue), self.tcfg.batch_size):
                jobs = queue[b : b + self.tcfg.batch_size]
                batch = [(job, *self._request(job)) for job in jobs]
                responses = self._call(batch, stats)
                for (job, req, _key), resp in zip(batch, responses, strict=False):
                    stats.tokens_in += resp.tokens_in
                    stats.tokens_out += resp.tokens_out
                    payload, reason, detail = self._judge(job, req, resp)
                    rid = record_id(self.seed, job.index)
                    if payload is not None:
                        records[job.index] = self._record(rid, payload, job, req, resp)
                        self.progress(1)
                    elif job.attempt < self.tcfg.max_retries:
                        stats.retries += 1
                        retry.append(_Job(job.index, job.attempt + 1, job.attributes))
                    else:
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
