"""Letters as files: one per affected individual (HTML or PDF), and a proof of each variant.

Letters hold PHI (a name and an address) by nature: they go only where the
user asked (``--out``), into a folder only its owner can open, and the
command prints counts, never names. A proof uses a made-up recipient
("Jane Sample"), so a template can be reviewed and approved without PHI.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.respond._contacts import (
    VARIANTS,
    Recipient,
    incident_recipients,
)
from phiwatch.respond._files import fresh_folder, write_file
from phiwatch.respond._letters import (
    Contexts,
    LetterFacts,
    LetterRenderer,
    check_incident_translations,
    load_letter_facts,
    notice_language,
    one_language_facts,
    recipient_context,
)
from phiwatch.respond._pdf import html_to_pdf
from phiwatch.respond._wording import check_language
from phiwatch.store import Store

Progress = Callable[[int], None]

SAMPLE = {
    "individual": Recipient(
        "sample",
        "0-sample",
        "individual",
        "Jane",
        "Sample",
        "1 Main Street",
        "Springfield",
        "IL",
        "62701",
    ),
    "guardian": Recipient(
        "sample",
        "0-sample",
        "guardian",
        "Sam",
        "Sample",
        "1 Main Street",
        "Springfield",
        "IL",
        "62701",
    ),
    "next_of_kin": Recipient(
        "sample",
        "0-sample",
        "next_of_kin",
        "John",
        "Sample",
        "1 Main Street",
        "Springfield",
        "IL",
        "62701",
    ),
}


def write_letters(
    settings: Settings,
    store: Store,
    incident_id: int,
    out: Path,
    *,
    pdf: bool = False,
    limit: int | None = None,
    letter_date: date | None = None,
    language: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write a letter for each affected individual with a postal address into ``out``.

    HTML files by default (``<letter id>.html``), PDF with ``pdf``; ``limit``
    writes only the first letters (a print test; the rest are not read, and
    ``individuals`` and ``unreachable`` are then ``None``). The folder appears whole or not at
    all. Each letter is in its recipient's preferred language when phiwatch
    writes that language (English otherwise); ``language`` (``en``, ``es``)
    writes every letter in one. Refused, before anything is written, when a
    language is needed whose free-text facts are not given. Returns counts:
    written, by variant, by language, and those without a postal address
    (owed a substitute notice instead).
    """
    if limit is not None and limit < 1:
        raise InputError("--limit must be at least 1")
    requested = check_language(language)
    letter = load_letter_facts(store, incident_id, letter_date=letter_date)
    with store.reader() as session:
        check_incident_translations(session, letter, requested)
    contexts = Contexts(letter)
    renderer = LetterRenderer(settings)
    written = 0
    unreachable = 0
    stopped = False
    seen = 0
    variants: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    with fresh_folder(out) as folder, store.reader() as session:
        for chunk in incident_recipients(session, incident_id, on=letter.discovered):
            seen += len(chunk)
            for person in chunk:
                if isinstance(person, str) or not person.mailable:
                    unreachable += 1
                    continue
                if limit is not None and written >= limit:
                    continue
                chosen = notice_language(person.language, requested)
                html = renderer.letter(
                    "letter.html", {**contexts(chosen), **recipient_context(person, chosen)}
                )
                if pdf:
                    write_file(folder / f"{person.letter_id}.pdf", html_to_pdf(html))
                else:
                    write_file(folder / f"{person.letter_id}.html", html.encode("utf-8"))
                written += 1
                variants[person.variant] += 1
                languages[chosen] += 1
            if progress is not None:
                progress(len(chunk))
            if limit is not None and written >= limit:
                stopped = True  # a print test: the rest need not be read
                break
    return {
        "incident": incident_id,
        "out": str(out),
        "format": "pdf" if pdf else "html",
        "individuals": None if stopped else seen,
        "letters": written,
        "by_variant": {v: variants[v] for v in VARIANTS},
        "by_language": dict(sorted(languages.items())),
        "unreachable": None if stopped else unreachable,
    }


def write_proof(
    settings: Settings,
    store: Store,
    incident_id: int,
    target: Path,
    *,
    letter_date: date | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """One PDF with a sample letter of every variant (made-up recipients), for approval.

    In English, or in ``language`` (``es``): each language's letters are approved
    on their own proof.
    """
    letter, chosen = one_language_facts(
        store, incident_id, letter_date=letter_date, language=language
    )
    pages = sample_letters(settings, letter, chosen)
    write_file(target, html_to_pdf(_joined(pages)))
    return {
        "incident": incident_id,
        "proof": str(target),
        "variants": list(VARIANTS),
        "language": chosen,
    }


def sample_letters(settings: Settings, letter: LetterFacts, language: str) -> list[str]:
    """The letter of each variant to its made-up recipient, in ``language``, as HTML."""
    renderer = LetterRenderer(settings)
    base = letter.context(language)
    return [
        renderer.letter("letter.html", {**base, **recipient_context(SAMPLE[v], language)})
        for v in VARIANTS
    ]


def _joined(documents: list[str]) -> str:
    """Several HTML letters as one document, each starting on a new page."""
    head, _, _ = documents[0].partition("<body>")
    bodies = [doc.partition("<body>")[2].rpartition("</body>")[0] for doc in documents]
    pages = '<div style="page-break-before: always"></div>'.join(bodies)
    return f"{head}<body>{pages}</body></html>"
