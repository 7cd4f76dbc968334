"""Obligations of an incident from its scope, and ``status`` across open incidents."""

from __future__ import annotations

from datetime import date

import pytest

from phiwatch import respond
from phiwatch.errors import ConflictError, InputError
from tests.respond.conftest import World

DISCOVERED = date(2026, 3, 2)


def _incident(world: World, **kwargs: object) -> int:
    incident = respond.open_incident(world.store, "Export", discovered=DISCOVERED, **kwargs)  # type: ignore[arg-type]
    respond.add_source(world.store, incident, respond.from_lake(world.settings, user="dr-1"))
    return incident


def test_a_small_breach_owes_letters_and_the_annual_log(world: World) -> None:
    incident = _incident(world)
    owed = respond.incident_obligations(world.store, incident, today=date(2026, 4, 1))
    assert [(o["notice"], o["section"], o["due"], o["days_left"]) for o in owed] == [
        ("individuals", "164.404", date(2026, 5, 1), 30),
        ("hhs-annual-log", "164.408(c)", date(2027, 3, 1), 334),
    ]
    assert not any(o["overdue"] for o in owed)


def test_status_shows_overdue_and_done(world: World) -> None:
    late = _incident(world)
    delayed = _incident(world, delay_until=date(2026, 4, 1))  # 30 days of delay
    respond.mark_done(world.store, late, "hhs-annual-log", on=date(2026, 3, 20))
    rows = respond.status(world.store, today=date(2026, 5, 10))
    summary = [(r["incident"], r["notice"], r["overdue"], r["days_left"]) for r in rows]
    assert summary == [
        (late, "individuals", True, -9),
        (delayed, "individuals", False, 21),
        (delayed, "hhs-annual-log", False, 325),  # 2027-03-01 + 30 days
        (late, "hhs-annual-log", False, None),  # done: last
    ]
    respond.close_incident(world.store, late)
    assert {r["incident"] for r in respond.status(world.store, today=date(2026, 5, 10))} == {
        delayed
    }


def test_a_notice_is_recorded_once(world: World) -> None:
    incident = _incident(world)
    respond.mark_done(world.store, incident, "individuals", on=date(2026, 4, 1))
    with pytest.raises(ConflictError, match="already recorded"):
        respond.mark_done(world.store, incident, "individuals", on=date(2026, 4, 2))
    with pytest.raises(InputError, match="NOTICE expects one of"):
        respond.mark_done(world.store, incident, "newspaper", on=date(2026, 4, 2))
    with pytest.raises(InputError, match="before the incident was discovered"):
        respond.mark_done(world.store, incident, "hhs-annual-log", on=date(2026, 1, 1))
    done = respond.get_incident(world.store, incident)["done"]
    assert done == {"individuals": date(2026, 4, 1)}
