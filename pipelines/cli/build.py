"""`synthmill build` and `synthmill deploy`: one-off builds and scheduled Prefect deployments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipelines.config import load_config
from pipelines.execution_config import Target
from schemas.errors import Interrupted
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
) -> None:
    """Build a dataset end to end (generate, scrub, dedup, drift gate, write, fine-tune)."""
    given = {"n": n, "seed": seed, "execution.target": target, "execution.address": ray_address}
    overrides = {k: v for k, v in given.items() if v is not None}
    cfg = load_config(config, overrides)  # config errors exit 2 before Prefect starts
    from pipelines.flow import build_dataset

    run_dir = out_dir or Path("runs") / cfg.name
    check_outputs(
        {"--out": run_dir}, inputs=(config, cfg.data.trusted, cfg.data.held_out), folders={"--out"}
    )
    try:
        summary = build_dataset(
            str(config), out=str(run_dir), n=n, seed=seed, target=target, address=ray_address
        )
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted: the build of {cfg.name} stopped; the teacher's answers so far are kept "
            f"in {run_dir}: run the same command again to resume"
        ) from None
    c = summary["counts"]
    out.print(
        f"built {cfg.name}: accepted {c['accepted']} of {c['requested']} requested "
        f"(rejected {c['rejected']}); outputs in {summary['run_dir']}/ "
        "(accepted.parquet, accepted.jsonl, train.jsonl, rejected.parquet, report.md, README.md)"
    )


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
