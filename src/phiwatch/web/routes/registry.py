"""The breach registry in the browser: overview, searchable list, breach and entity pages,
import from the browser, watchlist.

Breach portal data is public, so every signed-in role may read it; importing
and the watchlist change shared state, so only the administrator, the privacy
officer and the analyst may do those. Filters live in the URL (the same ones
as ``phiwatch registry list``), so a view can be bookmarked and shared, and
its CSV download returns exactly the rows of that view.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from phiwatch import registry
from phiwatch._spreadsheet import spreadsheet_cell
from phiwatch.errors import InputError, NotFoundError, PhiwatchError
from phiwatch.registry import BreachFilter, Sort
from phiwatch.security import Principal, Role
from phiwatch.store import Store
from phiwatch.web._auth import CurrentUser, RequireRole
from phiwatch.web._pages import Pages, render
from phiwatch.web._state import NavItem, app_state

pages = Pages(nav=[NavItem("Breach registry", "/registry", order=10)])

RegistryEditor = Annotated[Principal, RequireRole(Role.admin, Role.privacy_officer, Role.analyst)]

PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 500
CSV_MAX_ROWS = 10_000
_UPLOAD_MAX_BYTES = 64 * 2**20
_LIST_COLUMNS = (
    "id",
    "submitted",
    "entity",
    "state",
    "entity_type",
    "individuals_affected",
    "types",
    "locations",
    "business_associate",
    "status",
)


# --- filters from the URL ------------------------------------------------------------------


def _filter_params(
    entity: str | None,
    state: list[str],
    entity_type: list[str],
    type_: list[str],
    location: list[str],
    business_associate: str | None,
    since: str | None,
    until: str | None,
    min_affected: str | None,
    status: str | None,
) -> dict[str, Any]:
    """The filters as given (empty ones dropped), echoed back so forms and links keep them."""
    return {
        "entity": entity or "",
        "state": state,
        "entity_type": entity_type,
        "type": type_,
        "location": location,
        "business_associate": business_associate or "",
        "since": _day(since, "since"),
        "until": _day(until, "until"),
        "min_affected": int(min_affected) if min_affected else None,
        "status": status or "",
    }


def _breach_filter(params: dict[str, Any]) -> BreachFilter:
    associate = {"yes": True, "no": False}.get(params["business_associate"])
    return BreachFilter.from_user(
        entity=params["entity"] or None,
        states=[s for s in params["state"] if s],
        entity_types=[t for t in params["entity_type"] if t],
        types=[t for t in params["type"] if t],
        locations=[loc for loc in params["location"] if loc],
        business_associate=associate,
        since=params["since"],
        until=params["until"],
        min_affected=params["min_affected"],
        status=params["status"] or None,
    )


def _query_string(params: dict[str, Any], **overrides: Any) -> str:
    """The URL query for ``params`` (with ``overrides``), dropping empty values."""
    pairs: list[tuple[str, str]] = []
    for key, value in {**params, **overrides}.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((key, str(v)) for v in values if v not in (None, "", []))
    return urlencode(pairs)


EntityQ = Annotated[str | None, Query(max_length=200, description="Entity name words.")]
StateQ = Annotated[list[str], Query(description="2-letter state code; repeatable.")]
EntityTypeQ = Annotated[
    list[str], Query(description="provider, plan, associate or clearinghouse; repeatable.")
]
TypeQ = Annotated[
    list[str],
    Query(
        alias="type",
        description="hacking, unauthorized, theft, loss, disposal, other, unknown; repeatable.",
    ),
]
LocationQ = Annotated[
    list[str],
    Query(description="server, email, paper, laptop, emr, desktop, portable, other; repeatable."),
]
AssociateQ = Annotated[
    str | None, Query(pattern="^(yes|no)?$", description="yes or no: business associate present.")
]
# Forms send empty fields as empty strings: these accept "" as "no filter".
_DATE = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"
SinceQ = Annotated[
    str | None, Query(pattern=_DATE, description="Submitted on or after (YYYY-MM-DD).")
]
UntilQ = Annotated[
    str | None, Query(pattern=_DATE, description="Submitted on or before (YYYY-MM-DD).")
]
MinAffectedQ = Annotated[
    str | None, Query(pattern="^[0-9]{0,12}$", description="At least this many affected.")
]


def _day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{name} {text!r} is not a date") from None


StatusQ = Annotated[str | None, Query(pattern="^(archive|investigation)?$")]
SortQ = Annotated[
    str,
    Query(
        pattern="^-?(submitted|affected|entity|state)$",
        description="submitted, affected, entity or state; prefix - for descending.",
    ),
]


async def _filters_from_query(
    entity: EntityQ = None,
    state: StateQ = [],  # noqa: B006  (FastAPI reads a fresh list per request)
    entity_type: EntityTypeQ = [],  # noqa: B006
    type_: TypeQ = [],  # noqa: B006
    location: LocationQ = [],  # noqa: B006
    business_associate: AssociateQ = None,
    since: SinceQ = None,
    until: UntilQ = None,
    min_affected: MinAffectedQ = None,
    status: StatusQ = None,
) -> dict[str, Any]:
    """The list's filters, read once from the URL for every route that takes them.

    ``async`` although it awaits nothing: FastAPI runs a plain ``def``
    dependency on a worker thread, a hop this pure parsing does not need.
    """
    return _filter_params(
        entity, state, entity_type, type_, location, business_associate,
        since, until, min_affected, status,
    )  # fmt: skip


FilterParams = Annotated[dict[str, Any], Depends(_filters_from_query)]


def _store(request: Request) -> Store:
    return app_state(request).store


def _registry_version(request: Request) -> int:
    """The registry's import generation: a cached list stays right until it changes.

    Read at most once a second (a DB lookup on the event loop then, an
    in-memory answer otherwise); an import in this process is seen at once.
    """
    return registry.generation(_store(request))


# --- overview --------------------------------------------------------------------------------


def _year_type_series(rows: list[dict[str, Any]], measure: str) -> dict[str, Any]:
    years = sorted({r["year"] for r in rows})
    by_type: dict[str, dict[int, int]] = defaultdict(dict)
    for r in rows:
        by_type[r["type"]][r["year"]] = r[measure]
    # One fixed order, so a type has the same colour in every chart.
    order = [label for _alias, label in registry.filter_choices()["type"]]
    types = sorted(by_type, key=lambda t: order.index(t) if t in order else len(order))
    return {
        "categories": [str(y) for y in years],
        "series": [{"label": t, "values": [by_type[t].get(y, 0) for y in years]} for t in types],
    }


@pages.page("/registry", template="registry_overview.html")
def overview(request: Request, user: CurrentUser) -> dict[str, Any]:
    """The registry at a glance: totals, latest breaches, by year and type, sizes, states."""
    store = _store(request)
    breaches, individuals = registry.count_breaches(store)
    by_year_type = registry.breach_stats(store, ["year", "type"])
    return {
        "title": "Breach registry",
        "totals": {"breaches": breaches, "individuals": individuals},
        "latest": registry.list_breaches(store, sort="-submitted", limit=10),
        "by_year": registry.breach_stats(store, ["year"]),
        "by_year_type": by_year_type,
        "chart_breaches_by_year": _year_type_series(by_year_type, "breaches"),
        "chart_individuals_by_year": _year_type_series(by_year_type, "individuals"),
        "by_size": registry.breach_stats(store, ["size"]),
        "by_state": registry.breach_stats(store, ["state"]),
        "top_entities": [
            t | {"slug": t["entity_key"].replace(" ", "-")} for t in registry.top_entities(store)
        ],
        "imports": registry.list_imports(store)[:5],
    }


# --- the list, its CSV, one breach, one entity -------------------------------------------------


@pages.page("/registry/breaches", template="registry_breaches.html", cache=_registry_version)
def breaches(
    request: Request,
    user: CurrentUser,
    params: FilterParams,
    sort: SortQ = registry.DEFAULT_SORT,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=PER_PAGE_MAX)] = PER_PAGE_DEFAULT,
) -> dict[str, Any]:
    """Breaches matching the filters, sorted and paginated.

    A cached page: the answer depends only on the URL and the registry's
    generation, never on who asks (every signed-in role may read the registry).
    """
    store = _store(request)
    filters = _breach_filter(params)
    total, individuals = registry.count_breaches(store, filters)
    pages_count = max(1, math.ceil(total / per_page))
    rows = registry.list_breaches(
        store, filters, sort=sort, limit=per_page, offset=(page - 1) * per_page
    )
    query = _query_string(params, sort=sort)
    return {
        "title": "Breaches",
        "filters": params,
        "sort": str(Sort.parse(sort)),
        "total": total,
        "individuals": individuals,
        "page": page,
        "per_page": per_page,
        "pages": pages_count,
        "rows": rows,
        "query": query,
        "csv_url": f"/registry/breaches.csv?{query}",
        "next_url": f"/registry/breaches?{_query_string(params, sort=sort, page=page + 1)}"
        if page < pages_count
        else None,
        "previous_url": f"/registry/breaches?{_query_string(params, sort=sort, page=page - 1)}"
        if page > 1
        else None,
        "choices": registry.filter_choices() | {"sort": _SORT_CHOICES},
    }


_SORT_CHOICES = [
    ("-submitted", "Newest first"),
    ("submitted", "Oldest first"),
    ("-affected", "Largest first"),
    ("affected", "Smallest first"),
    ("entity", "Entity A-Z"),
    ("state", "State A-Z"),
]


@pages.router.get(
    "/registry/breaches.csv",
    summary="The current list view as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def breaches_csv(
    request: Request,
    user: CurrentUser,
    params: FilterParams,
    sort: SortQ = registry.DEFAULT_SORT,
) -> Response:
    """Every breach of the filtered view (all pages, up to 10,000 rows), as CSV."""
    rows = registry.list_breaches(
        _store(request), _breach_filter(params), sort=sort, limit=CSV_MAX_ROWS
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_LIST_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                spreadsheet_cell(
                    "; ".join(v) if isinstance(v := row[c], list) else "" if v is None else v
                )
                for c in _LIST_COLUMNS
            ]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="breaches.csv"'},
    )


@pages.page("/registry/breaches/{breach_id}", template="registry_breach.html")
def breach(
    request: Request,
    user: CurrentUser,
    breach_id: Annotated[str, PathParam(min_length=4, max_length=12, pattern="^[0-9a-fA-F]+$")],
) -> dict[str, Any]:
    """One breach: every field, OCR's description, its history, its entity's other breaches."""
    detail = registry.get_breach(_store(request), breach_id)
    return {
        "title": detail["entity"],
        "breach": detail,
        "entity_slug": detail["entity_key"].replace(" ", "-"),
    }


@pages.page("/registry/entities/{slug}", template="registry_entity.html")
def entity(
    request: Request,
    user: CurrentUser,
    slug: Annotated[str, PathParam(min_length=1, max_length=300, pattern="^[a-z0-9-]+$")],
) -> dict[str, Any]:
    """Every breach of one organisation (grouped by its normalised name)."""
    key = slug.replace("-", " ")
    rows = registry.entity_breaches(_store(request), key)
    if not rows:
        raise NotFoundError(f"no breaches of an entity named {key!r}")
    return {
        "title": rows[0]["entity"],
        "key": key,
        "names": sorted({r["entity"] for r in rows}),
        "breaches": rows,
        "totals": {
            "breaches": len(rows),
            "individuals": sum(r["individuals_affected"] or 0 for r in rows),
        },
    }


# --- import from the browser -------------------------------------------------------------


def _import_page_data(request: Request) -> dict[str, Any]:
    return {"title": "Import a portal export", "imports": registry.list_imports(_store(request))}


@pages.page("/registry/import", template="registry_import.html")
def import_form(request: Request, user: RegistryEditor) -> dict[str, Any]:
    """The imports so far, and a form to upload a new portal export."""
    return _import_page_data(request)


@pages.router.post("/registry/import", include_in_schema=False)
async def import_upload(
    request: Request,
    user: RegistryEditor,
    export: Annotated[UploadFile, File(description="breach_report.csv, .csv.gz, .xls or .xlsx")],
    list_name: Annotated[str, Form(pattern="^(|archive|investigation)$")] = "",
    as_of: Annotated[date | None, Form()] = None,
) -> Response:
    """Import an uploaded export and show what changed."""
    filename = Path(export.filename or "breach_report.csv").name
    suffix = "".join(Path(filename).suffixes[-2:]) or ".csv"
    data = await export.read(_UPLOAD_MAX_BYTES + 1)
    base = _import_page_data(request)
    if len(data) > _UPLOAD_MAX_BYTES:
        return render(
            request, "registry_import.html", base | {"error": "the file is too large"}, status=413
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            exported = registry.read_export(path, display_name=filename)
            summary = registry.import_export(
                _store(request),
                exported,
                list_name=registry.ListName(list_name) if list_name else None,
                as_of=as_of or date.today(),
            )
        except PhiwatchError as exc:
            return render(request, "registry_import.html", base | {"error": str(exc)}, status=400)
    result = {
        "file": summary.file,
        "list": summary.list_name.value,
        "as_of": summary.as_of,
        "records": summary.records,
        "import_id": summary.import_id,
        "changed": summary.changed,
        "counts": {
            "new": summary.new,
            "updated": summary.updated,
            "moved": summary.moved,
            "relisted": summary.relisted,
            "delisted": summary.delisted,
            "unchanged": summary.unchanged,
        },
        "changes": [
            {
                "id": d.uid,
                "entity": d.entity_name.strip(),
                "submitted": d.submitted_on,
                "kind": d.kind,
                "changes": {k: list(v) for k, v in d.changes.items()},
            }
            for d in summary.deltas
            if d.kind != "new"
        ][:200],
        "new": [
            {"id": d.uid, "entity": d.entity_name.strip(), "submitted": d.submitted_on}
            for d in summary.deltas
            if d.kind == "new"
        ][:200],
        "watch_matches": [
            {"watch": m.watch, "id": m.uid, "entity": m.entity_name.strip(), "kind": m.kind}
            for m in summary.watch_matches
        ],
    }
    page = _import_page_data(request) | {"result": result}
    return render(request, "registry_import.html", page, status=201 if summary.changed else 200)


# --- watchlist --------------------------------------------------------------------------------


@pages.page("/registry/watchlist", template="registry_watchlist.html")
def watchlist(request: Request, user: CurrentUser) -> dict[str, Any]:
    """Watched organisations, and new or changed breaches of theirs not yet delivered."""
    store = _store(request)
    return {
        "title": "Watchlist",
        "watches": registry.list_watches(store),
        "hits": registry.pending_watch_hits(store)[:200],
        "can_edit": user.role in {Role.admin, Role.privacy_officer, Role.analyst},
    }


@pages.router.post("/registry/watchlist", include_in_schema=False)
def watch_add(
    request: Request,
    user: RegistryEditor,
    name: Annotated[str, Form(min_length=1, max_length=200)],
) -> Response:
    """Watch an organisation."""
    try:
        registry.add_watch(_store(request), name)
    except PhiwatchError as exc:
        data = watchlist(request, user) | {"error": str(exc)}
        return render(request, "registry_watchlist.html", data, status=400)
    return RedirectResponse("/registry/watchlist", status_code=303)


@pages.router.post("/registry/watchlist/{watch_id}/remove", include_in_schema=False)
def watch_remove(request: Request, user: RegistryEditor, watch_id: int) -> Response:
    """Stop watching an organisation."""
    registry.remove_watch(_store(request), str(watch_id))
    return RedirectResponse("/registry/watchlist", status_code=303)
