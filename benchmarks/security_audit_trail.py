"""phiwatch's own audit trail: appending chained AuditEvents, and verifying the chain.

The floor, in the same run and store, is inserting the same JSON resources
into a table with no chain (one transaction each, as the trail does). Prints
one result line: appends per second for both with the ratio, and verification
speed in records per second.

    python benchmarks/security_audit_trail.py --events 2000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

from sqlalchemy import Integer, MetaData, Text, insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from phiwatch.config import load_settings
from phiwatch.security import build_audit_event, record_phi_access, verify_trail
from phiwatch.store import open_store


class _Base(DeclarativeBase):
    metadata = MetaData()


class Unchained(_Base):
    __tablename__ = "bench_unchained"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource: Mapped[str] = mapped_column(Text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(environ={}, data_dir=folder, secret_key="b" * 48)
        store = open_store(settings)
        _Base.metadata.create_all(store.engine)
        started = time.perf_counter()
        for i in range(args.events):
            event = build_audit_event(
                action="view", who="rita", patients=[f"p{i}"], purpose="Case/1", address="10.0.0.1"
            )
            with store.transaction() as session:
                session.execute(insert(Unchained).values(resource=json.dumps(event)))
        floor = args.events / (time.perf_counter() - started)
        started = time.perf_counter()
        for i in range(args.events):
            record_phi_access(
                store,
                action="view",
                who="rita",
                patients=[f"p{i}"],
                purpose="Case/1",
                address="10.0.0.1",
            )
        chained = args.events / (time.perf_counter() - started)
        started = time.perf_counter()
        verdict = verify_trail(store)
        verify = verdict.records / (time.perf_counter() - started)
        assert verdict.ok and verdict.records == args.events
        store.close()
    print(
        f"audit trail, {args.events} events (SQLite, one transaction each): "
        f"append {chained:,.0f}/s "
        f"vs unchained insert {floor:,.0f}/s (ratio {floor / chained:.2f}x slower); "
        f"verify {verify:,.0f} records/s"
    )


if __name__ == "__main__":
    main()
