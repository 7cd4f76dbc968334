"""Breach notices at scale: the mail-house file for 1,000,000 recipients; PDF letters per second.

    python benchmarks/respond_notices.py                        # 1,000,000 recipients
    python benchmarks/respond_notices.py --recipients 100000
    python benchmarks/respond_notices.py --workdir /tmp/rn      # keep the prepared store; reuse it
    python benchmarks/respond_notices.py --pdf-letters 100      # how many PDF letters to time
    python benchmarks/respond_notices.py --workers 1            # one process (default: per core)

Setup (not timed): a fresh SQLite store with field encryption on; N patients
written directly into the context tables (``monitor_person`` through its
ORM table, so whatever the model encrypts is encrypted; ``monitor_patient``
with every 211th deceased and every 8th preferring Spanish), one incident
whose one source holds all N pseudonyms, and the facts a letter needs (in
English and Spanish). Patients are born 1930-2019, so
some letters go to a parent; every 97th has no street line.

Timed: ``write_mailhouse`` (the three variant templates as HTML and PDF,
then every recipient streamed from the context in chunks into
recipients.csv, the SHA-256 manifest), and ``write_letters(pdf=True)`` for
``--pdf-letters`` letters (one WeasyPrint PDF each). Floor for the
mail-house file: the same rows read with one plain SQL query and written
with the csv module (no ORM, no chunks, no decryption).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import insert

from phiwatch import respond
from phiwatch.config import Settings, load_settings
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store, open_store
from phiwatch.store.models.monitor import ContextVersion, Patient, Person
from phiwatch.store.models.respond import AffectedIndividual, IncidentSource

SECRET = "benchmark-secret-" + "x" * 32
STATES = [f"S{n:02d}" for n in range(50)]
BATCH = 50_000
FACTS = {
    "organisation": "Benchmark Health",
    "org_state": "IL",
    "entity_type": "provider",
    "what_happened": "An attacker copied a database of patient records.",
    "org_actions": "We closed the hole, called in forensic experts and told the FBI.",
    "breach_types": "hacking",
    "locations": "server",
    "contact_phone": "1-800-555-0100",
    "contact_web": "https://benchmark.example/notice",
    "what_happened_es": "Un atacante copió una base de datos con expedientes de pacientes.",
    "org_actions_es": "Cerramos la falla, llamamos a expertos forenses e informamos al FBI.",
}


def _pseudonym(n: int) -> str:
    return f"{n:032x}"


def _person(version_id: int, n: int) -> dict[str, object]:
    """A patient row as ``load_context`` writes it: values, and the keyed-hash companions
    (assigned the normalised values; ``KeyedHash`` hashes them, ``EncryptedText`` encrypts)."""
    birth = f"{1930 + n % 90}-{1 + n % 12:02d}-{1 + n % 28:02d}"
    line = None if n % 97 == 0 else f"{n} Main Street"
    postal = f"{10000 + n % 89999}"
    return {
        "version_id": version_id,
        "kind": "patient",
        "pseudonym": _pseudonym(n),
        "identifier": f"p{n}",
        "family": f"Family{n}",
        "given": "Given",
        "birth_date": birth,
        "address_line": line,
        "city": "Town",
        "state": STATES[n % 50],
        "postal_code": postal,
        "identifier_hash": f"p{n}",
        "family_hash": f"family{n}",
        "given_hash": "given",
        "birth_date_hash": birth,
        "address_hash": line.lower() if line else None,
        "street_hash": "main street" if line else None,
        "city_hash": "town",
        "postal_code_hash": postal,
    }


def _prepare(settings: Settings, recipients: int) -> int:
    store = open_store(settings)
    enable_field_encryption(store, settings)
    started = time.perf_counter()
    with store.transaction() as session:
        version = ContextVersion(
            source="benchmark", patients=recipients, workforce=0, relationships=0
        )
        session.add(version)
        session.flush()
        version_id = version.id
    for first in range(0, recipients, BATCH):
        numbers = range(first, min(first + BATCH, recipients))
        with store.transaction() as session:
            session.execute(
                insert(Person),
                [_person(version_id, n) for n in numbers],
            )
            session.execute(
                insert(Patient),
                [
                    {
                        "version_id": version_id,
                        "pseudonym": _pseudonym(n),
                        "vip": False,
                        "deceased": n % 211 == 0,
                        "language": "es" if n % 8 == 0 else None,  # 12.5% prefer Spanish
                    }
                    for n in numbers
                ],
            )
    print(f"setup: {recipients:,} patients in {time.perf_counter() - started:.1f} s", flush=True)
    incident = respond.open_incident(store, "Benchmark", discovered=date(2026, 3, 2))
    with store.transaction() as session:
        source = IncidentSource(
            incident_id=incident, kind="csv", detail="{}", elements='["ssn"]', individuals=0
        )
        session.add(source)
        session.flush()
        source_id = source.id
    for first in range(0, recipients, BATCH):
        with store.transaction() as session:
            session.execute(
                insert(AffectedIndividual),
                [
                    {
                        "incident_id": incident,
                        "source_id": source_id,
                        "patient_pseudonym": _pseudonym(n),
                    }
                    for n in range(first, min(first + BATCH, recipients))
                ],
            )
    respond.compute_scope(store, incident)
    respond.set_facts(store, incident, **FACTS)
    store.close()
    return incident


def _floor(database: Path, out: Path) -> float:
    """One plain SQL query over the same rows into a CSV: what streaming cannot beat."""
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    rows = connection.execute(
        "SELECT p.pseudonym, p.given, p.family, p.address_line, p.city, p.state, p.postal_code "
        "FROM monitor_person p JOIN (SELECT DISTINCT patient_pseudonym FROM respond_affected) a "
        "ON a.patient_pseudonym = p.pseudonym ORDER BY p.pseudonym"
    )
    with out.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    connection.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--pdf-letters", type=int, default=50)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--workers", type=int, help="processes for the mail-house file")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="respond-notices-"))
    settings = load_settings(environ={}, data_dir=str(work / "data"), secret_key=SECRET)
    incident = 1
    if not (work / "data").exists():
        incident = _prepare(settings, args.recipients)
    store: Store = open_store(settings)
    enable_field_encryption(store, settings)
    for name in ("mailhouse", "letters", "floor.csv"):
        target = work / name
        if target.is_dir():
            shutil.rmtree(target)
        target.unlink(missing_ok=True)

    started = time.perf_counter()
    manifest = respond.write_mailhouse(
        settings, store, incident, work / "mailhouse", workers=args.workers
    )
    mailhouse = time.perf_counter() - started
    floor = _floor(work / "data" / "phiwatch.db", work / "floor.csv")
    print(
        f"result: mail-house file for {manifest['letters']:,} recipients "
        f"({manifest['unreachable']:,} without an address; {manifest['by_variant']}; "
        f"{manifest['by_language']}) in "
        f"{mailhouse:.1f} s; floor (one SQL query to CSV) {floor:.1f} s; "
        f"ratio {mailhouse / floor:.1f}x; goal < 60 s: {'met' if mailhouse < 60 else 'MISSED'}",
        flush=True,
    )

    started = time.perf_counter()
    letters = respond.write_letters(
        settings, store, incident, work / "letters", pdf=True, limit=args.pdf_letters
    )
    seconds = time.perf_counter() - started
    print(
        f"result: {letters['letters']} PDF letters in {seconds:.1f} s: "
        f"{letters['letters'] / seconds:.1f} letters per second "
        f"(one WeasyPrint document per letter)",
        flush=True,
    )
    store.close()
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
