"""What the keyed-hash companions of ``monitor_person`` are computed from.

The detectors ask "same surname?", "same address?", "same street, a few
doors away?" and "is this employee also a patient here?". The values are
encrypted, so the questions are asked of keyed hashes, and two spellings
the detectors treat as equal must hash alike. ``KeyedHash`` already folds
case, accents (NFKC) and spacing; this module adds what it cannot know:

* birth dates are hashed as ISO dates (``1970-01-02``), the form respond's
  leaked-file matching hashes a dump's dates in;
* address parts also drop punctuation (``12 Main St.`` = ``12 main st``),
  and a line is split into its house number and the street, so "nearby"
  (same street, house numbers a few apart) needs only the street's hash
  and, for the few candidates, the decrypted number.

Names and identifiers are hashed as they are (no punctuation folding):
respond hashes a dump's words with the same store-wide normalisation, so
``O'Brien`` must stay ``o'brien`` on both sides.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

_LEADING_NUMBER = re.compile(r"^\s*([0-9]+)")
_LEADING_NUMBER_AND_SPACE = re.compile(r"^\s*[0-9]+\s*")
# Anything that is neither a letter, a digit nor a space: punctuation and symbols.
_PUNCTUATION = re.compile(r"[^\w\s]|_")


def _blank(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def birth_key(value: Any) -> str | None:
    """A birth date as ``YYYY-MM-DD`` when it is a date, else the trimmed text (``1970``)."""
    text = _blank(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return text


def address_key(value: Any) -> str | None:
    """An address part without punctuation or symbols, folded and single-spaced; None if empty."""
    text = _blank(value)
    if text is None:
        return None
    kept = _PUNCTUATION.sub(" ", unicodedata.normalize("NFKC", text))
    folded = " ".join(kept.casefold().split())
    return folded or None


def house_number(line: Any) -> int | None:
    """The number a street line starts with (``12`` of ``12 Elm Street``), or None."""
    if line is None:
        return None
    found = _LEADING_NUMBER.match(str(line))
    return int(found.group(1)) if found else None


def street_key(line: Any) -> str | None:
    """The street of a line: the line without its leading house number, as ``address_key``."""
    if line is None:
        return None
    return address_key(_LEADING_NUMBER_AND_SPACE.sub("", str(line), count=1))


def hash_sources(
    *,
    identifier: Any,
    family: Any,
    given: Any,
    birth_date: Any,
    line: Any,
    city: Any,
    postal_code: Any,
) -> dict[str, str | None]:
    """The values to assign to the ``*_hash`` columns (``KeyedHash`` hashes them on write)."""
    return {
        "identifier_hash": _blank(identifier),
        "family_hash": _blank(family),
        "given_hash": _blank(given),
        "birth_date_hash": birth_key(birth_date),
        "address_hash": address_key(line),
        "street_hash": street_key(line),
        "city_hash": address_key(city),
        "postal_code_hash": address_key(postal_code),
    }
