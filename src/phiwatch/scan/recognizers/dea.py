"""DEA registration numbers: two letters and seven digits with a check digit.

The first letter is the registrant type (A, B, F, G for practitioners, M for
mid-levels, P-U for distributors, X for buprenorphine waivers); the second
is the registrant's surname initial or 9 for a business. The seventh digit
is the last digit of (d1 + d3 + d5) + 2 * (d2 + d4 + d6).
"""

from __future__ import annotations

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer

_TYPES = "ABCDEFGHJKLMPRSTUX"


def dea_valid(text: str) -> bool:
    value = text.upper()
    if len(value) != 9 or value[0] not in _TYPES or not value[2:].isdigit():
        return False
    if not (value[1].isalpha() or value[1] == "9"):
        return False
    digits = value[2:]
    if digits.isascii():  # byte values less "0": cheaper than int() per character
        d = [byte - 48 for byte in digits.encode("ascii")]
    else:  # other scripts' digits: int() reads them
        d = [int(ch) for ch in digits]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


class DeaRecognizer(Recognizer):
    name = "dea"
    entity = "DEA"
    PATTERNS = (
        Pattern(
            "DEA two letters seven digits with check digit (strong)",
            rf"\b[{_TYPES}][A-Z9]\d{{7}}\b",
            0.75,
        ),
    )
    CONTEXT = ("dea", "drug enforcement", "registration", "prescriber", "controlled")
    NEGATIVE_CONTEXT = ("order", "invoice", "tracking", "flight", "serial", "part")

    def validate_result(self, text: str) -> bool | None:
        return dea_valid(text)

    def invalidate_result(self, text: str) -> bool:
        return len(set(text[2:])) == 1
