"""``phiwatch monitor``: events into the lake, context into the store, detectors, alerts, cases.

See docs/monitor.md (ingest, context) and docs/detectors.md (detection).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from phiwatch import monitor
from phiwatch.cli._context import settings, store
from phiwatch.cli._dates import day_option
from phiwatch.cli._output import FormatOption, OutputFormat, emit, emit_record, say
from phiwatch.cli._progress import make_progress
from phiwatch.errors import InputError

monitor_app = typer.Typer(
    help=(
        "Access monitoring: ingest EHR access logs (FHIR AuditEvent, CSV) into the event "
        "lake, load who-is-who context, detect snooping and exfiltration, review alerts.\n\n"
        "Example: phiwatch monitor ingest logs/ && phiwatch monitor detect && "
        "phiwatch monitor alerts"
    ),
    no_args_is_help=True,
)
context_app = typer.Typer(
    help="Context: patients, workforce and care relationships (FHIR Bulk NDJSON or CSV).",
    no_args_is_help=True,
)
monitor_app.add_typer(context_app, name="context")


class _Bar:
    """A progress callback drawing one bar per stage of the work."""

    def __init__(self) -> None:
        self.progress = make_progress()
        self.tasks: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


@monitor_app.command("ingest")
def ingest_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Event files or directories (.csv, .ndjson, .json).")
    ],
    mapping_file: Annotated[
        Path | None,
        typer.Option("--mapping", help="TOML column mapping for CSV files (see docs/formats.md)."),
    ] = None,
    maps: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help="Map one field to a CSV column, e.g. --map user=UserName; repeatable."
        ),
    ] = None,
    skip_bad: Annotated[
        bool,
        typer.Option("--skip-bad", help="Quarantine bad records into a reject file and go on."),
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="Reject file (default: <data dir>/lake/rejects/<id>.ndjson)."
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Ingest access events into the lake: all files land, or none.

    CSV files use the built-in Epic-style mapping (ACCESS_TIME, USER_ID,
    PAT_ID, METRIC_NAME, WORKSTATION_ID) unless --mapping or --map says
    otherwise. Re-ingesting a file adds nothing.

    Example: phiwatch monitor ingest access_log.csv audit/*.ndjson --skip-bad
    """
    mapping = monitor.load_mapping(mapping_file) if mapping_file else None
    if maps:
        mapping = (mapping or monitor.EPIC).with_overrides(monitor.parse_overrides(maps))
    bar = _Bar()
    with bar.progress:
        result = monitor.ingest(
            settings(),
            paths,
            mapping=mapping,
            skip_bad=skip_bad,
            rejects_path=rejects,
            progress=bar,
        )
    emit_record(result.as_dict(), fmt)
    if result.rejected:
        say(f"{result.rejected} bad record(s) quarantined in {result.rejects_file}")


