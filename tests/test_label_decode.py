"""The label walk (`pipelines.export.label_decode`) against greedy decoding over the label set."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from pipelines.export.label_decode import classify, label_tokens

NEWLINE = 0
ANSWERS = {
    "card": (5, 6, NEWLINE),
    "card_arrival": (5, 6, 7, 8, NEWLINE),
    "card_linking": (5, 6, 7, 9, NEWLINE),
    "cash": (5, 10, NEWLINE),
    "top_up": (11, 12, NEWLINE),
}
VOCAB = 16


class Scripted:
    """A model whose next-token scores are a fixed random function of the tokens so far."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.fed: list[int] = []
        self.calls = 0

    def scores(self, tokens: Sequence[int]) -> list[float]:
        rng = random.Random(hash((self.seed, *tokens)))
        return [rng.random() for _ in range(VOCAB)]

    def step(self, tokens: Sequence[int]) -> list[float]:
        self.calls += 1
        self.fed += list(tokens)
        return self.scores(self.fed)


def greedy_over_labels(model: Scripted, prompt: list[int]) -> str:
    """Decode token by token to the end of an answer, each step the best token that keeps the
    answer inside the label set: what the walk must match, without its early stop."""
    made: list[int] = []
    while True:
        scores = model.scores(prompt + made)
        options = {t[len(made)] for t in ANSWERS.values() if t[: len(made)] == tuple(made)}
        made.append(max(options, key=lambda token: scores[token]))
        if made[-1] == NEWLINE:
            return next(label for label, t in ANSWERS.items() if t == tuple(made))


def test_the_walk_picks_greedy_decodings_label_and_stops_once_one_is_left() -> None:
    # steps: the prompt, then one per token until the label is the only one left
    settled = {"top_up": 1, "cash": 2, "card": 3, "card_arrival": 4, "card_linking": 4}
    prompt = [1, 2, 3]
    seen = set()
    for seed in range(300):
        model = Scripted(seed)
        label = classify(model.step, prompt, ANSWERS)
        assert label == greedy_over_labels(Scripted(seed), prompt), seed
        assert model.calls == settled[label], seed
        assert model.fed[: len(prompt)] == prompt
        seen.add(label)
    assert seen == set(ANSWERS)  # every branch of the trie was walked


def test_a_shorter_label_competes_with_the_longer_ones_through_its_newline() -> None:
    class Fixed:
        def __init__(self, prefer: int) -> None:
            self.prefer = prefer

        def __call__(self, tokens: Sequence[int]) -> list[float]:
            scores = [0.0] * VOCAB
            scores[5] = scores[6] = 1.0  # " card" then "_"
            scores[self.prefer] = 2.0
            return scores

    assert classify(Fixed(NEWLINE), [1], ANSWERS) == "card"
    assert classify(Fixed(7), [1], ANSWERS) in {"card_arrival", "card_linking"}


def test_label_tokens_come_from_the_prompt_and_answer_tokenized_together() -> None:
    def tokenize(text: str) -> list[int]:  # one token per character; "\n" after "x" merges
        out: list[int] = []
        for ch in text:
            if ch == "\n" and out and out[-1] == ord("x"):
                out[-1] = 1000
            else:
                out.append(ord(ch))
        return out

    got = label_tokens(tokenize, "Q: hi\nA:", ["ab", "ax"], " {label}\n")
    assert got == {"ab": (32, 97, 98, 10), "ax": (32, 97, 1000)}
    with pytest.raises(ValueError, match="start another's"):  # no newline: "a" starts "ab"
        label_tokens(tokenize, "Q:", ["a", "ab"], " {label}")
    with pytest.raises(ValueError, match="merges into the prompt"):  # "x" and "\n" merge
        label_tokens(tokenize, "Q: x", ["ab"], "\n{label}")
