"""FHIR AuditEvent (IHE BALP shapes) from NDJSON and Bundles into the lake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.monitor import Lake, ingest, pseudonym_key, pseudonymise
from tests.monitor.conftest import audit_event, write_ndjson

COLUMNS = (
    "event_id, patient_index, recorded, user_pseudonym, patient_pseudonym, action, subtype, "
    "outcome, network_address, workstation, department, source, query_count, patient_count, "
    "source_format"
)


def _rows(settings: Settings) -> list[dict[str, Any]]:
    result = (
        Lake.of(settings)
        .connect()
        .execute(f"SELECT {COLUMNS} FROM events ORDER BY event_id, patient_index")
    )
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def test_balp_read_by_practitioner(settings: Settings, tmp_path: Path) -> None:
    event = audit_event(
        "ae-1",
        recorded="2024-03-01T09:30:00+01:00",
        agent=[
            {
                "who": {"reference": "Practitioner/dr-1"},
                "requestor": True,
                "network": {"address": "10.1.2.3", "type": "2"},
                "location": {"display": "Cardiology"},
            },
            {"who": {"identifier": {"value": "WS-CARD-04"}}, "requestor": False},
        ],
    )
    result = ingest(settings, [write_ndjson(tmp_path / "a.ndjson", [event])])
    assert result.added == 1
    (row,) = _rows(settings)
    key = pseudonym_key(settings)
    assert row["user_pseudonym"] == pseudonymise(key, "dr-1")
    assert row["patient_pseudonym"] == pseudonymise(key, "p-1")
    assert str(row["recorded"]) == "2024-03-01 08:30:00"  # converted to UTC
    assert (row["action"], row["subtype"], row["outcome"]) == ("R", "read", "0")
    assert row["network_address"] == "10.1.2.3"
    assert row["workstation"] == "WS-CARD-04"
    assert row["department"] == "Cardiology"
    assert row["source"] == "ehr-prod"
    assert row["source_format"] == "fhir-ndjson"


def test_search_naming_many_patients_is_one_row_per_patient(
    settings: Settings, tmp_path: Path
) -> None:
    search = audit_event(
        "ae-search",
        patients=("Patient/a", "Patient/b", "Patient/c"),
        subtype=[{"code": "search-type"}],
    )
    search["entity"].append(
        {
            "type": {"code": "2"},
            "role": {"code": "24"},
            "query": "UGF0aWVudD9uYW1lPXNtaXRo",
            "detail": [{"type": "count", "valueString": "1200"}],
        }
    )
    ingest(settings, [write_ndjson(tmp_path / "s.ndjson", [search])])
    rows = _rows(settings)
    key = pseudonym_key(settings)
    assert [r["patient_index"] for r in rows] == [0, 1, 2]
    assert [r["patient_pseudonym"] for r in rows] == [pseudonymise(key, p) for p in ("a", "b", "c")]
    assert {r["query_count"] for r in rows} == {1200}
    assert {r["patient_count"] for r in rows} == {3}
    assert {r["subtype"] for r in rows} == {"search-type"}


def test_search_as_one_event_per_patient(settings: Settings, tmp_path: Path) -> None:
    events = [audit_event(f"ae-{p}", patients=(f"Patient/{p}",)) for p in ("a", "b")]
    assert ingest(settings, [write_ndjson(tmp_path / "e.ndjson", events)]).added == 2
    rows = _rows(settings)
    assert [r["patient_count"] for r in rows] == [1, 1]
    assert [r["query_count"] for r in rows] == [None, None]


def test_identifiers_instead_of_references(settings: Settings, tmp_path: Path) -> None:
    event = audit_event("ae-id", patients=())
    event["agent"][0]["who"] = {"identifier": {"system": "urn:oid:1.2.3", "value": "emp-77"}}
    event["entity"] = [
        {"what": {"identifier": {"value": "MRN-9"}}, "type": {"code": "1"}, "role": {"code": "1"}},
        {"what": {"reference": "Observation/o1"}, "type": {"code": "2"}, "role": {"code": "4"}},
    ]
    ingest(settings, [write_ndjson(tmp_path / "i.ndjson", [event])])
    (row,) = _rows(settings)
    key = pseudonym_key(settings)
    assert row["user_pseudonym"] == pseudonymise(key, "emp-77")
    assert row["patient_pseudonym"] == pseudonymise(key, "MRN-9")
    assert row["patient_count"] == 1


def test_event_without_patient_is_kept(settings: Settings, tmp_path: Path) -> None:
    login = audit_event("ae-login", patients=(), action="E", subtype=[{"code": "login"}])
    ingest(settings, [write_ndjson(tmp_path / "l.ndjson", [login])])
    (row,) = _rows(settings)
    assert row["patient_pseudonym"] is None
    assert row["patient_count"] == 0


def test_bundle_pretty_printed_and_idempotent_with_ndjson(
    settings: Settings, tmp_path: Path
) -> None:
    events = [audit_event(f"ae-{n}", patients=(f"Patient/p{n}",)) for n in range(4)]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{e['id']}", "resource": e} for e in events],
    }
    bundle_file = tmp_path / "bundle.json"
    bundle_file.write_text(json.dumps(bundle, indent=2), encoding="utf-8")
    first = ingest(settings, [bundle_file])
    assert first.added == 4
    assert {r["source_format"] for r in _rows(settings)} == {"fhir-bundle"}
    overlap = ingest(
        settings, [write_ndjson(tmp_path / "o.ndjson", [*events[2:], audit_event("ae-new")])]
    )
    assert (overlap.added, overlap.duplicates) == (1, 2)
    assert len(_rows(settings)) == 5


def test_directory_of_mixed_files(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    write_ndjson(folder / "one.ndjson", [audit_event("x1")])
    (folder / "two.csv").write_text(
        "ACCESS_TIME,USER_ID,PAT_ID,METRIC_NAME,WORKSTATION_ID\n"
        "2024-03-01 08:00:00,u1,p1,Chart Review,WS\n",
        encoding="utf-8",
    )
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    result = ingest(settings, [folder])
    assert (result.files, result.added) == (2, 2)


BAD = [
    ("{not json", None, "not valid JSON"),
    ('{"resourceType": "Patient", "id": "x"}', "resourceType", "AuditEvent"),
    (json.dumps({**audit_event("b1"), "id": None}), "id", "id"),
    (json.dumps(audit_event("b2", recorded="yesterday")), "recorded", "instant"),
    (json.dumps(audit_event("b3", action="X")), "action", "C, R, U, D, E"),
    (
        json.dumps({**audit_event("b4"), "agent": [{"who": {"reference": "Practitioner/x"}}]}),
        "agent",
        "requestor",
    ),
    (json.dumps({**audit_event("b5"), "agent": "dr-1"}), "agent", "list of agents"),
]


@pytest.mark.parametrize(("line", "column", "reason"), BAD)
def test_bad_resource_stops_naming_line_and_field(
    settings: Settings, tmp_path: Path, line: str, column: str | None, reason: str
) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_text(json.dumps(audit_event("good")) + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        ingest(settings, [path])
    assert caught.value.line == 3
    assert caught.value.column == column
    assert reason in caught.value.problem
    assert "dr-1" not in str(caught.value)
    assert Lake.of(settings).files() == []


@pytest.mark.parametrize(("line", "column", "reason"), BAD)
def test_skip_bad_keeps_good_resources(
    settings: Settings, tmp_path: Path, line: str, column: str | None, reason: str
) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_text(
        json.dumps(audit_event("good-1"))
        + "\n"
        + line
        + "\n"
        + json.dumps(audit_event("good-2"))
        + "\n",
        encoding="utf-8",
    )
    result = ingest(settings, [path], skip_bad=True, rejects_path=tmp_path / "rej.ndjson")
    assert (result.added, result.rejected) == (2, 1)
    (reject,) = [json.loads(x) for x in (tmp_path / "rej.ndjson").read_text().splitlines()]
    assert (reject["line"], reject["column"]) == (2, column)
    assert reason in reject["reason"]


def test_bad_bundle_entry_is_named_by_record(settings: Settings, tmp_path: Path) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": audit_event("ok")}, {"resource": audit_event("no", action="")}],
    }
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle, indent=1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        ingest(settings, [path])
    assert (caught.value.record, caught.value.column) == (2, "action")
