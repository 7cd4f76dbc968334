"""Notices to the public: substitute notice (164.404(d)(2)) and the media notice draft (164.406).

Both say what the letters say, addressed to whoever reads them. Whether each
is owed comes from the scope (10 or more without a usable postal address;
more than 500 residents of one state), the same thresholds the obligations
use; a draft that is not owed is still written on request, marked so.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from phiwatch.config import Settings
from phiwatch.respond._deadlines import MEDIA_THRESHOLD, SUBSTITUTE_THRESHOLD
from phiwatch.respond._letters import ELEMENT_ORDER, LetterRenderer, load_letter_facts
from phiwatch.respond._scope import compute_scope, latest_scope
from phiwatch.store import Store

PUBLIC_WORDS = {
    "demographics": "Names, addresses, dates of birth and other identifying details.",
    "ssn": "Social Security numbers.",
    "insurance": "Health insurance information, such as member numbers and claims.",
    "clinical": "Medical information, such as diagnoses, treatments, medicines or test results.",
    "payment": "Billing and payment information.",
}


def _scope(store: Store, incident_id: int) -> dict[str, Any]:
    return latest_scope(store, incident_id) or compute_scope(store, incident_id)


def substitute_notice(
    settings: Settings, store: Store, incident_id: int, *, letter_date: date | None = None
) -> dict[str, Any]:
    """The substitute notice text, and whether it is owed (10 or more cannot be reached)."""
    letter = load_letter_facts(store, incident_id, letter_date=letter_date)
    scope = _scope(store, incident_id)
    unreachable = int(scope["unreachable"])
    owed = unreachable >= SUBSTITUTE_THRESHOLD
    context = letter.context()
    text = LetterRenderer(settings).letter("substitute.txt", context)
    return {
        "incident": incident_id,
        "notice": "substitute",
        "owed": owed,
        "reason": f"{unreachable:,} individuals cannot be reached by mail: "
        + ("10 or more, owed" if owed else "fewer than 10, not owed (use phone or other writing)"),
        "text": text,
    }


def media_notice(
    settings: Settings, store: Store, incident_id: int, *, letter_date: date | None = None
) -> dict[str, Any]:
    """The media notice draft, and whether it is owed (more than 500 residents of a state)."""
    letter = load_letter_facts(store, incident_id, letter_date=letter_date)
    scope = _scope(store, incident_id)
    by_state: dict[str, int] = scope["by_state"]
    states = sorted(s for s, n in by_state.items() if n > MEDIA_THRESHOLD and s != "unknown")
    individuals = int(scope["individuals"])
    context = letter.context()
    elements = [e for e in ELEMENT_ORDER if e in letter.elements] or ["demographics"]
    context.update(
        {
            "individuals_words": f"{individuals:,} {'person' if individuals == 1 else 'people'}",
            "media_states": states,
            "media_lines": [f"{by_state[s]:,} residents of {s}" for s in states],
            "media_residents": (
                "residents of " + ", ".join(states) if states else f"{individuals:,} people"
            ),
            "phi_types_public": [PUBLIC_WORDS[e] for e in elements],
            "steps_public": context["steps"],
        }
    )
    text = LetterRenderer(settings).render("media.txt", context)
    return {
        "incident": incident_id,
        "notice": "media",
        "owed": bool(states),
        "states": states,
        "reason": (
            f"more than {MEDIA_THRESHOLD} residents of {', '.join(states)}: owed"
            if states
            else f"no state has more than {MEDIA_THRESHOLD} affected residents: not owed"
        ),
        "text": text,
    }
