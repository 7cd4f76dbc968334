"""IRS Individual Taxpayer Identification Numbers: 9XX-GG-XXXX, kept apart from SSNs.

An ITIN starts with 9 and its middle two digits fall in the IRS ranges
50-65, 70-88, 90-92 or 94-99; anything else in the 9xx area is neither an
ITIN nor an SSN.
"""

from __future__ import annotations

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer
from phiwatch.scan.recognizers._util import digits_of

_GROUP = r"(?:5\d|6[0-5]|7\d|8[0-8]|9[0-2]|9[4-9])"


def itin_group_valid(group: int) -> bool:
    return 50 <= group <= 65 or 70 <= group <= 88 or 90 <= group <= 92 or 94 <= group <= 99


class ItinRecognizer(Recognizer):
    name = "itin"
    entity = "ITIN"
    PATTERNS = (
        Pattern("ITIN dashed (medium)", rf"\b9\d{{2}}-{_GROUP}-\d{{4}}\b", 0.65),
        Pattern(
            "ITIN nine bare digits (context only)",
            rf"\b9\d{{2}}{_GROUP}\d{{4}}\b",
            0.25,
            needs_context=True,
        ),
    )
    CONTEXT = ("itin", "taxpayer identification", "tax identification", "tin")
    NEGATIVE_CONTEXT = ("order", "invoice", "tracking", "serial")

    def validate_result(self, text: str) -> bool | None:
        number = digits_of(text)
        return len(number) == 9 and number[0] == "9" and itin_group_valid(int(number[3:5]))

    def invalidate_result(self, text: str) -> bool:
        number = digits_of(text)
        return number[5:] == "0000" or len(set(number)) == 1
