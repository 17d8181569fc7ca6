"""The exported student under llama.cpp next to transformers, on the same held-out messages.

Each runtime classifies each message the way a user of the file would: the prompt from the
GGUF's `synthmill.prompt.template`, greedy decoding until the newline that ends a label, one
message at a time, a fresh context per message (no prompt cache carried over), on `--threads`
cores. It reports the file size, the load time, prompt and decode tokens/s, seconds per message
and the greedy label accuracy. Decode tokens/s is measured on a separate 32-token greedy run.
llama.cpp is also timed as llama-server runs by default, with the shared prompt head cached.

    runtimes         what loads                                        needs
    llama.cpp        the GGUF, through llama-cpp-python                --llama-python (own venv)
    transformers     the 4-bit NF4 base + LoRA adapter (the student    .venv
      +peft          as the build trains and scores it)
    transformers     the GGUF, dequantised to float32 by transformers  .venv
      (gguf)         (the figures to give when llama.cpp is missing)

llama-cpp-python builds from source (a compiler, minutes), so it lives in a venv of its own and
never in `make test`:

    python3 -m venv /tmp/llamavenv && /tmp/llamavenv/bin/pip install llama-cpp-python
    (where the worker exits -4, SIGILL: the CPU reports AMX but the VM does not allow it; build
    with CMAKE_ARGS="-DGGML_NATIVE=OFF -DCMAKE_C_FLAGS='-march=native -mno-amx-tile
    -mno-amx-int8 -mno-amx-bf16'" and the same CMAKE_CXX_FLAGS)
    .venv/bin/synthmill export runs/demo --quant q8_0 --out /tmp/student.gguf
    .venv/bin/python bench/edge_runtime.py --gguf /tmp/student.gguf --adapter runs/demo/adapter \
        --llama-python /tmp/llamavenv/bin/python --rows 50 --threads 2

`--worker` is the llama.cpp side (stdlib + llama_cpp only); the parent runs it in that venv.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MAX_LABEL_TOKENS = 12
DECODE_TOKENS = 32


# -- llama.cpp (runs in the llama-cpp-python venv: stdlib and llama_cpp only) ----------------
def llama_worker(job: dict[str, Any]) -> dict[str, Any]:
    import llama_cpp
    import numpy as np
    from llama_cpp import Llama

    start = time.perf_counter()
    llm = Llama(
        job["gguf"],
        n_ctx=512,
        n_threads=job["threads"],
        n_threads_batch=job["threads"],
        verbose=False,
    )
    load = time.perf_counter() - start
    ctx = llm._ctx.ctx  # the perf counters give prompt and decode time apart
    prompt_ms = decode_ms = 0.0
    prompt_tokens = decode_tokens = 0
    labels, seconds = [], []
    for prompt in job["prompts"]:
        llm.reset()
        llama_cpp.llama_perf_context_reset(ctx)
        t0 = time.perf_counter()
        out = llm.create_completion(
            prompt, max_tokens=MAX_LABEL_TOKENS, temperature=0.0, stop=["\n"]
        )
        seconds.append(time.perf_counter() - t0)
        perf = llama_cpp.llama_perf_context(ctx)
        prompt_ms, prompt_tokens = prompt_ms + perf.t_p_eval_ms, prompt_tokens + perf.n_p_eval
        labels.append(out["choices"][0]["text"].strip())
    # As llama-server runs by default (cache_prompt): the shared head of the prompt (header and
    # label list) is kept between messages, only the message and the answer are evaluated.
    cached = []
    for prompt in job["prompts"]:
        t0 = time.perf_counter()
        llm.create_completion(prompt, max_tokens=MAX_LABEL_TOKENS, temperature=0.0, stop=["\n"])
        cached.append(time.perf_counter() - t0)
    # The label walk (pipelines/export/label_decode.py): only tokens that continue a label
    # compete, and it stops once one label is left. Fresh context per message, then with the
    # prompt head kept as above.
    walk = _label_decode()
    vocab = llm.n_vocab()

    def tokenize(text: str) -> list[int]:
        return llm.tokenize(text.encode(), add_bos=True, special=False)

    def step(tokens: Any) -> Any:
        llm.eval(list(tokens))
        return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, -1), shape=(vocab,))

    answers = walk.label_tokens(tokenize, job["prompts"][0], job["labels"], job["answer"])
    walked, walk_seconds, walk_steps = [], [], []
    for keep_head in (False, True):
        spent = []
        for prompt in job["prompts"]:
            ids = tokenize(prompt)
            t0 = time.perf_counter()
            shared = 0
            if keep_head:  # what create_completion reuses: the longest common prefix
                old = llm.input_ids[: llm.n_tokens].tolist()
                while shared < min(len(old), len(ids) - 1) and old[shared] == ids[shared]:
                    shared += 1
            llm.n_tokens = shared
            before = llm.n_tokens
            label = walk.classify(step, ids[shared:], answers)
            spent.append(time.perf_counter() - t0)
            if not keep_head:
                walked.append(label)
                walk_steps.append(llm.n_tokens - before - (len(ids) - shared))
        walk_seconds.append(spent)
    # Decode speed on a longer greedy run (labels are a few tokens): EOS banned, no stop.
    llm.reset()
    llama_cpp.llama_perf_context_reset(ctx)
    llm.create_completion(
        job["prompts"][0],
        max_tokens=DECODE_TOKENS,
        temperature=0.0,
        logit_bias={llm.token_eos(): -1e9},
    )
    perf = llama_cpp.llama_perf_context(ctx)
    decode_ms, decode_tokens = perf.t_eval_ms, perf.n_eval
    return {
        "runtime": f"llama.cpp (llama-cpp-python {llama_cpp.__version__})",
        "load_seconds": load,
        "prompt_tokens_per_s": prompt_tokens / (prompt_ms / 1000) if prompt_ms else None,
        "decode_tokens_per_s": decode_tokens / (decode_ms / 1000) if decode_ms else None,
        "seconds_per_message": sum(seconds) / len(seconds),
        "seconds_per_message_prompt_cached": sum(cached) / len(cached),
        "labels": labels,
        "label_walk": {
            "seconds_per_message": sum(walk_seconds[0]) / len(walk_seconds[0]),
            "seconds_per_message_prompt_cached": sum(walk_seconds[1]) / len(walk_seconds[1]),
            "steps_after_prompt": sum(walk_steps) / len(walk_steps),
            "labels": walked,
        },
    }


def _label_decode() -> Any:
    """pipelines/export/label_decode.py by path: the package's __init__ needs torch."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "label_decode", ROOT / "pipelines/export/label_decode.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- transformers -----------------------------------------------------------------------------
