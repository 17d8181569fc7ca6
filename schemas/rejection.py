"""The one rejection type every stage emits: rejections are data, with an enum reason."""

from __future__ import annotations

from enum import Enum

from schemas.base import FrozenModel


class Stage(str, Enum):
    GENERATE = "generate"
    PII = "pii"
    DEDUP = "dedup"
    FIDELITY = "fidelity"
    SELECT = "select"
    DRIFT = "drift"


class RejectReason(str, Enum):
    """Why a record did not make it. Tests assert these exact values."""

    INVALID_JSON = "invalid_json"
    SCHEMA_MISMATCH = "schema_mismatch"
    FAILED_CHECK = "failed_check"
    ECHO_OF_PROMPT = "echo_of_prompt"
    TEACHER_REFUSED = "teacher_refused"
    TEACHER_ERROR = "teacher_error"
    TRUNCATED = "truncated"
    TOO_LONG = "too_long"
    LABEL_MISMATCH = "label_mismatch"
    NOT_SELECTED = "not_selected"
    EXACT_DUPLICATE = "exact_duplicate"
    NEAR_DUPLICATE = "near_duplicate"
    PUBLISHED_BEFORE = "published_before"
    LEAK_OF_TRUSTED = "leak_of_trusted"
    PII_UNRESOLVED = "pii_unresolved"


# Reasons whose record text is a trusted row, or a near copy of one (the teacher echoed a
# few-shot example, or wrote a near copy): the outputs name the trusted twin where it is known and
# never repeat the text (rejected.parquet's payload and raw_output, the report's samples).
WITHHELD = frozenset({RejectReason.LEAK_OF_TRUSTED, RejectReason.ECHO_OF_PROMPT})


class Rejection(FrozenModel):
    """A record (or a teacher output that never became one) and the reason it was dropped."""

    record_id: str
    stage: Stage
    check: str
    reason: RejectReason
    detail: str = ""
    raw_output: str = ""
    duplicate_of: str | None = None
