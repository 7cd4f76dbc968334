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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy.orm import Session

from phiwatch.config import Settings
from phiwatch.errors import ConfigurationError, ConflictError, InputError
from phiwatch.respond._assessment import current_result
from phiwatch.respond._contacts import Recipient, preferred_languages
from phiwatch.respond._facts import LETTER_NEEDS, Facts, get_facts, require
from phiwatch.respond._scope import compute_scope, latest_scope
from phiwatch.respond._wording import (
    ENGLISH,
    LANGUAGES,
    WORDINGS,
    check_language,
    letter_language,
    template_name,
)
from phiwatch.store import Store
from phiwatch.store.models.respond import Incident

BUILT_IN = Path(__file__).parent / "templates"

# The English words (the other languages' are in ``_wording``), under their established names.
# Plain-language names of the PHI elements scope derives (164.404(c)(1)(B)).
ELEMENT_WORDS = WORDINGS[ENGLISH].element_words
ELEMENT_ORDER = tuple(ELEMENT_WORDS)
# Steps individuals should take to protect themselves (164.404(c)(1)(C)), by element.
STEPS = WORDINGS[ENGLISH].steps
ALWAYS_STEPS = WORDINGS[ENGLISH].always_steps


def long_date(day: date, language: str = ENGLISH) -> str:
    """``March 2, 2026`` (``2 de marzo de 2026`` in Spanish): the way a letter writes a date."""
    return WORDINGS[language].long_date(day)


def breach_dates(
    occurred_from: date | None, occurred_to: date | None, language: str = ENGLISH
) -> str:
    """The date or dates of the breach, in a sentence; says so when they are not known."""
    wording = WORDINGS[language]
    if occurred_from and occurred_to and occurred_from != occurred_to:
        return wording.between.format(
            start=wording.long_date(occurred_from), end=wording.long_date(occurred_to)
        )
    day = occurred_from or occurred_to
    if day:
        return wording.on_day.format(day=wording.long_date(day))
    return wording.unknown_day


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

    def context(self, language: str = ENGLISH) -> dict[str, Any]:
        """The template variables in ``language``; its free-text facts must be given
        (:func:`check_translations` refuses before any letter is written)."""
        wording = WORDINGS[language]
        elements = [e for e in ELEMENT_ORDER if e in self.elements] or ["demographics"]
        steps = [wording.steps[e] for e in elements if e in wording.steps]
        facts = self.facts
        own_step = facts.text("individual_steps", language)
        if facts.individual_steps and own_step:
            steps.append(own_step)
        steps.extend(wording.always_steps)
        contacts = facts.contacts(language)
        return {
            "language": language,
            "incident": self.incident_id,
            "organisation": facts.organisation or "",
            "what_happened": facts.text("what_happened", language) or "",
            "org_actions": facts.text("org_actions", language) or "",
            "breach_dates": breach_dates(self.occurred_from, self.occurred_to, language),
            "discovered": long_date(self.discovered, language),
            "phi_types": [wording.element_words[e] for e in elements],
            "steps": steps,
            "contacts": contacts,
            "other_contacts": contacts[1:] if facts.contact_phone else contacts,
            "contact_phone": facts.contact_phone,
            "contact_email": facts.contact_email,
            "contact_web": facts.contact_web,
            "contact_postal": facts.contact_postal,
            "letter_date": long_date(self.letter_date, language),
        }


class Contexts:
    """An incident's letter context per language, each made once (a run may need two)."""

    def __init__(self, letter: LetterFacts) -> None:
        self.letter = letter
        self._made: dict[str, dict[str, Any]] = {}

    def __call__(self, language: str) -> dict[str, Any]:
        if language not in self._made:
            self._made[language] = self.letter.context(language)
        return self._made[language]


def notice_language(preferred: str | None, requested: str | None) -> str:
    """The language of one recipient's notice: ``requested`` for everyone when given,
    else theirs when phiwatch writes it, else English."""
    return requested or letter_language(preferred)


def notice_counts(preferred: Mapping[str | None, int], requested: str | None) -> dict[str, int]:
    """Notices per language, from the individuals per preferred language (``requested``:
    one language for everyone)."""
    counts: dict[str, int] = {}
    for language, count in preferred.items():
        chosen = notice_language(language, requested)
        counts[chosen] = counts.get(chosen, 0) + count
    return counts


def check_translations(letter: LetterFacts, recipients: Mapping[str, int]) -> None:
    """Refuse to write notices in a language whose versions of the free-text facts are missing.

    ``recipients`` counts the notices per language. The error says how many
    recipients are concerned (never who), which facts to set, and the way out
    of sending English to everyone.
    """
    for language, count in sorted(recipients.items()):
        if count <= 0:
            continue
        missing = letter.facts.missing_translation(language)
        if not missing:
            continue
        wording = WORDINGS[language]
        incident = letter.incident_id
        options = " ".join(f"--{m.replace('_', '-')} ..." for m in missing)
        raise InputError(
            f"incident {incident}: {count:,} recipient(s) get the notice in {wording.name} "
            f"({language}), but the {wording.name} version of these facts is not set: "
            f"{', '.join(missing)}. Set them with: phiwatch respond facts {incident} {options}; "
            "or write every notice in English with --language en"
        )


