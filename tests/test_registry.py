"""Generator registration: decorator, duplicate names refused, entry-point plugins loaded or raising."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from generators import Generator, Prompt
from generators.registry import GeneratorRegistry, PluginError
from schemas.payloads import LabeledText


class _Echo(Generator):
    name = "echo_test"

    def output_model(self) -> type[BaseModel]:
        return LabeledText

    def sample(self, rng: random.Random) -> dict[str, Any]:
        return {}

    def build_prompt(self, attributes: dict[str, Any]) -> Prompt:
        return Prompt(text="x")


def test_duplicate_names_are_refused() -> None:
    reg = GeneratorRegistry()
    reg.register(_Echo)

    class Other(_Echo):
        name = "echo_test"

    with pytest.raises(ValueError, match="already registered"):
        reg.register(Other)


def test_builtins_are_registered() -> None:
    from generators import REGISTRY

    names = [name for name, _ in REGISTRY.items()]
    assert {"labeled_text", "instruction"} <= set(names)


def _install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module_body: str) -> None:
    (tmp_path / "myplugin.py").write_text(module_body)
    dist = tmp_path / "myplugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: myplugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[synthmill.generators]\nmine = myplugin:Mine\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("myplugin", None)


def test_entry_point_plugin_is_registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(
        tmp_path,
        monkeypatch,
        (
            "import random\nfrom generators import Generator, Prompt\n"
            "from schemas.payloads import LabeledText\n"
            "class Mine(Generator):\n    name = 'mine'\n"
            "    def output_model(self): return LabeledText\n"
            "    def sample(self, rng): return {}\n"
            "    def build_prompt(self, a): return Prompt(text='x')\n"
        ),
    )
    reg = GeneratorRegistry()
    assert reg.get("mine").__name__ == "Mine"


def test_broken_plugin_raises_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path, monkeypatch, "raise RuntimeError('boom')\n")
    reg = GeneratorRegistry()
    with pytest.raises(PluginError, match="'mine'.*boom"):
        reg.get("labeled_text")
