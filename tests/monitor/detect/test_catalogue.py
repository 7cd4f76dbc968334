"""docs/detectors.md carries a catalogue generated from the detector files, kept current."""

from __future__ import annotations

from pathlib import Path

from phiwatch.monitor import load_detectors
from phiwatch.monitor._detect_catalogue import BEGIN, END, render_page

PAGE = Path(__file__).resolve().parents[3] / "docs" / "detectors.md"


def test_the_catalogue_in_the_docs_is_current() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    assert render_page(text) == text, (
        "docs/detectors.md is stale: python -m phiwatch.monitor._detect_catalogue docs/detectors.md"
    )


def test_every_detector_has_a_section() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for detector in load_detectors():
        assert f"### {detector.name}\n" in text
        assert detector.metadata.id in text


def test_a_changed_detector_makes_the_page_stale() -> None:
    text = PAGE.read_text(encoding="utf-8")
    detectors = load_detectors()
    assert render_page(text, detectors[1:]) != text
