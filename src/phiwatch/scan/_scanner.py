"""The scanner: candidates from one pass, then validation and context on candidates only.

Work per byte is one Hyperscan pass; everything in Python (decoding, the
checksum, the context look-up) runs only on candidates, which are rare in
ordinary text. Large inputs are scanned in overlapping chunks so memory
stays bounded: each chunk carries ``overlap`` bytes of the previous one as
look-back context, and matches that start in its last ``overlap`` bytes are
left to the next chunk, which sees them whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from phiwatch.scan._config import ScanConfig
from phiwatch.scan._findings import Finding, Reason
from phiwatch.scan._matcher import HyperscanMatcher, build_matcher
from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import WORD_TOKENS, Recognizer
from phiwatch.scan._registry import build_recognizers

CONTEXT_BEFORE = 48
CONTEXT_AFTER = 16
DEFAULT_CHUNK = 4 * 1024 * 1024
DEFAULT_OVERLAP = 1024


@dataclass(frozen=True, slots=True)
class ColumnContext:
    """For delimited files: each column's header acts as a context word for its cells."""

    delimiter: bytes
    headers: tuple[bytes, ...]


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    score: float
    recognizer: Recognizer
    reason: Reason


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
        self._rank = {id(r): i for i, r in enumerate(self.recognizers)}
        self._value_group: list[int | str] = [
            "value" if "value" in p.compiled.groupindex else 0 for p, _ in self._patterns
        ]

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
        buffer = _read_full(stream, chunk_size)
        base = 0
        lines_before = 0
        lead = 0
        while True:
            more = _read_full(stream, chunk_size)
            last = not more
            limit = len(buffer) if last else len(buffer) - overlap
            hits = [h for h in self._hits(buffer, column_context) if lead <= h.start < limit]
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
        hits: list[_Hit] = []
        for index, match in self._matcher.candidates(data):
            hit = self._evaluate(data, index, match, column_context)
            if hit is not None:
                hits.append(hit)
        return self._resolve(data, hits)

    def _evaluate(
        self,
        data: bytes,
        index: int,
        match: re.Match[bytes],
        column_context: ColumnContext | None,
    ) -> _Hit | None:
        pattern, recognizer = self._patterns[index]
        start, end = match.span(self._value_group[index])
        # Cheap rejections first: a "context only" pattern without its word, or a value
        # the validators refuse, costs no further work.
        context_word: str | None = None
        tokens: list[bytes] = []
        window = b""
        if pattern.needs_context:
            window, tokens = _window(data, start, end, column_context)
            context_word = recognizer.context_words.first(tokens, window)
            if context_word is None:
                return None
        text = data[start:end].decode("utf-8", "replace")
        verdict = recognizer.check(text)
        if verdict is False:
            return None
        try:
            score = recognizer.adjust_score(text, pattern.score, pattern.name)
        except Exception:  # a recognizer bug must not end the scan
            return None
        if score <= 0.0:
            return None
        if not pattern.needs_context:
            window, tokens = _window(data, start, end, column_context)
            context_word = recognizer.context_words.first(tokens, window)
        if context_word is not None:
            score += recognizer.context_boost
        negative_word = None
        if recognizer.negative_words:
            negative_word = recognizer.negative_words.first(tokens, window)
            if negative_word is not None:
                score -= recognizer.negative_penalty
        score = min(1.0, score)
        if score < self.config.min_confidence:
            return None
        reason = Reason(
            pattern=pattern.name,
            context_word=context_word,
            negative_word=negative_word,
            validator="passed" if verdict else "not checked",
        )
        return _Hit(start, end, score, recognizer, reason)

    def _resolve(self, data: bytes, hits: list[_Hit]) -> list[_Hit]:
        """One finding per span: same-type overlaps merge, different types keep the stronger."""
        hits.sort(key=lambda h: (h.start, -h.end))
        kept: list[_Hit] = []
        for hit in hits:
            if not kept or hit.start >= kept[-1].end:
                kept.append(hit)
                continue
            previous = kept[-1]
            if hit.recognizer is previous.recognizer:
                previous.end = max(previous.end, hit.end)
                if hit.score > previous.score:
                    previous.score = hit.score
                    previous.reason = hit.reason
            elif self._stronger(hit, previous):
                kept[-1] = hit
        if any(h.recognizer.requires_nearby for h in kept):
            kept = [h for i, h in enumerate(kept) if _neighbour_found(i, kept)]
        return kept

    def _stronger(self, hit: _Hit, other: _Hit) -> bool:
        if hit.score != other.score:
            return hit.score > other.score
        length, other_length = hit.end - hit.start, other.end - other.start
        if length != other_length:
            return length > other_length
        return self._rank[id(hit.recognizer)] < self._rank[id(other.recognizer)]

    @staticmethod
    def _findings(data: bytes, hits: list[_Hit], *, base: int, lines_before: int) -> list[Finding]:
        findings: list[Finding] = []
        line = lines_before + 1
        position = 0
        for hit in hits:
            line += data.count(b"\n", position, hit.start)
            position = hit.start
            findings.append(
                Finding(
                    entity=hit.recognizer.entity,
                    start=base + hit.start,
                    end=base + hit.end,
                    line=line,
                    confidence=round(hit.score, 3),
                    recognizer=hit.recognizer.name,
                    reason=hit.reason,
                    text=data[hit.start : hit.end].decode("utf-8", "replace"),
                )
            )
        return findings


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


def _window(
    data: bytes, start: int, end: int, column_context: ColumnContext | None
) -> tuple[bytes, list[bytes]]:
    """The lower-cased bytes around a value where context words count, and their words."""
    low, high = max(0, start - CONTEXT_BEFORE), end + CONTEXT_AFTER
    header = b""
    if column_context is not None:
        # In a table, context is the cell's own row and its column's header, not
        # the rows around it (a header two rows up must not lend its name).
        line_start = data.rfind(b"\n", 0, start) + 1
        line_end = data.find(b"\n", end)
        low = max(low, line_start)
        high = min(high, line_end) if line_end >= 0 else high
        header = b" " + _header_for(data, line_start, start, column_context)
    window = data[low:high].lower() + header
    return window, WORD_TOKENS.findall(window)


def _neighbour_found(index: int, hits: list[_Hit]) -> bool:
    """Whether ``hits[index]`` needs no neighbour, or one of the types it needs is near.

    ``hits`` are sorted by start and do not overlap, so the search walks outwards from
    ``index`` and stops at the first hit beyond reach on each side.
    """
    hit = hits[index]
    needed = hit.recognizer.requires_nearby
    if not needed:
        return True
    reach = hit.recognizer.nearby_bytes
    before = index - 1
    while before >= 0 and hits[before].end > hit.start - reach:
        if hits[before].recognizer.entity in needed:
            return True
        before -= 1
    after = index + 1
    while after < len(hits) and hits[after].start < hit.end + reach:
        if hits[after].recognizer.entity in needed:
            return True
        after += 1
    return False


def _header_for(data: bytes, line_start: int, start: int, context: ColumnContext) -> bytes:
    column = data.count(context.delimiter, line_start, start)
    if column and data.find(b'"', line_start, start) >= 0:
        column = _count_unquoted(data[line_start:start], context.delimiter[0])
    if column < len(context.headers):
        return context.headers[column]
    return b""


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
