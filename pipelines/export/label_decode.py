"""Classify with an exported student by walking its label set token by token (stdlib only).

A student answers ` {label}\\n`. Plain greedy decoding runs one step per token of the answer
(four to six for banking77's labels) and may write something that is no label at all. Walking a
trie of the labels' tokens instead:
- at each step only the tokens that continue some label (or end one) compete, and the best
  scoring one is taken, as greedy decoding would among them;
- decoding stops as soon as one label is left: "card_payment_wrong_exchange_rate" is settled
  after two or three tokens, so most messages need one or two steps after the prompt.
The answer is always a label; where greedy decoding stays inside the label set (nearly always
for a trained student) it is the same label greedy decoding writes.

The model is behind one callable, so the same walk runs on llama.cpp (`bench/edge_runtime.py`
and the README's example) and on transformers. This module imports nothing outside the
standard library: it runs in a venv that has only llama-cpp-python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol


class Scores(Protocol):
    """The next-token scores after the tokens fed so far (logits or log-probs)."""

    def __getitem__(self, token: int, /) -> float: ...


Step = Callable[[Sequence[int]], Scores]
"""Feeds tokens after those fed before (the first call: the prompt) and returns the scores of
the token that would follow them."""


def label_tokens(
    tokenize: Callable[[str], list[int]], prompt: str, labels: Sequence[str], answer: str
) -> dict[str, tuple[int, ...]]:
    """Each label's answer tokens as the student sees them after `prompt`.

    `answer` is the student's answer pattern with `{label}` (` {label}\\n`). The tokens come from
    tokenizing the prompt and the whole answer together, so merges across the boundary are the
    ones training saw. A label whose answer merges into the prompt's last token, or whose
    answer tokens start (or equal) another's (an answer pattern without its closing newline),
    cannot be walked from the prompt's tokens: ValueError.
    """
    head = tokenize(prompt)
    out: dict[str, tuple[int, ...]] = {}
    for label in labels:
        whole = tokenize(prompt + answer.replace("{label}", label))
        if whole[: len(head)] != head or len(whole) == len(head):
            raise ValueError(f"the answer for label {label!r} merges into the prompt's tokens")
        out[label] = tuple(whole[len(head) :])
    seqs = sorted(out.values())
    for shorter, longer in zip(seqs, seqs[1:], strict=False):
        if longer[: len(shorter)] == shorter:
            raise ValueError("one label's answer tokens start another's (or equal them)")
    return out


def classify(step: Step, prompt_tokens: Sequence[int], answers: dict[str, tuple[int, ...]]) -> str:
    """The label whose answer tokens win step by step after `prompt_tokens`.

    `answers` (from `label_tokens`) map each label to its full answer, the closing newline
    included: where one label's tokens run on in another's ("card" / "card_arrival"), the
    newline that ends the shorter competes with the longer label's next token, as in greedy
    decoding.
    """
    if not answers:
        raise ValueError("no labels")
    alive = list(answers.items())
    scores = step(prompt_tokens)
    depth = 0
    while len(alive) > 1:
        branches: dict[int, list[tuple[str, tuple[int, ...]]]] = {}
        for label, tokens in alive:
            if depth < len(tokens):
                branches.setdefault(tokens[depth], []).append((label, tokens))
        if not branches:  # equal answers: `label_tokens` refuses them
            raise ValueError("labels whose answer tokens do not tell them apart")
        best = max(branches, key=lambda token: scores[token])
        alive = branches[best]
        depth += 1
        if len(alive) > 1:
            scores = step([best])
    return alive[0][0]
