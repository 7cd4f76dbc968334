"""The monitor's context PHI at rest: ciphertext in the store, pseudonyms in the lake.

A simulated hospital goes through the real pipeline (context load, event
ingest, detection). Then the files a thief would copy (the SQLite database,
its WAL and shared-memory files, every file of the lake) are read as raw
bytes and searched for a known patient's family name, medical record number
and birth date and a workforce member's names: none may be there in clear.
Needles are chosen so that they occur in no input file other than the
Patient/Practitioner files, so any occurrence is a leak, and a positive
control (the patient's pseudonym, which is stored in clear) proves the
search reads the right bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Text, select, type_coerce

from phiwatch.config import Settings, load_settings
from phiwatch.monitor import Lake, detect, ingest, load_context, pseudonym_key, pseudonymise
from phiwatch.monitor._person_keys import address_key, street_key
from phiwatch.security import EncryptedText, KeyedHash, enable_field_encryption
from phiwatch.simulate import HospitalConfig, simulate_hospital
from phiwatch.store import Store, open_store
from phiwatch.store.models.monitor import Person
from tests.security.conftest import settings_for


@dataclass(frozen=True)
class Needles:
    """Clear values of one patient and one workforce member, as the simulator wrote them."""

    mrn: str
    family: str
    birth: str
    line: str
    staff_family: str
    staff_given: str
    staff_id: str

    def all(self) -> dict[str, str]:
        return {
            "patient family name": self.family,
            "patient MRN": self.mrn,
            "patient birth date": self.birth,
            "patient street line": self.line,
            "staff family name": self.staff_family,
            "staff given name": self.staff_given,
        }


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sim")
    simulate_hospital(HospitalConfig(users=40, patients=500, days=3, seed=1, attacks=True), folder)
    return folder


def _resources(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _other_inputs(sim: Path) -> bytes:
    """Every simulator file except the ones that hold people's PHI."""
    people = {"Patient.ndjson", "Practitioner.ndjson", "patients.csv", "workforce.csv"}
    return b"".join(
        p.read_bytes() for p in sorted(sim.rglob("*")) if p.is_file() and p.name not in people
    )


@pytest.fixture(scope="module")
def needles(sim: Path) -> Needles:
    """A patient and a staff member whose values appear nowhere but in their own records."""
    others = _other_inputs(sim)

    def unique(*values: str) -> bool:
        return all(len(v) >= 6 and v.encode() not in others for v in values)

    bulk = sim / "context" / "bulk"
    patient = next(
        p
        for p in _resources(bulk / "Patient.ndjson")
        if unique(p["name"][0]["family"], p["birthDate"], p["address"][0]["line"][0])
    )
    staff = next(
        s
        for s in _resources(bulk / "Practitioner.ndjson")
        if unique(s["name"][0]["family"], s["name"][0]["given"][0])
    )
    return Needles(
        mrn=patient["id"],
        family=patient["name"][0]["family"],
        birth=patient["birthDate"],
        line=patient["address"][0]["line"][0],
        staff_family=staff["name"][0]["family"],
        staff_given=staff["name"][0]["given"][0],
        staff_id=staff["id"],
    )


def _leaks(data: bytes, needles: Needles) -> list[str]:
    return [what for what, value in needles.all().items() if value.encode() in data]


def _pipeline(settings: Settings, store: Store, sim: Path, context: str) -> None:
    load_context(settings, store, [sim / "context" / context])
    ingest(settings, sorted((sim / "events").glob("*.ndjson")))
    detect(settings, store)