def check_incident_translations(
    session: Session, letter: LetterFacts, requested: str | None
) -> None:
    """Refuse, as :func:`check_translations` does, when some recipient of the incident would
    get a notice in a language whose facts are missing (``requested``: one for everyone).

    Counting the languages reads every affected individual (three seconds for a
    million), so it is done only when a language that could be needed lacks its facts.
    """
    candidates = [requested] if requested else LANGUAGES
    if any(letter.facts.missing_translation(language) for language in candidates):
        preferred = preferred_languages(session, letter.incident_id)
        check_translations(letter, notice_counts(preferred, requested))


def recipient_context(recipient: Recipient, language: str = ENGLISH) -> dict[str, Any]:
    """The template variables of one recipient, with the salutation in ``language``."""
    wording = WORDINGS[language]
    if recipient.variant in ("guardian", "next_of_kin"):
        salutation = wording.salutations[recipient.variant]
    elif recipient.name:
        salutation = wording.salutations["individual"].format(name=recipient.name)
    else:
        salutation = wording.anonymous
    return {
        "letter_id": recipient.letter_id,
        "variant": recipient.variant,
        "addressee": wording.addressees[recipient.variant],
        "name": recipient.name,
        "salutation": salutation,
        "address_line": recipient.address_line,
        "city": recipient.city,
        "state": recipient.state,
        "postal_code": recipient.postal_code,
    }


def merge_fields(variant: str, language: str = ENGLISH) -> dict[str, Any]:
    """Placeholders a mail house replaces from its CSV (the template PDF shows them)."""
    wording = WORDINGS[language]
    salutation = wording.salutations[variant]
    return {
        "letter_id": "«letter_id»",
        "variant": variant,
        "addressee": "«addressee»" if variant != "individual" else "",
        "name": "«name»",
        "salutation": salutation.format(name="«name»") if variant == "individual" else salutation,
        "address_line": "«address_line_1»",
        "city": "«city»",
        "state": "«state»",
        "postal_code": "«zip»",
    }


def _flat(text: str) -> str:
    """Rendered HTML reduced to its words, to look for the required elements in."""
    return _words(html.unescape(re.sub(r"<[^>]+>", " ", text)))


def _words(text: str) -> str:
    """Plain text with its runs of white space made single spaces."""
    return " ".join(text.split())


def missing_elements(rendered: str, context: dict[str, Any], *, markup: bool = True) -> list[str]:
    """Which 164.404(c) elements a rendered letter (HTML, or text with ``markup=False``)
    does not state.

    The expected texts come from ``context``, so they are in the letter's
    language: a Spanish letter must state the Spanish facts, dates, PHI types
    and steps (an English sentence in it does not count). An empty expected
    text counts as missing, so a fact not given in the letter's language can
    never pass as present.

    The facts are plain text, as typed: only the rendered letter is reduced
    from markup, so a fact holding ``<`` or ``&`` (autoescaped in HTML, kept
    as it is in a text letter) is found as written.
    """
    body = _flat(rendered) if markup else _words(rendered)
    wanted = {
        "what happened": [context["what_happened"]],
        "date of the breach": [context["breach_dates"]],
        "date of discovery": [context["discovered"]],
        "types of PHI involved": context["phi_types"],
        "steps individuals should take": context["steps"],
        "what the organisation is doing": [context["org_actions"]],
        "toll-free number": [context["contact_phone"] or "(no toll-free number set)"],
    }
    missing = [
        name
        for name, texts in wanted.items()
        if not texts or not all(_words(t) and _words(t) in body for t in texts)
    ]
    others = [
        c
        for c in (context["contact_email"], context["contact_web"], context["contact_postal"])
        if c
    ]
    if not others or not any(_words(c) in body for c in others):
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
        """A letter from template ``name`` in the context's language (``letter.es.html`` for
        Spanish), refused when it lacks a required element."""
        name = template_name(name, context.get("language", ENGLISH))
        rendered = self.render(name, context)
        missing = missing_elements(rendered, context, markup=name.endswith(".html"))
        if missing:
            raise ConfigurationError(
                f"template {name} leaves out what 164.404(c) requires: {', '.join(missing)}"
            )
        return rendered

    def subject(self, context: dict[str, Any]) -> str:
        name = template_name("letter_subject.txt", context.get("language", ENGLISH))
        return " ".join(self.render(name, context).split())


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


def one_language_facts(
    store: Store, incident_id: int, *, letter_date: date | None, language: str | None
) -> tuple[LetterFacts, str]:
    """An incident's letter facts for a text written in one language (English unless
    ``language`` says otherwise: a proof, a public notice), refused when that language's
    versions of the free-text facts are not set."""
    chosen = check_language(language) or ENGLISH
    letter = load_letter_facts(store, incident_id, letter_date=letter_date)
    check_translations(letter, {chosen: 1})
    return letter, chosen
