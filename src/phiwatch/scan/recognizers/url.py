"""Web addresses (HIPAA identifier 14: web URLs).

Most URLs in a document are not about a person, so the recognizer is weak
on its own; a portal or profile word near it raises it. It ships disabled
(weak recognizers do); enable it where portal links carry record locators.
"""

from __future__ import annotations

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer


class UrlRecognizer(Recognizer):
    name = "url"
    entity = "URL"
    enabled_by_default = False
    PATTERNS = (
        Pattern(
            "http or https URL (medium)",
            r"\bhttps?://[A-Za-z0-9.-]+(?::\d{1,5})?(?:/[A-Za-z0-9._~%!$&'()*+,;=:@/?#-]*)?",
            0.5,
        ),
    )
    CONTEXT = ("portal", "profile", "record", "chart", "patient", "link")

    def validate_result(self, text: str) -> bool | None:
        _, separator, rest = text.partition("://")
        host = rest.split("/", 1)[0].split(":", 1)[0]
        return bool(separator) and "." in host.strip(".")
