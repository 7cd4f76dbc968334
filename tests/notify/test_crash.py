"""Delivery survives ``kill -9``: no message lost, at most the one in flight sent twice.

A real ``phiwatch notify run`` subprocess sends to a real aiosmtpd server on
loopback that records every message it accepts (it answers slowly, so kills
land while messages are in flight), and is killed with SIGKILL at random
moments, then restarted until the outbox is empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update

from phiwatch.config import load_settings
from phiwatch.notify import SubscriptionRequest, claim, compose, outbox_counts, subscribe_many
from phiwatch.store import open_store
from phiwatch.store.models.notify import OutboxMessage
from tests.conftest import fresh_postgres_database
from tests.notify.conftest import WORKFORCE, SmtpRecorder, free_port, ingest_rows

SECRET = "s" * 40


class SlowRecorder(SmtpRecorder):
    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(0.05)  # accepted but not yet acknowledged: the in-flight window
        return answer


def _many_patients(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    lines = ["patient_id,family,given,birth_date,line,city,state,postal_code,vip,deceased"]
    lines += [
        f"p-{n},Fam{n},Giv{n},1980-01-01,{n} Elm St,Town,IL,62701,false,false" for n in range(count)
    ]
    (folder / "patients.csv").write_text("\n".join(lines) + "\n", "utf-8")
    (folder / "workforce.csv").write_text(WORKFORCE, "utf-8")
    (folder / "encounters.csv").write_text(
        "encounter_id,patient_id,department,start,end,attending\n", "utf-8"
    )


def _prepare(tmp_path: Path, count: int, database_url: str | None = None):
    from phiwatch.monitor import load_context

    settings = load_settings(
        environ={}, data_dir=str(tmp_path / "data"), secret_key=SECRET, database_url=database_url
    )
    store = open_store(settings)
    _many_patients(tmp_path / "context", count)
    load_context(settings, store, [tmp_path / "context"])
    subscribe_many(
        store,
        settings,
        [(SubscriptionRequest(f"p-{n}", email=f"pat{n}@example.org"), {}) for n in range(count)],
    )
    ingest_rows(
        settings,
        tmp_path / "events",
        "day1",
        [f"2024-05-03 10:00:00,rn-9,p-{n},Chart Review Accessed,WS2" for n in range(count)],
    )
    assert compose(settings, store).alerts == count
    return settings, store


def _sender(settings, port: int, *, capture: bool = False) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PHIWATCH_DATA_DIR": str(settings.data_dir),
        "PHIWATCH_DATABASE_URL": settings.resolved_database_url,
        "PHIWATCH_SECRET_KEY": SECRET,
        "PHIWATCH_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "PHIWATCH_NOTIFY_RATE_PER_DOMAIN": "100000",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "phiwatch", "notify", "run", "--lease-seconds", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if capture else subprocess.DEVNULL,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "seed"),
    [("sqlite", 1), ("sqlite", 2), pytest.param("postgresql", 3, marks=pytest.mark.postgres)],
)
def test_killing_the_sender_loses_nothing_and_repeats_at_most_the_message_in_flight(
    tmp_path: Path, backend: str, seed: int
) -> None:
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(fresh_postgres_database()) if backend == "postgresql" else None
        _kill_and_check(tmp_path, seed, url)


def _kill_and_check(tmp_path: Path, seed: int, database_url: str | None) -> None:
    count = 60
    settings, store = _prepare(tmp_path, count, database_url)
    recorder = SlowRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    rng = random.Random(seed)
    kills = 0
    progress: list[int] = []
    try:
        for _ in range(5):
            sender = _sender(settings, port)
            # Kill after a random number of further messages reached the server (a random
            # point in the sending), or after a random pause once everything was sent.
            target = len(recorder.received) + rng.randint(1, 12)
            deadline = time.monotonic() + 60
            while (
                len(recorder.received) < target
                and sender.poll() is None
                and time.monotonic() < deadline
            ):
                time.sleep(rng.uniform(0.001, 0.02))
            if sender.poll() is None:
                os.kill(sender.pid, signal.SIGKILL)
                kills += 1
            sender.wait()
            progress.append(len(recorder.received))
        final = _sender(settings, port, capture=True)
        _, stderr = final.communicate(timeout=120)
        assert final.returncode == 0, stderr.decode()
    finally:
        controller.stop()
    ids = Counter(m.message["Message-ID"] for m in recorder.received)
    assert len(ids) == count, "a message was lost"
    duplicates = sum(n - 1 for n in ids.values())
    assert duplicates <= kills
    # (one message can be in flight at two crashes: it is then received three times)
    print(f"kills={kills} received after each={progress} duplicates={duplicates}")
    assert any(0 < n < count for n in progress), "no kill landed while messages were being sent"
    assert outbox_counts(store)["sent"] == count
    store.close()


def test_a_dead_senders_claim_is_taken_over_after_its_lease(tmp_path: Path) -> None:
    _, store = _prepare(tmp_path, 3)
    lease = timedelta(minutes=2)
    first = claim(store, limit=10, lease=lease, rate_per_domain=100)
    assert len(first.messages) == 3
    # The first sender dies here. Another one finds nothing while the lease runs ...
    assert claim(store, limit=10, lease=lease, rate_per_domain=100).messages == []
    # ... and everything once it has passed.
    with store.transaction() as session:
        session.execute(
            update(OutboxMessage).values(claimed_at=datetime.now(UTC) - timedelta(minutes=3))
        )
    second = claim(store, limit=10, lease=lease, rate_per_domain=100)
    assert sorted(m.id for m in second.messages) == sorted(m.id for m in first.messages)
    assert {m.claim_token for m in second.messages} != {m.claim_token for m in first.messages}
    store.close()
