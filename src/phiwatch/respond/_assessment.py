"""The risk assessment of 45 CFR 164.402: exceptions, safe harbour, four factors, a result.

An impermissible use or disclosure of PHI is presumed a breach unless one of
the three exceptions applies, the PHI was secured (encrypted per HHS
guidance: the notification rule covers unsecured PHI only), or an assessment
of four factors shows a low probability that the PHI was compromised.

phiwatch pre-fills the answers from what it knows (the scope's elements,
whether a source exported records, whether the person was a workforce
member) and applies one documented, conservative rule to the factors:

* factor 3 (was the PHI actually acquired or viewed?) answered "not viewed"
  is enough for a low probability (the stolen laptop recovered unopened);
* otherwise all three of the other factors must be low: only demographics
  with a low chance of re-identification, a recipient bound by HIPAA (a
  workforce member or another covered entity), and the risk mitigated
  (assurances of return or destruction, or recovered).

Anything else is "breach: notify". Assessments are never edited: each save
is a new version with who decided and when, and the newest one counts.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from sqlalchemy import func, select

from phiwatch.errors import InputError, NotFoundError
from phiwatch.respond._scope import compute_scope, latest_scope
from phiwatch.store import Store
from phiwatch.store.models.monitor import WorkforceMember
from phiwatch.store.models.respond import Assessment, Incident, IncidentSource

Result = Literal["notify", "no_notice"]
CHOICES: dict[str, tuple[str, ...]] = {
    "reidentification": ("low", "high"),
    "recipient": ("workforce", "covered_entity", "unknown"),
    "acquired": ("not_viewed", "viewed", "acquired"),
    "mitigation": ("none", "assurances", "recovered"),
}
QUESTIONS = {
    "unintentional_workforce_access": (
        "Exception 1: was it an unintentional, good-faith access by a workforce member "
        "acting within their authority, with no further use or disclosure?"
    ),
    "inadvertent_authorised_disclosure": (
        "Exception 2: was it an inadvertent disclosure between people authorised to access "
        "PHI at the same entity or arrangement, with no further use or disclosure?"
    ),
    "could_not_retain": (
        "Exception 3: does the entity believe in good faith that the recipient could not "
        "reasonably have retained the information?"
    ),
    "encrypted": (
        "Safe harbour: was the PHI secured (encrypted per HHS guidance, key not compromised) "
        "or destroyed?"
    ),
    "reidentification": (
        "Factor 1: likelihood of re-identification from the PHI involved (low, high)"
    ),
    "recipient": ("Factor 2: who used or received the PHI (workforce, covered_entity, unknown)"),
    "acquired": "Factor 3: was the PHI actually acquired or viewed (not_viewed, viewed, acquired)",
    "mitigation": "Factor 4: how far was the risk mitigated (none, assurances, recovered)",
}


@dataclass(frozen=True)
class Answers:
    """The answers of one assessment; every field is a question in ``QUESTIONS``."""

    unintentional_workforce_access: bool = False
    inadvertent_authorised_disclosure: bool = False
    could_not_retain: bool = False
    encrypted: bool = False
    reidentification: str = "high"
    recipient: str = "unknown"
    acquired: str = "viewed"
    mitigation: str = "none"
    elements: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                raise InputError(f"{name} expects one of {', '.join(allowed)}")


def answer_names() -> list[str]:
    return [f.name for f in fields(Answers) if f.name != "elements"]


def with_answers(base: Answers, values: dict[str, str]) -> Answers:
    """``base`` with answers given as text (``yes``/``no`` or a choice), checked."""
    changed: dict[str, Any] = {}
    for name, text in values.items():
        if name not in QUESTIONS:
            raise InputError(f"no question {name!r}; the questions are {', '.join(QUESTIONS)}")
        value = text.strip().lower()
        if name in CHOICES:
            changed[name] = value
        elif value in ("yes", "y", "true", "1"):
            changed[name] = True
        elif value in ("no", "n", "false", "0"):
            changed[name] = False
        else:
            raise InputError(f"{name} expects yes or no")
    return Answers(**{**asdict(base), **changed})


def prefill(store: Store, incident_id: int) -> Answers:
    """Answers from what phiwatch knows: elements, exports, whether the person was workforce."""
    scope = latest_scope(store, incident_id) or compute_scope(store, incident_id)
    with store.reader() as session:
        if session.get(Incident, incident_id) is None:
            raise NotFoundError(f"no incident {incident_id}")
        sources = list(
            session.scalars(select(IncidentSource).where(IncidentSource.incident_id == incident_id))
        )
        users = set()
        internal = bool(sources)
        for source in sources:
            detail = json.loads(source.detail)
            if source.kind == "case":
                continue  # a monitor case is always about a workforce account
            if source.kind == "lake" and detail.get("user_pseudonym"):
                users.add(detail["user_pseudonym"])
            else:
                internal = False
        if users:
            known = session.scalar(
                select(func.count(func.distinct(WorkforceMember.pseudonym))).where(
                    WorkforceMember.pseudonym.in_(users)
                )
            )
            internal = internal and known == len(users)
    elements = tuple(scope["elements"])
    return Answers(
        reidentification="low" if not elements else "high",  # names identify directly
        recipient="workforce" if internal else "unknown",
        acquired="acquired" if scope["exported"] else "viewed",
        elements=elements,
    )


def decide(answers: Answers) -> tuple[Result, list[str]]:
    """The result and its reasons in words, by the rule in this module's docstring."""
    exceptions = [
        ("unintentional_workforce_access", "164.402(1)(i): unintentional good-faith access"),
        ("inadvertent_authorised_disclosure", "164.402(1)(ii): inadvertent authorised disclosure"),
        ("could_not_retain", "164.402(1)(iii): the recipient could not have retained it"),
    ]
    applied = [text for name, text in exceptions if getattr(answers, name)]
    if applied:
        return "no_notice", [f"Not a breach: exception {t}." for t in applied]
    if answers.encrypted:
        return "no_notice", [
            "The PHI was secured per HHS guidance (encryption, key not compromised): "
            "the notification rule covers unsecured PHI only (164.402, 164.404(a))."
        ]
    elements = ", ".join(answers.elements) or "none recorded"
    low = {
        "nature": answers.reidentification == "low" and set(answers.elements) <= {"demographics"},
        "recipient": answers.recipient in ("workforce", "covered_entity"),
        "acquired": answers.acquired == "not_viewed",
        "mitigation": answers.mitigation != "none",
    }
    reasons = [
        f"Factor 1 ({'low' if low['nature'] else 'high'}): elements {elements}; "
        f"re-identification {answers.reidentification}.",
        f"Factor 2 ({'low' if low['recipient'] else 'high'}): recipient {answers.recipient}"
        + (" (bound by HIPAA)." if low["recipient"] else " (not known to be bound by HIPAA)."),
        f"Factor 3 ({'low' if low['acquired'] else 'high'}): the PHI was "
        + {"not_viewed": "not viewed.", "viewed": "viewed.", "acquired": "acquired."}[
            answers.acquired
        ],
        f"Factor 4 ({'low' if low['mitigation'] else 'high'}): mitigation {answers.mitigation}.",
    ]
    if low["acquired"]:
        return "no_notice", [*reasons, "Low probability of compromise: not acquired or viewed."]
    if low["nature"] and low["recipient"] and low["mitigation"]:
        return "no_notice", [*reasons, "Low probability of compromise: factors 1, 2, 4 are low."]
    return "notify", [*reasons, "Breach: a low probability of compromise is not demonstrated."]


