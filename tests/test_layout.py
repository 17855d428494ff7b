"""The package's layout: one folder a pipeline stage, imports running down it.

Read from the import statements of every module (imports deferred into
functions count; only those under ``if TYPE_CHECKING:`` do not):
- no import circle between modules;
- no module imports a later stage;
- a stage uses another stage only through the names that stage's
  ``__init__`` exports (``__all__``);
- at most eight modules at the top of ``guixml/``.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "guixml"

#: The pipeline, in order.  A module may import its own stage and earlier ones.
STAGES = ("scheme", "evaluate", "index", "sources", "classify", "policy", "annotate", "stub",
          "report", "api", "cli")
#: Top-level modules every stage may use; what they may import themselves.
SHARED = {"guixml.version": set(), "guixml.atomic": {"guixml.errors"}, "guixml.errors": set(),
          "guixml.config": {"guixml.errors"}}
#: Top-level modules that are the library API and the entry points.
TOP = {"guixml": "api", "guixml.api": "api", "guixml.__main__": "cli"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_module(name: str) -> bool:
    return name in MODULES


class _Imports(ast.NodeVisitor):
    """(imported module, names or None, line) of each import outside TYPE_CHECKING."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.module, self.is_package = module, is_package
        self.found: list[tuple[str, list[str] | None, int]] = []

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
        if name == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == "guixml":
                self.found.append((alias.name, None, node.lineno))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.module.split(".")
            if not self.is_package:
                parts = parts[:-1]
            parts = parts[:len(parts) - node.level + 1]
            base = ".".join(parts + ([base] if base else []))
        if base.split(".")[0] != "guixml":
            return
        modules = [f"{base}.{a.name}" for a in node.names if _is_module(f"{base}.{a.name}")]
        names = [a.name for a in node.names if not _is_module(f"{base}.{a.name}")]
        for module in modules:
            self.found.append((module, None, node.lineno))
        if names:
            self.found.append((base, names, node.lineno))


def _imports(module: str) -> list[tuple[str, list[str] | None, int]]:
    path = MODULES[module]
    visitor = _Imports(module, path.name == "__init__.py")
    visitor.visit(ast.parse(path.read_text("utf-8"), str(path)))
    return visitor.found


GRAPH = {module: _imports(module) for module in MODULES}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in STAGES:
        return parts[1]
    return TOP.get(module)


def _packages_run(module: str, target: str) -> set[str]:
    """TARGET and the packages Python runs (their __init__) to import it from MODULE."""
    parts = target.split(".")
    ancestors = {".".join(parts[:i]) for i in range(2, len(parts))}
    mine = module.split(".")
    own = {".".join(mine[:i]) for i in range(1, len(mine) + 1)}
    return ({target} | ancestors) - own


def test_no_import_circle():
    edges = {m: {t for target, _, _ in GRAPH[m] for t in _packages_run(m, target)
                 if t in MODULES and t != m}
             for m in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def connect(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(MODULES):
        if module not in index:
            connect(module)
    assert circles == []


def test_imports_run_down_the_pipeline():
    wrong = []
    for module, imports in GRAPH.items():
        if module in SHARED:
            wrong += [(module, t) for t, _, _ in imports if t not in SHARED[module]]
            continue
        mine = _stage(module)
        for target, _, line in imports:
            theirs = _stage(target)
            if target in SHARED or theirs is None:
                continue
            if mine is None or STAGES.index(theirs) > STAGES.index(mine):
                wrong.append((f"{module}:{line}", target))
    assert wrong == []


def test_stages_use_each_other_through_their_exports():
    private = []
    for module, imports in GRAPH.items():
        mine = _stage(module)
        for target, names, line in imports:
            theirs = _stage(target)
            if theirs is None or theirs == mine or theirs in ("api", "cli"):
                continue
            exported = set(importlib.import_module(f"guixml.{theirs}").__all__)
            if names is None:
                private.append((f"{module}:{line}", target, "whole module"))
            else:
                private += [(f"{module}:{line}", target, n) for n in names if n not in exported]
    assert private == []


def test_a_stage_does_not_import_its_own_package():
    # A stage's __init__ imports its modules; one of them importing the package
    # back would be a circle through the __init__.
    for module, imports in GRAPH.items():
        stage = _stage(module)
        own = f"guixml.{stage}"
        if stage in STAGES[:-2] and module != own:
            assert [t for t, names, _ in imports if t == own and names] == [], module


@pytest.mark.parametrize("stage", [s for s in STAGES if (PACKAGE / s).is_dir()])
def test_each_stage_says_what_it_takes_and_gives(stage):
    package = importlib.import_module(f"guixml.{stage}")
    assert package.__doc__ and len(package.__doc__.strip().splitlines()) >= 3
    assert all(hasattr(package, name) for name in getattr(package, "__all__", ()))


def test_few_modules_at_the_top():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top
