"""phiwatch's own audit trail: FHIR AuditEvents (IHE BALP), chained by hash.

Every view, search, export or change of PHI inside phiwatch is recorded with
``record_phi_access``: who (the user, and from which address), which
patients (opaque ids as ``Patient/<id>`` references, never names), when, and
why (the case or incident it belongs to). The resources follow the IHE Basic
Audit Log Patterns (agent with ``requestor: true``, the patient as an entity
with role "Patient"), so ``phiwatch audit export`` produces NDJSON that
phiwatch's own monitor can ingest: its users are watched by the same
detectors as the EHR's.

Tamper evidence: record *n* stores ``hash_n = SHA-256(n, hash_{n-1},
resource)``. Changing a record breaks its own hash; deleting one leaves a gap
in the sequence; moving one breaks the link to its neighbour; cutting the
tail disagrees with the head row. ``verify_trail`` names the first record at
fault. (An attacker who can rewrite the database *and* recompute every hash
defeats any chain kept in the same place; publish ``head`` elsewhere, e.g.
in a daily e-mail, to anchor it.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from phiwatch.errors import InputError
from phiwatch.security._principal import Principal
from phiwatch.store import Store
from phiwatch.store.models.security import AuditHead, AuditRecord

GENESIS = "0" * 64
CHAIN_EXTENSION = "https://phiwatch.invalid/fhir/StructureDefinition/audit-chain-hash"
USER_SYSTEM = "urn:phiwatch:user"
DESCRIPTION_EXTENSION = "https://phiwatch.invalid/fhir/StructureDefinition/audit-description"

Action = Literal["view", "search", "export", "change", "create", "delete"]

# BALP: the FHIR restful interaction (or DICOM Export) and the AuditEvent action code.
_SUBTYPES: dict[str, tuple[dict[str, str], str]] = {
    "view": ({"system": "http://hl7.org/fhir/restful-interaction", "code": "read"}, "R"),
    "search": ({"system": "http://hl7.org/fhir/restful-interaction", "code": "search-type"}, "E"),
    "export": (
        {
            "system": "http://dicom.nema.org/resources/ontology/DCM",
            "code": "110106",
            "display": "Export",
        },
        "R",
    ),
    "change": ({"system": "http://hl7.org/fhir/restful-interaction", "code": "update"}, "U"),
    "create": ({"system": "http://hl7.org/fhir/restful-interaction", "code": "create"}, "C"),
    "delete": ({"system": "http://hl7.org/fhir/restful-interaction", "code": "delete"}, "D"),
}


def canonical_json(resource: dict[str, Any]) -> str:
    return json.dumps(resource, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(seq: int, prev_hash: str, resource_json: str) -> str:
    material = f"{seq}\n{prev_hash}\n{resource_json}".encode()
    return hashlib.sha256(material).hexdigest()


def build_audit_event(
    *,
    action: Action,
    who: Principal | str,
    patients: Sequence[str],
    purpose: str | None,
    address: str | None,
    what: str | None = None,
    description: str | None = None,
    recorded: datetime | None = None,
    success: bool = True,
) -> dict[str, Any]:
    """A FHIR R4 AuditEvent following IHE BALP for one PHI access inside phiwatch.

    ``patients`` are opaque ids (becoming ``Patient/<id>``); ``what`` names the
    object looked at (``"Alert/17"``); ``purpose`` the case or incident (``"Case/4"``).
    """
    if action not in _SUBTYPES:
        raise InputError(f"unknown audit action {action!r}")
    subtype, action_code = _SUBTYPES[action]
    username = who.username if isinstance(who, Principal) else who
    when = (recorded or datetime.now(UTC)).astimezone(UTC)
    requestor: dict[str, Any] = {
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                    "code": "IRCP",
                    "display": "information recipient",
                }
            ]
        },
        "who": {"identifier": {"system": USER_SYSTEM, "value": username}},
        "requestor": True,
    }
    if isinstance(who, Principal):
        requestor["role"] = [{"text": who.role.value}]
    if address:
        requestor["network"] = {"address": address, "type": "2"}
    entities: list[dict[str, Any]] = [
        {
            "what": {"reference": f"Patient/{patient}"},
            "type": {
                "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                "code": "1",
                "display": "Person",
            },
            "role": {
                "system": "http://terminology.hl7.org/CodeSystem/object-role",
                "code": "1",
                "display": "Patient",
            },
        }
        for patient in dict.fromkeys(patients)
    ]
    if what:
        entities.append(
            {
                "what": {"reference": what},
                "type": {
                    "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                    "code": "2",
                    "display": "System Object",
                },
            }
        )
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "type": {
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
            "display": "Restful Operation",
        },
        "subtype": [subtype],
        "action": action_code,
        "recorded": when.isoformat().replace("+00:00", "Z"),
        "outcome": "0" if success else "4",
        "agent": [requestor],
        "source": {
            "observer": {"display": "phiwatch"},
            "type": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/security-source-type",
                    "code": "4",
                    "display": "Application Server",
                }
            ],
        },
        "entity": entities,
    }
    if purpose:
        event["purposeOfEvent"] = [{"text": purpose}]
    if description:
        event["extension"] = [{"url": DESCRIPTION_EXTENSION, "valueString": description}]
    return event


_DCM = "http://dicom.nema.org/resources/ontology/DCM"
_AUTHENTICATION: dict[str, dict[str, str]] = {
    "login": {"system": _DCM, "code": "110122", "display": "Login"},
    "logout": {"system": _DCM, "code": "110123", "display": "Logout"},
}


def build_authentication_event(
    *,
    event: Literal["login", "logout"],
    who: Principal | str,
    address: str | None,
    method: str | None = None,
    recorded: datetime | None = None,
) -> dict[str, Any]:
    """A DICOM/IHE "User Authentication" AuditEvent: a sign-in or sign-out (no patient)."""
    username = who.username if isinstance(who, Principal) else who
    when = (recorded or datetime.now(UTC)).astimezone(UTC)
    agent: dict[str, Any] = {
        "who": {"identifier": {"system": USER_SYSTEM, "value": username}},
        "requestor": True,
    }
    if address:
        agent["network"] = {"address": address, "type": "2"}
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "type": {"system": _DCM, "code": "110114", "display": "User Authentication"},
        "subtype": [_AUTHENTICATION[event]],
        "action": "E",
        "recorded": when.isoformat().replace("+00:00", "Z"),
        "outcome": "0",
        "agent": [agent],
        "source": {"observer": {"display": "phiwatch"}},
    }
    if method:
        resource["extension"] = [{"url": DESCRIPTION_EXTENSION, "valueString": method}]
    return resource


def record_authentication(
    store: Store,
    *,
    event: Literal["login", "logout"],
    who: Principal | str,
    address: str | None,
    method: str | None = None,
) -> int:
    """Record a sign-in or sign-out in the trail (failed attempts go to the throttle only)."""
    resource = build_authentication_event(event=event, who=who, address=address, method=method)
    return append_event(store, resource)


def _bump_head(session: Session) -> tuple[int, str]:
    """Take the chain's write lock by updating the head row first; returns (seq, prev hash).

    The UPDATE comes before any read in the transaction, so on SQLite the write
    lock is taken at once and on PostgreSQL the row lock queues other writers.
    """
    bumped = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.hash)
    ).one_or_none()
    if bumped is None:
        session.execute(insert(AuditHead).values(id=1, seq=1, hash=GENESIS))
        return 1, GENESIS
    return int(bumped.seq), str(bumped.hash)


def append_event(store: Store, event: dict[str, Any]) -> int:
    """Add ``event`` to the chain in its own transaction; returns its sequence number."""
    for attempt in range(3):
        try:
            with store.transaction() as session:
                return append_event_in(session, event)
        except IntegrityError:  # two writers created the head row at once; try again
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def append_event_in(session: Session, event: dict[str, Any]) -> int:
    """Add ``event`` inside the caller's transaction (so it commits with the change it records)."""
    seq, prev = _bump_head(session)
    resource = dict(event, id=f"phiwatch-{seq}")
    text = canonical_json(resource)
    digest = chain_hash(seq, prev, text)
    recorded = datetime.now(UTC)
    session.execute(
        insert(AuditRecord).values(
            seq=seq, recorded_at=recorded, resource=text, prev_hash=prev, hash=digest
        )
    )
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=digest))
    return seq


