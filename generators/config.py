"""The generator side of the run config: the teacher, what varies between records, the data.

Plain pydantic on `schemas.base`; `pipelines.config` composes these into the `RunConfig`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator

from schemas.base import Settings

TeacherKind = Literal["vllm", "openai", "transformers"]
TEACHER_KINDS: tuple[str, ...] = ("vllm", "openai", "transformers")


class TeacherConfig(Settings):
    """Which model writes the records, and how it is sampled."""

    kind: TeacherKind = "vllm"
    model: str = Field("embedded", description="'embedded', a local HF folder or a hub id")
    api: Literal["completions", "chat"] = Field(
        "completions", description="plain completion prompt (base models) or chat messages"
    )
    max_tokens: int = Field(96, gt=0)
    temperature: float = Field(1.0, ge=0)
    top_p: float = Field(0.95, gt=0, le=1)
    batch_size: int = Field(
        64,
        gt=0,
        description="prompts sent to the teacher in one call; for the vLLM engine, requests it "
        "runs at once (it is given up to 4 batches per call and refills finished slots)",
    )
    max_retries: int = Field(3, ge=0, description="fresh-seed retries before a rejection")
    # budget of one run (of one lane, where lanes split a run); cached answers are free
    max_requests: int | None = Field(
        None,
        gt=0,
        description="most fresh (uncached) teacher requests per run; when reached the run stops, "
        "and the same command resumes from the teacher cache",
    )
    max_tokens_total: int | None = Field(
        None,
        gt=0,
        description="most prompt + completion tokens of fresh answers per run, checked after "
        "each batch; when reached the run stops, resumable from the teacher cache",
    )
    # openai-compatible servers
    base_url: str = "http://127.0.0.1:8000/v1"
    endpoints: list[str] = Field(
        default_factory=list,
        description="several servers of the same model: a run's requests are split across them",
    )
    api_key_env: str = Field("OPENAI_API_KEY", description="name of the env var holding the key")
    concurrency: int = Field(8, gt=0, description="HTTP requests in flight at once")
    timeout_s: float = Field(60.0, gt=0, description="per HTTP request")
    http_retries: int = Field(
        4, ge=0, description="retries of one HTTP request (backoff, Retry-After honoured)"
    )
    # engine
    max_model_len: int = Field(1024, gt=0)
    dtype: str = "bfloat16"
    enforce_eager: bool = Field(
        True, description="skip torch.compile: engine starts ~100 s sooner on CPU"
    )
    kv_cache_gib: float = Field(2.0, gt=0, description="KV cache size for the vLLM engine")
    top_p_window: bool = Field(
        True,
        description="vLLM on CPU: find the top-p nucleus among the 256 likeliest tokens instead "
        "of sorting the whole vocabulary (the same tokens drawn, up to float rounding at p; "
        "1.5x the tokens/s of the example's teacher on 2 cores)",
    )
    batch_invariant: bool = Field(
        True,
        description="vLLM on CPU, eager engines: run every linear layer's kernel on blocks of "
        "64 rows, give attention one query row per token and keep it from splitting a "
        "sequence's keys between threads, so a "
        "request's text does not depend on the requests it shares the engine's steps with, and "
        "a run resumed after Ctrl-C writes what an uninterrupted one writes",
    )
    reserved_cpus: Annotated[int, Field(ge=0)] | Literal["vllm", "auto"] = Field(
        "auto",
        description="vLLM on CPU: cores kept free of the model's threads for the engine's "
        "scheduler. auto (default): none on machines of at most 4 usable cores when the engine "
        "is batch-invariant (vLLM keeps one on x86, which leaves the model one thread on 2 "
        "cores; the example's teacher ran 1.3x faster with two), else vLLM's choice; vllm: "
        "vLLM's choice of how many; or a number. A VLLM_CPU_NUM_OF_RESERVED_CPU in the "
        "environment wins over auto. Under a container's CPU quota the model's threads are bound "
        "to as many cores as the quota allows less the reserved ones",
    )
    trust_remote_code: bool = False

    @field_validator("reserved_cpus", mode="before")
    @classmethod
    def _cores_or_auto(cls, value: object) -> object:
        """One message for every wrong value, naming the forms the field takes."""
        if value in ("vllm", "auto") or (type(value) is int and value >= 0):
            return value
        raise ValueError(f"{value!r} is not a number of cores (0 or more), 'vllm' or 'auto'")


class SamplingConfig(Settings):
    """What varies between records: all driven by the run seed."""

    few_shot: int = Field(4, ge=0)
    label_weights: dict[str, float] = Field(default_factory=dict)
    topics: list[str] = Field(default_factory=list)
    personas: list[str] = Field(default_factory=list)
    pin_label: bool = Field(True, description="constrain each record to its sampled label")
    min_chars: int = Field(12, gt=0)
    max_chars: int = Field(
        200, gt=0, description="longer texts are rejected as too_long (never cut)"
    )
    match_length: bool = Field(
        True,
        description="draw each request's length from the trusted rows (per label) and show "
        "examples near it",
    )


class DataConfig(Settings):
    """The trusted real sample and the held-out split, with the column names."""

    trusted: Path
    held_out: Path | None = None
    text_field: str = "text"
    label_field: str = "label"
    labels: list[str] = Field(
        default_factory=list, description="closed label set; default: the trusted rows' labels"
    )
    instruction_field: str = "instruction"
    response_field: str = "response"
    attribution: str = ""
    license: str = "unknown"

    @field_validator("labels")
    @classmethod
    def _labels_written(cls, labels: list[str]) -> list[str]:
        blank = [i for i, label in enumerate(labels) if not label.strip()]
        if blank:
            raise ValueError(f"label {blank[0] + 1} is blank; write the label or drop the entry")
        return labels
