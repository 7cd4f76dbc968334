"""Access monitoring: access events into a day-partitioned Parquet lake, context into the store.

Public API (see docs/monitor.md)::

    ingest(settings, [Path("access.csv")], skip_bad=True)   # events -> lake
    Lake.of(settings).connect().execute("SELECT count(*) FROM events")
    load_context(settings, store, [Path("bulk/")])           # people and care
    lake_stats(settings, store)                              # per day/user/action, coverage

    detect(settings, store)                                  # detectors -> alerts in cases
    list_alerts(store); list_cases(store); update_case(store, 1, status="reviewing")
    explain_access(settings, store, user="emp-1", patient="pat-9")
    review_queue(store); dismiss_alert(store, 7, "benign", by="alice")   # the review queue

Detectors are TOML files under ``phiwatch/monitor/detectors/`` (see docs/detectors.md).
"""

import typing

from phiwatch import _lazy

if typing.TYPE_CHECKING:
    from phiwatch.monitor._alerts import LEVELS, Finding, get_alert, list_alerts
    from phiwatch.monitor._cases import get_case, list_cases, update_case
    from phiwatch.monitor._context import ContextLoadResult, load_context
    from phiwatch.monitor._detect import DetectionResult, detect, run_detector
    from phiwatch.monitor._detect_config import DetectionConfig, ExplainRules, load_detection_config
    from phiwatch.monitor._detect_spark import detector_spark_sql, explain_spark_sql, to_spark
    from phiwatch.monitor._detector_file import (
        DETECTORS_DIR,
        SCORE_BANDS,
        Detector,
        load_detector,
        load_detectors,
    )
    from phiwatch.monitor._evaluate import evaluate
    from phiwatch.monitor._evidence import alert_events
    from phiwatch.monitor._explain import explain_access
    from phiwatch.monitor._ingest import IngestResult, ingest, input_files
    from phiwatch.monitor._lake import Lake, Manifest
    from phiwatch.monitor._names import resolve_names
    from phiwatch.monitor._patient_reports import record_patient_report
    from phiwatch.monitor._pseudonym import pseudonym_key, pseudonym_sql, pseudonymise
    from phiwatch.monitor._review import (
        MAX_NOTE,
        QueueFilter,
        QueuePage,
        acknowledge_alert,
        alert_assignee,
        assign_alert,
        assigned_case_ids,
        dismiss_alert,
        escalate_alert,
        open_cases,
        patient_report_alerts,
        queue_counts,
        review_alert,
        review_queue,
        review_statuses,
        reviewers,
    )
    from phiwatch.monitor._schema import LAKE_COLUMN_NAMES, LAKE_COLUMNS
    from phiwatch.monitor._stats import lake_stats
    from phiwatch.monitor._vocab import (
        ALERT_STATUSES,
        BREAKDOWNS,
        DISMISS_REASONS,
        QUEUE_VIEWS,
        STATUSES,
    )
    from phiwatch.monitor.readers import EPIC, CsvMapping, load_mapping, parse_overrides

__getattr__ = _lazy.module_getattr(__name__, __file__)

__all__ = [
    "ALERT_STATUSES",
    "BREAKDOWNS",
    "DETECTORS_DIR",
    "DISMISS_REASONS",
    "EPIC",
    "LAKE_COLUMNS",
    "LAKE_COLUMN_NAMES",
    "LEVELS",
    "MAX_NOTE",
    "QUEUE_VIEWS",
    "SCORE_BANDS",
    "STATUSES",
    "ContextLoadResult",
    "CsvMapping",
    "DetectionConfig",
    "DetectionResult",
    "Detector",
    "ExplainRules",
    "Finding",
    "IngestResult",
    "Lake",
    "Manifest",
    "QueueFilter",
    "QueuePage",
    "acknowledge_alert",
    "alert_assignee",
    "alert_events",
    "assign_alert",
    "assigned_case_ids",
    "detect",
    "detector_spark_sql",
    "dismiss_alert",
    "escalate_alert",
    "evaluate",
    "explain_access",
    "explain_spark_sql",
    "get_alert",
    "get_case",
    "ingest",
    "input_files",
    "lake_stats",
    "list_alerts",
    "list_cases",
    "load_context",
    "load_detection_config",
    "load_detector",
    "load_detectors",
    "load_mapping",
    "open_cases",
    "parse_overrides",
    "patient_report_alerts",
    "pseudonym_key",
    "pseudonym_sql",
    "pseudonymise",
    "queue_counts",
    "record_patient_report",
    "resolve_names",
    "review_alert",
    "review_queue",
    "review_statuses",
    "reviewers",
    "run_detector",
    "to_spark",
    "update_case",
]
