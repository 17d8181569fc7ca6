"""The import contract: schemas imports nothing of ours; generators and validators never import
each other or pipelines; no module imports upward; there is no import cycle.

Read from the source with `ast` (every import statement, lazy ones inside functions included),
so a violation fails here before it becomes a circular import at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("schemas", "generators", "validators", "pipelines")
# What each package may import of ours (besides itself).
ALLOWED = {
    "schemas": set(),
    "generators": {"schemas"},
    "validators": {"schemas"},
    "pipelines": {"schemas", "generators", "validators"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every module of ours that `path` imports: `from a.b import c` counts a.b.c when that is a
    module (a submodule import), else a.b."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
    return {m for m in found if m.split(".")[0] in PACKAGES}


def _graph() -> dict[str, set[str]]:
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    modules = {_module_name(p): p for p in files}
    names = set(modules)
    return {
        name: {m for m in _imports(p, names) if m in names} - {name} for name, p in modules.items()
    }


GRAPH = _graph()


def test_the_graph_is_read() -> None:
    assert len(GRAPH) > 40
    assert "schemas.stage" in GRAPH["validators.dedup.stage"]
    assert "pipelines.state" in GRAPH["pipelines.stages"]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_package_imports_upward(package: str) -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if module.split(".")[0] == package
        for target in targets
        if target.split(".")[0] not in ALLOWED[package] | {package}
    )
    assert not wrong, "imports against the layering: " + ", ".join(wrong)


def test_no_import_cycles() -> None:
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    cycles: list[str] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(GRAPH):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles: " + "; ".join(cycles)


def test_the_checks_catch_a_violation() -> None:
    """The contract checks themselves can fail: an upward import and a cycle are seen."""
    GRAPH["schemas.errors"].add("pipelines.config")
    GRAPH["pipelines.config"].add("schemas.errors")
    try:
        with pytest.raises(AssertionError, match="schemas.errors -> pipelines.config"):
            test_no_package_imports_upward("schemas")
        with pytest.raises(AssertionError, match="import cycles"):
            test_no_import_cycles()
    finally:
        GRAPH["schemas.errors"].discard("pipelines.config")
        if "schemas.errors" not in _imports(ROOT / "pipelines" / "config.py", set(GRAPH)):
            GRAPH["pipelines.config"].discard("schemas.errors")
