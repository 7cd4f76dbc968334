"""Randomised hospitals: other vocabularies and ways of working, all from the seed."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from phiwatch.errors import InputError
from phiwatch.simulate import VOCABULARIES, Behaviour, HospitalConfig, simulate_hospital

RANDOM = HospitalConfig(users=80, patients=2000, days=5, seed=21, attacks=True, randomise=True)
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "summary.json"
    }


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def randomised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("randomised")
    simulate_hospital(RANDOM, out)
    return out


def test_same_seed_same_files_and_the_default_is_not_randomised(
    randomised: Path, tmp_path: Path
) -> None:
    simulate_hospital(RANDOM, tmp_path / "again")
    assert _digest(tmp_path / "again") == _digest(randomised)
    plain = replace(RANDOM, randomise=False)
    assert plain.vocabulary_name == "sim" and plain.behaviour_in_force == Behaviour()
    simulate_hospital(plain, tmp_path / "plain")
    assert _digest(tmp_path / "plain") != _digest(randomised)


def test_roles_and_departments_come_from_the_drawn_vocabulary(randomised: Path) -> None:
    summary = json.loads((randomised / "summary.json").read_text(encoding="utf-8"))
    words = VOCABULARIES[summary["vocabulary"]]
    assert summary["vocabulary"] != "sim"
    roles = _lines(randomised / "context" / "bulk" / "PractitionerRole.ndjson")
    codes = {r["code"][0]["coding"][0]["code"] for r in roles}
    allowed = {t.code for titles in words.roles.values() for t in titles}
    assert codes <= allowed and len(codes) > 6  # several titles per role, none of "sim"'s
    sim = {t.code for titles in VOCABULARIES["sim"].roles.values() for t in titles}
    assert len(codes - sim) > 6
    names = {o["name"] for o in _lines(randomised / "context" / "bulk" / "Organization.ndjson")}
    assert {name for _, name in words.departments.values()} <= names
    with (randomised / "context" / "csv" / "workforce.csv").open(encoding="utf-8") as handle:
        titles = {row["role"] for row in csv.DictReader(handle)}
    assert titles <= {t.display for ts in words.roles.values() for t in ts}


def test_each_named_vocabulary_is_written_as_asked(tmp_path: Path) -> None:
    config = replace(RANDOM, vocabulary="cerner", attacks=False, formats=("bulk",))
    simulate_hospital(config, tmp_path)
    roles = _lines(tmp_path / "context" / "bulk" / "PractitionerRole.ndjson")
    systems = {r["code"][0]["coding"][0]["system"] for r in roles}
    assert systems == {VOCABULARIES["cerner"].system}
    with pytest.raises(InputError, match="unknown vocabulary 'meditech'"):
        HospitalConfig(vocabulary="meditech")


def _days_between_visit_and_billing(folder: Path, billing_titles: set[str]) -> list[int]:
    """For each billing access, days since the patient's latest visit ended before it."""
    with (folder / "context" / "csv" / "workforce.csv").open(encoding="utf-8") as handle:
        billers = {r["user_id"] for r in csv.DictReader(handle) if r["role"] in billing_titles}
    with (folder / "context" / "csv" / "encounters.csv").open(encoding="utf-8") as handle:
        ends: dict[str, list[str]] = {}
        for row in csv.DictReader(handle):
            ends.setdefault(row["patient_id"], []).append(row["end"])
    lags = []
    for path in sorted((folder / "events").glob("access-log-*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["USER_ID"] in billers and row["METRIC_NAME"] == "Billing Account Reviewed":
                    day = row["ACCESS_TIME"][:10]
                    before = [e for e in ends.get(row["PAT_ID"], []) if e < day]
                    if before:
                        lags.append(
                            (date.fromisoformat(day) - date.fromisoformat(max(before))).days,
                        )
    return lags


def test_billing_lags_reach_the_configured_maximum(tmp_path: Path) -> None:
    long = Behaviour(billing_lag_max=20)
    config = HospitalConfig(
        users=80, patients=2000, days=30, seed=3, behaviour=long, formats=("csv",)
    )
    simulate_hospital(config, tmp_path)
    lags = _days_between_visit_and_billing(tmp_path, {"billing"})
    assert lags and max(lags) <= 20
    assert sum(lag > 7 for lag in lags) >= 0.05 * len(lags)  # a tail beyond a week
    simulate_hospital(replace(config, behaviour=None), tmp_path / "today")
    assert max(_days_between_visit_and_billing(tmp_path / "today", {"billing"})) <= 3


def test_a_community_shares_a_few_surnames(tmp_path: Path) -> None:
    behaviour = Behaviour(surname_zipf=0.5, community_share=0.8, community_surnames=58)
    config = HospitalConfig(
        users=40, patients=5000, days=1, seed=5, behaviour=behaviour, formats=("bulk",)
    )
    simulate_hospital(config, tmp_path)
    patients = _lines(tmp_path / "context" / "bulk" / "Patient.ndjson")
    counts = Counter(p["name"][0]["family"] for p in patients)
    top = sum(n for _, n in counts.most_common(58))
    assert top >= 0.75 * len(patients)
    simulate_hospital(replace(config, behaviour=None), tmp_path / "today")
    patients = _lines(tmp_path / "today" / "context" / "bulk" / "Patient.ndjson")
    counts = Counter(p["name"][0]["family"] for p in patients)
    assert sum(n for _, n in counts.most_common(58)) < 0.3 * len(patients)


def _luhn_ok(npi: str) -> bool:
    digits = [int(c) for c in "80840" + npi]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


def test_npi_option_names_users_by_identifier(tmp_path: Path) -> None:
    config = replace(RANDOM, npi=True, attacks=False)
    simulate_hospital(config, tmp_path)
    bulk = tmp_path / "context" / "bulk"
    npis = {}
    for practitioner in _lines(bulk / "Practitioner.ndjson"):
        (npi,) = [i["value"] for i in practitioner["identifier"] if i["system"] == NPI_SYSTEM]
        assert len(npi) == 10 and npi[0] in "12" and _luhn_ok(npi)
        npis[npi] = practitioner["id"]
    assert len(npis) == config.users
    role = _lines(bulk / "PractitionerRole.ndjson")[0]
    assert role["practitioner"] == {"identifier": {"system": NPI_SYSTEM, "value": role_npi(role)}}
    participant = _lines(bulk / "Encounter.ndjson")[0]["participant"][0]["individual"]
    system, value = participant["reference"].removeprefix("Practitioner?identifier=").split("|")
    assert system == NPI_SYSTEM and value in npis
    events = _lines(sorted((tmp_path / "events").glob("audit-events-*.ndjson"))[0])
    whos = [next(a["who"] for a in e["agent"] if a["requestor"]) for e in events]
    by_npi = [w for w in whos if "identifier" in w]
    assert by_npi and len(by_npi) < len(whos)  # both ways, as servers mix them
    assert all(w["identifier"]["value"] in npis for w in by_npi)
    assert not _lines(sorted((tmp_path / "events").glob("*.ndjson"))[0])[0].get("npi")


def role_npi(role: dict[str, Any]) -> str:
    return str(role["practitioner"]["identifier"]["value"])


def test_npi_is_off_by_default(randomised: Path) -> None:
    role = _lines(randomised / "context" / "bulk" / "PractitionerRole.ndjson")[0]
    assert str(role["practitioner"]["reference"]).startswith("Practitioner/")


def test_float_pool_nurses_have_their_own_department_and_join_teams(randomised: Path) -> None:
    summary = json.loads((randomised / "summary.json").read_text(encoding="utf-8"))
    pool = VOCABULARIES[summary["vocabulary"]].float_pool[1]
    with (randomised / "context" / "csv" / "workforce.csv").open(encoding="utf-8") as handle:
        floats = {r["user_id"] for r in csv.DictReader(handle) if r["department"] == pool}
    assert floats
    with (randomised / "context" / "csv" / "encounters.csv").open(encoding="utf-8") as handle:
        on_teams = {row[f"nurse{i}"] for row in csv.DictReader(handle) for i in (1, 2, 3)} & floats
    assert on_teams


def test_bad_behaviour_is_refused() -> None:
    with pytest.raises(InputError, match="billing_lag_max"):
        Behaviour(billing_lag_max=0)
    with pytest.raises(InputError, match="community_share"):
        Behaviour(community_share=1.5)
