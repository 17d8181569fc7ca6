"""Log-likelihood of candidate answers after a prompt: one forward pass per batch of prompts.

The shared prompt head (header + few-shot examples) runs once and its KV cache is reused. Each
row of a batch is then one prompt followed by all of its candidate answers laid out as a token
tree (`AnswerTree`: answers that start alike share their common tokens), with an attention mask
that lets every answer token see the prompt and its own earlier tokens only, and position ids
that restart each answer right after the prompt. So the prompt and the answers of a row cost one
pass, with no cache copied per candidate and no padding per candidate; only the states that
predict answer tokens go through the (large) vocabulary projection. The tree of a label set is
built once. The result equals a full forward pass of prefix + query + answer for every answer
(`tests/test_scoring_equivalence.py`).

4-bit (bitsandbytes) layers are scored on their dequantised weights (`dense_weights`): the same
values the matmul of training uses, without dequantising them on every call, and without
bitsandbytes' CPU inference kernel, which rounds the activations and the block scales to bf16.
A LoRA adapter is folded into those weights for the duration (one matmul per projection instead
of three; on 2 CPU cores the unfolded adapter more than doubled a student's scoring time).

`dtype="auto"` scores in bfloat16 on a CPU that computes it natively (AVX512-BF16 or AMX): about
twice the fp32 speed on 2 cores, the same accuracy on the banking77 held-out rows with 99.3% of
the picks unchanged (`bench/evaluate_speed.py`); the weights are cast for the duration and the
originals put back. `dtype="model"` keeps the model's own dtypes: exact against a full forward
pass in fp32. bitsandbytes' own CPU inference kernel, the path before #15, rounded to bf16 too.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.train_plan import cpu_has_bf16, free_bytes

Scores = list[list[tuple[float, int]]]  # per query, per answer: (sum of log-probs, tokens)
HEAD_ROWS = 256  # hidden states per vocabulary projection (bounds the logits' memory: 128 MiB
# in bf16, 256 MiB in float32 at a 262k vocabulary; fewer rows re-read the head more often, and
# 512 measured slower on 2 cores)
LSE_ROWS = 4  # rows per logsumexp: 4 x 262k float32 logits are 4 MiB
DENSE_SHARE = 0.5  # dequantise only when the dense weights take at most this share of free memory


# -- the answers as a token tree ----------------------------------------------------------------
@dataclass(frozen=True)
class AnswerTree:
    """Candidate answers merged on their common prefixes.

    A node is an answer token whose state predicts a next token (an answer's last token is
    never a node). `steps[a]` lists, for each token of answer `a`, the node whose state predicts
    it (-1: the prompt's last token) and the token.
    """

    tokens: tuple[int, ...]
    parents: tuple[int, ...]
    depths: tuple[int, ...]
    steps: tuple[tuple[tuple[int, int], ...], ...]

    @classmethod
    def build(cls, answers: Sequence[Sequence[int]]) -> AnswerTree:
        index: dict[tuple[int, ...], int] = {}
        tokens: list[int] = []
        parents: list[int] = []
        depths: list[int] = []
        steps = []
        for answer in answers:
            if not answer:
                raise ValueError("every answer needs at least one token")
            source, path = -1, []
            for k, token in enumerate(answer):
                path.append((source, int(token)))
                if k == len(answer) - 1:
                    break
                key = tuple(answer[: k + 1])
                if key not in index:
                    index[key] = len(tokens)
                    tokens.append(int(token))
                    parents.append(source)
                    depths.append(k)
                source = index[key]
            steps.append(tuple(path))
        return cls(tuple(tokens), tuple(parents), tuple(depths), tuple(steps))

    def ancestry(self) -> Any:
        """[n, n] bool: node i sees node j (j is i or one of its ancestors)."""
        import torch

        n = len(self.tokens)
        sees = torch.eye(n, dtype=torch.bool)
        for i, parent in enumerate(self.parents):  # parents come before their children
            if parent >= 0:
                sees[i] |= sees[parent]
        return sees


# -- model parts ----------------------------------------------------------------------------------
def causal_parts(model: Any) -> tuple[Any, Any, Any, float | None]:
    """(causal LM, decoder stack, LM head, final logit softcap) under any PEFT wrapper."""
    causal = model.get_base_model() if hasattr(model, "get_base_model") else model
    softcap = getattr(causal.config.get_text_config(), "final_logit_softcapping", None)
    return causal, causal.get_decoder(), causal.get_output_embeddings(), softcap


def _lm_logits(head: Any, softcap: float | None, hidden: Any) -> Any:
    """The vocabulary logits of `hidden`, in the head's dtype (float32 where it is float32)."""
    import torch

    logits = head(hidden)
    if softcap:
        logits = torch.tanh(logits.float() / softcap) * softcap
    return logits


def _log_normalisers(logits: Any) -> Any:
    """logsumexp over the vocabulary of each row, in float32, a few rows at a time: the float32
    copy and logsumexp's temporaries of a 262k-token vocabulary stay in the CPU's cache instead
    of making four passes through memory (on 2 cores the logsumexp of 256 rows at once was a third
    of a student's scoring time; 4 at a time, under a sixth)."""
    import torch

    rows = LSE_ROWS if logits.device.type == "cpu" else max(logits.shape[0], 1)  # GPU: one go
    out = torch.empty(logits.shape[0], dtype=torch.float32, device=logits.device)
    for lo in range(0, logits.shape[0], rows):
        out[lo : lo + rows] = torch.logsumexp(logits[lo : lo + rows].float(), dim=-1)
    return out


# -- dense weights for scoring --------------------------------------------------------------------
@contextlib.contextmanager
def dense_weights(model: Any) -> Iterator[int]:
    """Within the block, every bitsandbytes 4-bit linear layer of `model` is a plain linear layer
    holding its dequantised weight (in the layer's compute dtype), and every LoRA layer around a
    linear layer is folded into one plain linear layer: base weight + the active adapters' delta
    (B A times the scale), or the base alone while the adapters are disabled. So scoring runs one
    matmul per projection instead of bitsandbytes' kernel plus two LoRA matmuls, on the weights
    training uses. Yields how many layers were swapped: none when the dense weights would take
    more than `DENSE_SHARE` of the free memory."""
    import torch

    targets = _dense_targets(model)
    if not targets:
        yield 0
        return
    device = targets[0][2].weight.device
    size = sum(_dense_bytes(base) for _, _, base in targets)
    if size > DENSE_SHARE * free_bytes(device):
        yield 0
        return
    swapped = []
    try:
        for name, module, base in targets:
            dense = _replacement(module, base, torch)
            parent_name, _, attr = name.rpartition(".")
            parent = model.get_submodule(parent_name)
            setattr(parent, attr, dense)
            swapped.append((parent, attr, module))
        yield len(swapped)
    finally:
        for parent, attr, module in reversed(swapped):
            setattr(parent, attr, module)


def _replacement(module: Any, base: Any, torch: Any) -> Any:
    """What scores in place of `module`: the dense copy of its linear `base`, plus the active
    LoRA deltas when `module` is a LoRA layer with its adapters on; a plain linear base whose
    adapters are off is used as it is."""
    lora_on = module is not base and not getattr(module, "disable_adapters", False)
    if module is not base and not lora_on and not _is_4bit(base):
        return base
    dense = _dense_copy(base, torch)
    if lora_on:
        for adapter in module.active_adapters:
            if adapter in module.lora_A:
                dense.weight.add_(module.get_delta_weight(adapter).to(dense.weight.dtype))
    return dense


def _is_4bit(module: Any) -> bool:
    """A bitsandbytes 4-bit linear layer in its usual (not CPU-repacked) layout."""
    try:
        import bitsandbytes as bnb
    except ImportError:
        return False
    weight = getattr(module, "weight", None)
    if not (isinstance(module, bnb.nn.Linear4bit) and isinstance(weight, bnb.nn.Params4bit)):
        return False
    state = weight.quant_state
    return state is not None and not getattr(state, "packing_format_for_cpu", False)


def _foldable_lora(module: Any) -> bool:
    """A plain LoRA layer (no DoRA or other variant, no LoRA bias, not merged) around a linear
    layer: its output is exactly base(x) + x A^T B^T * scale, one linear map."""
    import torch

    if not (hasattr(module, "lora_A") and hasattr(module, "get_base_layer")):
        return False
    if getattr(module, "merged", False) or getattr(module, "fan_in_fan_out", False):
        return False
    base = module.get_base_layer()
    if not (_is_4bit(base) or type(base) is torch.nn.Linear):
        return False
    for adapter in module.active_adapters:
        if adapter not in module.lora_A:
            continue
        if getattr(module, "use_dora", {}).get(adapter) or getattr(module, "lora_variant", {}).get(
            adapter
        ):
            return False
        if module.lora_B[adapter].bias is not None:
            return False
    return True


@functools.cache
def _casting_linear() -> Any:
    import torch

    class CastingLinear(torch.nn.Linear):
        """nn.Linear that computes in its weight's dtype and answers in its input's."""

        def forward(self, x: Any) -> Any:
            w = self.weight
            if x.dtype == w.dtype:
                return super().forward(x)
            return super().forward(x.to(w.dtype)).to(x.dtype)

    return CastingLinear


def _dense_targets(model: Any) -> list[tuple[str, Any, Any]]:
    """(name, module to replace, its linear base): foldable LoRA layers, then bare 4-bit ones."""
    targets, inside = [], set()
    for name, module in model.named_modules():
        if _foldable_lora(module):
            base = module.get_base_layer()
            targets.append((name, module, base))
            inside.add(id(base))
    for name, module in model.named_modules():
        if id(module) not in inside and _is_4bit(module):
            targets.append((name, module, module))
    return targets


def _dense_bytes(base: Any) -> int:
    return int(base.out_features * base.in_features * 4)


def _dense_copy(base: Any, torch: Any) -> Any:
    """A new linear layer with `base`'s weight (dequantised when 4-bit) and bias. Like
    bitsandbytes' layer it takes input of any dtype, computes in its weight's dtype and answers in
    the input's (a trained model keeps norms and embeddings in fp32 around bf16 layers)."""
    if _is_4bit(base):
        import bitsandbytes as bnb

        state = base.weight.quant_state
        dtype = base.compute_dtype or state.dtype
        weight = bnb.functional.dequantize_4bit(base.weight.data, state).to(dtype)
    else:
        weight = base.weight.detach()
        dtype = weight.dtype
    dense = torch.nn.utils.skip_init(  # no random init of weights overwritten next
        _casting_linear(),
        base.in_features,
        base.out_features,
        bias=base.bias is not None,
        device=weight.device,
        dtype=dtype,
    ).requires_grad_(False)
    dense.weight.copy_(weight)
    if base.bias is not None:
        dense.bias.copy_(base.bias.to(dtype))
    return dense


# -- scoring --------------------------------------------------------------------------------------
def score_choices(
    model: Any,
    prefix: list[int],
    queries: list[list[int]],
    answers: Sequence[list[list[int]]],
    *,
    batch_size: int = 8,
    pad_id: int = 0,
    dtype: str = "model",
    used: dict[str, Any] | None = None,
) -> Scores:
    """Sum of log-probs and length of every answer `answers[i][j]` after `prefix + queries[i]`.

    `prefix` (may be empty) is run once; each batch of `batch_size` queries, with all their
    answers, is one more forward pass. Queries that share one answer list (the label set) share
    its tree. `dtype`: "model" (the model's own dtypes), "bfloat16", or "auto" (see
    `score_dtype`). `used`, when given, is filled with what the scoring ran in: `dtype` (the
    requested one may fall back to "model" where 4-bit layers stay in place for lack of memory)
    and `dense_layers` (layers scored on dequantised or folded weights).
    """
    if any(not q for q in queries):
        raise ValueError("every query needs at least one token")
    with _scoring(model, dtype, used) as causal:
        return _score_batches(causal, prefix, queries, answers, _trees(answers), batch_size, pad_id)


#: log-prob slack when ruling an answer out by its first token (the first token's log-prob and
#: the best answer's sum come from two passes, which may round differently)
BOUND_SLACK = 0.05


def best_choices(
    model: Any,
    prefix: list[int],
    queries: list[list[int]],
    answers: list[list[int]],
    *,
    batch_size: int = 8,
    pad_id: int = 0,
    dtype: str = "model",
    used: dict[str, Any] | None = None,
) -> Scores:
    """`score_choices` for one answer list shared by every query, scoring only the answers that
    can have the best sum of log-probs; the others get -inf. The pick by sum is the same.

    An answer's sum is at most its first token's log-prob (the others add log-probs <= 0). So,
    per batch of queries: one pass runs the queries after the prefix's cache and gives every
    first token's log-prob from each query's last state (one vocabulary projection a query);
    a second, on that pass's cache, runs only the answer with the best first token (its tokens
    after the first); a third, for the queries that need it, runs every other answer whose
    first token's log-prob is not below that sum (less `BOUND_SLACK`). A query's tokens go
    through the decoder once. A trained student is sure of its label, so most queries need no
    third pass: on the banking77 example's 10 labels (57 answer tokens) a query projects about
    6 states instead of 49. The summed-score pick only: a mean per token has no such bound.
    """
    if any(not q for q in queries):
        raise ValueError("every query needs at least one token")
    if any(not a for a in answers):
        raise ValueError("every answer needs at least one token")
    all_nodes = len(AnswerTree.build(answers).tokens)
    out: Scores = []
    with _scoring(model, dtype, used) as causal:
        _, decoder, head, softcap = causal_parts(causal)
        device = head.weight.device
        cache = _prefix_cache(decoder, prefix, device)
        pruned = _Pruned(causal, decoder, head, softcap, device, pad_id)
        for start in range(0, len(queries), batch_size):
            rows = queries[start : start + batch_size]
            width = len(prefix) + max(len(q) for q in rows)
            if not _tree_mask_ok(causal.config, width + all_nodes):
                out.extend(_score_full(causal, prefix, rows, [answers] * len(rows)))
                continue
            out.extend(pruned.score(cache, len(prefix), rows, answers))
    return out


def _prefix_cache(decoder: Any, prefix: list[int], device: Any) -> Any:
    """The KV cache of the shared prompt head, or None when there is none."""
    import torch

    if not prefix:
        return None
    return decoder(input_ids=torch.tensor([prefix], device=device), use_cache=True).past_key_values


def _rows_cache(cache: Any, rows: int) -> Any:
    """A copy of the prefix's cache for `rows` rows (None stays None)."""
    if cache is None:
        return None
    cache = copy.deepcopy(cache)
    cache.batch_repeat_interleave(rows)
    return cache


def _decode(
    decoder: Any, ids: Any, pos: Any, sees: Any, cache: Any, config: Any, dtype: Any, keep: bool
) -> Any:
    """One decoder pass under a [rows, 1, new, cached + new] bool mask (made additive for eager
    attention), the same mask for every kind of layer (no window cuts: see `_tree_mask_ok`).
    `keep` is `use_cache`: whether the output carries the cache. A cache passed in gets the new
    tokens appended either way (the attention layers update it), so pass a copy of one that is
    needed again."""
    import torch

    mask: Any = sees
    if config._attn_implementation == "eager":
        mask = torch.zeros(sees.shape, dtype=dtype, device=sees.device).masked_fill(
            ~sees, torch.finfo(dtype).min
        )
    layer_types = getattr(config.get_text_config(), "layer_types", None)
    if layer_types:
        mask = dict.fromkeys(set(layer_types), mask)
    return decoder(
        input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=cache, use_cache=keep
    )


class _Pruned:
    """`best_choices` on one batch of queries: the queries once, then answers on their cache."""

    def __init__(
        self, causal: Any, decoder: Any, head: Any, softcap: float | None, device: Any, pad: int
    ) -> None:
        self.config, self.decoder, self.head, self.softcap = causal.config, decoder, head, softcap
        self.device, self.pad_id = device, pad

    def score(
        self, prefix_cache: Any, n_prefix: int, queries: list[list[int]], answers: list[list[int]]
    ) -> Scores:
        import torch

        n = len(queries)
        firsts = sorted({a[0] for a in answers})
        slot = {t: k for k, t in enumerate(firsts)}
        empty = AnswerTree.build([])
        ids, pos, sees = _Batch(n_prefix, queries, [empty] * n, self.pad_id).inputs(self.device)
        ran = _decode(
            self.decoder,
            ids,
            pos,
            sees,
            _rows_cache(prefix_cache, n),
            self.config,
            self.head.weight.dtype,
            keep=True,
        )
        last = ran.last_hidden_state[
            torch.arange(n, device=self.device),
            torch.tensor([len(q) - 1 for q in queries], device=self.device),
        ]
        values = _pair_log_probs(
            self.head, self.softcap, last, [(r, t) for r in range(n) for t in firsts]
        )
        first = [[values[r * len(firsts) + slot[a[0]]] for a in answers] for r in range(n)]
        context = [n_prefix + len(q) for q in queries]  # cached columns each row may see
        cached = max(context)  # the cache's columns: the prefix and the longest query
        out: Scores = [[(float("-inf"), len(a)) for a in answers] for _ in range(n)]
        top = [max(range(len(answers)), key=lp.__getitem__) for lp in first]
        rest_of = self._continue(
            copy.deepcopy(ran.past_key_values), cached, context, [[answers[t]] for t in top]
        )
        for r in range(n):
            out[r][top[r]] = (first[r][top[r]] + rest_of[r][0], len(answers[top[r]]))
        need = {
            r: [
                j
                for j in range(len(answers))
                if j != top[r] and first[r][j] >= out[r][top[r]][0] - BOUND_SLACK
            ]
            for r in range(n)
        }
        rows = [r for r in range(n) if need[r]]
        if rows:
            cache = ran.past_key_values
            cache.batch_select_indices(torch.tensor(rows, device=self.device))
            shared: dict[tuple[int, ...], list[list[int]]] = {}
            lists = [shared.setdefault(tuple(need[r]), [answers[j] for j in need[r]]) for r in rows]
            got = self._continue(cache, cached, [context[r] for r in rows], lists)
            for r, sums in zip(rows, got, strict=True):
                for j, s in zip(need[r], sums, strict=True):
                    out[r][j] = (first[r][j] + s, len(answers[j]))
        return out

    def _continue(
        self, cache: Any, cached: int, context: list[int], lists: list[list[list[int]]]
    ) -> list[list[float]]:
        """For each row, the log-probs of each of its answers' tokens after the first, summed:
        the answers as a tree after the row's own cached tokens (`context[r]` columns; the
        rest of the cache is the padding of shorter rows), in one pass for all rows."""
        import torch

        trees = _trees(lists)
        width = max(len(t.tokens) for t in trees)
        if width == 0:  # single-token answers: the first pass scored them
            return [[0.0] * len(t.steps) for t in trees]
        rows = len(trees)
        ids = torch.full((rows, width), self.pad_id, dtype=torch.long)
        pos = torch.zeros((rows, width), dtype=torch.long)
        sees = torch.zeros((rows, width, cached + width), dtype=torch.bool)
        sees[:, range(width), [cached + c for c in range(width)]] = True  # padding sees itself
        ancestry: dict[int, Any] = {}
        for r, (tree, ctx) in enumerate(zip(trees, context, strict=True)):
            k = len(tree.tokens)
            if not k:
                continue
            ids[r, :k] = torch.tensor(tree.tokens)
            pos[r, :k] = ctx + torch.tensor(tree.depths)
            sees[r, :k, :ctx] = True
            if id(tree) not in ancestry:
                ancestry[id(tree)] = tree.ancestry()
            sees[r, :k, cached : cached + k] = ancestry[id(tree)]
        hidden = _decode(
            self.decoder,
            ids.to(self.device),
            pos.to(self.device),
            sees[:, None].to(self.device),
            cache,
            self.config,
            self.head.weight.dtype,
            keep=False,
        ).last_hidden_state
        pairs: dict[tuple[int, int], int] = {}  # (row * width + node, target token) -> slot
        for r, tree in enumerate(trees):
            for path in tree.steps:
                for node, token in path[1:]:
                    pairs.setdefault((r * width + node, token), len(pairs))
        keys = sorted({state for state, _ in pairs})
        row_of = {state: k for k, state in enumerate(keys)}
        index = torch.tensor(keys, device=self.device, dtype=torch.long)
        states = hidden.reshape(rows * width, -1)[index] if keys else hidden[:0, 0]
        values = _pair_log_probs(
            self.head, self.softcap, states, [(row_of[s], t) for s, t in pairs]
        )
        return [
            [
                sum(values[pairs[(r * width + node, t)]] for node, t in path[1:])
                for path in tree.steps
            ]
            for r, tree in enumerate(trees)
        ]


def _trees(answers: Sequence[list[list[int]]]) -> list[AnswerTree]:
    """Each query's answer tree; queries that share one answer list share its tree."""
    trees: dict[int, AnswerTree] = {}
    for a in answers:
        if id(a) not in trees:
            trees[id(a)] = AnswerTree.build(a)
    return [trees[id(a)] for a in answers]


@contextlib.contextmanager
def _scoring(model: Any, dtype: str, used: dict[str, Any] | None) -> Iterator[Any]:
    """The causal LM ready to score: no grad, dense (dequantised, LoRA folded) weights, cast to
    the scoring dtype; `used` filled with what that came to."""
    import torch

    causal = causal_parts(model)[0]
    with torch.no_grad(), dense_weights(causal) as swapped:
        run_dtype = _usable(dtype, causal)
        if used is not None:
            used.update(dtype=run_dtype, dense_layers=swapped)
        with cast_floats(causal, run_dtype):
            yield causal


def _score_batches(
    causal: Any,
    prefix: list[int],
    queries: list[list[int]],
    answers: Sequence[list[list[int]]],
    row_trees: list[AnswerTree],
    batch_size: int,
    pad_id: int,
) -> Scores:
    """`score_choices` on the model as it is: the prefix once, then one pass per batch."""

    results: Scores = []
    _, decoder, head, softcap = causal_parts(causal)  # after the swap: a folded head too
    device = head.weight.device
    cache = _prefix_cache(decoder, prefix, device)
    for start in range(0, len(queries), batch_size):
        stop = start + batch_size
        batch = _Batch(len(prefix), queries[start:stop], row_trees[start:stop], pad_id)
        if not _tree_mask_ok(causal.config, batch.kv_length):
            results.extend(_score_full(causal, prefix, queries[start:stop], answers[start:stop]))
            continue
        results.extend(batch.score(decoder, head, softcap, cache, causal.config, device))
    return results


def _usable(choice: str, model: Any) -> str:
    """`score_dtype`, except over 4-bit layers left in place (too little memory to dequantise)."""
    return "model" if any(_is_4bit(m) for m in model.modules()) else score_dtype(choice, model)


def score_dtype(choice: str, model: Any) -> str:
    """The dtype scoring runs in: "bfloat16" when asked, or for "auto" on a CPU with native bf16;
    else "model" (the model's own dtypes)."""
    if choice == "model":
        return "model"
    if choice == "bfloat16":
        return choice
    if choice != "auto":
        raise ValueError(f"unknown scoring dtype '{choice}' (auto, model or bfloat16)")
    params = next(iter(model.parameters()), None)
    on_cpu = params is None or params.device.type == "cpu"
    return "bfloat16" if on_cpu and cpu_has_bf16() else "model"


@contextlib.contextmanager
def cast_floats(model: Any, dtype: str) -> Iterator[None]:
    """Within the block, every floating-point parameter of `model` holds a copy in `dtype`
    ("model": no change); the original tensors are put back after, bit for bit."""
    import torch

    if dtype == "model":
        yield
        return
    target = getattr(torch, dtype)
    saved = []
    try:
        for param in model.parameters():
            if param.is_floating_point() and param.dtype != target:
                saved.append((param, param.data))
                param.data = param.data.to(target)
        yield
    finally:
        for param, data in saved:
            param.data = data


def _tree_mask_ok(config: Any, length: int) -> bool:
    """Whether the model takes our own 4D mask (sdpa or eager attention) and its sliding-window
    layers, if any, see every token of a row (no window cut, no cache crop)."""
    if getattr(config, "_attn_implementation", "eager") not in ("sdpa", "eager"):
        return False
    window = getattr(config.get_text_config(), "sliding_window", None)
    return window is None or length < window


class _Batch:
    """One forward pass: each row is a query followed by its answer tree, then padding."""

    def __init__(
        self, n_prefix: int, queries: list[list[int]], trees: list[AnswerTree], pad_id: int
    ) -> None:
        self.n_prefix = n_prefix
        self.queries = queries
        self.trees = trees
        self.pad_id = pad_id
        self.width = max(len(q) + len(t.tokens) for q, t in zip(queries, trees, strict=True))
        self.kv_length = n_prefix + self.width

    def inputs(self, device: Any) -> tuple[Any, Any, Any]:
        """(input ids, position ids, [rows, 1, width, prefix + width] bool attention mask)."""
        import torch

        rows, p, w = len(self.queries), self.n_prefix, self.width
        ids = torch.full((rows, w), self.pad_id, dtype=torch.long)
        pos = torch.full((rows, w), p, dtype=torch.long)
        sees = torch.zeros((rows, w, p + w), dtype=torch.bool)
        sees[:, :, :p] = True
        sees[:, range(w), [p + c for c in range(w)]] = True  # padding sees itself (never NaN)
        ancestry: dict[int, Any] = {}
        for r, (query, tree) in enumerate(zip(self.queries, self.trees, strict=True)):
            q, n = len(query), len(tree.tokens)
            ids[r, :q] = torch.tensor(query)
            pos[r, :q] = torch.arange(p, p + q)
            sees[r, :q, p : p + q] = torch.ones((q, q), dtype=torch.bool).tril()
            if n:
                ids[r, q : q + n] = torch.tensor(tree.tokens)
                pos[r, q : q + n] = p + q + torch.tensor(tree.depths)
                sees[r, q : q + n, p : p + q] = True
                if id(tree) not in ancestry:
                    ancestry[id(tree)] = tree.ancestry()
                sees[r, q : q + n, p + q : p + q + n] = ancestry[id(tree)]
        return ids.to(device), pos.to(device), sees[:, None].to(device)

    def score(
        self, decoder: Any, head: Any, softcap: float | None, cache: Any, config: Any, device: Any
    ) -> Scores:
        import torch

        ids, pos, sees = self.inputs(device)
        cache = _rows_cache(cache, len(self.queries))
        hidden = _decode(
            decoder, ids, pos, sees, cache, config, head.weight.dtype, keep=cache is not None
        ).last_hidden_state
        # Each row's states that predict answer tokens: its query's last, then its tree's nodes.
        rows, cols, first = [], [], []
        for r, (query, tree) in enumerate(zip(self.queries, self.trees, strict=True)):
            q = len(query)
            first.append(len(rows))
            rows += [r] * (1 + len(tree.tokens))
            cols += range(q - 1, q + len(tree.tokens))
        states = hidden[torch.tensor(rows, device=device), torch.tensor(cols, device=device)]
        pairs: dict[tuple[int, int], int] = {}  # (state, target token) -> slot
        for r, tree in enumerate(self.trees):
            for path in tree.steps:
                for node, token in path:
                    pairs.setdefault((first[r] + 1 + node, token), len(pairs))
        values = _pair_log_probs(head, softcap, states, list(pairs))
        out: Scores = []
        for r, tree in enumerate(self.trees):
            out.append(
                [
                    (sum(values[pairs[(first[r] + 1 + n, t)]] for n, t in path), len(path))
                    for path in tree.steps
                ]
            )
        return out


def _pair_log_probs(
    head: Any, softcap: float | None, states: Any, pairs: list[tuple[int, int]]
) -> list[float]:
    """log p(token | state) for each (state index, token) pair; the projection in chunks."""
    import torch

    order = sorted(range(len(pairs)), key=lambda k: pairs[k][0])
    values = [0.0] * len(pairs)
    k = 0
    for lo in range(0, states.shape[0], HEAD_ROWS):
        hi = min(lo + HEAD_ROWS, states.shape[0])
        logits = _lm_logits(head, softcap, states[lo:hi])
        log_z = _log_normalisers(logits)
        mine = []
        while k < len(order) and pairs[order[k]][0] < hi:
            mine.append(order[k])
            k += 1
        if not mine:
            continue
        r = torch.tensor([pairs[m][0] - lo for m in mine], device=logits.device)
        t = torch.tensor([pairs[m][1] for m in mine], device=logits.device)
        for m, v in zip(mine, (logits[r, t].float() - log_z[r]).tolist(), strict=True):
            values[m] = v
    return values


def _score_full(
    causal: Any, prefix: list[int], queries: list[list[int]], answers: Sequence[list[list[int]]]
) -> Scores:
    """Every (query, answer) as its own full sequence, masked by the model itself: for rows
    longer than a sliding attention window, where one shared mask cannot express the window."""
    import torch

    _, _, head, softcap = causal_parts(causal)
    device = head.weight.device
    out: Scores = []
    for query, options in zip(queries, answers, strict=True):
        row = []
        for answer in options:
            seq = torch.tensor([prefix + query + answer], device=device)
            hidden = causal.get_decoder()(input_ids=seq, use_cache=False).last_hidden_state[0]
            start = len(prefix) + len(query)
            logits = _lm_logits(head, softcap, hidden[start - 1 : start - 1 + len(answer)]).float()
            lp = torch.log_softmax(logits, -1).gather(1, torch.tensor([answer], device=device).T)
            row.append((float(lp.sum()), len(answer)))
        out.append(row)
    return out


def pick_label(scores: list[tuple[float, int]], labels: Sequence[str], mode: str) -> str:
    """The label with the best mean (or summed) answer log-prob."""
    values = [s / n if mode == "mean" else s for s, n in scores]
    return labels[max(range(len(values)), key=values.__getitem__)]
