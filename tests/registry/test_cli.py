"""``phiwatch registry`` from the command line: formats, errors, exit codes."""

from __future__ import annotations

import csv
import io
import json

import pytest

from .conftest import INVESTIGATION_2024, row


@pytest.fixture
def imported(cli, portal_file):
    result = cli("registry", "import", str(portal_file(INVESTIGATION_2024)))
    assert result.exit_code == 0, result.output
    return cli


def test_import_reports_what_changed_then_nothing(cli, portal_file) -> None:
    path = str(portal_file(INVESTIGATION_2024))
    first = cli("registry", "import", path)
    assert first.exit_code == 0
    assert "908 new" in first.stderr
    again = cli("registry", "import", path)
    assert again.exit_code == 0
    assert "No changes" in again.stderr and "same file as import #1" in again.stderr


def test_import_json_summary(cli, write_csv) -> None:
    result = cli("registry", "import", str(write_csv([row(), row(name="B")])), "--format", "json")
    summary = json.loads(result.stdout)[0]
    assert (summary["new"], summary["list_name"], summary["changed"]) == (2, "investigation", True)
    assert {d["kind"] for d in summary["deltas"]} == {"new"}


def test_import_needs_files_or_bundled(cli) -> None:
    result = cli("registry", "import")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: give export files to import, or --bundled for the shipped snapshot"
    )


def test_malformed_file_is_one_error_line_and_exit_1(cli, write_csv) -> None:
    bad = write_csv([row(), row(affected="lots")])
    result = cli("registry", "import", str(bad))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "line 3, record 2, column 'Individuals Affected'" in result.stderr
    assert "Traceback" not in result.output
    listing = cli("registry", "list", "--format", "json")
    assert json.loads(listing.stdout) == []


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda t: t.replace('"Covered Entity Type"', '"Kind"', 1), "line 1: not an HHS OCR"),
        (lambda t: t.replace('"03/14/2024"', '"2024/14/03"', 1), "column 'Breach Submission Date'"),
        (lambda t: t.replace('"1200"', '"12OO"', 1), "column 'Individuals Affected'"),
        (lambda t: t[: t.rindex('"')], "quoted field is not closed"),
    ],
    ids=["wrong header", "bad date", "bad number", "truncated quote"],
)
def test_malformed_files_leave_the_registry_unchanged(cli, write_csv, damage, expected) -> None:
    assert (
        cli("registry", "import", str(write_csv([row(name="First")], name="good.csv"))).exit_code
        == 0
    )
    before = cli("registry", "list", "-f", "json").stdout
    path = write_csv([row(name="Second"), row(name="Third", affected="1200")], name="bad.csv")
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    result = cli("registry", "import", str(path), "--as-of", "2030-01-01")
    assert result.exit_code == 1
    assert "bad.csv" in result.stderr and expected in result.stderr
    assert cli("registry", "list", "-f", "json").stdout == before
    assert len(json.loads(cli("registry", "imports", "-f", "json").stdout)) == 1


def test_list_filters_and_formats(imported) -> None:
    result = imported(
        "registry", "list", "--state", "MA", "--type", "unauthorized", "--sort=-affected",
        "--limit", "3", "--format", "json",
    )  # fmt: skip
    rows = json.loads(result.stdout)
    assert 0 < len(rows) <= 3
    assert all(r["state"] == "MA" and "Unauthorized Access/Disclosure" in r["types"] for r in rows)
    counts = [r["individuals_affected"] for r in rows]
    assert counts == sorted(counts, reverse=True)

    as_csv = imported("registry", "list", "--state", "MA", "--limit", "3", "--format", "csv")
    parsed = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [p["id"] for p in parsed] == [
        r["id"]
        for r in json.loads(
            imported("registry", "list", "--state", "MA", "--limit", "3", "-f", "json").stdout
        )
    ]
    ndjson = imported("registry", "list", "--limit", "2", "--format", "ndjson").stdout.splitlines()
    assert len(ndjson) == 2 and all(json.loads(line)["id"] for line in ndjson)

    table = imported("registry", "list", "--limit", "2")
    assert "matching breaches" in table.stderr and "individuals affected" in table.stdout


def test_list_date_shorthands(imported) -> None:
    rows = json.loads(
        imported(
            "registry",
            "list",
            "--since",
            "2024-06",
            "--until",
            "2024-06",
            "--limit",
            "1000",
            "-f",
            "json",
        ).stdout
    )
    assert rows and all(r["submitted"].startswith("2024-06") for r in rows)
    bad = imported("registry", "list", "--since", "June 2024")
    assert bad.exit_code == 1 and "expected YYYY, YYYY-MM or YYYY-MM-DD" in bad.stderr


def test_stats_json_shape(imported) -> None:
    result = imported(
        "registry", "stats", "--by", "year", "--by", "type", "--cumulative", "-f", "json"
    )
    rows = json.loads(result.stdout)
    assert rows and {"year", "type", "breaches", "individuals", "cumulative_breaches"} <= set(
        rows[0]
    )
    years = [r["year"] for r in rows]
    assert years == sorted(years)


def test_stats_unknown_grouping(imported) -> None:
    result = imported("registry", "stats", "--by", "county")
    assert result.exit_code == 1 and "cannot group by 'county'" in result.stderr


def test_show_with_history_and_errors(imported) -> None:
    first = json.loads(imported("registry", "list", "--limit", "1", "-f", "json").stdout)[0]
    shown = json.loads(imported("registry", "show", first["id"], "-f", "json").stdout)
    assert shown["id"] == first["id"] and shown["history"][0]["kind"] == "new"
    table = imported("registry", "show", first["id"])
    assert "History" in table.stderr and first["entity"] in table.stdout
    missing = imported("registry", "show", "0000000000")
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: no breach with id")


def test_watchlist_commands(imported, write_csv) -> None:
    assert imported("registry", "watch", "add", "Geisinger").exit_code == 0
    duplicate = imported("registry", "watch", "add", "GEISINGER")
    assert duplicate.exit_code == 1 and "already watched" in duplicate.stderr
    listed = json.loads(imported("registry", "watch", "list", "-f", "json").stdout)
    assert listed[0]["name"] == "Geisinger" and listed[0]["matches"] >= 1
    imported(
        "registry", "import", str(write_csv([row(name="Geisinger Health", submitted="07/01/2024")]))
    )
    hits = json.loads(imported("registry", "watch", "hits", "-f", "json").stdout)
    assert [h["breach"]["entity"] for h in hits] == ["Geisinger Health"]
    assert imported("registry", "watch", "remove", "geisinger").exit_code == 0
    assert json.loads(imported("registry", "watch", "list", "-f", "json").stdout) == []


def test_imports_history(imported) -> None:
    entries = json.loads(imported("registry", "imports", "-f", "json").stdout)
    assert [(e["import"], e["list"], e["new"]) for e in entries] == [(1, "investigation", 908)]


@pytest.mark.parametrize(
    "command",
    [
        ["registry", "import"], ["registry", "list"], ["registry", "stats"], ["registry", "show"],
        ["registry", "imports"], ["registry", "watch", "add"], ["registry", "watch", "list"],
        ["registry", "watch", "remove"], ["registry", "watch", "hits"],
    ],
)  # fmt: skip
def test_every_command_has_help_with_an_example(cli, command) -> None:
    result = cli(*command, "--help")
    assert result.exit_code == 0
    assert "Example: phiwatch " + " ".join(command) in " ".join(result.stdout.split())
