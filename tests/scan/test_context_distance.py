"""Context by distance: a label next to a value outweighs a negative word farther off.

Before, any negative word in the window lowered the value, so "NPI 1119130965,
Order 44" lost a labelled NPI to the order number after it. Now, where a context
and a negative word are both near, the nearer one (in words; on a tie the one before
the value) decides, and the reason names both.
"""

from __future__ import annotations

from functools import cache

import pytest

from phiwatch.scan import ScanConfig, Scanner
from phiwatch.scan._recognizer import word_distance


@cache
def _scanner() -> Scanner:
    return Scanner(ScanConfig(recognizers=("npi", "phone")))


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("NPI 1119130965 Order 44", True),  # the label is nearer than the order after it
        ("NPI: 1119130965, Order 44 placed", True),
        ("Order 44 NPI 1119130965", True),  # nearer before, in words
        ("Order # 1119130965 npi", False),  # "order" is the label here: tie, before wins
        ("order for 1119130965", False),  # a negative word alone still lowers
        ("tel 1119130965", False),  # and so does a phone word without an NPI word
    ],
)
def test_nearer_word_decides(text: str, kept: bool) -> None:
    npis = [f for f in _scanner().scan_text(text) if f.entity == "NPI"]
    assert bool(npis) is kept


def test_reason_names_the_label_and_the_outweighed_word() -> None:
    (finding,) = _scanner().scan_text("NPI 1119130965 Order 44")
    assert finding.reason.context_word == "npi"
    assert finding.reason.negative_word == "order"
    assert finding.reason.outweighed
    assert "'order' outweighed by the nearer 'npi'" in finding.reason.describe()
    assert finding.confidence == pytest.approx(0.85)  # the boost, no penalty


def test_lowered_reason_when_the_negative_word_is_nearer() -> None:
    scanner = Scanner(ScanConfig(recognizers=("npi",), min_confidence=0.05))
    (finding,) = scanner.scan_text("Order # 1119130965 npi")
    assert not finding.reason.outweighed
    assert "lowered by 'order'" in finding.reason.describe()
    assert finding.confidence == pytest.approx(0.1)  # 0.5, no boost, less the penalty


def test_column_header_is_the_nearest_label() -> None:
    from phiwatch.scan._extract import column_context_from_header

    data = b"npi,note\n1119130965,order 44 sent\n"
    context = column_context_from_header(data.split(b"\n")[0], b",")
    found = Scanner(ScanConfig(recognizers=("npi",))).scan_bytes(data, column_context=context)
    assert [f.text for f in found] == ["1119130965"]


@pytest.mark.parametrize(
    ("window", "word", "span", "expected"),
    [
        (b"NPI: 1119130965", "npi", (5, 15), (0, 0)),
        (b"1119130965 then Order", "order", (0, 10), (1, 1)),
        (b"order x order 1119130965", "order", (14, 24), (0, 0)),  # the nearest occurrence
        (b"disorder 1119130965", "order", (9, 19), (1 << 30, 1)),  # not inside a word
    ],
)
def test_word_distance(
    window: bytes, word: str, span: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert word_distance(window, word, *span) == expected
