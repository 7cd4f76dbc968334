"""Scope of an incident covering 1,000,000 individuals, all found by one lake query.

    python benchmarks/respond_scope.py                      # 1,000,000 patients
    python benchmarks/respond_scope.py --patients 100000
    python benchmarks/respond_scope.py --workdir /tmp/rs    # keep the prepared data; reuse it

Setup (not timed): a context of N patients (patients.csv, 50 states, some
without an address) loaded into a fresh SQLite store, and N events by one
user (``bulk-1``), 1,000 patients per event, ingested into the lake.

Timed: ``from_lake(user="bulk-1")`` (the DuckDB query), ``add_source``
(storing N affected pseudonyms and computing the scope: counts by state,
minors, deceased, unreachable). Floor: the DuckDB query alone that returns
the same distinct patients. The result line gives seconds and the ratio.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from phiwatch import respond
from phiwatch.config import Settings, load_settings
from phiwatch.monitor import Lake, ingest, load_context, pseudonym_key, pseudonymise
from phiwatch.security import enable_field_encryption
from phiwatch.store import open_store

SECRET = "benchmark-secret-" + "x" * 32
STATES = [f"S{n:02d}" for n in range(50)]
PER_EVENT = 1_000


def _prepare(settings: Settings, work: Path, patients: int) -> None:
    context = work / "context"
    context.mkdir(parents=True, exist_ok=True)
    with (context / "patients.csv").open("w", encoding="utf-8") as out:
        out.write("patient_id,family,given,birth_date,line,city,state,postal_code,vip,deceased\n")
        for n in range(patients):
            line = "" if n % 97 == 0 else f"{n} Main Street"
            birth = f"{1930 + n % 90}-{1 + n % 12:02d}-{1 + n % 28:02d}"
            dead = "true" if n % 211 == 0 else "false"
            out.write(f"p{n},F{n},G,{birth},{line},Town,{STATES[n % 50]},1000,false,{dead}\n")
    events = work / "events.ndjson"
    with events.open("w", encoding="utf-8") as out:
        for first in range(0, patients, PER_EVENT):
            last = min(first + PER_EVENT, patients)
            event = {
                "resourceType": "AuditEvent",
                "id": f"bulk-{first}",
                "subtype": [{"code": "search-type"}],
                "action": "E",
                "recorded": f"2026-02-{1 + first * 27 // patients:02d}T02:00:00Z",
                "outcome": "0",
                "agent": [{"who": {"reference": "Practitioner/bulk-1"}, "requestor": True}],
                "entity": [
                    {"what": {"reference": f"Patient/p{n}"}, "role": {"code": "1"}}
                    for n in range(first, last)
                ],
            }
            out.write(json.dumps(event) + "\n")
    store = open_store(settings)
    enable_field_encryption(store, settings)
    started = time.perf_counter()
    load_context(settings, store, [context])
    print(f"setup: context loaded in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    ingest(settings, [events])
    print(f"setup: ingested in {time.perf_counter() - started:.1f} s", flush=True)
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="respond-scope-"))
    settings = load_settings(environ={}, data_dir=str(work / "data"), secret_key=SECRET)
    if not (work / "data").exists():
        _prepare(settings, work, args.patients)
    store = open_store(settings)
    enable_field_encryption(store, settings)

    started = time.perf_counter()
    connection = Lake.of(settings).connect()
    user = pseudonymise(pseudonym_key(settings), "bulk-1")
    floor_rows = connection.execute(
        "SELECT DISTINCT patient_pseudonym FROM events WHERE user_pseudonym = ?", [user]
    ).fetchall()
    connection.close()
    floor = time.perf_counter() - started

    started = time.perf_counter()
    found = respond.from_lake(settings, user="bulk-1")
    query = time.perf_counter() - started
    incident = respond.open_incident(store, "Benchmark", discovered=date(2026, 3, 2))
    started = time.perf_counter()
    result = respond.add_source(store, incident, found)
    stored = time.perf_counter() - started
    scope = result["scope"]
    assert scope["individuals"] == len(floor_rows) == args.patients, scope["individuals"]
    total = query + stored
    print(
        f"result: scope of {scope['individuals']:,} individuals in {total:.1f} s "
        f"(lake query {query:.1f} s, store + scope {stored:.1f} s; floor, DuckDB distinct "
        f"patients alone: {floor:.2f} s; ratio {total / floor:.0f}x); "
        f"{len(scope['by_state'])} states, {scope['unreachable']:,} unreachable, "
        f"{scope['minors']:,} minors, {scope['deceased']:,} deceased",
        flush=True,
    )
    store.close()
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
