"""phiwatch's own audit trail: BALP AuditEvents, a hash chain, and verify naming the culprit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, update

from phiwatch.security import (
    Principal,
    Role,
    build_audit_event,
    iter_events,
    record_phi_access,
    verify_trail,
)
from phiwatch.store.models.security import AuditHead, AuditRecord

REVIEWER = Principal(user_id=1, username="rita", role=Role.reviewer, via="session")


def _fill(store, n: int = 5) -> None:
    for i in range(1, n + 1):
        record_phi_access(
            store,
            action="view",
            who=REVIEWER,
            patients=[f"p-{i}"],
            purpose=f"Case/{i}",
            address="10.0.0.5",
            what=f"Alert/{i}",
        )


def test_event_follows_balp() -> None:
    event = build_audit_event(
        action="search",
        who=REVIEWER,
        patients=["p-1", "p-2", "p-1"],
        purpose="Case/9",
        address="10.0.0.5",
        what="Alert/3",
    )
    assert event["resourceType"] == "AuditEvent"
    assert event["action"] == "E" and event["subtype"][0]["code"] == "search-type"
    agent = event["agent"][0]
    assert agent["requestor"] is True
    assert agent["who"]["identifier"]["value"] == "rita"
    assert agent["network"] == {"address": "10.0.0.5", "type": "2"}
    patients = [
        e["what"]["reference"]
        for e in event["entity"]
        if e.get("role", {}).get("display") == "Patient"
    ]
    assert patients == ["Patient/p-1", "Patient/p-2"]
    assert event["purposeOfEvent"][0]["text"] == "Case/9"
    assert event["recorded"].endswith("Z")


def test_intact_trail_verifies(store) -> None:
    _fill(store)
    verdict = verify_trail(store)
    assert verdict.ok and verdict.records == 5 and verdict.problem is None


def test_altered_record_is_named(store) -> None:
    _fill(store)
    with store.transaction() as session:
        resource = session.scalar(select(AuditRecord.resource).where(AuditRecord.seq == 3))
        altered = resource.replace("rita", "mallory")
        session.execute(update(AuditRecord).where(AuditRecord.seq == 3).values(resource=altered))
    verdict = verify_trail(store)
    assert not verdict.ok and verdict.problem_seq == 3 and "altered" in str(verdict.problem)


def test_removed_record_is_named(store) -> None:
    _fill(store)
    with store.transaction() as session:
        session.execute(delete(AuditRecord).where(AuditRecord.seq == 2))
    verdict = verify_trail(store)
    assert not verdict.ok and verdict.problem_seq == 2 and "missing" in str(verdict.problem)


def test_reordered_records_are_named(store) -> None:
    _fill(store)
    with store.transaction() as session:
        rows = {
            r.seq: r
            for r in session.scalars(select(AuditRecord).where(AuditRecord.seq.in_([2, 4])))
        }
        swapped = {seq: (r.resource, r.prev_hash, r.hash) for seq, r in rows.items()}
        for seq, other in ((2, 4), (4, 2)):
            resource, prev, digest = swapped[other]
            session.execute(
                update(AuditRecord)
                .where(AuditRecord.seq == seq)
                .values(resource=resource, prev_hash=prev, hash=digest)
            )
    verdict = verify_trail(store)
    assert not verdict.ok and verdict.problem_seq == 2


def test_removed_tail_is_detected(store) -> None:
    _fill(store)
    with store.transaction() as session:
        session.execute(delete(AuditRecord).where(AuditRecord.seq == 5))
    verdict = verify_trail(store)
    assert not verdict.ok and verdict.problem_seq == 5 and "removed" in str(verdict.problem)


def test_rehashed_record_still_breaks_the_next_link(store) -> None:
    """An attacker who fixes the altered record's own hash is caught at the next record."""
    from phiwatch.security._audit import canonical_json, chain_hash

    _fill(store)
    with store.transaction() as session:
        record = session.get(AuditRecord, 3)
        resource = json.loads(record.resource)
        resource["agent"][0]["who"]["identifier"]["value"] = "mallory"
        text = canonical_json(resource)
        record.resource = text
        record.hash = chain_hash(3, record.prev_hash, text)
    verdict = verify_trail(store)
    assert not verdict.ok and verdict.problem_seq == 4


def test_export_is_ndjson_of_audit_events_with_chain_hashes(store) -> None:
    _fill(store, 3)
    events = list(iter_events(store))
    assert [e["id"] for e in events] == ["phiwatch-1", "phiwatch-2", "phiwatch-3"]
    assert all(e["meta"]["extension"][0]["valueString"] for e in events)
    assert next(iter(iter_events(store, since=2)))["id"] == "phiwatch-3"
    with store.reader() as session:
        assert session.get(AuditHead, 1).seq == 3


def test_unknown_action_is_refused() -> None:
    from phiwatch.errors import InputError

    with pytest.raises(InputError):
        build_audit_event(action="peek", who="x", patients=[], purpose=None, address=None)  # type: ignore[arg-type]


def test_concurrent_writers_keep_one_unbroken_chain(store) -> None:
    """Four threads appending at once: the head row serialises them, nothing is lost."""
    import threading

    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(15):
                record_phi_access(
                    store,
                    action="search",
                    who=f"user{worker}",
                    patients=[f"p{worker}-{i}"],
                    purpose=None,
                    address=None,
                )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    verdict = verify_trail(store)
    assert verdict.ok and verdict.records == 60
