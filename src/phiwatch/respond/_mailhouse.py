"""The mail-house file: one CSV row per letter to print, plus the letter as a PDF template.

At Anthem's scale letters are not made one PDF at a time: a print vendor
merges a template with a list of recipients. ``write_mailhouse`` streams the
recipients, a chunk at a time, from the context into ``recipients.csv`` (name,
address lines, city, state, ZIP, variant, letter id, language), renders the
letter of each variant and language once with merge fields (``«name»``) as
PDF and HTML, and
writes ``manifest.json`` with the counts and every file's SHA-256, so the
vendor and the privacy office can agree on what was sent. Individuals
without a usable postal address are left out and counted: they are owed the
substitute notice.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import multiprocessing
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select

from phiwatch.config import Settings
from phiwatch.respond._contacts import (
    VARIANTS,
    Recipient,
    incident_recipients,
    split_points,
)
from phiwatch.respond._files import fresh_folder
from phiwatch.respond._letter_files import Progress
from phiwatch.respond._letters import (
    Contexts,
    LetterRenderer,
    check_incident_translations,
    load_letter_facts,
    merge_fields,
    notice_language,
)
from phiwatch.respond._pdf import html_to_pdf
from phiwatch.respond._wording import (
    ENGLISH,
    LANGUAGES,
    WORDINGS,
    check_language,
    template_name,
)
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store, open_store
from phiwatch.store.models.respond import AffectedIndividual

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
    "language",  # the letter to merge the row with: letter-<variant>.html, or .es.html for es
)
RECIPIENTS_FILE = "recipients.csv"
PARALLEL_FROM = 100_000  # below this, starting worker processes costs more than it saves
MAX_WORKERS = 4


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def template_file(variant: str, language: str, extension: str) -> str:
    """The merge template of a variant in a language: ``letter-guardian.html`` (English),
    ``letter-guardian.es.html``."""
    return template_name(f"letter-{variant}.{extension}", language)


def _rows(
    writer: Any,
    chunks: Iterator[list[Recipient | str]],
    progress: Progress | None,
    requested: str | None,
) -> tuple[Counter[str], Counter[str], int]:
    """Write the CSV rows of ``chunks``: the letters per variant, per language, and the
    unreachable count."""
    variants: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    unreachable = 0
    for chunk in chunks:
        rows = []
        for person in chunk:
            if isinstance(person, str) or not person.mailable:
                unreachable += 1
                continue
            language = notice_language(person.language, requested)
            variants[person.variant] += 1
            languages[language] += 1
            rows.append(
                (
                    person.letter_id,
                    person.variant,
                    WORDINGS[language].addressees[person.variant],
                    person.name,
                    person.address_line,
                    "",
                    person.city,
                    person.state,
                    person.postal_code,
                    language,
                )
            )
        writer.writerows(rows)
        if progress is not None:
            progress(len(chunk))
    return variants, languages, unreachable


def _write_part(
    settings: Settings,
    incident_id: int,
    on: date,
    low: str | None,
    high: str | None,
    path: Path,
    requested: str | None,
) -> tuple[Counter[str], Counter[str], int]:
    """One worker's share: the recipients ``low <= pseudonym < high``, in its own connection."""
    store = open_store(settings)
    try:
        enable_field_encryption(store, settings)
        with store.reader() as session, path.open("w", encoding="utf-8", newline="") as handle:
            chunks = incident_recipients(session, incident_id, on=on, low=low, high=high)
            return _rows(csv.writer(handle), chunks, None, requested)
    finally:
        store.close()


