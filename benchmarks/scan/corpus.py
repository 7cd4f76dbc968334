"""A labelled evaluation corpus for the PHI scanner, generated deterministically from a seed.

Documents are built piece by piece, so every PHI value's byte span is known
exactly: Faker supplies people, places, dates and e-mail addresses;
identifiers with check digits (NPI, DEA, MBI) are generated valid; and
hand-written clinical notes, e-mails and spreadsheets-as-text wrap them,
with look-alikes that are *not* PHI (order numbers shaped like SSNs, years,
version strings, room numbers, ZIP-shaped amounts, vitamin B12) left
unlabelled on purpose. ``filler`` documents hold no PHI at all: any
identifier found there is a false positive.

Nothing is stored: ``build_corpus(seed, documents)`` regenerates the same
corpus on every machine.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from faker import Faker

from phiwatch.scan.recognizers.npi import npi_valid

ENTITIES = (
    "SSN", "ITIN", "MBI", "NPI", "DEA", "MRN", "HEALTH_PLAN_ID", "EMAIL", "PHONE", "DATE",
    "IP_ADDRESS", "STREET_ADDRESS", "ZIP_CODE", "ICD10", "PERSON",
)  # fmt: skip
IDENTIFIER_TYPES = frozenset(ENTITIES) - {"PERSON"}

ICD10_CODES = (
    "E11.65", "E11.9", "I25.10", "J45.909", "F32.9", "M54.50", "N18.30", "Z79.4", "C50.911",
    "S72.001A", "K21.9", "G47.33", "E78.5", "I48.91", "F41.1", "J44.1", "O24.419", "T81.4XXA",
)  # fmt: skip
UNDOTTED_ICD10 = ("I10", "E119", "F329", "J449", "K219", "R519")
DRUGS = ("metformin", "lisinopril", "atorvastatin", "sertraline", "insulin glargine", "apixaban")
MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"
STATES = ("MA", "NY", "CA", "TX", "IL", "OH", "WA", "GA", "FL", "PA", "NC", "AZ")

FILLER = (
    "The Finance Committee approved the Annual Budget on Tuesday after a short debate.",
    "Order 482-19-1234 shipped from the Central Warehouse and arrives within 5 business days.",
    "Version 2.14.3 of the scheduling software was released in 2024 with 17 bug fixes.",
    "Room 12 on Floor 3 is reserved for the Quality Council from 10:00 to 11:30.",
    "Invoice total 12345 was paid by wire; tracking 6175550143 confirms delivery.",
    "Parking rates rise to $14.50 in March; the garage on Main Street closes at 22:00.",
    "The Springfield General Hospital foundation raised 250000 dollars in 2023.",
    "Vitamin B12 and vitamin D levels were discussed at the Nutrition Grand Rounds.",
    "Model X12.3 infusion pumps must be inspected every 90 days per policy 7.2.",
    "Blue Cross and Aetna contracts renew on the first business day of the quarter.",
    "Staff should complete the annual privacy training before December 31.",
    "The cafeteria serves 1200 meals a day; menu ratings averaged 4.2 out of 5.",
    "Server 10.0.0.0/8 ranges are reserved; see the network diagram version 3.1.",
    "Please badge in at the East Entrance; visitors sign the log at the front desk.",
    "Part number 2125551234 fits the older wall-mounted monitors in the Cardiology wing.",
    "ISBN 978-0-306-40615-7 is the reference text for the new nurse residency program.",
    # Capitalised places, organisations and holidays: not people.
    "The United States Department of Health and Human Services issued new guidance.",
    "Staff from Johns Hopkins Medicine and the Mayo Clinic met in Los Angeles County.",
    "The clinic is closed on Martin Luther King Jr. Day and on Memorial Day.",
    "Kaiser Permanente and Mount Sinai joined the New York State pilot.",
    "Santa Clara Valley Medical Center opened a wing named for the Saint Joseph sisters.",
    "Our Lady of Lourdes Hospital shares a laboratory with Boston Children's.",
    "The Grant Writing Workshop moves to Carter Hall next Thursday.",
    "Microsoft Teams links for the Quality Council are posted on the intranet.",
)  # fmt: skip

CLINICAL = (
    "Reports intermittent chest pain, worse on exertion, relieved by rest.",
    "Blood pressure 128/82, pulse 76, afebrile. Lungs clear to auscultation.",
    "Continue {drug} as prescribed; recheck labs in 3 months.",
    "No known drug allergies. Denies tobacco use; drinks socially.",
    "Follow up in 2 weeks or sooner if symptoms worsen.",
    "A1c 8.1 percent, up from 7.4; diet counselling provided.",
)


@dataclass
class Document:
    """One document: its bytes, its labelled PHI spans and a kind for reporting."""

    kind: str
    data: bytearray = field(default_factory=bytearray)
    spans: list[tuple[str, int, int]] = field(default_factory=list)

    def add(self, text: str, entity: str | None = None) -> None:
        piece = text.encode("utf-8")
        if entity is not None:
            self.spans.append((entity, len(self.data), len(self.data) + len(piece)))
        self.data += piece


class _Gen:
    """Valid identifiers, people and places, all from one seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker(["en_US", "es_MX", "fr_FR", "de_DE", "it_IT", "en_IN"])
        self.fake.seed_instance(seed)
        self.us = self.fake["en_US"]

    def ssn(self) -> str:
        area = self.rng.choice([a for a in range(1, 900) if a != 666])
        return f"{area:03d}-{self.rng.randint(1, 99):02d}-{self.rng.randint(1, 9999):04d}"

    def itin(self) -> str:
        group = self.rng.choice([*range(50, 66), *range(70, 89), 90, 91, 92, *range(94, 100)])
        return f"9{self.rng.randint(0, 99):02d}-{group}-{self.rng.randint(1, 9999):04d}"

    def mbi(self, dashed: bool) -> str:
        r = self.rng
        alnum = MBI_LETTERS + "0123456789"
        chars = [
            str(r.randint(1, 9)),
            r.choice(MBI_LETTERS),
            r.choice(alnum),
            str(r.randint(0, 9)),
            r.choice(MBI_LETTERS),
            r.choice(alnum),
            str(r.randint(0, 9)),
            r.choice(MBI_LETTERS),
            r.choice(MBI_LETTERS),
            str(r.randint(0, 9)),
            str(r.randint(0, 9)),
        ]
        value = "".join(chars)
        return f"{value[:4]}-{value[4:7]}-{value[7:]}" if dashed else value

    def npi(self) -> str:
        while True:
            base = self.rng.choice("12") + "".join(self.rng.choice("0123456789") for _ in range(8))
            for check in "0123456789":
                if npi_valid(base + check):
                    return base + check

    def dea(self, surname: str) -> str:
        digits = [self.rng.randint(0, 9) for _ in range(6)]
        odd, even = digits[0] + digits[2] + digits[4], digits[1] + digits[3] + digits[5]
        check = (odd + 2 * even) % 10
        body = "".join(map(str, digits)) + str(check)
        return self.rng.choice("ABFGM") + surname[0].upper() + body

    def phone(self) -> str:
        r = self.rng
        area, exchange = r.randint(201, 989), r.randint(200, 999)
        line = r.randint(0, 9999)
        form = r.randrange(5)
        if form == 0:
            return f"({area}) {exchange}-{line:04d}"
        if form == 1:
            return f"{area}-{exchange}-{line:04d}"
        if form == 2:
            return f"{area}.{exchange}.{line:04d}"
        if form == 3:
            return f"+1 {area} {exchange} {line:04d}"
        return f"1-{area}-{exchange}-{line:04d}"

    def when(self, start: int = 1930, end: int = 2025) -> date:
        return date(self.rng.randint(start, end), self.rng.randint(1, 12), self.rng.randint(1, 28))

    def date_text(self, value: date) -> str:
        form = self.rng.randrange(6)
        if form == 0:
            return f"{value.month:02d}/{value.day:02d}/{value.year}"
        if form == 1:
            return f"{value.month}/{value.day}/{value.year % 100:02d}"
        if form == 2:
            return value.strftime("%B ") + f"{value.day}, {value.year}"
        if form == 3:
            return f"{value.day} " + value.strftime("%b %Y")
        if form == 4:
            return value.isoformat()
        return value.strftime("%b. ") + f"{value.day}, {value.year}"

    def person(self) -> tuple[str, str]:
        """Mostly US names; one in five Mexican; one in ten from locales whose name lists
        the scanner does not load (French, German, Italian, Indian), to measure how
        names outside the lists fare."""
        draw = self.rng.random()
        if draw < 0.1:
            locale = self.fake[self.rng.choice(["fr_FR", "de_DE", "it_IT", "en_IN"])]
        elif draw < 0.3:
            locale = self.fake["es_MX"]
        else:
            locale = self.us
        first, last = locale.first_name(), locale.last_name()
        return _ascii(first.split()[0]), _ascii(last.split()[-1])

    def email(self, first: str, last: str) -> str:
        domain = self.rng.choice(["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com"])
        sep = self.rng.choice([".", "_", ""])
        return f"{first.lower()}{sep}{last.lower()}{self.rng.randint(1, 99)}@{domain}"

    def street(self) -> str:
        return self.us.street_address()

    def city(self) -> str:
        return self.us.city()

    def zip(self) -> str:
        return self.us.zipcode_plus4() if self.rng.random() < 0.2 else self.us.zipcode()


