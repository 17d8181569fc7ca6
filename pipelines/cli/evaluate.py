"""`synthmill evaluate`: base (few-shot) vs student (zero-shot) on any file of real examples."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    import polars as pl

out = Console()


def evaluate(
    data: Annotated[
        Path, typer.Option("--data", help="held-out real examples (JSONL/CSV/Parquet)")
    ],
    model: Annotated[
        str | None, typer.Option("--model", help="base model (default: the adapter's, or embedded)")
    ] = None,
    adapter: Annotated[
        Path | None, typer.Option("--adapter", help="a PEFT adapter folder: score the student too")
    ] = None,
    input_field: Annotated[str, typer.Option(help="the text (or instruction) field")] = "text",
    label_field: Annotated[str, typer.Option(help="the label (or response) field")] = "label",
    labels: Annotated[
        str | None, typer.Option(help="closed label set, comma-separated (default: the data's)")
    ] = None,
    few_shot: Annotated[
        Path | None, typer.Option("--few-shot", help="real examples for the base's few-shot prompt")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="write the report JSON here")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="score a seeded sample of N rows")
    ] = None,
    task: Annotated[
        str, typer.Option(help="labels (classification) or instruction (loss, perplexity)")
    ] = "labels",
    config: Annotated[
        Path | None, typer.Option(help="run config whose finetune.eval: section is used")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="show the libraries' warnings and progress bars")
    ] = False,
) -> None:
    """Score the base model and, with --adapter, the fine-tuned student on held-out data."""
    from pipelines.console import quiet_libraries

    quiet_libraries(verbose)  # before the model libraries load
    from pipelines.cli.finetune import load_finetune_config
    from pipelines.cli.options import split_list
    from pipelines.evaluate import evaluate_answers, evaluate_labels, write_report
    from schemas.errors import ConfigError
    from schemas.tables import check_outputs, read_table

    if task not in ("labels", "instruction"):
        raise ConfigError(f"unknown --task '{task}' (choose labels or instruction)")
    cfg = load_finetune_config(config)
    check_outputs({"--report": report}, inputs=(data, few_shot, config, adapter))
    if limit is not None:
        cfg = cfg.model_copy(update={"eval": cfg.eval.model_copy(update={"limit": limit})})
    rows = read_table(data, required=[input_field, label_field])
    if task == "labels":
        label_set = list(split_list(labels) or []) or None
        if label_set is not None:
            check_labels(data, rows, label_field, label_set)
        shots = read_table(few_shot, required=[input_field, label_field]) if few_shot else None
        result = evaluate_labels(
            rows,
            label_set,
            few_shot_rows=shots,
            adapter=adapter,
            model=model,
            config=cfg,
            input_field=input_field,
            label_field=label_field,
        )
        line = (
            f"n {result['n']}: base accuracy {result['base']['accuracy']:.3f} "
            f"(macro-F1 {result['base']['macro_f1']:.3f}, {result['base']['few_shot']}-shot)"
        )
        if "student" in result:
            s = result["student"]
            line += (
                f"; student accuracy {s['accuracy']:.3f} (macro-F1 {s['macro_f1']:.3f}); "
                f"difference {result['difference']['accuracy']:+.3f}"
            )
    else:
        result = evaluate_answers(
            rows,
            adapter=adapter,
            model=model,
            config=cfg,
            input_field=input_field,
            label_field=label_field,
        )
        line = (
            f"n {result['n']}: base loss {result['base']['loss']:.3f} "
            f"(ppl {result['base']['perplexity']:.1f})"
        )
        if "student" in result:
            s = result["student"]
            line += f"; student loss {s['loss']:.3f} (ppl {s['perplexity']:.1f})"
    out.print(line)
    write_report(result, report, cfg.eval)
    if report is not None:
        out.print(f"report -> {report}")


def register(app: typer.Typer) -> None:
    """Add the `evaluate` command to the synthmill CLI."""
    app.command("evaluate")(evaluate)


def check_labels(path: Path, rows: pl.DataFrame, label_field: str, labels: list[str]) -> None:
    """Every row's label is one of `--labels` (all rows, before any --limit sample); else one
    line naming the file, the first such row's line and the labels that are missing."""
    import polars as pl

    from schemas.tables import row_error

    values = rows[label_field].cast(pl.String)
    outside = ~values.is_in(labels) | values.is_null()
    if outside.any():
        from schemas.shown_values import labels_shown

        found = [str(v) for v in values.filter(outside).to_list()]
        shown = labels_shown(found, labels, label_field)
        raise row_error(
            path,
            int(outside.arg_max()),
            f"{int(outside.sum())} rows carry labels not in --labels ({shown}); "
            "add them to --labels or leave --labels out",
        )
