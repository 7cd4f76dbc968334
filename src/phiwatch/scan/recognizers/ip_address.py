"""IPv4 addresses (HIPAA identifier 15); loopback, network and broadcast addresses ignored."""

from __future__ import annotations

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer


class IpAddressRecognizer(Recognizer):
    name = "ip_address"
    entity = "IP_ADDRESS"
    PATTERNS = (
        Pattern("IPv4 dotted quad (medium)", r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", 0.6),
    )
    CONTEXT = ("ip", "address", "host", "client", "login", "logged", "source")
    NEGATIVE_CONTEXT = ("version", "release", "build")

    def validate_result(self, text: str) -> bool | None:
        parts = text.split(".")
        return len(parts) == 4 and all(p.isdigit() and int(p) <= 255 for p in parts)

    def invalidate_result(self, text: str) -> bool:
        # Loopback and unspecified addresses name no one; x.x.x.0 and x.x.x.255 are
        # network and broadcast addresses, written for ranges ("10.0.0.0/8"), not hosts.
        return text.startswith(("127.", "0.")) or text.endswith((".0", ".255"))
