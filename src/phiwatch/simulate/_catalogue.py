"""Fixed vocabularies of the synthetic hospital: departments, roles, EHR activities."""

from __future__ import annotations

from typing import NamedTuple


class Department(NamedTuple):
    code: str
    name: str
    clinical: bool
    ward: bool  # admits inpatients


DEPARTMENTS: tuple[Department, ...] = (
    Department("ED", "Emergency Department", True, False),
    Department("CARD", "Cardiology", True, True),
    Department("ONC", "Oncology", True, True),
    Department("PED", "Pediatrics", True, True),
    Department("ORTH", "Orthopedics", True, True),
    Department("NEUR", "Neurology", True, True),
    Department("IMED", "Internal Medicine", True, True),
    Department("SURG", "General Surgery", True, True),
    Department("OBST", "Obstetrics", True, True),
    Department("ICU", "Intensive Care", True, True),
    Department("PSY", "Psychiatry", True, True),
    Department("DERM", "Dermatology", True, False),
    Department("FAM", "Family Medicine", True, False),
    Department("RAD", "Radiology", True, False),
    Department("REG", "Patient Registration", False, False),
    Department("BILL", "Billing Office", False, False),
    Department("PHARM", "Pharmacy", False, False),
    Department("IT", "Information Technology", False, False),
)
DEPT_INDEX = {d.code: i for i, d in enumerate(DEPARTMENTS)}
CLINICAL = [i for i, d in enumerate(DEPARTMENTS) if d.clinical]
WARDS = [i for i, d in enumerate(DEPARTMENTS) if d.ward]
OUTPATIENT = [i for i, d in enumerate(DEPARTMENTS) if d.clinical and d.code not in ("ED", "ICU")]

# Roles: (code, share of the workforce, home department or None for a clinical one)
ROLES: tuple[tuple[str, float, str | None], ...] = (
    ("physician", 0.22, None),
    ("nurse", 0.50, None),
    ("registration", 0.10, "REG"),
    ("billing", 0.08, "BILL"),
    ("pharmacist", 0.07, "PHARM"),
    ("it", 0.03, "IT"),
)
ROLE_INDEX = {code: i for i, (code, _, _) in enumerate(ROLES)}
PHYSICIAN, NURSE, REGISTRATION, BILLING, PHARMACIST, IT = range(len(ROLES))


class Activity(NamedTuple):
    metric: str  # the CSV METRIC_NAME
    action: str  # FHIR AuditEvent.action
    subtype: str  # FHIR AuditEvent.subtype code


# Names are chosen so that the CSV keyword mapping gives the same action as FHIR.
ACTIVITIES: tuple[Activity, ...] = (
    Activity("Chart Review Accessed", "R", "read"),
    Activity("Results Review", "R", "read"),
    Activity("Notes Viewed", "R", "read"),
    Activity("Medication List Viewed", "R", "read"),
    Activity("Note Signed", "U", "update"),
    Activity("Order Created", "C", "create"),
    Activity("Demographics Edited", "U", "update"),
    Activity("Patient Registered", "C", "create"),
    Activity("Report Printed", "E", "export"),
    Activity("Billing Account Reviewed", "R", "read"),
    Activity("Charge Added", "C", "create"),
    Activity("Medication Verification Updated", "U", "update"),
    Activity("Patient Search", "R", "search-type"),
    Activity("Login", "E", "login"),
    Activity("Break-the-Glass Access", "R", "break-the-glass"),
    Activity("Record Deleted", "D", "delete"),
    Activity("Bulk Query", "R", "search-type"),
)
ACT = {a.metric: i for i, a in enumerate(ACTIVITIES)}
