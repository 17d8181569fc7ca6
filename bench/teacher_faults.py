"""Records/s of a run through the OpenAI-compatible teacher with 0 %, 10 % and 30 % faults.

One process, one server code (`tests/fault_server.py`, a thread on 127.0.0.1 that answers after
`--latency` seconds, as a model would; a 429 comes at once), one seed: each run is a real
`GenerationRun` of the `labeled_text` generator through the real `openai` SDK, with a fresh
in-memory cache. A faulty run injects the given share of *HTTP requests* (retries included,
chosen by a hash of the body and attempt, not by the clock) with faults drawn evenly from: 429
with `Retry-After`, 500, a hung request (past `--timeout`), a truncated completion, a non-JSON
200, a 200 without `choices`, a connection reset. Prints records/s, the ratio of each run's time
(time_x) and throughput (rate_x) to the fault-free run, the HTTP retries the client counted
against those the server saw, and whether any record was lost (requested != accepted +
rejected, or an index missing). Aim: at 30 % no record lost and at most 2x the fault-free time.

    .venv/bin/python bench/teacher_faults.py --n 256
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "examples/banking77/config.yaml"))
    parser.add_argument("--n", type=int, default=256, help="records per run")
    parser.add_argument("--rates", default="0,0.1,0.3", help="shares of HTTP requests faulted")
    parser.add_argument("--latency", type=float, default=1.0, help="server seconds per answer")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--timeout", type=float, default=None, help="teacher.timeout_s (default 3x latency)"
    )
    parser.add_argument("--retry-after", type=float, default=1.0, help="a 429's Retry-After, s")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    args.timeout = args.timeout or max(0.5, 3 * args.latency)

    from fault_server import FaultServer, mixed

    from generators.cache import TeacherCache
    from generators.runner import GenerationRun
    from generators.teachers.openai_http import OpenAITeacher
    from pipelines.config import load_config
    from pipelines.generate import build_generator
    from pipelines.trusted import read_trusted

    base = load_config(args.config)
    generator = build_generator(base, read_trusted(base))
    rates = [float(r) for r in args.rates.split(",")]
    if rates[0] != 0:
        rates.insert(0, 0.0)
    print(
        f"n={args.n} latency={args.latency}s concurrency={args.concurrency} "
        f"batch_size={args.batch_size} timeout_s={args.timeout} retry_after={args.retry_after}s "
        f"seed={args.seed}"
    )
    header = (
        f"{'faults':>6} {'wall_s':>7} {'rec/s':>7} {'time_x':>6} {'rate_x':>6} {'accepted':>8} "
        f"{'rejected':>8} {'http_req':>8} {'retries':>7} {'server':>6} {'lost':>4}  injected"
    )
    print(header)
    wall0 = 0.0
    lost_any = False
    for rate in rates:
        settings = base.teacher.model_copy(
            update={
                "kind": "openai",
                "model": "m",
                "concurrency": args.concurrency,
                "batch_size": args.batch_size,
                "timeout_s": args.timeout,
            }
        )
        with FaultServer(
            mixed(rate, seed=args.seed),
            latency_s=args.latency,
            retry_after_s=args.retry_after,
            hang_s=3 * args.timeout,
        ) as server:
            settings = settings.model_copy(update={"base_url": server.url})
            teacher = OpenAITeacher("m", "served:m", settings)
            cache = TeacherCache(None)
            run = GenerationRun(generator, teacher, cache, seed=args.seed, settings=settings)
            t0 = time.perf_counter()
            result = run.run(0, args.n)
            wall = time.perf_counter() - t0
            cache.close()
            seen_retries = server.retries()
            injected = server.faults()
        s = result.stats
        ids = {r.id for r in result.records} | {r.record_id for r in result.rejections}
        lost = args.n - len(ids) if s.requested == s.accepted + s.rejected else args.n
        lost_any = lost_any or lost > 0
        wall0 = wall0 or wall
        print(
            f"{rate:>6.0%} {wall:>7.2f} {args.n / wall:>7.1f} {wall / wall0:>6.2f} "
            f"{wall0 / wall:>6.2f} {s.accepted:>8} {s.rejected:>8} {s.http_requests:>8} "
            f"{s.http_retries:>7} {seen_retries:>6} {lost:>4}  "
            + " ".join(f"{k}={v}" for k, v in sorted(injected.items()))
        )
    print("records lost: " + ("YES" if lost_any else "none"))


if __name__ == "__main__":
    main()
