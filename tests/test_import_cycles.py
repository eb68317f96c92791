"""No import cycles in the `unionadmin` package (issue #20 point 4).

The graph is built from the source (the AST of every module), with the imports Python runs when
the module is imported: those of the module body, of class bodies and of `if`/`try`/`with` blocks
at that level, but not those inside functions (which run later, and are where a real cycle may be
broken, with a comment saying so) nor those under `if TYPE_CHECKING:`. An edge goes to the module
named (`from a.b import c`: the submodule a.b.c if there is one, else the package a.b), not to
the parent packages Python runs first: a package whose `__init__` re-exports its submodules'
names while they import each other is not a cycle (the package is in `sys.modules` by then).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

PACKAGE = "unionadmin"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    """Module name -> file, for every module of the package (migrations excluded: not a package)."""
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_time_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes run when the module is imported: not function bodies, not TYPE_CHECKING blocks."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        yield child
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from _import_time_nodes(other)
            continue
        yield from _import_time_nodes(child)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that importing `module` runs directly."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    targets: set[str] = set()
    for node in _import_time_nodes(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, path.name == "__init__.py", node)
            # `from pkg import name`: the submodule pkg.name when there is one, else pkg itself.
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                     for alias in node.names]
        else:
            continue
        targets.update(name for name in names if name in known)
    targets.discard(module)
    return targets


def import_graph() -> dict[str, set[str]]:
    modules = package_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def test_the_graph_sees_the_package() -> None:
    graph = import_graph()
    assert "unionadmin.core.reports.registry" in graph
    assert "unionadmin.core.db" in graph["unionadmin.app"]
    assert "unionadmin.plugins.hookspecs" in graph["unionadmin"]
    # An import inside a function is not an edge: create_app imports the app lazily.
    assert "unionadmin.app" not in graph["unionadmin"]


def test_no_import_cycle() -> None:
    try:
        TopologicalSorter(import_graph()).prepare()
    except CycleError as exc:
        cycle = exc.args[1]
        pytest.fail("import cycle: " + " -> ".join(cycle))
