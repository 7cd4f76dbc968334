"""The scanner's compiled modules: used only when current, and finding exactly what the
sources find."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from phiwatch.scan import Pattern, Recognizer, Scanner, _native

# Scans a fixed set of texts (a note, a CSV export with its header as column context, and
# noise of digits, separators and label words) and prints every field of every finding.
_SCAN_SCRIPT = r"""
import json, random, sys
from phiwatch.scan import ColumnContext, ScanConfig, Scanner
from phiwatch.scan._native import compiled_modules

note = (
    "Patient: Maria Lopez\nDOB: 03/14/1962   MRN: 00482213\nSSN 219-09-9998, Medicare "
    "1EG4-TE5-MK74\nSeen by Dr. Okafor (NPI 1234567893) on January 24, 2024.\nCall (617) "
    "555-0143 or maria.lopez@gmail.com; lives at 12 Elm Street, Boston, MA 02115.\n"
    "DEA BC4567890, ITIN 912-78-4432, Member ID: QXH804417723, host 73.162.44.201, E11.9\n"
)
rows = "ssn,dob,phone,email\n" + "".join(
    f"{a}-45-{b:04d},0{c}/1{c}/19{a % 90 + 10},(617) 555-{b:04d},p{a}@example.org\n"
    for a, b, c in ((384 + i, 1000 + 37 * i, i % 9 + 1) for i in range(40))
)
rng = random.Random(11)
words = ["SSN", "ssn#", "DOB", "date of birth", "MRN:", "phone", "fax", "order", "zip", "@",
         "gmail.com", "March", "1st", "MA", "Main St", "NPI", "DEA", "tel", "Medicare", "e-mail",
         "\u00e9", "\u0663", "invoice", "icd", "version", "ip"]
noise = []
for _ in range(300):
    parts = []
    for _ in range(rng.randint(3, 60)):
        r = rng.random()
        if r < 0.5:
            parts.append("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 11))))
        elif r < 0.8:
            parts.append(rng.choice(["-", " ", ".", "/", ",", "\n", "(", ") ", ": "]))
        else:
            parts.append(rng.choice(words))
    noise.append("".join(parts))
found = []
for config in (ScanConfig(disable=("person",)), ScanConfig(enable=("url",), min_confidence=0.2)):
    scanner = Scanner(config)
    context = ColumnContext(b",", (b"ssn", b"dob", b"phone", b"email"))
    results = [scanner.scan_text(note), scanner.scan_bytes(rows.encode(), column_context=context)]
    results += [scanner.scan_text(text) for text in noise]
    for findings in results:
        found.append([
            [f.entity, f.start, f.end, f.line, f.confidence, f.recognizer, f.reason.describe(),
             f.text]
            for f in findings
        ])
json.dump({"compiled": compiled_modules(), "found": found}, sys.stdout)
"""


def _scan(pure: bool) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != _native.PURE_VARIABLE}
    if pure:
        env[_native.PURE_VARIABLE] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _SCAN_SCRIPT], env=env, capture_output=True, check=True, text=True
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_pure_switch_runs_the_sources() -> None:
    assert _scan(pure=True)["compiled"] == []


@pytest.mark.skipif(not _native.current(), reason="no current build (make native)")
def test_compiled_modules_find_what_the_sources_find() -> None:
    compiled, pure = _scan(pure=False), _scan(pure=True)
    assert compiled["compiled"] == list(_native.COMPILED)
    found = compiled["found"]
    assert isinstance(found, list) and sum(map(len, found)) > 300
    assert found == pure["found"]


def _fake_build(folder: Path, age: float) -> None:
    """Empty stand-ins for every compiled module, ``age`` seconds off the newest source."""
    newest = max(_native._source(name).stat().st_mtime for name in _native.COMPILED)
    for name in (*_native.COMPILED, _native._library()):
        binary = _native._binary(name, folder)
        binary.parent.mkdir(parents=True, exist_ok=True)
        binary.touch()
        os.utime(binary, (newest + age, newest + age))


def test_a_build_is_used_only_when_complete_and_newer_than_its_sources(tmp_path: Path) -> None:
    assert not _native.current(tmp_path / "nothing")
    _fake_build(tmp_path, age=60)
    assert _native.current(tmp_path)
    _fake_build(tmp_path, age=-60)  # a source edited since the build
    assert not _native.current(tmp_path)
    _fake_build(tmp_path, age=60)
    _native._binary(_native.COMPILED[0], tmp_path).unlink()
    assert not _native.current(tmp_path)


class _Loose(Recognizer):
    """Hooks that return other types than declared: taken the same way, compiled or not."""

    name = "loose"
    entity = "LOOSE"
    PATTERNS = (Pattern("loose (strong)", r"\bLOOSE\d{3}\b", 1),)

    def validate_result(self, text: str) -> bool | None:
        return 1  # type: ignore[return-value]

    def adjust_score(self, text: str, score: float, pattern: str) -> float:
        if text.endswith("0"):
            return "high"  # type: ignore[return-value]
        return 1 if text.endswith("1") else score  # an int


def test_scores_are_floats_and_a_score_that_is_no_number_drops_the_value() -> None:
    assert Pattern("p", r"\bx\b", 1).score == 1.0
    assert isinstance(Pattern("p", r"\bx\b", 1).score, float)
    found = Scanner(recognizers=[_Loose()]).scan_text("LOOSE120 LOOSE121 LOOSE122")
    assert [(f.text, f.confidence, type(f.confidence)) for f in found] == [
        ("LOOSE121", 1.0, float),
        ("LOOSE122", 1.0, float),
    ]
    assert {f.reason.validator for f in found} == {"passed"}