@context_app.command("load")
def context_load_command(
    paths: Annotated[
        list[Path],
        typer.Argument(help="FHIR Bulk export directory or files, or context CSVs."),
    ],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Load patients, workforce and care relationships as a new context version.

    Example: phiwatch monitor context load export/   (Patient.ndjson, Practitioner.ndjson, ...)
    """
    bar = _Bar()
    with bar.progress:
        result = monitor.load_context(settings(), store(), paths, progress=bar)
    emit_record(result.as_dict(), fmt)


@monitor_app.command("stats")
def stats_command(
    by: Annotated[
        str | None,
        typer.Option("--by", help=f"Break down by one of: {', '.join(monitor.BREAKDOWNS)}."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows in the breakdown.")] = 50,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """What the lake holds: events, days, users, patients, and how much the context covers.

    Example: phiwatch monitor stats --by day -f json
    """
    summary = monitor.lake_stats(settings(), store(), by=by, limit=limit)
    breakdown = summary.pop("breakdown", None)
    if breakdown is not None and fmt is not OutputFormat.json:
        emit(breakdown, fmt)
        return
    if breakdown is not None:
        summary["breakdown"] = breakdown
    emit_record(summary, fmt)


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Detector settings TOML (default: <data dir>/detectors.toml if present)."
    ),
]
NamesOption = Annotated[
    bool,
    typer.Option(
        "--names/--pseudonyms",
        help="Show people's names from the context (PHI) or only short pseudonyms.",
    ),
]


def _detect_once(config_path: Path | None, full: bool, since: date | None) -> dict[str, Any]:
    config = monitor.load_detection_config(settings(), config_path)
    bar = _Bar()
    with bar.progress:
        result = monitor.detect(
            settings(), store(), config=config, full=full, since=since, progress=bar
        )
    return result.as_dict()


@monitor_app.command("detect")
def detect_command(
    since: Annotated[
        str | None,
        typer.Option("--since", help="Look again at every lake day from this date (YYYY-MM-DD)."),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Look at every day of the lake, not only new events.")
    ] = False,
    config_path: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Run the detectors over events not yet looked at, and store alerts in cases.

    Incremental by default: each detector remembers the last ingest it saw.
    Re-running over the same days updates alerts instead of duplicating them.

    Example: phiwatch monitor detect --since 2026-01-01 -f json
    """
    emit_record(_detect_once(config_path, full, day_option(since, "--since")), fmt)


@monitor_app.command("run")
def run_command(
    every: Annotated[
        str, typer.Option("--every", help="Interval between runs: 30s, 5m, 1h.")
    ] = "5m",
    times: Annotated[
        int, typer.Option("--times", help="Stop after this many runs (0: run until stopped).")
    ] = 0,
    config_path: ConfigOption = None,
) -> None:
    """Run incremental detection again and again: a scheduler in one command.

    Each run prints one line to stderr. As a cron line instead:
    */5 * * * * phiwatch monitor detect -f json >> /var/log/phiwatch-detect.ndjson

    Example: phiwatch monitor run --every 5m
    """
    seconds = _interval(every)
    done = 0
    while True:
        summary = _detect_once(config_path, False, None)
        say(
            f"detect: {summary['days']} day(s), {summary['events']} events, "
            f"{summary['new_alerts']} new alert(s) in {summary['seconds']} s"
        )
        done += 1
        if times and done >= times:
            return
        time.sleep(seconds)


def _interval(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        value = float(text[:-1]) * units[text[-1]]
    except (KeyError, ValueError, IndexError):
        raise InputError("--every expects a number and s, m or h, e.g. 5m") from None
    if value <= 0:
        raise InputError("--every must be positive")
    return value


_ALERT_COLUMNS = ["id", "level", "score", "title", "user", "start", "end", "case", "explanation"]


@monitor_app.command("alerts")
def alerts_command(
    detector: Annotated[
        str | None, typer.Option("--detector", help="Only this detector (name or id).")
    ] = None,
    level: Annotated[str | None, typer.Option("--level", help="Only this level.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many alerts.")] = 100,
    names: NamesOption = True,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List alerts, newest first, each with the sentence that explains it.

    JSON objects carry id, detector, title, level, score, user, patients,
    start, end, explanation and evidence (event ids).

    Example: phiwatch monitor alerts --level critical -f json
    """
    detector_id = None
    if detector is not None:
        detector_id = monitor.load_detection_config(settings()).by_name(detector).id
    rows = monitor.list_alerts(store(), detector=detector_id, level=level, limit=limit, names=names)
    emit(rows, fmt, columns=None if fmt is OutputFormat.json else _ALERT_COLUMNS)


@monitor_app.command("alert")
def alert_command(
    alert_id: Annotated[int, typer.Argument(help="The alert's id.")],
    names: NamesOption = True,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show one alert: its sentence, what it broke, and its evidence.

    Example: phiwatch monitor alert 12
    """
    emit_record(monitor.get_alert(store(), alert_id, names=names), fmt)


_CASE_COLUMNS = ["id", "status", "score", "user", "alerts", "opened", "updated"]


@monitor_app.command("cases")
def cases_command(
    status: Annotated[
        str | None,
        typer.Option("--status", help=f"Only cases in one of: {', '.join(monitor.STATUSES)}."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many cases.")] = 100,
    names: NamesOption = True,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List cases (the alerts on one user, together), highest score first.

    Example: phiwatch monitor cases --status new
    """
    rows = monitor.list_cases(store(), status=status, limit=limit, names=names)
    emit(rows, fmt, columns=None if fmt is OutputFormat.json else _CASE_COLUMNS)


@monitor_app.command("explain")
def explain_command(
    user: Annotated[str, typer.Option("--user", help="The user's identifier (clear).")],
    patient: Annotated[str, typer.Option("--patient", help="The patient's identifier (clear).")],
    limit: Annotated[int, typer.Option("--limit", help="At most this many accesses.")] = 500,
    config_path: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Why did this user open this patient's record? Each access with the reason found.

    Example: phiwatch monitor explain --user emp-000017 --patient pat-0001234
    """
    rules = monitor.load_detection_config(settings(), config_path).explain
    rows = monitor.explain_access(
        settings(), store(), user=user, patient=patient, rules=rules, limit=limit
    )
    if not rows:
        say("no access by this user to this patient in the lake")
    emit(rows, fmt, columns=["time", "action", "subtype", "address", "workstation", "reason"])


@monitor_app.command("evaluate")
def evaluate_command(
    labels: Annotated[
        Path, typer.Option("--labels", help="Incident labels (simulator labels/incidents.ndjson).")
    ],
    config_path: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Score the stored alerts against labelled incidents: recall, precision, noise.

    Example: phiwatch monitor evaluate --labels sim/labels/incidents.ndjson
    """
    config = monitor.load_detection_config(settings(), config_path)
    result = monitor.evaluate(settings(), store(), labels, config=config)
    if fmt is OutputFormat.json:
        emit_record(result, fmt)
        return
    kinds = result.pop("kinds")
    emit(kinds, fmt)
    result["benign_alerts_by_detector"] = ", ".join(
        f"{k} {v}" for k, v in sorted(result["benign_alerts_by_detector"].items())
    )
    emit_record(result, fmt)


from phiwatch.cli import monitor_review as _monitor_review  # noqa: E402, F401  (registers queue, assign, acknowledge, dismiss, escalate, case)
