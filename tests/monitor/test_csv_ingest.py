"""CSV access logs into the lake: mappings, bad input, idempotence, pseudonyms."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from phiwatch.config import Settings, load_settings
from phiwatch.errors import InputError
from phiwatch.monitor import (
    EPIC,
    CsvMapping,
    Lake,
    ingest,
    load_mapping,
    pseudonym_key,
    pseudonymise,
)
from phiwatch.monitor._ingest import _DayCount, _per_day
from phiwatch.monitor._schema import LAKE_COLUMNS, STAGED_COLUMNS
from phiwatch.monitor.readers import action_sql, csv_constants, csv_scan, csv_select
from tests.monitor.conftest import EPIC_HEADER, write_csv

ROWS = [
    "2024-03-01 08:00:00,u1,p1,Chart Review Accessed,WS-01",
    "2024-03-01 09:15:00,u1,p2,Print Patient Summary,WS-01",
    "2024-03-02 10:00:00,u2,p1,Edit Demographics,WS-07",
    "2024-03-02 23:59:59,u3,p3,Delete Note,WS-09",
    "2024-03-03 00:00:00,u3,,Login,WS-09",
]


def _events(settings: Settings) -> list[tuple[object, ...]]:
    return (
        Lake.of(settings)
        .connect()
        .sql("SELECT recorded, action, subtype, workstation, day FROM events ORDER BY recorded")
        .fetchall()
    )


def test_epic_csv_lands_partitioned_by_day(settings: Settings, tmp_path: Path) -> None:
    result = ingest(settings, [write_csv(tmp_path / "a.csv", ROWS)])
    assert (result.read, result.added, result.rejected) == (5, 5, 0)
    assert result.days == ["2024-03-01", "2024-03-02", "2024-03-03"]
    events = _events(settings)
    assert [e[1] for e in events] == ["R", "E", "U", "D", "E"]  # a login is an execute
    assert events[0][2] == "Chart Review Accessed"
    day_dirs = sorted(p.name for p in (settings.data_dir / "lake" / "events").iterdir())
    assert day_dirs == ["day=2024-03-01", "day=2024-03-02", "day=2024-03-03"]


def test_reingest_same_and_overlapping_file_adds_nothing_twice(
    settings: Settings, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "a.csv", ROWS[:3])
    overlapping = write_csv(tmp_path / "b.csv", ROWS[1:])
    assert ingest(settings, [first]).added == 3
    again = ingest(settings, [first])
    assert (again.added, again.duplicates) == (0, 3)
    assert len(Lake.of(settings).manifests()) == 1  # an empty ingest commits nothing
    overlap = ingest(settings, [overlapping])
    assert (overlap.added, overlap.duplicates) == (2, 2)
    assert len(_events(settings)) == 5
    # the same file twice in one command counts once
    both = ingest(settings, [first, first, overlapping])
    assert both.added == 0
    assert len(_events(settings)) == 5


@pytest.mark.parametrize("in_memory", [True, False], ids=["hashes-sorted", "duckdb-count"])
def test_duplicate_rows_in_one_batch_are_kept_once(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory: bool
) -> None:
    """Both ways of finding a repeat: sorting the hashes, and (past the memory bound) DuckDB.

    A repeat within one file, and across two files of one ingest (each file
    is written by its own writer, which hands in its own hashes).
    """
    if not in_memory:
        monkeypatch.setattr("phiwatch.monitor._repeats.IN_MEMORY", 1)
    result = ingest(settings, [write_csv(tmp_path / "a.csv", [ROWS[0], ROWS[0], ROWS[1]])])
    assert (result.added, result.duplicates) == (2, 1)
    apart = ingest(settings, [write_csv(tmp_path / "b.csv", ROWS[2:4])])
    assert (apart.added, apart.duplicates) == (2, 0)
    across = ingest(
        settings,
        [write_csv(tmp_path / "c.csv", ROWS[4:]), write_csv(tmp_path / "d.csv", ROWS[4:])],
    )
    assert (across.added, across.duplicates) == (1, 1)
    assert len(_events(settings)) == 5


@pytest.mark.parametrize("per_day", [True, False], ids=["copy-per-day", "partitioned-copy"])
def test_both_ways_of_writing_a_part_file_each_row_under_its_day(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, per_day: bool
) -> None:
    """A file whose six days are mixed, written either way: each good row once, in its day."""
    monkeypatch.setattr("phiwatch.monitor._ingest._per_day", lambda _counts: per_day)
    rows = [
        f"2024-03-0{1 + i % 6} {i % 24:02d}:00:00,u{i % 3},p{i},Chart Review Accessed,WS-01"
        for i in range(60)
    ]
    bad = ["2024-03-02 08:00:00, ,p1,Chart Review Accessed,WS-01"]  # a blank user
    result = ingest(settings, [write_csv(tmp_path / "mixed.csv", rows + bad)], skip_bad=True)
    assert (result.added, result.rejected) == (60, 1)
    assert result.days == [f"2024-03-0{d}" for d in range(1, 7)]
    lake = Lake.of(settings)
    for path in lake.files():
        days = duckdb.execute(f"SELECT DISTINCT CAST(day AS VARCHAR) FROM '{path}'").fetchall()
        assert days == [(path.parent.name.removeprefix("day="),)]
    counts = lake.connect().execute("SELECT count(*) FROM events GROUP BY day").fetchall()
    assert sorted(counts) == [(10,)] * 6


@pytest.mark.parametrize("extra", [{}, {"outcome": "OUTCOME", "query_count": "ROWS_SHOWN"}])
def test_a_csv_source_stages_or_shares_every_staged_column_once(
    tmp_path: Path, extra: dict[str, str]
) -> None:
    """Each staged column is read per row or shared by the source (csv_constants), never both."""
    header = "ACCESS_TIME,USER_ID,PAT_ID,METRIC_NAME,WORKSTATION_ID,OUTCOME,ROWS_SHOWN"
    mapping = EPIC.with_overrides(extra)
    scan = csv_scan(write_csv(tmp_path / "a.csv", [], header=header), mapping)
    select = csv_select(scan, b"k" * 32, "r")
    staged = duckdb.execute(f"DESCRIBE {select}").fetchall()
    per_row = {name for name, *_ in staged}
    shared = set(csv_constants(scan.mapping))
    assert not per_row & shared
    assert per_row | shared == set(STAGED_COLUMNS) - {"_bad"}
    assert ("outcome" in per_row) == bool(extra)


def test_a_copy_per_day_only_while_the_days_keep_to_their_row_groups() -> None:
    """In log order a day spans a row group or two; mixed, every day is in every group."""
    in_order = [_DayCount(f"d{i}", 76_000, 1 + i % 2) for i in range(30)]
    mixed = [_DayCount(f"d{i}", 76_000, 19) for i in range(30)]
    assert _per_day(in_order)
    assert not _per_day(mixed)
    assert _per_day([_DayCount("d", 10, 1)])


def test_lake_holds_keyed_pseudonyms_not_identifiers(settings: Settings, tmp_path: Path) -> None:
    ingest(settings, [write_csv(tmp_path / "a.csv", ROWS)])
    lake = Lake.of(settings)
    rows = (
        lake.connect()
        .execute("SELECT user_pseudonym, patient_pseudonym FROM events ORDER BY recorded")
        .fetchall()
    )
    key = pseudonym_key(settings)
    assert rows[0] == (pseudonymise(key, "u1"), pseudonymise(key, "p1"))
    assert rows[4][1] is None  # a login names no patient
    raw = b"".join(p.read_bytes() for p in lake.files())
    for identifier in (b"u1", b"p1", b"p2", b"u2"):
        assert pseudonymise(key, identifier.decode()).encode() in raw or identifier == b"u2"
    # no clear identifier in the Parquet files (they are short: check the strings are absent)
    assert all(ident not in raw for ident in (b",u1,", b"\x02u1", b"p3\x00"))


def test_fields_are_trimmed_of_ascii_and_unicode_spaces(settings: Settings, tmp_path: Path) -> None:
    nbsp = "\u00a0"
    rows = [
        "2024-03-01 08:00:00, u1 ,p1 ,Chart Review Accessed,  WS-01  ",
        f"2024-03-01 09:00:00,{nbsp}u2{nbsp},p2,{nbsp}Print Summary{nbsp},WS-02",
        "2024-03-01 10:00:00,   ,p3,Login,WS-03",  # a user of spaces only: no user
        "2024-03-01T10:30:00-05:00,u4,p4,Login,   ",  # an offset: stored as UTC
        "2024-03-01 11:00:00,u5,\u00e9p5,Login,\tWS-05",  # tabs are kept, as before
    ]
    result = ingest(settings, [write_csv(tmp_path / "a.csv", rows)], skip_bad=True)
    assert (result.added, result.rejected) == (4, 1)
    key = pseudonym_key(settings)
    found = (
        Lake.of(settings)
        .connect()
        .execute(
            "SELECT recorded, user_pseudonym, patient_pseudonym, subtype, workstation "
            "FROM events ORDER BY recorded"
        )
        .fetchall()
    )
    assert [(str(r[0]), r[1], r[2], r[3], r[4]) for r in found] == [
        (
            "2024-03-01 08:00:00",
            pseudonymise(key, "u1"),
            pseudonymise(key, "p1"),
            "Chart Review Accessed",
            "WS-01",
        ),
        (
            "2024-03-01 09:00:00",
            pseudonymise(key, "u2"),
            pseudonymise(key, "p2"),
            "Print Summary",
            "WS-02",
        ),
        (
            "2024-03-01 11:00:00",
            pseudonymise(key, "u5"),
            pseudonymise(key, "\u00e9p5"),
            "Login",
            "\tWS-05",
        ),
        ("2024-03-01 15:30:00", pseudonymise(key, "u4"), pseudonymise(key, "p4"), "Login", None),
    ]


def test_custom_mapping_from_toml_with_zone_and_action_names(
    settings: Settings, tmp_path: Path
) -> None:
    mapping_file = tmp_path / "map.toml"
    mapping_file.write_text(
        """
