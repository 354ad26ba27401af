"""The shape of the code: imports point one way (blueprints and CLI → services → models) and form no cycle.

The graph is read from the source with `ast`, so an import inside a function counts like one at the top
of a module; only imports under `if TYPE_CHECKING:` are left out (they never run).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "campaign_crm"


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _runtime_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def import_graph() -> dict[str, set[str]]:
    """Module → the modules of campaign_crm it imports (a package counts as its __init__)."""
    sources = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = {name for name, _ in sources}
    graph: dict[str, set[str]] = {}
    for (name, is_package), path in sources.items():
        edges: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in modules)
            elif isinstance(node, ast.ImportFrom):
                target = _absolute(node, name, is_package)
                for alias in node.names:
                    if f"{target}.{alias.name}" in modules:
                        edges.add(f"{target}.{alias.name}")  # `from package import module`
                    elif target in modules:
                        edges.add(target)
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
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


def test_the_detector_finds_a_cycle_through_a_function_level_import():
    tree = ast.parse("def f():\n    from .b import x\n")
    nodes = [n for n in _runtime_nodes(tree) if isinstance(n, ast.ImportFrom)]
    assert _absolute(nodes[0], "pkg.a", False) == "pkg.b"
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules_of_campaign_crm():
    graph = import_graph()
    # The application package's __init__ holds the app factory, which imports every blueprint; importing
    # any submodule runs it first, but it is the root of the graph, not a member of a cycle.
    graph.pop("campaign_crm", None)
    for edges in graph.values():
        edges.discard("campaign_crm")
    assert cycles(graph) == []


LAYERS = [
    ("campaign_crm.models", ("campaign_crm.services", "campaign_crm.blueprints", "campaign_crm.cli")),
    ("campaign_crm.services", ("campaign_crm.blueprints", "campaign_crm.cli")),
]


@pytest.mark.parametrize(("layer", "forbidden"), LAYERS, ids=[layer for layer, _ in LAYERS])
def test_imports_point_one_way(layer, forbidden):
    wrong = sorted(f"{module} → {target}" for module, targets in import_graph().items() if module.startswith(layer)
                   for target in targets if target.startswith(forbidden))
    assert wrong == []


SERVICES = PACKAGE / "services"
DOMAIN_PACKAGES = sorted(p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists())


def _declared_imports(package: str) -> set[str]:
    """The packages named in backticks in the "May import:" paragraph of the package's docstring."""
    doc = ast.get_docstring(ast.parse((SERVICES / package / "__init__.py").read_text())) or ""
    paragraph = next((part for part in doc.split("\n\n") if part.startswith("May import:")), None)
    assert paragraph is not None, f"services/{package}/__init__.py does not say what it may import"
    return {name for name in re.findall(r"`(\w+)`", paragraph) if name in DOMAIN_PACKAGES}


def _domain_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] == ["campaign_crm", "services"] and len(parts) > 2 and parts[2] in DOMAIN_PACKAGES:
        return parts[2]
    return None


@pytest.mark.parametrize("package", DOMAIN_PACKAGES)
def test_a_domain_package_imports_only_the_kernel_and_the_packages_it_declares(package):
    allowed = _declared_imports(package) | {package}
    used = {other for module, targets in import_graph().items() if _domain_of(module) == package
            for other in map(_domain_of, targets) if other}
    assert used - allowed == set()


def test_the_services_folder_holds_at_most_ten_modules_directly():
    modules = sorted(p.name for p in SERVICES.glob("*.py"))
    assert len(modules) <= 10, modules
