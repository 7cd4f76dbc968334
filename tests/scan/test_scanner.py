"""The scanner: positions, context, overlap resolution, streaming, engines, configuration."""

from __future__ import annotations

import io
import random

import pytest

from phiwatch.errors import ConfigurationError
from phiwatch.scan import (
    ColumnContext,
    Pattern,
    Recognizer,
    ScanConfig,
    Scanner,
    SitePattern,
    build_recognizers,
    load_scan_config,
    mask,
    scan_text,
)
from phiwatch.scan._matcher import (
    FIXED,
    GROUP,
    PREFIX,
    RECOVER,
    SOM,
    HyperscanMatcher,
    ReMatcher,
    _mode,
    hyperscan_available,
)
from phiwatch.scan.recognizers import BUILTIN

NOTE = (
    "Patient: Maria Lopez\n"
    "DOB: 03/14/1962   MRN: 00482213\n"
    "SSN 219-09-9998, Medicare 1EG4-TE5-MK74\n"
    "Seen by Dr. Okafor (NPI 1234567893) on January 24, 2024.\n"
    "Call (617) 555-0143 or maria.lopez@gmail.com; lives at 12 Elm Street, Boston, MA 02115.\n"
)


def test_positions_are_lines_and_byte_offsets() -> None:
    data = NOTE.encode()
    for finding in scan_text(NOTE):
        assert data[finding.start : finding.end].decode() == finding.text
        assert data[: finding.start].count(b"\n") + 1 == finding.line


def test_byte_offsets_count_utf8_bytes() -> None:
    text = "Zo\u00eb M\u00fcller \u2013 SSN 219-09-9998"
    (finding,) = [f for f in scan_text(text) if f.entity == "SSN"]
    assert finding.start == text.encode().index(b"219")
    assert finding.start != text.index("219")


def test_finds_every_type_in_a_note() -> None:
    types = {f.entity for f in scan_text(NOTE)}
    assert types >= {
        "PERSON",
        "DATE",
        "MRN",
        "SSN",
        "MBI",
        "NPI",
        "PHONE",
        "EMAIL",
        "STREET_ADDRESS",
        "ZIP_CODE",
    }


def test_reason_names_pattern_context_and_validator() -> None:
    (npi,) = [f for f in scan_text(NOTE) if f.entity == "NPI"]
    assert npi.reason.pattern == "NPI ten digits with Luhn (medium)"
    assert npi.reason.context_word == "npi"
    assert npi.reason.validator == "passed"
    assert 0.0 <= npi.confidence <= 1.0


