"""Error lines about labels never print a private value: a label field that points at a text or
name column gives a count and a question, a few mistyped labels are named."""

from __future__ import annotations

import polars as pl
import pytest

from schemas.errors import InputError
from schemas.shown_values import labels_shown

NAMES = [f"Anna Novak{i} <anna{i}@example.com>" for i in range(200)]


def test_a_name_column_taken_for_labels_is_counted_not_printed() -> None:
    line = labels_shown(NAMES, len(NAMES), "customer")
    assert "Anna" not in line and "@" not in line
    assert "200 distinct values" in line and "'customer'" in line


def test_a_few_mistyped_labels_are_named_and_private_looking_ones_masked() -> None:
    assert labels_shown(["card_arival"] * 3 + ["chnage_pin"], 4, "category") == (
        "card_arival, chnage_pin"
    )
    line = labels_shown(["refund", "bob@example.com", "call 0176 5550"], 3, "category")
    assert line == "(a value not shown), (a value not shown), refund"
    # a handful of distinct values on as many rows: a text column, not labels
    assert "not shown" in labels_shown(["Ann Lee", "Bo Ek", "Cy Ma", "Di Fu"], 4, "name")


def test_evaluate_names_no_value_of_a_wrong_label_field() -> None:
    from pipelines.evaluate import evaluate_labels

    rows = pl.DataFrame({"text": ["where is my card"] * 200, "customer": NAMES})
    with pytest.raises(InputError) as caught:
        evaluate_labels(rows, ["card_arrival", "change_pin"], label_field="customer")
    assert "Anna" not in str(caught.value) and "200 distinct values" in str(caught.value)
