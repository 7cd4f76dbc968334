"""The evidence pack: an incident's whole record in one zip, each file's SHA-256 in a MANIFEST.

What goes in is what the store and the lake hold about the incident, as
they are when the pack is made: the incident and its sources, every scope
computation, every assessment version, the obligations and the notices
recorded, any other ``respond_*`` table that refers to the incident (letters
and reports, when they exist), the affected individuals by source (lake
pseudonyms) and the lake events behind each case or lake-query source.

No clear PHI goes in: affected individuals and events carry pseudonyms, and
columns stored encrypted are left out by name. ``verify_pack`` recomputes
every sum so that a pack handed to a regulator or counsel can be checked
later; a file changed, added or removed is reported.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select

from phiwatch.config import Settings
from phiwatch.errors import InputError, NotFoundError
from phiwatch.monitor import Lake, get_case
from phiwatch.respond._assessment import assessments
from phiwatch.respond._incidents import get_incident
from phiwatch.respond._status import incident_obligations
from phiwatch.security._fields import EncryptedText
from phiwatch.store import Store
from phiwatch.store.models._base import Base
from phiwatch.store.models.respond import AffectedIndividual, ScopeSnapshot

MANIFEST = "MANIFEST.sha256"
# Tables written by name below; any other respond_* table with incident_id is dumped generically.
_COVERED = {"respond_incident", "respond_source", "respond_affected", "respond_scope",
            "respond_assessment"}  # fmt: skip


def _json(value: Any) -> bytes:
    def default(item: Any) -> Any:
        if isinstance(item, datetime | date):
            return item.isoformat()
        return str(item)

    return (json.dumps(value, indent=2, sort_keys=True, default=default) + "\n").encode()


def _ndjson(rows: list[dict[str, Any]]) -> bytes:
    lines = [json.dumps(r, sort_keys=True, default=str) for r in rows]
    return ("\n".join(lines) + "\n" if lines else "").encode()


def _lake_where(detail: dict[str, Any]) -> tuple[str, list[Any]]:
    """The clauses of a lake source, rebuilt from what it recorded (as ``from_lake`` made them)."""
    clauses = ["patient_pseudonym IS NOT NULL"]
    params: list[Any] = []
    if "user_pseudonym" in detail:
        clauses.append("user_pseudonym = ?")
        params.append(detail["user_pseudonym"])
    if "address" in detail:
        clauses.append("network_address = ?")
        params.append(detail["address"])
    if "between" in detail:
        clauses.append("recorded BETWEEN ? AND ?")
        params.extend(datetime.fromisoformat(t) for t in detail["between"])
    return " AND ".join(clauses), params


def _events(settings: Settings, store: Store, source: dict[str, Any]) -> list[dict[str, Any]]:
    """The lake events behind a case or lake-query source (pseudonymised, as in the lake)."""
    lake = Lake.of(settings)
    if source["kind"] not in ("case", "lake") or not lake.manifests():
        return []
    connection = lake.connect()
    try:
        if source["kind"] == "case":
            case = get_case(store, int(source["detail"]["case"]))
            ids = sorted({e for alert in case["alert_list"] for e in alert["evidence"]})
            if not ids:
                return []
            connection.execute("CREATE TEMP TABLE wanted (event_id VARCHAR)")
            connection.executemany("INSERT INTO wanted VALUES (?)", [[e] for e in ids])
            where, params = "event_id IN (SELECT event_id FROM wanted)", list[Any]()
        else:
            where, params = _lake_where(source["detail"])
        cursor = connection.execute(
            f"SELECT * FROM events WHERE {where} ORDER BY recorded, event_id, patient_index",  # noqa: S608
            params,
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


def _other_tables(store: Store, incident_id: int) -> dict[str, list[dict[str, Any]]]:
    """Rows of other respond tables about this incident (notices, letters, reports)."""
    found: dict[str, list[dict[str, Any]]] = {}
    tables: list[Table] = [
        t
        for name, t in sorted(Base.metadata.tables.items())
        if name.startswith("respond_") and name not in _COVERED and "incident_id" in t.c
    ]
    with store.reader() as session:
        for table in tables:
            clear = [c for c in table.c if not isinstance(c.type, EncryptedText)]
            hidden = [c.name for c in table.c if isinstance(c.type, EncryptedText)]
            rows = session.execute(
                select(*clear)
                .where(table.c.incident_id == incident_id)
                .order_by(*table.primary_key)
            ).mappings()
            found[table.name] = [
                {**dict(r), **dict.fromkeys(hidden, "(encrypted; not in the pack)")} for r in rows
            ]
    return found


def pack_contents(settings: Settings, store: Store, incident_id: int) -> dict[str, bytes]:
    """Every file of the pack by its name in the zip (the MANIFEST excepted)."""
    record = get_incident(store, incident_id)
    sources = record.pop("sources")
    files: dict[str, bytes] = {
        "incident.json": _json(record),
        "sources.json": _json(sources),
        "assessments.json": _json(assessments(store, incident_id)),
        "obligations.json": _json(incident_obligations(store, incident_id)),
    }
    with store.reader() as session:
        scopes = [
            {"version": n, "computed_at": s.computed_at, "scope": json.loads(s.summary)}
            for n, s in enumerate(
                session.scalars(
                    select(ScopeSnapshot)
                    .where(ScopeSnapshot.incident_id == incident_id)
                    .order_by(ScopeSnapshot.id)
                ),
                start=1,
            )
        ]
        affected = session.execute(
            select(AffectedIndividual.source_id, AffectedIndividual.patient_pseudonym)
            .where(AffectedIndividual.incident_id == incident_id)
            .order_by(AffectedIndividual.source_id, AffectedIndividual.patient_pseudonym)
        ).all()
    files["scope_versions.json"] = _json(scopes)
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["source", "patient_pseudonym"])
    writer.writerows(affected)
    files["affected.csv"] = table.getvalue().encode()
    for name, rows in _other_tables(store, incident_id).items():
        files[f"notices/{name}.json"] = _json(rows)
    for source in sources:
        events = _events(settings, store, source)
        if events:
            files[f"events/source-{source['id']}-{source['kind']}.ndjson"] = _ndjson(events)
    return files


def _manifest(files: dict[str, bytes]) -> bytes:
    lines = [f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in sorted(files.items())]
    return ("\n".join(lines) + "\n").encode()


def write_pack(settings: Settings, store: Store, incident_id: int, out: Path) -> dict[str, Any]:
    """Write the pack to ``out`` (whole or not at all: a temporary name, then a rename)."""
    if out.suffix.lower() != ".zip":
        raise InputError("--out expects a file name ending in .zip", file=out.name)
    if not out.parent.is_dir():
        raise InputError("the folder does not exist", file=str(out.parent))
    files = pack_contents(settings, store, incident_id)
    manifest = _manifest(files)
    partial = out.with_name(f".{out.name}.partial")
    stamp = datetime.now(UTC).timetuple()[:6]
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in sorted({**files, MANIFEST: manifest}.items()):
                archive.writestr(zipfile.ZipInfo(name, date_time=stamp), data)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return {
        "incident": incident_id,
        "file": str(out),
        "files": len(files),
        "events": sum(d.count(b"\n") for n, d in files.items() if n.startswith("events/")),
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
    }


def verify_pack(path: Path) -> dict[str, Any]:
    """Recompute every sum of a pack: ``ok`` and the problems found (changed, missing, extra)."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise NotFoundError(f"no such file: {path}") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"not a zip file ({type(exc).__name__})", file=path.name) from None
    problems: list[str] = []
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            raise InputError(f"no {MANIFEST} in the pack", file=path.name)
        listed: dict[str, str] = {}
        for number, line in enumerate(archive.read(MANIFEST).decode().splitlines(), start=1):
            digest, sep, name = line.partition("  ")
            if not sep or len(digest) != 64:
                raise InputError("expected '<sha256>  <name>'", file=MANIFEST, line=number)
            listed[name] = digest
        for name, digest in sorted(listed.items()):
            if name not in names:
                problems.append(f"missing: {name}")
            elif hashlib.sha256(archive.read(name)).hexdigest() != digest:
                problems.append(f"changed: {name}")
        problems.extend(
            f"not in the manifest: {n}" for n in sorted(names - set(listed) - {MANIFEST})
        )
    return {"file": path.name, "files": len(listed), "ok": not problems, "problems": problems}