def torch_runtime(
    name: str, model: Any, tokenizer: Any, prompts: list[str], load: float, job: dict[str, Any]
) -> dict:
    """The same loops as llama_worker: greedy, fresh cache per message, stop at the newline;
    then the label walk."""
    import torch

    newline = tokenizer("\n", add_special_tokens=False)["input_ids"][-1]
    stops = {newline, tokenizer.eos_token_id}
    prompt_s = decode_s = 0.0
    prompt_tokens = 0
    labels, seconds = [], []

    def greedy(ids: list[int], steps: int, stop: bool) -> tuple[list[int], float, float]:
        t0 = time.perf_counter()
        out = model(input_ids=torch.tensor([ids]), use_cache=True)
        t1 = time.perf_counter()
        made: list[int] = []
        for _ in range(steps):
            logits = out.logits[0, -1]
            if not stop:
                logits[tokenizer.eos_token_id] = float("-inf")
            token = int(logits.argmax())
            if stop and token in stops:
                break
            made.append(token)
            out = model(
                input_ids=torch.tensor([[token]]),
                past_key_values=out.past_key_values,
                use_cache=True,
            )
        return made, t1 - t0, time.perf_counter() - t1

    with torch.no_grad():
        for prompt in prompts:
            ids = tokenizer(prompt)["input_ids"]
            t0 = time.perf_counter()
            made, p_s, _ = greedy(ids, MAX_LABEL_TOKENS, True)
            seconds.append(time.perf_counter() - t0)
            prompt_s, prompt_tokens = prompt_s + p_s, prompt_tokens + len(ids)
            labels.append(tokenizer.decode(made).strip())
        made, _, decode_s = greedy(tokenizer(prompts[0])["input_ids"], DECODE_TOKENS, False)
        walk = _label_decode()
        answers = walk.label_tokens(
            lambda text: tokenizer(text)["input_ids"], prompts[0], job["labels"], job["answer"]
        )
        past: list[Any] = [None]

        def step(tokens: Any) -> Any:
            out = model(
                input_ids=torch.tensor([list(tokens)]), past_key_values=past[0], use_cache=True
            )
            past[0] = out.past_key_values
            return out.logits[0, -1].float().numpy()

        walked, walk_seconds = [], []
        for prompt in prompts:
            ids = tokenizer(prompt)["input_ids"]
            t0 = time.perf_counter()
            past[0] = None
            walked.append(walk.classify(step, ids, answers))
            walk_seconds.append(time.perf_counter() - t0)
    return {
        "runtime": name,
        "load_seconds": load,
        "prompt_tokens_per_s": prompt_tokens / prompt_s,
        # `DECODE_TOKENS` steps; the first token comes from the prompt pass
        "decode_tokens_per_s": (len(made) - 1) / decode_s,
        "seconds_per_message": sum(seconds) / len(seconds),
        "labels": labels,
        "label_walk": {
            "seconds_per_message": sum(walk_seconds) / len(walk_seconds),
            "labels": walked,
        },
    }


