"""The layers of protocol_kit import downward only, and no module is over 400 lines.

Every ``import`` in the package is read from its source (module level or inside a function;
``if TYPE_CHECKING:`` blocks are not imports). Each must go to the same or a lower layer of
``LAYERS``, and the packages must form no circle, with one exception: the convenience
accessors that users call on a plan or a run (``p.sheet()``, ``p.form()``, ``p.start_run()``,
``run.analyse()``, ...) import their higher layer inside the method, as pandas' ``df.plot``
does; they are listed in ``ACCESSORS`` by module and may reach only the layers named there.
docs/architecture.md draws the same picture.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "protocol_kit"

#: lowest first; a module may import its own layer or one below it
LAYERS: list[set[str]] = [
    {"_version", "errors", "typed_numbers"},
    {"units"},
    {"reference", "analysis"},
    {"core"},
    {"design", "io", "simulate", "protocols"},
    {"records"},
    {"reports"},
    {"workflow"},
    {"widgets", "profile", "demo_files", "demo", "cli", "__init__"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}

#: module -> the higher layers its user-facing accessor methods may import lazily
ACCESSORS: dict[str, set[str]] = {
    "protocol_kit.core.protocol": {"design", "io", "reports", "records", "widgets"},
    "protocol_kit.records.run_data": {"workflow"},
}


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


def _group(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[tuple[str, bool, int]]:
    """(imported protocol_kit module, at module level?, line) for every import in ``path``."""
    module, is_package = _module_name(path)
    here = module.split(".") if is_package else module.split(".")[:-1]
    found: list[tuple[str, bool, int]] = []

    def resolve(node: ast.ImportFrom) -> list[str]:
        if not node.level:
            return [node.module or ""]
        base = here[:len(here) - node.level + 1]
        if node.module:
            return [".".join(base + [node.module])]
        return [".".join(base + [alias.name]) for alias in node.names]

    def visit(nodes, top: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse, top)
                continue
            if isinstance(node, ast.Import):
                found.extend((alias.name, top, node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                found.extend((name, top, node.lineno) for name in resolve(node))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(ast.iter_child_nodes(node), False)
            else:
                visit(ast.iter_child_nodes(node), top)

    visit(ast.parse(path.read_text(encoding="utf-8")).body, True)
    return [(name, top, line) for name, top, line in found
            if name == "protocol_kit" or name.startswith("protocol_kit.")]


def _edges():
    """(source module, source group, target group, module level?, line) across groups."""
    for path in sorted(PACKAGE.rglob("*.py")):
        module, _ = _module_name(path)
        source = _group(module)
        for target_module, top, line in _imports(path):
            target = _group(target_module)
            if target != source:
                yield module, source, target, top, line


def test_every_package_has_a_layer():
    groups = {_group(_module_name(p)[0]) for p in PACKAGE.rglob("*.py")}
    assert groups <= set(RANK), f"give these a layer in LAYERS: {sorted(groups - set(RANK))}"


def test_imports_go_down_except_the_listed_accessors():
    upward = [f"{module}:{line} imports protocol_kit.{target} ({'module level' if top else 'in a function'})"
              for module, source, target, top, line in _edges()
              if RANK[target] > RANK[source]
              and (top or target not in ACCESSORS.get(module, set()))]
    assert not upward, "imports that go up a layer:\n" + "\n".join(upward)


def test_every_listed_accessor_is_used():
    """The exception list stays as short as the code needs: each entry is an import that exists."""
    used = {(module, target) for module, source, target, top, _ in _edges() if RANK[target] > RANK[source]}
    listed = {(module, target) for module, targets in ACCESSORS.items() for target in targets}
    assert listed <= used, f"listed but not imported (remove them): {sorted(listed - used)}"


def test_the_packages_form_no_circle():
    graph: dict[str, set[str]] = defaultdict(set)
    for module, source, target, top, _ in _edges():
        if top or target not in ACCESSORS.get(module, set()):
            graph[source].add(target)

    def reachable(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    circles = sorted({tuple(sorted((a, b))) for a in graph for b in reachable(a) if a != b and a in reachable(b)})
    assert not circles, f"packages that import each other (directly or through others): {circles}"


def test_the_check_sees_a_circle_and_an_upward_import(tmp_path):
    """The two checks above would fail on a package that breaks the rules."""
    fake = tmp_path / "protocol_kit"
    (fake / "analysis").mkdir(parents=True)
    (fake / "records").mkdir()
    (fake / "analysis" / "fit.py").write_text("def f():\n    from ..records import run\n")
    (fake / "records" / "run.py").write_text("from ..analysis import fit\n")
    globals()["PACKAGE"] = fake
    try:
        with pytest.raises(AssertionError, match="protocol_kit.analysis.fit:2 imports protocol_kit.records"):
            test_imports_go_down_except_the_listed_accessors()
        with pytest.raises(AssertionError, match=r"\('analysis', 'records'\)"):
            test_the_packages_form_no_circle()
    finally:
        globals()["PACKAGE"] = Path(__file__).resolve().parents[1] / "protocol_kit"


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(PACKAGE.parent)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, f"split these by purpose: {long}"
