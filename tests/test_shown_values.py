"""Error lines about labels never print a private value: a label field that points at a text or
name column gives a count and a question, near misses of a known label are named."""

from __future__ import annotations

import polars as pl
import pytest

from schemas.errors import InputError
from schemas.shown_values import labels_shown

NAMES = [f"Anna Novak{i} <anna{i}@example.com>" for i in range(200)]
KNOWN = ["card_arrival", "change_pin", "refund"]


def test_a_name_column_taken_for_labels_is_counted_not_printed() -> None:
    line = labels_shown(NAMES, KNOWN, "customer")
    assert "Anna" not in line and "@" not in line
    assert line.startswith("200 distinct values, none close to a label") and "'customer'" in line
    # ten names on a hundred rows, or cities: not near any label either
    cities = ["Berlin", "Paris", "Lyon"] * 30
    assert "Berlin" not in labels_shown(cities, KNOWN, "city")


def test_near_misses_of_a_label_are_named_and_private_looking_ones_not() -> None:
    found = ["card_arival"] * 3 + ["Change-PIN", "refnd", "Anna Kiss", "refund 0176 5550"]
    line = labels_shown(found, KNOWN, "category")
    assert line == "Change-PIN, card_arival, refnd and 2 other values (not shown)"


def test_evaluate_names_no_value_of_a_wrong_label_field() -> None:
    from pipelines.evaluate import evaluate_labels

    rows = pl.DataFrame({"text": ["where is my card"] * 200, "customer": NAMES})
    with pytest.raises(InputError) as caught:
        evaluate_labels(rows, ["card_arrival", "change_pin"], label_field="customer")
    assert "Anna" not in str(caught.value) and "200 distinct values" in str(caught.value)
