"""``phiwatch monitor queue|assign|acknowledge|dismiss|escalate``: the review queue from a shell.

The alerts come from the real detectors over the small test hospital (a VIP
opened without a care relationship, a bulk pull); each command is checked
against what the web's review pages read (``monitor.review_alert``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from phiwatch import monitor
from phiwatch.config import load_settings
from phiwatch.security import Role, add_user
from phiwatch.store import open_store
from tests.conftest import Cli
from tests.monitor.detect.test_cli import loaded  # noqa: F401  (fixture)


@pytest.fixture
def detected(loaded: Cli) -> Cli:  # noqa: F811  (the imported fixture)
    """The test hospital of test_cli.py (a VIP snooped on, a bulk pull), detected."""
    assert loaded("monitor", "detect").exit_code == 0
    return loaded


def _queue(cli: Cli, *args: str) -> list[dict[str, Any]]:
    result = cli("monitor", "queue", "-f", "json", *args)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def _open(cli: Cli):
    settings = load_settings(environ={}, data_dir=str(cli.data_dir))
    return settings, open_store(settings)


def _review(cli: Cli, alert_id: int) -> dict[str, Any]:
    _settings, store = _open(cli)
    try:
        return monitor.review_alert(store, alert_id)
    finally:
        store.close()


def test_queue_lists_open_alerts_most_severe_first(detected: Cli) -> None:
    rows = _queue(detected)
    assert len(rows) == 2
    assert {r["status"] for r in rows} == {"open"}
    assert rows[0]["score"] >= rows[1]["score"]
    assert "Vera" not in json.dumps(rows), "pseudonyms by default"


def test_dismiss_takes_an_alert_out_of_the_active_queue(detected: Cli) -> None:
    alert = _queue(detected)[0]["id"]
    result = detected("monitor", "dismiss", str(alert), "--reason", "benign", "--note", "Covering")
    assert result.exit_code == 0, result.output
    assert alert not in {r["id"] for r in _queue(detected)}
    dismissed = _queue(detected, "--status", "dismissed")
    assert [r["id"] for r in dismissed] == [alert]
    assert dismissed[0]["reason"] == "benign"
    review = _review(detected, alert)
    assert any(a["by"].startswith("cli:") for a in review["history"]), review["history"]


def test_a_dismissal_needs_a_known_reason(detected: Cli) -> None:
    alert = _queue(detected)[0]["id"]
    result = detected("monitor", "dismiss", str(alert), "--reason", "bored")
    assert result.exit_code == 1
    assert "false_positive" in result.output
    assert _queue(detected, "--status", "dismissed") == []


def test_assign_then_filter_by_assignee(detected: Cli) -> None:
    settings, store = _open(detected)
    add_user(store, settings, "rita", Role.privacy_officer, password="a long enough password 1")
    store.close()
    alert = _queue(detected)[1]["id"]
    result = detected("monitor", "assign", str(alert), "rita", "--by", "boss")
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in _queue(detected, "--assignee", "rita")] == [alert]
    assert detected("monitor", "assign", str(alert)).exit_code == 0
    assert _queue(detected, "--assignee", "rita") == []


def test_acknowledge_and_escalate(detected: Cli) -> None:
    alert = _queue(detected)[0]["id"]
    assert detected("monitor", "acknowledge", str(alert)).exit_code == 0
    assert _queue(detected, "--status", "acknowledged")[0]["id"] == alert
    result = detected("monitor", "escalate", str(alert), "-f", "json", "--note", "Three weeks")
    assert result.exit_code == 0, result.output
    case_id = json.loads(result.stdout)["case"]
    case = json.loads(detected("monitor", "case", str(case_id), "-f", "json").stdout)
    assert case["status"] == "reviewing"
    assert alert in {a["id"] for a in case["alert_list"]}


def test_unknown_alert_and_bad_dates_are_one_line_errors(detected: Cli) -> None:
    missing = detected("monitor", "acknowledge", "99999")
    assert missing.exit_code == 1 and "99999" in missing.output
    bad = detected("monitor", "queue", "--since", "yesterday")
    assert bad.exit_code == 1 and "--since expects a date YYYY-MM-DD" in bad.output
