"""The `finetune:` section of the run config: the QLoRA student and its evaluation.

Plain pydantic, no torch: `pipelines.config` imports it to validate a run config quickly.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from schemas.base import FrozenSettings


class EvalConfig(FrozenSettings):
    """How the base and the student are scored on held-out real data."""

    few_shot: int = Field(
        10, ge=0, description="real examples in the base prompt, spread over labels"
    )
    score: Literal["mean", "sum"] = Field(
        "sum",
        description="label log-likelihood: sum (the probability of the whole label) or mean per "
        "token; sum scored higher for every model on the banking77 example (docs/finetune.md)",
    )
    batch_size: int = Field(8, gt=0, description="held-out texts scored per forward pass")
    dtype: Literal["auto", "model", "bfloat16"] = Field(
        "auto",
        description="scoring precision: auto = bf16 on a CPU with native bf16 (about 2x fp32, "
        "same accuracy on the example), model = the model's own dtypes (exact)",
    )
    limit: int | None = Field(None, gt=0, description="score only the first N held-out rows")
    min_improvement: float | None = Field(
        None, description="gate: student minus base on gate_metric must reach this, else exit 3"
    )
    gate_metric: Literal["accuracy", "macro_f1"] = "accuracy"
    seed: int = Field(0, description="which trusted rows become the base's few-shot examples")


class FinetuneConfig(FrozenSettings):
    """The student and its QLoRA training; `trainer_args` passes anything else to SFTConfig."""

    model: str = Field("embedded", description="'embedded', a local HF folder or a hub id")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    compute_dtype: Literal["auto", "bfloat16", "float16", "float32"] = Field(
        "auto",
        description="auto: bf16 on CUDA when supported, and on CPUs with native bf16; else fp32",
    )
    load_in_4bit: bool = Field(True, description="QLoRA: base weights frozen in 4-bit")
    bnb_4bit_quant_type: Literal["nf4", "fp4"] = "nf4"
    bnb_4bit_use_double_quant: bool = True
    lora_r: int = Field(16, gt=0)
    lora_alpha: int = Field(32, gt=0)
    lora_dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"],
        description="module names that get adapters, or ['all-linear']",
    )
    prompt_style: Literal["auto", "plain", "chat"] = Field(
        "auto", description="auto: the chat template when the tokenizer has one, else plain"
    )
    list_labels: bool = Field(
        False,
        description="show the label set in the prompt header (off: prompts about a third as long, "
        "and higher accuracy on the banking77 example; docs/finetune.md)",
    )
    max_seq_len: int = Field(256, gt=8)
    batch_size: int = Field(8, gt=0, description="per-device train batch size")
    gradient_accumulation_steps: int = Field(1, gt=0)
    learning_rate: float = Field(2e-4, gt=0)
    num_train_epochs: float = Field(1.0, gt=0)
    max_steps: int = Field(-1, description="stop after N optimizer steps; -1: use the epochs")
    warmup_steps: int = Field(0, ge=0)
    gradient_checkpointing: bool | Literal["auto"] = Field(
        "auto",
        description="auto: off when the activations fit in free device memory (it recomputes the "
        "forward pass), else on",
    )
    padding_free: bool | Literal["auto"] = Field(
        "auto",
        description="pack each batch into one row without padding; auto: on CPU, on CUDA only "
        "with a flash-attention kernel",
    )
    seed: int = 0
    include_trusted: bool = Field(
        False,
        description="also train on the trusted rows alone and on trusted + synthetic (and, when "
        "training by epochs, on the trusted rows for as many steps as trusted + synthetic), and "
        "compare the students on the held-out rows (labelled builds)",
    )
    equal_steps_student: bool = Field(
        True,
        description="with include_trusted, training by epochs: also train on the trusted rows "
        "for as many steps as trusted + synthetic took, so that gain can be told from the extra "
        "steps (one more fine-tune)",
    )
    trainer_args: dict[str, Any] = Field(
        default_factory=dict, description="extra TRL SFTConfig options, passed through"
    )
    eval: EvalConfig = Field(default_factory=EvalConfig)
