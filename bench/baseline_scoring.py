"""The label scorer before #15, kept as the baseline of `bench/evaluate_speed.py` (not used by
synthmill itself): batched log-likelihood of candidate answers after a prompt, KV cache reused.

The shared prompt head (header + few-shot examples) runs once; each batch of queries runs once
from a copy of its cache; every (query, answer) pair then runs only its answer tokens from the
query's cache. Only the states that predict answer tokens go through the (large) vocabulary
projection. The result equals a full forward pass of prefix + query + answer (tested to 1e-4).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

Scores = list[list[tuple[float, int]]]  # per query, per answer: (sum of log-probs, tokens)
PAIR_BATCH = 64  # (query, answer) rows per answer pass; up to this many, the cache is not copied


# -- scoring ----------------------------------------------------------------------------------
def _parts(model: Any) -> tuple[Any, Any, float | None]:
    """(decoder, lm head, final logit softcap) of a causal LM, PEFT-wrapped or not."""
    causal = model.get_base_model() if hasattr(model, "get_base_model") else model
    softcap = getattr(causal.config.get_text_config(), "final_logit_softcapping", None)
    return causal.get_decoder(), causal.get_output_embeddings(), softcap


def _log_probs(head: Any, softcap: float | None, hidden: Any, targets: Any, chunk: int = 64) -> Any:
    """log p(targets[i, :]) under each hidden state row i; the vocab projection in chunks."""
    import torch

    out = []
    for i in range(0, hidden.shape[0], chunk):
        logits = head(hidden[i : i + chunk]).float()
        if softcap:
            logits = torch.tanh(logits / softcap) * softcap
        lp = torch.log_softmax(logits, dim=-1)
        out.append(lp.gather(1, targets[i : i + chunk]))
    return torch.cat(out) if out else hidden.new_zeros((0, targets.shape[1]))


def score_choices(
    model: Any,
    prefix: list[int],
    queries: list[list[int]],
    answers: Sequence[list[list[int]]],
    *,
    batch_size: int = 8,
    pad_id: int = 0,
) -> Scores:
    """Sum of log-probs and length of every answer `answers[i][j]` after `prefix + queries[i]`.

    `prefix` (may be empty) is run once and its KV cache copied per batch; each batch of
    queries is run once and its cache expanded to one row per (query, answer) pair.
    """
    import torch

    decoder, head, softcap = _parts(model)
    device = head.weight.device
    results: Scores = []
    with torch.no_grad():
        cache = None
        if prefix:
            cache = decoder(input_ids=torch.tensor([prefix], device=device), use_cache=True)
            cache = cache.past_key_values
        for start in range(0, len(queries), batch_size):
            stop = start + batch_size
            results.extend(
                _score_batch(
                    decoder,
                    head,
                    softcap,
                    cache,
                    len(prefix),
                    queries[start:stop],
                    answers[start:stop],
                    max(batch_size * 4, PAIR_BATCH),
                    pad_id,
                )
            )
    return results


def _padded(seqs: Sequence[Sequence[int]], width: int, pad_id: int, device: Any) -> tuple[Any, Any]:
    import torch

    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(list(s), dtype=torch.long)
        mask[i, : len(s)] = 1
    return ids.to(device), mask.to(device)


def _score_batch(
    decoder: Any,
    head: Any,
    softcap: float | None,
    prefix_cache: Any,
    n_prefix: int,
    queries: list[list[int]],
    answers: Sequence[list[list[int]]],
    pair_batch: int,
    pad_id: int,
) -> Scores:
    import torch

    device = head.weight.device
    if any(not q for q in queries):
        raise ValueError("every query needs at least one token")
    n_q = len(queries)
    q_ids, q_mask = _padded(queries, max(map(len, queries)), pad_id, device)
    q_len = q_mask.sum(1)
    cache = None
    if prefix_cache is not None:
        cache = copy.deepcopy(prefix_cache)
        cache.batch_repeat_interleave(n_q)
    attn = torch.cat([torch.ones((n_q, n_prefix), dtype=torch.long, device=device), q_mask], 1)
    out = decoder(input_ids=q_ids, attention_mask=attn, past_key_values=cache, use_cache=True)
    last = out.last_hidden_state[torch.arange(n_q, device=device), q_len - 1]
    q_cache = out.past_key_values
    pairs = [(i, j) for i in range(n_q) for j in range(len(answers[i]))]
    # The first answer token is predicted by the query's last state: one projection per query.
    firsts = sorted({a[0] for i in range(n_q) for a in answers[i]})
    column = {t: c for c, t in enumerate(firsts)}
    first = _log_probs(head, softcap, last, torch.tensor([firsts] * n_q, device=device)).tolist()
    sums = [first[i][column[answers[i][j][0]]] for i, j in pairs]
    for lo in range(0, len(pairs), pair_batch):
        chunk = pairs[lo : lo + pair_batch]
        rests = [answers[i][j][:-1] for i, j in chunk]  # inputs that predict tokens 1..n-1
        width = max(map(len, rests))
        if width == 0:
            continue
        owners = torch.tensor([i for i, _ in chunk], device=device)
        cache = copy.deepcopy(q_cache) if len(pairs) > pair_batch else q_cache
        cache.batch_select_indices(owners)
        a_ids, a_mask = _padded(rests, width, pad_id, device)
        targets, _ = _padded([answers[i][j][1:] for i, j in chunk], width, pad_id, device)
        pos = (n_prefix + q_len[owners])[:, None] + torch.arange(width, device=device)[None, :]
        h = decoder(
            input_ids=a_ids,
            attention_mask=torch.cat([attn[owners], a_mask], 1),
            position_ids=pos,
            past_key_values=cache,
            use_cache=True,
        ).last_hidden_state
        keep = a_mask.bool()
        lp = _log_probs(head, softcap, h[keep], targets[keep][:, None])[:, 0]
        rows = keep.nonzero()[:, 0].tolist()
        for r, value in zip(rows, lp.tolist(), strict=True):
            sums[lo + r] += value
    out_scores: Scores = [[] for _ in range(n_q)]
    for (i, j), total in zip(pairs, sums, strict=True):
        out_scores[i].append((total, len(answers[i][j])))
    return out_scores


def pick_label(scores: list[tuple[float, int]], labels: Sequence[str], mode: str) -> str:
    """The label with the best mean (or summed) answer log-prob."""
    values = [s / n if mode == "mean" else s for s, n in scores]
    return labels[max(range(len(values)), key=values.__getitem__)]
