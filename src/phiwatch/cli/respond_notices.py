"""``phiwatch respond`` notices: facts, letters, proof, mail house, e-mail, substitute, media, HHS.

Registers its commands on ``respond_app`` (imported at the end of
``cli/respond.py``). Thin over :mod:`phiwatch.respond`. Letters and the
mail-house file hold names and addresses: they are written only where
``--out`` says; the commands print counts, never a name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from phiwatch import respond
from phiwatch.cli._context import settings, store
from phiwatch.cli._output import FormatOption, OutputFormat, emit_record, say
from phiwatch.cli._progress import make_progress
from phiwatch.cli.respond import IncidentArg, respond_app

LetterDateOption = Annotated[
    str | None,
    typer.Option("--letter-date", help="The date printed on the notice (default: today)."),
]
GivenOnOption = Annotated[
    str | None,
    typer.Option(
        "--given-on",
        help="Also record the notice as given on this day (respond done), e.g. the mailing day.",
    ),
]
LanguageOption = Annotated[
    str | None,
    typer.Option(
        "--language",
        help="auto (default): each recipient's preferred language (English, Spanish), English "
        "when none or another; en or es: every notice in that language.",
    ),
]
# One language for the whole text: a proof's letters, a public notice.
PublicLanguageOption = Annotated[
    str | None,
    typer.Option(
        "--language",
        help="en (default) or es; Spanish needs the Spanish facts (respond facts --what-happened-es"
        " ...).",
    ),
]
OutFolder = Annotated[
    Path, typer.Option("--out", help="A new or empty folder to write into (it holds PHI).")
]


def _day(value: str | None, option: str) -> date | None:
    return respond.parse_day(value, option) if value else None


def _record_given(incident: int, notice: str, given_on: str | None) -> None:
    day = _day(given_on, "--given-on")
    if day is not None:
        respond.mark_done(store(), incident, notice, on=day)
        say(f"Incident {incident}: {notice} notice recorded as given on {day.isoformat()}")


@contextmanager
def _progress(incident: int, what: str) -> Iterator[Callable[[int], None]]:
    """A bar over the incident's individuals (stderr, only on a terminal)."""
    scope = respond.latest_scope(store(), incident)
    total = int(scope["individuals"]) if scope else None
    with make_progress() as progress:
        task = progress.add_task(what, total=total)
        yield lambda done: progress.advance(task, done)


