"""``phiwatch monitor detect|alerts|alert|cases|case|explain|evaluate|run`` in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.monitor.detect.hospital import START
from tests.monitor.detect.test_detectors import base_hospital, bulk_positive, vip_positive


@pytest.fixture
def loaded(cli: Cli, tmp_path: Path) -> Cli:
    hospital = base_hospital()
    vip_positive(hospital)
    bulk_positive(hospital)
    context, events = hospital.write(tmp_path / "input")
    assert cli("monitor", "context", "load", str(context)).exit_code == 0
    assert cli("monitor", "ingest", str(events)).exit_code == 0
    labels = tmp_path / "labels.ndjson"
    labels.write_text(
        json.dumps(
            {
                "kind": "vip_snooping",
                "user_id": "dr-b",
                "start": f"{START.replace(day=START.day + 8)}T14:00:00Z",
                "end": f"{START.replace(day=START.day + 8)}T14:00:00Z",
                "event_ids": [],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    return cli


def test_detect_then_list_alerts_as_json(loaded: Cli) -> None:
    result = loaded("monitor", "detect", "-f", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["days"] == 14 and summary["new_alerts"] == 2
    listed = json.loads(loaded("monitor", "alerts", "-f", "json").stdout)
    assert {a["title"] for a in listed} == {
        "Bulk access to patient records",
        "VIP or confidential patient opened without a care relationship",
    }
    for alert in listed:
        assert {
            "id",
            "detector",
            "level",
            "score",
            "user",
            "patients",
            "start",
            "end",
            "explanation",
            "evidence",
        } <= set(alert)
    bulk = next(a for a in listed if a["title"].startswith("Bulk"))
    assert bulk["explanation"].startswith("Finn Fox opened 200 patient records")
    shown = loaded("monitor", "alert", str(bulk["id"]))
    assert shown.exit_code == 0 and "Finn Fox" in shown.stdout
    hidden = loaded("monitor", "alert", str(bulk["id"]), "--pseudonyms")
    assert "Finn Fox" not in hidden.stdout


def test_cases_and_case_review(loaded: Cli) -> None:
    loaded("monitor", "detect")
    cases = json.loads(loaded("monitor", "cases", "-f", "json").stdout)
    assert len(cases) == 2 and {c["status"] for c in cases} == {"new"}
    first = cases[0]["id"]
    result = loaded(
        "monitor",
        "case",
        str(first),
        "--status",
        "false_positive",
        "--note",
        "Sanctioned",
        "--by",
        "alice",
    )
    assert result.exit_code == 0, result.output
    assert "Sanctioned" in result.stdout
    shown = json.loads(loaded("monitor", "case", str(first), "-f", "json").stdout)
    assert [(n["author"], n["text"]) for n in shown["notes"]] == [("alice", "Sanctioned")]
    remaining = json.loads(loaded("monitor", "cases", "--status", "new", "-f", "json").stdout)
    assert [c["id"] for c in remaining] != [first] and len(remaining) == 1
    bad = loaded("monitor", "case", str(first), "--status", "closed")
    assert bad.exit_code == 1 and "Error: --status expects one of" in bad.output
    missing = loaded("monitor", "case", "999")
    assert missing.exit_code == 1 and "no case 999" in missing.output


def test_explain_shows_each_access_with_its_reason(loaded: Cli) -> None:
    result = loaded("monitor", "explain", "--user", "dr-b", "--patient", "p-vip", "-f", "json")
    assert result.exit_code == 0, result.output
    assert [r["reason"] for r in json.loads(result.stdout)] == ["unexplained"]
    treated = json.loads(
        loaded("monitor", "explain", "--user", "dr-a", "--patient", "p-001", "-f", "json").stdout
    )
    assert treated and {r["reason"] for r in treated} == {"care relationship (encounter)"}


def test_evaluate_scores_against_labels(loaded: Cli, tmp_path: Path) -> None:
    loaded("monitor", "detect")
    result = loaded(
        "monitor", "evaluate", "--labels", str(tmp_path / "labels.ndjson"), "-f", "json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (vip,) = report["kinds"]
    assert vip["recall"] == 1.0 and vip["precision"] == 1.0
    assert report["benign_alerts"] == 1  # the bulk read was not labelled
    assert report["benign_explained_share"] < 1.0


def test_run_repeats_detection(loaded: Cli) -> None:
    result = loaded("monitor", "run", "--every", "1s", "--times", "2")
    assert result.exit_code == 0, result.output
    assert "2 new alert(s)" in result.stderr and "0 new alert(s)" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["detect", "--since", "yesterday"], "--since expects a date"),
        (["run", "--every", "soon"], "--every expects"),
        (["alerts", "--level", "urgent"], "--level expects"),
        (["alerts", "--detector", "nope"], "no enabled detector named 'nope'"),
    ],
)
def test_bad_options_give_one_line_errors(loaded: Cli, args: list[str], message: str) -> None:
    result = loaded("monitor", *args)
    assert result.exit_code == 1
    assert message in result.output
