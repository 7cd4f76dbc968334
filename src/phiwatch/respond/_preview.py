"""One letter, rendered for the screen: a sample recipient per variant, or a real patient's.

The web's letter preview and anything else that shows a single letter call
this, so the letter a privacy officer approves on screen is made by the same
code as the letters written to files and the mail-house template.
"""

from __future__ import annotations

from dataclasses import dataclass

from phiwatch.config import Settings
from phiwatch.errors import NotFoundError, PhiwatchError
from phiwatch.respond._contacts import affected_pseudonyms, recipients
from phiwatch.respond._letter_files import SAMPLE
from phiwatch.respond._letters import (
    LetterRenderer,
    check_incident_translations,
    check_translations,
    load_letter_facts,
    notice_language,
    recipient_context,
)
from phiwatch.respond._wording import ENGLISH, check_language
from phiwatch.store import Store


@dataclass(frozen=True)
class LetterPreview:
    """A rendered letter; ``sample`` is False when it holds a real patient's name and address."""

    html: str
    variant: str
    letter_id: str
    sample: bool
    language: str = ENGLISH


def letters_problem(store: Store, incident_id: int) -> str | None:
    """Why letters cannot be written for the incident yet, or None when they can.

    Letters in the recipients' own languages, as ``respond letters`` writes them by default:
    a missing Spanish fact is a problem when someone prefers Spanish.
    """
    try:
        letter = load_letter_facts(store, incident_id)
        with store.reader() as session:
            check_incident_translations(session, letter, None)
    except PhiwatchError as exc:
        return str(exc)
    return None


def preview_letter(
    store: Store,
    settings: Settings,
    incident_id: int,
    *,
    variant: str = "individual",
    patient: str | None = None,
    language: str | None = None,
) -> LetterPreview:
    """The letter of ``patient`` (an affected pseudonym), or a sample of ``variant``.

    In ``language`` (``en``, ``es``) when given; otherwise a patient's letter is in
    the language it will be sent in (their preferred one), a sample in English.
    """
    requested = check_language(language)
    facts = load_letter_facts(store, incident_id)
    if patient is None:
        recipient = SAMPLE[variant]
    else:
        with store.reader() as session:
            if patient not in affected_pseudonyms(session, incident_id):
                raise NotFoundError(f"incident {incident_id} has no affected patient {patient}")
            chunk = next(recipients(session, incident_id, [patient], on=facts.discovered), [])
        found = next((r for r in chunk if not isinstance(r, str)), None)
        if found is None:
            raise NotFoundError(f"patient {patient} is not in the context in force")
        recipient = found
    chosen = notice_language(recipient.language, requested)
    check_translations(facts, {chosen: 1})
    html = LetterRenderer(settings).letter(
        "letter.html", {**facts.context(chosen), **recipient_context(recipient, chosen)}
    )
    return LetterPreview(
        html=html,
        variant=recipient.variant,
        letter_id=recipient.letter_id,
        sample=patient is None,
        language=chosen,
    )
