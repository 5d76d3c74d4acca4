"""The public API, checked from the code (the httpx ``test_exported_members`` way), not restated.

For every product module that declares ``__all__``: each name in it exists and, if it is a class
or a function, has a docstring; names are listed once. A package's ``__init__`` exports every
public name it defines or imports (so nothing public hides outside ``__all__``). Every module has a
docstring saying what it is for.
"""

from __future__ import annotations

import importlib
import inspect
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module_names() -> list[str]:
    names = []
    for package in ("routing", "simulator", "reports"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            names.append(".".join(parts))
    return names


MODULES = _module_names()


def _path(name: str) -> Path:
    base = ROOT / name.replace(".", "/")
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


#: Modules that declare a public API (found in the source, so collection imports nothing).
WITH_ALL = [m for m in MODULES if "__all__" in _path(m).read_text(encoding="utf-8")]


@pytest.mark.parametrize("name", MODULES)
def test_module_says_what_it_is_for(name: str) -> None:
    module = importlib.import_module(name)
    assert (module.__doc__ or "").strip(), f"{name} has no module docstring"


@pytest.mark.parametrize("name", WITH_ALL)
def test_all_names_exist_once_and_are_documented(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported)), f"{name}.__all__ lists a name twice"
    for member in exported:
        assert hasattr(module, member), f"{name}.__all__ names {member!r}, which does not exist"
        value = getattr(module, member)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert (value.__doc__ or "").strip(), f"{name}.{member} has no docstring"


@pytest.mark.parametrize(
    "name", [m for m in MODULES if (ROOT / m.replace(".", "/") / "__init__.py").exists()]
)
def test_package_exports_every_public_name(name: str) -> None:
    """A package without ``__all__`` holds no public names of its own (only its submodules)."""
    package = importlib.import_module(name)
    exported = getattr(package, "__all__", ())
    public = {
        member
        for member, value in vars(package).items()
        if not member.startswith("_")
        and not isinstance(value, types.ModuleType)
        and member not in {"annotations", "TYPE_CHECKING"}
    }
    assert public <= set(exported), (
        f"{name} has public names outside __all__: {sorted(public - set(exported))}"
    )
