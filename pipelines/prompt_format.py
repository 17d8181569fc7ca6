"""The one plain prompt template that training, the student and the base few-shot evaluation share.

A student without a chat template is trained and evaluated on this text; the base model is scored
on the same text with a few real examples in front (the teacher's style: examples, then the
query). Keeping it in one module is what makes "base few-shot vs student zero-shot" a fair
comparison: only the examples differ, never the wording.

Classification (`LabeledText`), by default without the label list (`list_labels`)::

    Classify each message.
    Message: How old do I need to be?
    Label: age_limit
    Message: <the text to classify>
    Label:

With `list_labels=True` the first line is "Classify each message with one of these labels:
age_limit, card_arrival, change_pin." On the banking77 example the list made the student's prompt
about three times as long and lowered the base's and the single-source students' accuracy
(docs/finetune.md, "The plain template").

The answer is `" <label>\\n"`: one space, the label, a newline. The newline ends the label, so a
label that is a prefix of another cannot win by stopping early, and it is the same token that
follows every label in the examples (no blank lines, so the tokenizer never merges it). Labels are
always listed sorted, so the prompt does not depend on where the label set came from.

Instruction pairs: `"Instruction: <instruction>\\nResponse:"` and the answer `" <response>\\n"`.
A chat (list of messages) becomes `"User: ...\\nAssistant: ..."` turns ending in `"Assistant:"`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

HEADER_LABELS = "Classify each message with one of these labels: {labels}."
HEADER_PLAIN = "Classify each message."


def label_list(labels: Iterable[str]) -> list[str]:
    """The closed label set in the order the prompt shows it (sorted, unique)."""
    return sorted(set(labels))


def classification_prefix(
    labels: Iterable[str], shots: Sequence[tuple[str, str]] = (), *, list_labels: bool = False
) -> str:
    """The shared head of every classification prompt: header line, then `(text, label)` shots."""
    header = (
        HEADER_LABELS.format(labels=", ".join(label_list(labels))) if list_labels else HEADER_PLAIN
    )
    lines = [header]
    for text, label in shots:
        lines.append(classification_query(text) + classification_answer(label).rstrip("\n"))
    return "\n".join(lines) + "\n"


def classification_query(text: str) -> str:
    """The per-record part of the prompt, ending where the label starts."""
    return f"Message: {_one_line(text)}\nLabel:"


def classification_answer(label: str) -> str:
    """What the model must write after the prompt: a space, the label and a newline."""
    return f" {label}\n"


def classification_prompt(
    text: str,
    labels: Iterable[str],
    shots: Sequence[tuple[str, str]] = (),
    *,
    list_labels: bool = False,
) -> str:
    """The full plain prompt for one text: zero-shot for the student, few-shot for the base."""
    return classification_prefix(labels, shots, list_labels=list_labels) + classification_query(
        text
    )


def instruction_prompt(instruction: str) -> str:
    """The plain prompt of an instruction pair, ending where the response starts."""
    return f"Instruction: {instruction.strip()}\nResponse:"


def instruction_answer(response: str) -> str:
    """The response as the model must write it after `instruction_prompt`."""
    return f" {response.strip()}\n"


def chat_prompt(messages: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """A plain `(prompt, answer)` from a chat: earlier turns as `Role: text`, the last the answer.

    The last message must be the assistant's: that is the answer a student learns.
    """
    if len(messages) < 2 or messages[-1].get("role") != "assistant":
        raise ValueError("a chat needs at least two messages and must end with the assistant")
    turns = [f"{str(m['role']).capitalize()}: {str(m['content']).strip()}" for m in messages[:-1]]
    return "\n".join(turns) + "\nAssistant:", f" {str(messages[-1]['content']).strip()}\n"


def to_chat_example(
    text: str, label: str, labels: Iterable[str], *, list_labels: bool = False
) -> dict[str, list[dict[str, str]]]:
    """One record as a chat-format training example: user = the plain prompt, assistant = label."""
    return {
        "messages": [
            {
                "role": "user",
                "content": classification_prompt(text, labels, list_labels=list_labels),
            },
            {"role": "assistant", "content": label},
        ]
    }


def _one_line(text: str) -> str:
    """Newlines inside a message would look like the next field; fold them into spaces."""
    return " ".join(text.split())


def fit_text(tokenizer: Any, text: str, max_tokens: int) -> str:
    """`text` cut to at most `max_tokens` tokens (whole text when it fits)."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if len(ids) <= max_tokens:
        return text
    return str(tokenizer.decode(ids[: max(max_tokens, 0)]))


