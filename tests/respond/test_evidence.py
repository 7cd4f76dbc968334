"""The evidence pack: everything about an incident in a zip whose MANIFEST sums can be checked."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from phiwatch import respond
from phiwatch.config import Settings
from phiwatch.errors import InputError, NotFoundError
from phiwatch.monitor import Lake, get_case, pseudonym_key, pseudonymise, update_case
from phiwatch.store import Store
from tests.conftest import Cli
from tests.respond.conftest import CLERK_PATIENTS, DR_PATIENTS, World, build_world
from tests.respond.test_from_case import attacked  # noqa: F401  (fixture)

DISCOVERED = date(2026, 3, 2)


def _incident(world: World) -> int:
    incident = respond.open_incident(world.store, "Snooping", discovered=DISCOVERED)
    respond.add_source(world.store, incident, respond.from_lake(world.settings, user="dr-1"))
    respond.add_source(world.store, incident, respond.from_lake(world.settings, address="10.9.9.9"))
    answers = respond.prefill(world.store, incident)
    respond.save_assessment(world.store, incident, answers, decided_by="P. Officer")
    revised = respond.with_answers(answers, {"mitigation": "assurances"})
    respond.save_assessment(world.store, incident, revised, decided_by="Counsel")
    respond.mark_done(world.store, incident, "individuals", on=date(2026, 4, 1))
    return incident


def _read(pack: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(pack) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_pack_holds_the_whole_record_and_the_lake_events(world: World, tmp_path: Path) -> None:
    incident = _incident(world)
    pack = tmp_path / "incident.zip"
    written = respond.write_pack(world.settings, world.store, incident, pack)
    files = _read(pack)
    assert set(files) == {
        "MANIFEST.sha256",
        "incident.json",
        "sources.json",
        "assessments.json",
        "obligations.json",
        "scope_versions.json",
        "affected.csv",
        "notices/respond_notice_done.json",
        "events/source-1-lake.ndjson",
        "events/source-2-lake.ndjson",
    } | {n for n in files if n.startswith("notices/")}
    assert written["files"] == len(files) - 1
    record = json.loads(files["incident.json"])
    assert record["title"] == "Snooping" and record["scope"]["individuals"] == 7
    assert [s["kind"] for s in json.loads(files["sources.json"])] == ["lake", "lake"]
    versions = json.loads(files["assessments.json"])
    assert [(v["version"], v["decided_by"]) for v in versions] == [
        (1, "P. Officer"),
        (2, "Counsel"),
    ]
    scopes = json.loads(files["scope_versions.json"])
    assert [s["scope"]["individuals"] for s in scopes] == [5, 7]
    done = json.loads(files["notices/respond_notice_done.json"])
    assert [(d["notice"], d["done_on"]) for d in done] == [("individuals", "2026-04-01")]

    key = pseudonym_key(world.settings)
    rows = list(csv.DictReader(io.StringIO(files["affected.csv"].decode())))
    by_source = Counter(r["source"] for r in rows)
    assert by_source == {"1": len(DR_PATIENTS), "2": len(CLERK_PATIENTS)}
    assert {r["patient_pseudonym"] for r in rows} == {
        pseudonymise(key, p) for p in DR_PATIENTS | CLERK_PATIENTS
    }
    dr_events = [json.loads(line) for line in files["events/source-1-lake.ndjson"].splitlines()]
    assert {e["event_id"] for e in dr_events} == {f"ae-dr-{n}" for n in range(5)}
    assert {e["user_pseudonym"] for e in dr_events} == {pseudonymise(key, "dr-1")}
    clerk = files["events/source-2-lake.ndjson"].decode()
    assert "ae-clerk-1" in clerk and "10.9.9.9" in clerk
    for pid in DR_PATIENTS | CLERK_PATIENTS:  # patient ids never appear in clear
        assert all(pid.encode() not in data for data in files.values())

    manifest: dict[str, str] = {}
    for line in files["MANIFEST.sha256"].decode().splitlines():
        digest, name = line.split("  ", 1)
        manifest[name] = digest
    assert set(manifest) == set(files) - {"MANIFEST.sha256"}
    for name, digest in manifest.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest
    assert respond.verify_pack(pack) == {
        "file": "incident.zip",
        "files": len(manifest),
        "ok": True,
        "problems": [],
    }


def _rewrite(pack: Path, out: Path, change: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(pack) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if name in change:
                continue
            target.writestr(name, source.read(name))
        for name, data in change.items():
            if data is not None:
                target.writestr(name, data)
    return out


def test_verify_finds_a_changed_a_missing_and_an_added_file(world: World, tmp_path: Path) -> None:
    incident = _incident(world)
    pack = tmp_path / "p.zip"
    respond.write_pack(world.settings, world.store, incident, pack)
    tampered = _rewrite(
        pack,
        tmp_path / "t.zip",
        {
            "assessments.json": b"[]\n",
            "affected.csv": None,
            "extra.txt": b"slipped in\n",
        },
    )
    report = respond.verify_pack(tampered)
    assert report["ok"] is False
    assert report["problems"] == [
        "missing: affected.csv",
        "changed: assessments.json",
        "not in the manifest: extra.txt",
    ]
    with pytest.raises(InputError, match="not a zip file"):
        respond.verify_pack(_write_bytes(tmp_path / "x.zip", b"not a zip"))
    with pytest.raises(NotFoundError):
        respond.verify_pack(tmp_path / "nothing.zip")


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_bad_output_writes_nothing(world: World, tmp_path: Path) -> None:
    incident = _incident(world)
    with pytest.raises(InputError, match=r"ending in \.zip"):
        respond.write_pack(world.settings, world.store, incident, tmp_path / "pack.tar")
    with pytest.raises(NotFoundError):
        respond.write_pack(world.settings, world.store, 99, tmp_path / "none.zip")
    with pytest.raises(InputError, match="folder does not exist"):
        respond.write_pack(world.settings, world.store, incident, tmp_path / "no" / "p.zip")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in {".zip", ".partial"}) == []


def test_a_case_source_brings_the_events_of_its_alerts(
    settings: Settings,
    sqlite_store: Store,
    attacked: tuple[int, Counter[str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    case_id, _ = attacked
    update_case(sqlite_store, case_id, status="confirmed", note="admitted")
    result = respond.open_from_case(
        settings, sqlite_store, "Bulk pull", case_id=case_id, discovered=date(2026, 3, 11)
    )
    pack = tmp_path / "case.zip"
    respond.write_pack(settings, sqlite_store, result["incident"], pack)
    files = _read(pack)
    (events_file,) = [n for n in files if n.startswith("events/")]
    assert events_file == f"events/source-{result['source']}-case.ndjson"
    evidence = {e for a in get_case(sqlite_store, case_id)["alert_list"] for e in a["evidence"]}
    events = [json.loads(line) for line in files[events_file].splitlines()]
    assert {e["event_id"] for e in events} == evidence
    patients = {e["patient_pseudonym"] for e in events}
    assert len(patients) == result["scope"]["individuals"]
    assert Lake.of(settings).manifests()  # the events really came from the lake
    assert respond.verify_pack(pack)["ok"] is True


def test_the_cli_writes_and_verifies_a_pack(cli: Cli, tmp_path: Path) -> None:
    from phiwatch.config import load_settings
    from phiwatch.store import open_store

    settings = load_settings(environ={}, data_dir=str(cli.data_dir))
    store = open_store(settings)
    try:
        world = build_world(settings, store, tmp_path / "input")
        incident = _incident(world)
    finally:
        store.close()
    out = tmp_path / "cli.zip"
    written = cli("respond", "evidence", str(incident), "--out", str(out), "-f", "json")
    assert written.exit_code == 0, written.output
    assert json.loads(written.stdout)["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    checked = cli("respond", "evidence", "--verify", str(out), "-f", "json")
    assert checked.exit_code == 0 and json.loads(checked.stdout)["ok"] is True
    bad = _rewrite(out, tmp_path / "bad.zip", {"incident.json": b"{}\n"})
    refused = cli("respond", "evidence", "--verify", str(bad), "-f", "json")
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["problems"] == ["changed: incident.json"]
    neither = cli("respond", "evidence", str(incident))
    assert neither.exit_code == 1 and "--out" in neither.output
