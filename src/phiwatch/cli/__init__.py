"""The ``phiwatch`` command: one Typer app, each capability adding its own sub-app.

This module only wires sub-apps together; commands live in one module per
capability (``phiwatch.cli.registry``, ...), each a thin layer over that
capability's Python API. Domain errors become one-line ``Error: ...``
messages with exit code 1 here, in ``PhiwatchGroup``, and nowhere else.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from phiwatch import __version__
from phiwatch.cli import _context
from phiwatch.errors import PhiwatchError


class PhiwatchGroup(TyperGroup):
    """Root command group that turns every ``PhiwatchError`` into ``Error: ...`` / exit 1."""

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


def _register_subapps() -> None:
    """Each capability's sub-app lives in its own module; this is the only list of them."""
    from phiwatch.cli.monitor import monitor_app
    from phiwatch.cli.notify import notify_app
    from phiwatch.cli.registry import registry_app
    from phiwatch.cli.respond import respond_app
    from phiwatch.cli.scan import scan_app
    from phiwatch.cli.security import audit_app, keys_app, tokens_app, users_app
    from phiwatch.cli.simulate import simulate_app

    app.add_typer(registry_app, name="registry")
    app.add_typer(monitor_app, name="monitor")
    app.add_typer(simulate_app, name="simulate")
    app.add_typer(scan_app, name="scan")
    app.add_typer(notify_app, name="notify")
    app.add_typer(respond_app, name="respond")
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(audit_app, name="audit")
    app.add_typer(keys_app, name="keys")
    # `phiwatch serve` registers itself on `app` when phiwatch.cli.web defines commands.
    import phiwatch.cli.web  # noqa: F401


_register_subapps()


def main() -> None:
    """Console-script entry point."""
    app()
