"""vLLM on CPU: one thread, two threads, and two threads with fixed row blocks (`batch_invariant`).

Each side runs in a process of its own (the settings are read as vLLM starts its processes), on
the first-attempt requests of the example build, after one warm-up call. A side times all `n`
requests, then sends the second half again, reversed, in the same engine: a request's text
should not change with the requests beside it. Prints tokens/s per side, the ratio to the
one-thread side (vLLM's own choice on 2 cores), and how many texts the second pass changed.

    .venv/bin/python bench/vllm_fixed_rows.py --n 128
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from engine_side import run_side

ROOT = Path(__file__).resolve().parents[1]
SIDES = {
    "1 thread": {"reserved_cpus": "vllm", "batch_invariant": False},
    "2 threads": {"reserved_cpus": 0, "batch_invariant": False},
    "2 threads, fixed rows": {"reserved_cpus": 0, "batch_invariant": True},
}


def side(config: str, n: int, name: str) -> dict:
    """One engine: `n` requests timed, then the second half again, reversed."""
    from generators.runner import GenerationRun, _Job
    from generators.samplers import record_rng
    from generators.teachers import make_teacher
    from pipelines.config import load_config
    from pipelines.generate import build_generator, load_trusted

    cfg = load_config(config, {"n": n})
    for key, value in SIDES[name].items():
        setattr(cfg.teacher, key, value)
    teacher = make_teacher(cfg.teacher)
    generator = build_generator(cfg, load_trusted(cfg))
    probe = GenerationRun(generator, teacher, None, seed=cfg.seed, settings=cfg.teacher)  # type: ignore[arg-type]
    requests = [
        probe._request(_Job(i, 0, generator.sample(record_rng(cfg.seed, i))))[0] for i in range(n)
    ]
    teacher.generate(requests[:1])  # engine start and warm-up, not timed
    t0 = time.perf_counter()
    answers = teacher.generate(requests)
    seconds = time.perf_counter() - t0
    half = requests[n // 2 :]
    again = [a.text for a in teacher.generate(half[::-1])][::-1]
    changed = sum(a.text != b for a, b in zip(answers[n // 2 :], again, strict=True))
    return {
        "seconds": seconds,
        "tokens": sum(a.tokens_out for a in answers),
        "changed": changed,
        "checked": len(half),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "examples/banking77/config.yaml"))
    parser.add_argument("--n", type=int, default=128)
    parser.add_argument("--side", choices=list(SIDES), help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.n < 2:
        parser.error("--n must be at least 2")
    if args.side:
        args.result.write_text(json.dumps(side(args.config, args.n, args.side)))
        return
    results = {}
    for name in SIDES:
        results[name] = run_side(__file__, args.config, args.n, name)
        r, base = results[name], results["1 thread"]
        rate = r["tokens"] / r["seconds"]
        ratio = rate / (base["tokens"] / base["seconds"])
        print(
            f"{name:>22}: {r['tokens']} tokens in {r['seconds']:.1f} s = {rate:.1f} tok/s "
            f"({ratio:.2f}x 1 thread); texts changed by the batch: {r['changed']} of {r['checked']}"
        )


if __name__ == "__main__":
    main()
