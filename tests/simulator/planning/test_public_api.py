"""The planner's public API: every public class and function a module defines is in its
``__all__``, every name there exists, and the package exports names from their home modules'
``__all__``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import simulator.planning as planning

MODULES = sorted(m.name for m in pkgutil.walk_packages(planning.__path__, prefix="simulator.planning."))
PACKAGES = ["simulator.planning", *(m for m in MODULES if hasattr(importlib.import_module(m), "__path__"))]


def defined_here(module: ModuleType) -> set[str]:
    """Public classes and functions whose home is ``module`` (not imported into it)."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module.__name__
    }


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_every_public_definition_and_only_names_that_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    assert defined_here(module) <= set(exported), f"{name}: public but not in __all__"
    for attr in exported:
        assert hasattr(module, attr), f"{name}.__all__ names {attr!r}, which does not exist"


def test_the_package_exports_each_name_from_its_home_module() -> None:
    for attr in planning.__all__:
        value = getattr(planning, attr)
        home = getattr(value, "__module__", None)
        if home is not None and home.startswith("simulator.planning."):
            assert attr in importlib.import_module(home).__all__, f"{attr} is not in {home}.__all__"


def test_importing_schedule_results_loads_neither_or_tools_nor_scipy_optimize() -> None:
    """The result types (and the whole package) import without CP-SAT or scipy.optimize: both
    load on first use. Checked in a fresh interpreter, since this one may have loaded them."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, simulator.planning.scheduling.result, simulator.planning;"
        "print(sorted(m for m in sys.modules if m.startswith(('ortools.sat', 'scipy.optimize'))))"
    )
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", PACKAGES)
def test_no_exported_name_hides_a_submodule(name: str) -> None:
    """``from package import x`` must not rebind ``package.x`` when ``x`` is also a submodule
    (``simulator.planning.staffing_groups`` the module, not the function of that name)."""
    package = importlib.import_module(name)
    modules = {m.name for m in pkgutil.iter_modules(package.__path__)}
    assert not modules & set(package.__all__)
