"""The training loss on the answer tokens only, with the vocabulary projection on those alone.

The student's loss is on its answer (a label is ~6 tokens after a ~70-token prompt), yet a
causal LM projects every position onto its vocabulary; for Gemma 3 270M that projection
(262,144 x 640) is most of the model's work per token. `answer_loss` runs the decoder, keeps
the states whose next token is a label (labels != -100) and projects only those: the same loss
as the model's own (`tests/test_finetune.py` checks it on a batch), for a fraction of the work.

`AnswerLossTrainer` is TRL's `SFTTrainer` with that loss. It logs what TRL logs (entropy and
token accuracy, both over the answer tokens, and the token count) from the sliced logits.
"""

from __future__ import annotations

import weakref
from typing import Any

from trl import SFTTrainer

from pipelines.scoring import causal_parts

_HEAD_COPIES: dict[int, tuple[int, Any]] = {}  # id(weight) -> (its version, its copy)


def head_weight(head: Any, dtype: Any = None) -> Any:
    """The vocabulary projection's weight in `dtype` (None: as it is).

    peft's k-bit preparation keeps the (tied, frozen) embedding in float32, so the projection of
    the answer states ran in float32 while every other matrix product of the step ran in the
    compute dtype: on 2 cores, 0.45 s of a 2.5 s step for 54 answer tokens, 0.13 s in bf16. A
    frozen weight is copied to `dtype` once (and again if it is changed in place); a trained
    one is used as it is, so its gradient still flows.
    """
    weight = head.weight
    if dtype is None or weight.dtype == dtype or weight.requires_grad:
        return weight
    key = id(weight)
    cached = _HEAD_COPIES.get(key)
    if cached is None:  # forget the copy with the weight (and so never mistake a reused id)
        weakref.finalize(weight, _HEAD_COPIES.pop, key, None)
    if cached is None or cached[0] != weight._version or cached[1].dtype != dtype:
        cached = (weight._version, weight.detach().to(dtype))
        _HEAD_COPIES[key] = cached
    return cached[1]


def drop_head_copy(model: Any) -> None:
    """Free `head_weight`'s copy of `model`'s head (335 MB for Gemma 3 270M) after training."""
    _, _, head, _ = causal_parts(model)
    weight = getattr(head, "weight", None)
    if weight is not None:
        _HEAD_COPIES.pop(id(weight), None)


def _project(head: Any, hidden: Any, dtype: Any) -> Any:
    """`head(hidden)`, from a `dtype` copy of the weight when the head is a plain, frozen
    `nn.Linear` (anything wrapped around it, a LoRA on the head or a hook, runs as it is)."""
    import torch
    import torch.nn.functional as F

    if type(head) is not torch.nn.Linear or dtype is None:
        return head(hidden.to(head.weight.dtype))
    weight = head_weight(head, dtype)
    bias = None if head.bias is None else head.bias.to(weight.dtype)
    return F.linear(hidden.to(weight.dtype), weight, bias)


def answer_logits(model: Any, inputs: dict[str, Any], dtype: Any = None) -> tuple[Any, Any]:
    """(logits [n, vocab] in fp32, targets [n]) at the n positions whose next token is a label.

    `inputs` is a collated batch: input_ids, labels (-100 where no loss) and attention_mask, or
    position_ids (and varlen boundaries) for padding-free rows. `dtype` is the projection's
    compute dtype (None: the head's own; see `head_weight`).
    """
    import torch

    _, backbone, head, softcap = causal_parts(model)
    labels = inputs["labels"]
    kwargs = {k: v for k, v in inputs.items() if k != "labels"}
    kwargs["use_cache"] = False
    hidden = backbone(**kwargs).last_hidden_state[:, :-1]
    targets = labels[:, 1:]
    keep = targets != -100
    logits = _project(head, hidden[keep], dtype).float()
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    return logits, targets[keep]


def answer_loss(
    model: Any, inputs: dict[str, Any], num_items_in_batch: Any = None, dtype: Any = None
) -> tuple[Any, Any, Any]:
    """(mean cross-entropy over the answer tokens, logits, targets). With gradient accumulation,
    `num_items_in_batch` is the answer-token count of the whole accumulated batch; `dtype` is
    the vocabulary projection's compute dtype (`answer_logits`)."""
    import torch.nn.functional as F

    logits, targets = answer_logits(model, inputs, dtype)
    total = F.cross_entropy(logits, targets, reduction="sum")
    count = num_items_in_batch if num_items_in_batch is not None else targets.numel()
    return total / max(int(count), 1), logits, targets


class AnswerLossTrainer(SFTTrainer):
    """SFTTrainer whose loss projects the answer positions only (see the module docstring)."""

    def compute_loss(
        self,
        model: Any,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: Any = None,
    ) -> Any:
        import torch

        if return_outputs:  # the full logits (evaluation with compute_metrics): TRL's path
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        mode = "train" if self.model.training else "eval"
        dtype = torch.bfloat16 if self.args.bf16 else torch.float16 if self.args.fp16 else None
        loss, logits, targets = answer_loss(model, inputs, num_items_in_batch, dtype)
        if self.args.average_tokens_across_devices and num_items_in_batch is not None:
            loss = loss * self.accelerator.num_processes
        with torch.no_grad():
            logp = torch.log_softmax(logits.detach(), dim=-1)
            entropy = -(logp.exp() * logp).sum(-1).sum()
            correct = (logp.argmax(-1) == targets).sum()
            gather = self.accelerator.gather_for_metrics
            n = gather(torch.tensor(targets.numel(), device=logits.device)).sum().item()
            metrics = self._metrics[mode]
            metrics["entropy"].append(gather(entropy).sum().item() / n if n else 0.0)
            metrics["mean_token_accuracy"].append(gather(correct).sum().item() / n if n else 0.0)
            if mode == "train":
                if "attention_mask" in inputs:
                    seen = inputs["attention_mask"].sum()
                else:
                    seen = torch.tensor(inputs["position_ids"].size(1), device=logits.device)
                self._total_train_tokens += gather(seen).sum().item()
            metrics["num_tokens"] = [self._total_train_tokens]
        return loss
