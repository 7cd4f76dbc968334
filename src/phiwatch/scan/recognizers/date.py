"""Dates: of birth, admission, discharge, death, service; numeric and written forms.

HIPAA counts every element of a date tied to a person, except the year, as
an identifier. Every full date (day, month and year) is reported; a birth or
admission word near it makes it near-certain. Impossible dates (02/30/1990,
13/13/2001) are rejected by parsing them, and a year or a month-day alone is
never a match.
"""

from __future__ import annotations

import re

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer

_MONTH_NAMES = [
    "Jan",
    "January",
    "Feb",
    "February",
    "Mar",
    "March",
    "Apr",
    "April",
    "May",
    "Jun",
    "June",
    "Jul",
    "July",
    "Aug",
    "August",
    "Sep",
    "Sept",
    "September",
    "Oct",
    "October",
    "Nov",
    "November",
    "Dec",
    "December",
]
_LOWER_AMBIGUOUS = frozenset({"mar", "march", "may", "dec"})
"""Month names that are everyday words in lower case ("may", "dec" for decreased)."""


def month_regex() -> str:
    """Month names as notes write them: capitalised, in capitals, or in lower case where
    the lower-case word is no everyday word. Written out (not a case-insensitive pattern)
    so that "may" the verb is never a month."""
    forms = set(_MONTH_NAMES)
    forms |= {name.upper() for name in _MONTH_NAMES}
    forms |= {name.lower() for name in _MONTH_NAMES if name.lower() not in _LOWER_AMBIGUOUS}
    return "(?:" + "|".join(sorted(forms, key=lambda f: (-len(f), f))) + ")"


_MONTH = month_regex()
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
"""Month numbers by lower-case name and abbreviation."""
_TOKENS = re.compile(r"[A-Za-z]+|\d+")


def _year(token: str) -> int:
    value = int(token)
    if len(token) == 2:
        return 1900 + value if value > 30 else 2000 + value
    return value


_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
"""Days in each month (February's leap-year most; ``_real`` checks the year)."""


def _real(year: int, month: int, day: int) -> bool:
    """A calendar date between 1850 and 2100 (what ``datetime.date`` accepts, in that
    range, without the cost of building one and catching its error)."""
    if not (1850 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= _DAYS[month]):
        return False
    if month == 2 and day == 29:
        return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return True


def parse_date_text(text: str) -> bool:
    """Whether ``text`` (as matched by a date pattern) is a real calendar date."""
    tokens = _TOKENS.findall(text)
    if len(tokens) == 3 and tokens[2].isdigit():  # the common shapes, without filtering
        first, second, third = tokens
        if first.isdigit() and second.isdigit():  # 03/14/1962, 1962-03-14
            return _numeric(first, second, third)
        if first.isalpha() and second.isdigit():  # Mar. 14, 1962
            month = MONTHS.get(first.lower())
            return month is not None and _real(_year(third), month, int(second))
        if first.isdigit() and second.isalpha():  # 14 March 1962
            month = MONTHS.get(second.lower())
            return month is not None and _real(_year(third), month, int(first))
    tokens = [t for t in tokens if t.lower() not in {"st", "nd", "rd", "th", "of"}]
    if len(tokens) != 3:
        return False
    words = [t for t in tokens if t.isalpha()]
    if words:
        month = MONTHS.get(words[0].lower())
        numbers = [t for t in tokens if t.isdigit()]
        if month is None or len(numbers) != 2:
            return False
        return _real(_year(numbers[1]), month, int(numbers[0]))
    return _numeric(*tokens)


def _numeric(first: str, second: str, third: str) -> bool:
    if len(first) == 4:  # ISO: year-month-day
        return _real(int(first), int(second), int(third))
    year = _year(third)
    return _real(year, int(first), int(second)) or _real(year, int(second), int(first))


class DateRecognizer(Recognizer):
    name = "date"
    entity = "DATE"
    PATTERNS = (
        Pattern(
            "numeric date d/m/y or m/d/y (medium)",
            r"\b\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b",
            0.6,
        ),
        Pattern("numeric date with dashes (medium)", r"\b\d{1,2}-\d{1,2}-\d{4}\b", 0.55),
        Pattern("ISO date (medium)", r"\b(?:18|19|20)\d{2}-\d{2}-\d{2}\b", 0.6),
        Pattern(
            "written month day, year (medium)",
            rf"\b{_MONTH}\.? \d{{1,2}}(?:st|nd|rd|th|ST|ND|RD|TH)?,? \d{{4}}\b",
            0.65,
        ),
        Pattern(
            "written day month year (medium)",
            rf"\b\d{{1,2}}(?:st|nd|rd|th|ST|ND|RD|TH)? (?:of |OF )?{_MONTH}\.?,? \d{{4}}\b",
            0.65,
        ),
    )
    CONTEXT = (
        "dob",
        "d.o.b",
        "date of birth",
        "birth",
        "birthdate",
        "born",
        "admitted",
        "admission",
        "discharged",
        "discharge",
        "deceased",
        "died",
        "death",
        "date of service",
        "dos",
        "visit",
        "appointment",
        "seen",
        "surgery",
    )
    NEGATIVE_CONTEXT = ("version", "invoice", "release", "copyright")

    def validate_result(self, text: str) -> bool | None:
        return parse_date_text(text)
