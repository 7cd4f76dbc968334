"""A bad record, located: what every reader reports instead of raising at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from phiwatch.errors import InputError


@dataclass(frozen=True)
class Problem:
    """One rejected record. ``raw`` holds the record as read (PHI: only for the reject file)."""

    file: Path
    reason: str
    line: int | None = None
    record: int | None = None
    column: str | None = None
    raw: str | None = None

    def error(self) -> InputError:
        """The user-facing error for this problem (never includes ``raw``)."""
        return InputError(
            self.reason, file=self.file, line=self.line, record=self.record, column=self.column
        )

    def as_reject(self) -> dict[str, object]:
        return {
            "file": str(self.file),
            "line": self.line,
            "record": self.record,
            "column": self.column,
            "reason": self.reason,
            "raw": self.raw,
        }
