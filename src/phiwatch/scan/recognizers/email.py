"""E-mail addresses."""

from __future__ import annotations

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer

EXAMPLE_DOMAINS = frozenset({"example.com", "example.org", "example.net"})


class EmailRecognizer(Recognizer):
    name = "email"
    entity = "EMAIL"
    PATTERNS = (
        Pattern(
            "e-mail address (strong)",
            r"\b[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9-]{1,63}\.){1,6}[A-Za-z]{2,24}\b",
            0.9,
            # Anchored on the "@": scanning for it is several times faster than for
            # every run of letters that could start an address.
            prefilter=r"@(?:[A-Za-z0-9-]{1,63}\.){1,6}[A-Za-z]{2,24}\b",
        ),
    )
    CONTEXT = ("email", "e-mail", "mailto", "contact")

    def validate_result(self, text: str) -> bool | None:
        local, _, domain = text.rpartition("@")
        return (
            0 < len(local) <= 64
            and len(domain) <= 253
            and ".." not in text
            and not local.endswith(".")
            and "" not in (labels := domain.split("."))
            and max(map(len, labels)) <= 63
        )