def test_findings_are_masked_unless_shown() -> None:
    (ssn,) = [f for f in scan_text(NOTE) if f.entity == "SSN"]
    assert ssn.as_dict()["text"] == "***-**-**98"
    assert ssn.as_dict(show=True)["text"] == "219-09-9998"
    assert "219-09-9998" not in repr(ssn)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("219-09-9998", "***-**-**98"),
        ("Maria Lopez", "***** ***ez"),
        ("MA", "**"),  # short values are masked completely
        ("02115", "*****"),
    ],
)
def test_mask(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_negative_context_filler_has_no_identifiers() -> None:
    filler = (
        "The quarterly meeting is on the second floor. Order 4821-9912 shipped in 2024; "
        "invoice total 12345. Version 2.3.1 fixed bugs in table 7 and figure 3b. "
    ) * 50
    assert scan_text(filler) == []


def test_overlap_keeps_the_stronger_type() -> None:
    # A ten-digit Luhn-valid number next to a phone word is a phone, not an NPI.
    found = scan_text("phone 2125551232")
    assert [f.entity for f in found] == ["PHONE"]


def test_same_type_overlaps_merge() -> None:
    (person,) = scan_text("Mary Ann Smith arrived")
    assert person.text == "Mary Ann Smith"


@pytest.mark.parametrize("chunk_size", [4096, 5000, 8192])
def test_stream_matches_whole_scan_across_chunk_boundaries(chunk_size: int) -> None:
    rng = random.Random(7)
    pieces = []
    for i in range(400):
        pieces.append("word " * rng.randint(0, 30))
        pieces.append(rng.choice(["SSN 219-09-9998", "DOB 01/24/1948", "NPI 1234567893", "x"]))
        pieces.append("\n" if i % 3 == 0 else " ")
    data = "".join(pieces).encode()
    scanner = Scanner()
    whole = [(f.entity, f.start, f.end, f.line) for f in scanner.scan_bytes(data)]
    streamed = [
        (f.entity, f.start, f.end, f.line)
        for f in scanner.scan_stream(io.BytesIO(data), chunk_size=chunk_size, overlap=512)
    ]
    assert streamed == whole
    assert len(whole) > 100


def test_stream_rejects_a_chunk_smaller_than_its_overlap() -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        list(Scanner().scan_stream(io.BytesIO(b"x"), chunk_size=100, overlap=100))


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan wheel not installed")
def test_hyperscan_and_re_engines_agree() -> None:
    patterns = [p for r in build_recognizers(ScanConfig(enable=("url",))) for p in r.patterns]
    data = (NOTE * 20 + "Mary Ann Smith, https://portal.example.org/p/1 x 10.2.3.4\n").encode()

    assert HyperscanMatcher(patterns).candidates(data) == ReMatcher(patterns).candidates(data)
    hs_findings = Scanner(engine="hyperscan").scan_bytes(data)
    re_findings = Scanner(engine="re").scan_bytes(data)
    assert [(f.entity, f.start, f.end) for f in hs_findings] == [
        (f.entity, f.start, f.end) for f in re_findings
    ]


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan wheel not installed")
def test_engines_agree_on_noise_for_every_way_of_finding_a_span() -> None:
    """Hyperscan's spans are taken five ways (fixed width without ``re``, tracked start,
    ``value`` group, a prefilter that is the regex's tail, any other prefilter); on random
    digits, separators and words each must give exactly what ``re`` alone gives."""
    patterns = [p for r in build_recognizers(ScanConfig(enable=("url",))) for p in r.patterns]
    patterns += [
        Pattern("tail prefilter (weak)", r"\b[a-z]{1,8}#\d{3,6}\b", 0.5, prefilter=r"#\d{3,6}\b"),
        Pattern("other prefilter (weak)", r"\bq\d{2,5}\b", 0.5, prefilter=r"[0-9]{2,5}\b"),
    ]
    assert {_mode(p) for p in patterns} == {FIXED, SOM, GROUP, PREFIX, RECOVER}
    rng = random.Random(20261123)
    alphabet = "0123456789-/. ,:#()@abcxyzqSsnMRNPatientDOBJanuary\nmr\u00e9"
    hyperscan, reference = HyperscanMatcher(patterns), ReMatcher(patterns)
    for _ in range(300):
        data = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 300))).encode()
        assert hyperscan.candidates(data) == reference.candidates(data), data
    engines = [Scanner(engine=e, config=ScanConfig(enable=("url",))) for e in ("hyperscan", "re")]
    for _ in range(100):
        data = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 300))).encode()
        first, second = (engine.scan_bytes(data) for engine in engines)
        assert first == second, data


def test_pattern_checked_at_construction() -> None:
    with pytest.raises(ConfigurationError, match=r"outside 0\.\.1"):
        Pattern("bad score", r"\d+", 1.5)
    with pytest.raises(ConfigurationError, match="bad regex"):
        Pattern("bad regex", r"(\d+", 0.5)
    with pytest.raises(ConfigurationError, match="empty string"):
        Pattern("empty", r"\d*", 0.5)
    with pytest.raises(ConfigurationError, match="only a group named 'value'"):
        Pattern("groups", r"(?P<x>\d+)", 0.5)