def record_phi_access(
    store: Store,
    *,
    action: Action,
    who: Principal | str,
    patients: Sequence[str],
    purpose: str | None,
    address: str | None,
    what: str | None = None,
    description: str | None = None,
) -> int:
    """Record one view/search/export/change of PHI; returns the record's sequence number."""
    event = build_audit_event(
        action=action,
        who=who,
        patients=patients,
        purpose=purpose,
        address=address,
        what=what,
        description=description,
    )
    return append_event(store, event)


@dataclass(frozen=True)
class TrailVerdict:
    """The outcome of ``verify_trail``: ``problem_seq`` names the first record at fault."""

    ok: bool
    records: int
    head_hash: str
    problem_seq: int | None = None
    problem: str | None = None


def verify_trail(store: Store) -> TrailVerdict:
    """Walk the chain from the start; stop at the first record that does not fit."""
    with store.reader() as session:
        head = session.execute(select(AuditHead.seq, AuditHead.hash)).one_or_none()
        records = session.execute(
            select(AuditRecord.seq, AuditRecord.resource, AuditRecord.prev_hash, AuditRecord.hash)
            .order_by(AuditRecord.seq)
            .execution_options(yield_per=1000)
        )
        try:
            verdict = _walk(records)
        finally:
            records.close()  # a server-side cursor on PostgreSQL; release it even on early exit
    if isinstance(verdict, TrailVerdict):
        return verdict
    count, prev = verdict
    head_seq = int(head.seq) if head is not None else 0
    if head_seq != count or (head is not None and head.hash != prev):
        return TrailVerdict(
            False,
            count,
            prev,
            count + 1,
            f"the trail ends at record {count} but its head says {head_seq}: "
            f"records after {count} were removed",
        )
    return TrailVerdict(True, count, prev)


