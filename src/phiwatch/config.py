"""Settings: where phiwatch keeps its data and how it reaches its services.

Read, in increasing priority, from built-in defaults, a TOML file
(``$PHIWATCH_CONFIG``, else ``<data dir>/phiwatch.toml`` when it exists) and
``PHIWATCH_*`` environment variables. Settings are an explicit object passed
down, never a global: tests build their own per test.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from phiwatch.errors import ConfigurationError

CONFIG_FILE_NAME = "phiwatch.toml"


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


def _config_file(environ: dict[str, str]) -> Path | None:
    explicit = environ.get("PHIWATCH_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"PHIWATCH_CONFIG names {path}, which is not a file")
        return path
    data_dir = Path(environ.get("PHIWATCH_DATA_DIR") or default_data_dir()).expanduser()
    candidate = data_dir / CONFIG_FILE_NAME
    return candidate if candidate.is_file() else None


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from the config file, the environment and explicit overrides.

    A malformed file or value becomes a ``ConfigurationError`` naming the setting,
    so the CLI can print it as one line instead of a validation dump.
    """
    env = dict(os.environ if environ is None else environ)
    file_values: dict[str, Any] = {}
    path = _config_file(env)
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
