"""`synthmill finetune`: QLoRA-train the student on a run's accepted records or on any data file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from pipelines.cli.options import split_list
from schemas.errors import ConfigError
from schemas.tables import check_outputs

if TYPE_CHECKING:
    from pipelines.finetune_config import FinetuneConfig

out = Console()


def load_finetune_config(config: Path | None) -> FinetuneConfig:
    """The `finetune:` section of a run config, or the defaults without one."""
    from pipelines.finetune_config import FinetuneConfig

    if config is None:
        return FinetuneConfig()
    from pipelines.config import load_config

    section = getattr(load_config(config), "finetune", None)
    return section if isinstance(section, FinetuneConfig) else FinetuneConfig()


def finetune(
    run_dir: Annotated[
        Path, typer.Argument(help="a run folder (its accepted.jsonl) or a JSONL/CSV/Parquet file")
    ],
    base: Annotated[
        str | None, typer.Option("--base", help="student base: 'embedded', a folder or a hub id")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="adapter folder (default RUN_DIR/adapter)")
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", min=1, help="stop after N optimizer steps")
    ] = None,
    input_field: Annotated[str, typer.Option(help="the text (or instruction) field")] = "text",
    label_field: Annotated[str, typer.Option(help="the label (or response) field")] = "label",
    labels: Annotated[
        str | None, typer.Option(help="closed label set, comma-separated (default: the data's)")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="run config whose finetune: section is used")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="show the libraries' warnings")
    ] = False,
) -> None:
    """Train LoRA adapters on a 4-bit student base; saves adapter, loss log and config."""
    import logging

    from pipelines.finetune import finetune as run_finetune

    if not verbose:  # bitsandbytes on CPU says an optional kernel package is missing: no error
        for name in ("bitsandbytes", "huggingface_hub"):
            logging.getLogger(name).setLevel(logging.ERROR)
        os.environ.setdefault("HF_HUB_VERBOSITY", "error")

    if not run_dir.exists():
        raise ConfigError(f"{run_dir}: not found; pass a run folder or a data file")
    if run_dir.is_dir() and not (run_dir / "accepted.jsonl").is_file():
        raise ConfigError(f"{run_dir}: no accepted.jsonl in this folder; pass a run folder")
    cfg = load_finetune_config(config)
    updates: dict[str, object] = {}
    if base is not None:
        updates["model"] = base
    if max_steps is not None:
        updates["max_steps"] = max_steps
    cfg = cfg.model_copy(update=updates)
    target = out_dir or (
        run_dir / "adapter" if run_dir.is_dir() else run_dir.with_name(run_dir.stem + "-adapter")
    )
    data = run_dir / "accepted.jsonl" if run_dir.is_dir() else run_dir
    check_outputs({"--out": target}, inputs=(data, config), folders={"--out"})
    result = run_finetune(
        run_dir,
        cfg,
        target,
        input_field=input_field,
        label_field=label_field,
        labels=list(split_list(labels) or []) or None,
    )
    loss = (
        f"loss {result.first_loss:.3f} -> {result.last_loss:.3f}"
        if result.first_loss is not None and result.last_loss is not None
        else "no loss logged"
    )
    out.print(
        f"trained on {result.n_records} records, {result.steps} steps in {result.seconds:.0f} s "
        f"({result.device}, {result.compute_dtype}); {loss} -> {result.out_dir}"
    )


def register(app: typer.Typer) -> None:
    """Add the `finetune` command to the synthmill CLI."""
    app.command("finetune")(finetune)
