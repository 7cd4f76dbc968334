"""Individual notice letters (45 CFR 164.404(c)): what they say, rendered from editable templates.

The built-in templates live in ``phiwatch/respond/templates``; a file of the
same name in ``respond_templates_dir`` replaces one. Whatever the template,
every rendered letter is checked for the elements 164.404(c) requires (what
happened with the dates of breach and discovery, the types of PHI, the steps
to take, what the organisation is doing, the contact procedures with a
toll-free number), so an edited template that drops one fails loudly instead
of mailing a defective notice.

The wording follows the rule's demand for plain language: short sentences,
"you" and "we", no section numbers.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from phiwatch.config import Settings
from phiwatch.errors import ConfigurationError, ConflictError, InputError
from phiwatch.respond._assessment import current_result
from phiwatch.respond._contacts import Recipient
from phiwatch.respond._facts import LETTER_NEEDS, Facts, get_facts, require
from phiwatch.respond._scope import compute_scope, latest_scope
from phiwatch.store import Store
from phiwatch.store.models.respond import Incident

BUILT_IN = Path(__file__).parent / "templates"

# Plain-language names of the PHI elements scope derives (164.404(c)(1)(B)).
ELEMENT_WORDS = {
    "demographics": "Your name, address, date of birth and other details that identify you.",
    "ssn": "Your Social Security number.",
    "insurance": "Your health insurance information, such as your member number and claims.",
    "clinical": "Medical information, such as diagnoses, treatments, medicines or test results.",
    "payment": "Billing and payment information.",
}
ELEMENT_ORDER = tuple(ELEMENT_WORDS)

# Steps individuals should take to protect themselves (164.404(c)(1)(C)), by element.
STEPS = {
    "ssn": (
        "Place a free fraud alert or security freeze with the three credit bureaus (Equifax, "
        "Experian and TransUnion), and check your free credit reports at "
        "www.annualcreditreport.com."
    ),
    "insurance": (
        "Read the statements your health plan sends you (Explanation of Benefits). If one lists "
        "care you did not receive, call your health plan."
    ),
    "payment": (
        "Check your bank and card statements, and tell your bank or card company at once about "
        "any charge you do not recognize."
    ),
}
ALWAYS_STEPS = (
    "Be careful with calls, e-mails or letters that ask for your personal or medical "
    "information, even if they seem to come from us. We will never ask you for a password.",
    "If you think someone is using your information, report it at IdentityTheft.gov or call the "
    "Federal Trade Commission toll-free at 1-877-438-4338.",
)


def long_date(day: date) -> str:
    """``March 2, 2026``: the way a US letter writes a date."""
    return f"{day:%B} {day.day}, {day.year}"


def breach_dates(occurred_from: date | None, occurred_to: date | None) -> str:
    """The date or dates of the breach, in a sentence; says so when they are not known."""
    if occurred_from and occurred_to and occurred_from != occurred_to:
        return (
            f"The breach happened between {long_date(occurred_from)} and {long_date(occurred_to)}."
        )
    day = occurred_from or occurred_to
    if day:
        return f"The breach happened on {long_date(day)}."
    return "We do not yet know the exact date of the breach."


@dataclass(frozen=True)
class LetterFacts:
    """Everything a letter says that is the same for every recipient of one incident."""

    incident_id: int
    facts: Facts
    discovered: date
    occurred_from: date | None
    occurred_to: date | None
    elements: tuple[str, ...]
    letter_date: date

    def context(self) -> dict[str, Any]:
        elements = [e for e in ELEMENT_ORDER if e in self.elements] or ["demographics"]
        steps = [STEPS[e] for e in elements if e in STEPS]
        if self.facts.individual_steps:
            steps.append(self.facts.individual_steps)
        steps.extend(ALWAYS_STEPS)
        facts = self.facts
        contacts = facts.contacts()
        return {
            "incident": self.incident_id,
            "organisation": facts.organisation or "",
            "what_happened": facts.what_happened or "",
            "org_actions": facts.org_actions or "",
            "breach_dates": breach_dates(self.occurred_from, self.occurred_to),
            "discovered": long_date(self.discovered),
            "phi_types": [ELEMENT_WORDS[e] for e in elements],
            "steps": steps,
            "contacts": contacts,
            "other_contacts": contacts[1:] if facts.contact_phone else contacts,
            "contact_phone": facts.contact_phone,
            "contact_email": facts.contact_email,
            "contact_web": facts.contact_web,
            "contact_postal": facts.contact_postal,
            "letter_date": long_date(self.letter_date),
        }


def recipient_context(recipient: Recipient) -> dict[str, Any]:
    salutation = {
        "guardian": "Dear parent or guardian,",
        "next_of_kin": "Dear family member or personal representative,",
    }.get(recipient.variant, f"Dear {recipient.name}," if recipient.name else "Dear patient,")
    return {
        "letter_id": recipient.letter_id,
        "variant": recipient.variant,
        "addressee": recipient.addressee,
        "name": recipient.name,
        "salutation": salutation,
        "address_line": recipient.address_line,
        "city": recipient.city,
        "state": recipient.state,
        "postal_code": recipient.postal_code,
    }


def merge_fields(variant: str) -> dict[str, Any]:
    """Placeholders a mail house replaces from its CSV (the template PDF shows them)."""
    return {
        "letter_id": "«letter_id»",
        "variant": variant,
        "addressee": "«addressee»" if variant != "individual" else "",
        "name": "«name»",
        "salutation": {
            "guardian": "Dear parent or guardian,",
            "next_of_kin": "Dear family member or personal representative,",
        }.get(variant, "Dear «name»,"),
        "address_line": "«address_line_1»",
        "city": "«city»",
        "state": "«state»",
        "postal_code": "«zip»",
    }


def _flat(text: str) -> str:
    """Rendered HTML or text reduced to words, to look for the required elements in."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def missing_elements(rendered: str, context: dict[str, Any]) -> list[str]:
    """Which 164.404(c) elements a rendered letter (HTML or text) does not state."""
    body = _flat(rendered)
    wanted = {
        "what happened": [context["what_happened"]],
        "date of the breach": [context["breach_dates"]],
        "date of discovery": [context["discovered"]],
        "types of PHI involved": context["phi_types"],
        "steps individuals should take": context["steps"],
        "what the organisation is doing": [context["org_actions"]],
        "toll-free number": [context["contact_phone"] or "(no toll-free number set)"],
    }
    missing = [name for name, texts in wanted.items() if not all(_flat(t) in body for t in texts)]
    others = [
        c
        for c in (context["contact_email"], context["contact_web"], context["contact_postal"])
        if c
    ]
    if not others or not any(_flat(c) in body for c in others):
        missing.append("e-mail address, web site or postal address")
    return missing


