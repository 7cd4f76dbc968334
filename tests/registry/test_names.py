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


def test_batch_normalisation_gives_the_same_keys_as_one_at_a_time(portal_file) -> None:
    """The importer's batch form must agree with the rules name by name, on every real name."""
    import csv

    from phiwatch.registry._names import normalise_entities

    from .conftest import ARCHIVE_2024, INVESTIGATION_2024, INVESTIGATION_2026

    names = [
        "MHNU Corporation d/b/a Medical Home Network",
        "Ambulnz Holdings, L.L.C.",
        "ab.c.d. Inc",
        "Clínica Señora de Guadalupe",
        "St. Mary’s Medical Center",  # noqa: RUF001
        "A\x01B Clinic",  # holds the batch form's separator: falls back, same key
        "",
        # Each side of an alias is a name of its own in the batch form.
        "Acme d/b/a",
        "D.B.A. Acme Dental, P.C.",
        "The Clinic dba The Other, Inc.",
        "A.B.C. Health d.b.a. X.Y. Care, L.L.C.",
        "North Alaska Health aka Kakadu LLC",
        "Café Ünïon DBA Zoë's",
        "x dba y fka z",
        "dba",
        "the inc",
        "Inc. LLC",
    ]
    for file in (ARCHIVE_2024, INVESTIGATION_2024, INVESTIGATION_2026):
        with portal_file(file).open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))[1:]
        names += [row[0] for row in rows if row]
    assert len(names) > 7000
    assert normalise_entities(names) == [normalise_entity(name) for name in names]
    separator_free = [name for name in names if "\x01" not in name]
    assert normalise_entities(separator_free) == [normalise_entity(n) for n in separator_free]
    assert normalise_entities([]) == []
