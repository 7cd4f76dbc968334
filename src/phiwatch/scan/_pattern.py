"""One regular expression of a recognizer, checked when it is built.

A pattern's name states its strength ("SSN dashed (medium)"), so a finding's
reason reads on its own. The regex is written once as text and compiled for
bytes: the scanner works on raw bytes so that offsets are byte offsets and a
multi-gigabyte file never needs decoding as a whole. An optional group named
``value`` marks the part to report (a label such as "MRN:" is context, not PHI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from phiwatch.errors import ConfigurationError

_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")


@dataclass(frozen=True)
class Pattern:
    """A named regex with the confidence a match earns before context and validation."""

    name: str
    regex: str
    score: float
    ignore_case: bool = False
    needs_context: bool = False
    """Report a match only when a context word is near (a bare nine-digit number as SSN)."""
    prefilter: str | None = None
    """A cheaper regex for the one-pass engine that matches wherever ``regex`` does, ending
    where it ends (the e-mail pattern's prefilter starts at the "@"); ``regex`` then finds
    the whole match in the bytes before that end."""
    compiled: re.Pattern[bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ConfigurationError("a scan pattern needs a name")
        if not 0.0 <= self.score <= 1.0:
            raise ConfigurationError(
                f"scan pattern {self.name!r}: score {self.score} is outside 0..1"
            )
        if not self.regex.isascii():
            raise ConfigurationError(f"scan pattern {self.name!r}: the regex must be ASCII")
        groups = set(_NAMED_GROUP.findall(self.regex))
        if groups - {"value"}:
            raise ConfigurationError(
                f"scan pattern {self.name!r}: only a group named 'value' is allowed"
            )
        flags = re.IGNORECASE if self.ignore_case else 0
        try:
            compiled = re.compile(self.regex.encode("ascii"), flags)
        except re.error as exc:
            raise ConfigurationError(f"scan pattern {self.name!r}: bad regex: {exc}") from exc
        if compiled.match(b""):
            raise ConfigurationError(f"scan pattern {self.name!r}: matches the empty string")
        if self.prefilter is not None:
            try:
                re.compile(self.prefilter.encode("ascii"))
            except (re.error, UnicodeEncodeError) as exc:
                raise ConfigurationError(f"scan pattern {self.name!r}: bad prefilter") from exc
        object.__setattr__(self, "compiled", compiled)
        object.__setattr__(self, "score", float(self.score))  # 1 as 1.0, as compiled code has it

    @property
    def plain_regex(self) -> str:
        """What Hyperscan runs: the prefilter, or the regex without named groups."""
        return _NAMED_GROUP.sub("(", self.prefilter or self.regex)
