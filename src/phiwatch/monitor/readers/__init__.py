"""Readers of access-event formats: each maps its rows to the staged columns in DuckDB SQL."""

from phiwatch.monitor.readers._csv import (
    EPIC,
    CsvMapping,
    CsvScan,
    action_sql,
    csv_constants,
    csv_read_problems,
    csv_scan,
    csv_select,
    empty_field_problems,
    load_mapping,
    parse_overrides,
    set_csv_timezone,
)
from phiwatch.monitor.readers._fhir import detect_shape, stage_fhir, validate_resource
from phiwatch.monitor.readers._problems import Problem

__all__ = [
    "EPIC",
    "CsvMapping",
    "CsvScan",
    "Problem",
    "action_sql",
    "csv_constants",
    "csv_read_problems",
    "csv_scan",
    "csv_select",
    "detect_shape",
    "empty_field_problems",
    "load_mapping",
    "parse_overrides",
    "set_csv_timezone",
    "stage_fhir",
    "validate_resource",
]
