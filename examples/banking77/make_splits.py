"""Derive the example's splits from the shipped banking77 training file (deterministic).

trusted.csv   200 rows, 20 per intent: the private trusted sample the teacher sees (few-shot).
held_out.csv  300 rows, 30 per intent: real rows for evaluation only; never in a prompt.
real_pool.csv the remaining rows of the 10 intents: real training data for the upper-bound student.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

INTENTS = [
    "card_arrival",
    "lost_or_stolen_card",
    "exchange_rate",
    "transfer_fee_charged",
    "pending_top_up",
    "cash_withdrawal_charge",
    "change_pin",
    "age_limit",
    "terminate_account",
    "apple_pay_or_google_pay",
]
HERE = Path(__file__).parent


def main() -> None:
    with (HERE / "banking77_train_full.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["category"] in INTENTS]
    rng = random.Random(77)
    splits: dict[str, list[dict[str, str]]] = {"trusted": [], "held_out": [], "real_pool": []}
    for intent in INTENTS:
        group = [r for r in rows if r["category"] == intent]
        rng.shuffle(group)
        splits["trusted"] += group[:20]
        splits["held_out"] += group[20:50]
        splits["real_pool"] += group[50:]
    for name, part in splits.items():
        with (HERE / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=["text", "category"])
            writer.writeheader()
            writer.writerows(part)


if __name__ == "__main__":
    main()