def test_vague_context_words_are_refused() -> None:
    class Vague(Recognizer):
        name = "vague"
        entity = "VAGUE"
        PATTERNS = (Pattern("digits (weak)", r"\b\d{6}\b", 0.5),)
        CONTEXT = ("number",)

    with pytest.raises(ConfigurationError, match="too vague"):
        Vague()


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_builtin_recognizers_are_well_formed(name: str) -> None:
    recognizer = BUILTIN[name]()
    assert recognizer.patterns
    for pattern in recognizer.patterns:
        assert "(" in pattern.name and pattern.name.endswith(")")  # strength in the name
        assert 0.0 <= pattern.score <= 1.0


@pytest.mark.parametrize("name", sorted(BUILTIN))
@pytest.mark.parametrize(
    "odd", ["", "-", "\x00\x00", "é" * 40, "9" * 500, "--..--", "A", "@", "://", " , "]
)
def test_hooks_never_raise(name: str, odd: str) -> None:
    recognizer = BUILTIN[name]()
    assert recognizer.check(odd) in (True, False, None)
    assert isinstance(recognizer.invalidate_result(odd), bool)
    result = recognizer.validate_result(odd)
    assert result in (True, False, None)
    for pattern in recognizer.patterns:
        assert 0.0 <= recognizer.adjust_score(odd, pattern.score, pattern.name) <= 1.0


class _Ticket(Recognizer):
    """A site recognizer for "TK-" numbers, to drive the scanner's use of the hooks."""

    name = "ticket"
    entity = "TICKET"
    PATTERNS = (Pattern("ticket number (medium)", r"\bTK-\d{4}\b", 0.7),)
    CONTEXT = ("ticket",)


class _RaisingValidator(_Ticket):
    def validate_result(self, text: str) -> bool | None:
        if text.endswith("0"):
            raise ValueError("a recognizer bug")
        return text != "TK-1111"


class _RaisingInvalidator(_Ticket):
    def invalidate_result(self, text: str) -> bool:
        if text.endswith("0"):
            raise ValueError("a recognizer bug")
        return text == "TK-1111"


class _OwnCheck(_Ticket):
    def check(self, text: str) -> bool | None:
        return False if text.endswith("0") else None


class _RaisingAdjust(_Ticket):
    def adjust_score(self, text: str, score: float, pattern: str) -> float:
        if text.endswith("0"):
            raise ValueError("a recognizer bug")
        return 0.0 if text == "TK-1111" else score


@pytest.mark.parametrize(
    "kind", [_RaisingValidator, _RaisingInvalidator, _OwnCheck, _RaisingAdjust]
)
def test_scanner_applies_each_hook_and_survives_a_raising_one(kind: type[Recognizer]) -> None:
    """The scanner calls a recognizer's hooks itself (not through ``check``, which it
    skips where not overridden): a raising hook rejects that value and the scan goes on;
    a rejection or a zero score drops the value; an overridden ``check`` is obeyed."""
    text = "ticket TK-2220, TK-1111 and TK-3456 for SSN 219-09-9998"
    found = Scanner(recognizers=[kind(), BUILTIN["ssn"]()]).scan_text(text)
    got = {(f.entity, f.text) for f in found}
    assert ("TICKET", "TK-2220") not in got
    assert ("TICKET", "TK-3456") in got
    assert ("SSN", "219-09-9998") in got
    assert (("TICKET", "TK-1111") in got) == (kind is _OwnCheck)
    (ticket,) = [f for f in found if f.text == "TK-3456"]
    assert ticket.reason.context_word == "ticket"
    expected = "passed" if kind is _RaisingValidator else "not checked"
    assert ticket.reason.validator == expected


def test_column_context_counts_columns_outside_quotes() -> None:
    """A quoted cell with commas in it is one column: the bare number after it takes the
    "ssn" header, and the one in the "order" column does not; the header counts in any
    case, and rows do not lend their columns to each other."""
    data = (
        b'name,SSN,order\n"Lopez, Maria, Jr.",219099998,518229431\n'
        b'"Park, ""Jo""",518229431,219099998\n'
    )
    context = ColumnContext(b",", (b"name", b"SSN", b"order"))
    found = Scanner().scan_bytes(data, column_context=context)
    ssns = [(f.line, f.text, f.reason.context_word) for f in found if f.entity == "SSN"]
    assert ssns == [(2, "219099998", "ssn"), (3, "518229431", "ssn")]
    assert not [f for f in Scanner().scan_bytes(data) if f.entity == "SSN"]


