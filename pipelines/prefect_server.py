"""Keep Prefect's temporary API server alive through the user's Ctrl-C.

Without `PREFECT_API_URL`, a flow starts a temporary API server as a child process. A Ctrl-C in
a terminal signals the whole foreground process group, so that server died with the build's own
KeyboardInterrupt; the flow engine then spent minutes retrying the dead server to record the
crash and ended with a connection-error traceback and exit 1 instead of 130. Started in a
session of its own, the server does not receive the terminal's signals; the build still stops it
when it exits (Prefect registers that with `atexit`), and on Linux the kernel sends it SIGTERM if
the build is killed outright, so it is never left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies (Linux only)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


@contextlib.contextmanager
def _own_session_popen() -> Iterator[None]:
    real: Callable[..., Any] = subprocess.Popen

    def popen(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("start_new_session", True)
        if sys.platform.startswith("linux"):
            kwargs.setdefault("preexec_fn", _die_with_parent)
        return real(*args, **kwargs)

    subprocess.Popen = popen  # type: ignore[misc]
    try:
        yield
    finally:
        subprocess.Popen = real  # type: ignore[misc]


def detach_temporary_server() -> bool:
    """Make Prefect start its temporary server in a session of its own. Returns False when this
    Prefect has no such server class (nothing changed); idempotent."""
    try:
        from prefect.server.api import server
    except ImportError:
        return False
    cls = getattr(server, "SubprocessASGIServer", None)
    start = getattr(cls, "_run_uvicorn_command", None)
    if start is None or getattr(start, "_synthmill_detached", False):
        return start is not None

    def run_detached(self: Any) -> Any:
        with _own_session_popen():
            return start(self)

    run_detached._synthmill_detached = True  # type: ignore[attr-defined]
    cls._run_uvicorn_command = run_detached  # type: ignore[union-attr]
    return True
