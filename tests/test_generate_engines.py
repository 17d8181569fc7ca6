"""Integration: real teachers on the embedded model (vLLM engine through the CLI, transformers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generators.cache import TeacherCache
from generators.runner import GenerationRun
from generators.teachers import make_teacher
from pipelines.config import load_config
from pipelines.generate import build_generator, load_trusted

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples" / "banking77" / "config.yaml"
SYNTHMILL = Path(sys.executable).parent / "synthmill"


def _generate(out: Path, n: int) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(
        [str(SYNTHMILL), "generate", str(CONFIG), "--n", str(n), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=1500,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((out / "manifest.json").read_text())


def _lines(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.engine
def test_generate_cli_with_vllm_engine(tmp_path: Path) -> None:
    cfg = load_config(CONFIG)
    out = tmp_path / "out"
    manifest = _generate(out, 32)
    records = _lines(out / "generated.jsonl")
    rejected = _lines(out / "rejected.jsonl")
    counts = manifest["counts"]
    assert counts["requested"] == 32
    assert counts["accepted"] == len(records) >= 30
    assert counts["rejected"] == len(rejected)
    assert counts["accepted"] + counts["rejected"] == counts["requested"]
    assert sum(counts["rejected_by_reason"].values()) == counts["rejected"]
    assert len({r["payload"]["text"] for r in records}) >= 24
    assert {r["payload"]["label"] for r in records} <= set(cfg.data.labels)
    for r in records:
        assert set(r) == {"id", "payload", "provenance"}
        p = r["provenance"]
        assert p["teacher"] == "vllm" and p["weights_hash"].startswith("gguf-sha256:")
        assert p["prompt_hash"] and p["generator"] == "labeled_text" and p["generator_version"]
        assert p["attributes"]["label"] == r["payload"]["label"]
    assert len({r["provenance"]["seed"] for r in records}) == len(records)
    assert manifest["teacher"]["calls"] >= 32 and manifest["teacher"]["cache_hits"] == 0
    assert manifest["tokens"]["out"] > 0 and manifest["config_hash"]

    again = _generate(out, 32)
    assert again["teacher"]["calls"] == 0
    assert again["teacher"]["cache_hits"] == manifest["teacher"]["calls"]
    assert _lines(out / "generated.jsonl") == records


def test_transformers_teacher_is_schema_constrained(example_dir: Path, embedded_dir: Path) -> None:
    cfg = load_config(
        example_dir / "config.yaml",
        {"teacher.kind": "transformers", "teacher.batch_size": 4, "teacher.max_tokens": 64, "n": 4},
    )
    teacher = make_teacher(cfg.teacher)
    assert teacher.constrained  # type: ignore[attr-defined]
    run = GenerationRun(
        build_generator(cfg, load_trusted(cfg)),
        teacher,
        TeacherCache(None),
        seed=3,
        settings=cfg.teacher,
    )
    result = run.run(0, 4)
    assert result.stats.requested == len(result.records) + len(result.rejections) == 4
    # Constrained decoding: whatever comes back parses, and labels are the sampled ones.
    assert all(r.reason.value not in {"invalid_json", "schema_mismatch"} for r in result.rejections)
    assert len(result.records) >= 3
    for rec in result.records:
        assert rec.payload.label == rec.provenance.attributes["label"]
        assert rec.provenance.teacher == "transformers"


def test_a_ctrl_c_while_the_engine_starts_is_not_swallowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """vLLM waits for its engine inside `zmq_socket_ctx`, which catches KeyboardInterrupt and
    goes on: a Ctrl-C there left the start waiting up to 10 minutes for an engine the Ctrl-C
    had killed. With `let_interrupts_through` the interrupt leaves the context, socket closed."""
    import zmq
    from vllm.utils import network_utils
    from vllm.v1.engine import utils as engine_utils

    from generators.teachers.vllm_engine import let_interrupts_through

    # vLLM's own (an engine started earlier in this process has already wrapped the name)
    monkeypatch.setattr(engine_utils, "zmq_socket_ctx", network_utils.zmq_socket_ctx)
    address = f"ipc://{tmp_path}/handshake"
    with engine_utils.zmq_socket_ctx(address, zmq.ROUTER, bind=True):
        raise KeyboardInterrupt  # vLLM's own: swallowed (when this fails, drop the patch)
    assert let_interrupts_through() and not let_interrupts_through()  # once
    with pytest.raises(KeyboardInterrupt):
        with engine_utils.zmq_socket_ctx(address, zmq.ROUTER, bind=True) as socket:
            raise KeyboardInterrupt
    assert socket.closed
