"""The small exception tree: user mistakes apart from teacher and runtime failures.

Rejections of single records are data (`schemas.rejection.Rejection`), never exceptions; these
are raised only when a run cannot go on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def describe_validation_error(err: Mapping[str, Any]) -> str:
    """One pydantic error as one line a user can act on: which key, and what is wrong with it."""
    loc = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        return f"unknown key '{loc}'"
    if err["type"] == "missing":
        return f"missing key '{loc}'"
    message = str(err["msg"]).removeprefix("Value error, ")
    return message if not loc else f"'{loc}': {message}"


class SynthmillError(Exception):
    """Base of every error synthmill raises on purpose."""

    exit_code = 1


class ConfigError(SynthmillError):
    """The user's mistake (config, input file, CLI usage). The message says how to fix it."""

    exit_code = 2


class InputError(ConfigError):
    """A data file that cannot be read as records: names the file, the line and the problem."""

    def __init__(self, path: object, problem: str, line: int | None = None) -> None:
        where = f"{path}" if line is None else f"{path}:{line}"
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.problem = problem
        self.line = line

    def __reduce__(self) -> tuple[type, tuple[object, str, int | None]]:
        return (type(self), (self.path, self.problem, self.line))  # crosses process boundaries


class ServiceUnavailable(SynthmillError):
    """A service the run needs (an index server such as Redis) does not answer: a runtime
    failure (exit 1), not a mistake in the input; the message says what to start or fix."""


class TeacherError(SynthmillError):
    """The teacher cannot answer at all (unreachable, crashed); carries what we know."""

    def __init__(
        self, message: str, *, model: str = "", attempts: int = 0, last_output: str = ""
    ) -> None:
        super().__init__(message)
        self.model = model
        self.attempts = attempts
        self.last_output = last_output


class MissingDependencyError(SynthmillError):
    """An optional dependency is absent; the message names the install command."""

    def __init__(self, package: str, install: str) -> None:
        super().__init__(f"{package} is not installed; install it with: {install}")
        self.package = package
        self.install = install

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (type(self), (self.package, self.install))


class GateFailed(SynthmillError):
    """A quality gate (drift, minimum improvement) failed; the report has been written."""

    exit_code = 3


class Interrupted(SynthmillError):
    """The user stopped a run (Ctrl-C) after what had finished was saved.

    The message is the one line to show: what was kept, where, and how to resume. Exit code 130
    (128 + SIGINT), as a shell reports a program stopped by Ctrl-C.
    """

    exit_code = 130
