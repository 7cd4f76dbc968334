"""Entity names normalised for grouping and search.

The portal publishes the same organisation as "Anthem Inc.", "Anthem, Inc."
and "Anthem Inc. " (trailing space). The key drops case, accents,
punctuation and legal-form suffixes, so all three group as ``anthem`` while
the published name is kept unchanged for display.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_LEGAL_SUFFIXES = frozenset(
    {
        "inc",
        "incorporated",
        "llc",
        "pllc",
        "pc",
        "pa",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "lp",
        "llp",
        "lllp",
        "plc",
        "sc",
    }
)
_DBA = re.compile(r"\b(?:d/b/a|d\.b\.a\.?|dba|f/k/a|fka|a/k/a|aka)\b", re.IGNORECASE)
_NON_WORD = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['’`]")  # noqa: RUF001
# "L.L.C." and "P.C." lose their dots before tokenising, so they read as one token.
_DOTTED = re.compile(r"\b((?:[a-z]\.){2,})")


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _words(part: str) -> list[str]:
    """One name's words, without a leading "the" or trailing legal-form suffixes."""
    part = _DOTTED.sub(lambda m: m.group(1).replace(".", ""), part)
    part = _APOSTROPHES.sub("", part).replace("&", " and ")
    tokens = _NON_WORD.sub(" ", part).split()
    while len(tokens) > 1 and tokens[-1] in _LEGAL_SUFFIXES:
        tokens.pop()
    if len(tokens) > 1 and tokens[0] == "the":
        tokens.pop(0)
    return tokens


@lru_cache(maxsize=65536)
def normalise_entity(name: str) -> str:
    """The grouping key of an entity name: lowercase words, no punctuation or legal suffix.

    Each side of a "d/b/a" is cleaned on its own, so "MHNU Corporation d/b/a
    Medical Home Network" keeps both names without the "Corporation".
    """
    parts = _DBA.split(_fold(name))
    return " ".join(word for part in parts for word in _words(part))
