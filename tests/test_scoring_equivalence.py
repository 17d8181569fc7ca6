"""The one-pass tree scorer against the plainest reference: a full forward pass of prefix + query
+ answer for every (query, answer), log-probs read off the model's own logits.

On the full-precision model, with sdpa and eager attention and through the sliding-window
fallback; and on the 4-bit NF4 base with a LoRA adapter (adapter on and off), where the
reference runs bitsandbytes' own fp32 dequantise-and-matmul path (train mode, no dropout).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import torch

from pipelines.scoring import AnswerTree, dense_weights, score_choices


def _reference(
    model: Any, prefix: list[int], queries: list[list[int]], answers: Sequence[list[list[int]]]
) -> list[list[tuple[float, int]]]:
    out = []
    with torch.no_grad():
        for query, options in zip(queries, answers, strict=True):
            row = []
            for a in options:
                logits = model(input_ids=torch.tensor([prefix + query + a])).logits[0].float()
                lp = torch.log_softmax(logits, -1)
                start = len(prefix) + len(query)
                row.append((sum(lp[start - 1 + t, a[t]].item() for t in range(len(a))), len(a)))
            out.append(row)
    return out


# fp32 sums of a label's log-probs added up in another order: on one machine (AMX) a score of
# -31.97 came out 2.5e-4 apart from the full pass, 8e-6 of it; a wrong mask or position moves a
# score by 1e-2 or more
REL_TOL = 2e-5


def _assert_close(fast: Any, slow: Any, tol: float) -> None:
    assert len(fast) == len(slow)
    for f_row, s_row in zip(fast, slow, strict=True):
        assert [n for _, n in f_row] == [n for _, n in s_row]
        expected = [s for s, _ in s_row]
        assert [s for s, _ in f_row] == pytest.approx(expected, abs=tol, rel=REL_TOL)


@pytest.fixture(scope="module")
def tokens(embedded_dir: Path) -> dict[str, Any]:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(embedded_dir))

    def ids(s: str, special: bool = False) -> list[int]:
        return list(tok(s, add_special_tokens=special)["input_ids"])

    labels = [" card_arrival\n", " card_linking\n", " change_pin\n", " x\n", " card\n"]
    return {
        "prefix": ids("Labels: card_arrival, card_linking, change_pin, x, card.\n", True),
        "queries": [
            ids("Message: where is my card\nLabel:"),
            ids("Message: hi\nLabel:"),
            ids("Message: I want to change the PIN of my new card please\nLabel:"),
        ],
        "answers": [ids(a) for a in labels],
        "ids": ids,
    }


def test_answer_tree_shares_common_prefixes() -> None:
    tree = AnswerTree.build([[5, 6, 7], [5, 6, 8], [5, 9], [4]])
    # nodes: 5, 5-6, 5-9? no: 9 is the last token of its answer; only tokens that predict a next
    # token are nodes: 5 and 5-6.
    assert tree.tokens == (5, 6) and tree.parents == (-1, 0) and tree.depths == (0, 1)
    assert tree.steps == (
        ((-1, 5), (0, 6), (1, 7)),
        ((-1, 5), (0, 6), (1, 8)),
        ((-1, 5), (0, 9)),
        ((-1, 4),),
    )
    assert tree.ancestry().tolist() == [[True, False], [True, True]]
    with pytest.raises(ValueError, match="at least one token"):
        AnswerTree.build([[1], []])


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_tree_scorer_matches_full_forward(
    embedded_dir: Path, tokens: dict[str, Any], attn: str
) -> None:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(
        str(embedded_dir), dtype=torch.float32, attn_implementation=attn
    ).eval()
    prefix, queries, answers = tokens["prefix"], tokens["queries"], tokens["answers"]
    slow = _reference(model, prefix, queries, [answers] * 3)
    for batch_size in (1, 2, 8):
        fast = score_choices(model, prefix, queries, [answers] * 3, batch_size=batch_size)
        _assert_close(fast, slow, 2e-4)
    # No shared prefix, a different answer list per query (instruction scoring).
    own = [[tokens["ids"](" Paris is the capital.\n")], [answers[0]], [answers[3], answers[1]]]
    _assert_close(score_choices(model, [], queries, own), _reference(model, [], queries, own), 2e-4)
    # A sliding window shorter than the rows: the per-answer fallback, still exact.
    model.config.sliding_window = 8
    fast = score_choices(model, prefix, queries[:1], [answers])
    _assert_close(fast, _reference(model, prefix, queries[:1], [answers]), 2e-4)


def test_4bit_student_scored_on_dense_weights_matches_bitsandbytes(
    tokens: dict[str, Any],
) -> None:
    from peft import get_peft_model

    from pipelines.finetune import FinetuneConfig, load_base, lora_config

    cfg = FinetuneConfig(lora_dropout=0.0, compute_dtype="float32")  # exact: fp32 throughout
    base, _, _ = load_base(cfg)
    model = get_peft_model(base, lora_config(cfg))
    gen = torch.Generator().manual_seed(0)
    for name, param in model.named_parameters():
        if "lora_B" in name:  # an adapter that changes the scores
            param.data = torch.randn(param.shape, generator=gen) * 0.02
    prefix, queries, answers = tokens["prefix"], tokens["queries"], tokens["answers"]
    model.train()  # bitsandbytes' fp32 dequantise + matmul (eval mode on CPU rounds to bf16)
    student = _reference(model, prefix, queries, [answers] * 3)
    with model.disable_adapter():
        base_ref = _reference(model, prefix, queries, [answers] * 3)
    model.eval()
    with dense_weights(model) as swapped:
        assert swapped == 18 * 7  # every 4-bit linear layer of the 18 blocks
    layer = model.base_model.model.model.layers[0].self_attn.q_proj.base_layer
    assert type(layer).__name__ == "Linear4bit"  # put back
    _assert_close(score_choices(model, prefix, queries, [answers] * 3), student, 1e-3)
    with model.disable_adapter():
        _assert_close(score_choices(model, prefix, queries, [answers] * 3), base_ref, 1e-3)
    assert abs(student[0][0][0] - base_ref[0][0][0]) > 1e-2  # the adapter did matter


def test_a_trained_bf16_student_scores_in_its_own_dtypes_and_in_bf16(
    tokens: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a build scores the model it just trained: norms and embeddings in fp32 (k-bit
    preparation), 4-bit layers computing in bf16. Both scoring dtypes run and agree closely."""
    from peft import get_peft_model

    from pipelines.finetune import FinetuneConfig, load_base, lora_config, prepare_base

    cfg = FinetuneConfig(lora_dropout=0.0, compute_dtype="bfloat16")
    base, _, _ = load_base(cfg)
    model = get_peft_model(prepare_base(base, cfg, False), lora_config(cfg)).eval()
    prefix, queries, answers = tokens["prefix"], tokens["queries"], tokens["answers"]
    own = score_choices(model, prefix, queries, [answers] * 3, dtype="model")
    used: dict[str, Any] = {}
    bf16 = score_choices(model, prefix, queries, [answers] * 3, dtype="bfloat16", used=used)
    assert used == {"dtype": "bfloat16", "dense_layers": 18 * 7}
    _assert_close(own, bf16, 0.25)
    assert all(s < 0 for row in own for s, _ in row)
    # Too little memory to dequantise: the 4-bit layers stay, and so do the model's dtypes; the
    # caller is told what ran, not what it asked for.
    import pipelines.scoring as scoring

    monkeypatch.setattr(scoring, "DENSE_SHARE", 0.0)
    kept = score_choices(model, prefix, queries, [answers] * 3, dtype="bfloat16", used=used)
    assert used == {"dtype": "model", "dense_layers": 0}
    _assert_close(kept, own, 0.25)


