"""The shipped snapshot is exactly the public files described in shared/data/breaches/SOURCES.md."""

from __future__ import annotations

import hashlib
import re

import pytest

from phiwatch.registry import bundled_exports
from tests.conftest import SHARED_DATA


def test_manifest_checksums_match_the_shipped_files(portal_dir) -> None:
    for item in bundled_exports():
        data = (portal_dir / item.file.removesuffix(".gz")).read_bytes()
        assert hashlib.sha256(data).hexdigest() == item.sha256


def test_shipped_files_are_the_ones_sources_md_describes() -> None:
    sources = SHARED_DATA / "breaches" / "SOURCES.md"
    if not sources.is_file():
        pytest.skip(f"shared data not beside the repository ({sources} missing)")
    text = sources.read_text(encoding="utf-8")
    for item in bundled_exports():
        name = item.file.removesuffix(".gz")
        line = next(li for li in text.splitlines() if f"`{name}`" in li and "|" in li)
        assert item.sha256 in line
        assert re.search(rf"\| {item.records:,} \|", line)


def test_import_order_is_oldest_snapshot_first() -> None:
    exports = bundled_exports()
    assert [e.list_name.value for e in exports] == ["archive", "investigation", "investigation"]
    assert exports[0].as_of <= exports[1].as_of < exports[2].as_of
