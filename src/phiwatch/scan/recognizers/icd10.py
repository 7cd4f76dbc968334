"""ICD-10-CM diagnosis codes: health information in their own right.

The dotted form (E11.65, S72.001A) is distinctive enough alone; the undotted
form (E1165) looks like a part number, so it needs a diagnosis word near it.
Chapter U (codes for special purposes) is left out.
"""

from __future__ import annotations

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer


class Icd10Recognizer(Recognizer):
    name = "icd10"
    entity = "ICD10"
    PATTERNS = (
        Pattern("ICD-10-CM dotted (medium)", r"\b[A-TV-Z]\d[0-9AB]\.[0-9A-TV-Z]{1,4}\b", 0.6),
        Pattern(
            "ICD-10-CM undotted (context only)",
            r"\b[A-TV-Z]\d[0-9AB][0-9A-TV-Z]{0,4}\b",
            0.3,
            needs_context=True,
        ),
    )
    CONTEXT = ("icd", "icd-10", "icd10", "diagnosis", "diagnoses", "dx", "diag")
    NEGATIVE_CONTEXT = ("version", "model", "part", "room", "flight", "vitamin")

    def validate_result(self, text: str) -> bool | None:
        compact = text.replace(".", "")
        return 3 <= len(compact) <= 7 and not compact[1:].isalpha()
