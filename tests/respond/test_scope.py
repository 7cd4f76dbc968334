"""Incidents, their sources and the computed scope, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from phiwatch import respond
from phiwatch.errors import InputError, NotFoundError
from phiwatch.monitor import pseudonym_key, pseudonymise
from phiwatch.store.models.respond import AffectedIndividual, IncidentSource
from tests.respond.conftest import CLERK_PATIENTS, DR_PATIENTS, World

DISCOVERED = date(2026, 3, 2)


def _pseudonyms(world: World, ids: set[str]) -> set[str]:
    key = pseudonym_key(world.settings)
    return {pseudonymise(key, i) for i in ids}


def _affected(world: World, incident: int) -> set[str]:
    with world.store.reader() as session:
        return set(
            session.scalars(
                select(AffectedIndividual.patient_pseudonym).where(
                    AffectedIndividual.incident_id == incident
                )
            )
        )


def _rows(world: World) -> tuple[int, int]:
    with world.store.reader() as session:
        return (
            session.scalar(select(func.count()).select_from(IncidentSource)) or 0,
            session.scalar(select(func.count()).select_from(AffectedIndividual)) or 0,
        )


def test_a_user_query_finds_exactly_the_patients_they_touched(world: World) -> None:
    incident = respond.open_incident(world.store, "Snooping", discovered=DISCOVERED)
    result = respond.add_source(
        world.store, incident, respond.from_lake(world.settings, user="dr-1")
    )
    assert _affected(world, incident) == _pseudonyms(world, DR_PATIENTS)
    scope = result["scope"]
    assert scope["individuals"] == 5
    assert scope["by_state"] == {"IL": 3, "WI": 2}
    assert scope["minors"] == 2  # p-03 (10) and p-04 (18 tomorrow)
    assert scope["deceased"] == 1
    assert scope["unreachable"] == 0
    assert scope["elements"] == ["clinical", "demographics"]
    assert scope["exported"] is False
    assert scope["changes"] == ["first computation"]


def test_a_second_source_shows_what_changed(world: World) -> None:
    incident = respond.open_incident(world.store, "Two ways in", discovered=DISCOVERED)
    respond.add_source(world.store, incident, respond.from_lake(world.settings, user="dr-1"))
    second = respond.add_source(
        world.store, incident, respond.from_lake(world.settings, address="10.9.9.9")
    )
    scope = second["scope"]
    assert second["found"] == 3
    assert _affected(world, incident) == _pseudonyms(world, DR_PATIENTS | CLERK_PATIENTS)
    assert scope["individuals"] == 7  # p-05 is in both sources, counted once
    assert scope["by_state"] == {"IL": 3, "IN": 2, "WI": 2}
    assert scope["unreachable"] == 1  # p-06 has no street line
    assert "payment" in scope["elements"] and scope["exported"] is True
    assert scope["changes"] == [
        "individuals: 5 -> 7 (+2)",
        "unreachable: 0 -> 1 (+1)",
        "state IN: 0 -> 2 (+2)",
        "elements added: payment",
        "records were exported",
    ]
    assert respond.compute_scope(world.store, incident)["changes"] == []


def test_between_limits_the_lake_query_to_a_window(world: World) -> None:
    found = respond.from_lake(
        world.settings,
        user="dr-1",
        between=(datetime(2026, 2, 10), datetime(2026, 2, 11, 23, 59)),
    )
    assert found.patients == _pseudonyms(world, {"p-01", "p-02"})
    assert found.detail["events"] == 2


def test_a_csv_list_adds_its_patients_and_the_elements_given(world: World, tmp_path: Path) -> None:
    listed = tmp_path / "affected.csv"
    listed.write_text("patient_id\np-08\np-07\np-08\n", encoding="utf-8")
    incident = respond.open_incident(world.store, "Mailing error", discovered=DISCOVERED)
    result = respond.add_source(
        world.store,
        incident,
        respond.from_csv(world.settings, world.store, listed),
        elements=["ssn,insurance"],
    )
    assert _affected(world, incident) == _pseudonyms(world, {"p-07", "p-08"})
    assert result["scope"]["elements"] == ["insurance", "ssn"]
    source = respond.get_incident(world.store, incident)["sources"][0]
    assert source["detail"] == {"file": "affected.csv", "rows": 2}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("patient_id\np-01\n\np-02\n,\n", "affected.csv, line 5, column 'patient_id': empty"),
        ("patient_id\np-01\nnobody\np-02\n", "affected.csv, line 3, column 'patient_id': not a"),
        ("mrn\np-01\n", "affected.csv: expected a header row with a patient_id column"),
        ("patient_id\n", "affected.csv: no rows"),
    ],
)
def test_a_bad_csv_names_file_and_line_and_changes_nothing(
    world: World, tmp_path: Path, content: str, message: str
) -> None:
    listed = tmp_path / "affected.csv"
    listed.write_text(content, encoding="utf-8")
    incident = respond.open_incident(world.store, "Bad list", discovered=DISCOVERED)
    with pytest.raises(InputError) as raised:
        respond.add_source(
            world.store, incident, respond.from_csv(world.settings, world.store, listed)
        )
    assert str(raised.value).startswith(message)
    assert "nobody" not in str(raised.value)  # the value (maybe PHI) is never echoed
    assert _rows(world) == (0, 0)


def test_an_unknown_incident_or_case_changes_nothing(world: World) -> None:
    with pytest.raises(NotFoundError, match="no incident 99"):
        respond.add_source(world.store, 99, respond.from_lake(world.settings, user="dr-1"))
    with pytest.raises(InputError, match="no monitor case 7"):
        respond.open_from_case(
            world.settings, world.store, "From nothing", case_id=7, discovered=DISCOVERED
        )
    assert respond.list_incidents(world.store) == []
    assert _rows(world) == (0, 0)


def test_a_lake_source_needs_a_user_or_an_address(world: World) -> None:
    with pytest.raises(InputError, match="--user or --address"):
        respond.from_lake(world.settings)


def test_a_scan_finds_patients_by_their_mrn(world: World, tmp_path: Path) -> None:
    from phiwatch.store.models.monitor import Person

    # Give the context a patient whose identifier looks like an MRN.
    with world.store.transaction() as session:
        # identifier is encrypted (a new ciphertext each time): look it up by its keyed hash.
        person = session.scalars(select(Person).where(Person.identifier_hash == "p-08")).one()
        person.identifier = "MR-00482913"
        person.identifier_hash = "MR-00482913"
        person.pseudonym = pseudonymise(pseudonym_key(world.settings), "MR-00482913")
    leaked = tmp_path / "share" / "export.txt"
    leaked.parent.mkdir()
    leaked.write_text(
        "Discharge list\nMRN: MR-00482913 SSN: 412-56-7734\nMRN: MR-99999991\n", encoding="utf-8"
    )
    found = respond.from_scan(world.settings, world.store, [leaked.parent])
    assert found.patients == {pseudonymise(pseudonym_key(world.settings), "MR-00482913")}
    assert found.detail["identifiers"] == 2 and found.detail["files"] == 1
    assert {"demographics", "ssn"} <= found.elements


def test_list_and_show(world: World) -> None:
    first = respond.open_incident(world.store, "First", discovered=DISCOVERED)
    second = respond.open_incident(
        world.store,
        "Second",
        discovered=date(2026, 3, 5),
        occurred_from=date(2026, 2, 1),
        occurred_to=date(2026, 2, 28),
    )
    respond.add_source(world.store, second, respond.from_lake(world.settings, user="dr-1"))
    listed = respond.list_incidents(world.store)
    assert [(r["id"], r["individuals"]) for r in listed] == [(second, 5), (first, 0)]
    shown = respond.get_incident(world.store, second)
    assert shown["occurred_from"] == date(2026, 2, 1)
    assert shown["scope"]["individuals"] == 5
    assert [s["kind"] for s in shown["sources"]] == ["lake"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"occurred_from": date(2026, 2, 10), "occurred_to": date(2026, 2, 1)}, "--occurred-to"),
        ({"occurred_from": date(2026, 4, 1)}, "after --discovered"),
        ({"delay_until": date(2026, 2, 1)}, "--delay-until is before"),
    ],
)
def test_impossible_dates_are_refused(world: World, kwargs: dict[str, date], message: str) -> None:
    with pytest.raises(InputError, match=message):
        respond.open_incident(world.store, "Dates", discovered=DISCOVERED, **kwargs)  # type: ignore[arg-type]
    assert respond.list_incidents(world.store) == []
