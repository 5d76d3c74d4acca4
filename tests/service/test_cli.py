"""``handoff serve`` without the HTTP stack installed says which extra to install (exit 2)."""

from __future__ import annotations

import builtins
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from routing.service.cli import serve


def test_serve_without_the_service_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_fastapi(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "fastapi":
            raise ModuleNotFoundError("No module named 'fastapi'", name="fastapi")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_fastapi)
    app = typer.Typer()
    app.command()(serve)
    app.command("other")(lambda: None)
    result = CliRunner().invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "pip install 'handoff[service]'" in result.stderr
    assert "fastapi is not installed" in result.stderr
