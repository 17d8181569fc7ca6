"""Each top-level package must come from this repo, not from a same-named PyPI package."""

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["pipelines", "generators", "validators", "schemas"])
def test_package_imports_from_repo(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().parent == ROOT / name


def test_console_script_points_at_repo_cli() -> None:
    from importlib.metadata import entry_points

    (script,) = [ep for ep in entry_points(group="console_scripts") if ep.name == "synthmill"]
    assert script.value == "pipelines.cli:main"
