"""Generators declare the roles of their payload fields; the pipeline reads them, never names.

A custom payload whose fields are called `message` and `intent` (mapped to the trusted sample's
`text` and `category`) still gets the leak check and the drift gate on real banking77 data.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Literal

import polars as pl
import yaml
from pydantic import BaseModel

from generators import Generator, Prompt, register_generator
from generators.base import Roles, infer_roles
from pipelines import stages
from pipelines.build import prepare
from pipelines.config import load_config
from schemas.stage import run_stage

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "banking77"


class Ticket(BaseModel):
    message: str
    intent: str


@register_generator
class TicketGenerator(Generator):
    """A payload with its own field names, mapped onto the trusted columns by its roles."""

    name = "ticket_test"

    def output_model(self) -> type[BaseModel]:
        return Ticket

    def sample(self, rng: random.Random) -> dict[str, Any]:
        return {}

    def build_prompt(self, attributes: dict[str, Any]) -> Prompt:
        return Prompt(text="")

    def roles(self) -> Roles:
        d = self.context.data
        return Roles(
            text_fields=("message",),
            label_field="intent",
            trusted_columns={"message": d.text_field, "intent": d.label_field},
            task="labels",
            input_field="message",
            target_field="intent",
        )


def test_custom_field_names_keep_the_leak_check_and_the_drift_gate(tmp_path: Path) -> None:
    raw = yaml.safe_load((EXAMPLE / "config.yaml").read_text())
    raw["generator"] = "ticket_test"
    raw["data"]["trusted"] = str(EXAMPLE / "trusted.csv")
    raw["data"]["held_out"] = None
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(raw))
    config = load_config(tmp_path / "config.yaml")
    state, _generator = prepare(config, tmp_path / "run")
    trusted_text = state.trusted["text"][3]
    pool = pl.read_csv(EXAMPLE / "real_pool.csv").sample(n=300, seed=1, shuffle=True)
    frame = pl.DataFrame(
        {
            "id": [f"r{i:04d}" for i in range(pool.height + 1)],
            "message": [*pool["text"].to_list(), trusted_text + "!"],
            "intent": [*pool["category"].to_list(), state.trusted["category"][3]],
        }
    )
    state.accepted = frame
    state.record_stage("generate", frame.height, frame.height)

    dedup = stages.dedup_stage(state)
    assert dedup.reference is not None and dedup.config.fields == ("message",)
    stages.apply_dedup(state, dedup, run_stage(dedup, state.frame, 100))
    leaks = [r for r in state.rejections if r.reason.value == "leak_of_trusted"]
    # The planted near copy is caught (real banking77 also holds a few near copies of its own).
    assert f"r{pool.height:04d}" in [r.record_id for r in leaks]
    assert len(leaks) < frame.height // 10
    assert state.report.dedup and state.report.dedup["leak_check_fields"] == ["message"]

    drift = stages.drift_stage(state)
    assert drift is not None
    passed = stages.apply_drift(state, run_stage(drift, state.frame, 100).report)
    checks = {(c["field"], c["check"]) for c in state.report.drift["checks"]}  # type: ignore[index]
    assert ("message", "vocabulary") in checks and ("intent", "label_distribution") in checks
    assert any(check == "label_from_text" for _field, check in checks)
    assert passed  # real customer messages against real customer messages


def test_roles_are_read_off_a_payload_that_declares_none() -> None:
    class Review(BaseModel):
        body: str
        stars: Literal["1", "2", "3", "4", "5"]
        title: str

    roles = infer_roles(Review, ["body", "stars", "other"])
    assert roles.label_field == "stars" and roles.text_fields == ("body", "title")
    assert roles.trusted_columns == {"body": "body", "stars": "stars"}
    assert roles.task == "records"  # two text fields: no single input for a classifier

    class Labeled(BaseModel):
        text: str
        label: str

    plain = infer_roles(Labeled, ["text", "label"])
    assert (plain.task, plain.input_field, plain.target_field) == ("labels", "text", "label")
