"""National Provider Identifiers: ten digits starting 1 or 2, Luhn over 80840 + NPI.

The NPI check digit is the ISO 7812 Luhn digit computed as if the number
were prefixed by the health-industry issuer 80840, so ``80840`` + NPI must
pass Luhn (1234567893 does). Without an NPI word near it, a valid ten-digit
number is still reported, at the threshold: one in ten random numbers passes.
"""

from __future__ import annotations

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer
from phiwatch.scan.recognizers._util import digits_of, luhn_valid


def npi_valid(number: str) -> bool:
    return (
        len(number) == 10
        and number.isdigit()
        and number[0] in "12"
        and luhn_valid("80840" + number)
    )


class NpiRecognizer(Recognizer):
    name = "npi"
    entity = "NPI"
    PATTERNS = (Pattern("NPI ten digits with Luhn (medium)", r"\b[12]\d{9}\b", 0.5),)
    CONTEXT = ("npi", "national provider", "provider", "prescriber", "physician", "billing")
    NEGATIVE_CONTEXT = ("phone", "tel", "fax", "order", "invoice", "tracking", "account")

    def validate_result(self, text: str) -> bool | None:
        return npi_valid(digits_of(text))

    def invalidate_result(self, text: str) -> bool:
        number = digits_of(text)
        return len(set(number[1:])) == 1
