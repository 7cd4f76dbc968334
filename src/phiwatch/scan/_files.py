"""Scan files and directory trees: one report per file, in parallel over processes.

Each worker process builds its scanner once from the parent's compiled
pattern database, then takes files one at a time; a file that cannot be
read yields a report with its error, never an exception that stops the
sweep. Directories are walked in sorted order and symbolic links are not
followed, so a sweep of a share cannot loop or escape it.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from phiwatch.errors import InputError
from phiwatch.scan._config import ScanConfig
from phiwatch.scan._extract import Part, file_kind, parts_of
from phiwatch.scan._findings import Finding
from phiwatch.scan._matcher import preload
from phiwatch.scan._scanner import Scanner

DIRECT_IDENTIFIERS = frozenset({"SSN", "ITIN", "MBI", "MRN", "HEALTH_PLAN_ID"})
HEALTH_DETAIL = frozenset({"DATE", "ICD10", "HEALTH_CONDITION"})


def risk_level(counts: Counter[str]) -> str:
    """``high``: a direct identifier, or a name with a date, diagnosis code or condition;
    ``medium``: a name with any other identifier, or a diagnosis or condition; ``low``:
    anything else found."""
    if not counts:
        return "none"
    types = set(counts)
    if types & DIRECT_IDENTIFIERS or ("PERSON" in types and types & HEALTH_DETAIL):
        return "high"
    if ("PERSON" in types and len(types) > 1) or types & {"ICD10", "HEALTH_CONDITION"}:
        return "medium"
    return "low"


@dataclass
class FileReport:
    """What one file held, or why it was not scanned."""

    path: str
    kind: str
    size: int
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None
    error: str | None = None

    @property
    def counts(self) -> Counter[str]:
        return Counter(f.entity for f in self.findings)

    @property
    def risk(self) -> str:
        return risk_level(self.counts)

    def summary(self) -> dict[str, object]:
        counts = self.counts
        return {
            "file": self.path,
            "kind": self.kind,
            "bytes": self.size,
            "findings": len(self.findings),
            "types": ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
            "risk": self.risk,
            "status": "error" if self.error else ("skipped" if self.skipped else "scanned"),
            "note": self.error or self.skipped or "",
        }


def scan_part(scanner: Scanner, part: Part, source: str) -> list[Finding]:
    if part.path is not None:
        with part.path.open("rb") as handle:
            found = list(scanner.scan_stream(handle, column_context=part.column_context))
    else:
        found = scanner.scan_bytes(part.data or b"", column_context=part.column_context)
    return [f.with_source(source, part.location) for f in found]


def scan_file(path: str | Path, scanner: Scanner | None = None) -> FileReport:
    """Scan one file of any supported kind; problems land in the report, not raised."""
    file = Path(path)
    scanner = scanner or Scanner()
    try:
        size = file.stat().st_size
        kind = file_kind(file)
    except OSError as exc:
        return FileReport(str(file), "unknown", 0, error=f"cannot read ({exc.strerror})")
    report = FileReport(str(file), kind, size)
    if kind == "binary":
        report.skipped = "binary file"
        return report
    if kind not in {"text", "delimited"} and size > scanner.config.max_file_bytes:
        report.skipped = f"larger than the {scanner.config.max_file_bytes:,}-byte limit"
        return report
    try:
        for part in parts_of(file, kind):
            report.findings.extend(scan_part(scanner, part, str(file)))
    except InputError as exc:
        report.error = exc.problem
    except OSError as exc:
        report.error = f"cannot read ({exc.strerror})"
    return report


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files under ``paths`` (files as given, directories walked), sorted, links not followed."""
    for given in paths:
        root = Path(given)
        if root.is_symlink() and root.is_dir():
            continue
        if root.is_dir():
            for directory, subdirs, files in os.walk(root, followlinks=False):
                subdirs.sort()
                for name in sorted(files):
                    candidate = Path(directory) / name
                    if not candidate.is_symlink():
                        yield candidate
        elif root.exists():
            yield root
        else:
            raise InputError("no such file or directory", file=root)


SERIAL_BYTES = 16 * 1024 * 1024
"""Below this much data, starting worker processes (about a second each) costs more than
it saves."""


def _total_size(files: list[Path]) -> int:
    total = 0
    for file in files:
        try:
            total += file.stat().st_size
        except OSError:
            continue
    return total


_worker_scanner: Scanner | None = None
_Compiled = tuple[str, bytes | None, tuple[int, ...]]


def _init_worker(config: ScanConfig, compiled: _Compiled | None) -> None:
    global _worker_scanner
    if compiled is not None:
        preload(*compiled)
    _worker_scanner = Scanner(config)


def _scan_in_worker(path: Path) -> FileReport:
    assert _worker_scanner is not None
    return scan_file(path, _worker_scanner)


def scan_paths(
    paths: Iterable[str | Path],
    config: ScanConfig | None = None,
    *,
    jobs: int | None = None,
    on_file: Callable[[FileReport], None] | None = None,
) -> Iterator[FileReport]:
    """Scan every file under ``paths``; reports come back in path order.

    ``jobs`` worker processes (default: one per core, unless the files add up to less
    than ``SERIAL_BYTES``, which this process scans sooner than workers start; 1 scans
    in this process).
    """
    config = config or ScanConfig()
    files = list(iter_files(paths))
    workers = min(jobs or os.cpu_count() or 1, len(files))
    if jobs is None and _total_size(files) < SERIAL_BYTES:
        workers = 1
    scanner = Scanner(config)
    if workers <= 1:
        for file in files:
            report = scan_file(file, scanner)
            if on_file:
                on_file(report)
            yield report
        return
    compiled = scanner.compiled_database()
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_init_worker,
        initargs=(config, compiled),
    ) as pool:
        for report in pool.map(_scan_in_worker, files, chunksize=4):
            if on_file:
                on_file(report)
            yield report