[columns]
time = "When"
user = "Who"
patient = "MRN"
action = "Activity"
department = "Dept"
network_address = "IP"

[options]
delimiter = ";"
timestamp_format = "%m/%d/%Y %H:%M"
timezone = "America/New_York"

[actions]
"Looked" = "R"
"Wrote" = "U"
""",
        encoding="utf-8",
    )
    csv_file = write_csv(
        tmp_path / "other.csv",
        ["03/01/2024 23:30;nurse7;mrn9;Wrote;Cardiology;10.0.0.5"],
        header="When;Who;MRN;Activity;Dept;IP",
    )
    result = ingest(settings, [csv_file], mapping=load_mapping(mapping_file))
    assert result.added == 1
    row = (
        Lake.of(settings)
        .connect()
        .execute("SELECT recorded, day, action, department, network_address FROM events")
        .fetchone()
    )
    assert row is not None
    assert str(row[0]) == "2024-03-02 04:30:00"  # 23:30 EST is 04:30 UTC the next day
    assert str(row[1]) == "2024-03-02"
    assert row[2:] == ("U", "Cardiology", "10.0.0.5")


def test_an_unknown_time_zone_in_the_mapping_stops_the_ingest_cleanly(
    settings: Settings, tmp_path: Path
) -> None:
    mapping = CsvMapping(columns=EPIC.columns, timezone="Mars/Olympus_Mons")
    with pytest.raises(InputError, match="unknown time zone 'Mars/Olympus_Mons'"):
        ingest(settings, [write_csv(tmp_path / "a.csv", ROWS)], mapping=mapping)
    lake = Lake.of(settings)
    assert lake.files() == []
    assert not list((lake.root / "staging").glob("*"))


def test_cli_map_overrides_builtin_columns(cli, tmp_path: Path) -> None:
    csv_file = write_csv(
        tmp_path / "x.csv",
        ["2024-03-01 08:00:00,u1,p1,Chart Review,WS"],
        header="ACCESS_TIME,EMP_ID,PAT_ID,METRIC_NAME,WORKSTATION_ID",
    )
    result = cli("monitor", "ingest", str(csv_file), "--map", "user=EMP_ID", "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 1


def test_missing_mapped_column_names_the_header(settings: Settings, tmp_path: Path) -> None:
    csv_file = write_csv(tmp_path / "x.csv", ["a,b"], header="WHEN,WHO")
    with pytest.raises(InputError) as caught:
        ingest(settings, [csv_file])
    assert "line 1" in str(caught.value)
    assert "ACCESS_TIME" in str(caught.value)


def test_mapping_rejects_unknown_fields_and_actions() -> None:
    with pytest.raises(InputError, match="unknown mapping field"):
        CsvMapping(columns={"colour": "X"})
    with pytest.raises(InputError, match="C, R, U, D or E"):
        CsvMapping(columns=EPIC.columns, actions={"Viewed": "V"})


BAD_CASES = [
    # (rows, line, column, words in the reason)
    (["not-a-time,u1,p1,Chart Review,WS"], 2, "ACCESS_TIME", "not a valid value"),
    (["2024-03-01 08:00:00,u1,p1,Chart Review,WS,extra"], 2, None, "too many fields"),
    (["2024-03-01 08:00:00,u1,p1"], 2, "METRIC_NAME", "too few fields"),
    (["2024-03-01 08:00:00, ,p1,Chart Review,WS"], 2, "USER_ID", "required field is empty"),
    ([",u1,p1,Chart Review,WS"], 2, "ACCESS_TIME", "required field is empty"),
]


@pytest.mark.parametrize(("rows", "line", "column", "reason"), BAD_CASES)
def test_bad_record_stops_the_ingest_naming_file_line_and_field(
    settings: Settings, tmp_path: Path, rows: list[str], line: int, column: str | None, reason: str
) -> None:
    good_then_bad = [ROWS[0], *rows]
    csv_file = write_csv(tmp_path / "bad.csv", good_then_bad)
    with pytest.raises(InputError) as caught:
        ingest(settings, [csv_file])
    error = caught.value
    assert error.file == str(csv_file)
    assert error.line == line + 1
    assert error.column == column
    assert reason in error.problem
    assert "u1" not in str(error)
    assert "p1" not in str(error)
    assert Lake.of(settings).files() == []  # nothing published, not even the good row


@pytest.mark.parametrize(("rows", "line", "column", "reason"), BAD_CASES)
def test_files_read_together_still_name_the_file_and_line_of_a_bad_record(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[str],
    line: int,
    column: str | None,
    reason: str,
) -> None:
    """Small files are read together as one source; a bad record in the second is its own."""
    monkeypatch.setattr("phiwatch.monitor._ingest._group_bytes", lambda _scans: 1 << 40)
    first = write_csv(tmp_path / "first.csv", ROWS[:2])
    second = write_csv(tmp_path / "second.csv", [ROWS[2], *rows])
    with pytest.raises(InputError) as caught:
        ingest(settings, [first, second])
    assert (caught.value.file, caught.value.line) == (str(second), line + 1)
    assert caught.value.column == column
    assert reason in caught.value.problem
    skipped = ingest(settings, [first, second], skip_bad=True)
    assert (skipped.added, skipped.rejected) == (3, 1)


def test_files_read_together_keep_each_row_s_own_file_name(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The source column names each row's file, also for two files of the same name."""
    monkeypatch.setattr("phiwatch.monitor._ingest._group_bytes", lambda _scans: 1 << 40)
    (tmp_path / "b").mkdir()
    files = [
        write_csv(tmp_path / "a.csv", ROWS[:2]),
        write_csv(tmp_path / "b.csv", ROWS[2:3]),
        write_csv(tmp_path / "b" / "a.csv", ROWS[3:]),
    ]
    result = ingest(settings, files)
    assert result.added == 5
    assert len(Lake.of(settings).files()) == 3  # one source, so a file per day, not per file
    sources = (
        Lake.of(settings)
        .connect()
        .execute("SELECT source, count(*) FROM events GROUP BY source ORDER BY source")
        .fetchall()
    )
    assert sources == [("a.csv", 4), ("b.csv", 1)]


