"""Finding phiwatch.toml: each documented way, in the documented order (docs/configuration.md).

``phiwatch --data-dir X`` used to read the environment's data directory's
file and never ``X/phiwatch.toml``; an operator who kept ``database_url`` or
``secret_key_file`` there got the defaults without a word. Each test writes
a file in every place that could be read, each naming its own database, and
checks which one was used.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from phiwatch.cli import app
from phiwatch.config import config_file, load_settings
from phiwatch.errors import ConfigurationError

PLACES = ("explicit", "flag", "environment", "platform")


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A folder per place a settings file can be found, each with a file naming itself."""
    folders = {name: tmp_path / name for name in PLACES}
    folders["platform"] = tmp_path / "xdg" / "phiwatch"  # platformdirs' data dir under XDG
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    for name, folder in folders.items():
        folder.mkdir(parents=True)
        (folder / "phiwatch.toml").write_text(
            f'database_url = "sqlite:///{tmp_path}/{name}.db"\nnotify_from = "{name}@example.org"\n'
        )
    return folders


def _environ(places: dict[str, Path], *given: str) -> dict[str, str]:
    environ = {}
    if "explicit" in given:
        environ["PHIWATCH_CONFIG"] = str(places["explicit"] / "phiwatch.toml")
    if "environment" in given:
        environ["PHIWATCH_DATA_DIR"] = str(places["environment"])
    return environ


@pytest.mark.parametrize(
    ("given", "used"),
    [
        # PHIWATCH_CONFIG first, whatever else is given,
        (("explicit", "flag", "environment"), "explicit"),
        # then the data directory's file: --data-dir's,
        (("flag", "environment"), "flag"),
        (("flag",), "flag"),
        # else $PHIWATCH_DATA_DIR's,
        (("environment",), "environment"),
        # else the platform's data directory's.
        ((), "platform"),
    ],
)
def test_the_file_found_in_order(places: dict[str, Path], given: tuple[str, ...], used: str):
    environ = _environ(places, *given)
    flag = {"data_dir": str(places["flag"])} if "flag" in given else {}
    assert config_file(environ, flag.get("data_dir")) == places[used] / "phiwatch.toml"
    settings = load_settings(environ=environ, **flag)
    assert settings.notify_from == f"{used}@example.org"


def test_no_file_anywhere_is_the_defaults(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "empty"))
    assert config_file({}, tmp_path / "nothing") is None
    assert load_settings(environ={}, data_dir=str(tmp_path)).notify_from == "phiwatch@localhost"


def test_a_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"PHIWATCH_CONFIG names .* which is not a file"):
        load_settings(environ={"PHIWATCH_CONFIG": str(tmp_path / "gone.toml")})


def test_the_environment_beats_the_file_and_options_beat_both(places: dict[str, Path]) -> None:
    environ = _environ(places, "environment") | {"PHIWATCH_NOTIFY_FROM": "env@example.org"}
    assert load_settings(environ=environ).notify_from == "env@example.org"
    chosen = load_settings(environ=environ, database_url="sqlite:////tmp/option.db")
    assert chosen.database_url == "sqlite:////tmp/option.db"


def test_the_cli_reads_the_file_in_its_data_dir(places: dict[str, Path], tmp_path: Path) -> None:
    """The finding itself: ``--data-dir X`` reads ``X/phiwatch.toml``, not the environment's."""
    environment = {"PHIWATCH_DATA_DIR": str(places["environment"]), "PHIWATCH_CONFIG": ""}
    result = CliRunner().invoke(
        app, ["--data-dir", str(places["flag"]), "registry", "stats"], env=environment
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "flag.db").exists()
    assert not (tmp_path / "environment.db").exists()
