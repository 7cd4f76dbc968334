"""What the scanner reports: a finding with its position, confidence and reason.

A finding holds the matched text because redaction and breach response need
it, but the text never appears in ``repr`` and ``as_dict`` masks it unless
the caller explicitly asks to reveal it (the authorised reviewer's ``--show``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast


def mask(text: str, *, keep: int = 2) -> str:
    """``text`` with every letter and digit but the last ``keep`` replaced by ``*``.

    Separators stay, so a masked SSN still looks like ``***-**-**89`` and a
    reviewer can tell the shape without seeing the value. Short values are
    masked completely.
    """
    alnum = sum(1 for ch in text if ch.isalnum())
    reveal_from = alnum - keep if alnum > 2 * keep + 2 else alnum
    out: list[str] = []
    seen = 0
    for ch in text:
        if ch.isalnum():
            out.append(ch if seen >= reveal_from else "*")
            seen += 1
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why the scanner believes this is PHI: what matched, what was near, what checked."""

    pattern: str
    context_word: str | None = None
    negative_word: str | None = None
    validator: str = "not checked"
    """``"passed"`` when a checksum or format check accepted the value, else ``"not checked"``."""
    outweighed: bool = False
    """The negative word was farther from the value than the context word, and so did not
    lower it ("NPI 1119130965, Order 44")."""

    def describe(self) -> str:
        parts = [f"pattern {self.pattern!r}"]
        if self.context_word:
            parts.append(f"context {self.context_word!r}")
        if self.negative_word and self.outweighed:
            parts.append(f"{self.negative_word!r} outweighed by the nearer {self.context_word!r}")
        elif self.negative_word:
            parts.append(f"lowered by {self.negative_word!r}")
        parts.append(f"validator {self.validator}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of PHI found in one place."""

    entity: str
    start: int
    """Byte offset of the first byte, counted from the start of the scanned source."""
    end: int
    line: int
    """1-based line of ``start`` within the source (or within the part, for ``location``)."""
    confidence: float
    recognizer: str
    reason: Reason
    text: str = field(repr=False)
    source: str | None = None
    """The file scanned, when there was one."""
    location: str | None = None
    """Where inside the file, for containers: ``attachment 2 (labs.xlsx), sheet Results``."""

    @property
    def masked(self) -> str:
        return mask(self.text)

    def with_source(self, source: str | None, location: str | None = None) -> Finding:
        return new_finding(
            self.entity,
            self.start,
            self.end,
            self.line,
            self.confidence,
            self.recognizer,
            self.reason,
            self.text,
            source,
            location if location is not None else self.location,
        )

    def as_dict(self, *, show: bool = False) -> dict[str, Any]:
        """A plain record for output; the matched text is masked unless ``show``."""
        return {
            "file": self.source,
            "location": self.location,
            "line": self.line,
            "offset": self.start,
            "type": self.entity,
            "confidence": round(self.confidence, 2),
            "recognizer": self.recognizer,
            "reason": self.reason.describe(),
            "text": self.text if show else self.masked,
        }


class _Unfrozen:
    """A ``Finding``'s slots without its frozen ``__setattr__``, for ``new_finding``.

    The same slots in the same order on the same base give the same memory layout, so
    Python lets an instance change its class to ``Finding`` once its fields are set (and
    refuses with a ``TypeError`` if the layouts ever drift apart).
    """

    __slots__ = Finding.__slots__
    entity: str
    start: int
    end: int
    line: int
    confidence: float
    recognizer: str
    reason: Reason
    text: str
    source: str | None
    location: str | None


def new_finding(
    entity: str,
    start: int,
    end: int,
    line: int,
    confidence: float,
    recognizer: str,
    reason: Reason,
    text: str,
    source: str | None = None,
    location: str | None = None,
) -> Finding:
    """``Finding(...)`` at a quarter of the cost, for the scanner's inner loop.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``
    looked up anew each time; a text dense in identifiers creates thousands of
    findings a second, so this stores the fields as plain slot attributes of an
    ``_Unfrozen`` and then makes it a ``Finding``. The result is an ordinary, equal and
    just as immutable ``Finding``.
    """
    finding = _Unfrozen()
    finding.entity = entity
    finding.start = start
    finding.end = end
    finding.line = line
    finding.confidence = confidence
    finding.recognizer = recognizer
    finding.reason = reason
    finding.text = text
    finding.source = source
    finding.location = location
    finding.__class__ = Finding  # type: ignore[assignment]
    return cast(Finding, finding)
