"""Detectors written once for DuckDB also run on Apache Spark (transpiled with SQLGlot)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from phiwatch.config import Settings, load_settings
from phiwatch.monitor import (
    Detector,
    ExplainRules,
    Lake,
    detector_spark_sql,
    explain_spark_sql,
    load_detection_config,
    load_detectors,
    run_detector,
)
from phiwatch.monitor._detect import connect_days, prepare
from phiwatch.store import open_store
from tests.monitor.detect.hospital import run_pipeline
from tests.monitor.detect.test_detectors import CASES, base_hospital

# what the prepared DuckDB connection holds, handed to Spark as Parquet
INPUT_TABLES = (
    "events",
    "workforce",
    "patients",
    "care",
    "kin",
    "daily",
    "seen",
    "user_first",
    "window_daily",
)


@pytest.mark.parametrize("detector", load_detectors(), ids=lambda d: d.name)
def test_every_detector_transpiles_for_spark(detector: Detector) -> None:
    sql = detector_spark_sql(detector)
    assert "FROM access" in sql or "FROM seen" in sql or "FROM daily" in sql


def test_the_explanation_step_transpiles_for_spark() -> None:
    sql = explain_spark_sql(ExplainRules())
    assert sql.lstrip().startswith("WITH") and "CREATE" not in sql


@pytest.mark.slow
def test_spark_local_mode_finds_the_same_alerts_as_duckdb(tmp_path: Path) -> None:
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[bench]')")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (Spark local mode needs Java 17)")
    from pyspark.sql import SparkSession

    settings = load_settings(environ={}, data_dir=str(tmp_path / "data"))
    store = open_store(settings)
    hospital = base_hospital()
    for positive, _negative in CASES.values():
        positive(hospital)
    run_pipeline(hospital, settings, store)
    config = load_detection_config(settings)
    days = _lake_days(settings)
    connection = connect_days(settings, days)
    prepare(connection, store, config, days)
    duck = {
        (d.name, f.user_pseudonym, f.group_key)
        for d in config.detectors
        for f in run_detector(connection, d)
    }
    for table in INPUT_TABLES:
        target = tmp_path / f"{table}.parquet"
        connection.execute(f"COPY (SELECT * FROM {table}) TO '{target}' (FORMAT parquet)")
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("phiwatch-detectors")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    try:
        for table in INPUT_TABLES:
            spark.read.parquet(str(tmp_path / f"{table}.parquet")).createOrReplaceTempView(table)
        spark.sql(explain_spark_sql(config.explain)).createOrReplaceTempView("access")
        found = set()
        for detector in config.detectors:
            for row in spark.sql(detector_spark_sql(detector)).collect():
                found.add((detector.name, row["user_pseudonym"], str(row["group_key"])))
    finally:
        spark.stop()
        store.close()
    assert len({name for name, _, _ in duck}) == len(CASES)
    assert found == duck


def _lake_days(settings: Settings) -> list[date]:
    return sorted(
        {
            date.fromisoformat(f.split("/", 1)[0][4:])
            for m in Lake.of(settings).manifests()
            for f in m.files
        }
    )
