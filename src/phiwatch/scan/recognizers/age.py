"""Ages over 89 (HIPAA 164.514(b)(2)(i)(C)): ``92 yo``, ``91 YO``, ``age 94``, ``aged 101``.

Safe Harbor lets ages up to 89 stand and asks that ages over 89 be
aggregated into "90 or older": so few people are that old that the age
narrows who the patient is. The patterns only take 90 to 119 next to an age
word ("yo", "y/o", "-year-old", "age", "aged"), so an age of 89 or less, a
pulse of 92, a saturation of 94% or a temperature of 98 never matches. The
number is reported, not its age word, so a redacted note keeps "[AGE] yo".
"""

from __future__ import annotations

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer

_OVER_89 = r"(?P<value>9[0-9]|1[01][0-9])"


class AgeRecognizer(Recognizer):
    name = "age"
    entity = "AGE"
    PATTERNS = (
        Pattern(
            "age over 89 and yo or year-old (strong)",
            rf"\b{_OVER_89}(?: ?-?(?:y/?o|yrs?(?:[ -]old)?|years?[ -]old)\b| ?y\.o\.)",
            0.8,
            ignore_case=True,
        ),
        Pattern(
            "age or aged and an age over 89 (strong)",
            rf"\bage[ds]?:? ?{_OVER_89}\b",
            0.8,
            ignore_case=True,
        ),
    )
    CONTEXT = ("age", "aged", "old", "elderly", "nonagenarian", "centenarian", "birthday")
    NEGATIVE_CONTEXT = ("ago", "since", "married", "smoked", "pack")

    def validate_result(self, text: str) -> bool | None:
        return text.isdigit() and 90 <= int(text) <= 119