@pytest.mark.parametrize("context", ["bulk", "csv"])
def test_database_files_and_lake_hold_no_clear_phi(
    sim: Path, needles: Needles, tmp_path: Path, context: str
) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path / "data"))
    store = open_store(settings)
    try:
        _pipeline(settings, store, sim, context)
        database = Path(settings.data_dir) / "phiwatch.db"
        files = [database, *database.parent.glob("phiwatch.db-*")]
        assert any(p.name.endswith("-wal") for p in files), "the WAL is part of the search"
        raw = b"".join(p.read_bytes() for p in files)
        own = pseudonymise(pseudonym_key(settings), needles.mrn)
        assert own.encode() in raw, "positive control: the pseudonym is stored in clear"
        assert _leaks(raw, needles) == []
        with store.reader() as session:  # the values are there, behind the cipher
            family, birth = session.execute(
                select(Person.family, Person.birth_date).where(Person.pseudonym == own)
            ).one()
        assert (family, birth) == (needles.family, needles.birth)
    finally:
        store.close()
    raw = b"".join(p.read_bytes() for p in files if p.exists())  # after the checkpoint
    assert _leaks(raw, needles) == []
    lake_root = Lake.of(settings).root
    lake_files = [p for p in lake_root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in lake_files)
    for path in lake_files:
        assert _leaks(path.read_bytes(), needles) == [], path.relative_to(lake_root)


def test_lake_values_are_pseudonyms_only(sim: Path, needles: Needles, tmp_path: Path) -> None:
    """Decoded, not just as bytes: Parquet compression could hide a clear value from a grep."""
    settings = load_settings(environ={}, data_dir=str(tmp_path / "data"))
    ingest(settings, sorted((sim / "events").glob("*.ndjson")))
    connection = Lake.of(settings).connect()
    try:
        rows = connection.execute("SELECT * FROM events").fetchall()
        users = {r[0] for r in connection.execute("SELECT user_pseudonym FROM events").fetchall()}
    finally:
        connection.close()
    assert rows
    values = [v.lower() for v in needles.all().values()] + [needles.staff_id.lower()]
    cells = {str(cell).lower() for row in rows for cell in row if cell is not None}
    assert [v for v in values if any(v in cell for cell in cells)] == []
    key = pseudonym_key(settings)
    staff = _resources(sim / "context" / "bulk" / "Practitioner.ndjson")
    assert {pseudonymise(key, s["id"]) for s in staff} & users  # users are there, keyed
    assert all(len(u) == 32 for u in users if u)


def test_person_columns_hold_ciphertext_and_hashes(
    store: Store, sim: Path, needles: Needles, tmp_path: Path
) -> None:
    """On SQLite and PostgreSQL: what the table holds when read around the cipher."""
    settings = settings_for(store, tmp_path)
    cipher = enable_field_encryption(store, settings)
    load_context(settings, store, [sim / "context" / "csv"])
    table = Person.metadata.tables["monitor_person"]
    encrypted = [c for c in table.columns if isinstance(c.type, EncryptedText)]
    hashed = [c for c in table.columns if isinstance(c.type, KeyedHash)]
    assert {c.name for c in encrypted} == {
        "identifier",
        "family",
        "given",
        "birth_date",
        "address_line",
        "city",
        "postal_code",
    }
    own = pseudonymise(pseudonym_key(settings), needles.mrn)
    with store.reader() as session:
        raw = (
            session.execute(
                select(*(type_coerce(c, Text).label(c.name) for c in table.columns)).where(
                    table.c.pseudonym == own
                )
            )
            .one()
            ._asdict()
        )
        assert all(str(raw[c.name]).startswith("phw1.") for c in encrypted)
        assert raw["family"] != needles.family and raw["state"]  # state stays clear
        # Each companion is the KeyedHash of the normalised value, so lookups find the row.
        assert raw["address_hash"] == cipher.keyed_hash(address_key(needles.line) or "")
        assert raw["street_hash"] == cipher.keyed_hash(street_key(needles.line) or "")
        for column, value in (
            (Person.identifier_hash, needles.mrn),
            (Person.family_hash, needles.family.upper()),  # case does not matter
            (Person.birth_date_hash, needles.birth),
        ):
            found = session.scalars(
                select(Person.pseudonym).where(column == value, Person.kind == "patient")
            ).all()
            assert own in found, column
        assert all(len(str(raw[c.name])) == 64 for c in hashed if raw[c.name] is not None)
