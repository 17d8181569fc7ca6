"""The `synthmill` command line. Config and input errors exit 2 with one line; runtime errors 1.

Ctrl-C exits 130 with one line saying what was kept.
"""

from __future__ import annotations

import errno
import importlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipelines.cli.options import note
from pipelines.config import TEACHER_KINDS, load_config
from schemas.errors import ConfigError, Interrupted, SynthmillError
from schemas.tables import check_outputs

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
generators_app = typer.Typer(no_args_is_help=True, help="The generator registry.")
app.add_typer(generators_app, name="generators")
err = Console(stderr=True)
out = Console()


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal,  # a log gets the summary line, not a frozen bar
    )


def _overrides(teacher: str | None, seed: int | None, n: int | None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if teacher is not None:
        if teacher not in TEACHER_KINDS:
            raise ConfigError(
                f"unknown teacher '{teacher}' for --teacher (choose one of {', '.join(TEACHER_KINDS)})"
            )
        found["teacher.kind"] = teacher
    if seed is not None:
        found["seed"] = seed
    if n is not None:
        found["n"] = n
    return found


@app.command()
def generate(
    config: Annotated[Path, typer.Argument(help="run config (YAML)")],
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")],
    n: Annotated[
        int | None, typer.Option("--n", min=1, help=note("records to request", "default: config n"))
    ] = None,
    teacher: Annotated[str | None, typer.Option(help="vllm | openai | transformers")] = None,
    seed: Annotated[int | None, typer.Option(help="run seed")] = None,
) -> None:
    """Generate records with the config's generator and teacher."""
    from pipelines.generate import generate as run_generate

    cfg = load_config(config, _overrides(teacher, seed, n))
    inputs = (config, cfg.data.trusted, cfg.data.held_out)
    check_outputs({"--out": out_dir}, inputs=inputs, folders={"--out"})
    with _progress() as bar:
        task = bar.add_task(f"generate {cfg.generator}", total=cfg.n)
        info = run_generate(cfg, out_dir, progress=lambda k: bar.advance(task, k))
    c, t = info["counts"], info["teacher"]
    out.print(
        f"accepted {c['accepted']} / requested {c['requested']} (rejected {c['rejected']}); "
        f"teacher calls {t['calls']}, cache hits {t['cache_hits']} -> {out_dir}"
    )


@generators_app.command("list")
def generators_list() -> None:
    """Print the registered generators (built-ins and entry-point plugins)."""
    import generators.builtin  # noqa: F401  (registers the built-ins)
    from generators.registry import REGISTRY

    for name, cls in REGISTRY.items():
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        out.print(f"{name}\t{cls.version}\t{cls.__module__}.{cls.__qualname__}\t{doc}")


def _register_commands() -> None:
    from pipelines.cli import (
        build,
        dedup,
        drift,
        evaluate,
        export,
        finetune,
        report,
        scrub,
    )

    for module in (build, scrub, dedup, drift, finetune, evaluate, export, report):
        module.register(app)


_register_commands()


def _say(line: str) -> None:
    err.print(line, markup=False, highlight=False, soft_wrap=True)


def _click_exception_types() -> tuple[type[BaseException], ...]:
    """click's ClickException: typer's own copy of click (private path) and click itself."""
    found: list[type[BaseException]] = []
    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            cls = getattr(importlib.import_module(name), "ClickException", None)
        except ImportError:
            continue
        if isinstance(cls, type) and issubclass(cls, BaseException):
            found.append(cls)
    return tuple(found)


def usage_error(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one line) for a command-line usage error from click; None for anything else.

    Known by class (typer's copy of click, or click) and, should typer move its copy, by name:
    a ClickException has `exit_code` and `format_message()`.
    """
    names = {cls.__name__ for cls in type(exc).__mro__}
    if not isinstance(exc, _click_exception_types()) and "ClickException" not in names:
        return None
    code = getattr(exc, "exit_code", 2)
    code = code if isinstance(code, int) and not isinstance(code, bool) else 2
    format_message = getattr(exc, "format_message", None)
    if "NoArgsIsHelpError" in names:  # a bare command: show its help (typer prints it already)
        help_text = format_message() if callable(format_message) else ""
        if str(help_text).strip():
            typer.echo(help_text, err=True)
        return code, ""
    message = format_message() if callable(format_message) else str(exc)
    message = " ".join(part.strip() for part in str(message).splitlines() if part.strip())
    ctx = getattr(exc, "ctx", None)
    command = getattr(ctx, "command_path", None) or "synthmill"
    return code, f"error: {message} (see '{command} --help')"


_PREFECT_START = (
    "error: Prefect's temporary API server did not start in time (the machine may be busy). "
    "Give it longer, e.g. PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=600, or start one "
    "server for all builds (`prefect server start` in another shell) and set "
    "PREFECT_API_URL=http://127.0.0.1:4200/api"
)


# what a path the user gave can be wrong with: their mistake (exit 2), not a failure of ours
_PATH_ERRNOS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.EEXIST: "already exists",
    errno.ENOTDIR: "a file where a folder is needed",
    errno.EISDIR: "a folder where a file is needed",
}


def _path_error(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one line) for a file-system error on a named path; None for anything else.
    Permissions and file-or-folder mix-ups exit 2 (fix the path), a full disk exits 1."""
    if not isinstance(exc, OSError) or not exc.filename:
        return None
    if exc.errno == errno.ENOSPC:
        return 1, f"error: {exc.filename}: no space left on the device"
    problem = _PATH_ERRNOS.get(exc.errno or 0)
    if problem is None:
        return None
    if exc.errno == errno.EEXIST and Path(exc.filename).is_file():
        problem = "a file where a folder is needed"
    return 2, f"error: {exc.filename}: {problem}; choose another path or fix its permissions"


def main() -> None:
    """Entry point: turn synthmill errors, usage errors and Ctrl-C into one line and an exit code."""
    from pipelines.cli.interrupt_watch import watch_interrupts

    watch_interrupts()  # Ctrl-C ends the command even where Python's handler cannot run
    try:
        code = app(standalone_mode=False)
    except Interrupted as exc:
        _say(str(exc))
        sys.exit(exc.exit_code)
    except SynthmillError as exc:
        _say(f"error: {exc}")
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        code = exc.exit_code
    except KeyboardInterrupt:
        code = 130
    except Exception as exc:
        found = usage_error(exc) or _path_error(exc)
        if found is None and "ephemeral Prefect API server" in str(exc):
            found = (1, _PREFECT_START)
        if found is None:
            if type(exc).__name__ != "Abort":  # click's Ctrl-C (or end of input at a prompt)
                raise
            found = (130, "interrupted (Ctrl-C)")
        code, line = found
        if line:
            _say(line)
        sys.exit(code)
    if code == 130:  # typer turns Ctrl-C into this code; generate and build say more themselves
        _say("interrupted (Ctrl-C)")
        sys.exit(130)
    if isinstance(code, int) and not isinstance(code, bool) and code:
        sys.exit(code)


if __name__ == "__main__":
    main()
