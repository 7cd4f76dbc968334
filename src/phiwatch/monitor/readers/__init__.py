"""Readers of access-event formats: each maps its rows to the staged columns in DuckDB SQL."""

from phiwatch.monitor.readers._csv import (
    EPIC,
    CsvMapping,
    CsvScan,
    action_for,
    csv_problems,
    csv_select,
    csv_timezone,
    load_mapping,
    parse_overrides,
    plan_csv,
)
from phiwatch.monitor.readers._fhir import detect_shape, stage_fhir, validate_resource
from phiwatch.monitor.readers._problems import Problem

__all__ = [
    "EPIC",
    "CsvMapping",
    "CsvScan",
    "Problem",
    "action_for",
    "csv_problems",
    "csv_select",
    "csv_timezone",
    "detect_shape",
    "load_mapping",
    "parse_overrides",
    "plan_csv",
    "stage_fhir",
    "validate_resource",
]
