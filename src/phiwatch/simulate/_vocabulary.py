"""Role and department vocabularies, as different EHRs and rosters spell them.

A detector or explanation rule that works only on the simulator's own words
(``registration``, ``billing``) has learnt the simulator, not hospitals.
Each vocabulary here spells the same roles and departments the way one kind
of system does: job titles with local numeric codes (Epic-like), short
upper-case position codes (Cerner-like), provider taxonomy codes for
clinicians with local words for the rest (NUCC-style), numeric occupation
codes (SNOMED-style: the shape of the codes, not a claim that each one is
the published concept), and titles typed by hand with their typos. The
codes and titles were written for phiwatch; none is copied from a product.

A vocabulary gives each role several titles; every employee draws one, so
one role arrives as several strings with their own support, as in a real
roster.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from phiwatch.errors import InputError
from phiwatch.simulate._catalogue import DEPARTMENTS, ROLES


class Title(NamedTuple):
    code: str  # PractitionerRole.code.coding.code (what a loader reads as the role)
    display: str  # its display and text, and the CSV ``role`` column


class Vocabulary(NamedTuple):
    name: str
    system: str  # the coding system of the role codes
    roles: Mapping[str, tuple[Title, ...]]  # simulator role code (and "dba") -> titles
    departments: dict[str, tuple[str, str]]  # simulator department code -> (code, name)
    float_pool: tuple[str, str]  # (code, name) of the nurses' float pool


def _titles(*pairs: tuple[str, str]) -> tuple[Title, ...]:
    return tuple(Title(code, display) for code, display in pairs)


def _same(*names: str) -> tuple[Title, ...]:
    """Titles whose code is the title itself (rosters that only have text)."""
    return tuple(Title(n, n) for n in names)


_SIM = Vocabulary(
    "sim",
    "urn:sim:role",
    {code: (Title(code, code),) for code, _, _ in ROLES} | {"dba": (Title("dba", "dba"),)},
    {d.code: (d.code, d.name) for d in DEPARTMENTS},
    ("FLOAT", "Float Pool"),
)

_EPIC_LIKE = Vocabulary(
    "epic",
    "urn:sim:epic-like:job-code",
    {
        "physician": _titles(
            ("40110", "Attending Physician"),
            ("40111", "Hospitalist"),
            ("40112", "Resident Physician"),
            ("40113", "Physician"),
        ),
        "nurse": _titles(
            ("40210", "RN"),
            ("40211", "Staff Nurse"),
            ("40212", "Charge Nurse"),
            ("40213", "Licensed Practical Nurse"),
        ),
        "registration": _titles(
            ("40310", "Patient Access Representative"),
            ("40311", "Registrar"),
            ("40312", "Patient Access Specialist"),
        ),
        "billing": _titles(
            ("40410", "Biller"),
            ("40411", "Coder"),
            ("40412", "Patient Account Representative"),
        ),
        "pharmacist": _titles(
            ("40510", "Pharmacist"),
            ("40511", "Clinical Pharmacist"),
            ("40512", "Pharmacy Technician"),
        ),
        "it": _titles(("40610", "Application Analyst"), ("40611", "Help Desk Analyst")),
        "dba": _titles(("40620", "Database Administrator")),
    },
    {
        "ED": ("10010001", "ED"),
        "CARD": ("10010002", "5 EAST CARDIAC"),
        "ONC": ("10010003", "6 NORTH ONCOLOGY"),
        "PED": ("10010004", "3 WEST PEDS"),
        "ORTH": ("10010005", "7 SOUTH ORTHO"),
        "NEUR": ("10010006", "8 EAST NEURO"),
        "IMED": ("10010007", "4 WEST MED SURG"),
        "SURG": ("10010008", "2 NORTH SURGICAL"),
        "OBST": ("10010009", "L&D WOMENS"),
        "ICU": ("10010010", "MICU"),
        "PSY": ("10010011", "BEHAVIORAL HEALTH 9"),
        "DERM": ("10010012", "DERM CLINIC"),
        "FAM": ("10010013", "FAMILY MED CLINIC"),
        "RAD": ("10010014", "IMAGING"),
        "REG": ("10010015", "PATIENT ACCESS"),
        "BILL": ("10010016", "PFS CENTRAL BILLING OFFICE"),
        "PHARM": ("10010017", "INPATIENT PHARMACY"),
        "IT": ("10010018", "IS APPLICATIONS"),
    },
    ("10010099", "NURSING RESOURCE POOL"),
)

_CERNER_LIKE = Vocabulary(
    "cerner",
    "urn:sim:cerner-like:position",
    {
        "physician": _same("MD", "DO", "PHYSICIAN - HOSPITALIST", "RESIDENT"),
        "nurse": _same("RN", "NURSE - STAFF", "LPN", "RN - CHARGE"),
        "registration": _same("REGISTRAR", "REGISTRATION CLERK", "ADMITTING CLERK"),
        "billing": _same("BILLER", "CODER", "HIM CODING"),
        "pharmacist": _same("PHARMACIST", "PHARMD", "PHARMACY TECH"),
        "it": _same("IT ANALYST", "IT SUPPORT"),
        "dba": _same("DBA"),
    },
    {
        "ED": ("EMER", "Emergency Department"),
        "CARD": ("CARD", "Cardiac Step-Down"),
        "ONC": ("ONC", "Oncology Unit"),
        "PED": ("PEDS", "Pediatric Unit"),
        "ORTH": ("ORTHO", "Orthopedic Unit"),
        "NEUR": ("NEURO", "Neuroscience Unit"),
        "IMED": ("MEDSURG", "Medical Surgical Unit"),
        "SURG": ("SURG", "Surgical Unit"),
        "OBST": ("OB", "Labor and Delivery"),
        "ICU": ("ICU", "Intensive Care Unit"),
        "PSY": ("BH", "Behavioral Health Unit"),
        "DERM": ("DERMC", "Dermatology Clinic"),
        "FAM": ("FMC", "Family Medicine Clinic"),
        "RAD": ("RADS", "Radiology"),
        "REG": ("ADMIT", "Admitting"),
        "BILL": ("PFS", "Patient Financial Services"),
        "PHARM": ("RX", "Pharmacy"),
        "IT": ("ISD", "Information Services"),
    },
    ("FLOAT", "Float Nursing"),
)

_NUCC_STYLE = Vocabulary(
    "nucc",
    "http://nucc.org/provider-taxonomy",
    {
        "physician": _titles(
            ("207R00000X", "Internal Medicine Physician"),
            ("207P00000X", "Emergency Medicine Physician"),
            ("208D00000X", "General Practice Physician"),
            ("207RC0000X", "Cardiovascular Disease Physician"),
        ),
        "nurse": _titles(
            ("163W00000X", "Registered Nurse"), ("164W00000X", "Licensed Practical Nurse")
        ),
        # provider taxonomies have no code for clerical staff: rosters use local words
        "registration": _same("registrar", "front desk"),
        "billing": _same("biller", "medical coder"),
        "pharmacist": _titles(("183500000X", "Pharmacist"), ("183700000X", "Pharmacy Technician")),
        "it": _same("it support"),
        "dba": _same("database admin"),
    },
    {
        "ED": ("ed", "Emergency Medicine"),
        "CARD": ("card", "Cardiology Ward"),
        "ONC": ("onc", "Hematology Oncology"),
        "PED": ("peds", "Pediatrics Ward"),
        "ORTH": ("ortho", "Orthopaedic Surgery"),
        "NEUR": ("neuro", "Neurology Ward"),
        "IMED": ("im", "General Medicine"),
        "SURG": ("gs", "General Surgery Ward"),
        "OBST": ("ob", "Maternity"),
        "ICU": ("icu", "Critical Care"),
        "PSY": ("psych", "Inpatient Psychiatry"),
        "DERM": ("derm", "Dermatology Outpatients"),
        "FAM": ("fm", "Primary Care"),
        "RAD": ("rad", "Diagnostic Imaging"),
        "REG": ("reg", "Front Office"),
        "BILL": ("rcm", "Revenue Cycle"),
        "PHARM": ("rx", "Pharmacy Services"),
        "IT": ("it", "Information Technology"),
    },
    ("float", "Float Pool Nursing"),
)

_SNOMED_STYLE = Vocabulary(
    "snomed",
    "urn:sim:snomed-style:occupation",
    {
        "physician": _titles(("309343006", "Physician"), ("158965000", "Medical practitioner")),
        "nurse": _titles(("224535009", "Registered nurse"), ("224529009", "Clinical nurse")),
        "registration": _titles(
            ("159483005", "Clerical receptionist"), ("159561009", "Receptionist")
        ),
        "billing": _titles(("307988006", "Medical coder"), ("158992000", "Accounts clerk")),
        "pharmacist": _titles(("46255001", "Pharmacist"), ("159040002", "Pharmacy technician")),
        "it": _titles(
            ("159052007", "Computer support technician"),
        ),
        "dba": _titles(
            ("159048001", "Database administrator"),
        ),
    },
    {d.code: (f"dep-{i + 101}", d.name) for i, d in enumerate(DEPARTMENTS)},
    ("dep-199", "Nurse Bank"),
)

# Typed by hand: case, spacing and spelling vary between employees of one role.
_FREE_TEXT = Vocabulary(
    "free_text",
    "urn:sim:free-text",
    {
        "physician": _same("Physician", "physician", "Dr.", "Phys", "Attending"),
        "nurse": _same("Nurse", "nurse", "R.N.", "Staff nurse", "Registerd Nurse"),
        "registration": _same(
            "Registration Clerk", "registation clerk", "Front Desk", "front desk", "Reg Clerk"
        ),
        "billing": _same("Billing Specialist", "Biling Specialist", "billing", "Coding"),
        "pharmacist": _same("Pharmacist", "pharmacist", "Pharmacisst", "Pharm Tech"),
        "it": _same("IT", "I.T. Support"),
        "dba": _same("DBA", "Data Base Admin"),
    },
    {
        "ED": ("1", "Emergency"),
        "CARD": ("2", "Cardio ward"),
        "ONC": ("3", "Oncology / Hematology"),
        "PED": ("4", "Peds"),
        "ORTH": ("5", "Ortho ward"),
        "NEUR": ("6", "Neuro"),
        "IMED": ("7", "Med-Surg 4W"),
        "SURG": ("8", "Surgery"),
        "OBST": ("9", "OB/GYN"),
        "ICU": ("10", "ICU"),
        "PSY": ("11", "Psych"),
        "DERM": ("12", "Derm clinic"),
        "FAM": ("13", "Family practice"),
        "RAD": ("14", "X-Ray"),
        "REG": ("15", "Registration desk"),
        "BILL": ("16", "Business office"),
        "PHARM": ("17", "Pharmacy"),
        "IT": ("18", "Computer dept"),
    },
    ("19", "Float nurses"),
)

VOCABULARIES: dict[str, Vocabulary] = {
    v.name: v for v in (_SIM, _EPIC_LIKE, _CERNER_LIKE, _NUCC_STYLE, _SNOMED_STYLE, _FREE_TEXT)
}
# What ``--vocabulary random`` chooses among: every vocabulary but the simulator's own.
RANDOM_CHOICES = tuple(name for name in VOCABULARIES if name != "sim")


def vocabulary(name: str) -> Vocabulary:
    try:
        return VOCABULARIES[name]
    except KeyError:
        known = ", ".join([*VOCABULARIES, "random"])
        raise InputError(f"unknown vocabulary {name!r}; known: {known}") from None
