"""``phiwatch respond match|evidence|remind|rules``: leaked files, evidence packs, reminders.

Registered on ``respond_app`` (imported at the end of ``cli/respond.py``);
thin over :mod:`phiwatch.respond` like the rest of the sub-app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from phiwatch import respond
from phiwatch.cli._context import settings, store
from phiwatch.cli._output import FormatOption, OutputFormat, emit, emit_record, say
from phiwatch.cli.respond import respond_app
from phiwatch.errors import InputError

_MATCH_COLUMNS = ("patient", "strength", "matched_on", "rows", "first_seen")
_RULE_COLUMNS = (
    "state",
    "citation",
    "individual_days",
    "regulator_threshold",
    "regulator_days",
    "checked",
    "origin",
)


@respond_app.command("match")
def match_command(
    files: Annotated[list[Path], typer.Argument(help="The leaked files: CSV, TSV, text, XLSX.")],
    incident: Annotated[
        int | None,
        typer.Option("--incident", help="Add the matched patients to this incident as a source."),
    ] = None,
    min_strength: Annotated[
        str,
        typer.Option("--min-strength", help="With --incident: add matches this strong or more."),
    ] = "medium",
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Which of our patients a leaked file contains, by keyed hashes (no leaked value is shown).

    Example: phiwatch respond match dump.csv --incident 1
    """
    if min_strength not in respond.STRENGTHS:
        raise InputError(f"--min-strength expects one of {', '.join(respond.STRENGTHS)}")
    result = respond.match_files(settings(), store(), files)
    summary = result.summary()
    if incident is not None:
        added = respond.add_source(store(), incident, result.found(min_strength=min_strength))
        summary["incident_source"] = added["source"]
        say(
            f"Source {added['source']} (match) on incident {incident}: "
            f"{added['found']:,} individuals ({min_strength} or stronger)"
        )
    if result.not_matchable:
        say(
            f"Not matchable: {', '.join(result.not_matchable)} (the patient context holds none); "
            "matched on medical record numbers and names with dates of birth"
        )
    if fmt is OutputFormat.json:
        emit_record({**summary, "matches": result.matches}, fmt)
        return
    say(
        f"{result.rows:,} rows read, {result.matched_rows:,} matched: "
        + ", ".join(f"{s} {result.by_strength.get(s, 0):,}" for s in respond.STRENGTHS)
    )
    emit(result.matches, fmt, columns=_MATCH_COLUMNS)


@respond_app.command("evidence")
def evidence_command(
    incident: Annotated[
        int | None, typer.Argument(help="The incident's id (not with --verify).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="The zip file to write.")] = None,
    verify: Annotated[
        Path | None, typer.Option("--verify", help="Check a pack's SHA-256 sums instead.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Write an incident's evidence pack (zip with a SHA-256 MANIFEST), or verify one.

    Example: phiwatch respond evidence 1 --out incident-1.zip
    """
    if verify is not None:
        if incident is not None or out is not None:
            raise InputError("--verify takes no INCIDENT and no --out")
        report = respond.verify_pack(verify)
        emit_record(report, fmt)
        if not report["ok"]:
            raise typer.Exit(1)
        return
    if incident is None or out is None:
        raise InputError("give INCIDENT and --out FILE.zip (or --verify FILE.zip)")
    written = respond.write_pack(settings(), store(), incident, out)
    say(f"Evidence pack for incident {incident}: {written['files']} files in {out}")
    emit_record(written, fmt)


@respond_app.command("remind")
def remind_command(
    today: Annotated[
        str | None, typer.Option("--today", help="Act as if today were this day (YYYY-MM-DD).")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Queue deadline reminders (30, 14, 7, 1 days before) to the privacy officer; run daily.

    Example: phiwatch respond remind --today 2026-04-01
    """
    day = respond.parse_day(today, "--today") if today else None
    result = respond.remind(store(), settings(), today=day)
    say(
        f"{len(result['queued'])} reminder(s) queued, {result['already_queued']} already queued; "
        "phiwatch notify send delivers them"
    )
    emit(
        result["queued"],
        fmt,
        columns=None
        if fmt is OutputFormat.json
        else ("incident", "notice", "due", "days_left", "reminder"),
    )


@respond_app.command("rules")
def rules_command(fmt: FormatOption = OutputFormat.table) -> None:
    """The state breach-notification rules in force: shipped (cited) and your own file's.

    Example: phiwatch respond rules -f json
    """
    rows = [rule.as_dict() for rule in respond.state_rules(settings()).values()]
    emit(rows, fmt, columns=None if fmt is OutputFormat.json else _RULE_COLUMNS)