def test_best_choices_scores_only_answers_that_can_win(
    embedded_dir: Path, tokens: dict[str, Any]
) -> None:
    """The pruned scorer picks what scoring every answer picks; what it scores equals the full
    forward pass; what it leaves out (-inf) is below the pick in the full pass too; and it
    does leave answers out (its point)."""
    from transformers import AutoModelForCausalLM

    from pipelines.scoring import best_choices, pick_label

    model = AutoModelForCausalLM.from_pretrained(str(embedded_dir), dtype=torch.float32).eval()
    prefix, queries = tokens["prefix"], tokens["queries"]
    plain = tokens["answers"]
    # an answer whose likely first token leads nowhere: the best first token is not the best
    # answer, so the others must be scored after it
    trap = [tokens["ids"](" card zebra quantum xylophone\n"), *plain]
    for answers in (plain, trap):
        slow = _reference(model, prefix, queries, [answers] * 3)
        names = [str(k) for k in range(len(answers))]
        for batch_size in (1, 8):
            fast = best_choices(model, prefix, queries, answers, batch_size=batch_size)
            skipped = 0
            for f_row, s_row in zip(fast, slow, strict=True):
                assert pick_label(f_row, names, "sum") == pick_label(s_row, names, "sum")
                best = max(s for s, _ in s_row)
                for (f, n), (s, m) in zip(f_row, s_row, strict=True):
                    assert n == m
                    if f == float("-inf"):
                        skipped += 1
                        assert s < best
                    else:
                        assert f == pytest.approx(s, abs=2e-4, rel=REL_TOL)
            assert skipped > 0 or answers is trap
    # no shared prefix: the queries' own cache carries the answers
    slow = _reference(model, [], queries, [plain] * 3)
    fast = best_choices(model, [], queries, plain, batch_size=8)
    names = [str(k) for k in range(len(plain))]
    for f_row, s_row in zip(fast, slow, strict=True):
        assert pick_label(f_row, names, "sum") == pick_label(s_row, names, "sum")
        for (f, _), (s, _) in zip(f_row, s_row, strict=True):
            assert f == float("-inf") or f == pytest.approx(s, abs=2e-4, rel=REL_TOL)