def test_files_of_other_columns_or_none_read_among_others(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files read together must share their columns: others start a source of their own,
    and a file with a header and no rows adds nothing."""
    monkeypatch.setattr("phiwatch.monitor._ingest._group_bytes", lambda _scans: 1 << 40)
    wider = EPIC_HEADER + ",DEPARTMENT"
    files = [
        write_csv(tmp_path / "a.csv", ROWS[:2]),
        write_csv(tmp_path / "b.csv", [ROWS[2] + ",Cardiology"], header=wider),
        write_csv(tmp_path / "c.csv", []),
        write_csv(tmp_path / "d.csv", ROWS[3:]),
    ]
    result = ingest(settings, files)
    assert (result.added, result.rejected) == (5, 0)
    rows = (
        Lake.of(settings)
        .connect()
        .execute("SELECT source, department FROM events ORDER BY recorded")
        .fetchall()
    )
    assert rows == [
        ("a.csv", None),
        ("a.csv", None),
        ("b.csv", "Cardiology"),
        ("d.csv", None),
        ("d.csv", None),
    ]


def test_one_day_file_with_rows_missing_a_time_a_user_or_both(
    settings: Settings, tmp_path: Path
) -> None:
    """Rows without a time stay out of the day the rest of their file falls on, and a row
    missing both a time and a user is one bad row, not two."""
    rows = [
        ROWS[0],
        ",u1,p1,Chart Review,WS",
        "2024-03-01 10:00:00, ,p2,Chart Review,WS",
        ", ,p3,Chart Review,WS",
        ROWS[1],
    ]
    result = ingest(settings, [write_csv(tmp_path / "day.csv", rows)], skip_bad=True)
    assert (result.added, result.rejected, result.duplicates) == (2, 3, 0)
    assert result.days == ["2024-03-01"]
    events = Lake.of(settings).connect().execute("SELECT count(*) FROM events").fetchone()
    assert events == (2,)
    again = ingest(settings, [write_csv(tmp_path / "whole.csv", [ROWS[0], ROWS[1]])])
    assert (again.added, again.duplicates) == (0, 2)


@pytest.mark.parametrize(("rows", "line", "column", "reason"), BAD_CASES)
def test_skip_bad_quarantines_with_reason_and_keeps_the_rest(
    settings: Settings, tmp_path: Path, rows: list[str], line: int, column: str | None, reason: str
) -> None:
    csv_file = write_csv(tmp_path / "bad.csv", [ROWS[0], *rows, ROWS[1]])
    result = ingest(settings, [csv_file], skip_bad=True)
    assert (result.added, result.rejected) == (2, 1)
    assert result.rejects_file is not None
    rejects = [json.loads(x) for x in Path(result.rejects_file).read_text().splitlines()]
    assert rejects[0]["line"] == line + 1
    assert rejects[0]["column"] == column
    assert reason in rejects[0]["reason"]
    assert rejects[0]["raw"]
    assert Path(result.rejects_file).stat().st_mode & 0o077 == 0


def test_cli_error_is_one_line_and_exit_1(cli, tmp_path: Path) -> None:
    csv_file = write_csv(tmp_path / "bad.csv", ["nope,u1,p1,Chart Review,WS"])
    result = cli("monitor", "ingest", str(csv_file))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "line 2" in result.stderr


@pytest.mark.parametrize(
    ("tail", "reason"),
    [
        (b'2024-03-01 08:00:00,u1,p1,"unterminated\n', "badly quoted field"),
        (b"2024-03-01 08:00:00,u1,p1,\xff\xfe,WS\n", "not valid UTF-8"),
    ],
)
def test_broken_bytes_are_located(
    settings: Settings, tmp_path: Path, tail: bytes, reason: str
) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(b"ACCESS_TIME,USER_ID,PAT_ID,METRIC_NAME,WORKSTATION_ID\n" + tail)
    with pytest.raises(InputError) as caught:
        ingest(settings, [path])
    assert caught.value.line == 2
    assert reason in caught.value.problem


def test_event_ids_are_those_of_earlier_versions(tmp_path: Path) -> None:
    """Ids are evidence and the de-duplication key: a lake written before must still match."""
    fixed = load_settings(environ={}, data_dir=str(tmp_path / "data"), secret_key="g" * 48)
    csv_file = write_csv(tmp_path / "a.csv", [ROWS[0], ROWS[4]])
    ingest(fixed, [csv_file])
    ids = (
        Lake.of(fixed).connect().execute("SELECT event_id FROM events ORDER BY recorded").fetchall()
    )
    # computed by the ingest of commit d9e2368 (one read_csv per file, a temp staging table)
    assert ids == [("61089daea9969ba8d291bedb9ab1e527",), ("4707c9a8c5d3811fa26a6ee98460047c",)]


def test_an_access_id_column_with_the_patient_is_the_identity(
    settings: Settings, tmp_path: Path
) -> None:
    """An export that numbers its accesses is identified by number and patient, not by the row."""
    header = "ACCESS_ID," + EPIC_HEADER
    rows = [
        "a-1,2024-03-01 08:00:00,u1,p1,Patient Search,WS-01",  # one search, two patients
        "a-1,2024-03-01 08:00:00,u1,p2,Patient Search,WS-01",
        ",2024-03-01 09:00:00,u2,p3,Chart Review Accessed,WS-02",  # no id: the row's hash
        "a-2,2024-03-01 10:00:00,u3,,Login,WS-03",
    ]
    first = ingest(settings, [write_csv(tmp_path / "a.csv", rows, header=header)])
    assert (first.added, first.duplicates) == (4, 0)
    found = (
        Lake.of(settings)
        .connect()
        .execute("SELECT event_id, patient_count FROM events ORDER BY recorded, patient_pseudonym")
        .fetchall()
    )
    assert len({event_id for event_id, _ in found}) == 4
    assert not {"a-1", "a-2"} & {event_id for event_id, _ in found}  # keyed, not in clear
    assert [count for _, count in found] == [1, 1, 1, 0]
    # A later export of the same accesses, padded and with another workstation, adds only
    # the new one: the identity is the id and patient, not every field of the row.
    later = [
        " a-1 ,2024-03-01 08:00:00,u1, p1 ,Patient Search,WS-99",
        "a-1,2024-03-01 08:00:00,u1,p2,Patient Search,WS-01",
        ",2024-03-01 09:00:00,u2,p3,Chart Review Accessed,WS-02",
        "a-2,2024-03-01 10:00:00,u3,,Login,WS-03",
        "a-3,2024-03-01 11:00:00,u1,p1,Login,WS-01",
    ]
    second = ingest(settings, [write_csv(tmp_path / "b.csv", later, header=header)])
    assert (second.added, second.duplicates) == (1, 4)


def test_lake_text_columns_read_as_text(settings: Settings, tmp_path: Path) -> None:
    """Per-part constants (file name, format, ingest id) are written as the strings they are."""
    ingest(settings, [write_csv(tmp_path / "o'brien export.csv", ROWS)])
    connection = Lake.of(settings).connect()
    types = connection.execute("SELECT column_name, column_type FROM (DESCRIBE events)").fetchall()
    assert types == list(LAKE_COLUMNS)
    constants = connection.execute(
        "SELECT DISTINCT source, source_format, outcome, ingest_id FROM events"
    ).fetchall()
    assert len(constants) == 1
    assert constants[0][:3] == ("o'brien export.csv", "csv", "0")
    manifest = Lake.of(settings).manifests()[0]
    assert constants[0][3] == manifest.ingest_id


def test_files_with_different_headers_in_one_ingest(settings: Settings, tmp_path: Path) -> None:
    plain = write_csv(tmp_path / "a.csv", ROWS[:2])
    wider = write_csv(
        tmp_path / "b.csv",
        [row + ",Cardiology" for row in ROWS[2:]],
        header="ACCESS_TIME,USER_ID,PAT_ID,METRIC_NAME,WORKSTATION_ID,DEPARTMENT",
    )
    result = ingest(settings, [plain, wider])
    assert (result.read, result.added, result.duplicates) == (5, 5, 0)
    rows = (
        Lake.of(settings)
        .connect()
        .execute("SELECT source, department FROM events ORDER BY recorded")
        .fetchall()
    )
    assert rows == [("a.csv", None), ("a.csv", None)] + [("b.csv", "Cardiology")] * 3
    again = ingest(settings, [wider, plain])
    assert (again.added, again.duplicates) == (0, 5)


def test_same_rows_in_two_files_of_one_ingest_land_once(settings: Settings, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", ROWS)
    copy = write_csv(tmp_path / "copy.csv", ROWS[1:3])
    result = ingest(settings, [first, copy])
    assert (result.read, result.added, result.duplicates) == (7, 5, 2)
    assert len(_events(settings)) == 5


def test_a_file_that_changes_during_the_ingest_is_refused(
    settings: Settings, tmp_path: Path
) -> None:
    """An append while the ingest runs must not slip in half-read (or be located wrongly)."""
    csv_file = write_csv(tmp_path / "a.csv", ROWS[:2])

    def append_once(stage: str, done: int, _total: int) -> None:
        if stage == "write" and done == 0:
            with csv_file.open("a", encoding="utf-8") as handle:
                handle.write(ROWS[2] + "\n")

    with pytest.raises(InputError) as caught:
        ingest(settings, [csv_file], progress=append_once)
    assert "changed" in caught.value.problem
    assert Lake.of(settings).files() == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("r", "R"),
        (" u ", "U"),
        ("Chart Review Accessed", "R"),
        ("Print Patient Summary", "E"),
        ("Delete Note", "D"),
        ("Create Order", "C"),
        ("Edit Demographics", "U"),
        ("Signed Note", "U"),
        ("register patient", "U"),  # the mapping beats the keyword "register"
        ("  Viewed Chart ", "E"),  # the mapping's [actions] beat the keywords ("view" is none)
        ("VIEWED CHART", "E"),
        ("Login", "E"),
        ("Export then delete", "D"),  # keywords are tried in order: delete first
        ("", "R"),
        (None, "R"),
    ],
)
def test_action_of_a_metric_name(name: str | None, expected: str) -> None:
    sql = action_sql("name", {"Viewed Chart": "E", "Register Patient": "U"})
    found = duckdb.execute(f"SELECT {sql} FROM (SELECT ?::VARCHAR AS name)", [name]).fetchone()
    assert found == (expected,)


def test_empty_action_name_is_a_read(settings: Settings, tmp_path: Path) -> None:
    csv_file = write_csv(tmp_path / "a.csv", ["2024-03-01 08:00:00,u1,p1,,WS-01", ROWS[1]])
    ingest(settings, [csv_file])
    assert [(e[1], e[2]) for e in _events(settings)] == [
        ("R", None),
        ("E", "Print Patient Summary"),
    ]


@pytest.mark.parametrize("per_day", [True, False], ids=["copy-per-day", "partitioned-copy"])
def test_a_day_whose_every_row_is_bad_leaves_no_file(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, per_day: bool
) -> None:
    """Its day is counted before the users are known to be blank: its empty write is undone."""
    monkeypatch.setattr("phiwatch.monitor._ingest._per_day", lambda _counts: per_day)
    rows = [ROWS[0], "2024-03-02 10:00:00, ,p9,Chart Review,WS-01", ROWS[4]]
    result = ingest(settings, [write_csv(tmp_path / "a.csv", rows)], skip_bad=True)
    assert (result.added, result.rejected) == (2, 1)
    assert result.days == ["2024-03-01", "2024-03-03"]
    lake = Lake.of(settings)
    assert sorted(p.parent.name for p in lake.files()) == ["day=2024-03-01", "day=2024-03-03"]
    assert not list((lake.root / "staging").glob("*"))


def test_bad_rows_of_a_file_spanning_days_are_left_out_day_by_day(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [ROWS[0], "2024-03-01 10:00:00,,p9,Chart Review,WS-01", ROWS[2], ROWS[4]]
    result = ingest(settings, [write_csv(tmp_path / "a.csv", rows)], skip_bad=True)
    assert (result.read, result.added, result.rejected) == (3, 3, 1)
    assert result.days == ["2024-03-01", "2024-03-02", "2024-03-03"]
    days = (
        Lake.of(settings)
        .connect()
        .execute("SELECT day, count(*) FROM events GROUP BY day ORDER BY day")
        .fetchall()
    )
    assert [(str(d), n) for d, n in days] == [
        ("2024-03-01", 1),
        ("2024-03-02", 1),
        ("2024-03-03", 1),
    ]
    for path in Lake.of(settings).files():  # every file holds the day its folder names
        held = duckdb.execute(f"SELECT DISTINCT day FROM read_parquet('{path}')").fetchall()
        assert [str(d) for (d,) in held] == [path.parent.name[len("day=") :]]
