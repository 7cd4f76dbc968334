"""``phiwatch respond``: incidents, affected individuals, scope, deadlines (docs/respond.md).

Thin over :mod:`phiwatch.respond`: each command parses its options, calls the
package, and prints rows or a record.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from phiwatch import respond
from phiwatch.cli._context import settings, store
from phiwatch.cli._output import FormatOption, OutputFormat, emit, emit_record, say
from phiwatch.errors import InputError

respond_app = typer.Typer(
    help=(
        "Breach response: an incident's affected individuals, its scope, the notices owed "
        "and their deadlines.\n\nExample: phiwatch respond open 'Stolen laptop' "
        "--discovered 2026-03-02"
    ),
    no_args_is_help=True,
)

_LIST_COLUMNS = ("id", "title", "status", "discovered", "individuals", "opened")
_STATUS_COLUMNS = ("incident", "title", "notice", "section", "due", "days_left", "overdue", "done")
IncidentArg = Annotated[int, typer.Argument(help="The incident's id.")]
ElementsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--elements",
        help=f"PHI elements this source involved, beyond what phiwatch derives: "
        f"{', '.join(respond.ELEMENTS)} (comma-separated or repeated).",
    ),
]


def _day(value: str | None, option: str) -> date | None:
    return respond.parse_day(value, option) if value else None


def _time(value: str, option: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} expects times as YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None


def _show_scope(result: dict[str, Any], fmt: OutputFormat) -> None:
    scope = dict(result["scope"]) if "scope" in result else dict(result)
    changes = scope.pop("changes", [])
    if fmt is OutputFormat.json:
        emit_record(result, fmt)
        return
    emit_record(scope, fmt)
    for change in changes:
        say(f"changed: {change}")


@respond_app.command("open")
def open_command(
    title: Annotated[str, typer.Argument(help="A short title (no patient names).")],
    discovered: Annotated[
        str, typer.Option("--discovered", help="The day the breach was discovered (YYYY-MM-DD).")
    ],
    occurred_from: Annotated[
        str | None, typer.Option("--occurred-from", help="First day of the breach.")
    ] = None,
    occurred_to: Annotated[
        str | None, typer.Option("--occurred-to", help="Last day of the breach.")
    ] = None,
    from_case: Annotated[
        int | None,
        typer.Option("--from-case", help="A confirmed monitor case: its patients are affected."),
    ] = None,
    business_associate: Annotated[
        bool,
        typer.Option(
            "--business-associate", help="We are a business associate (164.410 notice owed)."
        ),
    ] = False,
    delay_until: Annotated[
        str | None,
        typer.Option("--delay-until", help="Law-enforcement delay (164.412) ends on this day."),
    ] = None,
    delay_from: Annotated[
        str | None,
        typer.Option(
            "--delay-from", help="The delay was requested on this day (default: discovery)."
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Open an incident, optionally from a confirmed monitor case.

    Example: phiwatch respond open "Bulk export" --discovered 2026-03-02 --from-case 4
    """
    dates: dict[str, Any] = {
        "occurred_from": _day(occurred_from, "--occurred-from"),
        "occurred_to": _day(occurred_to, "--occurred-to"),
        "business_associate": business_associate,
        "delay_from": _day(delay_from, "--delay-from"),
        "delay_until": _day(delay_until, "--delay-until"),
    }
    found = respond.parse_day(discovered, "--discovered")
    if from_case is not None:
        result = respond.open_from_case(
            settings(), store(), title, case_id=from_case, discovered=found, **dates
        )
        say(f"Opened incident {result['incident']} with {result['found']:,} individuals")
        _show_scope(result, fmt)
        return
    incident = respond.open_incident(store(), title, discovered=found, **dates)
    say(f"Opened incident {incident}; add sources with phiwatch respond add {incident} ...")
    emit_record(respond.get_incident(store(), incident), fmt)


@respond_app.command("add")
def add_command(
    incident: IncidentArg,
    case: Annotated[int | None, typer.Option("--case", help="A confirmed monitor case.")] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Lake query: every patient this user touched.")
    ] = None,
    address: Annotated[
        str | None,
        typer.Option("--address", help="Lake query: every patient this network address touched."),
    ] = None,
    between: Annotated[
        tuple[str, str] | None,
        typer.Option("--between", help="Lake query: only between these two times (T1 T2)."),
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="A CSV list with a patient_id column.")
    ] = None,
    scan_paths: Annotated[
        list[Path] | None,
        typer.Option("--scan", help="Files or folders: patients whose MRNs appear in them."),
    ] = None,
    elements: ElementsOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Add one source of affected individuals to an incident and recompute its scope.

    Give exactly one kind: --case, a lake query (--user/--address [--between T1 T2]),
    --csv or --scan (repeatable).

    Example: phiwatch respond add 1 --user emp-17 --between 2026-02-01 2026-03-01
    """
    window = between if between and all(between) else None
    kinds = [
        case is not None,
        user is not None or address is not None or window is not None,
        csv_file is not None,
        bool(scan_paths),
    ]
    if sum(kinds) != 1:
        raise InputError("give exactly one source: --case, --user/--address, --csv or --scan")
    if case is not None:
        found = respond.from_case(settings(), store(), case)
    elif csv_file is not None:
        found = respond.from_csv(settings(), store(), csv_file)
    elif scan_paths:
        found = respond.from_scan(settings(), store(), scan_paths)
    else:
        span = (_time(window[0], "--between"), _time(window[1], "--between")) if window else None
        found = respond.from_lake(settings(), user=user, address=address, between=span)
    result = respond.add_source(store(), incident, found, elements=elements or [])
    say(f"Source {result['source']} ({result['kind']}): {result['found']:,} individuals")
    _show_scope(result, fmt)


@respond_app.command("scope")
def scope_command(incident: IncidentArg, fmt: FormatOption = OutputFormat.table) -> None:
    """Recompute an incident's scope from its sources and show what changed.

    Example: phiwatch respond scope 1 -f json
    """
    _show_scope(respond.compute_scope(store(), incident), fmt)


@respond_app.command("list")
def list_command(
    status: Annotated[
        str | None, typer.Option("--status", help="Only incidents that are open or closed.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List incidents, newest first, with how many individuals each affects.

    Example: phiwatch respond list --status open
    """
    if status is not None and status not in ("open", "closed"):
        raise InputError(f"--status expects open or closed, not {status!r}")
    rows = respond.list_incidents(store(), status=status)
    emit(rows, fmt, columns=None if fmt is OutputFormat.json else _LIST_COLUMNS)


