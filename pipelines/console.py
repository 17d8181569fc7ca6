"""What a person sees during a build: one line per stage, a bar where a stage is long, and
everything else (library warnings, third-party and Prefect logging, progress bars, the vLLM
engine's own output) in `run.log` in the run folder.

`quiet_run(run_dir, verbose)` routes the output; `stage(name, state)` is what the flow wraps each
stage in: it times the stage into `report.stage_seconds` and shows it on the active display (a
no-op display when no command opened one, e.g. a flow run from Python or a deployment).
"""

from __future__ import annotations

import atexit
import contextlib
import io
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

if TYPE_CHECKING:
    from pipelines.state import BuildState

LOG_FILE = "run.log"
log = logging.getLogger("synthmill")

# Off by default in a quiet run: progress bars written into a log file are noise, and the
# display draws its own. Read by tqdm and huggingface_hub at import, so set before they load.
_QUIET_ENV = {"TQDM_DISABLE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}


class Display:
    """One line per finished stage; a live bar (with ETA when the total is known) meanwhile."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,  # a pipe or a log gets the stage lines only
        )
        self._task: TaskID | None = None

    def __enter__(self) -> Display:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, name: str, total: int | None = None) -> None:
        self.stop_task()
        self._task = self.progress.add_task(name, total=total)

    def set_total(self, name: str, total: int | None) -> None:
        if self._task is None:
            self.start(name, total)
        else:
            self.progress.update(self._task, description=name, total=total, completed=0)
            self.progress.reset(self._task, total=total)

    def advance(self, k: int = 1) -> None:
        if self._task is not None:
            self.progress.advance(self._task, k)

    def stop_task(self) -> None:
        if self._task is not None:
            self.progress.remove_task(self._task)
            self._task = None

    def line(self, name: str, text: str, seconds: float | None = None) -> None:
        took = f"  [dim]{_duration(seconds)}[/dim]" if seconds is not None else ""
        self.console.print(f"[green]✓[/green] {name:<12} {text}{took}", highlight=False)


class _NoDisplay(Display):
    def __init__(self) -> None:
        self._task = None

    def __enter__(self) -> Display:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def start(self, name: str, total: int | None = None) -> None:
        return None

    def set_total(self, name: str, total: int | None) -> None:
        return None

    def advance(self, k: int = 1) -> None:
        return None

    def stop_task(self) -> None:
        return None

    def line(self, name: str, text: str, seconds: float | None = None) -> None:
        log.info("%s: %s (%s)", name, text, _duration(seconds))


_display: Display = _NoDisplay()


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m {secs:02d}s" if minutes < 60 else f"{minutes // 60}h {minutes % 60:02d}m"


def _stage_text(name: str, state: BuildState) -> str:
    """The counts line of a finished stage, from the report it filled."""
    report = state.report
    key = {"scrub": "pii", "label check": "fidelity"}.get(name, name)
    counts = report.stages.get(key)
    text = ""
    if counts is not None:
        text = f"{counts.in_} in, {counts.out} out"
        if counts.rejected:
            text += f", {counts.rejected} rejected"
    if name == "scrub" and report.pii is not None:
        text += f"; {sum(report.pii.by_type.values())} PII values replaced"
    if name == "drift" and report.drift:
        text += f"; verdict {report.drift.get('verdict', '?')}"
    if name in ("fine-tune", "evaluate"):
        text = _evaluation_text(report.evaluation or {}, report.finetune_error)
    if name == "export":
        export = (report.evaluation or {}).get("export") or {}
        text = f"failed: {export['error']}" if "error" in export else str(export.get("file", ""))
    if name == "publish":
        text = "published" if report.published else "not published"
    return text


def _evaluation_text(evaluation: dict[str, Any], error: str | None) -> str:
    if error:
        return f"failed: {error}"
    if "gate_failed" in evaluation:
        return f"gate failed: {evaluation['gate_failed']}"
    ev = evaluation.get("evaluation") or {}
    base, student = ev.get("base") or {}, ev.get("student") or {}
    if "accuracy" in student:
        return (
            f"accuracy base {base.get('accuracy', 0):.3f} -> student {student['accuracy']:.3f} "
            f"on {ev.get('n')} held-out rows"
        )
    if "loss" in student:
        return f"loss base {base['loss']:.3f} -> student {student['loss']:.3f}"
    ft = evaluation.get("finetune") or {}
    return f"{ft.get('steps', '?')} steps" if ft else "done"


@contextlib.contextmanager
def stage(
    name: str, state: BuildState | None = None, total: int | None = None
) -> Iterator[Callable[[int], None]]:
    """Time a stage (into `report.stage_seconds`) and show it; yields `advance(k)`."""
    display = _display
    display.start(name, total)
    start = time.perf_counter()
    try:
        yield display.advance
    finally:
        seconds = round(time.perf_counter() - start, 2)
        display.stop_task()
        if state is not None:
            state.report.stage_seconds[name] = seconds
            if sys.exc_info()[0] is None:
                display.line(name, _stage_text(name, state), seconds)


def note(name: str, text: str) -> None:
    """One finished-stage line on the build's display (the run log when none is open)."""
    _display.line(name, text)


def trainer_callbacks() -> list[Any]:
    """A transformers callback that shows the fine-tune's steps (with ETA) on the display;
    nothing when no display is open."""
    if isinstance(_display, _NoDisplay):
        return []
    from transformers import TrainerCallback

    display = _display

    class _Steps(TrainerCallback):  # type: ignore[misc]
        def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self.start = time.perf_counter()
            display.set_total("fine-tune", state.max_steps or None)

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            display.advance(1)

        def on_train_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            losses = [e["loss"] for e in state.log_history if "loss" in e]
            text = f"{state.global_step} steps"
            if losses:
                text += f", loss {losses[0]:.2f} -> {losses[-1]:.2f}"
            display.stop_task()
            display.line("fine-tune", text, time.perf_counter() - self.start)
            display.start("evaluate")

    return [_Steps()]


# -- routing --------------------------------------------------------------------------------
def _file_handler(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    return handler


@contextlib.contextmanager
def _fds_to(log_path: Path) -> Iterator[io.TextIOBase]:
    """Point fds 1 and 2 at the log (so subprocesses and C libraries write there too); yield a
    text stream on the original stderr for the display. Without real fds (an in-process test
    runner), swap `sys.stdout` / `sys.stderr` instead."""
    original = sys.stderr
    try:
        fds = (sys.stdout.fileno(), sys.stderr.fileno())
    except (AttributeError, OSError, io.UnsupportedOperation, ValueError):
        fds = None
    if fds != (1, 2):
        with (
            open(log_path, "a", encoding="utf-8") as fh,
            contextlib.redirect_stdout(fh),
            contextlib.redirect_stderr(fh),
        ):
            yield original  # type: ignore[misc]
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    target = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    screen = os.fdopen(
        os.dup(saved[1]), "w", buffering=1, encoding=original.encoding or "utf-8", errors="replace"
    )
    try:
        os.dup2(target, 1)
        os.dup2(target, 2)
        yield screen
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, target):
            os.close(fd)
        screen.close()
        # Engines shut down at exit (vLLM's says so on stderr): by then the command has said
        # what it had to, so what comes after goes to the log. atexit runs the last hook first.
        atexit.register(_to_log, log_path)


def _to_log(log_path: Path) -> None:
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
        sys.stderr.flush()
        target = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(target, 1)
        os.dup2(target, 2)
        os.close(target)


@contextlib.contextmanager
def quiet_run(run_dir: Path, verbose: bool = False) -> Iterator[Display]:
    """Route a command's output for its duration: the display on the terminal, the rest in
    `run_dir/run.log`. With `verbose` the libraries write to the terminal as usual (and Python
    logging goes to `run.log` as well)."""
    global _display
    run_dir.mkdir(parents=True, exist_ok=True)
    log_path = run_dir / LOG_FILE
    with open(log_path, "a", encoding="utf-8") as fh:
        fh.write(f"==== synthmill {' '.join(sys.argv[1:])} ({time.strftime('%F %T')})\n")
    width = _width()
    root = logging.getLogger()
    level = root.level
    with contextlib.ExitStack() as stack:
        if verbose:
            screen: Any = sys.stderr
        else:
            for key, value in _QUIET_ENV.items():
                os.environ.setdefault(key, value)
            # Prefect's log and event workers say at exit what they still send; after a failed
            # build that came after the error line, where the terminal is the user's again
            for name in ("APILogWorker", "EventsWorker"):
                logging.getLogger(name).setLevel(logging.ERROR)
            screen = stack.enter_context(_fds_to(log_path))
            logging.captureWarnings(True)  # warnings as log records, into run.log
            stack.callback(logging.captureWarnings, False)
        handler = _file_handler(log_path)
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        stack.callback(handler.close)
        stack.callback(root.removeHandler, handler)
        stack.callback(root.setLevel, level)
        console = Console(file=screen, width=width, highlight=False)
        display = stack.enter_context(Display(console))
        previous, _display = _display, display
        stack.callback(_restore, previous)
        yield display


# Libraries whose warnings a one-shot command (evaluate, export, finetune) keeps off the terminal
# unless --verbose: bitsandbytes says on CPU that an optional kernel package is missing, which a
# user reads as an error, and transformers draws a bar per weight file.
_CHATTY_LOGGERS = ("bitsandbytes", "transformers", "peft", "accelerate", "huggingface_hub")


def quiet_libraries(verbose: bool = False) -> None:
    """Keep the libraries' progress bars and warnings off the terminal for a command that has
    no run folder to log into (the command's own lines and errors still show). Call before the
    libraries load: tqdm reads its setting at import. `verbose` leaves everything as it is."""
    if verbose:
        return
    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_VERBOSITY", "error")  # it sets its level again at import


def _restore(previous: Display) -> None:
    global _display
    _display = previous


def _width() -> int | None:
    """The terminal's width, read before fd 2 points at the log (None when not a terminal)."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        if os.isatty(sys.stderr.fileno()):
            return os.get_terminal_size(sys.stderr.fileno()).columns
    return None
