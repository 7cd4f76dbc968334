"""The facts an incident's notices state: who we are, what happened, what we do, how to reach us.

Letters (164.404(c)), substitute and media notices and the HHS report all say
the same things; they are typed once, with ``phiwatch respond facts``, and
kept on the incident. None of them is PHI: they describe the incident, never
a patient. Each setter checks its value (a toll-free number, an e-mail
address, a URL, a state code, the portal's types and locations), so a letter
never goes out with a contact that cannot work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from phiwatch import registry
from phiwatch.errors import InputError, NotFoundError
from phiwatch.respond._wording import ENGLISH, TRANSLATED_FACTS, WORDINGS, fact_name
from phiwatch.store import Store
from phiwatch.store.models.respond import Incident

# North American toll-free prefixes (47 CFR 52.101; 164.404(c)(1)(E) asks for a toll-free number).
TOLL_FREE_PREFIXES = ("800", "833", "844", "855", "866", "877", "888")
ENTITY_TYPES = (
    "Healthcare Provider",
    "Health Plan",
    "Business Associate",
    "Healthcare Clearing House",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")


@dataclass(frozen=True)
class Facts:
    """The stated facts of one incident (``None``: not given yet)."""

    organisation: str | None = None
    org_state: str | None = None
    entity_type: str | None = None
    what_happened: str | None = None
    org_actions: str | None = None
    individual_steps: str | None = None
    safeguards: str | None = None
    breach_types: str | None = None
    locations: str | None = None
    ba_involved: bool | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    contact_web: str | None = None
    contact_postal: str | None = None
    # The free-text facts in Spanish, for the letters of recipients who prefer Spanish.
    what_happened_es: str | None = None
    org_actions_es: str | None = None
    individual_steps_es: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def contacts(self, language: str = ENGLISH) -> list[str]:
        """The contact procedures given, in words of ``language`` (164.404(c)(1)(E))."""
        wording = WORDINGS[language]
        given = (
            (wording.phone, self.contact_phone),
            (wording.email, self.contact_email),
            (wording.web, self.contact_web),
            (wording.postal, self.contact_postal),
        )
        return [sentence.format(value=value) for sentence, value in given if value]

    def text(self, name: str, language: str = ENGLISH) -> str | None:
        """A free-text fact in ``language`` (``None`` when that version is not given)."""
        value: str | None = getattr(self, fact_name(name, language))
        return value

    def missing_translation(self, language: str) -> list[str]:
        """The facts a letter in ``language`` still needs: the versions of what happened and
        what we do, and of the extra step for individuals when there is one in English."""
        if language == ENGLISH:
            return []
        needed = [name for name in TRANSLATED_FACTS if name != "individual_steps"]
        if self.individual_steps:
            needed.append("individual_steps")
        return [fact_name(n, language) for n in needed if not self.text(n, language)]


FACT_NAMES = tuple(f.name for f in fields(Facts))
# What each notice cannot be written without (contacts: the toll-free number plus one more way).
LETTER_NEEDS = ("organisation", "what_happened", "org_actions", "contact_phone")
HHS_NEEDS = ("organisation", "org_state", "entity_type", "breach_types", "locations", "org_actions")


def _text(value: str, option: str) -> str:
    cleaned = " ".join(value.split()) if "\n" not in value else value.strip()
    if not cleaned:
        raise InputError(f"{option} is empty")
    return cleaned


def _phone(value: str, option: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[:3] not in TOLL_FREE_PREFIXES:
        raise InputError(
            f"{option} expects a toll-free number (area code {', '.join(TOLL_FREE_PREFIXES)}), "
            "e.g. 1-800-555-0199"
        )
    return f"1-{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def _labels(value: str, kind: str, option: str) -> str:
    """Portal labels from aliases or labels: ``hacking,theft`` -> ``Hacking/IT Incident, Theft``."""
    choices = registry.filter_choices()[kind]
    by_name = {alias.lower(): label for alias, label in choices}
    by_name.update({label.lower(): label for _, label in choices})
    chosen: list[str] = []
    for part in value.split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name not in by_name:
            raise InputError(
                f"{option} expects {', '.join(a for a, _ in choices)} (comma-separated), "
                f"not {part.strip()!r}"
            )
        if by_name[name] not in chosen:
            chosen.append(by_name[name])
    if not chosen:
        raise InputError(f"{option} is empty")
    order = [label for _, label in choices]
    return ", ".join(sorted(chosen, key=order.index))


def check_fact(name: str, value: Any) -> Any:
    """A fact's value as stored, or an ``InputError`` naming the option."""
    option = "--" + name.replace("_", "-")
    if name not in FACT_NAMES:
        raise InputError(f"unknown fact {name!r}; expected one of {', '.join(FACT_NAMES)}")
    if value is None or name == "ba_involved":
        return value if value is None else bool(value)
    text = str(value)
    if name == "contact_phone":
        return _phone(text, option)
    if name == "contact_email":
        if not _EMAIL.match(text.strip()):
            raise InputError(f"{option} expects an e-mail address like privacy@example.org")
        return text.strip()
    if name == "contact_web":
        if not _URL.match(text.strip()):
            raise InputError(f"{option} expects a web address like https://example.org/notice")
        return text.strip()
    if name == "org_state":
        state = text.strip().upper()
        if len(state) != 2 or not state.isalpha():
            raise InputError(f"{option} expects a 2-letter state code, e.g. IL")
        return state
    if name == "entity_type":
        by_lower = {e.lower(): e for e in ENTITY_TYPES}
        by_lower.update(dict(registry.filter_choices()["entity_type"]))
        found = by_lower.get(text.strip().lower())
        if found is None:
            raise InputError(f"{option} expects one of: {', '.join(ENTITY_TYPES)}")
        return found
    if name == "breach_types":
        return _labels(text, "type", option)
    if name == "locations":
        return _labels(text, "location", option)
    return _text(text, option)


def get_facts(store: Store, incident_id: int) -> Facts:
    """The facts stored on an incident (fields not given yet are ``None``)."""
    with store.reader() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"no incident {incident_id}")
        return Facts(**{name: getattr(incident, name) for name in FACT_NAMES})


def set_facts(store: Store, incident_id: int, **values: Any) -> Facts:
    """Check and store the given facts (others keep their value); all or none is written."""
    checked = {name: check_fact(name, value) for name, value in values.items()}
    with store.transaction() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"no incident {incident_id}")
        for name, value in checked.items():
            setattr(incident, name, value)
    return get_facts(store, incident_id)


def require(facts: Facts, needed: tuple[str, ...], incident_id: int, what: str) -> None:
    """Refuse to write ``what`` while facts it states are missing; name them and the command."""
    missing = [name for name in needed if getattr(facts, name) in (None, "")]
    if missing:
        options = " ".join(f"--{m.replace('_', '-')} ..." for m in missing)
        raise InputError(
            f"incident {incident_id}: {what} needs {', '.join(missing)}; "
            f"set them with: phiwatch respond facts {incident_id} {options}"
        )
