"""The portal's fixed vocabularies: types of breach, locations, entity types, lists, sizes.

Types and locations are stored as bit sets (``IntFlag``) so that a breach
with "Hacking/IT Incident, Theft" is one row whose ``breach_types`` has two
bits, filterable and groupable in SQL on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntFlag, StrEnum

from phiwatch.errors import InputError

# How lists are sorted when nobody says: newest submissions first.
DEFAULT_SORT = "-submitted"


class BreachType(IntFlag):
    """The 7 types of breach the portal uses."""

    HACKING = 1
    UNAUTHORIZED = 2
    THEFT = 4
    LOSS = 8
    DISPOSAL = 16
    OTHER = 32
    UNKNOWN = 64


class Location(IntFlag):
    """The 8 locations of breached information the portal uses."""

    NETWORK_SERVER = 1
    EMAIL = 2
    PAPER = 4
    LAPTOP = 8
    EMR = 16
    DESKTOP = 32
    PORTABLE = 64
    OTHER = 128


class ListName(StrEnum):
    """The portal's two lists."""

    archive = "archive"
    investigation = "investigation"


BREACH_TYPE_LABELS: dict[BreachType, str] = {
    BreachType.HACKING: "Hacking/IT Incident",
    BreachType.UNAUTHORIZED: "Unauthorized Access/Disclosure",
    BreachType.THEFT: "Theft",
    BreachType.LOSS: "Loss",
    BreachType.DISPOSAL: "Improper Disposal",
    BreachType.OTHER: "Other",
    BreachType.UNKNOWN: "Unknown",
}

LOCATION_LABELS: dict[Location, str] = {
    Location.NETWORK_SERVER: "Network Server",
    Location.EMAIL: "Email",
    Location.PAPER: "Paper/Films",
    Location.LAPTOP: "Laptop",
    Location.EMR: "Electronic Medical Record",
    Location.DESKTOP: "Desktop Computer",
    Location.PORTABLE: "Other Portable Electronic Device",
    Location.OTHER: "Other",
}

# Short names accepted on the command line and in URLs, besides the full labels.
BREACH_TYPE_ALIASES: dict[str, BreachType] = {
    "hacking": BreachType.HACKING,
    "unauthorized": BreachType.UNAUTHORIZED,
    "theft": BreachType.THEFT,
    "loss": BreachType.LOSS,
    "disposal": BreachType.DISPOSAL,
    "other": BreachType.OTHER,
    "unknown": BreachType.UNKNOWN,
}

LOCATION_ALIASES: dict[str, Location] = {
    "server": Location.NETWORK_SERVER,
    "email": Location.EMAIL,
    "paper": Location.PAPER,
    "laptop": Location.LAPTOP,
    "emr": Location.EMR,
    "desktop": Location.DESKTOP,
    "portable": Location.PORTABLE,
    "other": Location.OTHER,
}

ENTITY_TYPES = (
    "Healthcare Provider",
    "Health Plan",
    "Business Associate",
    "Healthcare Clearing House",
)

# (label, lower bound inclusive, upper bound exclusive or None)
SIZE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("500-999", 0, 1_000),
    ("1k-9,999", 1_000, 10_000),
    ("10k-99,999", 10_000, 100_000),
    ("100k-999,999", 100_000, 1_000_000),
    ("1M-9,999,999", 1_000_000, 10_000_000),
    ("10M+", 10_000_000, None),
)
SIZE_UNKNOWN = "unknown"

# Plain ints, so a parsed bit set is a plain int too: the SQLite driver binds an int
# subclass (an IntFlag) through its adapter lookup, which doubled the cost of an insert.
_TYPE_BY_LABEL = {label.lower(): int(flag) for flag, label in BREACH_TYPE_LABELS.items()}
_LOCATION_BY_LABEL = {label.lower(): int(flag) for flag, label in LOCATION_LABELS.items()}


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """What a filter form offers: (value accepted by the filters, portal label) per filter."""
    return {
        "type": [(alias, BREACH_TYPE_LABELS[flag]) for alias, flag in BREACH_TYPE_ALIASES.items()],
        "location": [(alias, LOCATION_LABELS[flag]) for alias, flag in LOCATION_ALIASES.items()],
        "entity_type": [
            ("provider", "Healthcare Provider"),
            ("plan", "Health Plan"),
            ("associate", "Business Associate"),
            ("clearinghouse", "Healthcare Clearing House"),
        ],
    }


# Plain ints: ``mask & flag`` with an IntFlag goes through the enum machinery, which was a
# third of the cost of a page of 50 breaches.
_TYPE_BITS = tuple((int(flag), label) for flag, label in BREACH_TYPE_LABELS.items())
_LOCATION_BITS = tuple((int(flag), label) for flag, label in LOCATION_LABELS.items())


def labels_of_types(mask: int) -> list[str]:
    return [label for bit, label in _TYPE_BITS if mask & bit]


def labels_of_locations(mask: int) -> list[str]:
    return [label for bit, label in _LOCATION_BITS if mask & bit]


def _parse_set(text: str, by_label: Mapping[str, int], what: str) -> int:
    """Parse "A, B" into a bit set; the portal separates values with comma and space."""
    mask = 0
    if not text.strip():
        return 0
    for part in text.split(","):
        flag = by_label.get(part.strip().lower())
        if flag is None:
            expected = ", ".join(sorted({k.title() for k in by_label}))
            raise ValueError(f"unknown {what} {part.strip()!r}; expected one of: {expected}")
        mask |= flag
    return mask


def parse_breach_types(text: str) -> int:
    """``"Hacking/IT Incident, Theft"`` → bit set. Raises ``ValueError`` on an unknown type."""
    return _parse_set(text, _TYPE_BY_LABEL, "type of breach")


def parse_locations(text: str) -> int:
    """``"Email, Network Server"`` → bit set. Raises ``ValueError`` on an unknown location."""
    return _parse_set(text, _LOCATION_BY_LABEL, "location")


def breach_type_from_user(text: str) -> BreachType:
    """A type named by a user: an alias (``hacking``) or the portal's label."""
    key = text.strip().lower()
    flag = BREACH_TYPE_ALIASES.get(key) or _TYPE_BY_LABEL.get(key)
    if flag is None:
        raise InputError(
            f"unknown type of breach {text!r}; use one of: {', '.join(BREACH_TYPE_ALIASES)}"
        )
    return BreachType(flag)


def location_from_user(text: str) -> Location:
    """A location named by a user: an alias (``emr``) or the portal's label."""
    key = text.strip().lower()
    flag = LOCATION_ALIASES.get(key) or _LOCATION_BY_LABEL.get(key)
    if flag is None:
        raise InputError(f"unknown location {text!r}; use one of: {', '.join(LOCATION_ALIASES)}")
    return Location(flag)


def size_bucket(individuals: int | None) -> str:
    if individuals is None:
        return SIZE_UNKNOWN
    for label, low, high in SIZE_BUCKETS:
        if individuals >= low and (high is None or individuals < high):
            return label
    return SIZE_UNKNOWN
