"""The `synthmill` command line. Config and input errors exit 2 with one line; runtime errors 1."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from schemas.config import TEACHER_KINDS, load_config
from schemas.errors import ConfigError, SynthmillError

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
    n: Annotated[int | None, typer.Option("--n", min=1, help="records to request")] = None,
    teacher: Annotated[str | None, typer.Option(help="vllm | openai | transformers")] = None,
    seed: Annotated[int | None, typer.Option(help="run seed")] = None,
) -> None:
    """Generate records with the config's generator and teacher."""
    from pipelines.generate import generate as run_generate

    cfg = load_config(config, _overrides(teacher, seed, n))
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
    from pipelines import (
        cmd_build,
        cmd_dedup,
        cmd_drift,
        cmd_evaluate,
        cmd_finetune,
        cmd_scrub,
    )

    for module in (cmd_build, cmd_scrub, cmd_dedup, cmd_drift, cmd_finetune, cmd_evaluate):
        module.register(app)


_register_commands()


def main() -> None:
    """Entry point: turn synthmill errors into one line and an exit code."""
    try:
        app(standalone_mode=False)
    except SynthmillError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        raise


if __name__ == "__main__":
    main()
