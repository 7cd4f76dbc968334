"""``phiwatch registry``: the HHS OCR breach portal data, imported, searched, counted, diffed."""

from __future__ import annotations

import calendar
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from phiwatch import registry
from phiwatch.cli._context import store
from phiwatch.cli._output import FormatOption, OutputFormat, emit, emit_record, plain, say
from phiwatch.cli._progress import progress_over
from phiwatch.errors import InputError

registry_app = typer.Typer(
    help=(
        "The HHS OCR breach portal: import its exports, search, count, diff, watch.\n\n"
        "Start with: phiwatch registry import --bundled"
    ),
    no_args_is_help=True,
)
watch_app = typer.Typer(
    help="Watch organisations: imports report their new and changed breaches.",
    no_args_is_help=True,
)
registry_app.add_typer(watch_app, name="watch")


# --- shared filter options (list and stats take the same ones) ------------------------------

EntityOpt = Annotated[
    str | None,
    typer.Option(
        "--entity",
        help="Entity name words, matched whole and in order, ignoring case, punctuation and "
        'suffixes such as Inc. or LLC ("anthem" finds "Anthem, Inc.").',
        show_default=False,
    ),
]
StateOpt = Annotated[
    list[str] | None, typer.Option("--state", help="2-letter state code; repeatable.")
]
EntityTypeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--entity-type",
        help="provider, plan, associate or clearinghouse (or the portal's label); repeatable.",
    ),
]
TypeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--type",
        help="Type of breach: hacking, unauthorized, theft, loss, disposal, other, unknown; "
        "repeatable (any of them).",
    ),
]
LocationOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--location",
        help="Where the PHI was: server, email, paper, laptop, emr, desktop, portable, other; "
        "repeatable (any of them).",
    ),
]
BusinessAssociateOpt = Annotated[
    bool | None,
    typer.Option(
        "--business-associate/--no-business-associate",
        help="Only breaches where a business associate was (or was not) present.",
        show_default=False,
    ),
]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="Submitted on or after: YYYY, YYYY-MM or YYYY-MM-DD.",
        show_default=False,
    ),
]
UntilOpt = Annotated[
    str | None,
    typer.Option(
        "--until",
        help="Submitted on or before: YYYY, YYYY-MM or YYYY-MM-DD (a year or month "
        "means its last day).",
        show_default=False,
    ),
]
MinAffectedOpt = Annotated[
    int | None,
    typer.Option("--min-affected", help="At least this many individuals affected.", min=0),
]
StatusOpt = Annotated[
    registry.ListName | None,
    typer.Option("--status", help="Which portal list: archive or investigation."),
]


def parse_day(text: str | None, *, end: bool, option: str) -> date | None:
    """``2015`` / ``2015-02`` / ``2015-02-13``; a year or month is its first or last day."""
    if text is None:
        return None
    parts = text.strip().split("-")
    try:
        if len(parts) == 1:
            year = int(parts[0])
            return date(year, 12, 31) if end else date(year, 1, 1)
        if len(parts) == 2:
            year, month = int(parts[0]), int(parts[1])
            last = calendar.monthrange(year, month)[1]
            return date(year, month, last if end else 1)
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{option} {text!r}: expected YYYY, YYYY-MM or YYYY-MM-DD") from None


def build_filter(
    entity: str | None,
    state: list[str] | None,
    entity_type: list[str] | None,
    breach_type: list[str] | None,
    location: list[str] | None,
    business_associate: bool | None,
    since: str | None,
    until: str | None,
    min_affected: int | None,
    status: registry.ListName | None,
) -> registry.BreachFilter:
    return registry.BreachFilter.from_user(
        entity=entity,
        states=state or (),
        entity_types=entity_type or (),
        types=breach_type or (),
        locations=location or (),
        business_associate=business_associate,
        since=parse_day(since, end=False, option="--since"),
        until=parse_day(until, end=True, option="--until"),
        min_affected=min_affected,
        status=status.value if status else None,
    )


# --- import --------------------------------------------------------------------------------

_KIND_WORDS = {
    "new": "new",
    "updated": "updated",
    "moved": "moved to the archive",
    "relisted": "back on its list",
    "delisted": "no longer on its list",
}


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _describe_change(field: str, change: Any) -> str:
    old, new = change
    if field == "description":
        return "description: " + ("added" if not old else "removed" if not new else "revised")
    return f"{field}: {_shown(old)} -> {_shown(new)}"


