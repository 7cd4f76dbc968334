"""Entity names normalised for grouping and search.

The portal publishes the same organisation as "Anthem Inc.", "Anthem, Inc."
and "Anthem Inc. " (trailing space). The key drops case, accents,
punctuation and legal-form suffixes, so all three group as ``anthem`` while
the published name is kept unchanged for display.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate

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
# The batch form keeps its name and part separators through the clean-up.
# The batch form: names joined by a separator, every byte but a-z, 0-9 and it made a space.
_NAME_BREAK = "\x01"
_WORD_BYTES = bytes(
    c if (0x30 <= c <= 0x39 or 0x61 <= c <= 0x7A or c == 0x01) else 0x20 for c in range(256)
)
# What the batch form cannot do over the joined text: a "d/b/a" (or kin; these names take
# the one-at-a-time rules) and a possible dotted abbreviation (closed up name by name).
# Found with str.find, one literal at a time, and a pattern that starts with a literal:
# one alternation of them all had the regular expression engine try every position.
_ALIAS_MARKS = ("d/b/a", "d.b.a", "dba", "f/k/a", "fka", "a/k/a", "aka")
_MAYBE_DOTTED = re.compile(r"\.[a-z]\.")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_APOSTROPHE_CHARS = "'\u2019`"
_APOSTROPHES = re.compile(f"[{_APOSTROPHE_CHARS}]")
# "L.L.C." and "P.C." lose their dots before tokenising, so they read as one token.
_DOTTED = re.compile(r"\b((?:[a-z]\.){2,})")


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _undot(match: re.Match[str]) -> str:
    return match.group(1).replace(".", "")


def _clean(text: str) -> str:
    """Dotted abbreviations closed up, apostrophes dropped, "&" spelled out."""
    return _APOSTROPHES.sub("", _DOTTED.sub(_undot, text)).replace("&", " and ")


def _words(part: str) -> list[str]:
    """One name's words, without a leading "the" or trailing legal-form suffixes."""
    return _trim(_NON_WORD.sub(" ", _clean(part)).split())


def _trim(tokens: list[str]) -> list[str]:
    while len(tokens) > 1 and tokens[-1] in _LEGAL_SUFFIXES:
        tokens.pop()
    if len(tokens) > 1 and tokens[0] == "the":
        tokens.pop(0)
    return tokens


def _occurrences(text: str, needles: Sequence[str]) -> list[int]:
    """Where each needle occurs in ``text`` (overlaps included), in no particular order."""
    found = []
    for needle in needles:
        at = text.find(needle)
        while at >= 0:
            found.append(at)
            at = text.find(needle, at + 1)
    return found


@lru_cache(maxsize=65536)
def normalise_entity(name: str) -> str:
    """The grouping key of an entity name: lowercase words, no punctuation or legal suffix.

    Each side of a "d/b/a" is cleaned on its own, so "MHNU Corporation d/b/a
    Medical Home Network" keeps both names without the "Corporation".
    """
    parts = _DBA.split(_fold(name))
    return " ".join(word for part in parts for word in _words(part))


def normalise_entities(names: Sequence[str]) -> list[str]:
    """``normalise_entity`` of many names at once: the same keys, several times faster.

    An import normalises thousands of names, and short regular-expression
    calls dominate that. Most names need only folding, dropping punctuation
    and trimming, which string methods do over all names joined at once.
    Scans of the joined text find the few that need more: a name with a
    "d/b/a" (or kin) is split there, each side cleaned as a name of its own
    and the keys joined again; a dotted abbreviation is closed up in its
    name alone.
    """
    joined = _NAME_BREAK.join(names)
    if not names or joined.count(_NAME_BREAK) != len(names) - 1:
        return [normalise_entity(name) for name in names]
    # Folded as one text; the few names that are not ASCII are folded one by one.
    folded = joined.lower().split(_NAME_BREAK)
    if not joined.isascii():
        ends = list(accumulate(len(name) + 1 for name in names))
        for index in {bisect_right(ends, m.start()) for m in _NOT_ASCII.finditer(joined)}:
            folded[index] = _fold(names[index])
    joined = _NAME_BREAK.join(folded)
    sides = _split_aliases(folded, joined)  # name index -> indexes of its other sides
    if sides:
        joined = _NAME_BREAK.join(folded)
    ends = list(accumulate(len(name) + 1 for name in folded))
    dotted = {bisect_right(ends, match.start()) for match in _MAYBE_DOTTED.finditer(joined)}
    if dotted:
        for index in dotted:
            folded[index] = _DOTTED.sub(_undot, folded[index])
        joined = _NAME_BREAK.join(folded)
    # str.replace, not str.translate: translate goes character by character through a
    # mapping, several times slower over the whole joined text.
    for apostrophe in _APOSTROPHE_CHARS:
        joined = joined.replace(apostrophe, "")
    plain = joined.replace("&", " and ")
    words = plain.encode("ascii", "replace").translate(_WORD_BYTES).decode("ascii")
    # _trim is called only for names it may change: a call per name was a fifth of the cost.
    keys = [
        " ".join(
            _trim(tokens)
            if len(tokens) > 1 and (tokens[-1] in _LEGAL_SUFFIXES or tokens[0] == "the")
            else tokens
        )
        for tokens in map(str.split, words.split(_NAME_BREAK))
    ]
    for index, others in sides.items():
        keys[index] = " ".join(key for key in (keys[index], *(keys[k] for k in others)) if key)
    return keys[: len(names)]


def _split_aliases(folded: list[str], joined: str) -> dict[int, list[int]]:
    """Split each folded name at its "d/b/a" (or kin), as ``normalise_entity`` does.

    The first side stays in the name's place and the others are appended to
    ``folded``; returns, for each name split, where its other sides went.
    """
    ends = list(accumulate(len(name) + 1 for name in folded))
    marked = {bisect_right(ends, at) for at in _occurrences(joined, _ALIAS_MARKS)}
    sides: dict[int, list[int]] = {}
    for index in sorted(marked):
        first, *others = _DBA.split(folded[index])
        if others:  # not a mark inside a word ("alaska"): a real alias
            folded[index] = first
            sides[index] = list(range(len(folded), len(folded) + len(others)))
            folded.extend(others)
    return sides
