"""The package structure a newcomer relies on: imports go one way, and only entry points drive the simulator."""

from __future__ import annotations

import ast
from pathlib import Path

from common.settings import REPO_ROOT

PACKAGES = ("common", "quality", "ingestion", "transform", "serving", "services", "superset_assets", "govlake",
            "simulator")
# the simulator stands in for the upstream systems: only what drives it (the CLI, the demo pipeline, the bench) and
# the tests may import it
SIMULATOR_DRIVERS = {"govlake/cli.py", "govlake/pipeline.py", "govlake/bench.py"}


def _imports(path: Path) -> set[str]:
    """Top-level packages of ours that PATH imports (at module level or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & set(PACKAGES)
    return found


def _modules() -> dict[str, set[str]]:
    return {str(path.relative_to(REPO_ROOT)): _imports(path)
            for package in PACKAGES if (REPO_ROOT / package).is_dir()
            for path in sorted((REPO_ROOT / package).rglob("*.py"))}


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {package: set() for package in PACKAGES}
    for module, imported in _modules().items():
        package = module.split("/")[0]
        graph[package] |= imported - {package}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle between packages, as a path, or None."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt):], nxt] if nxt in path else [*path, nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_between_top_level_packages() -> None:
    cycle = _cycle(_package_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_shared_base_imports_none_of_the_other_packages() -> None:
    assert _package_graph()["common"] == set()


def test_the_cli_package_sits_on_top() -> None:
    below = {package: imported for package, imported in _package_graph().items() if package != "govlake"}
    assert not [package for package, imported in below.items() if "govlake" in imported]


def test_no_library_module_imports_the_simulator() -> None:
    offenders = [module for module, imported in _modules().items()
                 if "simulator" in imported and not module.startswith("simulator/")
                 and module not in SIMULATOR_DRIVERS]
    assert offenders == []
