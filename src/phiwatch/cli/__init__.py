"""The ``phiwatch`` command: one Typer app, each capability adding its own sub-app.

This module only wires sub-apps together; commands live in one module per
capability (``phiwatch.cli.registry``, ...), each a thin layer over that
capability's Python API. Domain errors become one-line ``Error: ...``
messages with exit code 1 here, in ``PhiwatchGroup``, and nowhere else.

Sub-apps load when first named: ``phiwatch registry stats`` imports the
registry and not the monitor's DuckDB, the scanner's Hyperscan or the web
stack, which took a second off every command. ``phiwatch --help`` lists
them from the one-line summaries kept beside their modules, loading none.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from phiwatch import __version__
from phiwatch.cli import _context
from phiwatch.errors import PhiwatchError


@dataclass(frozen=True)
class SubApp:
    """Where a capability's sub-app lives, and the one line ``phiwatch --help`` shows for it.

    The line is kept here so that listing the sub-apps imports none of them
    (importing them all took ``phiwatch --help`` about two seconds); a test
    checks that it is the first paragraph of the sub-app's own help.
    """

    module: str
    attribute: str
    summary: str


# Each capability's sub-app, by command name. The only list of them.
SUBAPPS: dict[str, SubApp] = {
    "registry": SubApp(
        "phiwatch.cli.registry",
        "registry_app",
        "The HHS OCR breach portal: import its exports, search, count, diff, watch.",
    ),
    "monitor": SubApp(
        "phiwatch.cli.monitor",
        "monitor_app",
        "Access monitoring: ingest EHR access logs (FHIR AuditEvent, CSV) into the event "
        "lake, load who-is-who context, detect snooping and exfiltration, review alerts.",
    ),
    "simulate": SubApp(
        "phiwatch.cli.simulate",
        "simulate_app",
        "Synthetic data to try phiwatch on: a hospital with its people, care and access logs.",
    ),
    "scan": SubApp(
        "phiwatch.cli.scan",
        "scan_app",
        "Find PHI (SSNs, MBIs, NPIs, MRNs, dates, names, ...) in files and directories.",
    ),
    "notify": SubApp(
        "phiwatch.cli.notify",
        "notify_app",
        "Patient alerts: subscriptions, alerts and digests composed from ingested events, "
        "delivery by e-mail and webhooks.",
    ),
    "respond": SubApp(
        "phiwatch.cli.respond",
        "respond_app",
        "Breach response: an incident's affected individuals, its scope, the notices owed "
        "and their deadlines.",
    ),
    "users": SubApp("phiwatch.cli.security", "users_app", "Accounts and roles."),
    "tokens": SubApp("phiwatch.cli.security", "tokens_app", "API tokens for scripts (Bearer)."),
    "audit": SubApp(
        "phiwatch.cli.security", "audit_app", "phiwatch's own tamper-evident audit trail."
    ),
    "keys": SubApp("phiwatch.cli.security", "keys_app", "Field-encryption keys."),
}


def load_subapp(name: str) -> TyperGroup:
    """Import the module of sub-app ``name`` and build its command group."""
    entry = SUBAPPS[name]
    group = typer.main.get_group(getattr(importlib.import_module(entry.module), entry.attribute))
    group.name = name
    return group


# Values are click commands; typed Any because Typer vendors click without a public alias.
class _LazyCommands(MutableMapping[str, Any]):
    """The root group's commands, with each sub-app built the first time it is looked up.

    While ``listing`` is set (the root's help is being written), a sub-app not
    yet built is stood in for by a bare command carrying its summary.
    """

    def __init__(self, loaded: MutableMapping[str, Any]) -> None:
        self._loaded = dict(loaded)
        self.listing = False

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded and name in SUBAPPS:
            if self.listing:
                return TyperCommand(name, help=SUBAPPS[name].summary)
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
        self.commands = self._lazy = _LazyCommands(self.commands)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._lazy.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._lazy.listing = False

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
