"""Readers of access-event formats: each stages rows for the lake in one DuckDB pass."""

from phiwatch.monitor.readers._csv import (
    EPIC,
    CsvMapping,
    action_for,
    load_mapping,
    parse_overrides,
    stage_csv,
)
from phiwatch.monitor.readers._fhir import detect_shape, stage_fhir, validate_resource
from phiwatch.monitor.readers._problems import Problem

__all__ = [
    "EPIC",
    "CsvMapping",
    "Problem",
    "action_for",
    "detect_shape",
    "load_mapping",
    "parse_overrides",
    "stage_csv",
    "stage_fhir",
    "validate_resource",
]
