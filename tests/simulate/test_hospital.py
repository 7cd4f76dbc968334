"""The synthetic hospital: deterministic, consistent across formats, explainable, labelled."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.monitor import Lake, ingest
from phiwatch.simulate import ATTACK_KINDS, HospitalConfig, simulate_hospital

SMALL = HospitalConfig(users=120, patients=3000, days=6, seed=11, attacks=True)


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hospital")
    simulate_hospital(SMALL, out)
    return out


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "summary.json"
    }


def test_same_seed_same_files_other_seed_other_files(hospital: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    simulate_hospital(SMALL, again)
    assert _digest(again) == _digest(hospital)
    other = tmp_path / "other"
    simulate_hospital(
        HospitalConfig(users=120, patients=3000, days=6, seed=12, attacks=True), other
    )
    assert _digest(other) != _digest(hospital)


def test_writes_every_output(hospital: Path) -> None:
    names = {p.name for p in hospital.rglob("*") if p.is_file()}
    for resource in (
        "Patient",
        "Practitioner",
        "PractitionerRole",
        "Encounter",
        "Appointment",
        "CareTeam",
        "Organization",
    ):
        assert f"{resource}.ndjson" in names
    assert {"patients.csv", "workforce.csv", "encounters.csv", "incidents.ndjson"} <= names
    assert len(list((hospital / "events").glob("access-log-*.csv"))) == SMALL.days
    assert len(list((hospital / "events").glob("audit-events-*.ndjson"))) == SMALL.days


def test_fhir_resources_have_no_nulls_and_balp_shape(hospital: Path) -> None:
    first = (hospital / "events" / "audit-events-2026-01-05.ndjson").read_text().splitlines()
    assert first
    event = json.loads(first[0])
    assert "null" not in first[0]
    (requestor,) = [a for a in event["agent"] if a.get("requestor")]
    assert requestor["who"]["reference"].startswith("Practitioner/")
    assert event["entity"][0]["what"]["reference"].startswith("Patient/")


def test_csv_and_ndjson_carry_the_same_accesses(
    hospital: Path, settings: Settings, tmp_path: Path
) -> None:
    from phiwatch.config import load_settings

    csv_lake = load_settings(environ={}, data_dir=str(tmp_path / "csv"), secret_key="k" * 40)
    fhir_lake = load_settings(environ={}, data_dir=str(tmp_path / "fhir"), secret_key="k" * 40)
    events = hospital / "events"
    csv_result = ingest(csv_lake, sorted(events.glob("*.csv")))
    fhir_result = ingest(fhir_lake, sorted(events.glob("*.ndjson")))
    assert csv_result.added == fhir_result.added > 1000
    query = (
        "SELECT action, user_pseudonym, patient_pseudonym, recorded, count(*) FROM events "
        "GROUP BY ALL ORDER BY ALL"
    )
    from_csv = Lake.of(csv_lake).connect().execute(query).fetchall()
    from_fhir = Lake.of(fhir_lake).connect().execute(query).fetchall()
    assert from_csv == from_fhir


def test_labels_cover_every_kind_and_point_at_real_events(hospital: Path) -> None:
    labels = [
        json.loads(x) for x in (hospital / "labels" / "incidents.ndjson").read_text().splitlines()
    ]
    assert {label["kind"] for label in labels} == set(ATTACK_KINDS)
    ids = (
        duckdb.connect()
        .execute(
            f"SELECT id FROM read_json('{hospital}/events/*.ndjson', columns={{'id': 'VARCHAR'}})"
        )
        .fetchall()
    )
    known = {row[0] for row in ids}
    for label in labels:
        assert label["event_ids"], label["kind"]
        assert set(label["event_ids"]) <= known
        assert label["start"] <= label["end"]
    text = (hospital / "events" / "audit-events-2026-01-07.ndjson").read_text()
    assert "incident" not in text
    assert "exfiltration" not in text


def _explained_share(hospital: Path, labelled: set[str]) -> float:
    """Share of benign patient accesses a care relationship or a job explains."""
    ctx = hospital / "context" / "csv"
    con = duckdb.connect()
    con.execute(f"CREATE TABLE enc AS SELECT * FROM read_csv('{ctx}/encounters.csv')")
    con.execute(f"CREATE TABLE staff AS SELECT * FROM read_csv('{ctx}/workforce.csv')")
    con.execute(
        f"CREATE TABLE ev AS SELECT * FROM read_csv('{hospital}/events/*.csv') "
        "WHERE PAT_ID IS NOT NULL"
    )
    con.execute("CREATE TABLE bad (id VARCHAR)")
    con.executemany("INSERT INTO bad VALUES (?)", [(i,) for i in labelled])
    row = con.execute(
        """
        WITH benign AS (
            SELECT ev.*, CAST(ACCESS_TIME AS DATE) AS d, s.role, s.department AS dept
            FROM ev JOIN staff s ON s.user_id = ev.USER_ID
            WHERE ACCESS_ID NOT IN (SELECT id FROM bad)
        ),
        explained AS (
            SELECT DISTINCT b.ACCESS_ID FROM benign b JOIN enc e ON e.patient_id = b.PAT_ID
            WHERE b.d BETWEEN e.start - INTERVAL 1 DAY AND e."end" + INTERVAL 4 DAY
              AND (b.USER_ID IN (e.attending, e.nurse1, e.nurse2, e.nurse3)
                   OR b.dept = e.department
                   OR b.role IN ('registration', 'billing', 'pharmacist'))
        )
        SELECT (SELECT count(*) FROM explained), (SELECT count(DISTINCT ACCESS_ID) FROM benign)
        """
    ).fetchone()
    assert row is not None
    return float(row[0]) / float(row[1])


def test_benign_accesses_are_explained_by_context(hospital: Path) -> None:
    labels = [
        json.loads(x) for x in (hospital / "labels" / "incidents.ndjson").read_text().splitlines()
    ]
    labelled = {i for label in labels for i in label["event_ids"]}
    assert _explained_share(hospital, labelled) >= 0.97


def test_cli_writes_and_reports(cli, tmp_path: Path) -> None:
    out = tmp_path / "h"
    result = cli(
        "simulate",
        "hospital",
        "--users",
        "30",
        "--patients",
        "200",
        "--days",
        "2",
        "--formats",
        "csv",
        "--out",
        str(out),
        "-f",
        "json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["events"] > 0
    assert not list(out.rglob("*.ndjson"))


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(InputError, match="--users"):
        HospitalConfig(users=3)
    with pytest.raises(InputError, match="unknown output format"):
        HospitalConfig(formats=("xml",))


def test_a_clinic_too_small_for_every_role_still_simulates(tmp_path: Path) -> None:
    """Thirty staff may hold no registrar or biller: that work is skipped, not a crash."""
    tiny = HospitalConfig(users=30, patients=400, days=3, seed=11, attacks=True)
    simulate_hospital(tiny, tmp_path)
    events = sorted((tmp_path / "events").glob("access-log-*.csv"))
    assert len(events) == 3
    rows = sum(len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in events)
    assert rows > 0


def _fhir_languages(hospital: Path) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    with (hospital / "context" / "bulk" / "Patient.ndjson").open(encoding="utf-8") as handle:
        for line in handle:
            patient = json.loads(line)
            preferred = [c for c in patient.get("communication", []) if c.get("preferred")]
            found[patient["id"]] = (
                preferred[0]["language"]["coding"][0]["code"] if preferred else None
            )
    return found


def test_about_one_patient_in_eight_prefers_spanish(hospital: Path) -> None:
    """US census: about 13% speak Spanish at home; the same patients in FHIR and in the CSV."""
    fhir = _fhir_languages(hospital)
    share = sum(1 for language in fhir.values() if language == "es") / len(fhir)
    assert 0.11 <= share <= 0.15, share
    assert set(fhir.values()) == {"es", "en", None}
    patients_csv = hospital / "context" / "csv" / "patients.csv"
    csv_rows = duckdb.execute(
        f"SELECT patient_id, language FROM read_csv('{patients_csv}', all_varchar = true)"
    ).fetchall()
    assert {pid: (language or None) for pid, language in csv_rows} == fhir


def test_languages_leave_the_rest_of_the_hospital_as_it_was(tmp_path: Path) -> None:
    """Languages come from a generator of their own: another seed changes them, and the
    people and events drawn from the main generator do not depend on them."""
    from phiwatch.simulate._population import _languages

    assert list(_languages(11, 50)) == list(_languages(11, 50))
    assert list(_languages(11, 50)) != list(_languages(12, 50))
    out = tmp_path / "h"
    simulate_hospital(HospitalConfig(users=40, patients=400, days=1, seed=5, attacks=False), out)
    with (out / "context" / "csv" / "patients.csv").open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    assert header[-1] == "language" and header[:-1] == [
        "patient_id", "family", "given", "gender", "birth_date", "line", "city", "state",
        "postal_code", "vip", "deceased",
    ]  # fmt: skip


def test_evaluation_leaves_attacks_out_of_benign_accesses_in_either_format(
    hospital: Path, tmp_path: Path
) -> None:
    """A CSV lake's event ids are keyed hashes, not the ids the labels name; its attack
    accesses must still be left out of the benign ones, as they are from FHIR."""
    from phiwatch.config import load_settings
    from phiwatch.monitor import evaluate, load_context
    from phiwatch.store import open_store

    labels = hospital / "labels" / "incidents.ndjson"
    attack_ids = {i for x in labels.read_text().splitlines() for i in json.loads(x)["event_ids"]}
    benign = {}
    for kind, pattern in (("csv", "*.csv"), ("fhir", "*.ndjson")):
        settings = load_settings(environ={}, data_dir=str(tmp_path / kind), secret_key="k" * 40)
        ingest(settings, sorted((hospital / "events").glob(pattern)))
        store = open_store(settings)
        try:
            load_context(settings, store, [hospital / "context" / "csv"])
            benign[kind] = evaluate(settings, store, labels)["benign_accesses"]
        finally:
            store.close()
        if kind == "fhir":  # ids are the labels' here: count the attack accesses exactly
            connection = Lake.of(settings).connect()
            total, attacks = connection.execute(
                "SELECT count(*), count(*) FILTER (WHERE event_id IN (SELECT unnest(?))) "
                "FROM events WHERE patient_pseudonym IS NOT NULL",
                [sorted(attack_ids)],
            ).fetchall()[0]
    assert benign["csv"] == benign["fhir"]
    assert attacks > 100 and benign["fhir"] <= total - attacks