def _flat(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _option(name: str, help_text: str) -> Any:
    return typer.Option(f"--{name.replace('_', '-')}", help=help_text)


@respond_app.command("facts")
def facts_command(
    incident: IncidentArg,
    organisation: Annotated[
        str | None, _option("organisation", "Your organisation's name (the covered entity).")
    ] = None,
    org_state: Annotated[str | None, _option("org_state", "Its state, 2 letters.")] = None,
    entity_type: Annotated[
        str | None,
        _option("entity_type", "provider, plan, associate or clearinghouse (HHS report)."),
    ] = None,
    what_happened: Annotated[
        str | None, _option("what_happened", "What happened, in plain words (no patient names).")
    ] = None,
    org_actions: Annotated[
        str | None,
        _option("org_actions", "What you are doing to investigate, mitigate and prevent it."),
    ] = None,
    individual_steps: Annotated[
        str | None, _option("individual_steps", "A step individuals should take, beyond ours.")
    ] = None,
    safeguards: Annotated[
        str | None, _option("safeguards", "Safeguards in place before the breach (HHS report).")
    ] = None,
    breach_types: Annotated[
        str | None,
        _option("breach_types", "Type of breach: hacking, unauthorized, theft, loss, ..."),
    ] = None,
    locations: Annotated[
        str | None, _option("locations", "Where the PHI was: server, email, paper, emr, ...")
    ] = None,
    ba_involved: Annotated[
        bool | None,
        typer.Option("--ba-involved/--no-ba-involved", help="A business associate was involved."),
    ] = None,
    contact_phone: Annotated[
        str | None, _option("contact_phone", "Toll-free number for questions (required).")
    ] = None,
    contact_email: Annotated[str | None, _option("contact_email", "E-mail for questions.")] = None,
    contact_web: Annotated[str | None, _option("contact_web", "Web page about the breach.")] = None,
    contact_postal: Annotated[
        str | None, _option("contact_postal", "Postal address for questions.")
    ] = None,
    what_happened_es: Annotated[
        str | None,
        _option("what_happened_es", "What happened, in Spanish (letters to Spanish speakers)."),
    ] = None,
    org_actions_es: Annotated[
        str | None, _option("org_actions_es", "What you are doing, in Spanish.")
    ] = None,
    individual_steps_es: Annotated[
        str | None,
        _option("individual_steps_es", "The step for individuals, in Spanish (if one is set)."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Set (or show) the facts notices state: who, what happened, what we do, contacts.

    The *-es options give the Spanish versions of the free-text facts, needed
    when a recipient prefers Spanish.

    Example: phiwatch respond facts 1 --organisation "Clinic" --contact-phone 1-800-555-0199
    """
    given = {
        "organisation": organisation,
        "org_state": org_state,
        "entity_type": entity_type,
        "what_happened": what_happened,
        "org_actions": org_actions,
        "individual_steps": individual_steps,
        "safeguards": safeguards,
        "breach_types": breach_types,
        "locations": locations,
        "ba_involved": ba_involved,
        "contact_phone": contact_phone,
        "contact_email": contact_email,
        "contact_web": contact_web,
        "contact_postal": contact_postal,
        "what_happened_es": what_happened_es,
        "org_actions_es": org_actions_es,
        "individual_steps_es": individual_steps_es,
    }
    values = {name: value for name, value in given.items() if value is not None}
    if values:
        facts = respond.set_facts(store(), incident, **values)
        say(f"Incident {incident}: {len(values)} fact(s) set")
    else:
        facts = respond.get_facts(store(), incident)
    emit_record({"incident": incident, **facts.as_dict()}, fmt)


@respond_app.command("letters")
def letters_command(
    incident: IncidentArg,
    out: OutFolder,
    pdf: Annotated[bool, typer.Option("--pdf", help="PDF letters (default: HTML).")] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Only the first N letters (a print test).")
    ] = None,
    letter_date: LetterDateOption = None,
    given_on: GivenOnOption = None,
    language: LanguageOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Write a notice letter (164.404(c)) for each affected individual with a postal address.

    Minors get the parent or guardian variant, the deceased the next-of-kin one.
    Each letter is in the recipient's preferred language (English or Spanish).

    Example: phiwatch respond letters 1 --out letters/ --pdf
    """
    with _progress(incident, "Letters") as advance:
        result = respond.write_letters(
            settings(),
            store(),
            incident,
            out,
            pdf=pdf,
            limit=limit,
            letter_date=_day(letter_date, "--letter-date"),
            language=language,
            progress=advance,
        )
    unreachable = result["unreachable"]
    say(
        f"Wrote {result['letters']:,} letters"
        + (f"; {unreachable:,} without a postal address" if unreachable is not None else "")
    )
    if limit is None:
        _record_given(incident, "individuals", given_on)
    elif given_on:
        say("--given-on ignored with --limit: not every letter was written")
    emit_record(result, fmt)


@respond_app.command("proof")
def proof_command(
    incident: IncidentArg,
    pdf: Annotated[Path, typer.Option("--pdf", help="The proof PDF to write.")],
    letter_date: LetterDateOption = None,
    language: PublicLanguageOption = None,
) -> None:
    """A proof PDF: the letter of each variant, to a made-up recipient, for approval.

    Example: phiwatch respond proof 1 --pdf proof.pdf (--language es for the Spanish letters)
    """
    respond.write_proof(
        settings(),
        store(),
        incident,
        pdf,
        letter_date=_day(letter_date, "--letter-date"),
        language=language,
    )
    say(f"Proof written to {pdf}")


@respond_app.command("mailhouse")
def mailhouse_command(
    incident: IncidentArg,
    out: OutFolder,
    letter_date: LetterDateOption = None,
    given_on: GivenOnOption = None,
    language: LanguageOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Write the mail-house folder: recipients.csv, the letter of each variant as PDF, a manifest.

    Each row names the language of its letter; Spanish templates come when needed.

    Example: phiwatch respond mailhouse 1 --out mailhouse/
    """
    with _progress(incident, "Recipients") as advance:
        result = respond.write_mailhouse(
            settings(),
            store(),
            incident,
            out,
            letter_date=_day(letter_date, "--letter-date"),
            language=language,
            progress=advance,
        )
    say(f"{result['letters']:,} recipients; {result['unreachable']:,} without a postal address")
    _record_given(incident, "individuals", given_on)
    result.pop("files")
    emit_record(result, fmt)


@respond_app.command("email")
def email_command(
    incident: IncidentArg,
    letter_date: LetterDateOption = None,
    language: LanguageOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Queue the notice as e-mail, through notify's outbox, for those who agreed to e-mail.

    Example: phiwatch respond email 1
    """
    result = respond.queue_email_notices(
        settings(),
        store(),
        incident,
        letter_date=_day(letter_date, "--letter-date"),
        language=language,
    )
    say(
        f"Queued {result['queued']:,} e-mail notices ({result['already_queued']:,} already "
        "queued); phiwatch notify deliver sends them"
    )
    emit_record(result, fmt)


def _write_text(result: dict[str, Any], out: Path | None, given_on: str | None) -> None:
    if not result["owed"]:
        say(f"Not owed: {result['reason']}")
    if out is not None:
        out.write_text(result["text"], encoding="utf-8")
        say(f"Written to {out}")
    else:
        typer.echo(result["text"], nl=False)
    _record_given(result["incident"], result["notice"], given_on)


@respond_app.command("substitute")
def substitute_command(
    incident: IncidentArg,
    out: Annotated[Path | None, typer.Option("--out", help="Write the text to this file.")] = None,
    letter_date: LetterDateOption = None,
    given_on: GivenOnOption = None,
    language: PublicLanguageOption = None,
) -> None:
    """The substitute notice text (web posting or media), owed when 10 or more cannot be reached.

    Example: phiwatch respond substitute 1 --out substitute.txt (--language es for Spanish)
    """
    result = respond.substitute_notice(
        settings(),
        store(),
        incident,
        letter_date=_day(letter_date, "--letter-date"),
        language=language,
    )
    _write_text(result, out, given_on)


@respond_app.command("media")
def media_command(
    incident: IncidentArg,
    out: Annotated[Path | None, typer.Option("--out", help="Write the draft to this file.")] = None,
    letter_date: LetterDateOption = None,
    given_on: GivenOnOption = None,
    language: PublicLanguageOption = None,
) -> None:
    """A media notice draft (164.406), owed when more than 500 residents of a state are affected.

    Example: phiwatch respond media 1 --out press-release.txt (--language es for Spanish outlets)
    """
    result = respond.media_notice(
        settings(),
        store(),
        incident,
        letter_date=_day(letter_date, "--letter-date"),
        language=language,
    )
    _write_text(result, out, given_on)


@respond_app.command("hhs-report")
def hhs_report_command(
    incident: IncidentArg,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Also write the report as PDF to this file.")
    ] = None,
    preview: Annotated[
        bool,
        typer.Option("--preview", help="Show the row the breach registry will list for it."),
    ] = False,
    given_on: GivenOnOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The breach report to HHS (164.408) with the fields of OCR's web form: JSON, PDF, preview.

    Example: phiwatch respond hhs-report 1 -f json --pdf hhs-report.pdf --preview
    """
    report = respond.hhs_report(store(), incident)
    if pdf is not None:
        pdf.write_bytes(respond.hhs_report_pdf(settings(), report))
        say(f"PDF written to {pdf}")
    row = respond.registry_preview(report) if preview else None
    _record_given(incident, report["notice"], given_on)
    if fmt is OutputFormat.json:
        emit_record({**report, "registry_preview": row} if preview else report, fmt)
        return
    emit_record(_flat(report), fmt)
    if row is not None:
        say("As the breach registry will list it:")
        emit_record(row, fmt)
