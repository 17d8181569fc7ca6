"""`synthmill finetune`: registered on the CLI by `register`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `finetune` command to the synthmill CLI."""
    return None
