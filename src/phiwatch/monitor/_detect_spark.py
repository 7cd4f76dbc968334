"""The same detectors on Apache Spark: their DuckDB SQL transpiled with SQLGlot.

Detector queries and the explanation step are written once, in DuckDB's
dialect; :func:`to_spark` rewrites one for Spark SQL. The tables a query
reads (``access``, ``workforce``, ``kin``, ``daily``, ...) must exist as
views in the Spark session; ``tests/monitor/detect/test_spark.py`` builds
them from the same lake and checks Spark finds the same alerts as DuckDB.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot.errors import SqlglotError

from phiwatch.errors import InputError
from phiwatch.monitor._detect_config import ExplainRules
from phiwatch.monitor._detector_file import Detector
from phiwatch.monitor._explain import explain_sql


def to_spark(sql: str) -> str:
    """DuckDB SQL as Spark SQL; a construct Spark cannot express is an error, not a guess."""
    try:
        (converted,) = sqlglot.transpile(
            sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE
        )
    except SqlglotError as error:
        raise InputError(f"cannot be written for Spark ({type(error).__name__})") from None
    return converted


def detector_spark_sql(detector: Detector) -> str:
    """A detector's query, parameters filled in, for Spark."""
    try:
        return to_spark(detector.sql())
    except InputError as error:
        raise InputError(error.problem, file=detector.path, column="rule.query") from None


def explain_spark_sql(rules: ExplainRules, source: str = "events") -> str:
    """The explanation step for Spark: a ``SELECT`` to register as the ``access`` view."""
    select = re.sub(r"^\s*CREATE OR REPLACE TABLE access AS", "", explain_sql(rules, source))
    return to_spark(select)
