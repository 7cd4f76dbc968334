"""Dates without a year: ``7/22``, ``ON 3-15``, ``Jan 3``, ``3rd of March``, ``on the 22nd``.

HIPAA's Safe Harbor counts every element of a date but the year
(164.514(b)(2)(i)(C)), and clinical notes write most dates without one
("TO MEMORIAL 3/14"). Short numbers with a slash or a dash are also
fractions (``1/2 tab``), scores (``5/5 strength``, ``4/10 pain``), blood
pressures, doses and ranges (``2-3 times``), so:

* a month/day with a slash stands alone only when it is no fraction or score
  (``1/2``, ``3/4``, ``x/5``, ``x/10`` need a date word or a preposition before
  them); BP ``120/80`` never matches (no month 120);
* a month-day with a dash needs a preposition or a date verb just before it
  ("on", "since", "until", "to", "seen", ...): bare, it is a range;
* a unit or a score word near any of them (``times``, ``mg``, ``pain``,
  ``floor``) lowers it below the threshold, unless a date word ("admitted",
  a weekday) is nearer; the words before a value in the patterns are no
  context words, so "to 2-3 times" stays a range;
* times (``2130``, ``21:30``, ``0800``) never match: no pattern takes a colon
  or four bare digits.

Neighbouring characters are part of the patterns rather than look-arounds
(Hyperscan has none): a value must not touch another digit, slash, dot or
dash, so ``1/2/3`` and ``01/24/1948`` are not a month and a day. A full date
("January 24, 1948") found by the ``date`` recognizer merges with the month
and day found here, as findings of one type do.
"""

from __future__ import annotations

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer
from phiwatch.scan.recognizers.date import MONTHS, month_regex

_M = r"(?:1[0-2]|0?[1-9])"
_D = r"(?:3[01]|[12][0-9]|0?[1-9])"
_LEFT = r"(?:^|[^\w/.:#+=$-])"
_RIGHT = r"(?:[^\w/.:%-]|$)"
_LEADS = [
    "on",
    "since",
    "until",
    "till",
    "thru",
    "through",
    "to",
    "by",
    "from",
    "before",
    "after",
    "dated",
    "due",
    "starting",
    "admitted",
    "discharged",
    "transferred",
    "seen",
]


def _cased(words: list[str]) -> str:
    """Each word in lower case, capitalised and in capitals: a pattern that ignored case
    would also take lower-case month names, and "may" is a verb."""
    forms = {form for word in words for form in (word, word.capitalize(), word.upper())}
    return "(?:" + "|".join(sorted(forms)) + ")"


_BEFORE = rf"\b{_cased(_LEADS)}"
"""Words that make a short number after them a date ("ON 3-15", "since 7/22")."""
_MONTH = month_regex()
_ORDINAL = r"(?:st|nd|rd|th|ST|ND|RD|TH)"

SLASH = "month/day with a slash (medium)"
SLASH_AFTER = "month/day or month-day after on, since, to, seen (medium)"
WRITTEN = "written month and day (medium)"
WRITTEN_DAY_FIRST = "written day and month (medium)"
ORDINAL = "ordinal day after on the (medium)"

_FRACTION_DENOMINATORS = frozenset({"2", "3", "4", "5", "8", "10"})
"""A month/day whose day is one of these and not less than its month reads as a fraction
or a score (1/2, 3/4, 5/5, 4/10) more often than as a date."""
_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _numbers(text: str) -> tuple[int, int] | None:
    """The month and day of ``3/14``, ``3-15``, ``Jan 3``, ``3rd of March`` or ``22nd``
    (month 0: not written), or None when ``text`` is none of these."""
    words = text.replace("/", " ").replace("-", " ").replace(".", " ").split()
    numbers = [w.lower().rstrip("stndrh") for w in words if w[:1].isdigit()]
    if not numbers or len(numbers) > 2 or not all(n.isdigit() and len(n) <= 2 for n in numbers):
        return None
    if len(numbers) == 2:  # the numeric forms, month first
        return (int(numbers[0]), int(numbers[1])) if len(words) == 2 else None
    month = 0
    for word in words:
        lowered = word.lower()
        if lowered in MONTHS:
            month = MONTHS[lowered]
        elif not lowered[:1].isdigit() and lowered != "of":
            return None
    return month, int(numbers[0])


class MonthDayRecognizer(Recognizer):
    name = "month_day"
    entity = "DATE"
    PATTERNS = (
        Pattern(SLASH, rf"{_LEFT}(?P<value>{_M}/{_D}){_RIGHT}", 0.55),
        Pattern(SLASH_AFTER, rf"{_BEFORE}:? (?P<value>{_M}[/-]{_D}){_RIGHT}", 0.55),
        Pattern(WRITTEN, rf"\b{_MONTH}\.? \d{{1,2}}{_ORDINAL}?\b", 0.55),
        Pattern(WRITTEN_DAY_FIRST, rf"\b\d{{1,2}}{_ORDINAL}? (?:of |OF )?{_MONTH}\b", 0.55),
        Pattern(
            ORDINAL,
            rf"{_BEFORE} (?:the|THE) (?P<value>(?:3[01]|[12][0-9]|[1-9]){_ORDINAL})\b",
            0.55,
        ),
    )
    CONTEXT = (
        "admitted",
        "admission",
        "discharged",
        "discharge",
        "visit",
        "appointment",
        "appt",
        "surgery",
        "scheduled",
        "dated",
        "dob",
        "born",
        "died",
        "expired",
        "transferred",
        "returned",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    )
    NEGATIVE_CONTEXT = (
        "times",
        "x",
        "days",
        "weeks",
        "wks",
        "months",
        "hours",
        "hrs",
        "minutes",
        "mins",
        "mg",
        "mcg",
        "ml",
        "cc",
        "l",
        "lpm",
        "units",
        "tab",
        "tabs",
        "tablet",
        "tablets",
        "pills",
        "puffs",
        "drops",
        "doses",
        "cm",
        "mm",
        "kg",
        "lbs",
        "oz",
        "strength",
        "pain",
        "scale",
        "score",
        "motor",
        "reflexes",
        "grade",
        "ratio",
        "floor",
        "attempt",
        "try",
        "cups",
        "meals",
        "servings",
        "liters",
        "inches",
        "episodes",
        "stools",
        "percent",
        "apgar",
        "gcs",
        "bp",
        "version",
        "page",
        "step",
        "steps",
    )

    def validate_result(self, text: str) -> bool | None:
        numbers = _numbers(text)
        if numbers is None:
            return False
        month, day = numbers
        return 1 <= day <= (_DAYS[month] if month else 31)

    def adjust_score(self, text: str, score: float, pattern: str) -> float:
        if pattern != SLASH:
            return score
        month, _, day = text.partition("/")
        if day.lstrip("0") in _FRACTION_DENOMINATORS and int(month) <= int(day):
            return 0.2  # 1/2, 3/4, 5/5, 4/10: a date only with a date word near
        return score
