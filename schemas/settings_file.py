"""Settings files in YAML: read safely, and a mistake in one said as `file:line: problem; fix`.

The run config, the drift config and the PII recognizers file all come through here, so a
typo reads the same wherever it is made: the line of the key, and for an unknown key the keys
that are known at that place (pydantic names the key, not where it is in the file).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel

from schemas.errors import ConfigError, describe_validation_error

Loc = tuple[str | int, ...]


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice in one mapping is an error (PyYAML
    keeps the last one silently, so half of a config could be ignored)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *base`: PyYAML merges it
                continue
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            try:
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key '{key}' is given twice", key_node.start_mark
                    )
                seen.add(key)
            except TypeError:  # an unhashable key: PyYAML's own error says so
                continue
        return super().construct_mapping(node, deep=deep)


class SettingsFile:
    """One YAML file's data and the line of every key and list item in it (1-based)."""

    def __init__(self, path: str | Path, what: str) -> None:
        """Read `path`; `what` names the file in the not-found message ("drift config")."""
        self.path = Path(path)
        if not self.path.is_file():
            raise ConfigError(f"{self.path}: {what} not found")
        try:
            text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{self.path}: not UTF-8 text; save it as UTF-8") from None
        loader = _UniqueKeyLoader(text)
        self.lines: dict[Loc, int] = {}
        try:
            node = loader.get_single_node()  # type: ignore[no-untyped-call]
            self.data: Any = None if node is None else loader.construct_document(node)  # type: ignore[no-untyped-call]
            if node is not None:
                _index(loader, node, (), self.lines, set())
        except yaml.YAMLError as exc:
            raise ConfigError(f"{self.path}: {_yaml_problem(exc)}") from None
        except (ValueError, TypeError, RecursionError) as exc:  # e.g. a date like 2026-02-30
            raise ConfigError(f"{self.path}: not valid YAML ({exc})") from None
        finally:
            loader.dispose()  # type: ignore[no-untyped-call]

    def line_of(self, loc: Loc) -> int | None:
        """The line of `loc`, or of the nearest enclosing key that is in the file."""
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None

    def first(self, errors: list[Any], prefix: Loc = ()) -> Any:
        """The error to show of several: an unknown key before anything else (a misspelt key
        is the likelier cause of a missing one), then the one earliest in the file. An error of
        a key whose own entries have errors is their consequence ("at least 1 item" when the
        only entry failed) and gives way to them."""
        locs = [tuple(err["loc"]) for err in errors]
        causes = [
            err
            for err, loc in zip(errors, locs, strict=True)
            if not any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)
        ]

        def order(err: Mapping[str, Any]) -> tuple[int, int]:
            line = self.line_of(prefix + tuple(err["loc"]))
            return (err["type"] != "extra_forbidden", line if line is not None else 1 << 30)

        return min(causes or errors, key=order)

    def error(
        self,
        err: Mapping[str, Any],
        model: type[BaseModel],
        *,
        prefix: Loc = (),
        describe: Callable[[Mapping[str, Any]], str] = describe_validation_error,
    ) -> ConfigError:
        """One pydantic error of validating this file's data (under `prefix`) against `model`,
        as `file:line: problem`, with the known keys when the key is unknown."""
        loc = tuple(err["loc"])
        line = self.line_of(prefix + loc)
        message = describe(err)
        if err["type"] == "extra_forbidden":
            known = known_keys(model, loc[:-1])
            if known:
                message += f" (known here: {', '.join(known)})"
        where = f"{self.path}:{line}" if line is not None else f"{self.path}"
        return ConfigError(f"{where}: {message}")


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    detail = getattr(exc, "problem", None) or (
        str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    )
    if mark is None:
        return f"not valid YAML ({detail})"
    # 0-based in PyYAML; editors count from 1
    return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1} ({detail})"


def _index(
    loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, out: dict[Loc, int], seen: set[int]
) -> None:
    """The line of every key and list item below `node`, under the key as written and as
    loaded (pydantic names `1:` as 1, and `~:` as None or 'None'); an alias is indexed once."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            names: list[Any] = [str(key.value)]
            loaded = loader.construct_object(key)  # type: ignore[no-untyped-call]
            if isinstance(loaded, (int, float, bool)) or loaded is None:
                names += [loaded, str(loaded)]
            for name in names:
                out.setdefault((*loc, name), key.start_mark.line + 1)
            _index(loader, value, (*loc, str(key.value)), out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            here = (*loc, i)
            out.setdefault(here, item.start_mark.line + 1)
            _index(loader, item, here, out, seen)


def _unwrap(annotation: Any) -> Any:
    """The model or container inside Optional[...], Annotated[...] and single-model unions."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            models = [a for a in options if isinstance(a, type) and issubclass(a, BaseModel)]
            containers = [a for a in options if get_origin(a) in (list, tuple)]
            picked = models or containers
            if len(picked) != 1:
                return None
            annotation = picked[0]
        else:
            return annotation


def known_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys `model` accepts at `loc` (a path of field names and list indices); empty when
    the place is not a model (a free-form mapping)."""
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            if get_origin(annotation) not in (list, tuple):
                return []
            annotation = get_args(annotation)[0]
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:
                return []
            annotation = field.annotation
        else:
            return []
    annotation = _unwrap(annotation)
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return []
    fields = annotation.model_fields.items()
    return [field.alias or name for name, field in fields if field.exclude is not True]
