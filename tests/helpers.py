"""Test helpers: a scripted teacher for fault injection (never a stand-in for the real engines)."""

from __future__ import annotations

from collections.abc import Callable

from generators.teachers.base import TeacherRequest, TeacherResponse


class ScriptedTeacher:
    """Answers each request with `script(request, call_number)`; counts what it was asked."""

    kind = "scripted"
    model_id = "scripted-teacher"
    weights_hash = "none"
    chat = False

    def __init__(self, script: Callable[[TeacherRequest, int], TeacherResponse]) -> None:
        self.script = script
        self.requests: list[TeacherRequest] = []
        self.batches = 0

    def generate(self, requests: list[TeacherRequest]) -> list[TeacherResponse]:
        self.batches += 1
        out = []
        for req in requests:
            self.requests.append(req)
            out.append(self.script(req, len(self.requests)))
        return out

    def close(self) -> None:
        return None
