"""No import cycles in the `unionadmin` package (issue #20 point 4).

The graph is built from the source (the AST of every module), with the imports Python runs when
the module is imported: those of the module body, of class bodies and of `if`/`try`/`with` blocks
at that level, but not those inside functions (which run later, and are where a real cycle may be
broken, with a comment saying so) nor those under `if TYPE_CHECKING:`. An edge goes to the module
named (`from a.b import c`: the submodule a.b.c if there is one, else the package a.b), not to
the parent packages Python runs first: a package whose `__init__` re-exports its submodules'
names while they import each other is not a cycle (the package is in `sys.modules` by then).

Two rules keep it so: an import of the package left inside a function says which cycle it
breaks (`# cycle: a -> b -> a`), and a domain's views.py or api.py never imports another
domain's views or API (they share code through non-view modules).
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


def _function_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements inside function bodies (run when the function is called)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield inner


def test_an_import_inside_a_function_says_which_cycle_it_breaks() -> None:
    """Imports go at the top; one of the package left in a function breaks a real cycle and
    says so (`# cycle: a -> b -> a`) on its line or the line above."""
    unexplained = []
    for module, path in package_modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines), filename=str(path))
        for node in set(_function_imports(tree)):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [_resolve(module, path.name == "__init__.py", node)])
            if not any(name == PACKAGE or name.startswith(PACKAGE + ".") for name in names):
                continue
            near = " ".join(lines[max(node.lineno - 2, 0):node.end_lineno])
            if "cycle" not in near:
                unexplained.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    assert not unexplained, "imports inside functions without a `# cycle:` reason: " + ", ".join(
        sorted(unexplained))


def _domain_of(module: str) -> str | None:
    """`unionadmin.core.<domain>.<name>` -> domain (a package of core), else None."""
    parts = module.split(".")
    return parts[2] if len(parts) == 4 and parts[:2] == [PACKAGE, "core"] else None


def test_views_and_apis_do_not_import_each_other() -> None:
    """Pages and APIs share code through non-view modules (services, filters, download...),
    never by importing a views.py or api.py, their own domain's or another's, at the top or in a
    function."""
    modules = package_modules()
    known = set(modules)
    crossing = []
    for module, path in modules.items():
        if path.name not in ("views.py", "api.py") or _domain_of(module) is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, False, node)
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                           for alias in node.names]
            else:
                continue
            for target in targets:
                if (target.rsplit(".", 1)[-1] in ("views", "api") and _domain_of(target)
                        and target != module):
                    crossing.append(f"{module} imports {target}")
    assert not crossing, "; ".join(sorted(crossing))
