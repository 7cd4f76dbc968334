"""Telephone and fax numbers under the North American Numbering Plan.

NANP area codes and exchanges start 2-9; a number is not rejected merely
because its area code is not (yet) assigned. Formatted numbers ((617)
555-0143, 617.555.0143, +1 617 555 0143) are reported on their own; ten bare
digits only with a phone word near them, since order and account numbers
look the same.
"""

from __future__ import annotations

import re

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer
from phiwatch.scan.recognizers._util import digits_of

_AREA = r"(?:\([2-9]\d{2}\) ?|\b[2-9]\d{2}[-. ])"
_NANP = re.compile(
    r"(?:\+?1[-. ]?)?(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[-. ])[2-9][0-9]{2}[-. ][0-9]{4}"
    r"|1?[2-9][0-9]{2}[2-9][0-9]{6}"
)
"""The shapes the patterns find: a valid area code and exchange, and the number's last four
digits last. For these the checks below need no digit extraction."""


class PhoneRecognizer(Recognizer):
    name = "phone"
    entity = "PHONE"
    PATTERNS = (
        Pattern(
            "NANP formatted (medium)",
            rf"(?:\+?1[-. ]?)?{_AREA}[2-9]\d{{2}}[-. ]\d{{4}}\b",
            0.7,
        ),
        Pattern(
            "NANP ten bare digits (context only)",
            r"\b1?[2-9]\d{2}[2-9]\d{6}\b",
            0.3,
            needs_context=True,
        ),
    )
    CONTEXT = (
        "phone",
        "tel",
        "telephone",
        "cell",
        "mobile",
        "fax",
        "call",
        "contact",
        "pager",
        "ph",
    )
    NEGATIVE_CONTEXT = ("order", "invoice", "tracking", "account", "npi", "serial", "isbn", "part")

    def validate_result(self, text: str) -> bool | None:
        if _NANP.fullmatch(text) is not None:
            return True
        number = digits_of(text)
        if len(number) == 11 and number[0] == "1":
            number = number[1:]
        return len(number) == 10 and number[0] in "23456789" and number[3] in "23456789"

    def invalidate_result(self, text: str) -> bool:
        if text[-4:] != text[-1:] * 4 and _NANP.fullmatch(text) is not None:
            return False  # its last four digits differ, so not all ten are the same
        number = digits_of(text)[-10:]
        return len(set(number)) == 1