def _print_summary(summary: registry.ImportSummary, show_changes: int) -> None:
    head = (
        f"[bold]{summary.file}[/bold] ({summary.list_name.value} list, as of "
        f"{summary.as_of.isoformat()}): {summary.records:,} records"
    )
    say(head)
    if summary.skipped:
        say(f"  skipped: {summary.skipped}")
        return
    if not summary.changed:
        same = f" (same file as import #{summary.identical_to})" if summary.identical_to else ""
        say(f"  No changes: every record matches the registry{same}. Nothing was written.")
        return
    say(
        f"  import #{summary.import_id}: {summary.new:,} new, {summary.updated:,} updated, "
        f"{summary.moved:,} moved between lists, {summary.relisted:,} back on a list, "
        f"{summary.delisted:,} no longer listed, {summary.unchanged:,} unchanged"
    )
    if summary.repeated_rows:
        say(
            f"  {summary.repeated_rows:,} row(s) repeat another row exactly; kept as separate "
            "reports, as the portal lists them."
        )
    if summary.delisted and summary.list_name is registry.ListName.investigation:
        say(
            "  Breaches no longer under investigation have usually been moved to the archive: "
            "import a newer archive export to see their final details."
        )
    order = {"updated": 0, "moved": 1, "relisted": 2, "new": 3, "delisted": 4}
    shown = sorted(summary.deltas, key=lambda d: order[d.kind])[:show_changes]
    for delta in shown:
        details = "; ".join(
            _describe_change(f, c) for f, c in delta.changes.items() if f != "listed"
        )
        say(
            f"  {_KIND_WORDS[delta.kind]:<22} {delta.uid}  {delta.entity_name.strip()} "
            f"({delta.submitted_on.isoformat()}){': ' + details if details else ''}"
        )
    hidden = len(summary.deltas) - len(shown)
    if hidden > 0:
        say(f"  ... and {hidden:,} more changes (--show-changes N, or --format json for all)")
    for match in summary.watch_matches:
        say(
            f"  [bold]watched[/bold] {match.watch!r}: {match.kind} breach {match.uid} "
            f"{match.entity_name.strip()}"
        )


def _summary_record(summary: registry.ImportSummary) -> dict[str, Any]:
    record = asdict(summary)
    record["list_name"] = summary.list_name.value
    record["changed"] = summary.changed
    record["deltas"] = [
        {**asdict(d), "changes": {k: list(v) for k, v in d.changes.items()}} for d in summary.deltas
    ]
    return dict(plain(record))


@registry_app.command("import")
def import_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Portal exports: breach_report.csv (optionally .gz), .xls or .xlsx.",
            show_default=False,
        ),
    ] = None,
    bundled: Annotated[
        bool,
        typer.Option(
            "--bundled", help="Import the portal snapshot shipped with phiwatch (works offline)."
        ),
    ] = False,
    list_name: Annotated[
        registry.ListName | None,
        typer.Option(
            "--list",
            help="Which portal list the file is. Default: archive when it has case "
            "descriptions, else investigation.",
            show_default=False,
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Date the export was downloaded (YYYY-MM-DD). Default: the day the file was "
            "saved, or its newest submission date if later.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Import even if older than the last import of its list.")
    ] = False,
    show_changes: Annotated[
        int, typer.Option("--show-changes", help="How many changed breaches to list.", min=0)
    ] = 20,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Import HHS OCR breach portal exports, as downloaded, and report what changed.

    Each file is one transaction: it lands completely or not at all. Re-importing
    a file changes nothing and says so. A breach keeps its id across exports, so
    a case that moves from "under investigation" to the archive is updated, not
    duplicated.

    Example: phiwatch registry import ~/Downloads/breach_report.csv
    """
    paths = list(files or [])
    if not paths and not bundled:
        raise InputError("give export files to import, or --bundled for the shipped snapshot")
    snapshot = parse_day(as_of, end=False, option="--as-of") if as_of else None
    summaries: list[registry.ImportSummary] = []
    if bundled:
        summaries.extend(registry.import_bundled(store()))
    for path in progress_over(paths, "Importing", enabled=len(paths) > 1):
        summaries.append(
            registry.import_file(store(), path, list_name=list_name, as_of=snapshot, force=force)
        )
    if fmt is OutputFormat.table:
        for summary in summaries:
            _print_summary(summary, show_changes)
        return
    emit([_summary_record(s) for s in summaries], fmt)


# --- list, show, stats, imports ------------------------------------------------------------

_LIST_COLUMNS = (
    "id",
    "submitted",
    "entity",
    "state",
    "entity_type",
    "individuals_affected",
    "types",
    "locations",
    "status",
)


@registry_app.command("list")
def list_command(
    entity: EntityOpt = None,
    state: StateOpt = None,
    entity_type: EntityTypeOpt = None,
    breach_type: TypeOpt = None,
    location: LocationOpt = None,
    business_associate: BusinessAssociateOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    min_affected: MinAffectedOpt = None,
    status: StatusOpt = None,
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            help="submitted, affected, entity or state; prefix - for descending (-affected).",
        ),
    ] = registry.DEFAULT_SORT,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows.", min=1)] = 50,
    offset: Annotated[int, typer.Option("--offset", help="Skip this many rows.", min=0)] = 0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List breaches, filtered and sorted.

    Example: phiwatch registry list --type hacking --since 2015 --until 2015 --sort=-affected
    """
    filters = build_filter(
        entity, state, entity_type, breach_type, location, business_associate,
        since, until, min_affected, status,
    )  # fmt: skip
    rows = registry.list_breaches(store(), filters, sort=sort, limit=limit, offset=offset)
    total, individuals = registry.count_breaches(store(), filters)
    emit(rows, fmt, columns=_LIST_COLUMNS if fmt is OutputFormat.table else None)
    if fmt is OutputFormat.table:
        say(
            f"{len(rows):,} shown of {total:,} matching breaches "
            f"({individuals:,} individuals affected)"
        )


