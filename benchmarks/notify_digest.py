"""Patient alerts at hospital scale: daily digests for 500,000 subscribed patients, then delivery.

    python benchmarks/notify_digest.py                        # 500,000 patients, 5,000 users
    python benchmarks/notify_digest.py --patients 20000 --users 500
    python benchmarks/notify_digest.py --workdir /tmp/nb      # keep the prepared hospital; reuse it

Setup (not timed): the simulated hospital (2 days of access logs), its
context loaded, every patient subscribed to a daily digest (e-mail, no
immediate alerts), the logs ingested. Then:

* **compose**: ``phiwatch.notify.compose`` writes the digests of day 1 into
  the outbox (every access of every subscribed patient explained, grouped,
  rendered from the Jinja2 templates in text and HTML, encrypted, inserted).
  Floor: the DuckDB query alone that groups the same day's events per
  subscribed patient (no explanation, no rendering, no store).
* **deliver**: ``phiwatch.notify.deliver`` sends ``--deliver`` of those
  messages to an aiosmtpd server on 127.0.0.1 (claim, decrypt, send, mark
  sent, one transaction per message). Floor: smtplib sending the same number
  of ready-made messages over one connection to the same server.

With ``--alerts`` every subscription also wants immediate alerts, so the same
compose also writes an alert per patient per ingest (every change, every
unexplained access) before the digests.

Each figure is printed as a result line with its ratio to the floor.
"""

from __future__ import annotations

import argparse
import shutil
import smtplib
import socket
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from phiwatch.config import Settings, load_settings
from phiwatch.monitor import Lake, ingest, load_context
from phiwatch.notify import SubscriptionRequest, compose, deliver, subscribe_many
from phiwatch.simulate import HospitalConfig, simulate_hospital
from phiwatch.store import open_store
from phiwatch.store.models.monitor import Person

SECRET = "benchmark-secret-" + "x" * 32


class Sink:
    """Counts what it accepts (the SMTP server both runs deliver to)."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(work: Path, users: int, patients: int) -> Settings:
    settings = load_settings(environ={}, data_dir=str(work / "data"), secret_key=SECRET)
    marker = work / "prepared"
    if marker.exists():
        return settings
    if work.exists():
        shutil.rmtree(work)
    started = time.perf_counter()
    config = HospitalConfig(users=users, patients=patients, days=2, seed=3, formats=("csv",))
    simulate_hospital(config, work / "sim")
    print(f"setup: simulated in {time.perf_counter() - started:.1f} s", flush=True)
    store = open_store(settings)
    started = time.perf_counter()
    load_context(settings, store, [work / "sim" / "context" / "csv"])
    print(f"setup: context loaded in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    with store.reader() as session:
        ids = [i for (i,) in session.query(Person.identifier).filter(Person.kind == "patient")]
    requests: list[tuple[SubscriptionRequest, dict[str, object]]] = [
        (
            SubscriptionRequest(
                pid, email=f"patient{n}@mail{n % 50}.example", immediate=False, digest="daily"
            ),
            {},
        )
        for n, pid in enumerate(ids)
    ]
    subscribe_many(store, settings, requests)
    print(f"setup: {len(ids):,} subscribed in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    ingest(settings, sorted((work / "sim" / "events").glob("*.csv")))
    print(f"setup: ingested in {time.perf_counter() - started:.1f} s", flush=True)
    store.close()
    marker.write_text("ok")
    return settings


def reset_outbox(settings: Settings, *, immediate: bool = False) -> None:
    """Forget earlier runs' messages so each run composes the same messages."""
    store = open_store(settings)
    with store.transaction() as session:
        session.execute(
            __import__("sqlalchemy").text("UPDATE notify_subscription SET immediate = :on"),
            {"on": immediate},
        )
        for table in (
            "notify_patient_report",
            "notify_outbox",
            "notify_digest_run",
            "notify_ingest",
        ):
            session.execute(__import__("sqlalchemy").text(f"DELETE FROM {table}"))
    store.close()


