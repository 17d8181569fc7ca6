"""Validation stages (PII scrub, dedup, drift gate) on 100k records: local vs 1 and 2 Ray workers.

    .venv/bin/python bench/scale_bench.py [--n 100000] [--batch-rows 5000]

One run measures, on the same records, the `local` target (whole frame in this process) and the
`ray` target on a Ray instance with 1 CPU and with 2 CPUs (one and two worker processes), and
prints records/s per stage, the speed-up from 1 to 2 workers (aim: at least 1.7x on 2 cores) and a
projection for 10M records from the measured per-record costs. It also checks that every target
keeps the same records. The records are real banking77 messages (PolyAI, CC BY 4.0), each joined
with a second sentence so that texts are distinct, some carrying PII, 3% exact copies, 3% one-word
edits.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl
import psutil
from prefect import flow

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generators.builtin import LabeledTextGenerator  # noqa: E402
from pipelines import stages  # noqa: E402
from pipelines.config import RunConfig, load_config  # noqa: E402
from pipelines.executor import Executor, open_executor, run_stage  # noqa: E402
from pipelines.state import BuildReport, BuildState  # noqa: E402

EXAMPLE = ROOT / "examples" / "banking77"
PII = [
    "My name is {name}.",
    "Call me on {phone}.",
    "Email me at {email}.",
    "I live at {street}.",
    "Thanks, {name}",
]
NAMES = ["Maria Lopez", "John Carter", "Aisha Khan", "Tom Becker", "Li Wei", "Sara Novak"]
STREETS = ["12 Baker Street", "401 Elm Avenue", "77 Harbour Road"]


def make_records(n: int, seed: int = 0) -> pl.DataFrame:
    """n records (id, text, label): distinct texts, ~10% with PII, 3% exact and 3% near copies."""
    rng = random.Random(seed)
    base = pl.read_csv(EXAMPLE / "banking77_train_full.csv")
    texts, labels = base["text"].to_list(), base["category"].to_list()
    rows: list[tuple[str, str]] = []
    while len(rows) < n:
        k = rng.randrange(len(texts))
        extra = rng.choice(texts)
        r = rng.random()
        if r < 0.03 and rows:
            rows.append(rng.choice(rows))
            continue
        text = f"{texts[k]} {extra}"
        if r < 0.06 and rows:
            words = rng.choice(rows)[0].split()
            words[rng.randrange(len(words))] = "zeppelin"
            text = " ".join(words)
        elif r < 0.16:
            template = rng.choice(PII)
            text += " " + template.format(
                name=rng.choice(NAMES),
                phone=f"+44 7{rng.randrange(10**8, 10**9)}",
                email=f"user{rng.randrange(10**6)}@example.com",
                street=rng.choice(STREETS),
            )
        rows.append((text, labels[k]))
    return pl.DataFrame(
        {
            "id": [f"r{i:08d}" for i in range(n)],
            "text": [t for t, _ in rows],
            "label": [lab for _, lab in rows],
        }
    )


def _config(batch_rows: int) -> RunConfig:
    cfg = load_config(EXAMPLE / "config.yaml")
    execution = cfg.execution.model_copy(update={"batch_rows": batch_rows})
    return cfg.model_copy(update={"execution": execution})


def _state(cfg: RunConfig, frame: pl.DataFrame, run_dir: Path) -> BuildState:
    trusted = pl.read_csv(cfg.data.trusted)
    roles = LabeledTextGenerator(cfg.generator_context(), trusted).roles()
    report = BuildReport(name=cfg.name, run_dir=str(run_dir), seed=cfg.seed, config_hash="")
    state = BuildState(cfg, run_dir, trusted, roles, ["text", "label"], report)
    state.accepted = frame
    state.record_stage("generate", frame.height, frame.height)
    return state


class WorkerMemory:
    """Peak resident memory of Ray worker processes (`ray::...`), sampled twice a second."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for proc in psutil.process_iter(["cmdline", "memory_info"]):
                cmd = proc.info["cmdline"] or []
                if cmd and cmd[0].startswith("ray::") and proc.info["memory_info"]:
                    self.peak_mb = max(self.peak_mb, proc.info["memory_info"].rss / 2**20)
            self._stop.wait(0.5)

    def __enter__(self) -> WorkerMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _stages(state: BuildState, executor: Executor) -> dict[str, float]:
    """Seconds per stage, each run through `run_stage` on the executor's target."""
    rows = state.config.execution.batch_rows
    times: dict[str, float] = {}
    t = time.perf_counter()
    stages.apply_scrub(state, run_stage(executor, stages.scrub_stage(state), state.frame, rows))
    times["pii"] = time.perf_counter() - t
    t = time.perf_counter()
    dedup = stages.dedup_stage(state)
    stages.apply_dedup(state, dedup, run_stage(executor, dedup, state.frame, rows))
    times["dedup"] = time.perf_counter() - t
    t = time.perf_counter()
    drift = stages.drift_stage(state)
    assert drift is not None
    stages.apply_drift(state, run_stage(executor, drift, state.frame, rows).report)
    times["drift"] = time.perf_counter() - t
    return times


