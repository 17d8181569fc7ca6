"""`synthmill drift`: compare a candidate set with the trusted reference; exit 3 on drift.

Exit codes: 0 within thresholds (or drift found with --no-fail-on-drift), 3 drift found, 2 bad
input or settings (one line naming the file, the line and the problem).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from pipelines.cli.options import given, shown_default, split_list
from schemas.errors import GateFailed, InputError
from schemas.tables import (
    atomic_open,
    check_outputs,
    read_table,
    row_error,
    staged,
    write_json,
)
from validators.drift.config import DriftConfig


def _family(dtype: pl.DataType) -> str:
    if dtype == pl.String:
        return "text"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_numeric():
        return "number"
    if isinstance(dtype, (pl.Categorical, pl.Enum)):
        return "text"
    return str(dtype)


def _not_numbers(series: pl.Series) -> pl.Series:
    """Which values of a text field do not parse as numbers (nulls aside)."""
    parsed = series.str.strip_chars().cast(pl.Float64, strict=False)
    return parsed.is_null() & series.is_not_null()


def _parses_as_number(series: pl.Series) -> bool:
    return not _not_numbers(series).any()


def check_columns(
    reference: pl.DataFrame,
    candidate: pl.DataFrame,
    paths: tuple[Path, Path],
    names: list[str],
    number_fields: tuple[str, ...] = (),
) -> None:
    """Each named field is in both files with compatible types; else an InputError on one file.

    Text and numbers are compatible when the text parses as numbers (a CSV against Parquet).
    A field named in `number_fields` must hold numbers in both files.
    """
    for frame, path in zip((reference, candidate), paths, strict=True):
        for name in names:
            if name not in frame.columns:
                found = ", ".join(frame.columns)
                raise InputError(path, f"missing field '{name}' (found: {found})")
    for name in names:
        ref, cand = reference[name], candidate[name]
        a, b = _family(ref.dtype), _family(cand.dtype)
        if a == b or pl.Null in (ref.dtype, cand.dtype):
            continue
        if {a, b} == {"text", "number"}:
            text = ref if a == "text" else cand
            if text.dtype == pl.String and _parses_as_number(text):
                continue
        raise InputError(
            paths[1],
            f"field '{name}' is {cand.dtype} here but {ref.dtype} in the reference {paths[0]}",
        )
    for frame, path in zip((reference, candidate), paths, strict=True):
        for name in number_fields:
            column = frame[name]
            if column.dtype.is_numeric() or column.dtype == pl.Null:
                continue
            if column.dtype == pl.String:
                bad = _not_numbers(column)
                if not bad.any():
                    continue
                raise row_error(
                    path,
                    int(bad.arg_max()),
                    f"field '{name}' is not a number; drop it from --number-fields "
                    "(number_fields) or fix the value",
                )
            raise InputError(
                path,
                f"field '{name}' is not numeric (found {column.dtype}); "
                "drop it from --number-fields (number_fields)",
            )


def _settings(options: dict[str, Any], config: Path | None) -> Any:
    from validators.drift import load_drift_config, make_drift_config

    overrides = given(**options)
    if config is not None:
        return load_drift_config(config, overrides)
    return make_drift_config(overrides, source="drift options")


def run_drift(
    reference: Path,
    candidate: Path,
    *,
    report_path: Path | None,
    plots: Path | None,
    options: dict[str, Any],
    config: Path | None = None,
) -> tuple[Any, list[Path]]:
    """Read both files, compare them, write the report files; returns (report, paths written)."""
    from validators.drift import drift_report

    settings = _settings(options, config)
    markdown = report_path.with_suffix(".md") if report_path is not None else None
    check_outputs(
        {"--report": report_path, "--report's Markdown": markdown, "--plots": plots},
        inputs=(reference, candidate, config),
        folders={"--plots"},
    )
    required = [f for f in (settings.label_field, *settings.text_fields) if f]
    compared = (*settings.fields, *required, *settings.number_fields) if settings.fields else True
    ref = read_table(reference, required=required, flat=compared)
    cand = read_table(candidate, required=required, flat=compared)
    names = list(settings.fields or ref.columns)
    names += [f for f in (*required, *settings.number_fields) if f not in names]
    check_columns(ref, cand, (reference, candidate), names, tuple(settings.number_fields))
    if cand.height < settings.min_candidate_rows:
        raise InputError(
            candidate,
            f"{cand.height} row{'' if cand.height == 1 else 's'}; the drift checks need at least "
            f"{settings.min_candidate_rows} to tell drift from chance (to change it, set "
            "min_candidate_rows in a --config YAML)",
        )
    report = drift_report(ref, cand, settings)
    written: list[Path] = []
    drawn: list[Path] = []
    if plots is not None:  # first: a plot that fails leaves no report claiming otherwise
        from validators.drift.plots import write_plots

        drawn = write_plots(report, plots)
    if report_path is not None and markdown is not None:
        with staged():  # the JSON and the Markdown together
            write_json(report_path, report.model_dump(mode="json"))
            with atomic_open(markdown) as fh:
                fh.write(report.to_markdown())
        written += [report_path, markdown]
    written += drawn
    return report, written


def register(app: typer.Typer) -> None:
    """Add the `drift` command to the synthmill CLI."""

    @app.command()
    def drift(
        reference: Annotated[Path, typer.Option("--reference", help="trusted reference data")],
        candidate: Annotated[Path, typer.Option("--candidate", help="data to judge")],
        fields: Annotated[
            str | None, typer.Option("--fields", help="comma-separated fields (default: all)")
        ] = None,
        report: Annotated[
            Path | None, typer.Option("--report", help="JSON report; Markdown written beside it")
        ] = None,
        plots: Annotated[Path | None, typer.Option("--plots", help="folder for PNG plots")] = None,
        label_field: Annotated[
            str | None, typer.Option("--label-field", help="the label field (else inferred)")
        ] = None,
        text_fields: Annotated[
            str | None, typer.Option("--text-fields", help="comma-separated text fields")
        ] = None,
        number_fields: Annotated[
            str | None, typer.Option("--number-fields", help="comma-separated number fields")
        ] = None,
        config: Annotated[
            Path | None, typer.Option("--config", help="YAML drift settings and thresholds")
        ] = None,
        seed: Annotated[
            int | None,
            typer.Option(help=shown_default("permutation seed", DriftConfig, "seed")),
        ] = None,
        fail_on_drift: Annotated[
            bool | None,
            typer.Option(
                "--fail-on-drift/--no-fail-on-drift",
                help=shown_default("exit 3 on drift", DriftConfig, "fail_on_drift"),
            ),
        ] = None,
    ) -> None:
        """Compare a candidate set with the trusted reference, field by field."""
        options = {
            "fields": split_list(fields),
            "label_field": label_field,
            "text_fields": split_list(text_fields),
            "number_fields": split_list(number_fields),
            "seed": seed,
            "fail_on_drift": fail_on_drift,
        }
        found, written = run_drift(
            reference, candidate, report_path=report, plots=plots, options=options, config=config
        )
        for check in found.checks:
            p = "-" if check.p_adjusted is None else f"{check.p_adjusted:.3g}"
            typer.echo(
                f"{check.verdict:4s}  {check.field:<24s} {check.check:<18s} "
                f"distance {check.distance:.3f} (threshold {check.threshold:.3f}), p {p}"
            )
        for path in written:
            typer.echo(f"wrote {path}")
        failed = ", ".join(f"{c.field} {c.check}" for c in found.failed)
        if found.verdict == "fail":
            message = f"drift found: {failed}"
            if found.config.get("fail_on_drift", True):
                raise GateFailed(message + (f"; report {report}" if report else ""))
            typer.echo(f"{message} (not failing: --no-fail-on-drift)")
        else:
            typer.echo(f"no drift beyond thresholds ({len(found.checks)} checks)")