def _ascii(text: str) -> str:
    """Names as a US record system often stores them: accents dropped."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(ch for ch in decomposed if ch.isascii())


def clinical_note(g: _Gen) -> Document:
    doc = Document("clinical note")
    first, last = g.person()
    title = g.rng.choice(["Mr.", "Mrs.", "Ms."])
    doc.add("PROGRESS NOTE\nPatient: ")
    doc.add(f"{first} {last}", "PERSON")
    doc.add("\nDOB: ")
    doc.add(g.date_text(g.when(1930, 2010)), "DATE")
    doc.add("   MRN: ")
    doc.add(str(g.rng.randint(1000000, 99999999)), "MRN")
    doc.add("\nDate of service: ")
    doc.add(g.date_text(g.when(2019, 2025)), "DATE")
    doc.add("\n\n")
    doc.add(f"{title} ")
    doc.add(last, "PERSON")
    doc.add(" is seen for follow-up. ")
    for _ in range(g.rng.randint(2, 4)):
        doc.add(g.rng.choice(CLINICAL).format(drug=g.rng.choice(DRUGS)) + " ")
    doc.add("\nAssessment: Dx ")
    doc.add(g.rng.choice(ICD10_CODES), "ICD10")
    if g.rng.random() < 0.5:
        doc.add(", ICD-10 ")
        doc.add(g.rng.choice(UNDOTTED_ICD10), "ICD10")
    doc.add(".\n")
    relative_first, _ = g.person()
    relation = g.rng.choice(["daughter", "son", "wife", "husband"])
    doc.add(f"Emergency contact: {relation} ")
    doc.add(f"{relative_first} {last}", "PERSON")
    doc.add(", phone ")
    doc.add(g.phone(), "PHONE")
    doc.add(".\nAddress: ")
    doc.add(g.street(), "STREET_ADDRESS")
    doc.add(f", {g.city()}, {g.rng.choice(STATES)} ")
    doc.add(g.zip(), "ZIP_CODE")
    doc.add("\nInsurance: Medicare MBI ")
    doc.add(g.mbi(dashed=g.rng.random() < 0.5), "MBI")
    doc.add("; Member ID: ")
    plan = g.rng.choice(["XWB", "ZGP", "HMO"])
    doc.add(f"{plan}{g.rng.randint(100000000, 999999999)}", "HEALTH_PLAN_ID")
    doc.add("\nSSN: ")
    ssn = g.ssn()
    doc.add(ssn if g.rng.random() < 0.7 else ssn.replace("-", ""), "SSN")
    doc.add("\n")
    doc_first, doc_last = g.person()
    doc.add("Electronically signed by Dr. ")
    doc.add(f"{doc_first} {doc_last}", "PERSON")
    doc.add(", NPI ")
    doc.add(g.npi(), "NPI")
    doc.add(", DEA ")
    doc.add(g.dea(doc_last), "DEA")
    # An order number shaped like an SSN: not PHI, must not be reported.
    r = g.rng
    order = f"{r.randint(100, 899)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}"
    doc.add(f". Room {r.randint(100, 999)}, order {order}.\n")
    return doc


def email_message(g: _Gen) -> Document:
    doc = Document("e-mail")
    first, last = g.person()
    sender_first, sender_last = g.person()
    doc.add("From: ")
    doc.add(g.email(sender_first, sender_last), "EMAIL")
    doc.add("\nTo: ")
    doc.add(g.email(first, last), "EMAIL")
    doc.add("\nSubject: your appointment\n\nDear ")
    doc.add(first, "PERSON")
    doc.add(",\n\nThis confirms your visit on ")
    doc.add(g.date_text(g.when(2024, 2026)), "DATE")
    doc.add(". Please bring your insurance card (Group # ")
    doc.add(str(g.rng.randint(100000, 9999999)), "HEALTH_PLAN_ID")
    doc.add(") and arrive 15 minutes early. " + g.rng.choice(FILLER) + "\n")
    if g.rng.random() < 0.5:
        doc.add("For the tax form we still need your ITIN ")
        doc.add(g.itin(), "ITIN")
        doc.add(".\n")
    doc.add("We logged your portal sign-in from ")
    doc.add(g.us.ipv4_public(), "IP_ADDRESS")
    doc.add(f" at {g.rng.randint(1, 12)}:{g.rng.randint(10, 59)}.\n")
    doc.add("\nRegards,\n")
    doc.add(f"{sender_first} {sender_last}", "PERSON")
    doc.add("\nFront Desk, Springfield General Hospital\nTel ")
    doc.add(g.phone(), "PHONE")
    doc.add("\n")
    return doc


def roster_csv(g: _Gen) -> Document:
    doc = Document("csv export")
    doc.add("name,dob,ssn,phone,email,visits\n")
    for _ in range(g.rng.randint(5, 15)):
        first, last = g.person()
        if g.rng.random() < 0.5:
            doc.add(f"{first} {last}", "PERSON")
        else:
            doc.add('"')
            doc.add(f"{last}, {first}", "PERSON")
            doc.add('"')
        doc.add(",")
        born = g.date_text(g.when(1930, 2010))
        quote = '"' if "," in born else ""
        doc.add(quote)
        doc.add(born, "DATE")
        doc.add(quote + ",")
        ssn = g.ssn()
        doc.add(ssn.replace("-", "") if g.rng.random() < 0.5 else ssn, "SSN")
        doc.add(",")
        doc.add(g.phone(), "PHONE")
        doc.add(",")
        doc.add(g.email(first, last), "EMAIL")
        doc.add(f",{g.rng.randint(1, 40)}\n")
    return doc


def filler(g: _Gen) -> Document:
    doc = Document("filler")
    for _ in range(g.rng.randint(8, 20)):
        if g.rng.random() < 0.5:
            doc.add(g.rng.choice(FILLER) + " ")
        else:
            doc.add(g.us.paragraph(nb_sentences=3) + " ")
        if g.rng.random() < 0.2:
            doc.add("\n")
    doc.add("\n")
    return doc


BUILDERS = (clinical_note, clinical_note, email_message, roster_csv, filler, filler)


def build_corpus(seed: int = 20261123, documents: int = 600) -> list[Document]:
    """``documents`` documents, the same for the same seed on every machine."""
    g = _Gen(seed)
    return [BUILDERS[i % len(BUILDERS)](g) for i in range(documents)]