def test_weak_recognizers_ship_disabled() -> None:
    names = {r.name for r in build_recognizers()}
    assert "url" not in names
    assert {"ssn", "mbi", "npi", "dea", "person"} <= names


def test_config_enable_disable_and_unknown_names() -> None:
    names = {r.name for r in build_recognizers(ScanConfig(enable=("url",), disable=("zip_code",)))}
    assert "url" in names and "zip_code" not in names
    only = build_recognizers(ScanConfig(recognizers=("ssn", "npi")))
    assert [r.name for r in only] == ["ssn", "npi"]
    with pytest.raises(ConfigurationError, match="unknown recognizer"):
        build_recognizers(ScanConfig(disable=("zipcode",)))


def test_site_patterns_from_toml(tmp_path) -> None:
    path = tmp_path / "scan.toml"
    path.write_text(
        "[scan]\n"
        'disable = ["date"]\n'
        "[[scan.site_patterns]]\n"
        'recognizer = "mrn"\n'
        'name = "Acme MRN (strong)"\n'
        "regex = '\\bACM\\d{8}\\b'\n"
        "score = 0.9\n",
        encoding="utf-8",
    )
    config = load_scan_config(path)
    assert config.site_patterns == (
        SitePattern(recognizer="mrn", name="Acme MRN (strong)", regex=r"\bACM\d{8}\b", score=0.9),
    )
    found = Scanner(config).scan_text("chart ACM00123456 on 01/02/1990")
    assert [(f.entity, f.text, f.reason.pattern) for f in found] == [
        ("MRN", "ACM00123456", "Acme MRN (strong)")
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[scan]\nmin_confidence = 2\n", "min_confidence"),
        ("[scan]\nfoo = 1\n", "foo"),
        ("[scan\n", "cannot read"),
        (
            '[[scan.site_patterns]]\nrecognizer = "mrn"\nname = "x (weak)"\n'
            'regex = "(" \nscore = 0.5\n',
            "bad regex",
        ),
    ],
)
def test_bad_config_names_the_file_and_setting(tmp_path, body: str, message: str) -> None:
    path = tmp_path / "scan.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message) as caught:
        Scanner(load_scan_config(path))
    if message != "bad regex":
        assert str(path) in str(caught.value)


def test_large_input_over_a_million_characters() -> None:
    line = "Routine text without identifiers, repeated to make a large input. " * 3 + "\n"
    text = line * 5000 + "SSN 219-09-9998\n" + line * 5000
    assert len(text) > 1_000_000
    (finding,) = scan_text(text)
    assert finding.entity == "SSN" and finding.line == 5001


def test_one_scanner_is_safe_across_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    scanner = Scanner()
    expected = [(f.entity, f.start) for f in scanner.scan_text(NOTE * 50)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: scanner.scan_text(NOTE * 50), range(16)))
    assert all([(f.entity, f.start) for f in found] == expected for found in results)


def test_bad_prefilter_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="bad prefilter"):
        Pattern("with prefilter (weak)", r"a\d+", 0.5, prefilter="(")


def test_stream_with_short_reads() -> None:
    class Trickle(io.RawIOBase):
        """Returns at most 700 bytes a read, as a pipe may."""

        def __init__(self, data: bytes) -> None:
            self.data = data
            self.position = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            n = min(len(buffer), 700, len(self.data) - self.position)
            buffer[:n] = self.data[self.position : self.position + n]
            self.position += n
            return n

    data = ("filler words here " * 300 + "SSN 219-09-9998\n").encode() * 20
    scanner = Scanner()
    whole = [(f.start, f.line) for f in scanner.scan_bytes(data)]
    trickled = [
        (f.start, f.line)
        for f in scanner.scan_stream(Trickle(data), chunk_size=8192, overlap=512)  # type: ignore[arg-type]
    ]
    assert trickled == whole and len(whole) == 20