class StudentFormat:
    """How one student sees its records: its chat template when it has one, else the plain one.

    Owns the rendering for training rows (TRL prompt-completion, so the loss is on the answer
    only) and the token ids for scoring, so training and evaluation cannot drift apart. Message
    texts are cut so that prompt + answer + EOS fit in `max_seq_len` tokens.
    """

    def __init__(
        self,
        tokenizer: Any,
        *,
        chat: bool,
        labels: Iterable[str] = (),
        list_labels: bool = False,
        max_seq_len: int = 256,
    ) -> None:
        self.tokenizer = tokenizer
        self.chat = chat
        self.labels = label_list(labels)
        self.list_labels = list_labels
        self.max_seq_len = max_seq_len
        self._text_budget: int | None = None

    @staticmethod
    def has_chat_template(tokenizer: Any) -> bool:
        return bool(getattr(tokenizer, "chat_template", None))

    # -- rendering --------------------------------------------------------------------------
    def _chat_pair(self, user: str, answer: str) -> tuple[str, str]:
        """(prompt, answer) as strings under the chat template; the answer keeps its end-of-turn."""
        msgs = [{"role": "user", "content": user}]
        prompt = self.tokenizer.apply_chat_template(
            msgs, tokenize=False, add_generation_prompt=True
        )
        full = self.tokenizer.apply_chat_template(
            [*msgs, {"role": "assistant", "content": answer.strip()}], tokenize=False
        )
        return str(prompt), str(full)[len(prompt) :] if full.startswith(prompt) else answer.strip()

    def _length(self, prompt: str, answer: str) -> int:
        if self.chat:
            prompt, answer = self._chat_pair(prompt, answer)
            return len(self.tokenizer(prompt + answer, add_special_tokens=False)["input_ids"]) + 1
        return len(self.tokenizer(prompt + answer)["input_ids"]) + 1

    def text_budget(self) -> int:
        """Tokens left for the message text once the template and the longest label are counted."""
        if self._text_budget is None:
            longest = max(self.labels, key=lambda s: len(self.tokenizer.tokenize(s)), default="")
            overhead = self._length(
                classification_prompt("", self.labels, list_labels=self.list_labels),
                classification_answer(longest),
            )
            self._text_budget = self.max_seq_len - overhead
            if self._text_budget < 8:
                raise ValueError(
                    f"max_seq_len {self.max_seq_len} leaves no room for the message: the template "
                    f"and labels take {overhead} tokens; raise max_seq_len or set list_labels false"
                )
        return self._text_budget

    def classification_row(self, text: str, label: str) -> dict[str, Any]:
        """One training example for a labelled text: the token ids with the prompt masked out."""
        prefix, queries, _ = self.encode_classification([text])
        return self._train_ids(prefix + queries[0], self.answer_ids(classification_answer(label)))

    def instruction_row(self, prompt: str, answer: str) -> dict[str, Any]:
        """One training example for an instruction (or a flattened chat) and its answer."""
        query, answer_ids = self.encode_answer(prompt, answer)
        return self._train_ids(query, answer_ids)

    def _train_ids(self, prompt_ids: list[int], answer_ids: list[int]) -> dict[str, Any]:
        """input_ids and TRL's `completion_mask` (1 on the answer): with `completion_only_loss`
        TRL puts the loss on the answer only.

        Tokenised here, not by TRL, so training sees exactly the ids that scoring uses. The plain
        template ends the answer with EOS so the student learns to stop; a chat template's answer
        already ends with its end-of-turn marker.
        """
        answer = answer_ids if self.chat else [*answer_ids, self.tokenizer.eos_token_id]
        return {
            "input_ids": prompt_ids + answer,
            "completion_mask": [0] * len(prompt_ids) + [1] * len(answer),
        }

    def decode(self, ids: Sequence[int]) -> str:
        return str(self.tokenizer.decode([i for i in ids if i >= 0]))

    # -- token ids for scoring ----------------------------------------------------------------
    def _ids(self, text: str, special: bool = False) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=special)["input_ids"])

    def answer_ids(self, answer: str) -> list[int]:
        """The ids of one answer as it follows the prompt (under the chat template when chat)."""
        if self.chat:
            probe = classification_prompt("", self.labels, list_labels=self.list_labels)
            answer = self._chat_pair(probe, answer)[1]
        return self._ids(answer)

    def encode_classification(
        self, texts: Sequence[str], shots: Sequence[tuple[str, str]] = ()
    ) -> tuple[list[int], list[list[int]], list[list[int]]]:
        """(shared prefix ids, per-text query ids, per-label answer ids) in `self.labels` order.

        Plain: the prefix (BOS, header, shots) is shared and cached once by the scorer. Chat: the
        template wraps the whole user turn, so the prefix is empty and each query carries it all.
        """
        budget = self.text_budget()
        fitted = [fit_text(self.tokenizer, _one_line(t), budget) for t in texts]
        shots = [(fit_text(self.tokenizer, _one_line(t), budget), lab) for t, lab in shots]
        answers = [self.answer_ids(classification_answer(lab)) for lab in self.labels]
        if not self.chat:
            head = classification_prefix(self.labels, shots, list_labels=self.list_labels)
            return (
                self._ids(head, True),
                [self._ids(classification_query(t)) for t in fitted],
                answers,
            )
        queries = []
        for text in fitted:
            user = classification_prompt(text, self.labels, shots, list_labels=self.list_labels)
            queries.append(self._ids(self._chat_pair(user, "")[0]))
        return [], queries, answers

    def encode_answer(self, prompt: str, answer: str) -> tuple[list[int], list[int]]:
        """(query ids with BOS, answer ids) for one prompt and its reference answer, cut to fit."""
        if self.chat:
            prompt, answer = self._chat_pair(prompt, answer)
            query = self._ids(prompt)
        else:
            query = self._ids(prompt, True)
        room = max(self.max_seq_len - len(query) - 1, 1)
        return query, self._ids(answer)[:room]

    def fit_prompt_text(self, text: str) -> str:
        """An instruction cut to half the sequence, so its response always has room."""
        return fit_text(self.tokenizer, text, self.max_seq_len // 2)
