"""One table per recognizer: what it must find, and what looks like it but is not.

Each row is (text, the values expected). The scanner runs with only that
recognizer enabled, so a row tests the recognizer's patterns, context words
and validators together, as a scan applies them.
"""

from __future__ import annotations

from functools import cache

import pytest

from phiwatch.scan import ScanConfig, Scanner


@cache
def _scanner(name: str) -> Scanner:
    # Conditions count only next to a person's identifiers, so their table runs with
    # the person and MRN recognizers too.
    names = (name, "person", "mrn") if name == "condition" else (name,)
    return Scanner(ScanConfig(recognizers=names))


def found(name: str, text: str) -> list[str]:
    return [f.text for f in _scanner(name).scan_text(text)]


SSN = [
    ("SSN: 219-09-9998", ["219-09-9998"]),  # valid, dashed, context
    ("applicant 219-09-9998 signed", ["219-09-9998"]),  # dashed needs no context
    ("ssn 219099998", ["219099998"]),  # bare nine digits with context
    ("Social Security 219 09 9998", ["219 09 9998"]),  # spaced, with context
    ("ref 219099998 attached", []),  # bare nine digits without context
    ("SSN 078-05-1120", []),  # Woolworth wallet card sample
    ("SSN 123-45-6789", []),  # documentation sample
    ("SSN 000-12-3456", []),  # area 000
    ("SSN 666-12-3456", []),  # area 666
    ("SSN 912-70-3456", []),  # 9xx area is ITIN, not SSN
    ("SSN 219-00-9998", []),  # group 00
    ("SSN 219-09-0000", []),  # serial 0000
    ("SSN 111-11-1111", []),  # one digit repeated
    ("call 617-555-0143", []),  # phone number is not an SSN
    ("Order #482-19-1234 shipped", []),  # order number: negative context
    ("born in 1948", []),  # a year
    ("ZIP 02115-1234", []),  # ZIP+4
    ("219-09 9998", []),  # mixed separators
]

ITIN = [
    ("ITIN 912-70-3456", ["912-70-3456"]),
    ("taxpayer 912-94-3456", ["912-94-3456"]),  # group 94 is in range
    ("ITIN 912703456", ["912703456"]),  # bare with context
    ("912703456", []),  # bare without context
    ("ITIN 912-93-3456", []),  # group 93 is not an ITIN group
    ("ITIN 912-40-3456", []),  # group 40 neither
    ("ITIN 912-70-0000", []),  # serial 0000
    ("SSN 219-09-9998", []),  # an SSN is not an ITIN
]

MBI = [
    ("MBI 1EG4TE5MK74", ["1EG4TE5MK74"]),
    ("Medicare 1EG4-TE5-MK74", ["1EG4-TE5-MK74"]),  # dashed for display
    ("card 9AA0C00AA00", ["9AA0C00AA00"]),  # format alone is strong
    ("MBI 1EG4-TE5-MK73", []),  # CMS's published sample
    ("MBI 0EG4TE5MK74", []),  # position 1 must be 1-9
    ("MBI 1SG4TE5MK74", []),  # S is never used
    ("MBI 1EG4TE5MK7", []),  # ten characters
    ("MBI 1EG4-TE5MK74", []),  # one dash only
    ("part 1EGATE5MK74", []),  # position 4 must be a digit
    ("1e g4 te5", []),
]

NPI = [
    ("NPI 1234567893", ["1234567893"]),  # CMS's example, Luhn valid with 80840
    ("billing provider 1245319599", ["1245319599"]),
    ("Dr. Lee 1234567893", ["1234567893"]),  # valid without context, at threshold
    ("NPI 1234567890", []),  # Luhn fails
    ("NPI 3234567893", []),  # must start 1 or 2
    ("NPI 123456789", []),  # nine digits
    ("NPI 12345678931", []),  # eleven digits
    ("phone 1234567893", []),  # a phone word lowers it below threshold
    ("NPI 1111111111", []),  # degenerate
    ("NPI 1119130965 Order 44", ["1119130965"]),  # the label is nearer than "order"
    ("Order # 1119130965", []),  # a negative label alone
]

DEA = [
    ("DEA AB1234563", ["AB1234563"]),  # check digit 3
    ("prescriber BJ6125341", ["BJ6125341"]),
    ("Reg. F91234563", ["F91234563"]),  # business: 9 as second character
    ("DEA AB1234567", []),  # check digit wrong
    ("DEA ZB1234563", []),  # Z is no registrant type
    ("DEA AB123456", []),  # six digits
    ("Flight UA1234563", []),  # U is a type, but "flight" lowers it
    ("ISBN 1234567890", []),
]

MRN = [
    ("MRN: 00123456", ["00123456"]),
    ("Medical Record Number 4471-229", ["4471-229"]),
    ("Chart # A-229310", ["A-229310"]),
    ("mrn 7781234", ["7781234"]),
    ("Patient ID: 55-20931", ["55-20931"]),
    ("MRN: pending", []),  # no digits
    ("MRN 123", []),  # too short
    ("record 00123456 filed", []),  # no label
    ("MRN 00000000", []),  # degenerate
]