def _parallel(
    settings: Settings,
    store: Store,
    incident_id: int,
    on: date,
    workers: int,
    handle: TextIO,
    folder: Path,
    progress: Progress | None,
    requested: str | None,
) -> tuple[Counter[str], Counter[str], int]:
    """Decryption is most of the work: split the pseudonyms into ranges, one process each,
    and append their parts in order (the file is the same as one process writes)."""
    with store.reader() as session:
        points = split_points(session, incident_id, workers)
    ranges = list(itertools.pairwise(points))
    variants: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    unreachable = 0
    context = multiprocessing.get_context("spawn")
    parts = [folder / f".part-{i}.csv" for i in range(len(ranges))]
    with ProcessPoolExecutor(len(ranges), mp_context=context) as pool:
        futures = [
            pool.submit(_write_part, settings, incident_id, on, low, high, part, requested)
            for (low, high), part in zip(ranges, parts, strict=True)
        ]
        for future in futures:
            counted, spoken, missing = future.result()
            variants.update(counted)
            languages.update(spoken)
            unreachable += missing
            if progress is not None:
                progress(sum(counted.values()) + missing)
    handle.flush()
    for part in parts:
        with part.open(encoding="utf-8", newline="") as piece:
            shutil.copyfileobj(piece, handle, 1 << 20)
        part.unlink()
    return variants, languages, unreachable


def _worker_count(store: Store, incident_id: int) -> int:
    with store.reader() as session:
        total = session.scalar(
            select(func.count(func.distinct(AffectedIndividual.patient_pseudonym))).where(
                AffectedIndividual.incident_id == incident_id
            )
        )
    if (total or 0) < PARALLEL_FROM:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def write_mailhouse(
    settings: Settings,
    store: Store,
    incident_id: int,
    out: Path,
    *,
    letter_date: date | None = None,
    templates: bool = True,
    workers: int | None = None,
    language: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write the mail-house folder ``out``; whole or not at all. Returns its manifest.

    ``workers`` processes read and decrypt the recipients (default: one per
    core, up to 4, from 100,000 individuals; one below that). Each row's
    ``language`` names the template it merges with; the templates of a
    language are written when someone gets a letter in it (English always).
    ``language`` (``en``, ``es``) puts every row in one language. Refused,
    before anything is written, when a language is needed whose free-text
    facts are not given.
    """
    requested = check_language(language)
    letter = load_letter_facts(store, incident_id, letter_date=letter_date)
    with store.reader() as session:
        check_incident_translations(session, letter, requested)
    contexts = Contexts(letter)
    renderer = LetterRenderer(settings)
    # Rendered (and checked for the required elements) before the long part, written after
    # it for the languages that letters went out in: no count of languages beforehand.
    offered = [requested] if requested else LANGUAGES
    pages = {
        chosen: {
            variant: renderer.letter(
                "letter.html", {**contexts(chosen), **merge_fields(variant, chosen)}
            )
            for variant in VARIANTS
        }
        for chosen in {ENGLISH, *offered}
        if templates and not letter.facts.missing_translation(chosen)
    }
    count = workers if workers is not None else _worker_count(store, incident_id)
    with fresh_folder(out) as folder:
        files: list[str] = []
        with (folder / RECIPIENTS_FILE).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerow(COLUMNS)
            if count > 1:
                variants, languages, unreachable = _parallel(
                    settings,
                    store,
                    incident_id,
                    letter.discovered,
                    count,
                    handle,
                    folder,
                    progress,
                    requested,
                )
            else:
                with store.reader() as session:
                    chunks = incident_recipients(session, incident_id, on=letter.discovered)
                    variants, languages, unreachable = _rows(
                        csv.writer(handle), chunks, progress, requested
                    )
        for chosen in sorted({ENGLISH, *languages}) if templates else ():
            for variant, html in pages[chosen].items():
                page, pdf = (template_file(variant, chosen, e) for e in ("html", "pdf"))
                (folder / page).write_text(html, encoding="utf-8")
                (folder / pdf).write_bytes(html_to_pdf(html))
                files += [page, pdf]
        files.append(RECIPIENTS_FILE)
        manifest = {
            "incident": incident_id,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "letter_date": contexts(ENGLISH)["letter_date"],
            "individuals": sum(variants.values()) + unreachable,
            "letters": sum(variants.values()),
            "by_variant": {v: variants[v] for v in VARIANTS},
            "by_language": dict(sorted(languages.items())),
            "unreachable": unreachable,
            "columns": list(COLUMNS),
            "files": {name: _sha256(folder / name) for name in sorted(files)},
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return {**manifest, "out": str(out)}
