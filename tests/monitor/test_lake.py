"""The lake's publishing rules: only committed manifests count; leftovers are cleared."""

from __future__ import annotations

import shutil
from pathlib import Path

from phiwatch.config import Settings
from phiwatch.monitor import LAKE_COLUMN_NAMES, Lake, ingest
from tests.monitor.conftest import write_csv

ROW = "2024-03-01 08:00:00,u1,p1,Chart Review,WS"


def test_empty_lake_has_the_documented_columns(settings: Settings) -> None:
    result = Lake.of(settings).connect().execute("SELECT * FROM events")
    assert tuple(d[0] for d in result.description) == LAKE_COLUMN_NAMES
    assert result.fetchall() == []


def test_files_without_a_manifest_are_invisible_then_removed(
    settings: Settings, tmp_path: Path
) -> None:
    ingest(settings, [write_csv(tmp_path / "a.csv", [ROW])])
    lake = Lake.of(settings)
    (committed,) = lake.files()
    orphan = committed.parent / "crashed-ingest-0.parquet"
    shutil.copy(committed, orphan)  # as if an ingest died before its manifest
    leftover = lake.staging_root / "dead-ingest"
    leftover.mkdir(parents=True)
    (leftover / "spill.tmp").write_bytes(b"clear identifiers")
    count = lake.connect().execute("SELECT count(*) FROM events").fetchall()
    assert count == [(1,)]
    ingest(settings, [write_csv(tmp_path / "b.csv", [ROW.replace("u1", "u2")])])
    assert not orphan.exists()
    assert not leftover.exists()
    assert lake.connect().execute("SELECT count(*) FROM events").fetchall() == [(2,)]


def test_manifest_records_the_ingest(settings: Settings, tmp_path: Path) -> None:
    result = ingest(settings, [write_csv(tmp_path / "a.csv", [ROW])])
    (manifest,) = Lake.of(settings).manifests()
    assert manifest.ingest_id == result.ingest_id
    assert manifest.rows == 1
    assert manifest.files == (f"day=2024-03-01/{result.ingest_id}-0.parquet",)
    assert manifest.summary["added"] == 1


def test_every_breakdown_the_cli_offers_has_its_sql() -> None:
    """``monitor stats --by`` names come from the light vocabulary module; each needs its SQL."""
    from phiwatch.monitor import BREAKDOWNS
    from phiwatch.monitor._stats import BREAKDOWN_SQL

    assert tuple(BREAKDOWN_SQL) == BREAKDOWNS
