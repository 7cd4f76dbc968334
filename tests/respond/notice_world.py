"""An incident of the respond world ready for notices: sources added, facts set.

dr-1 read p-01 to p-05 (p-03 and p-04 are minors, p-05 is deceased); clerk-9
exported billing records of p-05 to p-07 from 10.9.9.9 (p-06 has no street
line). So 7 individuals, 6 with a postal address.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from phiwatch import respond
from tests.respond.conftest import World

FACTS = {
    "organisation": "Springfield Community Clinic",
    "org_state": "IL",
    "entity_type": "provider",
    "what_happened": "An employee looked at patient records without a work reason and exported "
    "a billing list.",
    "org_actions": "We ended the employee's access, reported the matter to the police and are "
    "training all staff again.",
    "safeguards": "Role-based access, audit logging.",
    "breach_types": "unauthorized",
    "locations": "emr",
    "contact_phone": "(800) 555-0199",
    "contact_email": "privacy@springfield-clinic.example",
    "contact_web": "https://springfield-clinic.example/notice",
}
PHONE = "1-800-555-0199"
# name in the context -> the letter variant it must get
VARIANT_OF = {
    "Given Family01": "individual",
    "Given Family02": "individual",
    "Given Family03": "guardian",
    "Given Family04": "guardian",
    "Given Family05": "next_of_kin",
    "Given Family07": "individual",
}


# The Spanish versions of FACTS' free-text facts.
FACTS_ES = {
    "what_happened_es": "Un empleado miró expedientes de pacientes sin un motivo de trabajo y "
    "exportó una lista de facturación.",
    "org_actions_es": "Le quitamos el acceso al empleado, informamos a la policía y estamos "
    "capacitando de nuevo a todo el personal.",
}


def ready_incident(world: World, *, facts: dict[str, str] | None = None) -> int:
    incident = respond.open_incident(
        world.store,
        "Snooping and billing export",
        discovered=date(2026, 3, 2),
        occurred_from=date(2026, 2, 10),
        occurred_to=date(2026, 2, 20),
    )
    respond.add_source(world.store, incident, respond.from_lake(world.settings, user="dr-1"))
    respond.add_source(world.store, incident, respond.from_lake(world.settings, address="10.9.9.9"))
    respond.set_facts(world.store, incident, **(FACTS if facts is None else facts))
    return incident


def words(text: str) -> str:
    """Text with markup and runs of white space reduced, for looking for sentences."""
    return " ".join(re.sub(r"<[^>]+>", " ", text).replace("&#39;", "'").split())


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())
