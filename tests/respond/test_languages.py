"""Notices in the recipient's preferred language: Spanish letters, the refusal, the fallback."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from phiwatch import respond
from phiwatch.errors import ConfigurationError, InputError
from phiwatch.monitor import load_context
from phiwatch.respond._contacts import language_counts_query, preferred_languages
from phiwatch.respond._context import patient_version
from phiwatch.respond._letters import BUILT_IN, long_date
from tests.conftest import Cli
from tests.respond.conftest import PATIENT_HEADER, PATIENTS, World, build_world
from tests.respond.notice_world import FACTS, FACTS_ES, PHONE, pdf_text, ready_incident, words

# Preferred languages in the context: p-01 (an adult), p-03 (a minor) and p-05 (deceased)
# prefer Spanish; p-06 too, but has no street line; p-07 prefers French, which phiwatch
# does not write (English); the others state none.
LANGUAGE = {"p-01": "es", "p-03": "es-MX", "p-05": "Spanish", "p-06": "es", "p-07": "fr"}
SPANISH_NAMES = {"Given Family01", "Given Family03", "Given Family05"}
ENGLISH_NAMES = {"Given Family02", "Given Family04", "Given Family07"}
# 164.404(c)(1) in a Spanish letter to this incident's individuals.
REQUIRED_ES = {
    "what happened": FACTS_ES["what_happened_es"],
    "date of the breach": "La filtración ocurrió entre el 10 de febrero de 2026 y el "
    "20 de febrero de 2026.",
    "date of discovery": "Descubrimos la filtración el 2 de marzo de 2026",
    "PHI: identifying details": "Su nombre, su dirección, su fecha de nacimiento",
    "PHI: clinical": "Información médica, como diagnósticos",
    "PHI: payment": "Información de facturación y de pagos.",
    "step for payment data": "Revise los estados de cuenta de su banco",
    "step against scams": "RobodeIdentidad.gov",
    "what the organisation is doing": FACTS_ES["org_actions_es"],
    "toll-free number": f"llame gratis al {PHONE}",
    "e-mail": FACTS["contact_email"],
    "web site": FACTS["contact_web"],
}


def _with_languages(world: World) -> World:
    """Load the world's patients again, with a ``language`` column: a new context version."""
    folder = world.folder / "context-languages"
    folder.mkdir(parents=True)
    lines = [PATIENT_HEADER + ",language"]
    for pid, birth, state, address, deceased in PATIENTS:
        line = f"{pid[-1]} Elm Street" if address else ""
        lines.append(
            f"{pid},Family{pid[-2:]},Given,{birth},{line},Springfield,{state},60000,"
            f"false,{'true' if deceased else 'false'},{LANGUAGE.get(pid, '')}"
        )
    (folder / "patients.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_context(world.settings, world.store, [folder])
    return world


@pytest.fixture
def spoken(world: World) -> World:
    return _with_languages(world)


def _letters_by_name(folder: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in folder.glob("*.html"):
        text = words(path.read_text(encoding="utf-8"))
        name = next(n for n in SPANISH_NAMES | ENGLISH_NAMES if n in text)
        found[name] = text
    return found


def test_spanish_speakers_get_spanish_letters_with_every_element(
    spoken: World, tmp_path: Path
) -> None:
    incident = ready_incident(spoken)
    respond.set_facts(spoken.store, incident, **FACTS_ES)
    result = respond.write_letters(
        spoken.settings, spoken.store, incident, tmp_path / "out", letter_date=date(2026, 3, 20)
    )
    assert result["by_language"] == {"en": 3, "es": 3}
    letters = _letters_by_name(tmp_path / "out")
    assert set(letters) == SPANISH_NAMES | ENGLISH_NAMES
    for name in SPANISH_NAMES:
        text = letters[name]
        missing = [what for what, sentence in REQUIRED_ES.items() if sentence not in text]
        assert missing == [], f"{name}'s letter lacks {missing}"
        assert "20 de marzo de 2026" in text and "Aviso de una filtración de datos" in text
        assert FACTS["what_happened"] not in text and "What happened" not in text
    assert "Estimado/a Given Family01:" in letters["Given Family01"]
    assert "Al padre, madre o tutor de" in letters["Given Family03"]
    assert "que es menor de 18 años" in letters["Given Family03"]
    assert "Estimado familiar o representante personal:" in letters["Given Family05"]
    for name in ENGLISH_NAMES:  # no preference, or one phiwatch does not write (French)
        assert "What happened" in letters[name] and FACTS["what_happened"] in letters[name]
        assert "Qué pasó" not in letters[name]


def test_no_spanish_letters_without_the_spanish_facts(spoken: World, tmp_path: Path) -> None:
    incident = ready_incident(spoken)
    with pytest.raises(InputError) as refused:
        respond.write_letters(spoken.settings, spoken.store, incident, tmp_path / "none")
    message = str(refused.value)
    # p-01, p-03, p-05 and p-06 prefer Spanish: counted, never named
    assert "4 recipient(s) get the notice in Spanish (es)" in message
    assert "what_happened_es, org_actions_es" in message
    assert f"phiwatch respond facts {incident} --what-happened-es ... --org-actions-es ..." in (
        message
    )
    assert "--language en" in message and "Family0" not in message
    assert not (tmp_path / "none").exists()
    with pytest.raises(InputError, match="org_actions_es"):
        respond.write_mailhouse(spoken.settings, spoken.store, incident, tmp_path / "mh")
    assert not (tmp_path / "mh").exists()
    respond.set_facts(spoken.store, incident, what_happened_es=FACTS_ES["what_happened_es"])
    with pytest.raises(InputError, match=r"not set: org_actions_es\."):
        respond.write_letters(spoken.settings, spoken.store, incident, tmp_path / "none")
    problem = respond.letters_problem(spoken.store, incident)
    assert problem is not None and "org_actions_es" in problem


def test_an_english_step_needs_its_spanish_version(spoken: World, tmp_path: Path) -> None:
    incident = ready_incident(spoken)
    respond.set_facts(
        spoken.store, incident, individual_steps="Change your portal password.", **FACTS_ES
    )
    with pytest.raises(InputError, match="not set: individual_steps_es"):
        respond.write_letters(spoken.settings, spoken.store, incident, tmp_path / "none")
    respond.set_facts(
        spoken.store, incident, individual_steps_es="Cambie la contraseña de su portal."
    )
    respond.write_letters(spoken.settings, spoken.store, incident, tmp_path / "out")
    letters = _letters_by_name(tmp_path / "out")
    assert "Cambie la contraseña de su portal." in letters["Given Family01"]
    assert "Change your portal password." in letters["Given Family02"]


def test_language_en_sends_english_to_everyone(spoken: World, tmp_path: Path) -> None:
    incident = ready_incident(spoken)  # no Spanish facts
    result = respond.write_letters(
        spoken.settings, spoken.store, incident, tmp_path / "out", language="en"
    )
    assert result["by_language"] == {"en": 6}
    assert all("What happened" in t for t in _letters_by_name(tmp_path / "out").values())
    with pytest.raises(InputError, match="--language expects auto, en, es"):
        respond.write_letters(
            spoken.settings, spoken.store, incident, tmp_path / "x", language="de"
        )


def test_a_context_without_languages_is_all_english(world: World, tmp_path: Path) -> None:
    incident = ready_incident(world)  # the plain world: no language column, no Spanish facts
    result = respond.write_letters(world.settings, world.store, incident, tmp_path / "out")
    assert result["by_language"] == {"en": 6}


def test_mailhouse_rows_name_their_language(spoken: World, tmp_path: Path) -> None:
    incident = ready_incident(spoken)
    respond.set_facts(spoken.store, incident, **FACTS_ES)
    out = tmp_path / "mailhouse"
    manifest = respond.write_mailhouse(
        spoken.settings, spoken.store, incident, out, letter_date=date(2026, 3, 20)
    )
    with (out / "recipients.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["name"]: r for r in csv.DictReader(handle)}
    assert {n: r["language"] for n, r in rows.items()} == {
        **dict.fromkeys(SPANISH_NAMES, "es"),
        **dict.fromkeys(ENGLISH_NAMES, "en"),
    }
    assert rows["Given Family03"]["addressee"] == "Al padre, madre o tutor de"
    assert rows["Given Family04"]["addressee"] == "To the parent or guardian of"
    assert manifest["by_language"] == {"en": 3, "es": 3}
    written = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "language" in written["columns"]
    assert {"letter-guardian.html", "letter-guardian.es.html", "letter-guardian.es.pdf"} <= set(
        written["files"]
    )
    template = words((out / "letter-individual.es.html").read_text(encoding="utf-8"))
    assert "Estimado/a «name»:" in template and "20 de marzo de 2026" in template
    assert "padre, madre o tutor de «name»" in pdf_text(out / "letter-guardian.es.pdf")
    shared = tmp_path / "shared"  # worker processes write the same rows, languages included
    respond.write_mailhouse(
        spoken.settings, spoken.store, incident, shared, templates=False, workers=2
    )
    assert (shared / "recipients.csv").read_bytes() == (out / "recipients.csv").read_bytes()


def test_mailhouse_all_english_writes_no_spanish_template(spoken: World, tmp_path: Path) -> None:
    incident = ready_incident(spoken)
    out = tmp_path / "mailhouse"
    manifest = respond.write_mailhouse(spoken.settings, spoken.store, incident, out, language="en")
    assert manifest["by_language"] == {"en": 6}
    assert not list(out.glob("*.es.*"))


def test_previews_in_a_language(spoken: World) -> None:
    incident = ready_incident(spoken)
    sample = respond.preview_letter(spoken.store, spoken.settings, incident)
    assert sample.language == "en" and "Dear Jane Sample," in sample.html
    with pytest.raises(InputError, match="what_happened_es"):
        respond.preview_letter(spoken.store, spoken.settings, incident, language="es")
    respond.set_facts(spoken.store, incident, **FACTS_ES)
    spanish = respond.preview_letter(spoken.store, spoken.settings, incident, language="es")
    assert spanish.language == "es" and "Estimado/a Jane Sample:" in spanish.html
    assert 'lang="es"' in spanish.html
    from phiwatch.monitor._pseudonym import pseudonym_key, pseudonymise

    p01 = pseudonymise(pseudonym_key(spoken.settings), "p-01")
    own = respond.preview_letter(spoken.store, spoken.settings, incident, patient=p01)
    assert own.language == "es" and "Estimado/a Given Family01:" in own.html
    english = respond.preview_letter(
        spoken.store, spoken.settings, incident, patient=p01, language="en"
    )
    assert "Dear Given Family01," in english.html


def test_a_spanish_template_that_drops_an_element_is_refused(spoken: World, tmp_path: Path) -> None:
    incident = ready_incident(spoken)
    respond.set_facts(spoken.store, incident, **FACTS_ES)
    templates = tmp_path / "templates"
    templates.mkdir()
    original = (BUILT_IN / "letter.es.html").read_text(encoding="utf-8")
    (templates / "letter.es.html").write_text(
        original.replace("<p>{{ org_actions }}</p>", ""), encoding="utf-8"
    )
    settings = spoken.settings.model_copy(update={"respond_templates_dir": templates})
    with pytest.raises(ConfigurationError, match=r"letter\.es\.html leaves out .* organisation"):
        respond.write_letters(settings, spoken.store, incident, tmp_path / "out")
    # the English letters come from the built-in template, untouched: --language en works
    result = respond.write_letters(
        settings, spoken.store, incident, tmp_path / "english", language="en"
    )
    assert result["letters"] == 6


def test_a_spanish_letter_with_english_facts_misses_them() -> None:
    """The element check compares with the letter's language: English text does not count."""
    context = {
        "what_happened": "Robaron una computadora portátil.",
        "breach_dates": "La filtración ocurrió el 1 de mayo de 2026.",
        "discovered": "2 de mayo de 2026",
        "phi_types": ["Su número de Seguro Social."],
        "steps": ["Congele su crédito."],
        "org_actions": "",
        "contact_phone": PHONE,
        "contact_email": "privacidad@example.org",
        "contact_web": None,
        "contact_postal": None,
    }
    english = (
        "A laptop was stolen. The breach happened on May 1, 2026. <li>Your Social Security "
        f"number.</li> Freeze your credit. We encrypt laptops now. {PHONE} privacidad@example.org"
    )
    assert respond.missing_elements(english, context) == [
        "what happened",
        "date of the breach",
        "date of discovery",
        "types of PHI involved",
        "steps individuals should take",
        "what the organisation is doing",  # empty: never present
    ]


def test_spanish_dates() -> None:
    assert long_date(date(2026, 3, 2), "es") == "2 de marzo de 2026"
    assert long_date(date(2026, 12, 31), "es") == "31 de diciembre de 2026"
    assert long_date(date(2026, 3, 2)) == "March 2, 2026"


def test_cli_spanish_facts_and_language(cli: Cli, tmp_path: Path) -> None:
    from phiwatch.config import load_settings
    from phiwatch.store import open_store

    settings = load_settings(environ={}, data_dir=str(cli.data_dir))
    store = open_store(settings)
    try:
        _with_languages(build_world(settings, store, tmp_path / "input"))
        ready_incident(World(settings, store, tmp_path / "input"))
    finally:
        store.close()
    refused = cli("respond", "letters", "1", "--out", str(tmp_path / "none"))
    assert refused.exit_code == 1
    assert "4 recipient(s) get the notice in Spanish" in refused.output
    english = cli("respond", "letters", "1", "--out", str(tmp_path / "en"), "--language", "en")
    assert english.exit_code == 0, english.output
    facts = cli(
        "respond", "facts", "1",
        "--what-happened-es", FACTS_ES["what_happened_es"],
        "--org-actions-es", FACTS_ES["org_actions_es"],
        "-f", "json",
    )  # fmt: skip
    assert facts.exit_code == 0, facts.output
    assert json.loads(facts.stdout)["org_actions_es"] == FACTS_ES["org_actions_es"]
    letters = cli("respond", "letters", "1", "--out", str(tmp_path / "auto"), "-f", "json")
    assert letters.exit_code == 0, letters.output
    assert json.loads(letters.stdout)["by_language"] == {"en": 3, "es": 3}
    mailhouse = cli("respond", "mailhouse", "1", "--out", str(tmp_path / "mh"), "--language", "es")
    assert mailhouse.exit_code == 0, mailhouse.output
    with (tmp_path / "mh" / "recipients.csv").open(encoding="utf-8", newline="") as handle:
        assert {r["language"] for r in csv.DictReader(handle)} == {"es"}
    proof = cli("respond", "proof", "1", "--pdf", str(tmp_path / "proof.pdf"), "--language", "es")
    assert proof.exit_code == 0, proof.output
    assert "Estimado/a Jane Sample:" in pdf_text(tmp_path / "proof.pdf")
    email = cli("respond", "email", "1", "--language", "auto", "-f", "json")
    assert email.exit_code == 0, email.output


def test_email_notices_in_the_recipients_language(spoken: World) -> None:
    from sqlalchemy import select

    from phiwatch import notify
    from phiwatch.store.models.notify import OutboxMessage

    incident = ready_incident(spoken)
    for patient, email in (("p-01", "uno@example.org"), ("p-02", "two@example.org")):
        notify.subscribe(
            spoken.store, spoken.settings, notify.SubscriptionRequest(patient, email=email)
        )
    # only those who agreed to e-mail count: one of them prefers Spanish
    with pytest.raises(InputError, match=r"1 recipient\(s\) get the notice in Spanish"):
        respond.queue_email_notices(spoken.settings, spoken.store, incident)
    respond.set_facts(spoken.store, incident, **FACTS_ES)
    result = respond.queue_email_notices(spoken.settings, spoken.store, incident)
    assert result["queued"] == 2
    with spoken.store.reader() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "breach")).all()
        messages = {m.recipient: (m.subject, m.body_text) for m in rows}
    subject, text = messages["uno@example.org"]
    assert subject == f"Aviso de una filtración de datos en {FACTS['organisation']}"
    assert "QUÉ PASÓ" in text and FACTS_ES["what_happened_es"] in words(text)
    assert "Estimado/a Given Family01:" in text
    assert messages["two@example.org"][0].startswith("Notice of a data breach")


def test_language_counts_find_patients_by_pseudonym(spoken: World) -> None:
    """The count before a mailing joins every individual to the context: on SQLite it must
    look each one up by pseudonym, or a million recipients take hours (seen in the benchmark).
    """
    incident = ready_incident(spoken)
    with spoken.store.reader() as session:
        counts = preferred_languages(session, incident)
        assert counts.get("es", 0) >= 1 and sum(counts.values()) >= 4
        if spoken.store.dialect != "sqlite":
            return  # the plan below is SQLite's; PostgreSQL keeps statistics and plans itself
        query = language_counts_query(incident, patient_version(session) or -1)
        sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        plan = " ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "ix_monitor_patient_pseudonym" in plan, plan
