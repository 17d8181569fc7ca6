"""Schemas: the shared language of every stage. Imports nothing else of synthmill.

The record envelope, the rejection type, payloads, errors, table I/O and text normalisation.
"""

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
    "Stage",
    "SynthmillError",
    "TeacherError",
    "labeled_text_model",
]
