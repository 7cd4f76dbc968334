"""The mail-house file: one CSV row per letter to print, plus the letter as a PDF template.

At Anthem's scale letters are not made one PDF at a time: a print vendor
merges a template with a list of recipients. ``write_mailhouse`` streams the
recipients, a chunk at a time, from the context into ``recipients.csv`` (name,
address lines, city, state, ZIP, variant, letter id), renders the letter of
each variant once with merge fields (``«name»``) as PDF and HTML, and
writes ``manifest.json`` with the counts and every file's SHA-256, so the
vendor and the privacy office can agree on what was sent. Individuals
without a usable postal address are left out and counted: they are owed the
substitute notice.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from phiwatch.config import Settings
from phiwatch.respond._contacts import VARIANTS, affected_pseudonyms, recipients
from phiwatch.respond._files import fresh_folder
from phiwatch.respond._letter_files import Progress
from phiwatch.respond._letters import LetterRenderer, load_letter_facts, merge_fields
from phiwatch.respond._pdf import html_to_pdf
from phiwatch.store import Store

COLUMNS = (
    "letter_id",
    "variant",
    "addressee",
    "name",
    "address_line_1",
    "address_line_2",
    "city",
    "state",
    "zip",
)
RECIPIENTS_FILE = "recipients.csv"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_mailhouse(
    settings: Settings,
    store: Store,
    incident_id: int,
    out: Path,
    *,
    letter_date: date | None = None,
    templates: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write the mail-house folder ``out``; whole or not at all. Returns its manifest."""
    letter = load_letter_facts(store, incident_id, letter_date=letter_date)
    base = letter.context()
    renderer = LetterRenderer(settings)
    variants: Counter[str] = Counter()
    unreachable = 0
    with fresh_folder(out) as folder:
        files: list[str] = []
        if templates:
            for variant in VARIANTS:
                html = renderer.letter("letter.html", {**base, **merge_fields(variant)})
                (folder / f"letter-{variant}.html").write_text(html, encoding="utf-8")
                (folder / f"letter-{variant}.pdf").write_bytes(html_to_pdf(html))
                files += [f"letter-{variant}.html", f"letter-{variant}.pdf"]
        with (
            store.reader() as session,
            (folder / RECIPIENTS_FILE).open("w", encoding="utf-8", newline="") as handle,
        ):
            pseudonyms = affected_pseudonyms(session, incident_id)
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for chunk in recipients(session, incident_id, pseudonyms, on=letter.discovered):
                rows = []
                for person in chunk:
                    if isinstance(person, str) or not person.mailable:
                        unreachable += 1
                        continue
                    variants[person.variant] += 1
                    rows.append(
                        (
                            person.letter_id,
                            person.variant,
                            person.addressee,
                            person.name,
                            person.address_line,
                            "",
                            person.city,
                            person.state,
                            person.postal_code,
                        )
                    )
                writer.writerows(rows)
                if progress is not None:
                    progress(len(chunk))
        files.append(RECIPIENTS_FILE)
        manifest = {
            "incident": incident_id,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "letter_date": base["letter_date"],
            "individuals": len(pseudonyms),
            "letters": sum(variants.values()),
            "by_variant": {v: variants[v] for v in VARIANTS},
            "unreachable": unreachable,
            "columns": list(COLUMNS),
            "files": {name: _sha256(folder / name) for name in sorted(files)},
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return {**manifest, "out": str(out)}