HEALTH_PLAN = [
    ("Member ID: XYZ123456789", ["XYZ123456789"]),
    ("Group # 0044512", ["0044512"]),
    ("Claim No. 2024-00991827", ["2024-00991827"]),
    ("Medicaid ID 12345678A", ["12345678A"]),
    ("Member ID: pending", []),  # no digits
    ("Group Number: GOLD-PLAN", []),  # a name, not a number
    ("member 2024 meeting", []),  # no label
]

EMAIL = [
    ("write to jane.doe@gmail.com today", ["jane.doe@gmail.com"]),
    ("<m.o'neil+pt@mail.example.org>", ["neil+pt@mail.example.org"]),
    ("a_b-c@sub.domain.co.uk", ["a_b-c@sub.domain.co.uk"]),
    ("user@localhost", []),  # no top-level domain
    ("twitter @handle", []),
    ("version 1.2@3", []),
    ("a..b@example.com", []),  # consecutive dots
]

PHONE = [
    ("call (617) 555-0143", ["(617) 555-0143"]),
    ("617-555-0143", ["617-555-0143"]),
    ("617.555.0143", ["617.555.0143"]),
    ("+1 617 555 0143", ["+1 617 555 0143"]),
    ("1-800-555-0199", ["1-800-555-0199"]),
    ("(999) 555-0143", ["(999) 555-0143"]),  # unassigned area code is still a phone
    ("phone 6175550143", ["6175550143"]),  # bare ten digits with context
    ("order 6175550143", []),  # bare without phone context
    ("123-555-0143", []),  # area code cannot start with 1
    ("617-155-0143", []),  # exchange cannot start with 1
    ("SSN 219-09-9998", []),
    ("ZIP 02115", []),
    ("in 2024 and 2025", []),
]

DATE = [
    ("DOB 01/24/1948", ["01/24/1948"]),
    ("born 1/24/48", ["1/24/48"]),
    ("January 24, 1948", ["January 24, 1948"]),
    ("24 Jan 1948", ["24 Jan 1948"]),
    ("admitted 2023-11-02", ["2023-11-02"]),
    ("Sept. 3rd, 2021", ["Sept. 3rd, 2021"]),
    ("24/01/1948", ["24/01/1948"]),  # day first is still a date
    ("02/30/1990", []),  # no such day
    ("13/13/2001", []),  # no such month either way
    ("in 1948", []),  # a year alone
    ("on 12/15", []),  # no year
    ("version 2023-11-02", []),  # version words lower it
    ("ratio 1/2/3", []),
    ("ZIP 02115", []),
]

MONTH_DAY = [
    ("TO MEMORIAL 3/14", ["3/14"]),  # a month/day with a slash stands alone
    ("seen 7/22 in clinic", ["7/22"]),
    ("ON 3-15", ["3-15"]),  # a dash after "on"
    ("admitted 7-23 from home", ["7-23"]),
    ("on the 22nd", ["22nd"]),
    ("Jan 3", ["Jan 3"]),
    ("JAN 3 PT SEEN", ["JAN 3"]),  # capitals, as nursing notes write
    ("3rd of March", ["3rd of March"]),
    ("on 3/4 pt seen", ["3/4"]),  # fraction-like, but after "on"
    ("ON 3-15 AT 2130", ["3-15"]),  # the time is not a date
    ("take 1/2 tab", []),  # a fraction
    ("3/4 of meal eaten", []),  # a fraction, no date word
    ("5/5 strength bilaterally", []),  # a motor score
    ("pain 4/10", []),  # a pain score
    ("BP 120/80", []),  # blood pressure: no month 120
    ("BP 90/60", []),  # nor 90
    ("2-3 times a day", []),  # a range
    ("to 2-3 times daily", []),  # a range after "to": its unit lowers it
    ("on 2-3 L NC", []),  # oxygen flow range
    ("f/u 2-3 wks", []),
    ("seen on the 2nd floor", []),  # an ordinal that is a floor
    ("ratio 1/2/3", []),
    ("at 2130 pt resting", []),  # a time
    ("21:30 meds given", []),  # a time with a colon
    ("0800 vitals stable", []),
    ("pt may 5 go home", []),  # "may" in lower case is a verb
    ("2/31", []),  # no such day
    ("13/14", []),  # no such month
    ("call 555-0147", []),  # a seven-digit phone
]

AGE = [
    ("92 yo female", ["92"]),
    ("91 YO M", ["91"]),
    ("age 94", ["94"]),
    ("94-year-old man", ["94"]),
    ("aged 101", ["101"]),
    ("Age: 92", ["92"]),
    ("92 y.o. pt", ["92"]),
    ("89 yo", []),  # 89 and under stand
    ("age 45", []),
    ("HR 92", []),  # a pulse
    ("sat 94%", []),
    ("temp 98F", []),
    ("92 mg", []),
    ("92 years ago", []),  # a span of time, not an age
]

