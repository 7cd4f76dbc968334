"""Find candidate matches of many patterns in one pass over the bytes.

Python's ``re`` walks the text once per pattern and is slow on alternations
(about 2 MB/s for the full set); Hyperscan compiles every pattern into one
automaton and reports each match in a single pass, an order of magnitude
faster. The ``re`` engine stays as the fallback where Hyperscan cannot be
imported or cannot compile a pattern, and as the reference the tests compare
against.

A candidate is three integers, (pattern index, value start, value end): no
match object, so a text dense in identifiers costs as little per candidate
as the work allows. How each pattern's span is recovered from Hyperscan's
report is decided once, when the matcher is built (``FIXED`` ... ``RECOVER`` below).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from phiwatch.scan._pattern import Pattern

_sre_parse: Any = importlib.import_module("re._parser")  # the parser behind re, for widths

Candidate = tuple[int, int, int]
"""(pattern index, start, end) of the part to report: the ``value`` group where the pattern
has one (a label such as "MRN:" is context, not PHI), else the whole match."""

_Found = tuple[int, int, int, int, int]
"""(match start, -match end, pattern index, value start, value end), before ``_normalise``."""

MAX_LOOKBACK = 1024
"""Longest match searched for when only its end is known."""


# How a Hyperscan report becomes a candidate, decided per pattern, cheapest first.
FIXED = 0
"""Every match has the same width and there is no ``value`` group: the start is the end
less the width, so Python does no matching at all (most numeric identifiers)."""
SOM = 1
"""Variable width, no ``value`` group: Hyperscan tracks the leftmost start (a few per
cent slower a byte) and ``re`` confirms the span with one anchored match, where the two
could disagree (``_end_safe``)."""
GROUP = 2
"""A ``value`` group: Hyperscan gives the span, ``re`` finds the group within it."""
PREFIX = 3
"""A prefilter that is the regex's own tail (the e-mail pattern's "@domain"): Hyperscan
tracks the prefilter's start, and ``re`` searches from as far before it as the rest of
the regex can reach (64 bytes for an address's local part, not the whole width)."""
RECOVER = 4
"""Any other prefilter (its start is not the match's): ``re`` searches back from the end
as far as the pattern can reach."""


_hs: Any
try:  # pragma: no cover - depends on the platform's wheel
    import hyperscan as _hs
except ImportError:  # pragma: no cover
    _hs = None


class Matcher(Protocol):
    def candidates(self, data: bytes) -> list[Candidate]: ...


def _normalise(found: list[_Found]) -> list[Candidate]:
    """Leftmost-longest per pattern: drop matches nested in a longer one of the same pattern.

    Hyperscan reports every end offset a pattern can reach; overlapping matches are
    kept ("Mary Ann" and "Ann Smith" become one name later), nested ones are noise.
    The result is in (start, -end, pattern index) order, whichever engine found it.
    """
    found.sort()
    result: list[Candidate] = []
    append = result.append
    reach: dict[int, int] = {}
    get = reach.get
    for _, negative_end, index, value_start, value_end in found:
        if -negative_end <= get(index, -1):
            continue
        reach[index] = -negative_end
        append((index, value_start, value_end))
    return result


def _widths(pattern: Pattern) -> tuple[int, int]:
    return _regex_widths(pattern.regex)


@functools.lru_cache(maxsize=4096)
def _regex_widths(regex: str) -> tuple[int, int]:
    """Parsing a regex for its widths takes longer than scanning a small file: each
    process does it once per regex, not once per scanner (``scan_paths`` builds one per
    sweep, the gateway one per configuration)."""
    low, high = _sre_parse.parse(regex).getwidth()
    return int(low), int(high)


def _prefix_width(pattern: Pattern) -> int | None:
    """The widest the regex's part before its prefilter can be, where the prefilter is
    the regex's literal tail; None otherwise (or when that part is no regex alone)."""
    prefilter, regex = pattern.prefilter, pattern.regex
    if prefilter is None or not regex.endswith(prefilter) or len(regex) == len(prefilter):
        return None
    try:
        high = _regex_widths(regex[: -len(prefilter)])[1]
    except (re.error, RecursionError):
        return None
    return high if high <= MAX_LOOKBACK else None


_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_END_ASSERTIONS = ("\\B", "$", "\\Z")


def _end_safe(pattern: Pattern) -> bool:
    """Whether, for a span that ends in a word byte, ``re`` surely accepts what Hyperscan
    reported.

    Both engines run the same regex and see the same bytes inside the span and before
    it; only assertions at the span's end differ, since ``re`` matching up to the end of
    the span takes it for the end of the text. There, ``\\b`` after a word byte holds for
    ``re`` whatever follows; ``\\B``, ``$`` and ``\\Z`` could disagree, and so could
    ``\\b`` after any other byte (an apostrophe before a capital letter is a word
    boundary to Hyperscan, not to ``re``, which sees no letter after it).
    """
    return not any(assertion in pattern.regex for assertion in _END_ASSERTIONS)


def _value_group(pattern: Pattern) -> int | str:
    return "value" if "value" in pattern.compiled.groupindex else 0


def _mode(pattern: Pattern) -> int:
    if pattern.prefilter is not None:
        return PREFIX if _prefix_width(pattern) is not None else RECOVER
    if _value_group(pattern) != 0:
        return GROUP
    low, high = _widths(pattern)
    return FIXED if low == high else SOM


def _reach(pattern: Pattern) -> int:
    """FIXED: the width; PREFIX: how far before the prefilter to search; RECOVER: how
    far before the end; else unused."""
    prefix = _prefix_width(pattern)
    if prefix is not None:
        return prefix
    low, high = _widths(pattern)
    return low if low == high else min(high, MAX_LOOKBACK)


class ReMatcher:
    """One search loop per pattern: slow, simple, always available.

    It restarts one byte after each match's start, so it finds overlapping
    matches as Hyperscan does.
    """

    def __init__(self, patterns: Sequence[Pattern], indexes: Sequence[int] | None = None) -> None:
        chosen = range(len(patterns)) if indexes is None else indexes
        self._compiled = [(i, patterns[i].compiled, _value_group(patterns[i])) for i in chosen]

    def raw(self, data: bytes) -> list[_Found]:
        found: list[_Found] = []
        for index, compiled, group in self._compiled:
            match = compiled.search(data)
            while match is not None:
                start, end = match.span(group)
                found.append((match.start(), -match.end(), index, start, end))
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
        digest.update(f"{pattern.regex}\0{pattern.ignore_case}\0{pattern.prefilter}\0".encode())
    return digest.hexdigest()


def preload(digest: str, serialised: bytes | None, rejected: tuple[int, ...]) -> None:
    """Install a database compiled elsewhere (by the parent of a process pool)."""
    _COMPILED[digest] = (serialised, rejected)


class _Scan:
    """One thread's scratch space and match buffer, reused from call to call: building
    them per call cost more than the Hyperscan pass on a one-kilobyte document."""

    __slots__ = ("ends", "on_match", "scratch")

    def __init__(self, scratch: Any) -> None:
        self.scratch = scratch
        self.ends: list[tuple[int, int, int]] = []
        append = self.ends.append

        def on_match(index: int, start: int, end: int, flags: int, context: object) -> None:
            append((index, start, end))

        self.on_match: Callable[[int, int, int, int, object], None] = on_match


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
        self._local = threading.local()
        if serialised:
            self._database = _hs.loadb(serialised, _hs.HS_MODE_BLOCK)
            self._prototype = _hs.Scratch(self._database)
        self._fallback = ReMatcher(patterns, rejected) if rejected else None
        self.fallback_patterns = tuple(patterns[i].name for i in rejected)
        self._compiled = [p.compiled for p in patterns]
        self._groups = [_value_group(p) for p in patterns]
        self._modes = [_mode(p) for p in patterns]
        self._widths = [_reach(p) for p in patterns]
        self._end_safe = [_mode(p) == SOM and _end_safe(p) for p in patterns]

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
        flags = int(_hs.HS_FLAG_SOM_LEFTMOST) if _mode(pattern) in (SOM, GROUP, PREFIX) else 0
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
        found: list[_Found] = []
        if self._database is not None and data:
            scan = self._thread_scan()
            ends = scan.ends
            try:
                self._database.scan(data, match_event_handler=scan.on_match, scratch=scan.scratch)
                self._spans(data, ends, found)
            finally:
                ends.clear()
        if self._fallback is not None:
            found.extend(self._fallback.raw(data))
        return _normalise(found)

    def _spans(self, data: bytes, ends: list[tuple[int, int, int]], found: list[_Found]) -> None:
        """Turn Hyperscan's (index, start, end) reports into spans, each as its mode says."""
        append = found.append
        modes, widths, compiled, groups = self._modes, self._widths, self._compiled, self._groups
        end_safe, word_bytes = self._end_safe, _WORD_BYTES
        for index, start, end in ends:
            mode = modes[index]
            if mode == FIXED:
                start = end - widths[index]
                append((start, -end, index, start, end))
                continue
            if end_safe[index] and data[end - 1] in word_bytes:  # SOM: the span is sure
                append((start, -end, index, start, end))
                continue
            if mode < PREFIX:  # SOM or GROUP: Hyperscan's start is the match's
                match = compiled[index].fullmatch(data, start, end)
            elif mode == PREFIX:
                match = self._recover(data, index, max(0, start - widths[index]), end)
            else:
                match = self._recover(data, index, max(0, end - widths[index]), end)
            if match is None:
                continue
            group = groups[index]
            value_start, value_end = match.span(group) if group else (match.start(), end)
            append((match.start(), -end, index, value_start, value_end))

    def _thread_scan(self) -> _Scan:
        """Hyperscan's scratch space is per thread (the gateway scans from a thread pool)."""
        scan: _Scan | None = getattr(self._local, "scan", None)
        if scan is None:
            scan = self._local.scan = _Scan(self._prototype.clone())
        return scan

    def _recover(self, data: bytes, index: int, low: int, end: int) -> re.Match[bytes] | None:
        """The leftmost match of pattern ``index`` that starts at ``low`` or after and
        ends at ``end`` (``low`` is as far back as such a match can start)."""
        compiled = self._compiled[index]
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
