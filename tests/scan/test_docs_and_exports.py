"""docs/scan.md covers every recognizer and option (the public surface: tests/test_public_api.py)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from phiwatch.cli.scan import files_command, gateway_command
from phiwatch.scan.recognizers import BUILTIN

DOC = Path(__file__).resolve().parents[2] / "docs" / "scan.md"


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_every_recognizer_is_documented(name: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f"`{name}`" in text
    for pattern in BUILTIN[name].PATTERNS:
        assert pattern.name in text, pattern.name


@pytest.mark.parametrize("command", [files_command, gateway_command])
def test_every_option_is_documented(command) -> None:
    text = DOC.read_text(encoding="utf-8")
    source = inspect.getsource(command)
    options = [part.split('"')[1] for part in source.split("typer.Option(")[1:]]
    assert options
    for option in options:
        assert option in text, option
