"""US ZIP codes: after a state abbreviation, in ZIP+4 form, or with a ZIP word near.

Five digits alone are everywhere (amounts, counts, order numbers), so a bare
five-digit number is only reported when "ZIP" or "postal" is near it.
"""

from __future__ import annotations

from faker.providers.address.en_US import Provider as _UsAddress

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer
from phiwatch.scan.recognizers._util import digits_of

_STATES = "(?:" + "|".join(sorted(str(s) for s in _UsAddress.states_abbr)) + ")"


class ZipCodeRecognizer(Recognizer):
    name = "zip_code"
    entity = "ZIP_CODE"
    PATTERNS = (
        Pattern(
            "ZIP after a state abbreviation (strong)",
            rf"\b{_STATES},? (?P<value>\d{{5}}(?:-\d{{4}})?)\b",
            0.8,
            # Sixty two-letter literals slowed the one-pass scan of every text by a
            # quarter; any two capitals before the digits is what Hyperscan looks for, and
            # the regex (which ends where this does) then checks the state.
            prefilter=r"[A-Z][A-Z],? \d{5}(?:-\d{4})?\b",
        ),
        Pattern("ZIP+4 (medium)", r"\b\d{5}-\d{4}\b", 0.55),
        Pattern("five digits (context only)", r"\b\d{5}\b", 0.25, needs_context=True),
    )
    CONTEXT = ("zip", "zipcode", "zip code", "postal", "postcode")
    NEGATIVE_CONTEXT = ("order", "invoice", "tracking", "amount", "total")

    def invalidate_result(self, text: str) -> bool:
        return digits_of(text)[:5] == "00000"
