"""Medicare Beneficiary Identifiers (the MBI that replaced the SSN-based HICN in 2018).

Eleven characters: position 1 a digit 1-9; positions 2, 5, 8 and 9 letters;
3 and 6 a letter or digit; 4, 7, 10 and 11 digits. Letters exclude S, L, O,
I, B and Z. Cards print it with dashes after positions 4 and 7. CMS's own
example (1EG4-TE5-MK73) is rejected as a known sample.
"""

from __future__ import annotations

import re

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer

_L = "[AC-HJKMNP-RT-Y]"  # letters allowed in an MBI
_A = "[AC-HJKMNP-RT-Y0-9]"
_COMPACT = rf"[1-9]{_L}{_A}\d{_L}{_A}\d{_L}{_L}\d\d"
_FORMAT = re.compile(_COMPACT)
KNOWN_SAMPLES = frozenset({"1EG4TE5MK73"})


class MbiRecognizer(Recognizer):
    name = "mbi"
    entity = "MBI"
    PATTERNS = (
        Pattern(
            "MBI eleven characters (strong)", rf"\b[1-9]{_L}{_A}\d{_L}{_A}\d{_L}{_L}\d\d\b", 0.8
        ),
        Pattern(
            "MBI dashed for display (strong)",
            rf"\b[1-9]{_L}{_A}\d-{_L}{_A}\d-{_L}{_L}\d\d\b",
            0.85,
        ),
    )
    CONTEXT = ("mbi", "medicare", "beneficiary", "hicn", "cms")

    def validate_result(self, text: str) -> bool | None:
        compact = text.replace("-", "")
        if len(compact) != 11 or _FORMAT.fullmatch(compact) is None:
            return False
        dashes = text.count("-")
        return dashes == 0 or (dashes == 2 and text[4] == "-" and text[8] == "-")

    def invalidate_result(self, text: str) -> bool:
        return text.replace("-", "") in KNOWN_SAMPLES
