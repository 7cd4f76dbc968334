"""``phiwatch scan``: find PHI in files and directories, redact copies (see docs/scan.md).

``phiwatch scan PATH...`` is the default command (``phiwatch scan files``);
the group routes anything that is not a sub-command name to it, as
datasette's default ``serve`` does. Exit codes fit scripts and CI: 0 clean,
1 PHI found, 2 an error (a file that could not be read, a bad option).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from phiwatch import scan
from phiwatch.cli._context import settings
from phiwatch.cli._output import FormatOption, OutputFormat, emit, say
from phiwatch.cli._progress import make_progress
from phiwatch.errors import PhiwatchError
from phiwatch.scan._vocab import RedactionStyle

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
FINDING_COLUMNS = ("file", "location", "line", "offset", "type", "confidence", "text", "reason")


class DefaultToFiles(TyperGroup):
    """A group whose first argument, when not a sub-command, goes to ``files``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args.insert(0, "files")
        return super().parse_args(ctx, args)


scan_app = typer.Typer(
    cls=DefaultToFiles,
    help=(
        "Find PHI (SSNs, MBIs, NPIs, MRNs, dates, names, ...) in files and directories.\n\n"
        "Example: phiwatch scan /srv/share/exports --format csv > findings.csv"
    ),
    no_args_is_help=True,
)


def _config(
    config_file: Path | None,
    enable: list[str] | None,
    disable: list[str] | None,
    min_confidence: float | None,
    max_size_mb: int | None,
) -> scan.ScanConfig:
    if config_file is None:
        default = settings().data_dir / "scan.toml"
        config_file = default if default.is_file() else None
    base = scan.load_scan_config(config_file) if config_file else scan.ScanConfig()
    updates: dict[str, Any] = {}
    if enable:
        updates["enable"] = (*base.enable, *enable)
    if disable:
        updates["disable"] = (*base.disable, *disable)
    if min_confidence is not None:
        updates["min_confidence"] = min_confidence
    if max_size_mb is not None:
        updates["max_file_bytes"] = max_size_mb * 1024 * 1024
    return scan.ScanConfig.model_validate({**base.model_dump(), **updates})


def _redact_target(path: Path, redact_dir: Path | None, used: set[Path]) -> Path:
    name = f"{path.stem}.redacted{path.suffix}"
    target = (redact_dir / name) if redact_dir else path.with_name(name)
    candidate, number = target, 1
    while candidate in used:
        number += 1
        candidate = target.with_name(f"{path.stem}.redacted-{number}{path.suffix}")
    used.add(candidate)
    return candidate


@scan_app.command("files")
def files_command(
    paths: Annotated[list[Path], typer.Argument(help="Files and directories to scan.")],
    fmt: FormatOption = OutputFormat.table,
    show: Annotated[
        bool,
        typer.Option("--show", help="Reveal matched text (for the authorised reviewer only)."),
    ] = False,
    summary: Annotated[
        bool, typer.Option("--summary", help="One row per file (counts by type, risk level).")
    ] = False,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Scan configuration TOML (default: <data dir>/scan.toml when it exists).",
        ),
    ] = None,
    enable: Annotated[
        list[str] | None, typer.Option("--enable", help="Also run this recognizer; repeatable.")
    ] = None,
    disable: Annotated[
        list[str] | None, typer.Option("--disable", help="Do not run this recognizer; repeatable.")
    ] = None,
    min_confidence: Annotated[
        float | None, typer.Option("--min-confidence", help="Report findings at or above (0-1).")
    ] = None,
    max_size_mb: Annotated[
        int | None,
        typer.Option("--max-size", help="Skip DOCX/XLSX/PDF/mail larger than this many MiB."),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Worker processes (default: one per core).")
    ] = None,
    redact: Annotated[
        bool, typer.Option("--redact", help="Write a copy of each file with PHI replaced.")
    ] = False,
    redact_style: Annotated[
        RedactionStyle,
        typer.Option(
            "--redact-style",
            help="label ([SSN]), mask (***-**-****) or pseudonym (keyed, consistent).",
        ),
    ] = RedactionStyle.label,
    redact_dir: Annotated[
        Path | None,
        typer.Option("--redact-dir", help="Where copies go (default: beside each file)."),
    ] = None,
) -> None:
    """Scan files and directories for PHI; exit 0 clean, 1 PHI found, 2 error.

    Example: phiwatch scan exports/ mail.mbox --summary --format json
    """
    try:
        config = _config(config_file, enable, disable, min_confidence, max_size_mb)
        scan.scanner_for(config)  # a bad recognizer name or site pattern fails here, once
        files = list(scan.iter_files(paths))
        key = None
        if redact and redact_style is RedactionStyle.pseudonym:
            from phiwatch.security import derive_key

            key = derive_key(settings(), "scan-pseudonym")
    except PhiwatchError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    reports: list[scan.FileReport] = []
    with make_progress() as progress:
        task = progress.add_task("scanning", total=len(files))
        for report in scan.scan_paths(files, config, jobs=jobs):
            reports.append(report)
            progress.advance(task)
    errors = [r for r in reports if r.error]
    if redact:
        scanner = scan.scanner_for(config)
        used: set[Path] = set()
        for report in reports:
            if report.findings and not report.error:
                source = Path(report.path)
                written = scan.redact_path(
                    source, _redact_target(source, redact_dir, used), scanner, redact_style, key
                )
                say(f"redacted copy: {written}")
    if summary:
        emit([r.summary() for r in reports], fmt)
    else:
        rows = [f.as_dict(show=show) for r in reports for f in r.findings]
        if show and rows:
            _audit_reveal(len(rows), sum(1 for r in reports if r.findings))
        emit(rows, fmt, columns=FINDING_COLUMNS)
    _say_totals(reports)
    for report in errors:
        say(f"Error: {report.path}: {report.error}")
    if errors:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FOUND if any(r.findings for r in reports) else EXIT_CLEAN)


