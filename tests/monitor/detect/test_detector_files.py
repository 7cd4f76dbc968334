"""Detector files: every bundled file passes the lint rules; a bad file fails naming path and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from phiwatch.errors import InputError
from phiwatch.monitor import DETECTORS_DIR, SCORE_BANDS, load_detector, load_detectors

FILES = sorted(DETECTORS_DIR.glob("*/*.toml"))
CATEGORIES = {"exfiltration", "snooping", "credentials", "integrity"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
class TestBundledDetector:
    def test_loads(self, path: Path) -> None:
        assert load_detector(path).name == path.stem

    def test_lives_in_a_known_category(self, path: Path) -> None:
        assert path.parent.name in CATEGORIES

    def test_score_inside_its_level_band(self, path: Path) -> None:
        meta = load_detector(path).metadata
        low, high = SCORE_BANDS[meta.level]
        assert low <= meta.risk_score <= high

    def test_modified_not_before_date(self, path: Path) -> None:
        meta = load_detector(path).metadata
        assert meta.modified >= meta.date

    def test_high_and_critical_have_a_triage_note(self, path: Path) -> None:
        meta = load_detector(path).metadata
        if meta.level in ("high", "critical"):
            assert meta.note.strip().lower().startswith("triage")

    def test_deprecated_names_a_replacement(self, path: Path) -> None:
        meta = load_detector(path).metadata
        if meta.status == "deprecated":
            assert any(r.type in ("obsolete", "merged", "renamed") for r in meta.related)

    def test_tags_name_a_hipaa_section(self, path: Path) -> None:
        assert any(t.startswith("hipaa.164.") for t in load_detector(path).metadata.tags)

    def test_every_parameter_is_used_by_the_query_or_sentence(self, path: Path) -> None:
        detector = load_detector(path)
        for name in detector.params:
            assert "${" + name + "}" in detector.rule.query, name


def test_ids_and_names_are_unique() -> None:
    detectors = load_detectors()
    assert len({d.id for d in detectors}) == len(detectors) == len(FILES)
    assert len({d.name for d in detectors}) == len(detectors)


GOOD = (DETECTORS_DIR / "snooping" / "vip_access.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (('level = "high"', 'level = "severe"'), "metadata.level", "Input should be"),
        (("risk_score = 75", "risk_score = 30"), "metadata", "outside the band"),
        (("risk_score = 75", "risk_score = 130"), "metadata.risk_score", "less than or equal"),
        (("modified = 2026-11-23", "modified = 2025-01-01"), "metadata", "modified"),
        (('status = "stable"', 'status = "deprecated"'), "metadata", "replacement"),
        (('title = "VIP', 'colour = "red"\ntitle = "VIP'), "metadata.colour", "Extra inputs"),
        (("p.vip AND", "p.vip AND ${missing} AND"), "query", "missing"),
    ],
    ids=["level", "band", "score", "dates", "deprecated", "unknown-key", "unknown-param"],
)
def test_a_bad_file_fails_naming_path_and_field(
    tmp_path: Path, change: tuple[str, str], field: str, problem: str
) -> None:
    assert change[0] in GOOD
    path = tmp_path / "snooping" / "vip_access.toml"
    path.parent.mkdir()
    path.write_text(GOOD.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_detector(path)
    message = str(caught.value)
    assert str(path) in message
    assert repr(field) in message
    assert problem in message


def test_a_high_detector_without_triage_note_fails(tmp_path: Path) -> None:
    start = GOOD.index('note = """')
    end = GOOD.index('"""', start + 10) + 3
    path = tmp_path / "vip_access.toml"
    path.write_text(GOOD[:start] + GOOD[end:], encoding="utf-8")
    with pytest.raises(InputError, match="triage note"):
        load_detector(path)


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[metadata\nid = 1", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML") as caught:
        load_detector(path)
    assert str(path) in str(caught.value)


def test_duplicate_ids_in_a_set_fail(tmp_path: Path) -> None:
    for name in ("vip_access", "vip_again"):
        path = tmp_path / "snooping" / f"{name}.toml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(InputError, match="duplicate detector id"):
        load_detectors(tmp_path)
