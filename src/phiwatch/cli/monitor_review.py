"""``phiwatch monitor queue|assign|acknowledge|dismiss|escalate|case``: the review from a shell.

The same functions as the web's review pages (:mod:`phiwatch.monitor` ``_review``),
so a decision taken in either place shows in both. The CLI has no signed-in
account, so each decision is signed ``cli:<operating-system user>`` unless
``--by`` names someone.
"""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from phiwatch import monitor
from phiwatch.cli._context import store
from phiwatch.cli._dates import day_option
from phiwatch.cli._output import FormatOption, OutputFormat, emit, emit_record, say
from phiwatch.cli.monitor import NamesOption, monitor_app

AlertArg = Annotated[int, typer.Argument(help="The alert's id.")]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who decides (recorded); default cli:<your login name>."),
]
NoteOption = Annotated[str | None, typer.Option("--note", help="Why (kept with the decision).")]
_QUEUE_COLUMNS = ["id", "status", "level", "score", "title", "user", "start", "assignee", "case"]


def _signer(by: str | None) -> str:
    return by or f"cli:{getpass.getuser()}"


@monitor_app.command("queue")
def queue_command(
    status: Annotated[
        str,
        typer.Option(
            "--status",
            help=f"Which alerts: {', '.join(monitor.QUEUE_VIEWS)} (active: open or acknowledged).",
        ),
    ] = "active",
    detector: Annotated[
        str | None, typer.Option("--detector", help="Only this detector (its id).")
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user (pseudonym or its first 4+ hex).")
    ] = None,
    assignee: Annotated[
        str | None, typer.Option("--assignee", help="Only alerts assigned to this account.")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="Alerts ending on or after.")] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Alerts starting on or before.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 50,
    names: NamesOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The review queue: alerts to decide on, most severe first, then newest.

    Example: phiwatch monitor queue --status open --since 2026-11-01
    """
    where = monitor.QueueFilter(
        view=status,
        detector=detector,
        user=user,
        assignee=assignee,
        since=day_option(since, "--since"),
        until=day_option(until, "--until"),
    )
    page = monitor.review_queue(store(), where, limit=limit, names=names)
    emit(page.rows, fmt, columns=None if fmt is OutputFormat.json else _QUEUE_COLUMNS)
    if fmt is OutputFormat.table and page.total > len(page.rows):
        say(f"{len(page.rows)} of {page.total} shown; --limit shows more")


@monitor_app.command("assign")
def assign_command(
    alert_id: AlertArg,
    assignee: Annotated[
        str | None,
        typer.Argument(
            help="The account to review it (privacy officer or reviewer); omit to clear."
        ),
    ] = None,
    by: ByOption = None,
) -> None:
    """Assign an alert to a reviewer's account, or clear its assignee.

    Example: phiwatch monitor assign 12 rita
    """
    monitor.assign_alert(store(), alert_id, assignee, by=_signer(by))
    say(f"alert {alert_id}: " + (f"assigned to {assignee}" if assignee else "assignee cleared"))


@monitor_app.command("acknowledge")
def acknowledge_command(alert_id: AlertArg, note: NoteOption = None, by: ByOption = None) -> None:
    """Mark an alert as being looked into.

    Example: phiwatch monitor acknowledge 12 --note "Asked the ward manager"
    """
    monitor.acknowledge_alert(store(), alert_id, by=_signer(by), note=note)
    say(f"alert {alert_id}: acknowledged")


@monitor_app.command("dismiss")
def dismiss_command(
    alert_id: AlertArg,
    reason: Annotated[
        str,
        typer.Option("--reason", help=f"Why: {', '.join(monitor.DISMISS_REASONS)}."),
    ],
    note: NoteOption = None,
    by: ByOption = None,
) -> None:
    """Dismiss an alert as a false positive or as benign, with a reason.

    Example: phiwatch monitor dismiss 12 --reason benign --note "Covering for a colleague"
    """
    monitor.dismiss_alert(store(), alert_id, reason, by=_signer(by), note=note)
    say(f"alert {alert_id}: dismissed ({reason})")


@monitor_app.command("escalate")
def escalate_command(
    alert_id: AlertArg,
    case: Annotated[
        int | None, typer.Option("--case", help="Add it to this open case instead of its own.")
    ] = None,
    note: NoteOption = None,
    by: ByOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Escalate an alert: its case goes under review (or it joins another open case).

    Example: phiwatch monitor escalate 12 --note "Pattern over three weeks"
    """
    case_id = monitor.escalate_alert(store(), alert_id, by=_signer(by), case_id=case, note=note)
    emit_record({"alert": alert_id, "case": case_id, "status": "escalated"}, fmt)


@monitor_app.command("case")
def case_command(
    case_id: Annotated[int, typer.Argument(help="The case's id.")],
    status: Annotated[
        str | None,
        typer.Option("--status", help=f"Set the status: {', '.join(monitor.STATUSES)}."),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Add a note.")] = None,
    by: ByOption = None,
    names: NamesOption = True,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show a case with its alerts and notes, or change its status and add a note.

    Example: phiwatch monitor case 3 --status confirmed --note "Admitted in interview"
    """
    if status is not None or note:
        monitor.update_case(store(), case_id, status=status, note=note, by=_signer(by))
    record = monitor.get_case(store(), case_id, names=names)
    if fmt is OutputFormat.json:
        emit_record(record, fmt)
        return
    alerts = record.pop("alert_list")
    notes = record.pop("notes")
    emit_record(record, fmt)
    if alerts:
        emit(alerts, fmt, columns=["id", "level", "title", "start", "explanation"])
    if notes:
        emit(notes, fmt, columns=["written", "author", "status", "text"])
