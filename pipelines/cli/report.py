"""`synthmill report RUN_DIR`: the closing summary of a finished build; `--open` the report as
one HTML file in a browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipelines.run_summary import read_report, summary_table
from schemas.errors import InputError

out = Console()


def report(
    run_dir: Annotated[Path, typer.Argument(help="run folder of a finished build")],
    open_: Annotated[
        bool,
        typer.Option("--open", help="write report.html (plots embedded) and open it in a browser"),
    ] = False,
) -> None:
    """Print the summary of a finished build (counts, rejections, drift, base vs student)."""
    summary = read_report(run_dir)
    try:
        table = summary_table(summary, run_dir)
    except (AttributeError, TypeError, KeyError, ValueError):  # a report.json edited by hand
        raise InputError(
            str(run_dir / "report.json"),
            "fields of other types than a build writes; re-run the build to write it again",
        ) from None
    out.print(table)
    if not open_:
        return
    if not (run_dir / "report.md").is_file():
        raise InputError(str(run_dir), "no report.md to render")
    from pipelines.report_html import write_report_html

    try:
        page = write_report_html(run_dir)
    except OSError as exc:  # a shared, read-only run folder: the page goes to a temporary one
        import errno
        import tempfile

        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise

        page = Path(tempfile.mkdtemp(prefix="synthmill-report-")) / "report.html"
        write_report_html(run_dir, page)
    out.print(f"report -> {page}")
    import webbrowser

    try:
        opened = webbrowser.open(page.resolve().as_uri())
    except webbrowser.Error:
        opened = False
    if not opened:
        out.print("no browser here: open the file above yourself")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
