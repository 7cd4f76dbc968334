"""Health plan member, subscriber, group, policy and claim numbers, found by their label.

Payers use their own formats (letters, digits, a prefix for the plan), so
the value is whatever follows a specific label ("Member ID:", "Group #",
"Claim No.") provided it holds at least three digits; site formats go in the
scan configuration.
"""

from __future__ import annotations

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer
from phiwatch.scan.recognizers._util import digits_of

_LABEL = (
    r"(?:Member|Subscriber|Policy|Group|Grp|Claim|Plan|Insurance|Insured|Medicaid|Beneficiary"
    r"|Health Plan|Contract)(?: ID| Identifier| Number| No\.?| #|#)"
)


class HealthPlanRecognizer(Recognizer):
    name = "health_plan"
    entity = "HEALTH_PLAN_ID"
    PATTERNS = (
        Pattern(
            "health plan number after its label (strong)",
            _LABEL + r"[ \t]{0,4}(?:[:#=][ \t]{0,4})?(?P<value>[A-Z0-9][A-Z0-9-]{4,24})\b",
            0.8,
            ignore_case=True,
        ),
    )
    CONTEXT = ("member", "subscriber", "policy", "claim", "insurance", "payer", "plan")

    def validate_result(self, text: str) -> bool | None:
        return len(digits_of(text)) >= 3 and len(text) <= 20

    def invalidate_result(self, text: str) -> bool:
        number = digits_of(text)
        return len(set(number)) == 1 and len(number) == len(text)
