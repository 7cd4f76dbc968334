"""Substitute notice (10 or more unreachable) and the media notice draft (over 500 in a state)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from phiwatch import respond
from phiwatch.config import load_settings
from phiwatch.errors import InputError
from phiwatch.monitor import ingest, load_context
from phiwatch.security import enable_field_encryption
from phiwatch.store import open_store
from tests.conftest import Cli
from tests.monitor.conftest import audit_event, write_ndjson
from tests.respond.conftest import PATIENT_HEADER, World
from tests.respond.notice_world import FACTS, FACTS_ES, PHONE, ready_incident, words

IL, WI, NO_STREET = 505, 20, 12  # 505 IL residents, 12 of whom have no street line


@pytest.fixture
def big_world(tmp_path: Path) -> Iterator[World]:
    """525 patients read by one user: media notice owed in IL, substitute notice owed."""
    settings = load_settings(environ={}, data_dir=str(tmp_path / "data"))
    store = open_store(settings)
    enable_field_encryption(store, settings)
    context = tmp_path / "context"
    context.mkdir()
    lines = [PATIENT_HEADER]
    for n in range(IL + WI):
        street = "" if n < NO_STREET else f"{n} Oak Avenue"
        state = "IL" if n < IL else "WI"
        lines.append(f"q-{n},Fam{n},Giv,1960-01-01,{street},Town,{state},60000,false,false")
    (context / "patients.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_context(settings, store, [context])
    patients = [f"Patient/q-{n}" for n in range(IL + WI)]
    event = audit_event(
        "bulk", user="Practitioner/bulk-1", patients=patients, recorded="2026-02-01T01:00:00Z"
    )
    ingest(settings, [write_ndjson(tmp_path / "events.ndjson", [event])])
    try:
        yield World(settings, store, tmp_path)
    finally:
        store.close()


def _incident(world: World) -> int:
    incident = respond.open_incident(world.store, "Bulk read", discovered=date(2026, 3, 2))
    respond.add_source(world.store, incident, respond.from_lake(world.settings, user="bulk-1"))
    respond.set_facts(world.store, incident, **FACTS)
    return incident


def test_substitute_notice_is_owed_and_complete(big_world: World) -> None:
    incident = _incident(big_world)
    result = respond.substitute_notice(big_world.settings, big_world.store, incident)
    assert result["owed"] is True
    assert result["reason"].startswith("12 individuals cannot be reached by mail: 10 or more")
    text = words(result["text"])
    for expected in (
        FACTS["what_happened"],
        FACTS["org_actions"],
        "We discovered the breach on March 2, 2026",
        f"call toll-free {PHONE}. This number will work for at least 90 days",
        "Your name, address, date of birth",
    ):
        assert expected in text, expected
    assert "Fam" not in text  # a public notice names nobody


def test_media_notice_names_the_state_over_500(big_world: World) -> None:
    incident = _incident(big_world)
    result = respond.media_notice(big_world.settings, big_world.store, incident)
    assert (result["owed"], result["states"]) == (True, ["IL"])
    text = words(result["text"])
    assert f"{FACTS['organisation']} notifies residents of IL of a data breach" in text
    assert "is notifying 525 people" in text and "including 505 residents of IL" in text
    assert PHONE in text and FACTS["org_actions"] in text
    assert "Names, addresses, dates of birth" in text


def test_public_notices_in_spanish_need_and_state_the_spanish_facts(big_world: World) -> None:
    incident = _incident(big_world)
    with pytest.raises(InputError, match=r"Spanish version of these facts is not set"):
        respond.substitute_notice(big_world.settings, big_world.store, incident, language="es")
    with pytest.raises(InputError, match=r"Spanish version of these facts is not set"):
        respond.media_notice(big_world.settings, big_world.store, incident, language="es")
    respond.set_facts(big_world.store, incident, **FACTS_ES)
    substitute = respond.substitute_notice(
        big_world.settings, big_world.store, incident, language="es"
    )
    assert (substitute["language"], substitute["owed"]) == ("es", True)
    text = words(substitute["text"])
    for expected in (
        "AVISO DE UNA FILTRACIÓN DE DATOS",
        FACTS_ES["what_happened_es"],
        FACTS_ES["org_actions_es"],
        "Descubrimos la filtración el 2 de marzo de 2026",
        f"llame gratis al {PHONE}. Este número funcionará durante al menos 90 días",
        "Su nombre, su dirección, su fecha de nacimiento",
    ):
        assert expected in text, expected
    assert FACTS["what_happened"] not in text and "Fam" not in text
    media = respond.media_notice(big_world.settings, big_world.store, incident, language="es")
    assert (media["language"], media["owed"], media["states"]) == ("es", True, ["IL"])
    text = words(media["text"])
    for expected in (
        "PARA PUBLICACIÓN INMEDIATA - ",
        f"{FACTS['organisation']} informa a residentes de IL de una filtración de datos",
        "está informando a 525 personas",
        "entre ellas 505 residentes de IL",
        "Nombres, direcciones, fechas de nacimiento",
        FACTS_ES["org_actions_es"],
        f"llame gratis al {PHONE}",
    ):
        assert expected in text, expected
    assert FACTS["org_actions"] not in text
    english = respond.media_notice(big_world.settings, big_world.store, incident, language="en")
    assert english["language"] == "en" and "FOR IMMEDIATE RELEASE" in english["text"]


def test_small_incident_owes_neither_but_drafts_are_marked(world: World) -> None:
    incident = ready_incident(world)
    substitute = respond.substitute_notice(world.settings, world.store, incident)
    assert substitute["owed"] is False and "fewer than 10, not owed" in substitute["reason"]
    media = respond.media_notice(world.settings, world.store, incident)
    assert media["owed"] is False and media["states"] == []
    assert "no state has more than 500" in media["reason"]


def test_the_cli_writes_the_texts_and_records_them(cli: Cli, tmp_path: Path) -> None:
    from tests.respond.conftest import build_world

    settings = load_settings(environ={}, data_dir=str(cli.data_dir))
    store = open_store(settings)
    try:
        ready_incident(build_world(settings, store, tmp_path / "input"))
    finally:
        store.close()
    out = tmp_path / "substitute.txt"
    result = cli("respond", "substitute", "1", "--out", str(out), "--given-on", "2026-03-20")
    assert result.exit_code == 0, result.output
    assert "Not owed:" in result.stderr
    assert PHONE in out.read_text(encoding="utf-8")
    media = cli("respond", "media", "1")
    assert media.exit_code == 0 and "FOR IMMEDIATE RELEASE" in media.stdout
    spanish = cli("respond", "media", "1", "--language", "es")
    assert spanish.exit_code == 1 and "--what-happened-es" in spanish.output
    unknown = cli("respond", "substitute", "1", "--language", "fr")
    assert unknown.exit_code == 1 and "--language expects" in unknown.output
    facts = cli("respond", "facts", "1", "--contact-phone", "555-0100")
    assert facts.exit_code == 1 and "toll-free" in facts.output
    shown = cli("respond", "facts", "1", "-f", "json")
    assert '"contact_phone": "1-800-555-0199"' in shown.stdout
