"""Ctrl-C always ends the command: a watcher for the case Python's own handling cannot reach.

Python raises KeyboardInterrupt only when the main thread runs Python code. While vLLM starts
its engine, the main thread waits in native code for the engine process (up to 10 minutes);
the engine process, which gets the same Ctrl-C from the terminal, dies, and the build sat
there for minutes with no word. The watcher sees every signal through `signal.set_wakeup_fd`
(written from whichever thread the signal lands on). After a Ctrl-C it gives the normal path
`grace` seconds to end the command; if the process is still alive then, or at a second Ctrl-C,
it prints one line, stops the processes this one started and exits 130. Work is not lost by
this: teacher answers are committed to the run folder's cache as they arrive (SQLite,
atomic per answer), and a re-run resumes from them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path

GRACE_SECONDS = 15.0


LINE = (
    "interrupted (Ctrl-C): stopped; what was finished is kept in the run folder (teacher "
    "answers in its cache): run the same command again to resume\n"
)


def watch_interrupts(grace: float = GRACE_SECONDS) -> bool:
    """Start the watcher (main thread only; once). Returns whether it runs."""
    if threading.current_thread() is not threading.main_thread():
        return False
    try:  # the terminal, kept before a build points fd 2 at its run.log
        screen = os.dup(2)
    except OSError:
        screen = -1
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    try:
        previous = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    except (ValueError, OSError):
        _close(read_fd, write_fd, screen)
        return False
    if previous != -1:  # someone else's wakeup fd (an event loop): leave it to them
        signal.set_wakeup_fd(previous)
        _close(read_fd, write_fd, screen)
        return False

    def watch() -> None:
        first: float | None = None
        while True:
            try:
                data = os.read(read_fd, 64)
            except OSError:
                return
            if signal.SIGINT not in data:
                continue
            now = time.monotonic()
            if first is None:
                first = now
                threading.Thread(target=_after_grace, args=(grace,), daemon=True).start()
            elif now - first > 0.5:  # a second Ctrl-C: the user wants out now
                _force_exit(screen)

    def _after_grace(seconds: float) -> None:
        time.sleep(seconds)
        _force_exit(screen)

    threading.Thread(target=watch, daemon=True, name="synthmill-interrupt-watch").start()
    return True


def _close(*fds: int) -> None:
    for fd in fds:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)


def _force_exit(screen: int) -> None:
    with contextlib.suppress(OSError):
        os.write(screen, LINE.encode())
    _stop_children()
    os._exit(130)


def _stop_children(wait: float = 3.0) -> None:
    """SIGTERM, then SIGKILL, to every process this one started (Linux /proc; elsewhere none)."""
    children = _descendants(os.getpid())
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in children:
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while sig == signal.SIGTERM and time.monotonic() < deadline:
            if not any(Path(f"/proc/{pid}").exists() for pid in children):
                return
            time.sleep(0.1)


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = entry.read_text().rsplit(")", 1)[1].split()
            parents[int(entry.parent.name)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        kids = [pid for pid, ppid in parents.items() if ppid == parent]
        found.extend(kids)
        frontier.extend(kids)
    return found
