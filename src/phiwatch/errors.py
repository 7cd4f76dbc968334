"""The exceptions phiwatch raises on purpose.

Callers catch a few bases rather than many leaves::

    PhiwatchError              anything phiwatch reports as a one-line "Error: ..."
    ├── InputError             a file or value the user gave is not what was expected
    │   └── (carries file, line, record and column when they are known)
    ├── NotFoundError          an id or name that matches nothing
    ├── ConflictError          the request contradicts the current state
    └── ConfigurationError     settings are missing or unsafe

The CLI turns every ``PhiwatchError`` into ``Error: <message>`` and exit
code 1 in one place (``phiwatch.cli``); the web app turns them into the one
JSON error shape. Messages must never contain PHI: name the file, line and
column, not the value found there, unless the value is public data.
"""

from __future__ import annotations

from pathlib import Path


class PhiwatchError(Exception):
    """Base of every error phiwatch reports to the user as a one-line message."""


class InputError(PhiwatchError):
    """Bad input, located as precisely as we can: file, physical line, record, column."""

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        record: int | None = None,
        column: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.line = line
        self.record = record
        self.column = column
        super().__init__(self._render())

    def _render(self) -> str:
        where: list[str] = []
        if self.file is not None:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.problem}" if where else self.problem


class NotFoundError(PhiwatchError):
    """An identifier or name that matches nothing."""


class ConflictError(PhiwatchError):
    """The request contradicts what is already stored."""


class ConfigurationError(PhiwatchError):
    """Settings are missing, malformed or unsafe."""
