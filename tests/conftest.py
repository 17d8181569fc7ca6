"""Shared fixtures: the example config, a temp copy of it, and one vLLM engine per test session."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "banking77"
sys.path.insert(0, str(Path(__file__).parent))

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture
def example_dir(tmp_path: Path) -> Path:
    """A private copy of the banking77 example (config + data) that a test may edit."""
    target = tmp_path / "banking77"
    target.mkdir()
    for name in ("config.yaml", "trusted.csv", "held_out.csv"):
        shutil.copy(EXAMPLE / name, target / name)
    return target


@pytest.fixture(scope="session")
def embedded_dir() -> Path:
    from generators.embedded_model import embedded_model_dir

    return embedded_model_dir()


@pytest.fixture(scope="session")
def vllm_teacher():  # type: ignore[no-untyped-def]
    """The real vLLM engine on the embedded model, started once for the whole session (~80 s)."""
    from generators.teachers import make_teacher
    from schemas.config import TeacherConfig

    teacher = make_teacher(TeacherConfig(kind="vllm", model="embedded"))
    yield teacher
    teacher.close()
