"""The breach registry: the HHS OCR breach portal, imported, searched, counted and diffed.

Public API (the CLI and the web app use nothing else)::

    from phiwatch import registry
    summary = registry.import_file(store, Path("breach_report.csv"))
    registry.import_bundled(store)                      # the snapshot shipped with phiwatch
    hacking = registry.BreachFilter.from_user(types=["hacking"], since=date(2015, 1, 1))
    registry.list_breaches(store, hacking, sort="-affected", limit=10)
    registry.breach_stats(store, by=["year", "type"], cumulative=True)
    registry.get_breach(store, "3f9a2c1d0b")

See docs/registry.md for the row keys each function returns.
"""

import typing

from phiwatch import _lazy

if typing.TYPE_CHECKING:
    from phiwatch.registry._bundled import BundledExport, bundled_exports, import_bundled
    from phiwatch.registry._cache import generation
    from phiwatch.registry._filters import BreachFilter
    from phiwatch.registry._importer import BreachDelta, ImportSummary, WatchMatch
    from phiwatch.registry._imports import import_export, import_file, infer_list
    from phiwatch.registry._names import normalise_entity
    from phiwatch.registry._queries import (
        Sort,
        count_breaches,
        entity_breaches,
        get_breach,
        list_breaches,
        list_imports,
        top_entities,
    )
    from phiwatch.registry._stats import GROUPINGS, breach_stats
    from phiwatch.registry._vocab import (
        DEFAULT_SORT,
        BreachType,
        ListName,
        Location,
        filter_choices,
    )
    from phiwatch.registry._watchlist import (
        add_watch,
        list_watches,
        mark_watch_hits_delivered,
        pending_watch_hits,
        remove_watch,
    )
    from phiwatch.registry.sources import PortalExport, PortalRecord, read_export
    from phiwatch.registry.sources._record import COLUMNS as PORTAL_COLUMNS

__getattr__ = _lazy.module_getattr(__name__, __file__)

__all__ = [
    "DEFAULT_SORT",
    "GROUPINGS",
    "PORTAL_COLUMNS",
    "BreachDelta",
    "BreachFilter",
    "BreachType",
    "BundledExport",
    "ImportSummary",
    "ListName",
    "Location",
    "PortalExport",
    "PortalRecord",
    "Sort",
    "WatchMatch",
    "add_watch",
    "breach_stats",
    "bundled_exports",
    "count_breaches",
    "entity_breaches",
    "filter_choices",
    "generation",
    "get_breach",
    "import_bundled",
    "import_export",
    "import_file",
    "infer_list",
    "list_breaches",
    "list_imports",
    "list_watches",
    "mark_watch_hits_delivered",
    "normalise_entity",
    "pending_watch_hits",
    "read_export",
    "remove_watch",
    "top_entities",
]
