"""The detection engine: the detectors' SQL over the days of the lake that changed.

A run (``detect``) works out which lake days hold events no detector has
seen (a watermark per detector: the last manifest it looked at), reads only
those days, explains every access from the context, adds the stored
baselines, runs each enabled detector's query and stores what they find as
alerts in cases; then it writes the window's baselines and moves the
watermarks, all in one store transaction.

Tables a detector query can use (DuckDB dialect): ``access`` (the window's
events with ``reason``, ``user_role``, ``user_department``,
``user_end_date``, ``user_active``, ``user_patient``, ``user_known``,
``hour``), ``workforce``, ``patients`` (VIP or deceased ones), ``care``,
``kin``, ``daily``, ``seen``, ``user_first``. See docs/detectors.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import select

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.monitor._alerts import Finding, store_findings
from phiwatch.monitor._baselines import attach_baselines, save_baselines
from phiwatch.monitor._detect_config import DetectionConfig, load_detection_config
from phiwatch.monitor._detect_context import attach_context, attach_kin, context_version
from phiwatch.monitor._detector_file import REQUIRED_COLUMNS, Detector
from phiwatch.monitor._explain import explain
from phiwatch.monitor._lake import Lake, Manifest
from phiwatch.monitor._schema import sql_text_list
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store
from phiwatch.store.models.monitor import DetectionRun, DetectorWatermark

Progress = Callable[[str, int, int], None]
MEMORY_LIMIT = "3GB"


@dataclass
class DetectionResult:
    run: int | None
    mode: str
    days: list[date]
    events: int = 0
    alerts: int = 0
    findings: int = 0
    by_detector: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "mode": self.mode,
            "first_day": min(self.days) if self.days else None,
            "last_day": max(self.days) if self.days else None,
            "days": len(self.days),
            "events": self.events,
            "findings": self.findings,
            "new_alerts": self.alerts,
            "seconds": round(self.seconds, 2),
        }


def manifest_key(manifest: Manifest) -> str:
    """Sorts like the manifests do: commit time, then ingest id."""
    return f"{manifest.committed_at}-{manifest.ingest_id}"


def _day_of(relative: str) -> date:
    return date.fromisoformat(relative.split("/", 1)[0][len("day=") :])


def _window(
    manifests: list[Manifest],
    watermarks: dict[str, str],
    config: DetectionConfig,
    *,
    full: bool,
    since: date | None,
) -> tuple[str, list[date]]:
    every = sorted({_day_of(f) for m in manifests for f in m.files})
    if full:
        return "full", every
    if since is not None:
        return "since", [d for d in every if d >= since]
    lowest = min((watermarks.get(d.id, "") for d in config.detectors), default="")
    fresh = [m for m in manifests if manifest_key(m) > lowest]
    return "incremental", sorted({_day_of(f) for m in fresh for f in m.files})


def prepare(
    connection: duckdb.DuckDBPyConnection,
    store: Store,
    config: DetectionConfig,
    days: list[date],
    cache_dir: Path | None = None,
) -> None:
    """Context, explanations, kin and baselines for the ``events`` view already defined."""
    attach_context(connection, store, first_day=min(days), last_day=max(days), cache_dir=cache_dir)
    explain(connection, config.explain)
    attach_baselines(connection, store, days)
    attach_kin(connection, store)


def run_detector(connection: duckdb.DuckDBPyConnection, detector: Detector) -> list[Finding]:
    """One detector's query on a prepared connection, as findings."""
    try:
        cursor = connection.execute(detector.sql())
    except duckdb.Error as error:
        # DuckDB messages can quote values (PHI): name the detector and the kind of error only.
        raise InputError(
            f"the query failed in DuckDB ({type(error).__name__})",
            file=detector.path,
            column="rule.query",
        ) from None
    columns = [d[0] for d in cursor.description or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError(
            f"the query does not return {', '.join(missing)}",
            file=detector.path,
            column="rule.query",
        )
    findings = []
    for row in cursor.fetchall():
        record = dict(zip(columns, row, strict=True))
        if record["user_pseudonym"] is None:
            continue
        findings.append(
            Finding(
                detector=detector,
                user_pseudonym=str(record.pop("user_pseudonym")),
                group_key=str(record.pop("group_key")),
                start=record.pop("start"),
                end=record.pop("end"),
                event_ids=[str(e) for e in record.pop("event_ids") or []],
                patients=[str(p) for p in record.pop("patients") or [] if p is not None],
                facts=record,
            )
        )
    return findings


def connect_days(settings: Settings, days: list[date]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection whose ``events`` view holds only the given days of the lake."""
    lake = Lake.of(settings)
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    files = lake.files(days={d.isoformat() for d in days})
    if files:
        connection.execute(
            f"CREATE VIEW events AS SELECT * FROM read_parquet({sql_text_list(files)})"  # noqa: S608
        )
    else:
        lake.attach(connection)
    return connection


def detect(
    settings: Settings,
    store: Store,
    *,
    config: DetectionConfig | None = None,
    full: bool = False,
    since: date | None = None,
    progress: Progress | None = None,
) -> DetectionResult:
    """Run the enabled detectors over the lake days that changed since their watermarks.

    Field encryption is switched on for ``store``: "nearby address" reads a
    few encrypted street lines of the context.
    """
    started = time.perf_counter()
    enable_field_encryption(store, settings)
    report = progress or (lambda _stage, _done, _total: None)
    config = config or load_detection_config(settings)
    manifests = Lake.of(settings).manifests()
    with store.reader() as session:
        watermarks = {w.detector_id: w.manifest for w in session.scalars(select(DetectorWatermark))}
    mode, days = _window(manifests, watermarks, config, full=full, since=since)
    result = DetectionResult(run=None, mode=mode, days=days)
    if not days:
        result.seconds = time.perf_counter() - started
        return result
    steps = len(config.detectors) + 2
    report("detect", 0, steps)
    connection = connect_days(settings, days)
    try:
        prepare(connection, store, config, days, Lake.of(settings).root / "cache")
        result.events = int(connection.execute("SELECT count(*) FROM access").fetchall()[0][0])
        report("detect", 1, steps)
        findings: list[Finding] = []
        for number, detector in enumerate(config.detectors, start=2):
            found = run_detector(connection, detector)
            result.by_detector[detector.name] = len(found)
            findings.extend(found)
            report("detect", number, steps)
        result.findings = len(findings)
        latest = manifest_key(manifests[-1])
        roster = context_version(store)
        with store.transaction() as session:
            run = DetectionRun(
                mode=mode,
                first_day=min(days),
                last_day=max(days),
                events=result.events,
                alerts=0,
                context_version=roster,
            )
            session.add(run)
            session.flush()
            result.run = run.id
            result.alerts = store_findings(session, findings, run.id)
            run.alerts = result.alerts
            save_baselines(session, connection)
            for detector in config.detectors:
                mark = session.get(DetectorWatermark, detector.id)
                if mark is None:
                    session.add(DetectorWatermark(detector_id=detector.id, manifest=latest))
                else:
                    mark.manifest = latest
            result.seconds = time.perf_counter() - started
            run.seconds = result.seconds
        report("detect", steps, steps)
    finally:
        connection.close()
    return result