def run_peft(adapter: Path, prompts: list[str], job: dict[str, Any]) -> dict:
    from pipelines.evaluate import load_for_eval
    from pipelines.export.verify import student_settings
    from pipelines.finetune import read_adapter_meta

    t0 = time.perf_counter()
    model, tokenizer = load_for_eval(student_settings(read_adapter_meta(adapter)), adapter=adapter)
    load = time.perf_counter() - t0
    return torch_runtime(
        "transformers + peft (NF4 base + adapter)", model, tokenizer, prompts, load, job
    )


def run_transformers_gguf(gguf: Path, prompts: list[str], job: dict[str, Any]) -> dict:
    from pipelines.export.verify import load_gguf

    t0 = time.perf_counter()
    model, tokenizer = load_gguf(gguf)
    load = time.perf_counter() - t0
    return torch_runtime(
        "transformers (GGUF read to float32)", model, tokenizer, prompts, load, job
    )


def run_llama(
    python: str, gguf: Path, prompts: list[str], threads: int, job: dict[str, Any]
) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump({"gguf": str(gguf), "prompts": prompts, "threads": threads, **job}, fh)
    try:
        done = subprocess.run(
            [python, __file__, "--worker", fh.name],
            capture_output=True,
            text=True,
            timeout=1800,
            env={**os.environ, "OMP_NUM_THREADS": str(threads)},
        )
    finally:
        os.unlink(fh.name)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"runtime": "llama.cpp", "error": f"worker exited {done.returncode}: {tail}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- main -------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--gguf", type=Path, help="the exported student")
    parser.add_argument("--adapter", type=Path, default=ROOT / "runs/demo/adapter")
    parser.add_argument("--held-out", type=Path, default=ROOT / "examples/banking77/held_out.csv")
    parser.add_argument("--input-field", default="text")
    parser.add_argument("--label-field", default="category")
    parser.add_argument("--rows", type=int, default=50, help="held-out messages (seeded sample)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--llama-python", help="python of a venv with llama-cpp-python")
    parser.add_argument("--skip", default="", help="comma-separated: peft, transformers-gguf")
    parser.add_argument("--report", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(llama_worker(json.loads(Path(args.worker).read_text()))))
        return
    if args.gguf is None or not args.gguf.is_file():
        parser.error("--gguf: pass an exported student file (synthmill export)")

    import polars as pl
    import torch

    from pipelines.evaluate import accuracy
    from pipelines.export import read_metadata

    torch.set_num_threads(args.threads)
    meta = read_metadata(args.gguf)
    template = meta["synthmill.prompt.template"]
    rows = pl.read_csv(args.held_out).sample(n=args.rows, seed=0, shuffle=True)
    texts = [" ".join(str(t).split()) for t in rows[args.input_field].to_list()]
    truth = [str(v) for v in rows[args.label_field].to_list()]
    prompts = [template.replace("{text}", t) for t in texts]
    labels = meta["synthmill.labels"]
    job = {"labels": list(labels), "answer": meta["synthmill.prompt.answer"]}
    skip = set(filter(None, args.skip.split(",")))
    results = []
    if args.llama_python:
        results.append(run_llama(args.llama_python, args.gguf, prompts, args.threads, job))
    else:
        results.append({"runtime": "llama.cpp", "error": "not run (no --llama-python)"})
    if "peft" not in skip:
        results.append(run_peft(args.adapter, prompts, job))
    if "transformers-gguf" not in skip:
        results.append(run_transformers_gguf(args.gguf, prompts, job))
    summary = {
        "gguf": str(args.gguf),
        "size_mb": args.gguf.stat().st_size / 1e6,
        "quant": meta.get("synthmill.quant"),
        "rows": len(prompts),
        "threads": args.threads,
        "load_average": os.getloadavg(),
        "runtimes": [],
    }
    for r in results:
        labels = r.pop("labels", None)
        walk = r.get("label_walk")
        if labels is not None:
            r["greedy_accuracy"] = accuracy(labels, truth)
        if walk is not None and labels is not None:
            walked = walk.pop("labels")
            walk["accuracy"] = accuracy(walked, truth)
            walk["same_label_as_greedy"] = accuracy(walked, labels)
        summary["runtimes"].append(r)
    base = next((r for r in summary["runtimes"] if "peft" in r["runtime"]), None)
    print(
        f"{args.gguf} ({summary['size_mb']:.1f} MB, {summary['quant']}), {len(prompts)} messages, "
        f"{args.threads} threads, load average {summary['load_average'][0]:.1f}"
    )
    for r in summary["runtimes"]:
        if "error" in r:
            print(f"  {r['runtime']}: {r['error']}")
            continue
        if base is not None:
            r["speedup_vs_peft"] = base["seconds_per_message"] / r["seconds_per_message"]
        walk = r.get("label_walk")
        if base is not None and walk is not None:
            walk["speedup_vs_peft"] = base["seconds_per_message"] / walk["seconds_per_message"]
            peft_walk = base.get("label_walk")
            if peft_walk is not None:
                walk["speedup_vs_peft_walk"] = (
                    peft_walk["seconds_per_message"] / walk["seconds_per_message"]
                )
        print(
            f"  {r['runtime']}: load {r['load_seconds']:.1f} s, prompt "
            f"{r['prompt_tokens_per_s']:.0f} tok/s, decode {r['decode_tokens_per_s']:.1f} tok/s, "
            f"{r['seconds_per_message'] * 1000:.0f} ms/message "
            f"({r.get('speedup_vs_peft', 1):.1f}x transformers+peft), "
            f"greedy accuracy {r['greedy_accuracy']:.3f}"
            + (
                f"; {r['seconds_per_message_prompt_cached'] * 1000:.0f} ms/message with the "
                "prompt head cached"
                if "seconds_per_message_prompt_cached" in r
                else ""
            )
        )
        if walk is not None:
            cached = walk.get("seconds_per_message_prompt_cached")
            print(
                f"    label walk: {walk['seconds_per_message'] * 1000:.0f} ms/message "
                f"({walk.get('speedup_vs_peft', 1):.1f}x transformers+peft greedy, "
                f"{walk.get('speedup_vs_peft_walk', 1):.1f}x its label walk), accuracy "
                f"{walk['accuracy']:.3f}, same label as greedy {walk['same_label_as_greedy']:.1%}"
                + (
                    f", {walk['steps_after_prompt']:.2f} steps after the prompt"
                    if "steps_after_prompt" in walk
                    else ""
                )
                + (
                    f"; {cached * 1000:.0f} ms/message with the prompt head cached"
                    if cached
                    else ""
                )
            )
    if args.report:
        args.report.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
