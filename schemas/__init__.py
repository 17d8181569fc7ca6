"""Schemas: the record envelope, the rejection type, payloads and the run config."""

from schemas.config import RunConfig, load_config
from schemas.errors import ConfigError, InputError, SynthmillError, TeacherError
from schemas.payloads import Chat, Instruction, LabeledText, labeled_text_model
from schemas.record import Provenance, Record
from schemas.rejection import Rejection, RejectReason, Stage

__all__ = [
    "Chat",
    "ConfigError",
    "InputError",
    "Instruction",
    "LabeledText",
    "Provenance",
    "Record",
    "RejectReason",
    "Rejection",
    "RunConfig",
    "Stage",
    "SynthmillError",
    "TeacherError",
    "labeled_text_model",
    "load_config",
]
