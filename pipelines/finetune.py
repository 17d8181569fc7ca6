"""QLoRA: a 4-bit NF4 student base, LoRA adapters, TRL's SFTTrainer on the accepted records.

The records are rendered by `pipelines.prompt_format.StudentFormat` (the student's chat template
when it has one, else the plain template) as prompt-completion rows, so TRL puts the loss on the
answer only. The same code runs on CPU (bf16 where the CPU has native bf16, else fp32) and on
CUDA (bf16). The output folder gets
the PEFT adapter, `train_log.json` (loss per step) and `finetune_config.json` (the exact config,
the label set and what the evaluation needs to render the student's prompt the same way).
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any, Literal

import polars as pl
from pydantic import Field

from pipelines import packed_attention
from pipelines.finetune_config import EvalConfig, FinetuneConfig
from pipelines.train_plan import TrainPlan, plan_training
from schemas.base import FrozenModel
from schemas.errors import ConfigError, InputError
from schemas.shown_values import unknown_labels
from schemas.tables import read_table, write_json, write_jsonl

log = logging.getLogger(__name__)

META_FILE = "finetune_config.json"
LOG_FILE = "train_log.json"
TaskKind = Literal["labels", "instruction", "chat"]


__all__ = [
    "BaseCopies",
    "EvalConfig",
    "FinetuneConfig",
    "FinetuneResult",
    "finetune",
    "load_base",
    "lora_config",
]


class FinetuneResult(FrozenModel):
    """What one training run produced and how it went."""

    out_dir: Path
    task: TaskKind
    n_records: int
    steps: int
    first_loss: float | None
    last_loss: float | None
    seconds: float
    device: str
    compute_dtype: str
    labels: list[str] = Field(default_factory=list)
    plan: dict[str, Any] = Field(
        default_factory=dict, description="settings chosen for the device, with the reasons"
    )


# -- devices and factories --------------------------------------------------------------------
def pick_device(cfg: FinetuneConfig) -> str:
    """'cuda' when asked or available (auto), else 'cpu'; CUDA asked for but absent: an error."""
    import torch

    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            "finetune.device is 'cuda' but no CUDA device is visible; use auto or cpu"
        )
    if cfg.device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return cfg.device


def fit_cpu_threads() -> int:
    """Torch's CPU threads cut to the CPUs this process may use (`schemas.host.usable_cpus`).
    Torch starts one per core of the affinity mask; under a container's CPU quota (2 CPUs of a
    16-core host) those threads are throttled to the quota's time and wait on each other.
    Never raised: a user's smaller `torch.set_num_threads` or `OMP_NUM_THREADS` stays."""
    import torch

    from schemas.host import usable_cpus

    cpus = usable_cpus()
    if torch.get_num_threads() > cpus:
        log.info(
            "torch threads %d -> %d (the CPUs this process may use)", torch.get_num_threads(), cpus
        )
        torch.set_num_threads(cpus)
    return torch.get_num_threads()


def pick_dtype(cfg: FinetuneConfig, device: str) -> Any:
    """The compute dtype: bf16 on CUDA when it is supported (else fp16); on CPU bf16 where the
    CPU multiplies it natively (measured 1.3x the fp32 steps/s on 2 cores, the same held-out
    accuracy on the example), else fp32."""
    import torch

    from pipelines.train_plan import cpu_has_bf16

    if cfg.compute_dtype != "auto":
        return getattr(torch, cfg.compute_dtype)
    if device == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16 if cpu_has_bf16() else torch.float32


def quantization_config(cfg: FinetuneConfig, dtype: Any) -> Any:
    """BitsAndBytes 4-bit config (NF4, double quantisation by default); None without 4-bit."""
    if not cfg.load_in_4bit:
        return None
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type=cfg.bnb_4bit_quant_type,
        bnb_4bit_use_double_quant=cfg.bnb_4bit_use_double_quant,
        bnb_4bit_compute_dtype=dtype,
    )


