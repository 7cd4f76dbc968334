"""The event lake: append-only Parquet files, partitioned by day, published atomically.

Layout under ``<data_dir>/lake/``::

    events/day=2026-11-01/<ingest id>-0.parquet   event files (flat schema, see _schema)
    manifests/<time>-<ingest id>.json             one per committed ingest: its files
    staging/<ingest id>/                          work files of an ingest in progress
    .lock                                         held (flock) by the one ingest running

A file is part of the lake only when a committed manifest lists it. An
ingest writes its files, fsyncs them, moves them into ``events/`` and then
commits by writing its manifest under a temporary name, fsyncing it and
renaming it into ``manifests/`` (``os.replace`` is atomic). A crash before
that rename leaves files nobody lists; the next ingest removes them. So a
``kill -9`` at any point leaves the lake as it was, or with the whole ingest.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from phiwatch.config import Settings, private_dir
from phiwatch.monitor._schema import LAKE_COLUMNS, sql_text_list

_MANIFEST_SUFFIX = ".json"


def fsync_path(path: Path) -> None:
    """Flush ``path`` (a file or a directory) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Manifest:
    """What one committed ingest added."""

    ingest_id: str
    committed_at: str
    files: tuple[str, ...]
    rows: int
    summary: dict[str, Any]


class Lake:
    """The event lake of one data directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.events_dir = root / "events"
        self.manifests_dir = root / "manifests"
        self.staging_root = root / "staging"

    @classmethod
    def of(cls, settings: Settings) -> Lake:
        return cls(settings.data_dir / "lake")

    # -- reading ---------------------------------------------------------------

    def manifests(self) -> list[Manifest]:
        """Committed manifests, oldest first."""
        if not self.manifests_dir.is_dir():
            return []
        found: list[Manifest] = []
        for path in sorted(self.manifests_dir.glob(f"*{_MANIFEST_SUFFIX}")):
            data = json.loads(path.read_text(encoding="utf-8"))
            found.append(
                Manifest(
                    ingest_id=data["ingest_id"],
                    committed_at=data["committed_at"],
                    files=tuple(data["files"]),
                    rows=int(data["rows"]),
                    summary=dict(data.get("summary", {})),
                )
            )
        return found

    def files(self, days: set[str] | None = None) -> list[Path]:
        """Committed event files, optionally only those of some days (``YYYY-MM-DD``)."""
        paths: list[Path] = []
        for manifest in self.manifests():
            for relative in manifest.files:
                if days is not None and relative.split("/", 1)[0][len("day=") :] not in days:
                    continue
                paths.append(self.events_dir / relative)
        return paths

    def attach(self, connection: duckdb.DuckDBPyConnection, *, name: str = "events") -> None:
        """Define view ``name`` over the committed files on ``connection``."""
        files = self.files()
        if files:
            connection.execute(
                f"CREATE OR REPLACE VIEW {name} AS "  # noqa: S608
                f"SELECT * FROM read_parquet({sql_text_list(files)})"
            )
        else:
            columns = ", ".join(f"CAST(NULL AS {kind}) AS {col}" for col, kind in LAKE_COLUMNS)
            connection.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {columns} WHERE false")

    def connect(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with the ``events`` view defined."""
        connection = duckdb.connect()
        connection.execute("SET enable_progress_bar = false")
        self.attach(connection)
        return connection

    # -- writing ---------------------------------------------------------------

    @contextlib.contextmanager
    def writer(self) -> Iterator[None]:
        """Hold the lake's write lock and clear what a crashed ingest left behind."""
        private_dir(self.root)  # the lake holds pseudonymised PHI: 0700
        lock_path = self.root / ".lock"
        with lock_path.open("a+") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                self._remove_leftovers()
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _remove_leftovers(self) -> None:
        if self.staging_root.exists():
            shutil.rmtree(self.staging_root)
        for tmp in self.manifests_dir.glob("*.tmp") if self.manifests_dir.is_dir() else []:
            tmp.unlink()
        if not self.events_dir.is_dir():
            return
        listed = {str(p) for p in self.files()}
        for path in self.events_dir.glob("day=*/*.parquet"):
            if str(path) not in listed:
                path.unlink()

    def staging(self, ingest_id: str) -> Path:
        path = self.staging_root / ingest_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def publish(
        self, ingest_id: str, partitioned_dir: Path, rows: int, summary: dict[str, Any]
    ) -> Manifest:
        """Move the files of ``partitioned_dir`` (``day=*/...``) into the lake and commit them.

        The caller holds :meth:`writer`. Until the manifest rename below, none
        of the moved files is visible to readers.
        """
        relative_files: list[str] = []
        touched_dirs: set[Path] = set()
        for number, source in enumerate(sorted(partitioned_dir.glob("day=*/*.parquet"))):
            fsync_path(source)
            day_dir = self.events_dir / source.parent.name
            day_dir.mkdir(parents=True, exist_ok=True)
            target = day_dir / f"{ingest_id}-{number}.parquet"
            os.replace(source, target)
            touched_dirs.add(day_dir)
            relative_files.append(f"{day_dir.name}/{target.name}")
        for directory in touched_dirs:
            fsync_path(directory)
        committed_at = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        manifest = Manifest(ingest_id, committed_at, tuple(relative_files), rows, summary)
        self.manifests_dir.mkdir(parents=True, exist_ok=True)
        final = self.manifests_dir / f"{committed_at}-{ingest_id}{_MANIFEST_SUFFIX}"
        temporary = final.with_suffix(".tmp")
        body = {
            "ingest_id": ingest_id,
            "committed_at": committed_at,
            "files": relative_files,
            "rows": rows,
            "summary": summary,
        }
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(body, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)  # the commit point
        fsync_path(self.manifests_dir)
        return manifest
