"""``phiwatch respond`` in-process: open, add, scope, show, list, status, done, close."""

from __future__ import annotations

import json
from pathlib import Path

from phiwatch.config import load_settings
from phiwatch.store import open_store
from tests.conftest import Cli
from tests.respond.conftest import build_world


def _world(cli: Cli, tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=str(cli.data_dir))
    store = open_store(settings)
    try:
        build_world(settings, store, tmp_path / "input")
    finally:
        store.close()


def test_the_respond_commands_end_to_end(cli: Cli, tmp_path: Path) -> None:
    _world(cli, tmp_path)
    opened = cli("respond", "open", "Billing export", "--discovered", "2026-03-02", "-f", "json")
    assert opened.exit_code == 0, opened.output
    incident = str(json.loads(opened.stdout)["id"])

    added = cli("respond", "add", incident, "--user", "dr-1", "-f", "json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["scope"]["individuals"] == 5

    added = cli("respond", "add", incident, "--address", "10.9.9.9")
    assert added.exit_code == 0, added.output
    assert "changed: individuals: 5 -> 7 (+2)" in added.stderr

    window = ("--between", "2026-02-10", "2026-02-11T23:59")
    added = cli("respond", "add", incident, "--user", "dr-1", *window, "-f", "json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["found"] == 2

    listed = json.loads(cli("respond", "list", "-f", "json").stdout)
    assert [(r["title"], r["individuals"]) for r in listed] == [("Billing export", 7)]

    shown = json.loads(cli("respond", "show", incident, "-f", "json").stdout)
    assert [s["kind"] for s in shown["sources"]] == ["lake", "lake", "lake"]
    assert [o["notice"] for o in shown["obligations"]] == ["individuals", "hhs-annual-log"]

    status = cli("respond", "status", "--today", "2026-05-02", "-f", "csv")
    assert status.exit_code == 0, status.output
    assert status.stdout.splitlines()[1].startswith(f"{incident},Billing export,individuals,")
    assert "1 notice(s) overdue" in status.stderr

    assert cli("respond", "done", incident, "individuals", "--on", "2026-04-20").exit_code == 0
    status = cli("respond", "status", "--today", "2026-05-02", "-f", "json")
    rows = {r["notice"]: r for r in json.loads(status.stdout)}
    assert rows["individuals"]["done"] == "2026-04-20" and not rows["individuals"]["overdue"]

    assert cli("respond", "close", incident).exit_code == 0
    assert json.loads(cli("respond", "status", "-f", "json").stdout) == []


def test_bad_input_is_one_error_line(cli: Cli, tmp_path: Path) -> None:
    _world(cli, tmp_path)
    bad = cli("respond", "open", "Bad", "--discovered", "March 2nd")
    assert bad.exit_code == 1
    assert "Error: --discovered expects a date as YYYY-MM-DD" in bad.output
    missing = cli("respond", "open", "Nope", "--discovered", "2026-03-02", "--from-case", "42")
    assert missing.exit_code == 1 and "Error: no monitor case 42" in missing.output
    assert json.loads(cli("respond", "list", "-f", "json").stdout) == []
    cli("respond", "open", "Real", "--discovered", "2026-03-02")
    two = cli("respond", "add", "1", "--user", "dr-1", "--csv", "x.csv")
    assert two.exit_code == 1 and "give exactly one source" in two.output
    unknown = cli("respond", "show", "9")
    assert unknown.exit_code == 1 and "no incident 9" in unknown.output


def test_the_guided_assessment_asks_with_prefilled_defaults(cli: Cli, tmp_path: Path) -> None:
    _world(cli, tmp_path)
    cli("respond", "open", "Export", "--discovered", "2026-03-02")
    cli("respond", "add", "1", "--address", "10.9.9.9")
    # Enter keeps each default; the last answer (mitigation) is typed.
    answers = "\n" * 7 + "assurances\n"
    run = cli("respond", "assess", "1", "--by", "P. Officer", "-f", "json", input=answers)
    assert run.exit_code == 0, run.output
    assert "Factor 3: was the PHI actually acquired or viewed" in run.stderr
    assert "[acquired]" in run.stderr  # the pre-filled default from the export
    record = json.loads(run.stdout[run.stdout.index("{") :])  # the runner echoes the input
    assert record["answers"]["mitigation"] == "assurances"
    assert record["result"] == "notify"
    again = cli(
        "respond", "assess", "1", "--by", "P. Officer", "--accept", "--answer", "encrypted=yes"
    )
    assert again.exit_code == 0, again.output
    assert "assessment version 2: low probability: no notice" in again.stderr
    versions = json.loads(cli("respond", "assessments", "1", "-f", "json").stdout)
    assert [v["result"] for v in versions] == ["notify", "no_notice"]
    shown = json.loads(cli("respond", "show", "1", "-f", "json").stdout)
    assert shown["obligations"] == [] and len(shown["assessments"]) == 2