@registry_app.command("show")
def show_command(
    breach_id: Annotated[str, typer.Argument(help="Breach id (or its first 4+ characters).")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """One breach: every field, OCR's description, its history across imports.

    Example: phiwatch registry show 1ec6d8f7a9
    """
    record = registry.get_breach(store(), breach_id)
    if fmt is not OutputFormat.table:
        emit_record(record, fmt)
        return
    history = record.pop("history")
    same_entity = record.pop("same_entity")
    emit_record(record, fmt)
    say("\n[bold]History[/bold]")
    for event in history:
        changes = "; ".join(_describe_change(f, c) for f, c in event["changes"].items())
        say(
            f"  import #{event['import']} {event['file']} ({event['list']}, as of "
            f"{event['as_of'].isoformat()}): {event['kind']}{': ' + changes if changes else ''}"
        )
    if same_entity:
        say(f"\n[bold]Other breaches of this entity[/bold] ({len(same_entity)})")
        emit(
            same_entity, fmt, columns=("id", "submitted", "entity", "individuals_affected", "types")
        )


@registry_app.command("stats")
def stats_command(
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            help="Group by year, month, state, entity-type, type, location or size; repeat to "
            "combine (--by year --by type).",
        ),
    ] = None,
    cumulative: Annotated[
        bool,
        typer.Option("--cumulative", help="Add running totals along the year or month."),
    ] = False,
    entity: EntityOpt = None,
    state: StateOpt = None,
    entity_type: EntityTypeOpt = None,
    breach_type: TypeOpt = None,
    location: LocationOpt = None,
    business_associate: BusinessAssociateOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    min_affected: MinAffectedOpt = None,
    status: StatusOpt = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Count breaches and sum individuals affected, grouped and filtered.

    A breach with several types (or locations) counts once under each; shares
    are of distinct breaches. Sizes: 500-999, 1k-9,999, 10k-99,999,
    100k-999,999, 1M-9,999,999, 10M+.

    Example: phiwatch registry stats --by year --by type --type hacking
    """
    filters = build_filter(
        entity, state, entity_type, breach_type, location, business_associate,
        since, until, min_affected, status,
    )  # fmt: skip
    rows = registry.breach_stats(store(), by or [], filters, cumulative=cumulative)
    emit(rows, fmt)


@registry_app.command("imports")
def imports_command(fmt: FormatOption = OutputFormat.table) -> None:
    """The imports that changed the registry, newest first.

    Example: phiwatch registry imports --format json
    """
    emit(registry.list_imports(store()), fmt)


# --- watchlist -----------------------------------------------------------------------------


@watch_app.command("add")
def watch_add(
    name: Annotated[str, typer.Argument(help='Organisation name, e.g. "Anthem".')],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Watch an organisation: later imports report its new or changed breaches.

    Example: phiwatch registry watch add "Change Healthcare"
    """
    emit_record(registry.add_watch(store(), name), fmt)


@watch_app.command("list")
def watch_list(fmt: FormatOption = OutputFormat.table) -> None:
    """Watched organisations, with the breaches they match and hits awaiting delivery.

    Example: phiwatch registry watch list
    """
    emit(registry.list_watches(store()), fmt)


@watch_app.command("remove")
def watch_remove(
    name: Annotated[str, typer.Argument(help="The watched name or its id.")],
) -> None:
    """Stop watching an organisation (its undelivered hits are dropped).

    Example: phiwatch registry watch remove anthem
    """
    removed = registry.remove_watch(store(), name)
    say(f"No longer watching {removed!r}.")


@watch_app.command("hits")
def watch_hits(fmt: FormatOption = OutputFormat.table) -> None:
    """New or changed breaches of watched organisations, not yet delivered.

    Example: phiwatch registry watch hits --format json
    """
    hits = registry.pending_watch_hits(store())
    if fmt is OutputFormat.table:
        rows = [
            {
                "hit": h["hit"],
                "watch": h["watch"],
                "kind": h["kind"],
                "breach": h["breach"]["id"],
                "entity": h["breach"]["entity"],
                "submitted": h["breach"]["submitted"],
                "individuals_affected": h["breach"]["individuals_affected"],
            }
            for h in hits
        ]
        emit(rows, fmt)
        return
    emit(hits, fmt)
