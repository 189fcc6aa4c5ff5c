"""No import cycles between the apps, nor between the modules of one app.

Dependencies point one way: the project's wiring (``shop``: URLs, the error handlers,
health, management commands) may import every app; ``shop.orders`` imports ``carts``
and ``shop.catalog``; ``carts`` imports ``shop.catalog``; every app may import
``accounts`` and ``shop.core`` (building blocks that import no app). Read from the
source with ``ast``. An import inside a function counts too: a lazy import that would
be a cycle at module level is a cycle hidden (as ``User.save`` once imported the
services that import the model); only ``AppConfig.ready`` (apps.py), which runs once
every app is loaded, may import its own receivers and checks.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LIBRARIES = ["shop.core"]  # packages that are not apps but have a place in the order


def _our_packages():
    """Module paths of the project's apps (those whose code lives in this repository)."""
    names = [
        config.name
        for config in apps.get_app_configs()
        if (ROOT / config.name.split(".")[0] / "__init__.py").is_file()
    ]
    return sorted({*names, *LIBRARIES}, key=len, reverse=True)


def _modules():
    """``{module name: path}`` of every module of our packages, migrations aside."""
    found = {}
    for top in {name.split(".")[0] for name in _our_packages()}:
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or "settings" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _import_statements(tree, *, in_functions):
    """Import statements of a module: those at import time, and those inside function
    bodies too when ``in_functions``."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif in_functions or not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            pending.extend(ast.iter_child_nodes(node))


def _imports(name, path, modules):
    """The modules of ours that module ``name`` imports at import time."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    tree = ast.parse(path.read_text())
    for node in _import_statements(tree, in_functions=path.name != "apps.py"):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        base = package
        for _ in range(node.level - 1):
            base = base.rpartition(".")[0]
        origin = ".".join(p for p in (base if node.level else "", node.module or "") if p)
        for alias in node.names:
            submodule = f"{origin}.{alias.name}"
            targets.add(submodule if submodule in modules else origin)
    resolved = set()
    for target in targets:
        while target and target not in modules:
            target = target.rpartition(".")[0]  # ``import a.b.c`` of a name inside a.b
        if target and target != name:
            resolved.add(target)
    return resolved


def _component(module, packages):
    return next(p for p in packages if module == p or module.startswith(p + "."))


def _cycle(graph):
    """One cycle of ``graph`` (``{node: {nodes}}``) as a list, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


@pytest.fixture(scope="module")
def graph():
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_no_import_cycle_inside_any_app(graph):
    packages = _our_packages()
    for package in packages:
        inside = {
            module: {t for t in targets if _component(t, packages) == package}
            for module, targets in graph.items()
            if _component(module, packages) == package
        }
        assert _cycle(inside) is None, f"{package}: {' -> '.join(_cycle(inside))}"


def test_no_import_cycle_between_apps(graph):
    packages = _our_packages()
    between = {}
    for module, targets in graph.items():
        source = _component(module, packages)
        between.setdefault(source, set()).update(
            _component(t, packages) for t in targets if _component(t, packages) != source
        )

    assert _cycle(between) is None, " -> ".join(_cycle(between))


def test_building_blocks_import_no_app(graph):
    packages = _our_packages()
    for module, targets in graph.items():
        if _component(module, packages) in LIBRARIES:
            assert {_component(t, packages) for t in targets} <= set(LIBRARIES), module


def test_the_checker_sees_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
