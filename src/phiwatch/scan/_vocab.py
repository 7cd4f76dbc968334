"""Names the scan CLI's options offer, kept apart so that ``phiwatch scan --help`` is quick.

The help text and option types need these choices; the modules that act on
them pull in the scanner (Hyperscan, Faker's name lists), which a question
about options should not have to load.
"""

from __future__ import annotations

from enum import StrEnum


class RedactionStyle(StrEnum):
    """How a redacted copy replaces each finding: its type, a mask, or a keyed pseudonym."""

    label = "label"
    mask = "mask"
    pseudonym = "pseudonym"
