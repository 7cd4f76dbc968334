"""Entity names normalised for grouping: variants of one organisation share a key."""

from __future__ import annotations

import pytest

from phiwatch.registry import normalise_entity


@pytest.mark.parametrize(
    ("published", "key"),
    [
        ("Anthem Inc.", "anthem"),
        ("Anthem, Inc.", "anthem"),
        ("Anthem Inc. ", "anthem"),
        ("ANTHEM INCORPORATED", "anthem"),
        ("Troy Roeder DDS PC ", "troy roeder dds"),  # the credential stays, the legal form goes
        ("Ambulnz Holdings, L.L.C.", "ambulnz holdings"),
        ("St. Mary’s Medical Center", "st marys medical center"),  # noqa: RUF001
        ("Johnson & Johnson Health Care Systems Inc.", "johnson and johnson health care systems"),
        ("MHNU Corporation d/b/a Medical Home Network", "mhnu medical home network"),
        ("The Mount Kisco Surgery Center LLC", "mount kisco surgery center"),
        ("Clínica Señora de Guadalupe", "clinica senora de guadalupe"),
        ("Aflac Incorporated (“Aflac”)", "aflac incorporated aflac"),  # suffix only at the end
        ("Company", "company"),  # a name that is only a suffix is kept
        ("Inc", "inc"),
    ],
)
def test_normalise_entity(published: str, key: str) -> None:
    assert normalise_entity(published) == key


def test_not_a_suffix_inside_a_word() -> None:
    assert normalise_entity("Cornerstone Pac") == "cornerstone pac"
    assert normalise_entity("Incredible Health") == "incredible health"
