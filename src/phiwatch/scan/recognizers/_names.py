"""First- and last-name lists, read offline from Faker's person providers.

Faker ships the census and registry name lists for each locale; the union
of the English-speaking locales and the two Spanish ones most common in US
patient populations covers most names a US record holds. Names are kept as
a set for O(1) look-ups on the candidates the regex finds.
"""

from __future__ import annotations

import importlib
from functools import cache

LOCALES = ("en_US", "en_GB", "en_IE", "en_NZ", "es_MX", "es_ES")

COMMON_WORDS = frozenset(
    {
        "May", "June", "April", "August", "Will", "Grant", "Hope", "Faith", "Joy", "Mark",
        "Bill", "Art", "Guy", "Rose", "Love", "House", "Long", "King", "Hall", "Young",
        "Green", "White", "Black", "Brown", "Summer", "Christian", "Major", "General",
        "Page", "Chase", "Price", "Rich", "Lane", "Dale", "Cash", "Case", "Read", "Bell",
        "Church", "Ward", "Field", "Wood", "Hill", "Park", "Street", "Day", "Winter",
        "North", "South", "West", "East", "Court", "Avenue", "Christmas", "Sunday",
        "Monday", "Friday", "Ray", "Gay", "Pat", "Sky", "Star", "Honor", "Justice",
    }
)  # fmt: skip
"""Capitalised words that are names in the lists but more often ordinary words."""

NON_NAME_WORDS = frozenset(
    {
        "Hospital", "Clinic", "Center", "Centre", "Medical", "Health", "University", "College",
        "County", "City", "Insurance", "Pharmacy", "Bank", "Inc", "Llc", "Group", "Street",
        "Avenue", "Road", "Drive", "Boulevard", "Lane", "School", "Church", "Department",
        "Services", "Care", "Foundation", "Institute", "Memorial", "General", "Regional",
        "Disease", "Syndrome", "Lymphoma", "Report", "Plan", "Blue", "Cross", "Shield",
        "Unit", "Floor", "Room", "Lab", "Laboratory", "Square", "Entrance", "Desk", "Office",
        "Colleague", "Colleagues", "Sir", "Madam", "Team", "All", "Friends", "Customer",
        "Doctor", "Provider", "Committee", "Council", "Board", "Rounds", "Grand", "Wing",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December", "Emergency", "Front", "Annual",
        "Valley", "Mount", "Saint", "Santa", "San", "Los", "Las", "Fort", "Lake", "River",
        "Bay", "Beach", "Heights", "Springs", "State", "Workshop", "Teams",
        "Medicine", "Permanente", "Children's", "Center's", "Day",
        "Patient", "Pt", "Dear", "Hi", "Hello", "Son", "Daughter", "Wife", "Husband", "Mother",
        "Father", "Brother", "Sister", "Spouse", "Guardian", "Name", "Signed", "Regards",
        "Sincerely", "Caregiver", "Mr", "Mrs", "Ms", "Dr", "The", "This", "That", "His", "Her",
        "Their", "Our", "Your", "And", "But", "For", "With", "From", "Per", "Re", "Subject",
        "Dx", "Rx", "Hx", "Tel", "Fax", "Phone", "Email", "Address", "Date", "Birth", "Member",
    }
)  # fmt: skip
"""Words that are never part of a person's name: organisation and place words, and the
labels and salutations that stand before names."""


@cache
def common_english_words() -> frozenset[str]:
    """About a thousand everyday English words (Faker's en_US lorem list), lower-cased.

    "Mr. Parking" or "Mrs. Right" after a sentence break is not a name; a word
    from this list after an honorific counts only when it is also a known name.
    """
    provider = importlib.import_module("faker.providers.lorem.en_US").Provider
    return frozenset(str(word).lower() for word in provider.word_list)


def _ascii_title(name: str) -> bool:
    return bool(name) and name[0].isupper() and all(ch.isalpha() or ch in "'-" for ch in name)


@cache
def first_names() -> frozenset[str]:
    names: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            names.update(str(n) for n in getattr(provider, attribute, ()) if _ascii_title(str(n)))
    return frozenset(names)


@cache
def last_names() -> frozenset[str]:
    names: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        names.update(str(n) for n in getattr(provider, "last_names", ()) if _ascii_title(str(n)))
    return frozenset(names)