@respond_app.command("show")
def show_command(incident: IncidentArg, fmt: FormatOption = OutputFormat.table) -> None:
    """Show an incident: its dates, sources, latest scope and the notices it owes.

    Example: phiwatch respond show 1
    """
    record = respond.get_incident(store(), incident)
    owed = respond.incident_obligations(store(), incident, settings=settings())
    if fmt is OutputFormat.json:
        history = respond.assessments(store(), incident)
        emit_record({**record, "obligations": owed, "assessments": history}, fmt)
        return
    sources = record.pop("sources")
    emit_record(record, fmt)
    if sources:
        emit(sources, fmt, columns=["id", "kind", "individuals", "elements", "exported", "detail"])
    emit(owed, fmt, columns=_STATUS_COLUMNS[2:])


@respond_app.command("assess")
def assess_command(
    incident: IncidentArg,
    by: Annotated[str, typer.Option("--by", help="Who decides (recorded with the version).")],
    answer: Annotated[
        list[str] | None,
        typer.Option("--answer", help="QUESTION=VALUE, e.g. mitigation=assurances (repeatable)."),
    ] = None,
    accept: Annotated[
        bool,
        typer.Option("--accept", help="Take the pre-filled answers without asking."),
    ] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Assess whether an incident is a reportable breach (45 CFR 164.402); saves a new version.

    Asks each question with phiwatch's pre-filled answer as the default
    (press Enter to keep it) unless --accept; --answer sets answers up front.

    Example: phiwatch respond assess 1 --by "P. Officer" --answer mitigation=assurances --accept
    """
    given: dict[str, str] = {}
    for item in answer or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--answer expects QUESTION=VALUE, not {item!r}")
        given[name.strip()] = value
    answers = respond.with_answers(respond.prefill(store(), incident), given)
    if not accept:
        say(f"PHI elements involved: {', '.join(answers.elements) or 'none recorded'}")
        asked: dict[str, str] = {}
        for name in respond.answer_names():
            if name in given:
                continue
            current = getattr(answers, name)
            default = current if isinstance(current, str) else ("yes" if current else "no")
            asked[name] = typer.prompt(respond.QUESTIONS[name], default=default, err=True)
        answers = respond.with_answers(answers, asked)
    record = respond.save_assessment(store(), incident, answers, decided_by=by)
    verdict = "breach: notify" if record["result"] == "notify" else "low probability: no notice"
    say(f"Incident {incident}, assessment version {record['version']}: {verdict}")
    emit_record(record, fmt)


@respond_app.command("assessments")
def assessments_command(incident: IncidentArg, fmt: FormatOption = OutputFormat.table) -> None:
    """Every version of an incident's risk assessment, oldest first (none is ever edited).

    Example: phiwatch respond assessments 1 -f json
    """
    rows = respond.assessments(store(), incident)
    emit(
        rows,
        fmt,
        columns=None
        if fmt is OutputFormat.json
        else ("version", "decided_by", "decided_at", "result", "reasons"),
    )


@respond_app.command("status")
def status_command(
    today: Annotated[
        str | None, typer.Option("--today", help="Count days left from this day (default: today).")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Every open incident's notices: done, due, days left and overdue, most urgent first.

    Example: phiwatch respond status
    """
    rows = respond.status(store(), today=_day(today, "--today"), settings=settings())
    emit(rows, fmt, columns=None if fmt is OutputFormat.json else _STATUS_COLUMNS)
    overdue = sum(1 for r in rows if r["overdue"])
    if overdue:
        say(f"{overdue} notice(s) overdue")


@respond_app.command("done")
def done_command(
    incident: IncidentArg,
    notice: Annotated[str, typer.Argument(help=f"One of: {', '.join(respond.NOTICES)}.")],
    on: Annotated[
        str | None, typer.Option("--on", help="The day it was given (default: today).")
    ] = None,
) -> None:
    """Record that a notice owed by an incident was given.

    Example: phiwatch respond done 1 individuals --on 2026-04-10
    """
    respond.mark_done(store(), incident, notice, on=_day(on, "--on") or date.today())
    say(f"Incident {incident}: {notice} notice recorded")


@respond_app.command("close")
def close_command(incident: IncidentArg) -> None:
    """Close an incident: it leaves ``respond status``; its record stays.

    Example: phiwatch respond close 1
    """
    respond.close_incident(store(), incident)
    say(f"Incident {incident} closed")


from phiwatch.cli import respond_more as _respond_more  # noqa: E402, F401  (registers match, evidence, remind, rules)
from phiwatch.cli import respond_notices as _respond_notices  # noqa: E402, F401  (registers facts, letters, proof, mailhouse, email, substitute, media, hhs-report)