YEAR = [
    ("in 2019 dx CHF", ["2019"]),
    ("since 1998", ["1998"]),
    ("at 2013 pt resting", []),  # a time of day
    ("1930 hrs", []),
    ("2019", []),  # no year word
    ("in 01/24/1948", []),  # part of a date (reported by date, not here)
    ("MRN 20190012", []),
]

IP = [
    ("login from 203.0.113.45", ["203.0.113.45"]),
    ("host 10.1.2.3", ["10.1.2.3"]),
    ("loopback 127.0.0.1", []),
    ("bad 256.1.1.1", []),
    ("version 1.2.3.4", []),  # version words lower it
    ("1.2.3", []),
]

ADDRESS = [
    ("lives at 123 Main Street", ["123 Main Street"]),
    ("742 Evergreen Terrace, Apt 2B", ["742 Evergreen Terrace, Apt 2B"]),
    ("55 W 42nd St", ["55 W 42nd St"]),
    ("PO Box 1234", ["PO Box 1234"]),
    ("12 Main", []),  # no suffix
    ("table 3 shows Street results", []),
    ("2024 Annual Report", []),
]

ZIP = [
    ("Boston, MA 02115", ["02115"]),
    ("Boston MA 02115-1234", ["02115-1234"]),
    ("ZIP 02115", ["02115"]),
    ("postal code: 90210", ["90210"]),
    ("12345 units shipped", []),  # five digits without context
    ("order total 02115", []),
    ("MA 00000", []),
]

ICD10 = [
    ("Dx E11.65 poorly controlled", ["E11.65"]),
    ("S72.001A hip fracture", ["S72.001A"]),
    ("diagnosis code E1165", ["E1165"]),  # undotted with context
    ("part E1165", []),  # undotted without context
    ("vitamin B12 level", []),
    ("Model X12.3 pump", []),  # model words lower it
    ("U07.1", []),  # chapter U left out
]

PERSON = [
    ("Patient John Smith was seen", ["John Smith"]),
    ("Mr. Okonkwo called", ["Okonkwo"]),
    ("Dear Maria,", ["Maria"]),
    ("her son Carlos Rivera", ["Carlos Rivera"]),
    ("Smith, John", ["Smith, John"]),
    ("Mary Ann Smith arrived", ["Mary Ann Smith"]),
    ("Dr. Priya Raman", ["Priya Raman"]),
    ("follow-up with Amara Nwosu, NP.", ["Amara Nwosu"]),  # unknown pair, credential after
    ("follow-up with Amara Nwosu today", []),  # unknown pair, no name word
    ("Boston General Hospital", []),  # organisation
    ("The Annual Report", []),
    ("May Street", []),  # month and street
    ("Grant Avenue", []),
    ("Blue Cross", []),
    ("PATIENT: WHITAKER, ELEANOR", ["WHITAKER, ELEANOR"]),  # capitals, both parts known
    ("JOHN SMITH", ["JOHN SMITH"]),
    ("PROGRESS NOTE", []),  # a heading in capitals
    ("GRANT AVENUE", []),
]

CONDITION = [
    ("Patient John Smith was diagnosed with HIV in 2019.", ["John Smith", "HIV"]),
    ("MRN 00482213: started sertraline 50 mg daily", ["00482213", "sertraline"]),
    ("Diabetes affects one in ten adults.", []),  # no person near it
    ("John Smith likes cancer research.", ["John Smith"]),  # no condition word
    ("Insulin prices rose; see the leaflet.", []),
]

TABLES = {
    "ssn": SSN,
    "itin": ITIN,
    "mbi": MBI,
    "npi": NPI,
    "dea": DEA,
    "mrn": MRN,
    "health_plan": HEALTH_PLAN,
    "email": EMAIL,
    "phone": PHONE,
    "date": DATE,
    "month_day": MONTH_DAY,
    "age": AGE,
    "year": YEAR,
    "ip_address": IP,
    "street_address": ADDRESS,
    "zip_code": ZIP,
    "icd10": ICD10,
    "person": PERSON,
    "condition": CONDITION,
}

ROWS = [
    pytest.param(name, text, expected, id=f"{name}-{i}")
    for name, table in TABLES.items()
    for i, (text, expected) in enumerate(table)
]


@pytest.mark.parametrize(("name", "text", "expected"), ROWS)
def test_recognizer_table(name: str, text: str, expected: list[str]) -> None:
    assert found(name, text) == expected


def test_every_recognizer_has_a_table_with_negative_rows() -> None:
    from phiwatch.scan.recognizers import BUILTIN

    missing = set(BUILTIN) - set(TABLES) - {"url"}
    assert not missing
    for name, table in TABLES.items():
        assert any(not expected for _, expected in table), name


URL = [
    (
        "portal https://mychart.example-health.org/patient/8812",
        ["https://mychart.example-health.org/patient/8812"],
    ),
    ("see http://localhost/x", []),  # no dotted host
]


@pytest.mark.parametrize(("text", "expected"), URL)
def test_url_recognizer_when_enabled(text: str, expected: list[str]) -> None:
    assert found("url", text) == expected
