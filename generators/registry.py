"""Generator registration: an explicit decorator, plus the `synthmill.generators` entry points."""

from __future__ import annotations

from importlib.metadata import entry_points

from generators.base import Generator
from schemas.errors import ConfigError, SynthmillError

ENTRY_POINT_GROUP = "synthmill.generators"


class PluginError(SynthmillError):
    """An installed generator plugin failed to load; the message names it."""


class GeneratorRegistry:
    """Name → generator class. Duplicate names are refused, never silently replaced."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Generator]] = {}
        self._plugins_loaded = False

    def register(self, cls: type[Generator]) -> type[Generator]:
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name:
            raise ValueError(f"{cls.__qualname__} needs a class attribute `name`")
        if not (isinstance(cls, type) and issubclass(cls, Generator)):
            raise TypeError(f"{cls!r} is not a Generator subclass")
        existing = self._classes.get(name)
        if existing is not None and existing is not cls:
            raise ValueError(
                f"a generator named '{name}' is already registered ({existing.__module__}."
                f"{existing.__qualname__}); pick another name"
            )
        self._classes[name] = cls
        return cls

    def load_plugins(self) -> None:
        """Import every `synthmill.generators` entry point; a broken one raises, naming it."""
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                obj = ep.load()
            except Exception as exc:
                raise PluginError(
                    f"generator plugin '{ep.name}' ({ep.value}) failed to load: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            if isinstance(obj, type) and issubclass(obj, Generator):
                if self._classes.get(obj.name) is not obj:
                    self.register(obj)
            elif not callable(obj):
                raise PluginError(
                    f"generator plugin '{ep.name}' ({ep.value}) is not a Generator subclass"
                )

    def get(self, name: str) -> type[Generator]:
        self.load_plugins()
        try:
            return self._classes[name]
        except KeyError:
            known = ", ".join(sorted(self._classes))
            raise ConfigError(f"unknown generator '{name}' (registered: {known})") from None

    def items(self) -> list[tuple[str, type[Generator]]]:
        self.load_plugins()
        return sorted(self._classes.items())


REGISTRY = GeneratorRegistry()


def register_generator(cls: type[Generator]) -> type[Generator]:
    """Class decorator: make a generator available by its `name` in configs."""
    return REGISTRY.register(cls)
