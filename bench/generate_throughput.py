"""Throughput of `synthmill generate` against a bare `vllm.LLM.generate` on the same requests.

Both share one warm engine (an engine start is not throughput). The bare run sends exactly the
first-attempt requests the pipeline builds (same prompts, schemas, seeds, sampling parameters)
in batches of the same size; the pipeline run adds sampling, prompt building, caching, parsing,
checks and provenance. Prints output tokens/s for both and their ratio (aim: >= 0.90).

    .venv/bin/python bench/generate_throughput.py --n 128
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "examples/banking77/config.yaml"))
    parser.add_argument("--n", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=2, help="alternating timed rounds")
    args = parser.parse_args()

    from generators.runner import GenerationRun, _Job
    from generators.samplers import record_rng
    from generators.teachers import make_teacher
    from pipelines.config import load_config
    from pipelines.generate import build_generator, generate, load_trusted

    cfg = load_config(args.config, {"n": args.n})
    teacher = make_teacher(cfg.teacher)
    generator = build_generator(cfg, load_trusted(cfg))
    probe = GenerationRun(generator, teacher, None, seed=cfg.seed, settings=cfg.teacher)  # type: ignore[arg-type]
    requests = [
        probe._request(_Job(i, 0, generator.sample(record_rng(cfg.seed, i))))[0]
        for i in range(args.n)
    ]
    llm = teacher.llm  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    llm.generate([requests[0].prompt], [teacher.sampling_params(requests[0])], use_tqdm=False)  # type: ignore[attr-defined]
    print(f"engine ready in {time.perf_counter() - t0:.1f} s (includes start and warm-up)")

    bare_rates, pipe_rates = [], []
    for round_no in range(args.rounds):
        # Bare engine: the same requests, in batches of the same size, nothing else.
        t0 = time.perf_counter()
        tokens = 0
        size = cfg.teacher.batch_size
        for b in range(0, len(requests), size):
            chunk = requests[b : b + size]
            outs = llm.generate(
                [r.prompt for r in chunk],
                [teacher.sampling_params(r) for r in chunk],
                use_tqdm=False,
            )  # type: ignore[attr-defined]
            tokens += sum(len(o.outputs[0].token_ids) for o in outs)
        bare_s = time.perf_counter() - t0
        bare_rates.append(tokens / bare_s)
        print(
            f"round {round_no + 1} bare vllm: {tokens} tokens in {bare_s:.1f} s "
            f"= {tokens / bare_s:.1f} tok/s"
        )
        # The pipeline: synthmill generate's own function, fresh cache, same engine.
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            info = generate(cfg, out, teacher=teacher)
            pipe_s = time.perf_counter() - t0
        out_tokens = info["tokens"]["out"]
        pipe_rates.append(out_tokens / pipe_s)
        c = info["counts"]
        print(
            f"round {round_no + 1} synthmill generate: {out_tokens} tokens in {pipe_s:.1f} s "
            f"= {out_tokens / pipe_s:.1f} tok/s (accepted {c['accepted']}/{c['requested']}, "
            f"retries {c['retries']}, calls {info['teacher']['calls']})"
        )
    bare, pipe = max(bare_rates), max(pipe_rates)
    print(
        f"best bare {bare:.1f} tok/s, best pipeline {pipe:.1f} tok/s, "
        f"ratio pipeline/bare = {pipe / bare:.3f} (aim >= 0.90)"
    )


if __name__ == "__main__":
    main()