class LetterRenderer:
    """Renders letters and notices from the built-in templates or the user's replacements."""

    def __init__(self, settings: Settings) -> None:
        folders = [str(BUILT_IN)]
        if settings.respond_templates_dir is not None:
            if not settings.respond_templates_dir.is_dir():
                raise ConfigurationError(
                    f"respond_templates_dir {settings.respond_templates_dir} is not a folder"
                )
            folders.insert(0, str(settings.respond_templates_dir))
        loader = jinja2.FileSystemLoader(folders)
        self._html = jinja2.Environment(
            loader=loader, autoescape=True, undefined=jinja2.StrictUndefined
        )
        self._text = jinja2.Environment(
            loader=loader,
            autoescape=False,  # noqa: S701  # nosec B701 (plain text, never HTML)
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        self._cache: dict[str, jinja2.Template] = {}

    def render(self, name: str, context: dict[str, Any]) -> str:
        if name not in self._cache:
            env = self._html if name.endswith(".html") else self._text
            try:
                self._cache[name] = env.get_template(name)
            except jinja2.TemplateError as exc:
                raise ConfigurationError(f"template {name}: {exc}") from None
        try:
            return self._cache[name].render(context)
        except jinja2.TemplateError as exc:
            raise ConfigurationError(f"template {name}: {exc}") from None

    def letter(self, name: str, context: dict[str, Any]) -> str:
        """A letter from template ``name``, refused when it lacks a required element."""
        rendered = self.render(name, context)
        missing = missing_elements(rendered, context)
        if missing:
            raise ConfigurationError(
                f"template {name} leaves out what 164.404(c) requires: {', '.join(missing)}"
            )
        return rendered

    def subject(self, context: dict[str, Any]) -> str:
        return " ".join(self.render("letter_subject.txt", context).split())


def load_letter_facts(
    store: Store, incident_id: int, *, letter_date: date | None = None
) -> LetterFacts:
    """An incident's letter facts; refused when no notice is owed or a needed fact is missing."""
    facts = get_facts(store, incident_id)
    require(facts, LETTER_NEEDS, incident_id, "a notice")
    if not (facts.contact_email or facts.contact_web or facts.contact_postal):
        raise InputError(
            f"incident {incident_id}: a notice needs an e-mail address, web site or postal "
            f"address besides the toll-free number; set one with: phiwatch respond facts "
            f"{incident_id} --contact-email ... (or --contact-web, --contact-postal)"
        )
    if current_result(store, incident_id) == "no_notice":
        raise ConflictError(
            f"incident {incident_id}: the newest risk assessment found a low probability of "
            "compromise, so no notice is owed (assess again to change that)"
        )
    with store.reader() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None  # get_facts found it
        discovered, start, end = incident.discovered, incident.occurred_from, incident.occurred_to
    scope = latest_scope(store, incident_id) or compute_scope(store, incident_id)
    return LetterFacts(
        incident_id=incident_id,
        facts=facts,
        discovered=discovered,
        occurred_from=start,
        occurred_to=end,
        elements=tuple(scope["elements"]),
        letter_date=letter_date or date.today(),
    )
