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
from phiwatch.respond._letters import LetterRenderer, load_letter_facts, recipient_context
from phiwatch.store import Store


@dataclass(frozen=True)
class LetterPreview:
    """A rendered letter; ``sample`` is False when it holds a real patient's name and address."""

    html: str
    variant: str
    letter_id: str
    sample: bool


def letters_problem(store: Store, incident_id: int) -> str | None:
    """Why letters cannot be written for the incident yet, or None when they can."""
    try:
        load_letter_facts(store, incident_id)
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
) -> LetterPreview:
    """The letter of ``patient`` (an affected pseudonym), or a sample of ``variant``."""
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
    html = LetterRenderer(settings).letter(
        "letter.html", {**facts.context(), **recipient_context(recipient)}
    )
    return LetterPreview(
        html=html, variant=recipient.variant, letter_id=recipient.letter_id, sample=patient is None
    )
