"""vLLM on CPU with the top-p window (`teacher.top_p_window`) against vLLM's own sort.

Each side runs in a process of its own (the switch is read as vLLM starts its processes), on
the first-attempt requests of the example build (prompts, schemas, per-request seeds and
`top_p` as `synthmill build` sends them), after one warm-up call. Prints tokens/s for both,
their ratio, and whether the two wrote the same texts (they should: the window draws the sort's
tokens, up to float rounding of the cumulative mass at `top_p`).

    .venv/bin/python bench/top_p_window.py --n 128
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

from engine_side import run_side

ROOT = Path(__file__).resolve().parents[1]


def side(config: str, n: int, window: bool) -> dict:
    """One engine, `n` requests in batches of the teacher's size; runs in its own process."""
    from generators.runner import GenerationRun, _Job
    from generators.samplers import record_rng
    from generators.teachers import make_teacher
    from pipelines.config import load_config
    from pipelines.generate import build_generator, load_trusted

    cfg = load_config(config, {"n": n})
    cfg.teacher.top_p_window = window
    teacher = make_teacher(cfg.teacher)
    generator = build_generator(cfg, load_trusted(cfg))
    probe = GenerationRun(generator, teacher, None, seed=cfg.seed, settings=cfg.teacher)  # type: ignore[arg-type]
    requests = [
        probe._request(_Job(i, 0, generator.sample(record_rng(cfg.seed, i))))[0] for i in range(n)
    ]
    warm = teacher.generate(requests[:1])  # engine start and warm-up, not timed
    del warm
    t0 = time.perf_counter()
    texts: list[str] = []
    tokens = 0
    for b in range(0, n, cfg.teacher.batch_size * 4):
        answers = teacher.generate(requests[b : b + cfg.teacher.batch_size * 4])
        texts += [a.text for a in answers]
        tokens += sum(a.tokens_out for a in answers)
    seconds = time.perf_counter() - t0
    return {
        "window": window,
        "top_p": cfg.teacher.top_p,
        "seconds": seconds,
        "tokens": tokens,
        "texts_sha1": hashlib.sha1(json.dumps(texts).encode()).hexdigest(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "examples/banking77/config.yaml"))
    parser.add_argument("--n", type=int, default=128)
    parser.add_argument("--side", choices=["window", "sort"], help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        args.result.write_text(json.dumps(side(args.config, args.n, args.side == "window")))
        return
    results = {}
    for name in ("sort", "window"):
        results[name] = run_side(__file__, args.config, args.n, name)
        r = results[name]
        print(
            f"{name:>6}: {r['tokens']} tokens in {r['seconds']:.1f} s = "
            f"{r['tokens'] / r['seconds']:.1f} tok/s (top_p {r['top_p']})"
        )
    sort, window = results["sort"], results["window"]
    ratio = (window["tokens"] / window["seconds"]) / (sort["tokens"] / sort["seconds"])
    same = sort["texts_sha1"] == window["texts_sha1"]
    print(f"window / sort = {ratio:.2f}x tokens/s; same texts: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
