"""The small public surface of monitor and simulate, and docs that keep up with the CLI."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import typer.main

from phiwatch.cli import app

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("package", ["phiwatch.monitor", "phiwatch.simulate"])
def test_all_names_exist_and_private_modules_stay_private(package: str) -> None:
    module = importlib.import_module(package)
    exported = set(module.__all__)
    assert exported, package
    for name in exported:
        assert hasattr(module, name), name
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, type(module))
    }
    assert public == exported


def _commands(capability: str) -> list[str]:
    root = typer.main.get_command(app)
    group = root.commands[capability]  # type: ignore[attr-defined]
    prefix = f"phiwatch {capability}"
    names: list[str] = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            names.extend(f"{prefix} {name} {sub}" for sub in command.commands)
        else:
            names.append(f"{prefix} {name}")
    return names


@pytest.mark.parametrize(
    ("command", "doc"),
    [(c, "monitor.md") for c in _commands("monitor")]
    + [(c, "simulate.md") for c in _commands("simulate")],
)
def test_every_command_is_documented_with_an_example(command: str, doc: str) -> None:
    assert command in (DOCS / doc).read_text(encoding="utf-8")
