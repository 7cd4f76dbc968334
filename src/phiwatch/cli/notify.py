"""``phiwatch notify``: patient alerts and digests; see docs/notify.md."""

from __future__ import annotations

import re
import time
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from phiwatch import notify
from phiwatch.cli._context import settings, store
from phiwatch.cli._output import FormatOption, OutputFormat, emit, emit_record, say
from phiwatch.errors import InputError

notify_app = typer.Typer(
    help=(
        "Patient alerts: subscriptions, alerts and digests composed from ingested events, "
        "delivery by e-mail and webhooks.\n\n"
        "Example: phiwatch notify subscribe P123 --email pat@example.org --digest daily "
        "&& phiwatch notify run"
    ),
    no_args_is_help=True,
)

_DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")


def parse_every(text: str) -> timedelta:
    """``30s``, ``5m``, ``1h``, ``1d`` (a bare number is seconds)."""
    match = _DURATION.match(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise InputError("expected a duration such as 30s, 5m or 1h", column="--every")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    return timedelta(seconds=int(match.group(1)) * unit)


@notify_app.command("subscribe")
def subscribe_command(
    patient_id: Annotated[str, typer.Argument(help="The patient's id in the context.")],
    email: Annotated[str | None, typer.Option("--email", help="E-mail address.")] = None,
    webhook: Annotated[
        str | None, typer.Option("--webhook", help="URL that receives signed JSON messages.")
    ] = None,
    immediate: Annotated[
        bool | None,
        typer.Option(
            "--immediate/--no-immediate",
            help=(
                "Alert at once on every change and every unexplained access "
                "(default: yes unless a digest is chosen)."
            ),
        ),
    ] = None,
    digest: Annotated[
        str, typer.Option("--digest", help="A digest of all accesses: none, daily or weekly.")
    ] = "none",
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Subscribe a patient (or change their subscription).

    Example: phiwatch notify subscribe P123 --email pat@example.org --immediate --digest weekly
    """
    wants_immediate = immediate if immediate is not None else digest.lower() == "none"
    request = notify.SubscriptionRequest(
        patient_id, email, webhook, wants_immediate, digest.lower()
    )
    result = notify.subscribe(store(), settings(), request)
    emit_record(asdict(result), fmt)


@notify_app.command("unsubscribe")
def unsubscribe_command(
    patient_id: Annotated[str, typer.Argument(help="The patient's id in the context.")],
) -> None:
    """Stop all messages to a patient and withdraw the links already sent.

    Example: phiwatch notify unsubscribe P123
    """
    notify.unsubscribe(store(), settings(), patient_id)
    say("Unsubscribed; links already sent no longer work.")


@notify_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="CSV: patient_id,email,webhook,immediate,digest.")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Subscribe every row of a CSV file, or nobody if a row is bad.

    Example: phiwatch notify import subscribers.csv
    """
    result = notify.import_subscriptions(store(), settings(), path)
    emit_record(asdict(result), fmt)


@notify_app.command("list")
def list_command(
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Show patient ids and addresses in full (PHI).")
    ] = False,
    all_: Annotated[bool, typer.Option("--all", help="Include ended subscriptions.")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Subscriptions, contact details masked unless --reveal.

    Example: phiwatch notify list -f csv
    """
    rows = notify.list_subscriptions(store(), settings(), reveal=reveal, include_inactive=all_)
    emit(
        rows, fmt, columns=["id", "patient_id", "email", "webhook", "immediate", "digest", "active"]
    )


@notify_app.command("revoke-links")
def revoke_links_command(
    patient_id: Annotated[str, typer.Argument(help="The patient's id in the context.")],
) -> None:
    """Withdraw every signed link sent to a patient (new messages get new links).

    Example: phiwatch notify revoke-links P123
    """
    notify.revoke_links(store(), settings(), patient_id)
    say("Links withdrawn.")


@notify_app.command("compose")
def compose_command(
    through: Annotated[
        str | None,
        typer.Option("--through", help="Also close digest periods ending on or before this day."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Turn new ingests into alerts and due periods into digests (the outbox); send nothing.

    Example: phiwatch notify compose --through 2026-05-03
    """
    try:
        until = date.fromisoformat(through) if through else None
    except ValueError:
        raise InputError("expected a day as YYYY-MM-DD", column="--through") from None
    result = notify.compose(settings(), store(), through=until)
    watch = notify.compose_watch_hits(store(), settings())
    emit_record(asdict(result) | {"watch_messages": watch}, fmt)


@notify_app.command("run")
def run_command(
    every: Annotated[
        str | None,
        typer.Option("--every", help="Keep running: compose and deliver every 5m (30s, 1h, ...)."),
    ] = None,
    lease_seconds: Annotated[
        int,
        typer.Option(
            "--lease-seconds",
            min=0,
            help="A message claimed by a sender that died is retried after this long.",
        ),
    ] = 120,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Compose what is new, then deliver everything due (once, or --every interval).

    Example: phiwatch notify run --every 5m
    """
    interval = parse_every(every) if every else None
    while True:
        composed = notify.compose(settings(), store())
        watch = notify.compose_watch_hits(store(), settings())
        delivered = notify.deliver(settings(), store(), lease=timedelta(seconds=lease_seconds))
        record = {
            "ingests": composed.ingests,
            "alerts": composed.alerts,
            "digests": composed.digests,
            "watch_messages": watch,
            "sent": delivered.sent,
            "retrying": delivered.retrying,
            "failed": delivered.failed,
            "bounced": delivered.bounced,
            "deferred": delivered.deferred,
        }
        if interval is None:
            emit_record(record, fmt)
            return
        say(" ".join(f"{k}={v}" for k, v in record.items()))
        time.sleep(interval.total_seconds())


@notify_app.command("status")
def status_command(fmt: FormatOption = OutputFormat.table) -> None:
    """Messages in the outbox by status.

    Example: phiwatch notify status -f json
    """
    emit_record(notify.outbox_counts(store()), fmt)


@notify_app.command("reports")
def reports_command(
    all_: Annotated[bool, typer.Option("--all", help="Closed reports too.")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Patients' answers ("that wasn't me") waiting for the privacy office.

    Example: phiwatch notify reports -f json
    """
    rows = notify.list_reports(store(), settings(), status=None if all_ else "open")
    columns = ["id", "created_at", "verdict", "status", "posts", "patient", "users", "events"]
    emit(rows, fmt, columns=columns)


@notify_app.command("watch-add")
def watch_add_command(
    watch: Annotated[str, typer.Argument(help="The registry watch's name.")],
    email: Annotated[str, typer.Option("--email", help="Where to send its hits.")],
) -> None:
    """Send a registry watch's hits to an e-mail address.

    Example: phiwatch notify watch-add "Acme Health" --email security@example.org
    """
    notify.add_watch_contact(store(), settings(), watch, email)
    say("Added.")


@notify_app.command("watch-remove")
def watch_remove_command(
    watch: Annotated[str, typer.Argument(help="The registry watch's name.")],
    email: Annotated[str, typer.Option("--email", help="The address to remove.")],
) -> None:
    """Stop sending a watch's hits to an address.

    Example: phiwatch notify watch-remove "Acme Health" --email security@example.org
    """
    notify.remove_watch_contact(store(), settings(), watch, email)
    say("Removed.")


@notify_app.command("watch-list")
def watch_list_command(fmt: FormatOption = OutputFormat.table) -> None:
    """Addresses that receive registry watch hits.

    Example: phiwatch notify watch-list
    """
    emit(notify.list_watch_contacts(store(), settings()), fmt, columns=["id", "watch", "email"])
