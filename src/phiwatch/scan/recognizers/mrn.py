"""Medical record numbers, found by their label.

MRN formats differ between organisations, so the built-in patterns need a
label ("MRN", "medical record", "chart") before the value and at least four
digits in it; a site adds its own exact formats in the scan configuration
(``[[scan.site_patterns]]``) rather than in code.
"""

from __future__ import annotations

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer
from phiwatch.scan.recognizers._util import digits_of

_LABEL = (
    r"(?:MRN|MR#|Medical Record(?: Number| No\.?| #)?|Med(?:ical)? Rec(?:ord)?(?: No\.?| #)?"
    r"|Chart(?: Number| No\.?| #)|Patient (?:ID|Number|No\.?|#)|Pt (?:ID|#))"
)


class MrnRecognizer(Recognizer):
    name = "mrn"
    entity = "MRN"
    PATTERNS = (
        Pattern(
            "MRN after its label (strong)",
            _LABEL
            + r"[ \t]{0,4}(?:[:#=][ \t]{0,4})?(?P<value>[A-Z]{0,4}[- ]?\d[\d-]{3,18}[A-Z]?)\b",
            0.85,
            ignore_case=True,
        ),
    )
    CONTEXT = ("mrn", "medical record", "chart", "patient")

    def validate_result(self, text: str) -> bool | None:
        return 4 <= len(digits_of(text)) <= 15 and len(text) <= 20

    def invalidate_result(self, text: str) -> bool:
        number = digits_of(text)
        return len(set(number)) == 1
