"""Module-level conveniences over ``Scanner``, for callers that scan now and then.

A scanner is built once per configuration and kept, since building one
compiles every pattern; callers with a custom configuration pass it each
time (it is a frozen, hashable value).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from phiwatch.scan._config import ScanConfig
from phiwatch.scan._files import FileReport, scan_paths
from phiwatch.scan._findings import Finding
from phiwatch.scan._scanner import Scanner


@lru_cache(maxsize=8)
def scanner_for(config: ScanConfig | None = None) -> Scanner:
    """A shared scanner for ``config`` (the default configuration when None)."""
    return Scanner(config)


def scan_text(text: str, config: ScanConfig | None = None) -> list[Finding]:
    """PHI findings in ``text``; offsets are byte offsets into its UTF-8 encoding."""
    return scanner_for(config).scan_text(text)


def scan_path(
    path: str | Path, config: ScanConfig | None = None, *, jobs: int | None = 1
) -> Iterator[FileReport]:
    """One report per file under ``path`` (a file or a directory)."""
    return scan_paths([path], config, jobs=jobs)
