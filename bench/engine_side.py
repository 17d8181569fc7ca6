"""Run one side of an engine bench in a process of its own and read back its JSON result.

vLLM reads its settings as it starts its processes, and one process keeps its first engine's
plugins, so each side of `top_p_window.py` and `vllm_fixed_rows.py` gets a fresh interpreter:
the bench script itself, called again with `--side NAME --result FILE`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_side(script: str, config: str, n: int, name: str) -> dict[str, Any]:
    """`script --config CONFIG --n N --side NAME` in a new process; exits naming a failed side."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "side.json"
        done = subprocess.run(
            [sys.executable, script, "--config", config, "--n", str(n)]
            + ["--side", name, "--result", str(result)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode != 0 or not result.is_file():
            sys.exit(f"{name} side failed: {done.stderr.strip().splitlines()[-1:]}")
        return json.loads(result.read_text())
