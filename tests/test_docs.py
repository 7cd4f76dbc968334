"""The docs cannot drift from the code: every command and every setting is documented."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from phiwatch.cli import SUBAPPS, app, load_subapp
from phiwatch.config import Settings
from tests.conftest import fresh_python

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(getattr(group, "commands", {}).items()):
        path = (*prefix, name)
        if getattr(command, "commands", None):
            yield from _commands(command, path)
        else:
            yield path


ALL_COMMANDS = list(_commands(typer.main.get_command(app)))


def _all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=" ".join)
def test_every_command_is_documented_with_an_example(command: tuple[str, ...]) -> None:
    invocation = "phiwatch " + " ".join(command)
    assert invocation in _all_docs(), f"`{invocation}` is not shown in any docs/*.md page"


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=" ".join)
def test_every_command_has_help_text(command: tuple[str, ...]) -> None:
    group: Any = typer.main.get_command(app)
    for name in command:
        group = group.commands[name]
    assert (group.help or "").strip(), f"phiwatch {' '.join(command)} has no help text"


@pytest.mark.parametrize("setting", sorted(Settings.model_fields))
def test_every_setting_is_documented(setting: str) -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert f"`{setting}`" in text
    assert f"PHIWATCH_{setting.upper()}" in text


def test_the_readme_names_the_two_commands() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    makefile = (DOCS.parent / "Makefile").read_text(encoding="utf-8")
    assert "\ndemo:" in makefile and "\ntest:" in makefile


@pytest.mark.parametrize("name", sorted(SUBAPPS))
def test_the_root_listing_shows_each_subapps_own_summary(name: str) -> None:
    """``phiwatch --help`` lists sub-apps from kept summaries; they must match the sub-apps."""
    own = (load_subapp(name).help or "").split("\n\n")[0].strip()
    assert SUBAPPS[name].summary == own


def test_root_help_lists_every_subapp_without_importing_them() -> None:
    """In a fresh interpreter, so that modules other tests imported do not count."""
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from phiwatch.cli import SUBAPPS, app\n"
        "result = CliRunner().invoke(app, ['--help'], terminal_width=200)\n"
        "assert result.exit_code == 0, result.output\n"
        "missing = [name for name in SUBAPPS if f' {name} ' not in result.output]\n"
        "loaded = sorted({s.module for s in SUBAPPS.values()} & set(sys.modules))\n"
        "heavy = sorted({'sqlalchemy', 'duckdb', 'pydantic'} & set(sys.modules))\n"
        "print(missing, loaded, heavy)\n"
    )
    assert fresh_python(probe) == "[] [] []"


# The scanner's engines (Hyperscan, Faker's name lists) count too: scan's help once
# built its recognizers for an option's choices.
_HEAVY = {"sqlalchemy", "duckdb", "pyarrow", "numpy", "fastapi", "hyperscan", "faker"}


@pytest.mark.parametrize("name", sorted(SUBAPPS))
def test_subapp_help_imports_no_database_or_dataframe_library(name: str) -> None:
    """``phiwatch NAME --help`` answers without a database, dataframe, web or scanner library."""
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from phiwatch.cli import app\n"
        f"result = CliRunner().invoke(app, [{name!r}, '--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        f"print(sorted(set({sorted(_HEAVY)!r}) & set(sys.modules)))\n"
    )
    assert fresh_python(probe) == "[]"
