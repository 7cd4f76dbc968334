"""``phiwatch notify`` commands, in-process, on SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from phiwatch.cli.notify import parse_every
from phiwatch.config import load_settings
from phiwatch.errors import InputError
from phiwatch.store import open_store
from tests.conftest import Cli
from tests.notify.conftest import SmtpServer, ingest_rows, load_hospital


@pytest.fixture
def ready(cli: Cli, tmp_path: Path) -> Cli:
    settings = load_settings(environ={}, data_dir=str(cli.data_dir))
    store = open_store(settings)
    load_hospital(settings, store, tmp_path / "context")
    store.close()
    return cli


def test_subscribe_list_unsubscribe(ready: Cli) -> None:
    result = ready("notify", "subscribe", "p-1", "--email", "ana@example.org", "--digest", "weekly")
    assert result.exit_code == 0, result.output
    listed = json.loads(ready("notify", "list", "-f", "json").stdout)
    assert listed[0]["email"] == "a…@example.org"  # masked unless --reveal
    assert listed[0]["patient_id"] == "p-…" and listed[0]["digest"] == "weekly"
    assert listed[0]["immediate"] is False  # a digest alone, unless --immediate
    revealed = json.loads(ready("notify", "list", "--reveal", "-f", "json").stdout)
    assert revealed[0]["email"] == "ana@example.org"
    assert ready("notify", "unsubscribe", "p-1").exit_code == 0
    assert json.loads(ready("notify", "list", "-f", "json").stdout) == []
    missing = ready("notify", "unsubscribe", "p-404")
    assert missing.exit_code == 1 and "no subscription for this patient" in missing.output


def test_import_csv_all_or_nothing(ready: Cli, tmp_path: Path) -> None:
    good = tmp_path / "subs.csv"
    good.write_text(
        "patient_id,email,webhook,immediate,digest\n"
        "p-1,ana@example.org,,yes,daily\n"
        "p-2,,https://portal.example.org/hook,no,weekly\n",
        "utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "patient_id,email,webhook,immediate,digest\np-3,ben@example.org,,yes,\np-1,not-an-address,,,\n",
        "utf-8",
    )
    failed = ready("notify", "import", str(bad))
    assert failed.exit_code == 1
    assert "bad.csv, line 3, column 'email'" in failed.output
    assert "not-an-address" not in failed.output  # the value may be PHI
    result = ready("notify", "import", str(good), "-f", "json")
    assert json.loads(result.stdout) == {"subscribed": 2, "updated": 0}
    store = open_store(load_settings(environ={}, data_dir=str(ready.data_dir)))
    with store.engine.connect() as connection:
        raw = connection.execute(text("SELECT email FROM notify_subscription")).scalars().all()
    store.close()
    assert all(v is None or (v.startswith("phw1.") and "example" not in v) for v in raw)


def test_run_composes_and_sends(
    ready: Cli, tmp_path: Path, smtp_server: SmtpServer, monkeypatch
) -> None:
    monkeypatch.setenv("PHIWATCH_SMTP_URL", smtp_server.url)
    ready("notify", "subscribe", "p-1", "--email", "ana@example.org")
    settings = load_settings(environ={}, data_dir=str(ready.data_dir))
    ingest_rows(
        settings, tmp_path / "ev", "d1", ["2024-05-03 10:00:00,rn-9,p-1,Chart Review Accessed,W"]
    )
    env_result = ready.runner.invoke(
        __import__("phiwatch.cli", fromlist=["app"]).app,
        ["notify", "run", "-f", "json"],
        env={"PHIWATCH_DATA_DIR": str(ready.data_dir), "PHIWATCH_SMTP_URL": smtp_server.url},
    )
    assert env_result.exit_code == 0, env_result.output
    record = json.loads(env_result.stdout)
    assert (record["ingests"], record["alerts"], record["sent"]) == (1, 1, 1)
    assert len(smtp_server.recorder.received) == 1
    status = json.loads(ready("notify", "status", "-f", "json").stdout)
    assert status["sent"] == 1 and status["pending"] == 0


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("5m", 300), ("1h", 3600), ("90", 90)])
def test_every(text: str, seconds: int) -> None:
    assert parse_every(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["0m", "five minutes", "5w"])
def test_bad_every(text: str) -> None:
    with pytest.raises(InputError):
        parse_every(text)
