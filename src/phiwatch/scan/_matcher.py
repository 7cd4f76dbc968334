"""Find candidate matches of many patterns in one pass over the bytes.

Python's ``re`` walks the text once per pattern and is slow on alternations
(about 2 MB/s for the full set); Hyperscan compiles every pattern into one
automaton and reports each match with its leftmost start in a single pass,
an order of magnitude faster. The ``re`` engine stays as the fallback where
Hyperscan cannot be imported or cannot compile a pattern, and as the
reference the tests compare against.
"""

from __future__ import annotations

import hashlib
import importlib
import operator
import re
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from phiwatch.scan._pattern import Pattern

_sre_parse: Any = importlib.import_module("re._parser")  # the parser behind re, for widths

Candidate = tuple[int, "re.Match[bytes]"]
"""(pattern index, the match): the match gives the span and the ``value`` group."""

MAX_LOOKBACK = 1024
"""Longest match searched for when only its end is known."""
SOM_WIDTH = 96
"""Patterns that can match more than this many bytes (names, addresses, labelled numbers,
unbounded repeats) ask Hyperscan for each match's start: searching for it afterwards in
that many bytes costs more than Hyperscan's tracking. Shorter ones (the numeric
identifiers, most of the candidates) recover the start with ``re``, which keeps the
pass fast. A pattern with a prefilter always recovers (its prefilter's start is not
the match's)."""

_hs: Any
try:  # pragma: no cover - depends on the platform's wheel
    import hyperscan as _hs
except ImportError:  # pragma: no cover
    _hs = None


class Matcher(Protocol):
    def candidates(self, data: bytes) -> list[Candidate]: ...


_FIRST_THREE = operator.itemgetter(0, 1, 2)


def _normalise(found: list[tuple[int, int, int, re.Match[bytes]]]) -> list[Candidate]:
    """Leftmost-longest per pattern: drop matches nested in a longer one of the same pattern.

    ``found`` holds (start, -end, pattern index, match). Hyperscan reports every
    end offset a pattern can reach; overlapping matches are kept ("Mary Ann"
    and "Ann Smith" become one name later), nested ones are noise.
    """
    found.sort(key=_FIRST_THREE)
    result: list[Candidate] = []
    reach: dict[int, int] = {}
    for _, negative_end, index, match in found:
        if -negative_end <= reach.get(index, -1):
            continue
        reach[index] = -negative_end
        result.append((index, match))
    return result


def _raw_width(pattern: Pattern) -> int:
    return int(_sre_parse.parse(pattern.regex).getwidth()[1])


def _needs_som(pattern: Pattern) -> bool:
    if pattern.prefilter is not None:
        return False
    return _raw_width(pattern) > SOM_WIDTH


def _max_width(pattern: Pattern) -> int:
    return min(_raw_width(pattern), MAX_LOOKBACK)


class ReMatcher:
    """One search loop per pattern: slow, simple, always available.

    It restarts one byte after each match's start, so it finds overlapping
    matches as Hyperscan does.
    """

    def __init__(self, patterns: Sequence[Pattern], indexes: Sequence[int] | None = None) -> None:
        chosen = range(len(patterns)) if indexes is None else indexes
        self._compiled = [(i, patterns[i].compiled) for i in chosen]

    def raw(self, data: bytes) -> list[tuple[int, int, int, re.Match[bytes]]]:
        found: list[tuple[int, int, int, re.Match[bytes]]] = []
        for index, compiled in self._compiled:
            match = compiled.search(data)
            while match is not None:
                found.append((match.start(), -match.end(), index, match))
                match = compiled.search(data, match.start() + 1)
        return found

    def candidates(self, data: bytes) -> list[Candidate]:
        return _normalise(self.raw(data))


_COMPILED: dict[str, tuple[bytes | None, tuple[int, ...]]] = {}
"""Serialised databases by pattern-set digest: compiling takes about a second, loading
a serialised one a millisecond, so each process compiles a given set once and a pool's
workers load what the parent compiled (``export`` / ``preload``)."""


def patterns_digest(patterns: Sequence[Pattern]) -> str:
    digest = hashlib.sha256()
    for pattern in patterns:
        digest.update(f"{pattern.regex}\0{pattern.ignore_case}\0".encode())
    return digest.hexdigest()


def preload(digest: str, serialised: bytes | None, rejected: tuple[int, ...]) -> None:
    """Install a database compiled elsewhere (by the parent of a process pool)."""
    _COMPILED[digest] = (serialised, rejected)


