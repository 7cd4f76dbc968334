"""Whether an ingest's rows may hold an event twice: 64-bit hashes of their identities.

An ingest moves its parts into the lake as written unless the same event
(day, event id, patient index) comes twice, as when two overlapping exports
are ingested together; then it takes the exact, slower path. The check
compares 64-bit hashes: a collision only sends the batch down the exact
path, it never drops an event.

Each writer hands in the hashes of its rows while they are still in memory
(:class:`RowHashes`), which cost less than reading them back from the
written Parquet files (their ids decompressed and decoded again). Past
``IN_MEMORY`` rows (8 bytes each) the hashes are dropped, and DuckDB counts
the distinct identities of the written files instead, spilling to disk.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt

from phiwatch.monitor._schema import sql_text_list

# Rows whose hashes are kept and sorted in memory: 128 MiB of them.
IN_MEMORY = 16_000_000


def identity_hash(patient_index: str = "patient_index") -> str:
    """The identity hash, the same over a staged table and over lake files.

    ``patient_index``: its SQL where the table has no such column (an INTEGER,
    so that the hash is that of the column's value).
    """
    return f"hash(day, event_id, {patient_index})"


class RowHashes:
    """The identity hashes handed in by the writers, while they fit in memory."""

    def __init__(self) -> None:
        self._limit = IN_MEMORY
        self._lock = threading.Lock()
        self._arrays: list[npt.NDArray[np.uint64]] = []
        self._rows = 0
        self.complete = True

    def reserve(self, rows: int) -> bool:
        """Whether hashes of ``rows`` more rows are wanted (no, once past the limit)."""
        with self._lock:
            self._rows += rows
            if self._rows > self._limit:
                self.complete = False
                self._arrays.clear()
            return self.complete

    def add(self, hashes: npt.NDArray[np.uint64]) -> None:
        with self._lock:
            if self.complete:
                self._arrays.append(hashes)

    def repeat(self) -> bool:
        """Whether two of the hashes handed in are equal (0.06-0.2 s for 4.6 M)."""
        if not self._arrays:
            return False
        values = np.concatenate(self._arrays)
        values.sort()  # in place: a second copy of the hashes cost as much as the sort
        return bool(np.any(values[1:] == values[:-1]))


def files_may_repeat(connection: duckdb.DuckDBPyConnection, files: Iterable[Path]) -> bool:
    """Whether the written ``files`` may hold an event twice, counted by DuckDB."""
    row = connection.execute(
        f"SELECT count(*) > count(DISTINCT {identity_hash()}) "  # noqa: S608
        f"FROM read_parquet({sql_text_list(files)})"
    ).fetchall()[0]
    return bool(row[0])
