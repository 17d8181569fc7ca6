"""`synthmill build` and `synthmill deploy`: one-off builds and scheduled Prefect deployments."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipelines.config import load_config
from pipelines.execution_config import Target
from pipelines.run_summary import read_report, summary_table
from schemas.errors import Interrupted, SynthmillError
from schemas.tables import check_outputs

out = Console()


def build(
    config: Annotated[Path, typer.Argument(help="run config (YAML)")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="run folder")] = None,
    n: Annotated[int | None, typer.Option("--n", min=1, help="records to request")] = None,
    seed: Annotated[int | None, typer.Option(help="run seed")] = None,
    target: Annotated[
        Target | None, typer.Option(help="where tasks run (default: execution.target)")
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option(help="Ray cluster to join with --target ray, e.g. auto or HOST:6379"),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="show library warnings and logs here too (always in run.log)"
        ),
    ] = False,
) -> None:
    """Build a dataset end to end (generate, scrub, dedup, drift gate, write, fine-tune)."""
    started = time.perf_counter()
    given = {"n": n, "seed": seed, "execution.target": target, "execution.address": ray_address}
    overrides = {k: v for k, v in given.items() if v is not None}
    cfg = load_config(config, overrides)  # config errors exit 2 before Prefect starts
    run_dir = out_dir or Path("runs") / cfg.name
    check_outputs(
        {"--out": run_dir}, inputs=(config, cfg.data.trusted, cfg.data.held_out), folders={"--out"}
    )
    from pipelines.console import quiet_run

    existed = run_dir.exists()
    try:
        with quiet_run(run_dir, verbose):  # before the libraries load: they read its settings
            from pipelines.flow import build_dataset

            summary = build_dataset(
                str(config), out=str(run_dir), n=n, seed=seed, target=target, address=ray_address
            )
    except SynthmillError as exc:
        _after_failure(run_dir, existed, exc, time.perf_counter() - started)
        raise
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted: the build of {cfg.name} stopped; the teacher's answers so far are kept "
            f"in {run_dir}: run the same command again to resume"
        ) from None
    c = summary["counts"]
    out.print(summary_table(read_report(run_dir), run_dir, time.perf_counter() - started))
    out.print(
        f"built {cfg.name}: accepted {c['accepted']} of {c['requested']} requested "
        f"(rejected {c['rejected']}); outputs in {summary['run_dir']}/ "
        "(accepted.parquet, accepted.jsonl, train.jsonl, rejected.parquet, report.md, README.md)"
    )


def _after_failure(run_dir: Path, existed: bool, exc: SynthmillError, wall_s: float) -> None:
    """A gate or fine-tune failure wrote a report: show its summary. A failure before anything
    was written leaves no folder behind that was not there before."""
    if (
        type(exc).__name__ in ("GateFailed", "FinetuneFailed")
        and (run_dir / "report.json").is_file()
    ):
        out.print(summary_table(read_report(run_dir), run_dir, wall_s))
    elif not existed and run_dir.is_dir() and [p.name for p in run_dir.iterdir()] == ["run.log"]:
        (run_dir / "run.log").unlink()
        run_dir.rmdir()


def deploy(
    config: Annotated[Path, typer.Argument(help="run config (YAML)")],
    cron: Annotated[str, typer.Option(help='cron schedule, e.g. "0 2 * * *"')] = "0 2 * * *",
    name: Annotated[str | None, typer.Option(help="deployment name")] = None,
    root: Annotated[Path | None, typer.Option(help="folder for the dated run folders")] = None,
    limit: Annotated[int | None, typer.Option(help="stop serving after this many runs")] = None,
) -> None:
    """Serve the build as a Prefect deployment on a cron schedule (runs until stopped)."""
    cfg = load_config(config)
    from pipelines.flow import build_dataset

    run_root = (root or Path("runs") / f"{cfg.name}-scheduled").resolve()
    build_dataset.serve(
        name=name or cfg.name,
        cron=cron,
        parameters={"config": str(Path(config).resolve()), "schedule_root": str(run_root)},
        limit=limit,
        print_starting_message=True,
    )


def register(app: typer.Typer) -> None:
    app.command("build")(build)
    app.command("deploy")(deploy)
