"""Registry watch hits through the notify outbox, to the watchers' addresses."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import text

from phiwatch import registry
from phiwatch.notify import (
    add_watch_contact,
    compose_watch_hits,
    deliver,
    list_watch_contacts,
    remove_watch_contact,
)
from phiwatch.registry.sources._record import COLUMNS
from phiwatch.security import enable_field_encryption
from tests.notify.conftest import Hospital, SmtpServer, smtp_settings
from tests.registry.conftest import row


def _export(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(list(COLUMNS))
        writer.writerows(rows)
    return path


def test_watch_hit_reaches_each_watcher_once(
    hospital: Hospital, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    store, settings = hospital.store, smtp_settings(hospital.settings, smtp_server)
    registry.add_watch(store, "Anthem, Inc.")
    add_watch_contact(store, settings, "Anthem, Inc.", "ciso@example.org")
    add_watch_contact(store, settings, "Anthem, Inc.", "CISO@example.org")  # same address
    add_watch_contact(store, settings, "Anthem, Inc.", "privacy@example.net")
    registry.import_file(store, _export(tmp_path / "a.csv", [row(name="Anthem Blue Cross")]))
    assert compose_watch_hits(store, settings) == 2
    assert registry.pending_watch_hits(store) == []
    assert compose_watch_hits(store, settings) == 0  # delivered hits are not queued again
    assert deliver(settings, store).sent == 2
    received = {m.recipients[0]: m for m in smtp_server.recorder.received}
    assert set(received) == {"ciso@example.org", "privacy@example.net"}
    mail = received["ciso@example.org"]
    assert mail.message["Subject"] == "A breach was reported by Anthem Blue Cross"
    assert 'watchlist "Anthem, Inc."' in mail.text
    assert "individuals affected: 1200" in mail.text


def test_watch_contacts_are_encrypted_and_removable(hospital: Hospital) -> None:
    store, settings = hospital.store, hospital.settings
    add_watch_contact(store, settings, "Acme", "sec@example.org")
    with store.engine.connect() as connection:
        stored = connection.execute(text("SELECT email FROM notify_watch_contact")).scalar_one()
    assert "example.org" not in stored and stored.startswith("phw1.")
    assert [c["email"] for c in list_watch_contacts(store, settings)] == ["sec@example.org"]
    remove_watch_contact(store, settings, "Acme", "SEC@example.org")
    enable_field_encryption(store, settings)
    assert list_watch_contacts(store, settings) == []
