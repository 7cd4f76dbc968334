"""The hand-labelled clinical-notes corpus: parse ``[[TYPE|text]]`` markup into text and spans.

The notes live in ``benchmarks/scan/notes/dev/`` and ``benchmarks/scan/notes/heldout/``
(the split is by folder, so that a file never changes part); each ``.txt`` file holds
one or more notes separated by a line ``=====``, and a line that starts with ``#``
before a note's first text line is a comment for the labeller, not part of the note.
Labels follow ``benchmarks/scan/notes/GUIDELINES.md``.

The markup is checked strictly, because a label typo silently changes a recall
figure: an unknown type, a ``[[`` without its ``]]`` on the same line, a stray
``]]``, an empty span or a span with blanks at its edges stops loading with the
file, the line and what was expected. Error messages name the type and position,
never the labelled text (the corpus is invented, but the habit is the project's).

Spans are character offsets into ``Note.text``; ``Note.byte_spans()`` gives the
UTF-8 byte offsets the scanner reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent / "notes"
PARTS = ("dev", "heldout")
SEPARATOR = "====="

# Every label type and the group it is scored under; YEAR is labelled but is not PHI
# (HIPAA's safe harbour lets a year stand), so it counts neither way.
LABEL_GROUPS: dict[str, str] = {
    "PERSON": "PERSON",
    "DATE": "DATE",
    "YEAR": "YEAR",
    "AGE": "AGE",
    "LOCATION": "LOCATION",
    "PHONE": "PHONE",
    "EMAIL": "EMAIL",
    "URL": "URL",
    "IP_ADDRESS": "IP_ADDRESS",
    "ID": "ID",
    "SSN": "ID",
    "MRN": "ID",
    "NPI": "ID",
    "DEA": "ID",
    "MBI": "ID",
    "CARD_NUMBER": "ID",
    "HEALTH_PLAN_ID": "ID",
}
NOT_PHI = frozenset({"YEAR"})

_OPEN, _CLOSE = "[[", "]]"
_LABEL = re.compile(r"\[\[([A-Z_]+)\|([^\[\]|\n]+)\]\]")


class MarkupError(ValueError):
    """A corpus file whose markup cannot be trusted; the message names file and line."""


@dataclass(frozen=True)
class Span:
    label: str
    start: int
    end: int

    @property
    def group(self) -> str:
        return LABEL_GROUPS[self.label]


@dataclass
class Note:
    """One note: its text without markup, its labelled spans, and where it came from."""

    source: str  # "dev/nursing-01.txt#3": file relative to the corpus root, and note number
    part: str
    kind: str  # the file name's stem without its number: nursing, discharge, ...
    text: str
    spans: list[Span] = field(default_factory=list)

    def byte_spans(self) -> list[Span]:
        """The spans in UTF-8 byte offsets, the frame the scanner reports in."""
        if self.text.isascii():
            return list(self.spans)
        return [
            Span(s.label, len(self.text[: s.start].encode()), len(self.text[: s.end].encode()))
            for s in self.spans
        ]


def _parse_line(line: str, where: str, offset: int, note: Note, out: list[str]) -> None:
    position = 0
    for match in _LABEL.finditer(line):
        _check_plain(line[position : match.start()], where, position)
        label, value = match.group(1), match.group(2)
        if label not in LABEL_GROUPS:
            known = ", ".join(sorted(LABEL_GROUPS))
            raise MarkupError(
                f"{where}, column {match.start() + 1}: unknown label type {label!r} "
                f"(expected one of {known})"
            )
        if value != value.strip():
            raise MarkupError(
                f"{where}, column {match.start() + 1}: {label} span starts or ends with a blank"
            )
        out.append(line[position : match.start()])
        start = offset + sum(len(p) for p in out)
        # ``out`` holds this line's plain pieces so far; ``offset`` the note's text before it.
        note.spans.append(Span(label, start, start + len(value)))
        out.append(value)
        position = match.end()
    _check_plain(line[position:], where, position)
    out.append(line[position:])


def _check_plain(piece: str, where: str, column: int) -> None:
    for token in (_OPEN, _CLOSE):
        index = piece.find(token)
        if index >= 0:
            expected = (
                "'[[TYPE|text]]' closed on the same line"
                if token == _OPEN
                else "no ']]' outside a label"
            )
            raise MarkupError(
                f"{where}, column {column + index + 1}: stray {token!r}; expected {expected}"
            )


def parse_file(path: Path, root: Path = ROOT) -> list[Note]:
    """The notes of one corpus file, in order; raises MarkupError naming file and line."""
    relative = path.relative_to(root).as_posix()
    part = relative.split("/", 1)[0]
    kind = re.sub(r"[-_]?\d+$", "", path.stem)
    notes: list[Note] = []
    lines: list[str] = []
    note = Note(f"{relative}#1", part, kind, "")
    started = False

    def finish() -> None:
        nonlocal note, lines, started
        while lines and not lines[-1].strip():
            lines.pop()
        if lines:
            note.text = "".join(lines).rstrip("\n") + "\n"
            notes.append(note)
        note = Note(f"{relative}#{len(notes) + 1}", part, kind, "")
        lines, started = [], False

    text = path.read_text(encoding="utf-8")
    for number, raw in enumerate(text.splitlines(), start=1):
        where = f"{relative}, line {number}"
        if raw.strip() == SEPARATOR:
            finish()
            continue
        if not started and (raw.startswith("#") or not raw.strip()):
            continue
        started = True
        pieces: list[str] = []
        _parse_line(raw, where, sum(len(x) for x in lines), note, pieces)
        lines.append("".join(pieces) + "\n")
    finish()
    return notes


def note_files(part: str = "all", root: Path = ROOT) -> list[Path]:
    """The corpus files of ``part`` (dev, heldout or all), sorted by path."""
    parts: Iterable[str] = PARTS if part == "all" else (part,)
    if part != "all" and part not in PARTS:
        raise ValueError(f"unknown part {part!r}: expected dev, heldout or all")
    return sorted(p for name in parts for p in (root / name).glob("*.txt"))


def load_notes(part: str = "all", root: Path = ROOT) -> list[Note]:
    """Every note of ``part``, in file order."""
    return [note for path in note_files(part, root) for note in parse_file(path, root)]


def iter_phi(notes: Iterable[Note]) -> Iterator[tuple[Note, Span]]:
    """Each PHI span (YEAR left out) with its note."""
    for note in notes:
        for span in note.spans:
            if span.label not in NOT_PHI:
                yield note, span