def _audit_reveal(findings: int, files: int) -> None:
    """``--show`` prints PHI: record it in phiwatch's own audit trail first (who, when,
    how much; never the values or the file names, which may hold names)."""
    import getpass

    from phiwatch.cli._context import store
    from phiwatch.security import record_phi_access

    record_phi_access(
        store(),
        action="view",
        who=f"cli:{getpass.getuser()}",
        patients=[],
        purpose=None,
        address=None,
        what="phiwatch scan --show",
        description=f"revealed {findings} finding(s) in {files} file(s)",
    )


def _say_totals(reports: list[scan.FileReport]) -> None:
    totals: Counter[str] = Counter()
    for report in reports:
        totals.update(report.counts)
    with_phi = sum(1 for r in reports if r.findings)
    skipped = sum(1 for r in reports if r.skipped)
    kinds = ", ".join(f"{count} {entity}" for entity, count in totals.most_common())
    say(
        f"{len(reports)} file(s) scanned, {with_phi} with PHI"
        + (f" ({kinds})" if kinds else "")
        + (f", {skipped} skipped" if skipped else "")
    )


@scan_app.command("recognizers")
def recognizers_command(fmt: FormatOption = OutputFormat.table) -> None:
    """List the recognizers, whether they run by default, their patterns and context words.

    Example: phiwatch scan recognizers --format json
    """
    from phiwatch.scan.recognizers import BUILTIN

    rows = []
    for name, cls in BUILTIN.items():
        rows.append(
            {
                "name": name,
                "type": cls.entity,
                "enabled": cls.enabled_by_default,
                "patterns": [p.name for p in cls.PATTERNS],
                "context": list(cls.CONTEXT),
            }
        )
    emit(rows, fmt)


@scan_app.command("gateway")
def gateway_command(
    relay: Annotated[
        str, typer.Option("--relay", help="HOST:PORT of the SMTP server that delivers mail.")
    ],
    listen: Annotated[
        str, typer.Option("--listen", help="HOST:PORT to accept mail on.")
    ] = "127.0.0.1:10025",
    allow_domain: Annotated[
        list[str] | None,
        typer.Option("--allow-domain", help="Recipient domain allowed to receive PHI; repeatable."),
    ] = None,
    reject_at: Annotated[
        str, typer.Option("--reject-at", help="Reject PHI at this risk or above: low/medium/high.")
    ] = "high",
    quarantine_at: Annotated[
        str, typer.Option("--quarantine-at", help="Hold PHI at this risk or above for review.")
    ] = "low",
    quarantine_dir: Annotated[
        Path | None,
        typer.Option("--quarantine-dir", help="Held messages (default: <data dir>/quarantine)."),
    ] = None,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="Scan configuration TOML.")
    ] = None,
) -> None:
    """Run an SMTP relay that scans outgoing mail: deliver, reject (550) or quarantine.

    Ctrl-C or SIGTERM (a service manager's stop) ends it after the message in hand.

    Example: phiwatch scan gateway --listen 127.0.0.1:10025 --relay mail.internal:25
    --allow-domain partner-clinic.org
    """
    import signal
    import threading

    from aiosmtpd.controller import Controller

    try:
        listen_host, listen_port = scan.parse_host_port(listen, "--listen")
        relay_to = scan.parse_host_port(relay, "--relay")
        policy = scan.GatewayPolicy.model_validate(
            {
                "allowed_domains": tuple(allow_domain or ()),
                "reject_at": reject_at,
                "quarantine_at": quarantine_at,
                "quarantine_dir": quarantine_dir or settings().data_dir / "quarantine",
            }
        )
        config = _config(config_file, None, None, None, None)
        handler = scan.GatewayHandler(relay_to, policy, scan.scanner_for(config))
    except (PhiwatchError, ValueError) as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    controller = Controller(handler, hostname=listen_host, port=listen_port)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    # Ctrl-C may come as soon as the port is open, before the wait below: the server's
    # thread is stopped whenever it comes, or the process would wait on it for ever.
    try:
        controller.start()
        say(f"phiwatch gateway on {listen_host}:{listen_port}, relaying to {relay}; Ctrl-C stops")
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop(no_assert=True)
        signal.signal(signal.SIGTERM, previous)
        counts = Counter(action for action, _ in handler.log)
        say(", ".join(f"{n} {action}" for action, n in counts.items()) or "no messages")