class HyperscanMatcher:
    """Every pattern in one Hyperscan database, scanned once; ``re`` for any it rejects."""

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        if _hs is None:
            raise RuntimeError("hyperscan is not installed")
        self.digest = patterns_digest(patterns)
        if self.digest not in _COMPILED:
            _COMPILED[self.digest] = self._build(patterns)
        serialised, rejected = _COMPILED[self.digest]
        self._database: Any = None
        self._scratch = threading.local()
        if serialised:
            self._database = _hs.loadb(serialised, _hs.HS_MODE_BLOCK)
            self._prototype = _hs.Scratch(self._database)
        self._fallback = ReMatcher(patterns, rejected) if rejected else None
        self.fallback_patterns = tuple(patterns[i].name for i in rejected)
        self._compiled = [p.compiled for p in patterns]
        self._widths = [_max_width(p) for p in patterns]
        self._som = [_needs_som(p) for p in patterns]

    def export(self) -> tuple[str, bytes | None, tuple[int, ...]]:
        """What ``preload`` needs to rebuild this matcher in another process."""
        serialised, rejected = _COMPILED[self.digest]
        return self.digest, serialised, rejected

    @classmethod
    def _build(cls, patterns: Sequence[Pattern]) -> tuple[bytes | None, tuple[int, ...]]:
        assert _hs is not None
        accepted = list(range(len(patterns)))
        database = cls._compile(patterns, accepted)
        if database is None:  # find the patterns Hyperscan refuses, keep the rest
            accepted = [i for i in accepted if cls._compile(patterns, [i]) is not None]
            database = cls._compile(patterns, accepted) if accepted else None
        rejected = tuple(sorted(set(range(len(patterns))) - set(accepted)))
        return (bytes(_hs.dumpb(database)) if database is not None else None), rejected

    @staticmethod
    def _flags(pattern: Pattern) -> int:
        assert _hs is not None
        flags = int(_hs.HS_FLAG_SOM_LEFTMOST) if _needs_som(pattern) else 0
        if pattern.ignore_case:
            flags |= int(_hs.HS_FLAG_CASELESS)
        return flags

    @classmethod
    def _compile(cls, patterns: Sequence[Pattern], indexes: list[int]) -> Any:
        """A database of ``patterns[indexes]``, or None when Hyperscan refuses one of them."""
        assert _hs is not None
        database = _hs.Database(mode=_hs.HS_MODE_BLOCK)
        try:
            database.compile(
                expressions=[patterns[i].plain_regex.encode("ascii") for i in indexes],
                ids=indexes,
                elements=len(indexes),
                flags=[cls._flags(patterns[i]) for i in indexes],
            )
        except _hs.error:
            return None
        return database

    def candidates(self, data: bytes) -> list[Candidate]:
        ends: list[tuple[int, int, int]] = []
        if self._database is not None and data:
            append = ends.append

            def on_match(index: int, start: int, end: int, flags: int, context: object) -> None:
                append((index, start, end))

            self._database.scan(data, match_event_handler=on_match, scratch=self._thread_scratch())
        found: list[tuple[int, int, int, re.Match[bytes]]] = []
        som = self._som
        for index, start, end in ends:
            if som[index]:
                match = self._compiled[index].fullmatch(data, start, end)
            else:
                match = self._recover(data, index, end)
            if match is not None:
                found.append((match.start(), -end, index, match))
        if self._fallback is not None:
            found.extend(self._fallback.raw(data))
        return _normalise(found)

    def _thread_scratch(self) -> Any:
        """Hyperscan's scratch space is per thread (the gateway scans from a thread pool)."""
        scratch = getattr(self._scratch, "value", None)
        if scratch is None:
            scratch = self._scratch.value = self._prototype.clone()
        return scratch

    def _recover(self, data: bytes, index: int, end: int) -> re.Match[bytes] | None:
        """The leftmost match of pattern ``index`` that ends at ``end``.

        Hyperscan without start-of-match tracking runs about twice as fast and
        reports only ends; ``re`` finds the start on the few bytes before it.
        """
        compiled = self._compiled[index]
        low = max(0, end - self._widths[index])
        match = compiled.search(data, low, end)
        while match is not None and match.end() != end:
            match = compiled.search(data, match.start() + 1, end)
        return match


def build_matcher(patterns: Sequence[Pattern], *, engine: str = "auto") -> Matcher:
    """``engine``: ``"hyperscan"``, ``"re"`` or ``"auto"`` (Hyperscan when available)."""
    if engine == "re" or (engine == "auto" and _hs is None):
        return ReMatcher(patterns)
    return HyperscanMatcher(patterns)


def hyperscan_available() -> bool:
    return _hs is not None