def _walk(records: Iterable[Any]) -> TrailVerdict | tuple[int, str]:
    """The first fault as a verdict, or (records checked, last hash) when none."""
    expected, prev, count = 1, GENESIS, 0
    for seq, resource, prev_hash, digest in records:
        if seq != expected:
            return TrailVerdict(
                False,
                count,
                prev,
                expected,
                f"record {expected} is missing (removed); the next record is {seq}",
            )
        if chain_hash(seq, prev_hash, resource) != digest or not _id_matches(resource, seq):
            return TrailVerdict(False, count, prev, seq, f"record {seq} was altered or moved")
        if prev_hash != prev:
            return TrailVerdict(
                False,
                count,
                prev,
                seq,
                f"record {seq} does not follow record {seq - 1} (records removed or reordered)",
            )
        prev, expected, count = digest, expected + 1, count + 1
    return count, prev


def _id_matches(resource: str, seq: int) -> bool:
    try:
        return bool(json.loads(resource).get("id") == f"phiwatch-{seq}")
    except ValueError:
        return False


def iter_events(store: Store, *, since: int = 0) -> Iterator[dict[str, Any]]:
    """Each AuditEvent in order, with its chain hash as an extension (for export)."""
    with store.reader() as session:
        rows = session.execute(
            select(AuditRecord.resource, AuditRecord.hash)
            .where(AuditRecord.seq > since)
            .order_by(AuditRecord.seq)
            .execution_options(yield_per=1000)
        )
        try:
            for resource, digest in rows:
                event = json.loads(resource)
                meta = event.setdefault("meta", {})
                meta["extension"] = [{"url": CHAIN_EXTENSION, "valueString": digest}]
                yield event
        finally:
            rows.close()


def write_ndjson(events: Iterable[dict[str, Any]], out: Any) -> int:
    """Write events one JSON object a line; returns how many."""
    count = 0
    for event in events:
        out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count
