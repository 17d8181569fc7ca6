"""Ctrl-C always ends the command: a watcher for the case Python's own handling cannot reach.

Python raises KeyboardInterrupt only when the main thread runs Python code. While vLLM starts
its engine, the main thread waits in a system call for the engine process (a zmq poll of up to
10 minutes); the kernel gives the Ctrl-C to whichever thread of the process it picks (Prefect,
torch and this module run several), so the main thread's wait was not interrupted, the engine
process (which gets the same Ctrl-C from the terminal) died, and the build sat there for
minutes with no word. The watcher sees every signal through `signal.set_wakeup_fd` (written
from whichever thread the signal lands on). If Python's handler has not run `NUDGE_SECONDS`
after a Ctrl-C, it sends SIGINT to the main thread itself, which ends its wait. If the handler
has still not run `grace` seconds after the Ctrl-C (the main thread is stuck in native code
that ignores signals), or the command is still alive `CLEAN_UP_SECONDS` after that, or at a
second Ctrl-C, it prints one line, stops the processes this one started and exits 130.

The handler's KeyboardInterrupt can also be lost after it ran: when the signal lands while Python
runs a weakref callback or a `__del__` (a garbage collection can start anywhere), Python prints
"Exception ignored in ..." and carries on, and the command ran to its end as if no Ctrl-C came.
A `sys.unraisablehook` recognises the handler's (marked) exception and the watcher delivers it
again. Work is
not lost by this: teacher answers are committed to the run folder's cache as they arrive
(SQLite, atomic per answer), and a re-run resumes from them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path

GRACE_SECONDS = 15.0
CLEAN_UP_SECONDS = 30.0
NUDGE_SECONDS = 0.5
REDELIVER = b"\xff"  # not a signal number: "the handler's interrupt was dropped"


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
    handled = threading.Event()  # Python's handler ran: the normal path is ending the command
    main_ident = threading.main_thread().ident or 0
    self_sent = [0]  # SIGINTs this module sent to the main thread, not yet seen in the pipe
    lock = threading.Lock()

    def on_sigint(signum: int, frame: object) -> None:
        if handled.is_set():  # once: a nudge below that crossed the handler is not a 2nd Ctrl-C
            return
        handled.set()
        error = KeyboardInterrupt()
        # marked, not kept: a kept exception would hold every frame it unwinds through
        error.from_ctrl_c = True  # type: ignore[attr-defined]
        raise error

    previous_hook = sys.unraisablehook

    def on_unraisable(unraisable: sys.UnraisableHookArgs) -> None:
        # The handler's interrupt was raised inside a weakref callback or __del__, where Python
        # ignores exceptions: the watcher delivers it again to the main thread. Lock-free (a
        # garbage collection can run this anywhere): one byte into the watcher's pipe.
        if getattr(unraisable.exc_value, "from_ctrl_c", False):
            try:
                os.write(write_fd, REDELIVER)
            except OSError:
                pass
            return
        previous_hook(unraisable)

    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, on_sigint)
        sys.unraisablehook = on_unraisable
    # a forked child (vLLM may fork its engine) must not write its signals into this pipe
    os.register_at_fork(after_in_child=lambda: _forget(read_fd, write_fd, screen))

    def watch() -> None:
        first: float | None = None
        while True:
            try:
                data = os.read(read_fd, 64)
            except OSError:
                return
            if not data:
                return
            if REDELIVER in data:  # the handler's interrupt was dropped: send it again
                handled.clear()
                threading.Thread(target=nudge, args=(0.05,), daemon=True).start()
            sigints = data.count(signal.SIGINT)
            with lock:  # the signals this module sent are not the user's
                mine = min(sigints, self_sent[0])
                self_sent[0] -= mine
            sigints -= mine
            if not sigints:
                continue
            now = time.monotonic()
            if first is None:
                first = now
                threading.Thread(target=nudge, daemon=True).start()
                threading.Thread(target=after_grace, daemon=True).start()
            elif now - first > 0.5:  # a second Ctrl-C: the user wants out now
                _force_exit(screen)

    def nudge(delay: float = NUDGE_SECONDS) -> None:
        # The kernel hands a process's signal to any one of its threads. When that is not the
        # main thread and the main thread waits in a system call (vLLM polls for its engine
        # for up to 10 minutes), nothing wakes it to run the handler: send the signal to the
        # main thread itself, which ends the wait with EINTR and runs the handler.
        time.sleep(delay)
        with lock:
            if handled.is_set():
                return
            self_sent[0] += 1  # its byte in the wakeup pipe is not a second Ctrl-C
        try:
            signal.pthread_kill(main_ident, signal.SIGINT)
        except (OSError, ValueError):
            with lock:
                self_sent[0] = max(0, self_sent[0] - 1)

    def after_grace() -> None:
        time.sleep(grace)
        if not handled.is_set():  # the main thread never saw it: it is stuck in native code
            _force_exit(screen)
        # Python saw it and the command is ending: its own clean-up (outputs written whole, a
        # partial manifest) gets longer, but a KeyboardInterrupt that a library swallowed
        # still ends the command
        time.sleep(CLEAN_UP_SECONDS)
        _force_exit(screen)

    threading.Thread(target=watch, daemon=True, name="synthmill-interrupt-watch").start()
    return True


def _forget(*fds: int) -> None:
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    _close(*fds)


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
            if not any(_running(pid) for pid in children):
                return
            time.sleep(0.1)


def _running(pid: int) -> bool:
    """Alive and not a zombie (a child the stuck main thread never reaps stays one)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


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
