"""The portal snapshot shipped inside the package, so the registry works offline on first run.

Three unmodified portal exports (see ``data/MANIFEST.json`` and the
project's docs/registry.md): the archive and under-investigation lists of
June 2024, and the under-investigation list of July 2026. They are gzipped
to keep the wheel small; the manifest records the SHA-256 of each
decompressed file and it is checked before import.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tempfile
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from phiwatch.errors import ConfigurationError, ConflictError
from phiwatch.registry._importer import ImportSummary
from phiwatch.registry._imports import import_export
from phiwatch.registry._vocab import ListName
from phiwatch.registry.sources import read_export
from phiwatch.store import Store


@dataclass(frozen=True)
class BundledExport:
    file: str
    list_name: ListName
    as_of: date
    sha256: str
    records: int
    source: str


def bundled_exports() -> list[BundledExport]:
    """The shipped exports, oldest snapshot first (the order they must be imported in)."""
    manifest = json.loads(
        (resources.files("phiwatch.registry") / "data" / "MANIFEST.json").read_text("utf-8")
    )
    exports = [
        BundledExport(
            file=item["file"],
            list_name=ListName(item["list"]),
            as_of=date.fromisoformat(item["as_of"]),
            sha256=item["sha256"],
            records=item["records"],
            source=item["source"],
        )
        for item in manifest["exports"]
    ]
    return sorted(exports, key=lambda e: (e.as_of, e.list_name != ListName.archive))


def import_bundled(store: Store) -> list[ImportSummary]:
    """Import the shipped exports, oldest first; one older than what is stored is skipped."""
    summaries = []
    for item in bundled_exports():
        resource = resources.files("phiwatch.registry") / "data" / item.file
        data = gzip.decompress(resource.read_bytes())
        if hashlib.sha256(data).hexdigest() != item.sha256:
            raise ConfigurationError(
                f"bundled export {item.file} does not match its manifest checksum; "
                "reinstall phiwatch"
            )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / item.file.removesuffix(".gz")
            path.write_bytes(data)
            export = read_export(path, display_name=f"bundled:{item.file.removesuffix('.gz')}")
        try:
            summary = import_export(store, export, list_name=item.list_name, as_of=item.as_of)
        except ConflictError:
            # A newer export of this list is already in the store; the old one adds nothing.
            summary = ImportSummary(
                file=export.name,
                list_name=item.list_name,
                as_of=item.as_of,
                records=len(export.records),
                skipped="a newer export of this list is already imported",
            )
        summaries.append(summary)
    return summaries
