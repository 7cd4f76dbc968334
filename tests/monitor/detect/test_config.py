"""The set of detectors and their thresholds come from a TOML file, not code."""

from __future__ import annotations

from pathlib import Path

import pytest

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.monitor import load_detection_config, load_detectors


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_file_every_bundled_detector_runs(settings: Settings) -> None:
    config = load_detection_config(settings)
    assert {d.name for d in config.detectors} == {d.name for d in load_detectors()}


def test_the_data_dir_file_disables_and_tunes(settings: Settings) -> None:
    _write(
        settings.data_dir / "detectors.toml",
        'disabled = ["self_access"]\n[params.bulk_access]\nmin_patients = 400\n'
        '[explain]\nregistration_roles = ["front desk"]\n',
    )
    config = load_detection_config(settings)
    names = {d.name for d in config.detectors}
    assert "self_access" not in names
    assert config.by_name("bulk_access").params["min_patients"] == 400
    assert "400" in config.by_name("bulk_access").sql()
    assert config.explain.registration_roles == ["front desk"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('disabled = ["no_such_detector"]\n', "no detector named 'no_such_detector'"),
        ("[params.bulk_access]\nminimum = 3\n", "unknown parameter"),
        ("colour = 1\n", "Extra inputs"),
        ("[explain]\nbilling_days_after = -1\n", "greater than or equal"),
    ],
)
def test_a_bad_config_fails_naming_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path / "detectors.toml", text)
    with pytest.raises(InputError) as caught:
        load_detection_config(None, path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)
