"""Generators: prompt a teacher model for records whose shape is a pydantic model in `schemas`."""

from generators import builtin  # noqa: E402,F401,I001  (registers labeled_text and instruction)
from generators.base import Generator, Prompt
from generators.registry import REGISTRY, register_generator

__all__ = ["REGISTRY", "Generator", "Prompt", "register_generator"]
