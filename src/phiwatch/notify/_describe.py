"""Plain words for an access: what was done, and who did it, within the policy.

The lake gives an action (C, R, U, D, E) and a subtype (a FHIR code such as
``read``, or a CSV metric name such as "Demographics Edited"). Patients read
"viewed your record", "changed your address or contact details", "printed
part of your record". Modifications of demographics or insurance are
flagged for attention whatever explains them.

Staff are named per the organisation's policy (``notify_staff_names``):
"Nurse J. Smith, Cardiology" or "A nurse in Cardiology". Nothing clinical
(diagnoses, results, notes) is ever described: only that part of the record
was opened or changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

MODIFYING_ACTIONS = frozenset({"C", "U", "D"})

# (words in the subtype, what the patient reads, demographic/insurance change)
_SPECIFIC: tuple[tuple[tuple[str, ...], str, bool], ...] = (
    (("insurance", "coverage", "payer"), "changed your insurance details", True),
    (("demograph", "address", "contact", "phone"), "changed your address or contact details", True),
    (("register",), "registered you as a patient", True),
    (
        ("break-the-glass", "break the glass"),
        "opened your record with an emergency override",
        False,
    ),
    (("print", "fax"), "printed part of your record", False),
    (("export", "download", "extract", "copy"), "exported part of your record", False),
    (("search", "query"), "found your record in a search", False),
)

_BY_ACTION = {
    "R": "viewed your record",
    "C": "added to your record",
    "U": "changed your record",
    "D": "deleted part of your record",
    "E": "exported part of your record",
}


@dataclass(frozen=True)
class Activity:
    """What an access did, in words, and whether it is a change the patient must hear about."""

    words: str
    modification: bool
    sensitive_change: bool


@lru_cache(maxsize=4096)
def describe_activity(action: str | None, subtype: str | None) -> Activity:
    text = (subtype or "").lower()
    modification = (action or "R") in MODIFYING_ACTIONS
    for keywords, words, sensitive in _SPECIFIC:
        if any(k in text for k in keywords):
            if sensitive and not modification:
                continue  # reading an address is a view, not a change
            return Activity(words, modification, sensitive and modification)
    return Activity(_BY_ACTION.get(action or "R", "opened your record"), modification, False)


ROLE_WORDS = {
    "physician": "Doctor",
    "doctor": "Doctor",
    "nurse": "Nurse",
    "registration": "Registration clerk",
    "billing": "Billing clerk",
    "pharmacist": "Pharmacist",
    "it": "IT staff member",
}


def _role_word(role: str | None) -> str:
    if not role:
        return "Staff member"
    return ROLE_WORDS.get(role.lower(), role.replace("_", " ").capitalize())


def describe_person(
    *,
    policy: str,
    given: str | None,
    family: str | None,
    role: str | None,
    department: str | None,
) -> str:
    """Who, as the policy allows: name and role, or role and department only."""
    role_word = _role_word(role)
    if policy == "name_and_role" and family:
        initial = f"{given.strip()[0]}. " if given and given.strip() else ""
        who = f"{role_word} {initial}{family}"
        return f"{who}, {department}" if department else who
    article = "An" if role_word[0].lower() in "aeiou" else "A"
    who = f"{article} {role_word[0].lower()}{role_word[1:]}"
    if role_word.isupper() or role_word.startswith("IT"):
        who = f"{article} {role_word}"
    return f"{who} in {department}" if department else who


def describe_unknown_user() -> str:
    return "Someone phiwatch cannot name (an account not in the staff list)"