def compose_floor(settings: Settings) -> tuple[float, int]:
    """The bare query: events of the finished days grouped per subscribed patient and user."""
    store = open_store(settings)
    with store.reader() as session:
        pseudonyms = [
            p
            for (p,) in session.execute(
                __import__("sqlalchemy").text("SELECT patient_pseudonym FROM notify_subscription")
            )
        ]
    store.close()
    import pyarrow as pa

    connection = Lake.of(settings).connect()
    connection.register("subs", pa.table({"pseudonym": pa.array(pseudonyms, pa.string())}))
    started = time.perf_counter()
    last_day = connection.execute("SELECT max(day) FROM events").fetchone()[0]  # type: ignore[index]
    rows = connection.execute(
        "SELECT e.day, e.patient_pseudonym, e.user_pseudonym, e.action, e.subtype, count(*), "
        "min(recorded) FROM events e JOIN subs s ON s.pseudonym = e.patient_pseudonym "
        "WHERE e.day < ? GROUP BY ALL",
        [last_day],
    ).fetchall()
    patients = len({(r[0], r[1]) for r in rows})
    return time.perf_counter() - started, patients


def smtp_floor(port: int, count: int) -> float:
    messages = []
    for n in range(count):
        message = EmailMessage()
        message["From"] = "phiwatch@localhost"
        message["To"] = f"patient{n}@mail{n % 50}.example"
        message["Subject"] = "Who opened your health record: on 5 January 2026"
        message.set_content("Hello,\n\n" + "Doctor A. Person, Cardiology viewed your record.\n" * 8)
        message.add_alternative(
            "<p>Hello</p>" + "<p>Doctor A. Person viewed your record.</p>" * 8, subtype="html"
        )
        messages.append(message)
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for message in messages:
            client.send_message(message)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--patients", type=int, default=500_000)
    parser.add_argument("--deliver", type=int, default=3000, help="messages to send (throughput)")
    parser.add_argument("--workdir", type=Path, help="prepared hospital to (re)use")
    parser.add_argument(
        "--alerts",
        action="store_true",
        help="subscriptions also want immediate alerts (compose alerts and digests together)",
    )
    args = parser.parse_args()
    temporary = None
    if args.workdir is None:
        temporary = tempfile.TemporaryDirectory(prefix="phiwatch-notify-bench-")
        work = Path(temporary.name)
    else:
        work = args.workdir
    try:
        settings = prepare(work, args.users, args.patients)
        reset_outbox(settings, immediate=args.alerts)
        floor_s, floor_patients = compose_floor(settings)
        store = open_store(settings)
        started = time.perf_counter()
        result = compose(settings, store)
        compose_s = time.perf_counter() - started
        verdict = "met" if compose_s < 120 else "NOT met"
        print(
            f"result: compose daily digests for {args.patients:,} subscribed patients: "
            f"{result.alerts:,} immediate alerts, {result.digests:,} digests "
            f"({floor_patients:,} patient-days with accesses) in "
            f"{compose_s:.1f} s; floor (DuckDB grouping only) {floor_s:.2f} s; "
            f"ratio {compose_s / floor_s:.1f}x; goal < 120 s: {verdict}",
            flush=True,
        )
        sink = Sink()
        port = _free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            from pydantic import SecretStr

            sending = settings.model_copy(
                update={
                    "smtp_url": SecretStr(f"smtp://127.0.0.1:{port}"),
                    "notify_rate_per_domain": 10**9,
                }
            )
            started = time.perf_counter()
            delivered = deliver(sending, store, limit=args.deliver)
            deliver_s = time.perf_counter() - started
            floor_count = delivered.sent or args.deliver
            raw_s = smtp_floor(port, floor_count)
        finally:
            controller.stop()
        print(
            f"result: deliver {delivered.sent:,} messages to loopback SMTP in {deliver_s:.1f} s = "
            f"{delivered.sent / deliver_s:,.0f} msg/s; floor (smtplib, one connection, ready "
            f"messages) {floor_count / raw_s:,.0f} msg/s; ratio {deliver_s / raw_s:.1f}x",
            flush=True,
        )
        store.close()
    finally:
        if temporary is not None:
            temporary.cleanup()


if __name__ == "__main__":
    main()
