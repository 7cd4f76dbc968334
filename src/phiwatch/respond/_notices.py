"""Notices to the public: substitute notice (164.404(d)(2)) and the media notice draft (164.406).

Both say what the letters say, addressed to whoever reads them. Whether each
is owed comes from the scope (10 or more without a usable postal address;
more than 500 residents of one state), the same thresholds the obligations
use; a draft that is not owed is still written on request, marked so. Each
is written in English or Spanish (``substitute.es.txt``, ``media.es.txt``),
from the Spanish versions of the facts when Spanish is asked for.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from phiwatch.config import Settings
from phiwatch.respond._deadlines import MEDIA_THRESHOLD, SUBSTITUTE_THRESHOLD
from phiwatch.respond._letters import ELEMENT_ORDER, LetterRenderer, one_language_facts
from phiwatch.respond._scope import compute_scope, latest_scope
from phiwatch.respond._wording import WORDINGS, template_name
from phiwatch.store import Store


def _scope(store: Store, incident_id: int) -> dict[str, Any]:
    return latest_scope(store, incident_id) or compute_scope(store, incident_id)


def substitute_notice(
    settings: Settings,
    store: Store,
    incident_id: int,
    *,
    letter_date: date | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """The substitute notice text, and whether it is owed (10 or more cannot be reached).

    In English, or in ``language`` (``es``): a web site serving Spanish speakers posts both.
    """
    letter, chosen = one_language_facts(
        store, incident_id, letter_date=letter_date, language=language
    )
    scope = _scope(store, incident_id)
    unreachable = int(scope["unreachable"])
    owed = unreachable >= SUBSTITUTE_THRESHOLD
    text = LetterRenderer(settings).letter("substitute.txt", letter.context(chosen))
    return {
        "incident": incident_id,
        "notice": "substitute",
        "language": chosen,
        "owed": owed,
        "reason": f"{unreachable:,} individuals cannot be reached by mail: "
        + ("10 or more, owed" if owed else "fewer than 10, not owed (use phone or other writing)"),
        "text": text,
    }


def media_notice(
    settings: Settings,
    store: Store,
    incident_id: int,
    *,
    letter_date: date | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """The media notice draft, and whether it is owed (more than 500 residents of a state).

    In English, or in ``language`` (``es``), for the Spanish-language outlets of a state.
    """
    letter, chosen = one_language_facts(
        store, incident_id, letter_date=letter_date, language=language
    )
    wording = WORDINGS[chosen]
    scope = _scope(store, incident_id)
    by_state: dict[str, int] = scope["by_state"]
    states = sorted(s for s, n in by_state.items() if n > MEDIA_THRESHOLD and s != "unknown")
    individuals = int(scope["individuals"])
    context = letter.context(chosen)
    elements = [e for e in ELEMENT_ORDER if e in letter.elements] or ["demographics"]
    one, several = wording.people
    context.update(
        {
            "individuals_words": f"{individuals:,} {one if individuals == 1 else several}",
            "media_states": states,
            "media_lines": [
                f"{by_state[s]:,} {wording.residents.format(places=s)}" for s in states
            ],
            "media_residents": (
                wording.residents.format(places=", ".join(states))
                if states
                else f"{individuals:,} {several}"
            ),
            "phi_types_public": [wording.public_element_words[e] for e in elements],
            "steps_public": context["steps"],
        }
    )
    text = LetterRenderer(settings).render(template_name("media.txt", chosen), context)
    return {
        "incident": incident_id,
        "notice": "media",
        "language": chosen,
        "owed": bool(states),
        "states": states,
        "reason": (
            f"more than {MEDIA_THRESHOLD} residents of {', '.join(states)}: owed"
            if states
            else f"no state has more than {MEDIA_THRESHOLD} affected residents: not owed"
        ),
        "text": text,
    }
