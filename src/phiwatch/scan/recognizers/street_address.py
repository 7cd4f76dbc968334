"""Street addresses: a house number, capitalised street words and a street suffix.

The suffix list is the US Postal Service's, as shipped in Faker's en_US
address provider, plus the common abbreviations; "P.O. Box" numbers count
too. Without a suffix ("12 Main") nothing is reported.
"""

from __future__ import annotations

from faker.providers.address.en_US import Provider as _UsAddress

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer

_ABBREVIATIONS = (
    "St",
    "Ave",
    "Rd",
    "Blvd",
    "Ln",
    "Dr",
    "Ct",
    "Pl",
    "Ter",
    "Cir",
    "Pkwy",
    "Hwy",
    "Sq",
    "Trl",
)
_SUFFIXES = sorted(
    {str(s) for s in _UsAddress.street_suffixes} | set(_ABBREVIATIONS), key=len, reverse=True
)
_SUFFIX = "(?:" + "|".join(_SUFFIXES) + ")"
_STREET_WORDS = r"(?: [A-Z][a-z]{1,24}| \d{1,3}(?:st|nd|rd|th)){1,3}"
_UNIT = r"(?:,? (?:Apt|Suite|Ste|Unit|Room|Rm|#)\.? ?#?[A-Za-z0-9-]{1,6}\b)?"


class StreetAddressRecognizer(Recognizer):
    name = "street_address"
    entity = "STREET_ADDRESS"
    PATTERNS = (
        Pattern(
            "house number, street and suffix (medium)",
            rf"\b\d{{1,6}}(?: [NSEW]\.?)?{_STREET_WORDS} {_SUFFIX}\b\.?{_UNIT}",
            0.7,
        ),
        Pattern("post office box (medium)", r"\bP\.? ?O\.? Box \d{1,6}\b", 0.7, ignore_case=True),
    )
    CONTEXT = ("address", "lives", "resides", "residence", "street", "home", "mailing")