def _record(row: Assessment) -> dict[str, Any]:
    return {
        "incident": row.incident_id,
        "version": row.version,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at,
        "result": row.result,
        "reasons": json.loads(row.reasons),
        "answers": json.loads(row.answers),
    }


def save_assessment(
    store: Store, incident_id: int, answers: Answers, *, decided_by: str
) -> dict[str, Any]:
    """Decide and store a new version (the first, or a revision); the stored record."""
    if not decided_by.strip():
        raise InputError("an assessment needs the name of who decided (--by)")
    result, reasons = decide(answers)
    with store.transaction() as session:
        if session.get(Incident, incident_id) is None:
            raise NotFoundError(f"no incident {incident_id}")
        last = session.scalar(
            select(func.max(Assessment.version)).where(Assessment.incident_id == incident_id)
        )
        row = Assessment(
            incident_id=incident_id,
            version=(last or 0) + 1,
            decided_by=decided_by.strip(),
            answers=json.dumps(asdict(answers), sort_keys=True),
            result=result,
            reasons=json.dumps(reasons),
        )
        session.add(row)
        session.flush()
        return _record(row)


def assessments(store: Store, incident_id: int) -> list[dict[str, Any]]:
    """Every version of an incident's assessment, oldest first."""
    with store.reader() as session:
        rows = session.scalars(
            select(Assessment)
            .where(Assessment.incident_id == incident_id)
            .order_by(Assessment.version)
        )
        return [_record(r) for r in rows]


def current_result(store: Store, incident_id: int) -> Result | None:
    """The newest assessment's result, or None when the incident was never assessed."""
    with store.reader() as session:
        result = session.scalar(
            select(Assessment.result)
            .where(Assessment.incident_id == incident_id)
            .order_by(Assessment.version.desc())
            .limit(1)
        )
    return "notify" if result == "notify" else ("no_notice" if result else None)
