"""The import direction, checked from the code: routing <- simulator <- reports, and inside them.

Rules (DESIGN.md, "Packages"):

* ``routing`` imports neither ``simulator`` nor ``reports``; the routing core (everything outside
  ``routing.service``) never imports ``routing.service``;
* ``simulator`` never imports ``reports``; inside it, define -> run -> plan: ``simulator.scenario``
  imports no other part of the simulator and not OR-Tools, and the run stage (the modules directly
  in ``simulator/``) never imports ``simulator.planning``;
* no import cycles among the product's modules (module-level imports).

Imports are read with :mod:`ast` from every module, including imports inside functions (lazy
imports still point one way) but not those under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("routing", "simulator", "reports")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, *, module_level_only: bool) -> set[str]:
    """Absolute names of every module ``module`` imports."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and module_level_only:
                continue
            if isinstance(child, ast.Import):
                out.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                submodules = {f"{base}.{alias.name}" for alias in child.names} & MODULES.keys()
                out.update(submodules)
                if len(submodules) < len(child.names):  # names from the module itself, not submodules
                    out.add(base)
            visit(child, top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(tree, True)
    return out


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _violations(importer_prefix: str, forbidden: tuple[str, ...], exempt: tuple[str, ...] = ()) -> list[str]:
    bad = []
    for module in sorted(MODULES):
        if not _within(module, importer_prefix) or any(_within(module, e) for e in exempt):
            continue
        for name in sorted(_imports(module, module_level_only=False)):
            if any(_within(name, f) for f in forbidden):
                bad.append(f"{module} imports {name}")
    return bad


def test_every_product_module_is_seen() -> None:
    assert {"routing.dispatcher", "simulator.model", "simulator.scenario", "reports.cli"} <= set(MODULES)


def test_routing_imports_neither_simulator_nor_reports() -> None:
    assert _violations("routing", ("simulator", "reports")) == []


def test_routing_core_never_imports_the_service() -> None:
    assert _violations("routing", ("routing.service",), exempt=("routing.service",)) == []


def test_simulator_never_imports_reports() -> None:
    assert _violations("simulator", ("reports",)) == []


def test_scenario_stage_imports_no_later_stage_and_no_solver() -> None:
    later = tuple(
        m
        for m in MODULES
        if _within(m, "simulator") and m != "simulator" and not _within(m, "simulator.scenario")
    )
    assert _violations("simulator.scenario", (*later, "ortools", "simpy", "matplotlib")) == []


def test_run_stage_never_imports_planning() -> None:
    run_stage = [
        m
        for m in MODULES
        if m.count(".") == 1 and m.startswith("simulator.") and MODULES[m].name != "__init__.py"
    ]
    assert run_stage, "no run-stage modules found"
    bad = [
        f"{m} imports {name}"
        for m in run_stage
        for name in _imports(m, module_level_only=False)
        if _within(name, "simulator.planning")
    ]
    assert bad == []


def test_no_import_cycles() -> None:
    graph = nx.DiGraph()
    for module in MODULES:
        graph.add_node(module)
        for name in _imports(module, module_level_only=True):
            # an import of a.b.c also runs a and a.b; cycles through a package __init__ count
            if name in MODULES and name != module:
                graph.add_edge(module, name)
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join([*c, c[0]]) for c in cycles[:5])


@pytest.mark.parametrize(
    ("statement", "absent"),
    [
        ("import routing.domain", ("ortools",)),
        (
            "import simulator.scenario",
            ("numpy", "ortools", "simpy", "matplotlib", "scipy", "simulator.planning"),
        ),
        ("import reports.cli", ("numpy", "pydantic", "ortools", "matplotlib", "simulator.model")),
    ],
)
def test_light_imports_stay_light(statement: str, absent: tuple[str, ...]) -> None:
    """What a command needs at start-up does not drag in the heavy stack (checked in a fresh
    interpreter, where nothing else has imported it yet)."""
    code = f"import sys; {statement}; print(' '.join(m for m in {absent!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    assert loaded == "", f"{statement!r} loaded {loaded}"
