"""Helpers shared by the command modules: list options, and defaults read from the config models."""

from __future__ import annotations

from typing import Any

import typer
from pydantic import BaseModel


def split_list(value: str | None) -> tuple[str, ...] | None:
    """A comma-separated option as names (stripped, repeats dropped); None when none are given."""
    if value is None:
        return None
    names = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if not names:  # given, but no names in it: not the same as leaving the option out
        raise typer.BadParameter(f"{value!r} names nothing: give comma-separated names")
    return names


def default_of(model: type[BaseModel], name: str) -> Any:
    """A config model field's default, so the CLI's help never repeats (and drifts from) it."""
    return model.model_fields[name].get_default(call_default_factory=True)


def given(**values: Any) -> dict[str, Any]:
    """The options the user set (not None): the config model supplies the rest."""
    return {k: v for k, v in values.items() if v is not None}


def _bracket(text: str) -> str:
    """`[text]` as help shows it: escaped where typer renders help as rich markup."""
    try:
        from typer.core import DEFAULT_MARKUP_MODE as mode
    except ImportError:  # pragma: no cover - typer moved it: assume its default, rich
        mode = "rich"
    return f"\\[{text}]" if mode == "rich" else f"[{text}]"


def shown_default(help_text: str, model: type[BaseModel], name: str) -> str:
    """Help text ending in the config model's default, e.g. "MinHash permutations [default: 128]".

    For options that default to None (so only what the user set reaches the model).
    """
    value = default_of(model, name)
    if isinstance(value, (tuple, list)):
        value = ",".join(str(v) for v in value)
    return f"{help_text} {_bracket(f'default: {value}')}"


def note(help_text: str, text: str) -> str:
    """Help text ending in a bracketed note, e.g. "[default: all string fields]"."""
    return f"{help_text} {_bracket(text)}"
