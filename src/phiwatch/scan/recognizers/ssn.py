"""US Social Security numbers: AAA-GG-SSSS, with the SSA's impossible values rejected.

Areas 000, 666 and 900-999 are never issued (9xx is the ITIN range, its own
recognizer), nor group 00 or serial 0000. Numbers printed in advertising and
documentation (078-05-1120 from the Woolworth wallet card, 123-45-6789,
219-09-9999) are rejected as known fakes. A bare nine-digit number is only a
candidate when an SSN word is near it.
"""

from __future__ import annotations

import re

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer
from phiwatch.scan.recognizers._util import digits_of

KNOWN_FAKES = frozenset({"078051120", "123456789", "219099999", "457555462"})
_DIGITS = b"0123456789"
_ISSUED = re.compile(r"(?!000|666|9)[0-9]{3}([-. ]?)(?!00)[0-9]{2}\1(?!0000)[0-9]{4}")
"""The shapes the patterns find, with an area, group and serial the SSA issues: for these,
only the known fakes and one digit repeated remain to refuse (``_REFUSED``)."""
_REFUSED = frozenset(
    f"{number[:3]}{separator}{number[3:5]}{separator}{number[5:]}"
    for number in (*KNOWN_FAKES, *(digit * 9 for digit in "0123456789"))
    for separator in ("", "-", ".", " ")
)


class SsnRecognizer(Recognizer):
    name = "ssn"
    entity = "SSN"
    PATTERNS = (
        Pattern("SSN dashed (medium)", r"\b\d{3}-\d{2}-\d{4}\b", 0.6),
        Pattern("SSN spaced or dotted (weak)", r"\b\d{3}[ .]\d{2}[ .]\d{4}\b", 0.35),
        Pattern("SSN nine bare digits (context only)", r"\b\d{9}\b", 0.25, needs_context=True),
    )
    CONTEXT = ("ssn", "ssn#", "ss#", "social security", "soc sec", "social sec", "ssa")
    NEGATIVE_CONTEXT = ("order", "invoice", "tracking", "part", "serial", "sku", "isbn", "po")

    def invalidate_result(self, text: str) -> bool:
        if _ISSUED.fullmatch(text) is not None:  # the usual case, in one C call
            return text in _REFUSED
        number = digits_of(text)
        if len(number) != 9 or number in KNOWN_FAKES or number.count(number[0]) == 9:
            return True
        area = number[:3]
        if area == "000" or area == "666" or area[0] == "9":
            return True
        if number[3:5] == "00" or number[5:] == "0000":
            return True
        # The separators must agree: 123-45 6789 is two numbers, not an SSN.
        if text.isascii():
            return len(set(text.encode("ascii").translate(None, _DIGITS))) > 1
        return len({ch for ch in text if not ch.isdigit()}) > 1
