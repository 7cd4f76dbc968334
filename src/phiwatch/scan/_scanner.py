"""The scanner: candidates from one pass, then validation and context on candidates only.

Work per byte is one Hyperscan pass; everything in Python (decoding, the
checksum, the context look-up) runs only on candidates, which are rare in
ordinary text. Large inputs are scanned in overlapping chunks so memory
stays bounded: each chunk carries ``overlap`` bytes of the previous one as
look-back context, and matches that start in its last ``overlap`` bytes are
left to the next chunk, which sees them whole.

Text dense in identifiers (a value every 40 bytes in a clinical export) makes
the Python work per candidate the cost that counts, so the loop is kept lean:
each pattern's rule is unpacked from one tuple, candidates and hits are plain
tuples, a window's words are cut once (in C) for both the context and the
negative words, ``Reason`` values are shared (they are immutable), and the
line of a finding is counted only for findings that are reported. Where it was
built, this module runs compiled by mypyc (``phiwatch.scan._native``).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from phiwatch.scan._config import ScanConfig
from phiwatch.scan._findings import Finding, Reason, new_finding
from phiwatch.scan._matcher import HyperscanMatcher, build_matcher
from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import WORD_BYTES, Anything, Recognizer, word_distance
from phiwatch.scan._registry import build_recognizers

CONTEXT_BEFORE = 48
CONTEXT_AFTER = 16
DEFAULT_CHUNK = 4 * 1024 * 1024
DEFAULT_OVERLAP = 1024


@dataclass(frozen=True, slots=True)
class ColumnContext:
    """For delimited files: each column's header acts as a context word for its cells.

    ``column_context_from_header`` lower-cases the headers; others are matched whatever
    their case, as the text around a cell is.
    """

    delimiter: bytes
    headers: tuple[bytes, ...]


_Words = Callable[[Sequence[bytes], bytes], "str | None"]
_Keys = frozenset[bytes] | Anything

_Rule = tuple[
    int,  # the recognizer's rank: its index in ``Scanner.recognizers``
    str,  # the pattern's name
    float,  # the pattern's score
    bool,  # needs_context
    _Keys,  # words that may be context words: a window with none of them has none
    dict[bytes, str],  # ... the single words among them, by name: one alone is the first
    _Words,  # ... and the look-up of the first one, for any other case
    _Keys,  # the same for negative words
    _Words,
    # The hooks' results are taken as they come (``object``): compiled with mypyc, a
    # declared ``bool`` would refuse a hook that returns another true value.
    Callable[[str], object] | None,  # ``check`` where a recognizer overrides it
    Callable[[str], object] | None,  # else ``invalidate_result`` where overridden
    Callable[[str], object] | None,  # ... and ``validate_result`` where overridden
    Callable[[str, float, str], float] | None,  # ``adjust_score`` where overridden
    float,  # context boost
    float,  # negative penalty
]

_Hit = tuple[int, int, float, int, Reason, str]
"""(start, end, score, recognizer rank, reason, text): a candidate that passed."""

_BY_POSITION: Callable[[_Hit], tuple[int, int]] = lambda hit: (hit[0], -hit[1])  # noqa: E731


class Scanner:
    """Finds PHI in bytes or text with the recognizers a ``ScanConfig`` selects.

    Build one and reuse it: construction compiles every pattern into one
    automaton. One scanner may serve many threads; worker processes each
    build their own (from the parent's ``compiled_database``).
    """

    def __init__(
        self,
        config: ScanConfig | None = None,
        *,
        recognizers: Sequence[Recognizer] | None = None,
        engine: str = "auto",
    ) -> None:
        self.config = config or ScanConfig()
        self.recognizers = (
            list(recognizers) if recognizers is not None else build_recognizers(self.config)
        )
        self._patterns: list[tuple[Pattern, Recognizer]] = [
            (pattern, recognizer)
            for recognizer in self.recognizers
            for pattern in recognizer.patterns
        ]
        self._matcher = build_matcher([p for p, _ in self._patterns], engine=engine)
        rank = {id(r): i for i, r in enumerate(self.recognizers)}
        self._rules: list[_Rule] = [
            _rule(pattern, recognizer, rank[id(recognizer)])
            for pattern, recognizer in self._patterns
        ]
        self._entities = [r.entity for r in self.recognizers]
        self._names = [r.name for r in self.recognizers]
        self._nearby = [(r.requires_nearby, r.nearby_bytes) for r in self.recognizers]
        self._any_nearby = any(needed for needed, _ in self._nearby)
        self._reasons: dict[tuple[str, str | None, str | None, object, bool], Reason] = {}
        self._rounded: dict[float, float] = {}
        """Scores rounded for findings: ``round(x, 3)`` formats and parses a decimal string
        each time, and scores take few values."""

    # -- public API -------------------------------------------------------------------

    def compiled_database(self) -> tuple[str, bytes | None, tuple[int, ...]] | None:
        """The compiled pattern database, for worker processes to load instead of
        compiling again (``phiwatch.scan._matcher.preload``); None on the ``re`` engine."""
        if isinstance(self._matcher, HyperscanMatcher):
            return self._matcher.export()
        return None

    def scan_text(self, text: str, *, column_context: ColumnContext | None = None) -> list[Finding]:
        """Findings in ``text``; offsets are byte offsets in its UTF-8 encoding."""
        return self.scan_bytes(text.encode("utf-8", "surrogatepass"), column_context=column_context)

    def scan_bytes(
        self, data: bytes, *, column_context: ColumnContext | None = None
    ) -> list[Finding]:
        """Findings in ``data`` (UTF-8 or any ASCII-compatible encoding)."""
        hits = self._hits(data, column_context)
        if not hits:
            return []
        return self._findings(data, hits, base=0, lines_before=0)

    def scan_stream(
        self,
        stream: BinaryIO,
        *,
        chunk_size: int = DEFAULT_CHUNK,
        overlap: int = DEFAULT_OVERLAP,
        column_context: ColumnContext | None = None,
    ) -> Iterator[Finding]:
        """Findings in a binary stream of any size, in order, with bounded memory."""
        if chunk_size < 4 * overlap:
            raise ValueError("chunk_size must be at least four times the overlap")
        buffer = _read_first(stream, chunk_size)
        # A short read means the end: no second read (and no second buffer) for a small file.
        exhausted = len(buffer) < chunk_size
        base = 0
        lines_before = 0
        lead = 0
        while True:
            more = b"" if exhausted else _read_full(stream, chunk_size)
            exhausted = exhausted or len(more) < chunk_size
            last = not more
            limit = len(buffer) if last else len(buffer) - overlap
            hits = [h for h in self._hits(buffer, column_context) if lead <= h[0] < limit]
            yield from self._findings(buffer, hits, base=base, lines_before=lines_before)
            if last:
                return
            keep = 2 * overlap
            cut = len(buffer) - keep
            lines_before += buffer.count(b"\n", 0, cut)
            base += cut
            buffer = buffer[cut:] + more
            lead = overlap

    # -- internals --------------------------------------------------------------------

    def _hits(self, data: bytes, column_context: ColumnContext | None) -> list[_Hit]:
        """Every candidate that passes its recognizer's rules, overlaps resolved.

        The rules, in the order that rejects cheapest first: a "context only" pattern
        without its word, a value the validators refuse, a score adjusted to nothing;
        then context words raise the score, negative words lower it, and what falls
        below ``min_confidence`` is dropped.
        """
        candidates = self._matcher.candidates(data)
        if not candidates:
            return []
        rules = self._rules
        reasons = self._reasons
        table = None if column_context is None else _Table(data, column_context)
        # ASCII text (most is) is decoded once, and each value cut from it.
        decoded = data.decode("ascii") if data.isascii() else None
        minimum = self.config.min_confidence
        before, after = CONTEXT_BEFORE, CONTEXT_AFTER
        hits: list[_Hit] = []
        append = hits.append
        for index, start, end in candidates:
            (rank, name, score, needs_context, context_keys, context_singles, first_context,
             negative_keys, first_negative, check, invalidate, validate, adjust, boost,
             penalty) = rules[index]  # fmt: skip
            window = b""
            words: list[bytes] = []
            context_word: str | None = None
            if needs_context:
                if table is None:
                    window = data[start - before if start > before else 0 : end + after]
                else:
                    window = table.window(start, end)
                words = window.translate(WORD_BYTES).split()
                found = context_keys.intersection(words)
                if not found:
                    continue
                if len(found) == 1:  # one word, and a single one: it is the first
                    (word,) = found
                    context_word = context_singles.get(word)
                if context_word is None:
                    context_word = first_context(words, window)
                    if context_word is None:
                        continue
            if decoded is not None:
                text = decoded[start:end]
            else:
                text = data[start:end].decode("utf-8", "replace")
            if check is not None:
                verdict = check(text)
            else:  # ``Recognizer.check`` inlined: one Python call fewer per candidate
                try:
                    if invalidate is not None and invalidate(text):
                        verdict = False
                    else:
                        verdict = validate(text) if validate is not None else None
                except Exception:  # a recognizer bug must not end the scan
                    verdict = False
            if verdict is False:
                continue
            if adjust is not None:
                try:
                    score = float(adjust(text, score, name))  # an int as a float, as compiled
                except Exception:  # a recognizer bug (or a score that is no number)
                    score = 0.0
            if score <= 0.0:
                continue
            if not needs_context:
                if table is None:
                    window = data[start - before if start > before else 0 : end + after]
                else:
                    window = table.window(start, end)
                words = window.translate(WORD_BYTES).split()
                found = context_keys.intersection(words)
                if found:
                    if len(found) == 1:
                        (word,) = found
                        context_word = context_singles.get(word)
                    if context_word is None:
                        context_word = first_context(words, window)
            negative_word = None
            outweighed = False
            if not negative_keys.isdisjoint(words):
                negative_word = first_negative(words, window)
                if negative_word is not None:
                    if context_word is not None:  # both: the nearer one decides (rare)
                        outweighed = _label_nearer(
                            window, context_word, negative_word, start, end, table
                        )
                        if not outweighed:
                            score -= boost  # the negative word is nearer: no boost
                    if not outweighed:
                        score -= penalty
            if context_word is not None:
                score += boost
            if score > 1.0:
                score = 1.0
            if score < minimum:
                continue
            key = (name, context_word, negative_word, verdict, outweighed)
            reason = reasons.get(key)
            if reason is None:
                reason = reasons[key] = Reason(
                    name,
                    context_word,
                    negative_word,
                    "passed" if verdict else "not checked",
                    outweighed,
                )
            append((start, end, score, rank, reason, text))
        if not hits:
            return hits
        return self._resolve(data, hits)

    def _resolve(self, data: bytes, hits: list[_Hit]) -> list[_Hit]:
        """One finding per span: same-type overlaps merge, different types keep the stronger."""
        if not _in_order(hits):  # as the candidates came, unless a value group moved one
            hits.sort(key=_BY_POSITION)
        kept: list[_Hit] = [hits[0]]
        last = hits[0]
        entities = self._entities
        for hit in hits[1:]:
            if hit[0] >= last[1]:
                kept.append(hit)
                last = hit
                continue
            if hit[3] == last[3] or entities[hit[3]] == entities[last[3]]:
                # One type (a full date and its month and day): one value, widened.
                end = max(last[1], hit[1])
                best = hit if hit[2] > last[2] else last
                text = data[last[0] : end].decode("utf-8", "replace")
                kept[-1] = last = (last[0], end, best[2], best[3], best[4], text)
            elif _stronger(hit, last):
                kept[-1] = last = hit
        if self._any_nearby:
            nearby = self._nearby
            if any(nearby[h[3]][0] for h in kept):
                kept = [h for i, h in enumerate(kept) if self._neighbour_found(i, kept)]
        return kept

    def _findings(
        self, data: bytes, hits: list[_Hit], *, base: int, lines_before: int
    ) -> list[Finding]:
        findings: list[Finding] = []
        append = findings.append
        entities, names = self._entities, self._names
        rounded = self._rounded
        if len(rounded) > 4096:  # an ``adjust_score`` with many values: start again
            rounded.clear()
        count = data.count
        line = lines_before + 1
        position = 0
        for start, end, score, rank, reason, text in hits:
            line += count(b"\n", position, start)
            position = start
            confidence = rounded.get(score)
            if confidence is None:
                confidence = rounded[score] = round(score, 3)
            append(
                new_finding(
                    entities[rank],
                    base + start,
                    base + end,
                    line,
                    confidence,
                    names[rank],
                    reason,
                    text,
                )
            )
        return findings

    def _neighbour_found(self, index: int, hits: list[_Hit]) -> bool:
        """Whether ``hits[index]`` needs no neighbour, or one of the types it needs is near.

        ``hits`` are sorted by start and do not overlap, so the search walks outwards from
        ``index`` and stops at the first hit beyond reach on each side.
        """
        hit = hits[index]
        needed, reach = self._nearby[hit[3]]
        if not needed:
            return True
        entities = self._entities
        before = index - 1
        while before >= 0 and hits[before][1] > hit[0] - reach:
            if entities[hits[before][3]] in needed:
                return True
            before -= 1
        after = index + 1
        while after < len(hits) and hits[after][0] < hit[1] + reach:
            if entities[hits[after][3]] in needed:
                return True
            after += 1
        return False


def _overridden(recognizer: Recognizer, hook: str) -> Callable[..., Any] | None:
    """The recognizer's ``hook``, or None where it is the base class's (which does nothing
    worth a call per candidate)."""
    method = getattr(recognizer, hook)
    return None if getattr(method, "__func__", None) is getattr(Recognizer, hook) else method


def _rule(pattern: Pattern, recognizer: Recognizer, rank: int) -> _Rule:
    """Everything the scan loop needs about one pattern, looked up once."""
    context, negative = recognizer.context_words, recognizer.negative_words
    check = _overridden(recognizer, "check")
    return (
        rank,
        pattern.name,
        pattern.score,
        pattern.needs_context,
        context.keys if context else frozenset(),
        context.single_names,
        context.first,
        negative.keys if negative else frozenset(),
        negative.first,
        check,
        _overridden(recognizer, "invalidate_result") if check is None else None,
        _overridden(recognizer, "validate_result") if check is None else None,
        _overridden(recognizer, "adjust_score"),
        recognizer.context_boost,
        recognizer.negative_penalty,
    )


def _in_order(hits: list[_Hit]) -> bool:
    """Whether ``hits`` are by start, longest first (as ``_BY_POSITION`` sorts them)."""
    previous = hits[0]
    for hit in hits:
        if hit[0] < previous[0] or (hit[0] == previous[0] and hit[1] > previous[1]):
            return False
        previous = hit
    return True


def _label_nearer(
    window: bytes, context: str, negative: str, start: int, end: int, table: _Table | None
) -> bool:
    """Whether the context word is nearer the value than the negative word (in words; on a
    tie the one before the value), so that a label next to a value outweighs a negative
    word farther off. In a table window the column's header follows the row's text: a
    header that is the context word is the nearest there is."""
    if table is None:
        low = start - CONTEXT_BEFORE if start > CONTEXT_BEFORE else 0
    else:
        low = max(start - CONTEXT_BEFORE, table.row_start)
        if window.lower().endswith(b" " + context.encode("ascii")):
            return True
    value_start, value_end = start - low, end - low
    nearer = word_distance(window, context, value_start, value_end)
    return nearer < word_distance(window, negative, value_start, value_end)


def _stronger(hit: _Hit, other: _Hit) -> bool:
    if hit[2] != other[2]:
        return hit[2] > other[2]
    length, other_length = hit[1] - hit[0], other[1] - other[0]
    if length != other_length:
        return length > other_length
    return hit[3] < other[3]


FIRST_READ = 64 * 1024
"""The first read of a stream asks for this much, then for the rest of a chunk: asking a
file for 4 MiB allocates 4 MiB, which costs more than scanning a one-kilobyte file."""


def _read_first(stream: BinaryIO, chunk_size: int) -> bytes:
    """The first chunk, ``chunk_size`` bytes or fewer at the end, read small first."""
    head = _read_full(stream, min(FIRST_READ, chunk_size))
    if len(head) < FIRST_READ or chunk_size <= FIRST_READ:
        return head
    return head + _read_full(stream, chunk_size - FIRST_READ)


def _read_full(stream: BinaryIO, size: int) -> bytes:
    """``size`` bytes, or fewer only at the end: pipes and sockets may return short reads,
    and a short chunk would break the overlap arithmetic."""
    data = stream.read(size)
    if not data or len(data) == size:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = stream.read(size - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


class _Table:
    """A delimited file's rows, for the windows of its cells: in a table, context is the
    cell's own row and its column's header, not the rows around it (a header two rows up
    must not lend its name).

    Candidates come in order of their start, so the row of the last one is kept: most
    cells share it, and its end and unquoted delimiters are found once.
    """

    __slots__ = ("data", "delimiter", "delimiters", "headers", "row_end", "row_start")

    def __init__(self, data: bytes, context: ColumnContext) -> None:
        self.data = data
        self.delimiter = context.delimiter
        self.headers = context.headers
        self.row_start = 0
        self.row_end = -1  # no row yet
        self.delimiters: list[int] | None = None

    def window(self, start: int, end: int) -> bytes:
        """The bytes where context words count for the cell at ``start``..``end``."""
        data = self.data
        if not self.row_start <= start <= self.row_end:  # no newline between: the same row
            self.row_start = data.rfind(b"\n", 0, start) + 1
            self.row_end, self.delimiters = _row(data, self.row_start, self.delimiter)
        line_start, line_end = self.row_start, self.row_end
        if line_end < end:  # a value across lines (a site pattern's): the line after it
            line_end = data.find(b"\n", end)
            if line_end < 0:
                line_end = len(data)
        low = start - CONTEXT_BEFORE
        if low < line_start:
            low = line_start
        high = end + CONTEXT_AFTER
        if high > line_end:
            high = line_end
        delimiters = self.delimiters
        if delimiters is not None:
            column = bisect.bisect_left(delimiters, start)
        else:  # a delimiter of more than one byte: counted as ever
            column = data.count(self.delimiter, line_start, start)
            if column and data.find(b'"', line_start, start) >= 0:
                column = _count_unquoted(data[line_start:start], self.delimiter[0])
        headers = self.headers
        header = headers[column] if column < len(headers) else b""
        return b" ".join((data[low:high], header))


_Row = tuple[int, "list[int] | None"]
"""A table row's end (its newline, or the data's end) and where its unquoted delimiters
are (None for a delimiter of more than one byte)."""


def _row(data: bytes, line_start: int, delimiter: bytes) -> _Row:
    line_end = data.find(b"\n", line_start)
    if line_end < 0:
        line_end = len(data)
    if len(delimiter) != 1:
        return line_end, None
    return line_end, _unquoted_delimiters(data, line_start, line_end, delimiter)


def _unquoted_delimiters(
    data: bytes, line_start: int, line_end: int, delimiter: bytes
) -> list[int]:
    """Where the row starting at ``line_start`` has a delimiter outside double quotes: a
    cell's column is how many lie before it ("Lopez, Maria" is one cell). Found once per
    row with ``find`` between quotes, where counting per cell walked the row byte by byte
    for each of its values."""
    positions: list[int] = []
    quoted = False
    at = line_start
    while at <= line_end:
        quote = data.find(b'"', at, line_end)
        stop = line_end if quote < 0 else quote
        if not quoted:
            found = data.find(delimiter, at, stop)
            while found >= 0:
                positions.append(found)
                found = data.find(delimiter, found + 1, stop)
        if quote < 0:
            break
        quoted = not quoted
        at = quote + 1
    return positions


def _count_unquoted(segment: bytes, delimiter: int) -> int:
    """Delimiters outside double quotes: the column index in a CSV row ("Lopez, Maria",...)."""
    quoted = False
    count = 0
    for byte in segment:
        if byte == 34:  # '"'
            quoted = not quoted
        elif byte == delimiter and not quoted:
            count += 1
    return count
