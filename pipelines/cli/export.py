"""`synthmill export`: the student (base + LoRA adapter, merged) as one GGUF file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from pipelines.cli.options import default_of, note
from pipelines.export_config import BASE_WEIGHTS, QUANTS, ExportConfig
from schemas.errors import ConfigError

if TYPE_CHECKING:
    import polars as pl

out = Console()


def _check(run_dir: Path, adapter: Path | None, fmt: str, quant: str) -> Path:
    """The adapter folder, once the run folder, format and quant are known to be usable."""
    if not run_dir.is_dir():
        raise ConfigError(
            f"{run_dir}: run folder not found; pass the folder a build or finetune wrote"
        )
    folder = adapter or run_dir / "adapter"
    if adapter is not None and not (folder / "adapter_config.json").is_file():
        raise ConfigError(
            f"--adapter {folder}: no adapter_config.json; pass the folder a fine-tune wrote"
        )
    if not (folder / "adapter_config.json").is_file():
        raise ConfigError(
            f"{run_dir}: no adapter/ in this run folder; train one with "
            f"`synthmill finetune {run_dir}` or pass --adapter DIR"
        )
    if fmt != "gguf":
        raise ConfigError(f"unknown --format '{fmt}' (choose gguf)")
    if quant not in QUANTS:
        raise ConfigError(f"unknown --quant '{quant}' (choose one of {', '.join(QUANTS)})")
    return folder


def _check_base_weights(base_weights: str) -> None:
    if base_weights not in BASE_WEIGHTS:
        raise ConfigError(
            f"unknown --base-weights '{base_weights}' (choose one of {', '.join(BASE_WEIGHTS)})"
        )


def export(
    run_dir: Annotated[Path, typer.Argument(help="a run folder with the student's adapter/")],
    adapter: Annotated[
        Path | None, typer.Option("--adapter", help="adapter folder (default RUN_DIR/adapter)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="gguf")] = "gguf",
    quant: Annotated[
        str,
        typer.Option(help=note("weights: " + " | ".join(QUANTS), "q4_0 rounds the head by GPTQ")),
    ] = default_of(ExportConfig, "quant"),
    out_file: Annotated[
        Path | None, typer.Option("--out", help="the GGUF file (default RUN_DIR/student.gguf)")
    ] = None,
    base_gguf: Annotated[
        Path | None,
        typer.Option("--base-gguf", help="a GGUF of the base; only when it is not 'embedded'"),
    ] = None,
    base_weights: Annotated[
        str,
        typer.Option(
            "--base-weights",
            help=note(
                " | ".join(BASE_WEIGHTS),
                "trained: merge into the 4-bit base the adapter was trained on",
            ),
        ),
    ] = default_of(ExportConfig, "base_weights"),
    held_out: Annotated[
        Path | None,
        typer.Option("--held-out", help="labelled real rows: score the GGUF and the adapter"),
    ] = None,
    input_field: Annotated[str, typer.Option(help="the text field of --held-out")] = "text",
    label_field: Annotated[str, typer.Option(help="the label field of --held-out")] = "label",
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="score a seeded sample of N rows")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="write the comparison JSON here")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="show the libraries' warnings and progress bars")
    ] = False,
) -> None:
    """Merge the LoRA adapter into its base and write one GGUF (llama.cpp, Ollama, LM Studio)."""
    from pipelines.console import quiet_libraries

    quiet_libraries(verbose)  # before the model libraries load
    from pipelines.export import export_gguf
    from pipelines.finetune import read_adapter_meta
    from schemas.tables import check_outputs, read_table, write_json

    folder = _check(run_dir, adapter, fmt, quant)
    _check_base_weights(base_weights)
    target = out_file or run_dir / "student.gguf"
    if target.suffix.lower() != ".gguf":
        raise ConfigError(
            f"--out {target}: name the file *.gguf (llama.cpp, Ollama and LM Studio go by it), "
            f"e.g. {target.with_suffix('.gguf')}"
        )
    check_outputs(
        {"--out": target, "--report": report},
        inputs=(held_out, base_gguf, folder / "adapter_model.safetensors"),
    )
    if base_gguf is not None and not base_gguf.is_file():
        raise ConfigError(f"--base-gguf {base_gguf}: not found; pass a GGUF of the student's base")
    rows = read_table(held_out, required=[input_field, label_field]) if held_out else None
    if rows is not None and read_adapter_meta(folder).get("task") != "labels":
        raise ConfigError("--held-out scores students of labelled text; this one is not")
    result = export_gguf(folder, target, quant, base=base_gguf, base_weights=base_weights)
    out.print(
        f"{result.path}: {result.quant}, {result.size_bytes / 1e6:.1f} MB, sha256 "
        f"{result.sha256}, {result.merged_tensors} tensors merged into the {result.base_weights} "
        f"base in {result.seconds:.0f} s; "
        f"Ollama: {result.modelfile}"
    )
    if rows is None:
        return
    compared = compare(result.path, folder, rows, input_field, label_field, limit)
    g, a = compared["gguf"], compared["adapter"]
    out.print(
        f"n {g['n']}: adapter accuracy {a['accuracy']:.3f} (macro-F1 {a['macro_f1']:.3f}); "
        f"gguf accuracy {g['accuracy']:.3f} (macro-F1 {g['macro_f1']:.3f}); "
        f"predictions agree on {compared['agreement']:.1%}"
    )
    if report is not None:
        write_json(report, {"export": result.model_dump(mode="json"), **compared})
        out.print(f"report -> {report}")


def compare(
    gguf_file: Path,
    adapter: Path,
    rows: pl.DataFrame,
    input_field: str,
    label_field: str,
    limit: int | None,
) -> dict[str, Any]:
    """The adapter and the GGUF scored on the same rows by the same evaluation."""
    from pipelines.export.verify import score_adapter, score_gguf, student_settings
    from pipelines.finetune import read_adapter_meta

    meta = read_adapter_meta(adapter)
    cfg = student_settings(meta)
    if limit is not None:
        cfg = cfg.model_copy(update={"eval": cfg.eval.model_copy(update={"limit": limit})})
    scored_adapter = score_adapter(
        adapter, rows, meta, config=cfg, input_field=input_field, label_field=label_field
    )
    scored_gguf = score_gguf(
        gguf_file, rows, meta, config=cfg, input_field=input_field, label_field=label_field
    )
    pairs = zip(scored_adapter["predictions"], scored_gguf["predictions"], strict=True)
    agree = sum(a == b for a, b in pairs) / max(scored_gguf["n"], 1)
    return {"adapter": scored_adapter, "gguf": scored_gguf, "agreement": agree}


def register(app: typer.Typer) -> None:
    """Add the `export` command to the synthmill CLI."""
    app.command("export")(export)
