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
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

_PR_SET_PDEATHSIG = 1


def _die_with_parent_hook() -> Callable[[], None] | None:
    """A `preexec_fn` that asks the kernel for SIGTERM when the parent dies (Linux), with
    `prctl` looked up here, in the parent, so that the child only makes the call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != parent:  # the parent died before the call: go now
            os.kill(os.getpid(), signal.SIGTERM)

    return hook


_LOCK = threading.Lock()


@contextlib.contextmanager
def _own_session_popen() -> Iterator[None]:
    """Within the block, a `subprocess.Popen` made by this thread starts a new session (other
    threads' calls pass through unchanged)."""
    real: Callable[..., Any] = subprocess.Popen
    owner = threading.get_ident()
    hook = _die_with_parent_hook()

    def popen(*args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == owner:
            kwargs.setdefault("start_new_session", True)
            if hook is not None:
                kwargs.setdefault("preexec_fn", hook)
        return real(*args, **kwargs)

    with _LOCK:
        subprocess.Popen = popen  # type: ignore[misc]
        try:
            yield
        finally:
            subprocess.Popen = real  # type: ignore[misc]


def detach_temporary_server() -> bool:
    """Make Prefect start its temporary server in a session of its own. Returns False when
    none will be started (an API URL is set) or this Prefect has no such server class; the
    server module is only imported when it would be used. Idempotent."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return False
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