def lora_config(cfg: FinetuneConfig) -> Any:
    """The PEFT LoRA config for a causal LM."""
    from peft import LoraConfig

    targets: Any = cfg.target_modules
    if targets == ["all-linear"]:
        targets = "all-linear"
    return LoraConfig(
        r=cfg.lora_r,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules=targets,
        bias="none",
        task_type="CAUSAL_LM",
    )


def load_base(cfg: FinetuneConfig, model: str | None = None) -> tuple[Any, Any, str]:
    """(model, tokenizer, device): the student base, 4-bit when configured, on its device."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from generators.embedded_model import resolve_model

    path = str(resolve_model(model or cfg.model))
    device = pick_device(cfg)
    if device == "cpu":
        fit_cpu_threads()
    dtype = pick_dtype(cfg, device)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
    except OSError as exc:
        first = (str(exc).strip().splitlines() or [""])[0]  # the library's advice follows
        raise ConfigError(f"cannot load model '{model or cfg.model}': {first}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    quant = quantization_config(cfg, dtype)
    kwargs: dict[str, Any] = {"dtype": dtype}
    if quant is not None:
        kwargs.update(quantization_config=quant, device_map={"": device})
    base = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    if quant is None:
        base = base.to(device)
    return base, tokenizer, device


class BaseCopies:
    """The student base loaded once for a build's several fine-tunes; each gets its own copy.

    Loading quantises the base to NF4 on every call: the build's student and the comparison
    students loaded it four times. Training changes the base it is given (peft's preparation
    casts norms to float32, the adapters are injected), so each fine-tune gets a deep copy of
    the loaded one, which trains the same adapter bit for bit (TRL seeds before creating it).
    The tokenizer is shared: training and scoring leave it as it was (checked: vocabulary,
    special tokens, padding and truncation sides, template), and copying Gemma's 262k-token
    one takes longer than loading it. On 2 cores a load took 5.8 s (3.3 s of it the
    tokenizer), a copy of the model 0.2 s. On a GPU every fine-tune loads its own (the device's
    memory would hold the loaded base beside the one training). The last fine-tune
    (`last=True`) gets the loaded one itself, so a build with one student never holds two
    bases. A setting that changes the load (model, device, dtype, quantisation) loads again.
    """

    def __init__(self) -> None:
        self._key: str | None = None
        self._loaded: tuple[Any, Any, str] | None = None

    def copy(self, cfg: FinetuneConfig, *, last: bool = False) -> tuple[Any, Any, str]:
        """(model, tokenizer, device) as `load_base(cfg)` returns them, from the loaded one."""
        import copy

        device = pick_device(cfg)
        if device != "cpu":  # a GPU's memory holds one base at a time; loading is quick there
            return load_base(cfg)
        dtype = pick_dtype(cfg, device)
        key = repr((cfg.model, device, dtype, quantization_config(cfg, dtype)))
        if self._loaded is None or key != self._key:
            self._loaded = None  # the old one goes before the new one loads
            self._loaded, self._key = load_base(cfg), key
        if last:
            loaded, self._loaded, self._key = self._loaded, None, None
            return loaded
        base, tokenizer, device = self._loaded
        return copy.deepcopy(base), tokenizer, device


def student_format(tokenizer: Any, cfg: FinetuneConfig, labels: list[str]) -> Any:
    """The prompt format for this tokenizer and config (chat template or plain)."""
    from pipelines.prompt_format import StudentFormat

    has_template = StudentFormat.has_chat_template(tokenizer)
    if cfg.prompt_style == "chat" and not has_template:
        raise ConfigError("finetune.prompt_style is 'chat' but the model has no chat template")
    chat = cfg.prompt_style == "chat" or (cfg.prompt_style == "auto" and has_template)
    return StudentFormat(
        tokenizer,
        chat=chat,
        labels=labels,
        list_labels=cfg.list_labels,
        max_seq_len=cfg.max_seq_len,
    )


# -- records ----------------------------------------------------------------------------------
def load_records(
    source: pl.DataFrame | str | Path,
    input_field: str = "text",
    label_field: str = "label",
    task: TaskKind | None = None,
) -> pl.DataFrame:
    """Training rows as a flat frame: a run folder (its accepted.jsonl), a data file or a frame.

    Accepted records carry their fields under `payload`; those are lifted to the top level.
    """
    if isinstance(source, pl.DataFrame):
        frame, where = source, "records"
    else:
        path = Path(source)
        if path.is_dir():
            path = path / "accepted.jsonl"
        frame, where = read_table(path), str(path)
    if "payload" in frame.columns and frame.schema["payload"] == pl.Struct:
        frame = frame.select(pl.col("payload").struct.unnest())
    if frame.height == 0:
        raise InputError(where, "no records to train on")
    task = task or detect_task(frame, input_field, label_field)
    needed = {"labels": [input_field, label_field], "instruction": [input_field, label_field]}
    for column in needed.get(task, ["messages"]):
        if frame[column].null_count():
            raise InputError(where, f"field '{column}' is missing or null")
    return frame


def detect_task(frame: pl.DataFrame, input_field: str, label_field: str) -> TaskKind:
    """labels (text + closed label), instruction (instruction + response) or chat (messages)."""
    cols = set(frame.columns)
    if {input_field, label_field} <= cols:
        return "instruction" if label_field in ("response", "output", "answer") else "labels"
    if {"instruction", "response"} <= cols:
        return "instruction"
    if "messages" in cols:
        return "chat"
    found = ", ".join(frame.columns)
    raise InputError(
        "records",
        f"missing field '{input_field}' or '{label_field}' (found: {found}); "
        "set --input-field/--label-field",
    )


def training_rows(
    frame: pl.DataFrame, fmt: Any, task: TaskKind, input_field: str, label_field: str
) -> list[dict[str, Any]]:
    """Tokenised training rows: input_ids, and labels that are -100 on the prompt."""
    from pipelines.prompt_format import chat_prompt, instruction_answer, instruction_prompt

    if task == "labels":
        return [
            fmt.classification_row(str(r[input_field]), str(r[label_field]))
            for r in frame.iter_rows(named=True)
        ]
    if task == "instruction":
        i_col = input_field if input_field in frame.columns else "instruction"
        r_col = label_field if label_field in frame.columns else "response"
        return [
            fmt.instruction_row(
                instruction_prompt(fmt.fit_prompt_text(str(r[i_col]))),
                instruction_answer(str(r[r_col])),
            )
            for r in frame.iter_rows(named=True)
        ]
    return [fmt.instruction_row(*chat_prompt(r["messages"])) for r in frame.iter_rows(named=True)]


def readable(fmt: Any, row: dict[str, Any]) -> dict[str, str]:
    """A tokenised row back as the prompt and completion text it was made from (for audits)."""
    cut = row["completion_mask"].index(1) if 1 in row["completion_mask"] else len(row["input_ids"])
    return {
        "prompt": fmt.decode(row["input_ids"][:cut]),
        "completion": fmt.decode(row["input_ids"][cut:]),
    }


# -- training ---------------------------------------------------------------------------------
def sft_config(
    cfg: FinetuneConfig, out_dir: Path, device: str, dtype: Any, plan: TrainPlan | None = None
) -> Any:
    """TRL's SFTConfig from ours and the device `plan` (None: checkpointing as configured,
    'auto' meaning on; padded batches); `trainer_args` override, unknown keys are a ConfigError."""
    import dataclasses

    import torch
    from trl import SFTConfig

    known = {f.name for f in dataclasses.fields(SFTConfig)}
    unknown = sorted(set(cfg.trainer_args) - known)
    if unknown:
        raise ConfigError(f"finetune.trainer_args: unknown SFTConfig option '{unknown[0]}'")
    ckpt = plan.gradient_checkpointing if plan else cfg.gradient_checkpointing is not False
    padding_free = plan is not None and plan.padding_free
    args: dict[str, Any] = {
        "output_dir": str(out_dir / "checkpoints"),
        "per_device_train_batch_size": plan.per_device_batch if plan else cfg.batch_size,
        "gradient_accumulation_steps": (
            plan.gradient_accumulation_steps if plan else cfg.gradient_accumulation_steps
        ),
        "learning_rate": cfg.learning_rate,
        "num_train_epochs": cfg.num_train_epochs,
        "max_steps": cfg.max_steps,
        "warmup_steps": cfg.warmup_steps,
        # Padding-free rows are cut to max_seq_len by `train_student` (TRL asks for None here).
        "max_length": None if padding_free else cfg.max_seq_len,
        "padding_free": padding_free,
        "completion_only_loss": True,
        "gradient_checkpointing": ckpt,
        "gradient_checkpointing_kwargs": {"use_reentrant": False},
        "logging_steps": 1,
        "save_strategy": "no",
        "report_to": "none",
        "seed": cfg.seed,
        "bf16": dtype == torch.bfloat16,
        "fp16": dtype == torch.float16,
        "use_cpu": device == "cpu",
        "dataloader_num_workers": 0,
        "disable_tqdm": True,
    }
    args.update(cfg.trainer_args)
    return SFTConfig(**args)


def prepare_base(base: Any, cfg: FinetuneConfig, checkpointing: bool | None = None) -> Any:
    """Freeze the (4-bit) base for LoRA training with peft's own preparation; gradient
    checkpointing when `checkpointing` (default: as configured, 'auto' meaning on). The adapters
    themselves come from `lora_config` through TRL's `SFTTrainer(peft_config=...)`."""
    from peft import prepare_model_for_kbit_training

    ckpt = cfg.gradient_checkpointing is not False if checkpointing is None else checkpointing
    if cfg.load_in_4bit:
        return prepare_model_for_kbit_training(
            base,
            use_gradient_checkpointing=ckpt,
            gradient_checkpointing_kwargs={"use_reentrant": False},
        )
    for param in base.parameters():
        param.requires_grad_(False)
    if ckpt:
        base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        base.enable_input_require_grads()
    return base


