"""Settings: where phiwatch keeps its data and how it reaches its services.

Read, in increasing priority, from built-in defaults, a TOML file
(``$PHIWATCH_CONFIG``, else ``<data dir>/phiwatch.toml`` when it exists, the
data dir being the one given to ``load_settings`` (``--data-dir``), else
``$PHIWATCH_DATA_DIR``, else the platform's) and ``PHIWATCH_*`` environment
variables. Settings are an explicit object passed down, never a global:
tests build their own per test.

The data directory holds PHI (the database, the lake, the master key), so
what phiwatch creates there is private to its user: folders 0700, files
0600 (:func:`private_dir`, :func:`private_file`). One that already exists
with a wider mode is left as it is (the operator may share it with a group
on purpose) but named, with its mode, in one warning line.
"""

from __future__ import annotations

import logging
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from phiwatch.errors import ConfigurationError

CONFIG_FILE_NAME = "phiwatch.toml"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

_log = logging.getLogger("phiwatch")
_warned: set[tuple[str, int]] = set()


def default_data_dir() -> Path:
    """The per-user data directory of the platform (``~/.local/share/phiwatch`` on Linux)."""
    return Path(platformdirs.user_data_dir("phiwatch", appauthor=False))


class Settings(BaseModel):
    """Every setting phiwatch reads; each is documented in docs/configuration.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Directory holding the SQLite store, the event lake and generated files.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the operational store, e.g. "
            "postgresql+psycopg://user@host/db. Default: SQLite file phiwatch.db in data_dir."
        ),
    )

    secret_key: SecretStr | None = Field(
        default=None,
        description=(
            "Master secret (at least 32 characters) from which phiwatch derives its keys. "
            "Default: read from secret_key_file, created on first use."
        ),
    )
    secret_key_file: Path | None = Field(
        default=None,
        description="File holding the master secret (mode 0600). Default: <data_dir>/secret.key.",
    )
    # web sign-in (docs/security.md)
    session_idle_minutes: int = Field(default=30, ge=1, description="Web session idle timeout.")
    session_absolute_hours: int = Field(default=12, ge=1, description="Web session lifetime.")
    token_max_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Longest an API token lives; older tokens stop working (docs/security.md).",
    )
    oidc_issuer: str | None = Field(default=None, description="OpenID Connect issuer URL (SSO).")
    oidc_client_id: str | None = Field(default=None, description="OIDC client id.")
    oidc_client_secret: SecretStr | None = Field(
        default=None,
        description="OIDC client secret (PHIWATCH_OIDC_CLIENT_SECRET; never a file in the repo).",
    )
    # patient alerts (docs/notify.md)
    smtp_url: SecretStr | None = Field(
        default=None, description="SMTP server, smtp://user:pass@host:587?starttls=true."
    )
    notify_from: str = Field(default="phiwatch@localhost", description="From address of alerts.")
    notify_base_url: str = Field(
        default="http://127.0.0.1:8000", description="phiwatch web app URL used in signed links."
    )
    notify_staff_names: str = Field(
        default="name_and_role",
        pattern="^(name_and_role|role_and_department)$",
        description="How alerts name staff: name_and_role or role_and_department.",
    )
    notify_templates_dir: Path | None = Field(
        default=None, description="Folder of Jinja2 templates overriding the built-in ones."
    )
    notify_link_days: int = Field(default=30, ge=1, description="Days a signed link stays valid.")
    notify_rate_per_domain: int = Field(
        default=60, ge=1, description="Messages per minute to one e-mail domain or webhook host."
    )
    notify_max_attempts: int = Field(default=8, ge=1, description="Delivery attempts per message.")
    # breach notices (docs/respond.md)
    respond_templates_dir: Path | None = Field(
        default=None, description="Folder of Jinja2 templates overriding the built-in notices."
    )
    respond_privacy_officer_email: str | None = Field(
        default=None, description="Where breach-notice deadline reminders go (respond remind)."
    )
    respond_state_rules_file: Path | None = Field(
        default=None, description="TOML file of state breach rules added to the shipped ones."
    )

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def resolved_database_url(self) -> str:
        """The URL actually used: the configured one or the SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'phiwatch.db'}"


def config_file(environ: dict[str, str], data_dir: str | Path | None = None) -> Path | None:
    """The settings file to read, in the documented order (docs/configuration.md):

    1. ``$PHIWATCH_CONFIG`` (it must exist);
    2. ``phiwatch.toml`` in the data directory, when it exists: ``data_dir``
       (``--data-dir``), else ``$PHIWATCH_DATA_DIR``, else the platform's.
    """
    explicit = environ.get("PHIWATCH_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"PHIWATCH_CONFIG names {path}, which is not a file")
        return path
    folder = data_dir or environ.get("PHIWATCH_DATA_DIR") or default_data_dir()
    candidate = Path(folder).expanduser() / CONFIG_FILE_NAME
    return candidate if candidate.is_file() else None


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from the config file, the environment and explicit overrides.

    A malformed file or value becomes a ``ConfigurationError`` naming the setting,
    so the CLI can print it as one line instead of a validation dump.
    """
    env = dict(os.environ if environ is None else environ)
    file_values: dict[str, Any] = {}
    path = config_file(env, overrides.get("data_dir"))
    if path is not None:
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError(f"{path}: cannot read settings: {exc}") from exc
    env_values = {
        key[len("PHIWATCH_") :].lower(): value
        for key, value in env.items()
        if key.startswith("PHIWATCH_") and key != "PHIWATCH_CONFIG"
    }
    known = set(Settings.model_fields)
    values = {**file_values, **{k: v for k, v in env_values.items() if k in known}, **overrides}
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigurationError(f"setting {field!r}: {first['msg']}") from exc


def warn_if_wider(path: Path, allowed: int) -> None:
    """One warning line when ``path`` exists with permissions beyond ``allowed`` (once each)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & ~allowed and (str(path), mode) not in _warned:
        _warned.add((str(path), mode))
        _log.warning(
            "%s is mode %03o: other users may read phiwatch's data; run: chmod %03o %s",
            path,
            mode,
            allowed,
            path,
        )


def private_dir(path: Path) -> Path:
    """``path`` as a folder only its owner can enter: made 0700 (parents as usual), or
    warned about when it already exists with a wider mode."""
    if path.is_dir():
        warn_if_wider(path, PRIVATE_DIR_MODE)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE)
    except FileExistsError:  # made by another process meanwhile
        warn_if_wider(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` as a file only its owner can read: made empty with mode 0600 when it does
    not exist (SQLite gives its -wal and -shm files the database's mode), or warned about
    when it exists with a wider mode."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        warn_if_wider(path, PRIVATE_FILE_MODE)
        return path
    os.close(fd)
    return path
