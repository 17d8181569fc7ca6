"""The OpenAI-compatible teacher against a real local server that injects faults (issue #13).

The real `openai` SDK talks HTTP to `fault_server.FaultServer` on 127.0.0.1; the run is a real
`GenerationRun` of the built-in `labeled_text` generator. Each test starts its own server and
stops it, and every wait in the server is bounded.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fault_server import FAULTS, FaultServer, always, first_attempts, mixed
from helpers import free_port

from generators.base import Generator
from generators.cache import TeacherCache
from generators.config import TeacherConfig
from generators.runner import GenerationResult, GenerationRun
from generators.teachers.base import TeacherBudgetReached
from generators.teachers.openai_http import OpenAITeacher
from pipelines.config import load_config
from pipelines.generate import build_generator, manifest
from pipelines.trusted import read_trusted
from schemas.errors import TeacherError
from schemas.rejection import RejectReason

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "banking77" / "config.yaml"
SEED = 7


@pytest.fixture(scope="module")
def generator() -> Generator:
    # The unscrubbed sample: the PII scrub (spaCy, seconds) has no bearing on the teacher.
    cfg = load_config(EXAMPLE)
    return build_generator(cfg, read_trusted(cfg))


def _settings(url: str, **over: object) -> TeacherConfig:
    base: dict[str, object] = {
        "kind": "openai",
        "model": "m",
        "base_url": url,
        "max_tokens": 48,
        "batch_size": 64,
        "concurrency": 8,
        "timeout_s": 0.5,
        "http_retries": 4,
    }
    return TeacherConfig(**{**base, **over})  # type: ignore[arg-type]


def _run(
    generator: Generator, url: str, n: int, cache: TeacherCache, **over: object
) -> tuple[GenerationResult, OpenAITeacher]:
    settings = _settings(url, **over)
    teacher = OpenAITeacher("m", "served:m", settings)
    run = GenerationRun(generator, teacher, cache, seed=SEED, settings=settings)
    return run.run(0, n), teacher


def _reconciles(result: GenerationResult, n: int) -> None:
    s = result.stats
    assert s.requested == n == s.accepted + s.rejected
    ids = [r.id for r in result.records] + [r.record_id for r in result.rejections]
    assert len(ids) == len(set(ids)) == n  # every index exactly once: nothing lost


def _dump(result: GenerationResult) -> list[dict]:  # type: ignore[type-arg]
    """The records, without the time their answer arrived."""
    out = [r.model_dump(mode="json") for r in result.records]
    for r in out:
        r["provenance"].pop("created_at")
    return out


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_once_costs_a_retry_and_loses_nothing(
    generator: Generator, fault: str, tmp_path: Path
) -> None:
    n = 12
    plan = first_attempts(fault, n=1, share=0.5, salt=fault)
    cache = TeacherCache(tmp_path / "cache.sqlite")
    with FaultServer(plan, retry_after_s=0.2, hang_s=1.5) as server:
        result, teacher = _run(generator, server.url, n, cache)
        _reconciles(result, n)
        assert server.faults().get(fault, 0) >= 1  # the fault did happen
        # The client's retry count is what the server saw: bodies it got more than once.
        assert result.stats.http_retries == teacher.http_retries == server.retries()
        assert result.stats.http_requests == server.requests()
        if fault == "truncated":  # a well-formed answer with bad content: a fresh-seed retry
            assert server.retries() == 0 and result.stats.retries >= 1
        else:  # an HTTP-level fault: retried by the client, invisible to the records
            assert server.retries() == server.faults()[fault] >= 1
            assert result.stats.accepted == n and result.stats.retries == 0
        # A re-run answers every request from the cache: not one new HTTP request.
        seen = server.requests()
        again, _ = _run(generator, server.url, n, cache)
        assert server.requests() == seen and again.stats.teacher_calls == 0
        assert _dump(again) == _dump(result)
    cache.close()


def test_dead_server_fails_fast_naming_the_url(generator: Generator) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    t0 = time.perf_counter()
    with pytest.raises(TeacherError) as err:
        # The defaults that used to "succeed" after 43 s with accepted 0 / requested 40.
        _run(generator, url, 40, TeacherCache(None), timeout_s=60.0)
    wall = time.perf_counter() - t0
    message = str(err.value)
    assert wall < 10, f"took {wall:.1f} s to give up"
    assert url in message and "Connect" in message and "\n" not in message


def test_server_failing_every_request_is_an_error_not_a_result(generator: Generator) -> None:
    with FaultServer(always("500")) as server:
        with pytest.raises(TeacherError, match="HTTP 500") as err:
            _run(generator, server.url, 6, TeacherCache(None), http_retries=1)
        assert server.url in str(err.value)
        assert server.requests() == 12  # each request tried twice, then the run stopped


def test_requests_failing_among_successes_are_rejected_not_fatal(generator: Generator) -> None:
    n = 20
    # A few requests are reset on every try: each is rejected; the run goes on and succeeds.
    plan = first_attempts("reset", n=99, share=0.15, salt="stuck")
    with FaultServer(plan) as server:
        result, _ = _run(
            generator, server.url, n, TeacherCache(None), http_retries=2, max_retries=0
        )
    _reconciles(result, n)
    assert result.rejections and result.stats.accepted == n - len(result.rejections)
    assert all(r.reason == RejectReason.TEACHER_ERROR for r in result.rejections)
    assert server.faults()["reset"] == 3 * len(result.rejections)  # one try + two retries each


def test_retry_after_is_honoured(generator: Generator) -> None:
    asked = 1.5  # well above the SDK's first backoff (at most 0.5 s)
    with FaultServer(first_attempts("429", n=1), retry_after_s=asked) as server:
        result, _ = _run(generator, server.url, 3, TeacherCache(None))
    assert result.stats.accepted == 3 and result.stats.http_retries == 3
    by_key: dict[str, list[float]] = {}
    for a in server.arrivals:
        by_key.setdefault(a.key, []).append(a.t)
    gaps = [ts[1] - ts[0] for ts in by_key.values()]
    assert len(gaps) == 3 and all(asked <= g < asked + 2 for g in gaps), gaps


def test_malformed_200_is_asked_once_more_then_rejected(generator: Generator) -> None:
    n = 20
    # Some requests always get a non-JSON 200, others a 200 without choices on the first try.
    bad = first_attempts("not_json", n=99, share=0.3, salt="bad")
    once = first_attempts("no_choices", n=1, share=0.5, salt="once")

    def plan(key: str, attempt: int) -> str | None:
        return bad(key, attempt) or once(key, attempt)

    with FaultServer(plan) as server:
        result, _ = _run(generator, server.url, n, TeacherCache(None), max_retries=0)
        arrivals: dict[str, int] = {}
        for a in server.arrivals:
            arrivals[a.key] = arrivals.get(a.key, 0) + 1
    _reconciles(result, n)
    rejected = result.rejections
    assert rejected and all(r.reason == RejectReason.TEACHER_ERROR for r in rejected)
    assert all("not JSON" in r.detail and "/v1" in r.detail for r in rejected)
    # One bad answer costs one more request, never more: 1 or 2 arrivals per request.
    assert set(arrivals.values()) == {1, 2}
    assert sum(1 for v in arrivals.values() if v == 2) == server.retries()
    assert len(rejected) == server.faults()["not_json"] // 2
    assert result.stats.accepted == n - len(rejected) > 0


def test_concurrency_limit_holds_while_retrying(generator: Generator) -> None:
    with FaultServer(first_attempts("500", n=1, share=0.5), latency_s=0.05) as server:
        result, _ = _run(generator, server.url, 24, TeacherCache(None), concurrency=3)
    assert result.stats.accepted == 24
    assert server.max_inflight == 3


@pytest.mark.parametrize("key", ["", "sk-test-456"])
def test_chat_api_and_the_key_header(
    generator: Generator, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNTHMILL_FAULT_KEY", key)
    with FaultServer(first_attempts("no_choices", n=1, share=0.5)) as server:
        result, _ = _run(
            generator,
            server.url,
            6,
            TeacherCache(None),
            api="chat",
            api_key_env="SYNTHMILL_FAULT_KEY",
        )
    assert result.stats.accepted == 6 and result.stats.http_retries == server.retries() > 0
    assert {a.path for a in server.arrivals} == {"/v1/chat/completions"}
    # No key in the environment: no Authorization header at all (not an empty or fake one).
    assert {a.authorization for a in server.arrivals} == {f"Bearer {key}" if key else None}


def test_mixed_faults_lose_nothing_and_rerun_is_free(generator: Generator, tmp_path: Path) -> None:
    n = 40
    cache = TeacherCache(tmp_path / "cache.sqlite")
    with FaultServer(mixed(0.3, seed=3), retry_after_s=0.2, hang_s=1.5) as server:
        result, _ = _run(generator, server.url, n, cache)
        _reconciles(result, n)
        assert result.stats.accepted >= n - 2
        assert result.stats.http_retries == server.retries() > 0
        seen = server.requests()
        again, _ = _run(generator, server.url, n, cache)
        assert server.requests() == seen and again.stats.http_requests == 0
        assert _dump(again) == _dump(result)
    cache.close()


def test_manifest_reports_http_retries(generator: Generator) -> None:
    with FaultServer(mixed(0.3, seed=5), retry_after_s=0.2, hang_s=1.5) as server:
        cfg = load_config(
            EXAMPLE,
            {
                "n": 20,
                "teacher.kind": "openai",
                "teacher.model": "m",
                "teacher.base_url": server.url,
                "teacher.timeout_s": 0.5,
            },
        )
        teacher = OpenAITeacher("m", "served:m", cfg.teacher)
        run = GenerationRun(generator, teacher, TeacherCache(None), seed=SEED, settings=cfg.teacher)
        info = manifest(cfg, teacher, run.run(0, 20), 1.0, 20)
    assert json.loads(json.dumps(info)) == info
    assert info["teacher"]["retries"] == server.retries() > 0
    assert info["teacher"]["http_requests"] == server.requests()
    counts = info["counts"]
    assert counts["requested"] == 20 == counts["accepted"] + counts["rejected"]


def test_request_budget_stops_cleanly_and_resumes(generator: Generator, tmp_path: Path) -> None:
    n = 24
    cache = TeacherCache(tmp_path / "cache.sqlite")
    with FaultServer() as server:
        for expected in (10, 20):  # each run may send 10 fresh requests
            with pytest.raises(TeacherBudgetReached, match="max_requests=10") as err:
                _run(generator, server.url, n, cache, batch_size=8, max_requests=10)
            assert "resume" in str(err.value) and "\n" not in str(err.value)
            assert server.requests() == expected and len(cache) == expected
        result, _ = _run(generator, server.url, n, cache, batch_size=8, max_requests=10)
        assert server.requests() == n and result.stats.teacher_calls == 4
        assert result.stats.cache_hits == 20
        whole, _ = _run(generator, server.url, n, TeacherCache(None), batch_size=8)
    _reconciles(result, n)
    assert _dump(result) == _dump(whole)  # stopping and resuming changed nothing
    cache.close()


def test_token_budget_stops_after_the_batch_that_reached_it(
    generator: Generator, tmp_path: Path
) -> None:
    cache = TeacherCache(tmp_path / "cache.sqlite")
    with FaultServer() as server:
        with pytest.raises(TeacherBudgetReached, match="max_tokens_total=100"):
            # 16 tokens an answer: the first batch (128 tokens) spends the budget.
            _run(generator, server.url, 24, cache, batch_size=8, max_tokens_total=100)
        assert server.requests() == 8 and len(cache) == 8
    cache.close()