@flow(name="scale-bench", log_prints=False)
def measure(
    target: str, workers: int | None, frame: pl.DataFrame, batch_rows: int, warm: pl.DataFrame
) -> dict[str, Any]:
    cfg = _config(batch_rows)
    with tempfile.TemporaryDirectory() as tmp:
        if target == "local":
            with open_executor(cfg.execution) as executor:
                _stages(_state(cfg, warm, Path(tmp) / "warm"), executor)  # load spaCy first
                state = _state(cfg, frame, Path(tmp))
                t0 = time.perf_counter()
                times = _stages(state, executor)
            peak = psutil.Process().memory_info().rss / 2**20
        else:
            execution = cfg.execution.model_copy(update={"target": "ray", "num_cpus": workers})
            cfg = cfg.model_copy(update={"execution": execution})
            with open_executor(cfg.execution) as executor, WorkerMemory() as memory:
                # Warm every worker (Ray process start, spaCy load) before timing.
                warm_cfg = cfg.model_copy(
                    update={"execution": execution.model_copy(update={"batch_rows": 50})}
                )
                warm_state = _state(warm_cfg, warm, Path(tmp) / "warm")
                stages.apply_scrub(
                    warm_state, run_stage(executor, stages.scrub_stage(warm_state), warm, 50)
                )
                state = _state(cfg, frame, Path(tmp))
                t0 = time.perf_counter()
                times = _stages(state, executor)
            peak = memory.peak_mb
        total = time.perf_counter() - t0
    assert state.accepted is not None
    return {
        "times": times,
        "total": total,
        "kept": state.accepted["id"].to_list(),
        "text_hash": state.accepted["text"].hash().sum(),
        "peak_mb": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--batch-rows", type=int, default=5000)
    args = parser.parse_args()
    frame = make_records(args.n)
    warm = make_records(100, seed=1)
    print(f"{args.n} records, batches of {args.batch_rows}, {psutil.cpu_count()} CPUs")
    runs = {}
    for name, target, workers in (
        ("local", "local", None),
        ("ray-1", "ray", 1),
        ("ray-2", "ray", 2),
    ):
        runs[name] = measure(target, workers, frame, args.batch_rows, warm)
        r = runs[name]
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in r["times"].items())
        print(
            f"{name:6s} {r['total']:8.1f} s  {args.n / r['total']:8.0f} records/s  "
            f"kept {len(r['kept'])}  peak {r['peak_mb']:.0f} MB  ({stages})"
        )
    same = all(
        runs[k]["kept"] == runs["local"]["kept"]
        and runs[k]["text_hash"] == runs["local"]["text_hash"]
        for k in runs
    )
    print(f"same kept records and texts on every target: {same}")
    one, two = runs["ray-1"], runs["ray-2"]
    print(f"speed-up 1 -> 2 workers: {one['total'] / two['total']:.2f}x (aim >= 1.7x)")
    print(f"ray-2 vs local: {runs['local']['total'] / two['total']:.2f}x")
    _project(one, args.n, args.batch_rows)


def _project(one: dict[str, Any], n: int, batch_rows: int) -> None:
    """10M records from the 1-worker per-record costs: worker stages split, driver ones do not."""
    big = 10_000_000
    t = one["times"]
    # Worker side: the PII batches (most of the time). Dedup (signatures + LSH join) and drift
    # (summaries + tests) are counted in the driver: an upper bound for their share.
    spread = t["pii"] / n  # seconds per record on one worker
    driver = (t["dedup"] + t["drift"]) / n
    num_perm = _config(batch_rows).dedup.num_perm
    for workers in (2, 16, 64):
        hours = (spread * big / workers + driver * big) / 3600
        print(f"10M records on {workers:3d} workers: ~{hours:.1f} h")
    print(
        f"memory per worker: ~{one['peak_mb']:.0f} MB measured at {batch_rows} records per task "
        "(set by execution.batch_rows, not by the size of the run); driver: signatures "
        f"{big * num_perm * 4 / 2**30:.1f} GB + the records"
    )


if __name__ == "__main__":
    main()
