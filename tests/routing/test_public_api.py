"""The routing package's public API, checked from the code (the httpx ``test_exported_members``
way) rather than restated: ``__all__`` is what the package defines, each name resolves and says
what it is, and importing the package stays light."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import types
from pathlib import Path

import pytest

import routing

INIT = Path(routing.__file__)


def test_every_name_in_all_resolves_once_and_has_a_docstring() -> None:
    assert len(routing.__all__) == len(set(routing.__all__))
    for name in routing.__all__:
        value = getattr(routing, name)
        members = typing_union_members(value)
        for member in members:
            assert (inspect.getdoc(member) or "").strip(), f"routing.{name} has no docstring"


def typing_union_members(value: object) -> tuple[object, ...]:
    """The classes a type alias such as ``Decision`` (a union) stands for, else the value itself."""
    return value.__args__ if isinstance(value, types.UnionType) else (value,)


def test_every_public_name_the_package_defines_is_in_all() -> None:
    for name in routing.__all__:
        getattr(routing, name)  # load them all, so vars() holds them
    public = {
        name
        for name, value in vars(routing).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(routing.__all__)


def test_static_imports_name_exactly_the_runtime_exports() -> None:
    """The ``TYPE_CHECKING`` imports (what type checkers see) and ``__all__`` (what loads at run
    time) list the same names, each from the module it is loaded from."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "attr", "") == "TYPE_CHECKING"
    )
    static = {
        alias.asname or alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert set(static) == set(routing.__all__)
    for name, module in static.items():
        assert getattr(sys.modules[module], name) is getattr(routing, name), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        routing.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def test_errors_form_one_hierarchy() -> None:
    for name in ("InvalidInput", "UnknownAgent", "UnknownOffer", "OfferNotActive", "DuplicateEscalation"):
        assert issubclass(getattr(routing, name), routing.RoutingError)


def loaded_by(statement: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has loaded after ``statement``."""
    code = f"import sys; {statement}; print(' '.join(m for m in {modules!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return result.stdout.split()


def test_the_domain_loads_without_the_dispatcher_numpy_or_ortools() -> None:
    assert loaded_by("import routing.domain", ("routing.dispatcher", "numpy", "pydantic", "ortools")) == []


def test_ortools_waits_for_the_first_batch_solve() -> None:
    assert loaded_by("import routing.dispatcher", ("ortools",)) == []
    solve = (
        "import numpy as np; from routing.solver import AssignmentProblem, solve_assignment; "
        "one, zero = np.ones(1, np.int64), np.zeros(1, np.int64); "
        "solve_assignment(AssignmentProblem(one, zero, zero, zero, one, np.ones((1, 1), np.int64), one), 1.0)"
    )
    assert loaded_by(solve, ("ortools",)) == ["ortools"]
