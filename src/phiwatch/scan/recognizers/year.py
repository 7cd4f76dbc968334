"""Years alone (``in 2019``, ``since 1998``): off by default, informational.

HIPAA's Safe Harbor lets the year of a date stand (164.514(b)(2)(i)(C)
removes "all elements of dates (except year)"), so a year alone is no
identifier and is never reported as ``DATE``. Some reviews want to see them
anyway (a year of birth that puts someone over 89 must be aggregated too,
and an expert determination may judge years): enable this recognizer
(``--enable year``) to report them as ``YEAR``, which the risk levels and
the mail gateway's policy do not count as PHI of their own. A time of day in
four digits (``at 2013``, ``1930 hrs``) is the usual look-alike: time words
near it lower it. A year that is part of a date (``01/24/1948``, ``2023-11-02``)
is no candidate, and one after a written date ("Jan 24, 1948") scores below the
date, which wins the overlap.
"""

from __future__ import annotations

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer


class YearRecognizer(Recognizer):
    name = "year"
    entity = "YEAR"
    enabled_by_default = False
    PATTERNS = (
        Pattern(
            "year 1900 to 2099 (context only)",
            r"(?:^|[^\w/.:-])(?P<value>(?:19|20)[0-9]{2})(?:[^\w/.:-]|$)",
            0.2,
            needs_context=True,
        ),
    )
    CONTEXT = (
        "in",
        "since",
        "year",
        "born",
        "birth",
        "diagnosed",
        "dx",
        "hx",
        "history",
        "surgery",
        "until",
        "during",
        "class",
        "graduated",
        "retired",
        "married",
    )
    NEGATIVE_CONTEXT = (
        "at",
        "hrs",
        "hours",
        "am",
        "pm",
        "time",
        "mg",
        "ml",
        "units",
        "kcal",
        "steps",
        "version",
    )
