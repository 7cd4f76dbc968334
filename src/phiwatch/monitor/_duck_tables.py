"""Rows from the store as DuckDB tables, for detection queries that join them to the lake.

Rows go through Arrow: one call copies a whole column, where an ``INSERT``
per row would cost DuckDB a statement each (thousands of users, a roster of
patients).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]


def table_from_rows(
    connection: duckdb.DuckDBPyConnection,
    name: str,
    columns: dict[str, pa.DataType],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Create (or replace) table ``name`` on ``connection`` from ``rows``, typed by ``columns``."""
    arrays = [pa.array([r[i] for r in rows], kind) for i, kind in enumerate(columns.values())]
    connection.register(f"_{name}_arrow", pa.Table.from_arrays(arrays, names=list(columns)))
    try:
        connection.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _{name}_arrow")  # noqa: S608
    finally:
        connection.unregister(f"_{name}_arrow")
