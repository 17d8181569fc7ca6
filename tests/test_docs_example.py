"""The custom-generator example in docs/custom_generator.md runs, as written, through a build."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "custom_generator.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


def test_docs_generator_is_about_20_lines() -> None:
    generator_code = _blocks()[0]
    body = [line for line in generator_code.splitlines() if line.strip()]
    assert len(body) <= 32  # imports included; the class itself is ~20 lines


def test_docs_example_builds(example_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    generator_code, api_code = _blocks()[:2]
    namespace: dict[str, object] = {}
    exec(compile(generator_code, str(DOC), "exec"), namespace)  # the doc's code, unchanged

    from generators import REGISTRY

    assert REGISTRY.get("complaint") is namespace["ComplaintGenerator"]

    config = example_dir / "config.yaml"
    raw = yaml.safe_load(config.read_text())
    raw["generator"] = "complaint"
    raw["teacher"].update(kind="transformers", batch_size=4, max_tokens=64, max_retries=1)
    raw["build"] = {"drift": False, "finetune": False}
    raw["fidelity"] = {"selection": {"oversample": 1.0}}  # n requests, as the doc says
    (example_dir / "examples" / "banking77").mkdir(parents=True)
    (example_dir / "examples" / "banking77" / "config.yaml").write_text(yaml.safe_dump(raw))
    for name in ("trusted.csv", "held_out.csv"):
        (example_dir / "examples" / "banking77" / name).write_bytes(
            (example_dir / name).read_bytes()
        )
    monkeypatch.chdir(example_dir)
    api_code = api_code.replace("n=20", "n=4")
    scope: dict[str, object] = {}
    exec(compile(api_code, str(DOC), "exec"), scope)
    summary = scope["summary"]
    assert isinstance(summary, dict)
    assert summary["counts"]["requested"] == 4
    lines = (example_dir / "runs" / "complaints" / "accepted.jsonl").read_text().splitlines()
    assert len(lines) == summary["counts"]["accepted"]
    for line in lines:
        record = json.loads(line)
        assert set(record["payload"]) == {"text", "product"}
        assert record["provenance"]["generator"] == "complaint"
