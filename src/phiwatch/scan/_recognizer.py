"""The shape every recognizer shares: patterns, context words, validators.

A recognizer is a small class per identifier type. Its ``PATTERNS`` find
candidates, its ``CONTEXT`` words near a candidate raise the confidence (and
``NEGATIVE_CONTEXT`` words such as "order" or "invoice" lower it), and two
hooks decide what the regex cannot: ``validate_result`` runs a checksum or a
format check, ``invalidate_result`` rejects known fakes. Both hooks must
return rather than raise on odd input; ``check`` enforces that anyway so one
bad recognizer cannot stop a scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from phiwatch.errors import ConfigurationError
from phiwatch.scan._pattern import Pattern

_FORBIDDEN_CONTEXT = frozenset({"number", "id", "code", "no", "num", "#"})


def _word_table() -> bytes:
    table = bytearray(b" " * 256)
    for byte in b"abcdefghijklmnopqrstuvwxyz0123456789":
        table[byte] = byte
    for byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[byte] = byte | 0x20
    return bytes(table)


WORD_BYTES = _word_table()
"""Lower-cases A-Z, keeps a-z and 0-9, turns every other byte into a space: with it,
``bytes.translate`` and ``split`` cut a window into its lower-case words in C, several
times faster than a regex and a Python loop."""


def window_words(window: bytes) -> list[bytes]:
    """The words of a context window, lower-cased: its runs of letters and digits."""
    return window.translate(WORD_BYTES).split()


def _occurrences(window: bytes, word: str) -> list[int]:
    """Where ``word`` (lower-case, a single word or a phrase) starts whole in the lower-cased
    ``window``."""
    phrase = word.encode("ascii")
    found: list[int] = []
    at = window.find(phrase)
    while at >= 0:
        before = window[at - 1 : at] if at else b""
        after = window[at + len(phrase) : at + len(phrase) + 1]
        if not before.isalnum() and not after.isalnum():
            found.append(at)
        at = window.find(phrase, at + 1)
    return found


def word_distance(window: bytes, word: str, value_start: int, value_end: int) -> tuple[int, int]:
    """How near ``word`` comes to the value at ``value_start``..``value_end`` of ``window``:
    (words between them, 0 before the value or 1 after it), the nearest occurrence.

    Counted in words, not bytes, so that "NPI: 1119130965" and "NPI 1119130965" are the
    same label; on a tie the word before the value is the nearer, as a label precedes the
    value it names ("NPI 1119130965 Order 44": the NPI label, not the order after it).
    Only called when a context and a negative word are both in a window (rare).
    """
    lowered = window.lower()
    best = (1 << 30, 1)
    for at in _occurrences(lowered, word):
        if at < value_start:
            gap = lowered[at + len(word) : value_start]
            distance = (len(gap.translate(WORD_BYTES).split()), 0)
        elif at >= value_end:
            distance = (len(lowered[value_end:at].translate(WORD_BYTES).split()), 1)
        else:  # inside the value: a word of the value itself, the nearest there is
            distance = (0, 1)
        if distance < best:
            best = distance
    return best


class Anything:
    """Stands for ``ContextWords.keys`` where no word can rule the window out."""

    @staticmethod
    def isdisjoint(words: object) -> bool:
        return False

    @staticmethod
    def intersection(words: object) -> frozenset[bytes]:
        """Two entries, so that a caller never takes one found word for the answer and
        always asks ``ContextWords.first``."""
        return _TWO


_TWO = frozenset({b"", b" "})


class ContextWords:
    """Context words matched whole: single words by set look-up on the window's words
    (one split serves every check), phrases ("date of birth", "ss#") by search.

    ``keys`` rules most windows out with one C-level ``isdisjoint`` on their words:
    the single words, and each phrase's first word (a phrase can only occur whole
    where its first word is one of the window's words).
    """

    def __init__(self, words: Sequence[str]) -> None:
        lowered = [w.lower().encode("ascii") for w in words]
        self.singles = frozenset(w for w in lowered if w.isalnum())
        self.phrases = tuple(sorted((w for w in lowered if not w.isalnum()), key=len, reverse=True))
        firsts = [window_words(p)[:1] for p in self.phrases]
        self.keys: frozenset[bytes] | Anything = (
            Anything()  # a phrase with no letter or digit ("#!") is always searched for
            if any(not first for first in firsts)
            else self.singles.union(*firsts)
        )
        self._names = {w: w.decode("ascii") for w in (*self.singles, *self.phrases)}
        self.single_names = {w: self._names[w] for w in self.singles}
        """The single words by name: where a window holds one key and it is one of these,
        it is the first context word, found without calling ``first``."""

    def __bool__(self) -> bool:
        return bool(self.singles or self.phrases)

    def first(self, tokens: Sequence[bytes], window: bytes) -> str | None:
        """The first context word in ``window`` (``tokens`` are its words), or None.

        Single words win over phrases, the earliest single word first; among phrases
        the longest that occurs whole (not inside a longer word) wins. ``window`` may be
        in any case (``tokens`` are lower-case, as ``window_words`` gives them).
        """
        found = self.singles.intersection(tokens)
        if found:  # the earliest in the window; most windows hold one, found without a loop
            if len(found) == 1:
                (word,) = found
                return self._names[word]
            return self._names[next(filter(found.__contains__, tokens))]
        if self.phrases and not self.keys.isdisjoint(tokens):
            window = window.lower()
            for phrase in self.phrases:
                at = window.find(phrase)
                while at >= 0:
                    before = window[at - 1 : at] if at else b""
                    after = window[at + len(phrase) : at + len(phrase) + 1]
                    if not before.isalnum() and not after.isalnum():
                        return self._names[phrase]
                    at = window.find(phrase, at + 1)
        return None


class Recognizer:
    """Base class: subclasses set the class attributes and may override the two hooks."""

    name: ClassVar[str]
    """Registry key, the module name: ``ssn``, ``npi``, ..."""
    entity: ClassVar[str]
    """The PHI type reported: ``SSN``, ``NPI``, ``DATE``, ..."""
    PATTERNS: ClassVar[tuple[Pattern, ...]] = ()
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    NEGATIVE_CONTEXT: ClassVar[tuple[str, ...]] = ()
    enabled_by_default: ClassVar[bool] = True
    context_boost: ClassVar[float] = 0.35
    negative_penalty: ClassVar[float] = 0.4
    requires_nearby: ClassVar[frozenset[str]] = frozenset()
    """Types of which one must be found within ``nearby_bytes`` for this type to count
    (a drug name is health information only next to someone's identifiers)."""
    nearby_bytes: ClassVar[int] = 300

    def __init__(
        self,
        patterns: Sequence[Pattern] | None = None,
        context: Sequence[str] | None = None,
        negative_context: Sequence[str] | None = None,
    ) -> None:
        self.patterns: tuple[Pattern, ...] = tuple(self.PATTERNS if patterns is None else patterns)
        self.context: tuple[str, ...] = tuple(self.CONTEXT if context is None else context)
        self.negative_context: tuple[str, ...] = tuple(
            self.NEGATIVE_CONTEXT if negative_context is None else negative_context
        )
        if not self.patterns:
            raise ConfigurationError(f"recognizer {self.name!r} has no patterns")
        for word in (*self.context, *self.negative_context):
            if word.strip().lower() in _FORBIDDEN_CONTEXT or not word.isascii():
                raise ConfigurationError(
                    f"recognizer {self.name!r}: context word {word!r} is too vague or not ASCII"
                )
        self.context_words = ContextWords(self.context)
        self.negative_words = ContextWords(self.negative_context)

    def validate_result(self, text: str) -> bool | None:
        """``True`` when a checksum or format check passes, ``False`` to reject, ``None``
        when this type has no such check."""
        return None

    def invalidate_result(self, text: str) -> bool:
        """``True`` for values known to be fake or impossible (sample SSNs, ...)."""
        return False

    def adjust_score(self, text: str, score: float, pattern: str) -> float:
        """A last word on the confidence of a value that passed validation.

        ``pattern`` is the name of the pattern that matched; ``score`` is its score.
        """
        return score

    def check(self, text: str) -> bool | None:
        """Run both hooks: ``False`` rejects, ``True`` validated, ``None`` unchecked.

        Never raises: a hook that fails on odd input rejects that candidate.
        """
        try:
            if self.invalidate_result(text):
                return False
            return self.validate_result(text)
        except Exception:  # a recognizer bug must not end the scan
            return False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
