"""Which recognizers run and which site patterns they add: one config list, no code.

A scan configuration is a TOML file with a ``[scan]`` table::

    [scan]
    recognizers = ["ssn", "mbi", "npi", "dea", "mrn", "date", "phone", "email"]  # optional
    enable = ["url"]            # added to the defaults
    disable = ["zip_code"]      # removed from the defaults
    min_confidence = 0.5

    [[scan.site_patterns]]      # an organisation's own identifier formats
    recognizer = "mrn"          # the recognizer (and so the type and validators) it extends
    name = "Acme MRN (strong)"
    regex = '\\bACM\\d{8}\\b'
    score = 0.9

``recognizers`` replaces the default set entirely; without it the defaults
are every built-in recognizer that is not weak (``enabled_by_default``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from phiwatch.errors import ConfigurationError


class SitePattern(BaseModel):
    """A pattern an organisation adds to one recognizer (its MRN or member-number format)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    recognizer: str
    name: str
    regex: str
    score: Annotated[float, Field(ge=0.0, le=1.0)]
    ignore_case: bool = False
    needs_context: bool = False


class ScanConfig(BaseModel):
    """The scanner's configuration; the defaults are the shipped, strong recognizers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    recognizers: tuple[str, ...] | None = None
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    min_confidence: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5
    site_patterns: tuple[SitePattern, ...] = ()
    max_file_bytes: Annotated[int, Field(gt=0)] = 100 * 1024 * 1024
    """Container files (DOCX, XLSX, PDF, mail) above this size are skipped with a note;
    plain text of any size is streamed."""


def load_scan_config(path: str | Path) -> ScanConfig:
    """Read the ``[scan]`` table of a TOML file; errors name the file and the setting."""
    file = Path(path)
    try:
        document = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{file}: cannot read the scan configuration: {exc}") from exc
    table = document.get("scan", {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"{file}: 'scan' must be a table")
    try:
        return ScanConfig.model_validate(table)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigurationError(f"{file}: scan setting {where!r}: {first['msg']}") from exc
