"""Filters, sorting, paging and the one-breach view."""

from __future__ import annotations

from datetime import date

import pytest

from phiwatch import registry
from phiwatch.errors import InputError, NotFoundError
from phiwatch.registry import BreachFilter

from .conftest import row


@pytest.fixture
def small_store(sqlite_store, write_csv):
    rows = [
        row("Anthem Inc.", "IN", "Health Plan", "78800000", "02/13/2015", "Hacking/IT Incident", "Network Server", "No"),
        row("Anthem Blue Cross", "CA", "Health Plan", "2000", "05/01/2016", "Theft", "Laptop", "Yes"),
        row("Panthemic Labs", "TX", "Healthcare Provider", "600", "07/04/2015", "Loss", "Paper/Films", "No"),
        row("Premera Blue Cross", "WA", "Health Plan", "11000000", "03/17/2015", "Hacking/IT Incident, Theft", "Network Server, Email", "No"),
        row("Tiny Dental", "", "", "", "01/05/2010", "", "Other", "No"),
    ]  # fmt: skip
    registry.import_file(sqlite_store, write_csv(rows))
    return sqlite_store


def _names(store, sort=None, **filters):
    return [
        r["entity"]
        for r in registry.list_breaches(store, BreachFilter.from_user(**filters), sort=sort)
    ]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"entity": "anthem"}, {"Anthem Inc.", "Anthem Blue Cross"}),
        ({"entity": "Anthem, Inc."}, {"Anthem Inc.", "Anthem Blue Cross"}),
        ({"entity": "blue cross"}, {"Anthem Blue Cross", "Premera Blue Cross"}),
        ({"entity": "cross blue"}, set()),  # words in order
        ({"states": ["in", "WA"]}, {"Anthem Inc.", "Premera Blue Cross"}),
        ({"entity_types": ["plan"]}, {"Anthem Inc.", "Anthem Blue Cross", "Premera Blue Cross"}),
        ({"types": ["theft"]}, {"Anthem Blue Cross", "Premera Blue Cross"}),
        ({"types": ["loss", "hacking"]}, {"Anthem Inc.", "Panthemic Labs", "Premera Blue Cross"}),
        ({"locations": ["email"]}, {"Premera Blue Cross"}),
        ({"locations": ["Paper/Films"]}, {"Panthemic Labs"}),
        ({"business_associate": True}, {"Anthem Blue Cross"}),
        (
            {"business_associate": False},
            {"Anthem Inc.", "Panthemic Labs", "Premera Blue Cross", "Tiny Dental"},
        ),
        (
            {"since": date(2015, 1, 1), "until": date(2015, 12, 31)},
            {"Anthem Inc.", "Panthemic Labs", "Premera Blue Cross"},
        ),
        ({"min_affected": 1_000_000}, {"Anthem Inc.", "Premera Blue Cross"}),
        (
            {"status": "investigation"},
            {
                "Anthem Inc.",
                "Anthem Blue Cross",
                "Panthemic Labs",
                "Premera Blue Cross",
                "Tiny Dental",
            },
        ),
        ({"status": "archive"}, set()),
    ],
)
def test_filters(small_store, filters, expected) -> None:
    assert set(_names(small_store, **filters)) == expected


def test_sorting_and_paging(small_store) -> None:
    assert _names(small_store, sort="-affected")[:2] == ["Anthem Inc.", "Premera Blue Cross"]
    assert _names(small_store, sort="-affected")[-1] == "Tiny Dental"  # unknown counts last
    assert _names(small_store, sort="submitted")[0] == "Tiny Dental"
    assert _names(small_store, sort="entity")[:2] == ["Anthem Inc.", "Anthem Blue Cross"]
    page = registry.list_breaches(small_store, sort="entity", limit=2, offset=2)
    assert [r["entity"] for r in page] == ["Panthemic Labs", "Premera Blue Cross"]
    assert _names(small_store, sort="-state")[0] == "Premera Blue Cross"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"types": ["ransomware"]}, "unknown type of breach"),
        ({"locations": ["cloud"]}, "unknown location"),
        ({"states": ["Indiana"]}, "2-letter code"),
        ({"entity_types": ["hospital"]}, "unknown entity type"),
        ({"status": "closed"}, "unknown status"),
        ({"since": date(2016, 1, 1), "until": date(2015, 1, 1)}, "is after"),
        ({"entity": "!!!"}, None),
    ],
)
def test_bad_filters_are_clear_errors(small_store, kwargs, message) -> None:
    with pytest.raises(InputError, match=message or "no letters or digits"):
        registry.list_breaches(small_store, BreachFilter.from_user(**kwargs))


def test_bad_sort_and_limit(small_store) -> None:
    with pytest.raises(InputError, match="cannot sort by 'size'"):
        registry.list_breaches(small_store, sort="size")
    with pytest.raises(InputError, match="--limit"):
        registry.list_breaches(small_store, limit=0)


def test_get_breach_by_id_and_prefix(small_store) -> None:
    first = registry.list_breaches(
        small_store, BreachFilter.from_user(entity="anthem inc"), sort="-affected"
    )[0]
    detail = registry.get_breach(small_store, first["id"][:6].upper())
    assert detail["id"] == first["id"]
    assert detail["entity_key"] == "anthem"
    assert detail["entity"] == "Anthem Inc." and detail["same_entity"] == []
    with pytest.raises(NotFoundError, match="no breach with id"):
        registry.get_breach(small_store, "ffffffffff")
    with pytest.raises(NotFoundError):
        registry.get_breach(small_store, "ab")


def test_stats_reject_unknown_grouping(small_store) -> None:
    with pytest.raises(InputError, match="cannot group by 'county'"):
        registry.breach_stats(small_store, ["county"])
    with pytest.raises(InputError, match="once"):
        registry.breach_stats(small_store, ["year", "year"])


def test_stats_overall_and_blank_values(small_store) -> None:
    assert registry.breach_stats(small_store) == [
        {
            "breaches": 5,
            "individuals": 89_802_600,
            "breaches_share": 100.0,
            "individuals_share": 100.0,
        }
    ]
    by_type = {s["type"]: s["breaches"] for s in registry.breach_stats(small_store, ["type"])}
    assert by_type["(not given)"] == 1 and by_type["Theft"] == 2
    by_state = {s["state"]: s["breaches"] for s in registry.breach_stats(small_store, ["state"])}
    assert by_state[None] == 1
