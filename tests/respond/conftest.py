"""A small world for respond tests: patients in the context, accesses in the lake.

Patients live in three states; some are minors, one is deceased, some lack a
usable postal address. Two users touched them: ``dr-1`` read charts, ``clerk-9``
exported billing records from 10.9.9.9.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from phiwatch.config import Settings, load_settings
from phiwatch.monitor import ingest, load_context
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store, open_store
from tests.conftest import BACKENDS, fresh_postgres_database
from tests.monitor.conftest import audit_event, write_ndjson

PATIENT_HEADER = "patient_id,family,given,birth_date,line,city,state,postal_code,vip,deceased"
# id, birth date, state, has a full address, deceased
PATIENTS = [
    ("p-01", "1970-01-01", "IL", True, False),
    ("p-02", "1980-02-02", "IL", True, False),
    ("p-03", "2015-06-30", "IL", True, False),  # a minor on 2026-03-02
    ("p-04", "2008-03-03", "WI", True, False),  # 18 on 2026-03-03: still a minor on 03-02
    ("p-05", "1950-05-05", "WI", True, True),  # deceased
    ("p-06", "1990-06-06", "IN", False, False),  # no street line
    ("p-07", "1991-07-07", "IN", True, False),
    ("p-08", "1992-08-08", "IL", True, False),
]
DR_PATIENTS = {"p-01", "p-02", "p-03", "p-04", "p-05"}
CLERK_PATIENTS = {"p-05", "p-06", "p-07"}


@dataclass
class World:
    settings: Settings
    store: Store
    folder: Path


def _patients_csv(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [PATIENT_HEADER]
    for pid, birth, state, address, deceased in PATIENTS:
        line = f"{pid[-1]} Elm Street" if address else ""
        lines.append(
            f"{pid},Family{pid[-2:]},Given,{birth},{line},Springfield,{state},60000,"
            f"false,{'true' if deceased else 'false'}"
        )
    path = folder / "patients.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _events(path: Path) -> Path:
    events = [
        audit_event(
            f"ae-dr-{n}",
            user="Practitioner/dr-1",
            patients=[f"Patient/{pid}"],
            recorded=f"2026-02-{10 + n:02d}T09:00:00Z",
        )
        for n, pid in enumerate(sorted(DR_PATIENTS))
    ]
    export = audit_event(
        "ae-clerk-1",
        user="Practitioner/clerk-9",
        patients=[f"Patient/{p}" for p in sorted(CLERK_PATIENTS)],
        recorded="2026-02-20T23:00:00Z",
        action="E",
    )
    export["subtype"] = [{"code": "billing-statement-export"}]
    export["agent"][0]["network"]["address"] = "10.9.9.9"
    events.append(export)
    return write_ndjson(path, events)


def build_world(settings: Settings, store: Store, folder: Path) -> World:
    enable_field_encryption(store, settings)
    load_context(settings, store, [_patients_csv(folder / "context")])
    ingest(settings, [_events(folder / "events.ndjson")])
    return World(settings, store, folder)


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The world on a fresh SQLite store and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        settings = load_settings(environ={}, data_dir=str(tmp_path / "data"))
        store = open_store(settings)
        try:
            yield build_world(settings, store, tmp_path / "input")
        finally:
            store.close()
        return
    with fresh_postgres_database() as url:
        settings = load_settings(environ={}, data_dir=str(tmp_path / "data"), database_url=url)
        store = open_store(settings)
        try:
            yield build_world(settings, store, tmp_path / "input")
        finally:
            store.close()
