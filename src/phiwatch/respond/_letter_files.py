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
from phiwatch.respond._contacts import VARIANTS, Recipient, incident_recipients
from phiwatch.respond._files import fresh_folder, write_file
from phiwatch.respond._letters import LetterRenderer, load_letter_facts, recipient_context
from phiwatch.respond._pdf import html_to_pdf
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
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write a letter for each affected individual with a postal address into ``out``.

    HTML files by default (``<letter id>.html``), PDF with ``pdf``; ``limit``
    writes only the first letters (a print test; the rest are not read, and
    ``individuals`` and ``unreachable`` are then ``None``). The folder appears whole or not at
    all. Returns counts: written, by variant, and those without a postal
    address (owed a substitute notice instead).
    """
    if limit is not None and limit < 1:
        raise InputError("--limit must be at least 1")
    letter = load_letter_facts(store, incident_id, letter_date=letter_date)
    base = letter.context()
    renderer = LetterRenderer(settings)
    written = 0
    unreachable = 0
    stopped = False
    seen = 0
    variants: Counter[str] = Counter()
    with fresh_folder(out) as folder, store.reader() as session:
        for chunk in incident_recipients(session, incident_id, on=letter.discovered):
            seen += len(chunk)
            for person in chunk:
                if isinstance(person, str) or not person.mailable:
                    unreachable += 1
                    continue
                if limit is not None and written >= limit:
                    continue
                html = renderer.letter("letter.html", {**base, **recipient_context(person)})
                if pdf:
                    write_file(folder / f"{person.letter_id}.pdf", html_to_pdf(html))
                else:
                    write_file(folder / f"{person.letter_id}.html", html.encode("utf-8"))
                written += 1
                variants[person.variant] += 1
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
        "unreachable": None if stopped else unreachable,
    }


def write_proof(
    settings: Settings,
    store: Store,
    incident_id: int,
    target: Path,
    *,
    letter_date: date | None = None,
) -> dict[str, Any]:
    """One PDF with a sample letter of every variant (made-up recipients), for approval."""
    letter = load_letter_facts(store, incident_id, letter_date=letter_date)
    base = letter.context()
    renderer = LetterRenderer(settings)
    pages = [
        renderer.letter("letter.html", {**base, **recipient_context(SAMPLE[v])}) for v in VARIANTS
    ]
    write_file(target, html_to_pdf(_joined(pages)))
    return {"incident": incident_id, "proof": str(target), "variants": list(VARIANTS)}


def _joined(documents: list[str]) -> str:
    """Several HTML letters as one document, each starting on a new page."""
    head, _, _ = documents[0].partition("<body>")
    bodies = [doc.partition("<body>")[2].rpartition("</body>")[0] for doc in documents]
    pages = '<div style="page-break-before: always"></div>'.join(bodies)
    return f"{head}<body>{pages}</body></html>"
