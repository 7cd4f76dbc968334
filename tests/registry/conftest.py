"""Real portal exports for the registry tests: the copies shipped in the package.

They are byte-for-byte the files in shared/data/breaches (``test_bundled``
checks the checksums against SOURCES.md when shared/ is beside the repo).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

ARCHIVE_2024 = "hhs_ocr_breach_report_archive_2024-04-26.csv"
INVESTIGATION_2024 = "hhs_ocr_breach_report_under_investigation_2024-06-28.csv"
INVESTIGATION_2026 = "hhs_ocr_breach_report_under_investigation_2026-07-01.csv"


@pytest.fixture(scope="session")
def portal_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("portal")
    data = resources.files("phiwatch.registry") / "data"
    for name in (ARCHIVE_2024, INVESTIGATION_2024, INVESTIGATION_2026):
        (folder / name).write_bytes(gzip.decompress((data / f"{name}.gz").read_bytes()))
    return folder


@pytest.fixture
def portal_file(portal_dir: Path) -> Callable[[str], Path]:
    return lambda name: portal_dir / name


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write a small export: the portal's header plus the given rows, quoted like the portal."""
    import csv

    from phiwatch.registry.sources._record import COLUMNS

    def write(
        rows: list[list[str]], name: str = "export.csv", header: list[str] | None = None
    ) -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerow(header or list(COLUMNS))
            writer.writerows(rows)
        return path

    return write


def row(
    name: str = "Example Clinic",
    state: str = "TX",
    entity_type: str = "Healthcare Provider",
    affected: str = "1200",
    submitted: str = "03/14/2024",
    types: str = "Hacking/IT Incident",
    location: str = "Email",
    associate: str = "No",
    description: str = "",
) -> list[str]:
    return [name, state, entity_type, affected, submitted, types, location, associate, description]
