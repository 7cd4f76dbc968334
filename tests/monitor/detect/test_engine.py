"""The engine end to end: alerts with evidence and sentences, cases, incremental runs, explain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from phiwatch.config import Settings, load_settings
from phiwatch.errors import InputError
from phiwatch.monitor import (
    DetectionConfig,
    Lake,
    detect,
    explain_access,
    get_alert,
    get_case,
    ingest,
    list_alerts,
    list_cases,
    load_context,
    load_detection_config,
    load_detector,
    update_case,
)
from phiwatch.store import Store, open_store
from phiwatch.store.models.monitor import BaselineDay, BaselineSeen
from tests.conftest import BACKENDS, fresh_postgres_database
from tests.monitor.detect.hospital import Hospital, pseudonym, run_pipeline, write_events
from tests.monitor.detect.test_detectors import (
    INCIDENT_DAY,
    base_hospital,
    bulk_positive,
    family_positive,
    neighbour_positive,
    self_positive,
    vip_positive,
)


@pytest.fixture(params=BACKENDS)
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Settings, Store]]:
    """Settings and a fresh store on SQLite and on PostgreSQL, sharing one data directory."""
    if request.param == "sqlite":
        settings = load_settings(environ={}, data_dir=str(tmp_path / "data"))
        store = open_store(settings)
        yield settings, store
        store.close()
        return
    with fresh_postgres_database() as url:
        settings = load_settings(environ={}, data_dir=str(tmp_path / "data"), database_url=url)
        store = open_store(settings)
        yield settings, store
        store.close()


def test_an_alert_carries_evidence_and_a_sentence(env: tuple[Settings, Store]) -> None:
    settings, store = env
    hospital = base_hospital()
    vip_positive(hospital)
    alerts = run_pipeline(hospital, settings, store)
    (alert,) = [a for a in alerts if a["title"].startswith("VIP")]
    assert set(alert) >= {
        "id",
        "detector",
        "title",
        "level",
        "score",
        "user",
        "patients",
        "start",
        "end",
        "explanation",
        "evidence",
    }
    assert alert["level"] == "high" and alert["score"] == 75
    lake = Lake.of(settings).connect()
    ids = {r[0] for r in lake.execute("SELECT event_id FROM events").fetchall()}
    assert alert["evidence"] and set(alert["evidence"]) <= ids
    # without names: short pseudonyms only; with names: resolved from the context
    assert "Baker" not in alert["explanation"]
    assert alert["explanation"].startswith("#" + pseudonym(settings, "dr-b")[:8])
    named = get_alert(store, alert["id"], names=True)
    assert named["explanation"].startswith("Bob Baker opened the record of Pat Star")
    assert "no care relationship" in named["explanation"]


def test_alerts_on_one_user_make_one_case_with_a_status(env: tuple[Settings, Store]) -> None:
    settings, store = env
    hospital = base_hospital()
    for scenario in (family_positive, neighbour_positive, self_positive):
        scenario(hospital)
    run_pipeline(hospital, settings, store)
    cases = list_cases(store)
    mine = [c for c in cases if c["user_pseudonym"] == pseudonym(settings, "dr-a")]
    assert len(mine) == 1 and mine[0]["alerts"] >= 3 and mine[0]["status"] == "new"
    case = update_case(store, mine[0]["id"], status="reviewing", note="Asked the manager")
    assert case["status"] == "reviewing"
    assert case["notes"][0]["text"] == "Asked the manager"
    update_case(store, mine[0]["id"], status="confirmed")
    assert [n["status"] for n in get_case(store, mine[0]["id"])["notes"]] == [
        "reviewing",
        "confirmed",
    ]
    with pytest.raises(InputError, match="--status expects"):
        update_case(store, mine[0]["id"], status="closed")


def _split(hospital: Hospital, folder: Path) -> tuple[Path, Path, Path]:
    context, _ = hospital.write(folder)
    early = write_events(hospital, folder / "early.ndjson", range(INCIDENT_DAY))
    late = write_events(hospital, folder / "late.ndjson", range(INCIDENT_DAY, 14))
    return context, early, late


def test_detection_is_incremental_and_idempotent(env: tuple[Settings, Store]) -> None:
    settings, store = env
    hospital = base_hospital()
    vip_positive(hospital)
    context, early, late = _split(hospital, settings.data_dir.parent / "input")
    load_context(settings, store, [context])
    ingest(settings, [early])
    first = detect(settings, store)
    assert first.mode == "incremental" and len(first.days) == INCIDENT_DAY
    assert first.alerts == 0
    assert detect(settings, store).days == []  # nothing new
    ingest(settings, [late])
    second = detect(settings, store)
    assert len(second.days) == 14 - INCIDENT_DAY  # only the new days were read
    assert second.alerts == 1
    with store.reader() as session:
        assert (session.scalar(select(func.count()).select_from(BaselineDay)) or 0) > 0
        assert (session.scalar(select(func.count()).select_from(BaselineSeen)) or 0) > 0
    again = detect(settings, store, full=True)
    assert len(again.days) == 14 and again.alerts == 0  # same findings, same alerts
    assert len(list_alerts(store)) == 1


def test_a_detector_that_breaks_in_duckdb_is_named_without_values(
    settings: Settings, sqlite_store: Store, tmp_path: Path
) -> None:
    hospital = base_hospital()
    context, events = hospital.write(tmp_path / "in")
    load_context(settings, sqlite_store, [context])
    ingest(settings, [events])
    good = load_detection_config(settings).by_name("vip_access")
    broken_file = tmp_path / "snooping" / "vip_access.toml"
    broken_file.parent.mkdir()
    broken_file.write_text(
        good.path.read_text(encoding="utf-8")
        .replace("FROM access a JOIN patients", "FROM access a LEFT JOIN patients")
        .replace("WHERE p.vip AND", "WHERE CAST(a.patient_pseudonym AS INTEGER) > 0 OR"),
        encoding="utf-8",
    )
    config = DetectionConfig((load_detector(broken_file),))
    with pytest.raises(InputError) as caught:
        detect(settings, sqlite_store, config=config, full=True)
    message = str(caught.value)
    assert str(broken_file) in message and "query failed" in message
    assert pseudonym(settings, "p-001") not in message


def test_explain_gives_the_reason_for_each_access(settings: Settings, sqlite_store: Store) -> None:
    hospital = base_hospital()
    hospital.patient("p-er", "Emergency", line="3 Elm Street")
    hospital.encounter("p-er", "ED", 9, 9, "dr-b")
    hospital.access("reg-d", "p-er", 9, 8)  # registration for the visit
    hospital.access("bill-e", "p-er", 11, 8)  # billing two days later
    hospital.access("rn-c", "p-er", 9, 9, subtype="break-the-glass")
    hospital.access("dr-a", "p-er", 12, 9)  # nobody asked dr-a
    run_pipeline(hospital, settings, sqlite_store)

    def reasons(user: str, patient: str) -> list[str]:
        rows = explain_access(settings, sqlite_store, user=user, patient=patient)
        return [r["reason"] for r in rows]

    assert set(reasons("dr-b", "p-006")) == {"care relationship (encounter)"}
    assert reasons("reg-d", "p-er") == ["registration for a visit"]
    assert reasons("bill-e", "p-er") == ["billing for a visit"]
    assert reasons("rn-c", "p-er") == ["break-the-glass during a visit"]
    assert reasons("dr-a", "p-er") == ["unexplained"]
    assert reasons("dr-a", "nobody") == []


def test_same_department_colleague_covering_is_explained(
    settings: Settings, sqlite_store: Store
) -> None:
    hospital = base_hospital()
    hospital.worker("dr-g", "Green", "Gus")  # Cardiology, not on the patient's encounter
    hospital.access("dr-g", "p-002", 4, 14)
    run_pipeline(hospital, settings, sqlite_store)
    rows = explain_access(settings, sqlite_store, user="dr-g", patient="p-002")
    assert [r["reason"] for r in rows] == ["same-department coverage"]


def test_bulk_exfiltration_is_caught_by_the_first_run_after_its_day_arrives(
    settings: Settings, sqlite_store: Store, tmp_path: Path
) -> None:
    hospital = base_hospital()
    bulk_positive(hospital)  # on INCIDENT_DAY
    context, _ = hospital.write(tmp_path / "in")
    load_context(settings, sqlite_store, [context])
    bulk = load_detection_config(settings).by_name("bulk_access").id
    for day in range(14):
        ingest(
            settings, [write_events(hospital, tmp_path / f"day-{day}.ndjson", range(day, day + 1))]
        )
        run = detect(settings, sqlite_store)
        found = [a for a in list_alerts(sqlite_store) if a["detector"] == bulk]
        if day < INCIDENT_DAY:
            assert found == []
        else:
            assert len(found) == 1
            if day == INCIDENT_DAY:
                assert found[0]["run"] == run.run
