"""Parse, retry, reject and cache, with a scripted teacher injecting faults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ScriptedTeacher

from generators.cache import TeacherCache
from generators.runner import GenerationRun
from generators.teachers.base import TeacherRequest, TeacherResponse
from pipelines.config import load_config
from pipelines.generate import build_generator, load_trusted
from schemas.errors import TeacherError
from schemas.rejection import RejectReason


def _good(req: TeacherRequest, n: int) -> TeacherResponse:
    label = req.schema["properties"]["label"]["enum"][0]
    return TeacherResponse(
        json.dumps({"label": label, "text": f"message number {req.seed} about my bank card"}),
        tokens_in=10,
        tokens_out=5,
    )


def _run(
    example_dir: Path, teacher: ScriptedTeacher, n: int, cache_path: Path | None = None, **over
):  # type: ignore[no-untyped-def]
    cfg = load_config(example_dir / "config.yaml", {"n": n, "teacher.batch_size": 4, **over})
    gen = build_generator(cfg, load_trusted(cfg))
    cache = TeacherCache(cache_path)
    try:
        return GenerationRun(gen, teacher, cache, seed=cfg.seed, settings=cfg.teacher).run(0, n)
    finally:
        cache.close()


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (TeacherResponse('{"label": "card_arrival", "te'), RejectReason.INVALID_JSON),
        (
            TeacherResponse('{"label": "card_arrival", "te', finish_reason="length"),
            RejectReason.TRUNCATED,
        ),
        (TeacherResponse("I'm sorry, I can't help with that."), RejectReason.TEACHER_REFUSED),
        (TeacherResponse('{"label": "card_arrival"}'), RejectReason.SCHEMA_MISMATCH),
        (
            TeacherResponse("", finish_reason="error", error="ReadTimeout"),
            RejectReason.TEACHER_ERROR,
        ),
    ],
)
def test_always_bad_output_is_rejected_with_reason_and_raw(example_dir, bad, reason) -> None:  # type: ignore[no-untyped-def]
    teacher = ScriptedTeacher(lambda req, n: bad)
    result = _run(example_dir, teacher, 3, **{"teacher.max_retries": 2})
    assert result.records == []
    assert [r.reason for r in result.rejections] == [reason] * 3
    assert all(r.raw_output == bad.text for r in result.rejections)
    assert len(teacher.requests) == 3 * 3  # one try + two retries each
    assert result.stats.requested == result.stats.accepted + result.stats.rejected


def test_retry_uses_fresh_seed_and_recovers(example_dir: Path) -> None:
    def flaky(req: TeacherRequest, n: int) -> TeacherResponse:
        return TeacherResponse("not json") if n <= 5 else _good(req, n)

    teacher = ScriptedTeacher(flaky)
    result = _run(example_dir, teacher, 5)
    assert len(result.records) == 5 and not result.rejections
    first_seeds = [r.seed for r in teacher.requests[:5]]
    retry_seeds = [r.seed for r in teacher.requests[5:]]
    assert not set(first_seeds) & set(retry_seeds)
    assert all(rec.provenance.attempt == 1 for rec in result.records)
    assert result.stats.retries == 5


def test_a_teacher_that_schedules_its_own_batches_gets_the_whole_queue(example_dir: Path) -> None:
    def flaky(req: TeacherRequest, n: int) -> TeacherResponse:
        return TeacherResponse("not json") if n in (2, 7) else _good(req, n)

    plain = ScriptedTeacher(flaky)
    assert len(_run(example_dir, plain, 10).records) == 10
    assert plain.batches == 3 + 1  # batch_size 4: 4 + 4 + 2, then the two retries

    engine = ScriptedTeacher(flaky)
    engine.schedules_batches = True  # type: ignore[attr-defined]  # as the vLLM engine says
    result = _run(example_dir, engine, 10)
    assert len(result.records) == 10 and result.stats.retries == 2
    assert engine.batches == 2  # all 10 in one call (up to 4 batches), then the two retries

    many = ScriptedTeacher(_good)
    many.schedules_batches = True  # type: ignore[attr-defined]
    assert len(_run(example_dir, many, 20).records) == 20
    assert many.batches == 2  # 16 (4 batches of 4), then 4: answers cached after each call


def _by_seed(req: TeacherRequest, n: int) -> TeacherResponse:
    """A teacher whose answer depends on the request alone: one seed in three gives a record."""
    return _good(req, n) if req.seed % 3 == 0 else TeacherResponse("not json")


def _outcome(result):  # type: ignore[no-untyped-def]
    return (
        [
            (r.id, r.payload.model_dump(), r.provenance.seed, r.provenance.attempt)
            for r in result.records
        ],
        [(r.record_id, r.reason, r.detail, r.raw_output) for r in result.rejections],
    )


def test_retries_sent_ahead_keep_the_records_of_asking_round_after_round(
    example_dir: Path,
) -> None:
    """An engine that schedules its own batches gets a round's retries with all their remaining
    attempts in one call, when they fit in its slots: the same records and rejections as
    asking again round after round, in fewer calls; not with a request budget."""
    over = {"teacher.batch_size": 64}
    plain = ScriptedTeacher(_by_seed)
    slow = _run(example_dir, plain, 12, **over)
    engine = ScriptedTeacher(_by_seed)
    engine.schedules_batches = True  # type: ignore[attr-defined]
    fast = _run(example_dir, engine, 12, **over)
    assert _outcome(fast) == _outcome(slow)
    attempts = {r.provenance.attempt for r in slow.records}
    assert slow.rejections and len(attempts) >= 3  # the rounds matter: several attempts win
    assert fast.stats.retries == slow.stats.retries > 0
    assert plain.batches == 4 and engine.batches == 2  # the first call, then one round ahead
    spare = fast.stats.spare_attempts
    assert spare > 0 and fast.stats.teacher_calls == slow.stats.teacher_calls + spare
    budget = ScriptedTeacher(_by_seed)
    budget.schedules_batches = True  # type: ignore[attr-defined]
    capped = _run(example_dir, budget, 12, **over, **{"teacher.max_requests": 1000})
    assert _outcome(capped) == _outcome(slow) and budget.batches == 4
    assert capped.stats.spare_attempts == 0


def test_echo_of_a_prompt_example_is_rejected(example_dir: Path) -> None:
    def echo(req: TeacherRequest, n: int) -> TeacherResponse:
        # Copy the shortest few-shot example shown (within the schema's length limits).
        shots = [json.loads(x) for x in req.prompt.splitlines() if x.startswith("{")]
        fits = [s for s in shots if 15 <= len(s["text"]) <= 100]
        return TeacherResponse(json.dumps(min(fits, key=lambda s: len(s["text"]))))

    result = _run(example_dir, ScriptedTeacher(echo), 2, **{"teacher.max_retries": 0})
    assert [r.reason for r in result.rejections] == [RejectReason.ECHO_OF_PROMPT] * 2


def test_each_request_has_its_own_seed_and_label_is_pinned(example_dir: Path) -> None:
    teacher = ScriptedTeacher(_good)
    result = _run(example_dir, teacher, 12)
    assert len({r.seed for r in teacher.requests}) == 12
    for rec in result.records:
        assert rec.payload.label == rec.provenance.attributes["label"]
        assert rec.provenance.prompt_hash and rec.provenance.generator == "labeled_text"


def test_cache_makes_rerun_free_and_resume_pays_only_missing(
    example_dir: Path, tmp_path: Path
) -> None:
    cache_path = tmp_path / "cache.sqlite"

    def dies_after_two_batches(req: TeacherRequest, n: int) -> TeacherResponse:
        if n > 8:
            raise ConnectionError("engine died")
        return _good(req, n)

    with pytest.raises(TeacherError, match="engine died"):
        _run(example_dir, ScriptedTeacher(dies_after_two_batches), 12, cache_path)

    resumed = ScriptedTeacher(_good)
    result = _run(example_dir, resumed, 12, cache_path)
    assert len(resumed.requests) == 4  # only the third batch was missing
    assert result.stats.cache_hits == 8 and result.stats.teacher_calls == 4

    again = ScriptedTeacher(_good)
    rerun = _run(example_dir, again, 12, cache_path)
    assert again.requests == [] and rerun.stats.teacher_calls == 0
    assert [r.model_dump() for r in rerun.records] == [r.model_dump() for r in result.records]