def finetune(
    records: pl.DataFrame | str | Path,
    config: FinetuneConfig,
    out_dir: str | Path,
    *,
    task: TaskKind | None = None,
    input_field: str = "text",
    label_field: str = "label",
    labels: list[str] | None = None,
    model: Any = None,
    callbacks: list[Any] | None = None,
) -> FinetuneResult:
    """Train LoRA adapters on `records` and save adapter, loss log and config into `out_dir`.

    `task` is what the records teach (`labels`, `instruction`, `chat`); None reads it off the
    columns (for files given on the command line). `labels` is the closed label set (default: the
    labels in the records). `model` may be an already loaded `load_base` triple (tests,
    benchmarks); by default `config.model` is loaded. `callbacks` are transformers
    `TrainerCallback`s (progress, timing).
    """
    result, _trained = train_student(
        records,
        config,
        out_dir,
        task=task,
        input_field=input_field,
        label_field=label_field,
        labels=labels,
        model=model,
        callbacks=callbacks,
    )
    return result


def train_student(
    records: pl.DataFrame | str | Path,
    config: FinetuneConfig,
    out_dir: str | Path,
    *,
    task: TaskKind | None = None,
    input_field: str = "text",
    label_field: str = "label",
    labels: list[str] | None = None,
    model: Any = None,
    callbacks: list[Any] | None = None,
) -> tuple[FinetuneResult, tuple[Any, Any]]:
    """`finetune`, also returning the trained (PEFT model, tokenizer) for scoring in memory."""
    from datasets import Dataset

    from pipelines.answer_loss import AnswerLossTrainer, drop_head_copy
    from pipelines.console import trainer_callbacks

    out = Path(out_dir)
    frame = load_records(records, input_field, label_field, task)
    task = task or detect_task(frame, input_field, label_field)
    label_set = sorted(set(labels or [])) if task == "labels" else []
    if task == "labels":
        values = frame[label_field].cast(pl.String).to_list()
        present = set(values)
        extra = unknown_labels(values, labels, label_field) if labels else None
        if extra:
            raise ConfigError(f"records have labels outside the label set: {extra}")
        label_set = label_set or sorted(present)
    if model is None:
        base, tokenizer, device = load_base(config)
    else:
        base, tokenizer, device = model
    dtype = pick_dtype(config, device)
    fmt = student_format(tokenizer, config, label_set)
    try:
        rows = training_rows(frame, fmt, task, input_field, label_field)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    rows = [{k: v[: config.max_seq_len] for k, v in r.items()} for r in rows]
    plan = plan_training(
        config,
        device,
        base.config,
        max(len(r["input_ids"]) for r in rows),
        dtype.itemsize,
        getattr(base.config, "_attn_implementation", None),
    )
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "sft_dataset.jsonl", (readable(fmt, r) for r in rows))
    attention = getattr(base.config, "_attn_implementation", None)
    if plan.padding_free and device == "cpu" and attention == "sdpa":
        base.set_attn_implementation(packed_attention.register())  # rows attend one by one
    try:
        trainer = AnswerLossTrainer(
            model=prepare_base(base, config, plan.gradient_checkpointing),
            args=sft_config(config, out, device, dtype, plan),
            train_dataset=Dataset.from_list(rows),
            processing_class=tokenizer,
            peft_config=lora_config(config),
            callbacks=[*(callbacks or []), *trainer_callbacks()],  # steps on the build's display
        )
        peft_model = trainer.model
        start = time.perf_counter()
        trainer.train()
    finally:
        if attention and base.config._attn_implementation != attention:
            base.set_attn_implementation(attention)
        drop_head_copy(base)  # the training's bf16 copy of the head: not needed to score
    seconds = time.perf_counter() - start
    peft_model.save_pretrained(str(out))
    with contextlib.suppress(OSError):  # the trainer's output_dir, empty unless saving is on
        (out / "checkpoints").rmdir()
    steps = [
        {
            k: e[k]
            for k in ("step", "loss", "learning_rate", "grad_norm", "epoch", "num_tokens")
            if k in e
        }
        for e in trainer.state.log_history
        if "loss" in e
    ]
    summary = next((e for e in trainer.state.log_history if "train_runtime" in e), {})
    write_json(out / LOG_FILE, {"steps": steps, "summary": summary, "seconds": seconds})
    losses = [float(s["loss"]) for s in steps]
    result = FinetuneResult(
        out_dir=out,
        task=task,
        n_records=len(rows),
        steps=int(trainer.state.global_step),
        first_loss=losses[0] if losses else None,
        last_loss=losses[-1] if losses else None,
        seconds=round(seconds, 2),
        device=device,
        compute_dtype=str(dtype).removeprefix("torch."),
        labels=label_set,
        plan=plan.model_dump(mode="json"),
    )
    write_json(
        out / META_FILE,
        {
            "config": config.model_dump(mode="json"),
            "task": task,
            "labels": label_set,
            "chat": fmt.chat,
            "input_field": input_field,
            "label_field": label_field,
            "n_records": len(rows),
            "result": result.model_dump(mode="json"),
        },
    )
    return result, (peft_model, tokenizer)


def read_adapter_meta(adapter_dir: str | Path) -> dict[str, Any]:
    """The `finetune_config.json` saved beside an adapter ({} for adapters trained elsewhere)."""
    from schemas.tables import read_json_object

    path = Path(adapter_dir)
    if not (path / "adapter_config.json").is_file():
        raise ConfigError(f"{path}: not a PEFT adapter folder (no adapter_config.json)")
    fix = "pass the folder a fine-tune wrote"
    read_json_object(path / "adapter_config.json", fix)  # peft reads it later, in its words
    meta = path / META_FILE
    return read_json_object(meta, fix) if meta.is_file() else {}
