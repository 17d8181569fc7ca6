"""QLoRA on the embedded model, for real on CPU: a few steps on 40 trusted banking77 rows.

Checked like TRL checks itself: the base weights are 4-bit and unchanged, the adapter weights
moved, the loss went down, and the saved adapter loads back on a fresh base and generates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import torch
from transformers import TrainerCallback

from pipelines.finetune import (
    FinetuneConfig,
    finetune,
    load_base,
    sft_config,
    student_format,
    training_rows,
)
from pipelines.prompt_format import classification_prompt, to_chat_example
from schemas.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "banking77"
CFG = FinetuneConfig(
    max_steps=4,
    batch_size=4,
    max_seq_len=64,
    learning_rate=2e-3,
    lora_r=8,
    lora_alpha=16,
    lora_dropout=0.0,
    target_modules=["q_proj", "v_proj"],
    list_labels=False,  # the default, said here: the prompt format is part of what is tested
)


def _records() -> pl.DataFrame:
    """40 trusted rows, 4 per label, in the accepted-record layout (payload text + label)."""
    frame = pl.read_csv(EXAMPLE / "trusted.csv").group_by("category", maintain_order=True).head(4)
    return frame.select(
        pl.struct(pl.col("text"), pl.col("category").alias("label")).alias("payload")
    ).with_row_index("id")


def _first_q_proj(model: Any) -> Any:
    return model.model.layers[0].self_attn.q_proj


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import bitsandbytes as bnb

    base, tokenizer, device = load_base(CFG)
    layer = _first_q_proj(base)
    assert isinstance(layer, bnb.nn.Linear4bit)
    assert isinstance(layer.weight, bnb.nn.Params4bit)
    before = layer.weight.data.clone()
    out = tmp_path_factory.mktemp("ft") / "adapter"
    attention_seen: set[str] = set()

    class SeeAttention(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            attention_seen.add(kwargs["model"].config._attn_implementation)

    result = finetune(
        _records(), CFG, out, model=(base, tokenizer, device), callbacks=[SeeAttention()]
    )
    return {
        "base": base,
        "before": before,
        "result": result,
        "out": out,
        "tokenizer": tokenizer,
        "attention_seen": attention_seen,
    }


def test_base_weights_are_4bit_and_unchanged(trained: dict[str, Any]) -> None:
    import bitsandbytes as bnb

    wrapped = _first_q_proj(trained["base"])  # get_peft_model wrapped the layer in place
    layer = wrapped.base_layer
    assert isinstance(layer, bnb.nn.Linear4bit)
    assert isinstance(layer.weight, bnb.nn.Params4bit)
    assert layer.weight.quant_state.quant_type == "nf4"
    assert layer.weight.data.dtype == torch.uint8
    assert not layer.weight.requires_grad
    assert torch.equal(layer.weight.data, trained["before"])


def test_padding_free_rows_attend_one_by_one_and_the_attention_is_restored(
    trained: dict[str, Any],
) -> None:
    from pipelines.packed_attention import ATTENTION

    assert trained["result"].plan["padding_free"]  # CPU: packed batches
    assert trained["attention_seen"] == {ATTENTION}
    assert trained["base"].config._attn_implementation == "sdpa"


def test_adapter_weights_moved(trained: dict[str, Any]) -> None:
    from safetensors.torch import load_file

    saved = load_file(str(trained["out"] / "adapter_model.safetensors"))
    lora_b = [t for k, t in saved.items() if "lora_B" in k]
    assert lora_b and len(lora_b) == 2 * 18  # q_proj and v_proj in each of the 18 layers
    assert all(t.abs().sum() > 0 for t in lora_b)  # PEFT initialises lora_B to zero


def test_loss_went_down_and_log_and_config_saved(trained: dict[str, Any]) -> None:
    result, out = trained["result"], trained["out"]
    log = json.loads((out / "train_log.json").read_text())
    losses = [s["loss"] for s in log["steps"]]
    assert len(losses) == CFG.max_steps == result.steps
    assert losses[-1] < losses[0] * 0.8, losses
    meta = json.loads((out / "finetune_config.json").read_text())
    assert FinetuneConfig.model_validate(meta["config"]) == CFG
    assert meta["n_records"] == result.n_records == 40
    assert meta["labels"] == sorted(set(_records()["payload"].struct.field("label")))
    first = json.loads((out / "sft_dataset.jsonl").read_text().splitlines()[0])
    assert first["prompt"].startswith("<bos>Classify each message.\nMessage: ")
    assert first["prompt"].endswith("\nLabel:")
    assert first["completion"] == " card_arrival\n<eos>"


def test_saved_adapter_loads_on_a_fresh_base_and_generates(trained: dict[str, Any]) -> None:
    from peft import PeftModel

    base, tokenizer, _ = load_base(CFG)
    model = PeftModel.from_pretrained(base, str(trained["out"]))
    model.eval()
    prompt = classification_prompt("I still have not received my new card", [], list_labels=False)
    ids = tokenizer(prompt, return_tensors="pt")
    with torch.no_grad():
        new = model.generate(**ids, max_new_tokens=6, do_sample=False)[0, ids.input_ids.shape[1] :]
    text = tokenizer.decode(new, skip_special_tokens=True)
    assert len(new) > 0 and text.strip(), text


def test_training_rows_put_the_loss_on_the_answer_only(embedded_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(embedded_dir))
    labels = ["card_arrival", "change_pin"]
    fmt = student_format(tokenizer, FinetuneConfig(), labels)
    assert not fmt.chat  # the embedded base has no chat template: the plain one is used
    frame = pl.DataFrame({"text": ["Where is my card?"], "label": ["card_arrival"]})
    (row,) = training_rows(frame, fmt, "labels", "text", "label")
    answer = [t for t, m in zip(row["input_ids"], row["completion_mask"], strict=True) if m]
    assert tokenizer.decode(answer) == " card_arrival\n<eos>"
    prompt = tokenizer.decode(row["input_ids"][: len(row["input_ids"]) - len(answer)])
    assert prompt == "<bos>" + classification_prompt("Where is my card?", labels)
    # The mask is 0 on the whole prompt and 1 on the whole answer, nothing in between.
    assert row["completion_mask"] == [0] * (len(row["input_ids"]) - len(answer)) + [1] * len(answer)


def test_long_texts_are_cut_to_fit(embedded_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(embedded_dir))
    fmt = student_format(tokenizer, FinetuneConfig(max_seq_len=80), ["card_arrival", "change_pin"])
    row = fmt.classification_row("my card " * 200, "change_pin")
    assert len(row["input_ids"]) <= 80
    answer = [t for t, m in zip(row["input_ids"], row["completion_mask"], strict=True) if m]
    assert tokenizer.decode(answer) == " change_pin\n<eos>"


def test_chat_example_and_prompt_format() -> None:
    labels = ["change_pin", "card_arrival"]
    example = to_chat_example("Where is my card?", "card_arrival", labels, list_labels=True)
    user, assistant = example["messages"]
    assert user == {
        "role": "user",
        "content": "Classify each message with one of these labels: card_arrival, change_pin.\n"
        "Message: Where is my card?\nLabel:",
    }
    assert assistant == {"role": "assistant", "content": "card_arrival"}
    # The default prompt (and the run config's) leaves the label list out.
    plain = to_chat_example("Where is my card?", "card_arrival", labels)["messages"][0]
    assert plain["content"] == "Classify each message.\nMessage: Where is my card?\nLabel:"
    assert FinetuneConfig().list_labels is False


def test_attention_is_restored_when_the_trainer_cannot_be_built(tmp_path: Path) -> None:
    """A bad trainer option fails after the packed attention was set: the model gets sdpa back
    (a model passed in is scored afterwards, and the scorer needs sdpa or eager)."""
    base, tokenizer, device = load_base(CFG)
    bad = CFG.model_copy(update={"trainer_args": {"lerning_rate": 1e-3}})
    with pytest.raises(ConfigError, match="lerning_rate"):
        finetune(_records(), bad, tmp_path / "adapter", model=(base, tokenizer, device))
    assert base.config._attn_implementation == "sdpa"


def test_unknown_trainer_arg_is_a_config_error(tmp_path: Path) -> None:
    cfg = FinetuneConfig(trainer_args={"lerning_rate": 1e-3})
    with pytest.raises(ConfigError, match="lerning_rate"):
        sft_config(cfg, tmp_path, "cpu", torch.float32)
    args = sft_config(
        FinetuneConfig(trainer_args={"lr_scheduler_type": "constant"}),
        tmp_path,
        "cpu",
        torch.float32,
    )
    assert args.lr_scheduler_type == "constant" and args.max_length == 256


def test_cli_finetune_without_records_exits_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "finetune", str(tmp_path)],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no accepted.jsonl" in lines[0], done.stderr


def test_answer_only_loss_equals_the_models_full_loss(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loss on answer positions alone (padded and padding-free batches) is the model's own
    loss over full logits, and so are its gradients."""
    from peft import get_peft_model
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    from pipelines import packed_attention
    from pipelines.answer_loss import answer_loss, head_weight
    from pipelines.finetune import lora_config, prepare_base

    # fp32: the two losses are the same sums in another order; bf16 rounding would hide a bug
    update = {"list_labels": True, "max_seq_len": 128, "compute_dtype": "float32"}
    cfg = CFG.model_copy(update=update)
    base, tokenizer, _ = load_base(cfg)
    model = get_peft_model(prepare_base(base, cfg, False), lora_config(cfg))
    for name, param in model.named_parameters():
        if "lora_B" in name:
            param.data = torch.randn(param.shape, generator=torch.Generator().manual_seed(0)) * 0.02
    fmt = student_format(tokenizer, cfg, sorted(set(_records()["payload"].struct.field("label"))))
    frame = _records().select(pl.col("payload").struct.unnest()).head(6)
    rows = []
    for r in training_rows(frame, fmt, "labels", "text", "label"):
        answer = zip(r["input_ids"], r["completion_mask"], strict=True)
        rows.append({"input_ids": r["input_ids"], "labels": [t if m else -100 for t, m in answer]})
    assert len({len(r["input_ids"]) for r in rows}) > 1  # the padded batch has padding
    model.train()
    lora_a = next(p for n, p in model.named_parameters() if "lora_A" in n)

    def loss_and_grad(compute: Any) -> tuple[float, torch.Tensor]:
        model.zero_grad()
        loss = compute()
        loss.backward()
        return float(loss.detach()), lora_a.grad.clone()

    padded = DataCollatorForLanguageModeling(pad_token_id=tokenizer.pad_token_id)(rows)
    packed = DataCollatorForLanguageModeling(tokenizer.pad_token_id, padding_free=True)(rows)
    full, full_grad = loss_and_grad(lambda: model(**padded).loss)
    for batch in (padded, packed):
        sliced, grad = loss_and_grad(lambda b=batch: answer_loss(model, b)[0])
        assert sliced == pytest.approx(full, rel=1e-4)
        assert torch.allclose(grad, full_grad, rtol=1e-3, atol=1e-6)
    # the packed rows attending one by one (what training on CPU uses): the same loss, and the
    # per-row path is the one taken (every sdpa call sees one row, none the whole packed row)
    import transformers.integrations.sdpa_attention as sdpa_module

    lengths: list[int] = []
    real_sdpa = sdpa_module.sdpa_attention_forward

    def counting(module: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        lengths.append(query.shape[2])
        return real_sdpa(module, query, *args, **kwargs)

    monkeypatch.setattr(sdpa_module, "sdpa_attention_forward", counting)
    model.set_attn_implementation(packed_attention.register())
    try:
        sliced, grad = loss_and_grad(lambda: answer_loss(model, packed)[0])
    finally:
        model.set_attn_implementation("sdpa")
    assert sliced == pytest.approx(full, rel=1e-4)
    assert torch.allclose(grad, full_grad, rtol=1e-3, atol=1e-6)
    row_lengths = sorted({len(r["input_ids"]) for r in rows})
    assert lengths and set(lengths) <= set(row_lengths) and len(set(lengths)) > 1
    # the vocabulary projection in bf16 (training in bf16): the same loss to bf16's precision,
    # from a copy of the frozen head made once, and gradients that still reach the adapters
    head = model.get_base_model().get_output_embeddings()
    assert head.weight.dtype == torch.float32 and not head.weight.requires_grad
    low, low_grad = loss_and_grad(lambda: answer_loss(model, packed, dtype=torch.bfloat16)[0])
    assert low == pytest.approx(full, rel=2e-2) and low != full
    assert torch.allclose(low_grad, full_grad, rtol=0.1, atol=1e-3)
    copy = head_weight(head, torch.bfloat16)
    assert copy.dtype == torch.bfloat16 and head_weight(head, torch.bfloat16) is copy
    with torch.no_grad():
        head.weight[0, 0] += 1.0  # changed in place: a fresh copy
    assert head_weight(head, torch.bfloat16) is not copy
    head.weight.requires_grad_(True)  # a trained head is used as it is
    assert head_weight(head, torch.bfloat16) is head.weight


def test_plan_turns_checkpointing_off_when_activations_fit() -> None:
    from transformers import AutoConfig

    from generators.embedded_model import resolve_model
    from pipelines.train_plan import plan_training

    config = AutoConfig.from_pretrained(str(resolve_model("embedded")))
    plan = plan_training(FinetuneConfig(), "cpu", config, longest=100, dtype_bytes=4)
    assert not plan.gradient_checkpointing and plan.padding_free
    assert plan.per_device_batch == 8 and plan.gradient_accumulation_steps == 1
    assert any("checkpointing off" in r for r in plan.reasons)
    forced = plan_training(
        FinetuneConfig(gradient_checkpointing=True, padding_free=False), "cpu", config, 100, 4
    )
    assert forced.gradient_checkpointing and not forced.padding_free
    assert any("set in the config" in r for r in forced.reasons)
