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


def _tracked_text_files() -> list[Path]:
    import subprocess

    names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    paths = [REPO_ROOT / name for name in names.decode().split("\0") if name]
    return [p for p in paths if p.is_file() and p.suffix not in {".lock", ".png", ".xlsx", ".parquet", ".msgpack"}]


def test_the_readme_is_a_short_front_door_whose_links_resolve() -> None:
    import re

    readme = REPO_ROOT / "README.md"
    assert readme.stat().st_size <= 10 * 1024
    links = re.findall(r"\]\(([^)#:]+)\)", readme.read_text(encoding="utf-8"))
    assert links and [link for link in links if not (REPO_ROOT / link).exists()] == []


def test_nothing_in_the_repository_points_outside_it() -> None:
    # the reference notes the project started from are not part of it: the docs say it in the project's own words
    outside = ("../shared", "DOMAIN.md", "DESIGN.md", "DESIGN decision")
    offenders = []
    for path in _tracked_text_files():
        if path == Path(__file__):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        offenders += [f"{path.relative_to(REPO_ROOT)}: {marker}" for marker in outside if marker in text]
    assert offenders == []
