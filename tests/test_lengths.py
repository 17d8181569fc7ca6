"""No truncated records, and lengths drawn from the trusted sample (the labeled_text generator)."""

from __future__ import annotations

import json
import random
import statistics
from pathlib import Path

from helpers import ScriptedTeacher

from generators.cache import TeacherCache
from generators.runner import GenerationRun
from generators.teachers.base import TeacherRequest, TeacherResponse
from pipelines.config import load_config
from pipelines.generate import build_generator, load_trusted
from schemas.rejection import RejectReason


def _generator(example_dir: Path, **over):  # type: ignore[no-untyped-def]
    cfg = load_config(example_dir / "config.yaml", {"teacher.batch_size": 8, **over})
    trusted = load_trusted(cfg)
    return cfg, build_generator(cfg, trusted), trusted


def test_the_teacher_is_never_told_to_cut_and_a_long_text_is_too_long(example_dir: Path) -> None:
    cfg, gen, _ = _generator(example_dir, **{"sampling.max_chars": 50, "teacher.max_retries": 0})
    attrs = gen.sample(random.Random(1))
    assert "maxLength" not in gen.response_schema(attrs)["properties"]["text"]

    def answer(req: TeacherRequest, n: int) -> TeacherResponse:
        label = req.schema["properties"]["label"]["enum"][0]
        text = "my card has not arrived yet" + (" and I am still waiting for it" * (n % 3))
        return TeacherResponse(json.dumps({"label": label, "text": text}))

    teacher = ScriptedTeacher(answer)
    cache = TeacherCache(None)
    try:
        result = GenerationRun(gen, teacher, cache, seed=cfg.seed, settings=cfg.teacher).run(0, 9)
    finally:
        cache.close()
    assert result.records and all(len(r.payload.text) <= 50 for r in result.records)
    too_long = [r for r in result.rejections if r.reason is RejectReason.TOO_LONG]
    assert len(too_long) == 6 and len(result.records) == 3
    assert all(json.loads(r.raw_output)["text"].endswith("for it") for r in too_long)


def test_requests_ask_for_trusted_lengths_and_show_examples_near_them(example_dir: Path) -> None:
    cfg, gen, trusted = _generator(example_dir)
    words = {
        label: [
            len(t.split())
            for t, lab in zip(trusted["text"], trusted["category"], strict=True)
            if lab == label
        ]
        for label in set(trusted["category"])
    }
    near, far = [], []
    for i in range(300):
        attrs = gen.sample(random.Random(i))
        target = attrs["target_words"]
        assert target in words[attrs["label"]]  # drawn from that label's real rows
        shown = [len(str(gen.few_shot.row(k)["text"]).split()) for k in attrs["few_shot"]]
        near.append(statistics.mean(abs(s - target) for s in shown))
        pool = words[attrs["label"]]
        far.append(statistics.mean(abs(s - target) for s in random.Random(i).sample(pool, 6)))
        assert f"about {target} words" in gen.build_prompt(attrs).text
    assert statistics.mean(near) < 0.6 * statistics.mean(far)
    off = build_generator(
        load_config(example_dir / "config.yaml", {"sampling.match_length": False}), trusted
    )
    assert "target_words" not in off.sample(random.Random(0))


def test_a_text_that_stops_mid_sentence_is_truncated_not_accepted(example_dir: Path) -> None:
    cfg, gen, _ = _generator(example_dir, **{"teacher.max_retries": 0})
    endings = [
        "Can I change my PIN at an ATM? (options",
        "I was paying for it with Apple Pay,",
        "Where do I see the exchange rate for the",
        "My card still has not arrived",  # people write without a full stop: kept
        "Why was I charged a fee for my transfer?",
    ]

    def answer(req: TeacherRequest, n: int) -> TeacherResponse:
        label = req.schema["properties"]["label"]["enum"][0]
        return TeacherResponse(json.dumps({"label": label, "text": endings[(n - 1) % 5]}))

    cache = TeacherCache(None)
    try:
        result = GenerationRun(
            gen, ScriptedTeacher(answer), cache, seed=cfg.seed, settings=cfg.teacher
        ).run(0, 5)
    finally:
        cache.close()
    assert sorted(r.payload.text for r in result.records) == sorted(endings[3:])
    assert [r.reason for r in result.rejections] == [RejectReason.TRUNCATED] * 3
    assert all("ends mid-sentence" in r.detail for r in result.rejections)
