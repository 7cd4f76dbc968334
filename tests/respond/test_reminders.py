"""Deadline reminders: 30, 14, 7 and 1 days before, each queued once, delivered by notify."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from phiwatch import respond
from phiwatch.config import Settings
from phiwatch.errors import ConfigurationError
from phiwatch.notify import deliver
from phiwatch.store.models.notify import OutboxMessage
from tests.conftest import Cli
from tests.notify.conftest import SmtpServer, smtp_server, smtp_settings  # noqa: F401
from tests.respond.conftest import World, build_world

DISCOVERED = date(2026, 3, 2)  # individuals due 2026-05-01; annual log 2027-03-01
OFFICER = "privacy.officer@hospital.test"


def _settings(world: World) -> Settings:
    return world.settings.model_copy(update={"respond_privacy_officer_email": OFFICER})


def _incident(world: World) -> int:
    incident = respond.open_incident(world.store, "Snooping by dr-1", discovered=DISCOVERED)
    respond.add_source(world.store, incident, respond.from_lake(world.settings, user="dr-1"))
    return incident


def _queued(world: World, settings: Settings, day: date) -> list[tuple[str, str]]:
    result = respond.remind(world.store, settings, today=day)
    return [(r["notice"], r["reminder"]) for r in result["queued"]]


def test_each_threshold_is_queued_once_and_missed_days_catch_up(world: World) -> None:
    settings = _settings(world)
    incident = _incident(world)
    due = date(2026, 5, 1)
    assert _queued(world, settings, due - timedelta(days=31)) == []
    assert _queued(world, settings, due - timedelta(days=30)) == [("individuals", "30")]
    assert _queued(world, settings, due - timedelta(days=30)) == []  # twice a day: nothing new
    again = respond.remind(world.store, settings, today=due - timedelta(days=30))
    assert again["already_queued"] == 1
    assert _queued(world, settings, due - timedelta(days=20)) == []  # still the 30-day one
    # The runs at 14 days were missed: the next run sends only the tightest reminder.
    assert _queued(world, settings, due - timedelta(days=6)) == [("individuals", "7")]
    assert _queued(world, settings, due - timedelta(days=1)) == [("individuals", "1")]
    assert _queued(world, settings, due) == []
    assert _queued(world, settings, due + timedelta(days=1)) == [("individuals", "overdue")]
    assert _queued(world, settings, due + timedelta(days=9)) == []
    annual = date(2027, 3, 1)
    # The overdue individuals notice was already reminded of: only the annual log is new.
    assert _queued(world, settings, annual - timedelta(days=14)) == [("hhs-annual-log", "14")]
    with world.store.reader() as session:
        keys = sorted(session.scalars(select(OutboxMessage.idempotency_key)))
    assert keys == sorted(
        [
            f"respond-reminder:{incident}:individuals:2026-05-01:30",
            f"respond-reminder:{incident}:individuals:2026-05-01:7",
            f"respond-reminder:{incident}:individuals:2026-05-01:1",
            f"respond-reminder:{incident}:individuals:2026-05-01:overdue",
            f"respond-reminder:{incident}:hhs-annual-log:2027-03-01:14",
        ]
    )


def test_notices_done_and_closed_incidents_get_no_reminders(world: World) -> None:
    settings = _settings(world)
    incident = _incident(world)
    respond.mark_done(world.store, incident, "individuals", on=date(2026, 4, 1))
    assert _queued(world, settings, date(2026, 4, 30)) == []
    respond.close_incident(world.store, incident)
    assert _queued(world, settings, date(2027, 2, 28)) == []


def test_reminders_reach_the_officer_over_smtp_without_patient_data(
    world: World,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    settings = smtp_settings(_settings(world), smtp_server, notify_from="phiwatch@hospital.test")
    incident = _incident(world)
    assert _queued(world, settings, date(2026, 4, 24)) == [("individuals", "7")]
    result = deliver(settings, world.store)
    assert (result.sent, result.failed) == (1, 0)
    (mail,) = smtp_server.recorder.received
    assert mail.recipients == [OFFICER]
    assert mail.message["Subject"] == (
        f"7 days left: incident {incident} individuals notice due 2026-05-01"
    )
    assert "Incident 1: Snooping by dr-1" in mail.text
    assert "164.404" in mail.text
    assert f"phiwatch respond done {incident} individuals --on YYYY-MM-DD" in mail.text
    for pid in ("p-01", "p-02", "p-03", "Family01", "1970-01-01"):
        assert pid not in mail.text
    assert deliver(settings, world.store).sent == 0


def test_without_an_officer_address_nothing_is_queued(world: World) -> None:
    _incident(world)
    with pytest.raises(ConfigurationError, match="respond_privacy_officer_email"):
        respond.remind(world.store, world.settings, today=date(2026, 4, 24))
    with world.store.reader() as session:
        assert session.scalars(select(OutboxMessage)).first() is None


def test_the_cli_queues_reminders(cli: Cli, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from phiwatch.config import load_settings
    from phiwatch.store import open_store

    settings = load_settings(environ={}, data_dir=str(cli.data_dir))
    store = open_store(settings)
    try:
        _incident(build_world(settings, store, tmp_path / "input"))
    finally:
        store.close()
    refused = cli("respond", "remind", "--today", "2026-04-24")
    assert refused.exit_code == 1 and "respond_privacy_officer_email" in refused.output
    monkeypatch.setenv("PHIWATCH_RESPOND_PRIVACY_OFFICER_EMAIL", OFFICER)
    first = cli("respond", "remind", "--today", "2026-04-24", "-f", "json")
    assert first.exit_code == 0, first.output
    assert [r["reminder"] for r in json.loads(first.stdout)] == ["7"]
    second = cli("respond", "remind", "--today", "2026-04-24", "-f", "json")
    assert json.loads(second.stdout) == []
    assert "0 reminder(s) queued, 1 already queued" in second.stderr
