"""Which of our modules import which (docs/architecture.md): read from the source with `ast`, imports at the
top of a module and inside functions alike, so that a function-level import cannot hide a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("blocs", "awards", "reports", "emulation")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    return {_module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
            if "migrations" not in path.parts}


def _resolve(name: str, modules: set[str]) -> str | None:
    """The longest of our modules that `name` names (`blocs.models.Unit` -> `blocs.models`)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imported(module: str, path: Path, modules: set[str]) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)  # `from blocs import services`
    found = {_resolve(name, modules) for name in names}
    return {name for name in found if name and name != module and not module.startswith(name + ".")}


def import_graph() -> dict[str, set[str]]:
    sources = _sources()
    modules = set(sources)
    return {module: _imported(module, path, modules) for module, path in sources.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _app(module: str) -> str:
    return module.split(".")[0]


GRAPH = import_graph()


def test_the_graph_sees_the_apps():
    """A check that reads nothing cannot fail: the known edges are there."""
    assert "blocs.models" in GRAPH["blocs.services.units"]
    assert "blocs.services.scoring" in GRAPH["blocs.services.bloc_years"]
    assert "blocs.models" in GRAPH["awards.services.rounds"]
    assert "awards.selectors" in GRAPH["awards.services.rounds"]


def test_no_import_cycle_between_our_modules():
    assert cycles(GRAPH) == []


def test_cycles_are_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize(("app", "forbidden"), [("blocs", {"awards", "reports"}), ("awards", {"reports"})])
def test_imports_run_one_way(app, forbidden):
    wrong = sorted(f"{module} -> {target}" for module, targets in GRAPH.items() if _app(module) == app
                   for target in targets if _app(target) in forbidden)
    assert wrong == []


def test_the_kernel_imports_no_app():
    """emulation/kernel/ is what every app may import; it reaches back into none of them."""
    assert any(module.startswith("emulation.kernel.") for module in GRAPH)
    wrong = sorted(f"{module} -> {target}" for module, targets in GRAPH.items()
                   if module.startswith("emulation.kernel") for target in targets
                   if _app(target) in {"blocs", "awards", "reports"})
    assert wrong == []


def test_no_app_imports_another_apps_views():
    wrong = sorted(f"{module} -> {target}" for module, targets in GRAPH.items() for target in targets
                   if target.split(".")[1:2] == ["views"] and _app(target) != _app(module)
                   and _app(module) != "emulation")  # the project's urls.py routes to every app's views
    assert wrong == []


def test_no_transaction_in_a_view():
    """A use case's transaction lives in its service, where the lock and the audit entry are."""
    wrong = []
    for module, path in _sources().items():
        if module.split(".")[1:2] != ["views"]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.db" and any(
                    alias.name == "transaction" for alias in node.names):
                wrong.append(f"{module}: imports transaction")
            elif isinstance(node, ast.Import) and any(alias.name.startswith("django.db.transaction")
                                                      for alias in node.names):
                wrong.append(f"{module}: imports transaction")
            elif isinstance(node, ast.Attribute) and node.attr == "atomic":
                wrong.append(f"{module}:{node.lineno}: .atomic")
    assert wrong == []


def test_services_and_selectors_import_no_views():
    """A use case or a read knows nothing of the screens that call it: views import services, never back."""
    wrong = sorted(f"{module} -> {target}" for module, targets in GRAPH.items()
                   if {"services", "selectors"} & set(module.split(".")[1:2])
                   for target in targets if "views" in target.split("."))
    assert wrong == []


def test_awards_selectors_only_read():
    """The awards reads are apart from the writes: `awards.selectors` imports no service."""
    assert not {target for target in GRAPH["awards.selectors"] if ".services" in f".{target}"}
