"""The ``phiwatch`` command: one Typer app, each capability adding its own sub-app.

This module only wires sub-apps together; commands live in one module per
capability (``phiwatch.cli.registry``, ...), each a thin layer over that
capability's Python API. Domain errors become one-line ``Error: ...``
messages with exit code 1 here, in ``PhiwatchGroup``, and nowhere else.

Sub-apps load when first named: ``phiwatch registry stats`` imports the
registry and not the monitor's DuckDB, the scanner's Hyperscan or the web
stack, which took a second off every command. ``phiwatch --help`` still
lists them all (it loads each to read its help).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from phiwatch import __version__
from phiwatch.cli import _context
from phiwatch.errors import PhiwatchError

# Each capability's sub-app: command name -> (module, attribute). The only list of them.
SUBAPPS: dict[str, tuple[str, str]] = {
    "registry": ("phiwatch.cli.registry", "registry_app"),
    "monitor": ("phiwatch.cli.monitor", "monitor_app"),
    "simulate": ("phiwatch.cli.simulate", "simulate_app"),
    "scan": ("phiwatch.cli.scan", "scan_app"),
    "notify": ("phiwatch.cli.notify", "notify_app"),
    "respond": ("phiwatch.cli.respond", "respond_app"),
    "users": ("phiwatch.cli.security", "users_app"),
    "tokens": ("phiwatch.cli.security", "tokens_app"),
    "audit": ("phiwatch.cli.security", "audit_app"),
    "keys": ("phiwatch.cli.security", "keys_app"),
}


def load_subapp(name: str) -> TyperGroup:
    """Import the module of sub-app ``name`` and build its command group."""
    module, attribute = SUBAPPS[name]
    group = typer.main.get_group(getattr(importlib.import_module(module), attribute))
    group.name = name
    return group


# Values are click commands; typed Any because Typer vendors click without a public alias.
class _LazyCommands(MutableMapping[str, Any]):
    """The root group's commands, with each sub-app built the first time it is looked up."""

    def __init__(self, loaded: MutableMapping[str, Any]) -> None:
        self._loaded = dict(loaded)

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded and name in SUBAPPS:
            self._loaded[name] = load_subapp(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from SUBAPPS
        yield from (name for name in self._loaded if name not in SUBAPPS)

    def __len__(self) -> int:
        return len(SUBAPPS) + sum(name not in SUBAPPS for name in self._loaded)

    def __contains__(self, name: object) -> bool:
        return name in SUBAPPS or name in self._loaded


class PhiwatchGroup(TyperGroup):
    """Root command group that turns every ``PhiwatchError`` into ``Error: ...`` / exit 1."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _LazyCommands(self.commands)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PhiwatchError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from exc


app = typer.Typer(
    name="phiwatch",
    cls=PhiwatchGroup,
    help=(
        "Defend protected health information: the HHS breach registry, access monitoring, "
        "patient alerts, PHI scanning and breach response.\n\n"
        "Example: phiwatch registry import --bundled && phiwatch registry stats --by year"
    ),
    no_args_is_help=True,
    add_completion=False,
    # Tracebacks with local variables could print PHI; never show them.
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"phiwatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    data_dir: Annotated[
        str | None,
        typer.Option(
            "--data-dir",
            help="Directory for phiwatch's data (overrides PHIWATCH_DATA_DIR).",
            show_default=False,
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="SQLAlchemy URL of the store (overrides PHIWATCH_DATABASE_URL).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Global options; they apply to every sub-command."""
    overrides: dict[str, str] = {}
    if data_dir:
        overrides["data_dir"] = data_dir
    if database_url:
        overrides["database_url"] = database_url
    _context.set_overrides(overrides)


# `phiwatch serve` registers itself on `app`; it imports the web stack only when run.
import phiwatch.cli.web  # noqa: E402, F401


def main() -> None:
    """Console-script entry point."""
    app()
