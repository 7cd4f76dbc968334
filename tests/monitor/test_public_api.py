"""docs/monitor.md and docs/simulate.md keep up with the CLI (the public surface: tests/test_public_api.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from phiwatch.cli import app

DOCS = Path(__file__).resolve().parents[2] / "docs"


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
