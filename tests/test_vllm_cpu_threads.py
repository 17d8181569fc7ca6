"""vLLM on CPU: how many cores the engine keeps back from the model's threads (`reserved_cpus`).

vLLM keeps one core for its scheduler on x86; on 2 cores that halves the model's threads. The
engine start itself is replaced by a recorder here (the real one is timed in the bench and the
demo); what is checked is the environment the engine's processes start with, and that vLLM
reads the variable under that name.
"""

from __future__ import annotations

import os

import pytest

from generators.config import TeacherConfig
from generators.teachers import vllm_engine
from generators.teachers.vllm_engine import BIND_ENV, RESERVED_ENV, start_env


def _record_starts(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Engine starts replaced by a recorder of the reservation each one starts with."""
    seen: list[str | None] = []
    monkeypatch.setattr(
        vllm_engine, "_start", lambda llm, path, cfg: seen.append(os.environ.get(RESERVED_ENV))
    )
    monkeypatch.setattr(vllm_engine, "_ENGINES", {})
    monkeypatch.setattr(vllm_engine, "usable_cpus", lambda: 2)
    return seen


@pytest.mark.parametrize(
    ("reserved", "cpus", "expected"),
    [
        ("vllm", 2, None),  # vLLM's own choice, whatever the machine
        ("auto", 2, "0"),  # a laptop or the CI machine: all cores to the model
        ("auto", 4, "0"),
        ("auto", 16, None),  # many cores: vLLM's own choice
        (1, 2, "1"),  # said in the config: as said
        (0, 64, "0"),
    ],
)
def test_reserved_cores_by_config_and_machine(
    monkeypatch: pytest.MonkeyPatch, reserved: int | str, cpus: int, expected: str | None
) -> None:
    monkeypatch.delenv(RESERVED_ENV, raising=False)
    env = start_env(TeacherConfig(reserved_cpus=reserved), cpus=cpus)  # type: ignore[arg-type]
    assert env.get(RESERVED_ENV) == expected


def test_a_users_own_setting_wins_over_auto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RESERVED_ENV, "1")
    assert RESERVED_ENV not in start_env(TeacherConfig(reserved_cpus="auto"), cpus=2)


def test_the_default_frees_the_core_on_small_machines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two threads made a request's text depend on its batch until every matmul got fixed row
    blocks (`batch_invariant`, tests/test_vllm_fixed_rows.py): with them on, the default gives
    the model both cores of a 2-core machine."""
    monkeypatch.delenv(RESERVED_ENV, raising=False)
    assert TeacherConfig().reserved_cpus == "auto"
    assert start_env(TeacherConfig(), cpus=2)[RESERVED_ENV] == "0"
    assert RESERVED_ENV not in start_env(TeacherConfig(), cpus=16)


def test_a_negative_count_is_a_config_error() -> None:
    from pydantic import ValidationError

    for wrong in (-1, "some", True, 1.5):
        with pytest.raises(ValidationError, match="not a number of cores .*, 'vllm' or 'auto'"):
            TeacherConfig(reserved_cpus=wrong)  # type: ignore[arg-type]


def test_the_setting_is_there_while_the_engine_starts_and_gone_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _record_starts(monkeypatch)
    monkeypatch.delenv(RESERVED_ENV, raising=False)
    vllm_engine._engine("m", TeacherConfig(reserved_cpus="auto"))
    vllm_engine._engine("m", TeacherConfig(reserved_cpus=1))  # another engine: another key
    assert seen == ["0", "1"]
    assert RESERVED_ENV not in os.environ


def test_vllm_reads_the_variable_by_that_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed vLLM's own settings module sees the value (a renamed variable would be
    silently ignored, and generation would run on half the cores again)."""
    import vllm.envs as envs

    monkeypatch.setenv(RESERVED_ENV, "0")
    assert envs.VLLM_CPU_NUM_OF_RESERVED_CPU == 0
    monkeypatch.delenv(RESERVED_ENV)
    assert envs.VLLM_CPU_NUM_OF_RESERVED_CPU is None


def test_a_users_own_value_comes_back_after_an_explicit_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _record_starts(monkeypatch)
    monkeypatch.setenv(RESERVED_ENV, "1")
    vllm_engine._engine("m", TeacherConfig(reserved_cpus=0))  # the config's number wins
    assert seen == ["0"] and os.environ[RESERVED_ENV] == "1"


def test_auto_and_its_resolved_number_share_one_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """An engine start costs about a minute: `auto` that resolves to 0 is the same engine as 0."""
    started = _record_starts(monkeypatch)
    monkeypatch.delenv(RESERVED_ENV, raising=False)
    vllm_engine._engine("m", TeacherConfig(reserved_cpus="auto"))
    vllm_engine._engine("m", TeacherConfig(reserved_cpus=0))
    vllm_engine._engine("m", TeacherConfig(reserved_cpus=1))
    vllm_engine._engine("m", TeacherConfig(reserved_cpus="vllm"))  # vLLM's choice: a third
    assert len(started) == 3


@pytest.mark.parametrize(
    ("reserved", "user_reserved", "expected"),
    [
        ("auto", None, "0,1"),  # 2 CPUs of quota: both to the model (batch-invariant engine)
        ("vllm", None, "0"),  # vLLM's own choice keeps one for the scheduler
        ("vllm", "0", "0,1"),  # ...or what the user set for it
        (1, None, "0"),
    ],
)
def test_under_a_cpu_quota_the_threads_bind_to_as_many_cores(
    monkeypatch: pytest.MonkeyPatch, reserved: int | str, user_reserved: str | None, expected: str
) -> None:
    """A container limited to 2 CPUs of a 16-core host: vLLM would start a thread on each of
    the 16 cores, throttled to the time of 2."""
    monkeypatch.setattr(vllm_engine, "affinity_cpus", lambda: list(range(16)))
    monkeypatch.setattr(vllm_engine, "cpu_quota", lambda: 2.0)
    monkeypatch.setattr(vllm_engine, "spread_cpus", lambda cpus: cpus)
    monkeypatch.delenv(BIND_ENV, raising=False)
    if user_reserved is None:
        monkeypatch.delenv(RESERVED_ENV, raising=False)
    else:
        monkeypatch.setenv(RESERVED_ENV, user_reserved)
    env = start_env(TeacherConfig(reserved_cpus=reserved), cpus=2)  # type: ignore[arg-type]
    assert env[BIND_ENV] == expected


def test_no_binding_without_a_quota_or_over_the_users_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vllm_engine, "affinity_cpus", lambda: list(range(16)))
    monkeypatch.delenv(BIND_ENV, raising=False)
    monkeypatch.setattr(vllm_engine, "cpu_quota", lambda: None)
    assert BIND_ENV not in start_env(TeacherConfig(), cpus=2)  # a count given, but no quota
    monkeypatch.setattr(vllm_engine, "cpu_quota", lambda: 16.0)
    assert BIND_ENV not in start_env(TeacherConfig(), cpus=16)
    monkeypatch.setattr(vllm_engine, "cpu_quota", lambda: 2.0)
    monkeypatch.setenv(BIND_ENV, "4-5")
    assert BIND_ENV not in start_env(TeacherConfig(), cpus=2)


def test_vllm_reads_the_binding_by_that_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import vllm.envs as envs

    monkeypatch.setenv(BIND_ENV, "0,1")
    assert envs.VLLM_CPU_OMP_THREADS_BIND == "0,1"
