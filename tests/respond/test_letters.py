"""Individual notice letters: every 164.404(c) element, the variants, PDF, proofs, templates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from phiwatch import respond
from phiwatch.errors import ConfigurationError, ConflictError, InputError, NotFoundError
from phiwatch.respond._contacts import recipients_query
from phiwatch.respond._context import patient_version
from phiwatch.respond._letters import BUILT_IN
from tests.respond.conftest import World
from tests.respond.notice_world import FACTS, PHONE, VARIANT_OF, pdf_text, ready_incident, words

# 164.404(c)(1): what a letter to this incident's individuals must say, in the letter's words.
REQUIRED = {
    "what happened": FACTS["what_happened"],
    "date of the breach": "between February 10, 2026 and February 20, 2026",
    "date of discovery": "We discovered the breach on March 2, 2026",
    "PHI: identifying details": "Your name, address, date of birth",
    "PHI: clinical": "Medical information, such as diagnoses",
    "PHI: payment (billing export)": "Billing and payment information",
    "step for payment data": "Check your bank and card statements",
    "step against scams": "IdentityTheft.gov",
    "what the organisation is doing": FACTS["org_actions"],
    "toll-free number": PHONE,
    "e-mail": FACTS["contact_email"],
    "web site": FACTS["contact_web"],
}


def test_each_letter_states_every_required_element(world: World, tmp_path: Path) -> None:
    incident = ready_incident(world)
    result = respond.write_letters(
        world.settings, world.store, incident, tmp_path / "letters", letter_date=date(2026, 3, 20)
    )
    assert (result["individuals"], result["letters"], result["unreachable"]) == (7, 6, 1)
    files = sorted((tmp_path / "letters").glob("*.html"))
    assert len(files) == 6
    for path in files:
        text = words(path.read_text(encoding="utf-8"))
        missing = [name for name, sentence in REQUIRED.items() if sentence not in text]
        assert missing == [], f"{path.name} lacks {missing}"
        assert "March 20, 2026" in text  # the letter date asked for
        assert "SSN" not in text and "Social Security number." not in text  # not involved


def test_minors_and_the_deceased_get_their_variant(world: World, tmp_path: Path) -> None:
    incident = ready_incident(world)
    result = respond.write_letters(world.settings, world.store, incident, tmp_path / "out")
    assert result["by_variant"] == {"individual": 3, "guardian": 2, "next_of_kin": 1}
    seen: dict[str, str] = {}
    for path in (tmp_path / "out").glob("*.html"):
        text = words(path.read_text(encoding="utf-8"))
        name = next(n for n in VARIANT_OF if n in text)
        if "To the parent or guardian of" in text:
            seen[name] = "guardian"
            assert f"as the parent or guardian of {name}" in text
            assert "Dear parent or guardian," in text
        elif "To the family or personal representative of" in text:
            seen[name] = "next_of_kin"
            assert f"as the family or personal representative of {name}, who has died" in text
        else:
            seen[name] = "individual"
            assert f"Dear {name}," in text
    assert seen == VARIANT_OF


def test_letters_as_pdf_are_real_pdfs(world: World, tmp_path: Path) -> None:
    incident = ready_incident(world)
    result = respond.write_letters(
        world.settings, world.store, incident, tmp_path / "pdf", pdf=True, limit=2
    )
    assert result["letters"] == 2
    files = sorted((tmp_path / "pdf").glob("*.pdf"))
    assert len(files) == 2
    for path in files:
        assert path.read_bytes().startswith(b"%PDF-")
        text = pdf_text(path)
        assert "Notice of a data breach" in text
        assert PHONE in text and "What we are doing" in text
        assert "We discovered the breach on March 2, 2026" in text


def test_the_proof_shows_each_variant_to_a_made_up_recipient(world: World, tmp_path: Path) -> None:
    incident = ready_incident(world)
    respond.write_proof(world.settings, world.store, incident, tmp_path / "proof.pdf")
    from pypdf import PdfReader

    pages = [" ".join(p.extract_text().split()) for p in PdfReader(tmp_path / "proof.pdf").pages]
    assert len(pages) >= 3
    text = " ".join(pages)
    assert "Dear Jane Sample," in text
    assert "parent or guardian of Sam Sample" in text
    assert "personal representative of John Sample" in text
    assert not any(name in text for name in VARIANT_OF)  # no real patient in a proof


def test_an_edited_template_is_used_and_must_keep_every_element(
    world: World, tmp_path: Path
) -> None:
    incident = ready_incident(world)
    mine = tmp_path / "templates"
    mine.mkdir()
    built_in = (BUILT_IN / "letter.html").read_text(encoding="utf-8")
    (mine / "letter.html").write_text(
        built_in.replace("<h1>Notice of a data breach</h1>", "<h1>Important: your records</h1>"),
        encoding="utf-8",
    )
    settings = world.settings.model_copy(update={"respond_templates_dir": mine})
    respond.write_letters(settings, world.store, incident, tmp_path / "edited", limit=1)
    (letter,) = (tmp_path / "edited").glob("*.html")
    assert "Important: your records" in letter.read_text(encoding="utf-8")

    (mine / "letter.html").write_text(
        built_in.replace("<p>{{ org_actions }}</p>", ""), encoding="utf-8"
    )
    with pytest.raises(ConfigurationError, match="what the organisation is doing"):
        respond.write_letters(settings, world.store, incident, tmp_path / "broken")
    assert not (tmp_path / "broken").exists()  # nothing half-written


def test_missing_facts_are_named_with_the_command_that_sets_them(
    world: World, tmp_path: Path
) -> None:
    incident = ready_incident(world, facts={"organisation": "Springfield Community Clinic"})
    with pytest.raises(InputError) as caught:
        respond.write_letters(world.settings, world.store, incident, tmp_path / "x")
    message = str(caught.value)
    assert "what_happened, org_actions, contact_phone" in message
    assert f"phiwatch respond facts {incident} --what-happened" in message
    assert not (tmp_path / "x").exists()


def test_bad_facts_are_refused_and_change_nothing(world: World) -> None:
    incident = ready_incident(world)
    bad = [
        ({"contact_phone": "312-555-0100"}, "toll-free"),
        ({"contact_email": "privacy at clinic"}, "e-mail address"),
        ({"contact_web": "clinic dot org"}, "web address"),
        ({"org_state": "Illinois"}, "2-letter state"),
        ({"breach_types": "hacking, burglary"}, "'burglary'"),
        ({"entity_type": "hospital"}, "Healthcare Provider"),
        ({"what_happened": "   "}, "empty"),
    ]
    for values, expected in bad:
        with pytest.raises(InputError, match=expected):
            respond.set_facts(world.store, incident, organisation="Changed", **values)
    facts = respond.get_facts(world.store, incident)
    assert facts.organisation == FACTS["organisation"]  # the good value in the call was not kept
    assert facts.contact_phone == PHONE
    assert facts.breach_types == "Unauthorized Access/Disclosure"
    assert facts.locations == "Electronic Medical Record"
    with pytest.raises(NotFoundError):
        respond.set_facts(world.store, 99, organisation="x")


def test_an_existing_folder_is_never_overwritten(world: World, tmp_path: Path) -> None:
    incident = ready_incident(world)
    out = tmp_path / "full"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="new or empty folder"):
        respond.write_letters(world.settings, world.store, incident, out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    with pytest.raises(InputError, match="--limit"):
        respond.write_letters(world.settings, world.store, incident, tmp_path / "y", limit=0)


def test_no_letters_when_the_assessment_says_no_notice(world: World, tmp_path: Path) -> None:
    incident = ready_incident(world)
    answers = respond.with_answers(respond.prefill(world.store, incident), {"encrypted": "yes"})
    respond.save_assessment(world.store, incident, answers, decided_by="P. Officer")
    with pytest.raises(ConflictError, match="no notice is owed"):
        respond.write_letters(world.settings, world.store, incident, tmp_path / "none")
    assert not (tmp_path / "none").exists()


def test_required_elements_are_checked_on_any_text() -> None:
    context = {
        "what_happened": "A laptop was stolen.",
        "breach_dates": "The breach happened on May 1, 2026.",
        "discovered": "May 2, 2026",
        "phi_types": ["Your Social Security number."],
        "steps": ["Freeze your credit."],
        "org_actions": "We encrypt laptops now.",
        "contact_phone": PHONE,
        "contact_email": None,
        "contact_web": None,
        "contact_postal": "1 Main St, Springfield, IL 62701",
    }
    full = (
        "A laptop was stolen. The breach happened on May 1, 2026. Found May 2, 2026. "
        "<li>Your Social Security number.</li> Freeze your credit. We encrypt laptops now. "
        f"Call {PHONE} or write to 1 Main St, Springfield, IL 62701"
    )
    assert respond.missing_elements(full, context) == []
    assert respond.missing_elements(full.replace(PHONE, "us"), context) == ["toll-free number"]
    assert respond.missing_elements(full.replace("Freeze your credit.", ""), context) == [
        "steps individuals should take"
    ]
    assert respond.missing_elements(full.split(" or write")[0], context) == [
        "e-mail address, web site or postal address"
    ]


def test_recipients_come_in_index_order_without_sorting_the_incident(world: World) -> None:
    """Letters stream from the (incident, pseudonym) index: a print test's first letter
    waited seven seconds on a million recipients while SQLite sorted them all (benchmark)."""
    incident = ready_incident(world)
    with world.store.reader() as session:
        version = patient_version(session) or -1
        pseudonyms = [row[0] for row in session.execute(recipients_query(incident, version))]
        assert pseudonyms == sorted(pseudonyms) and len(set(pseudonyms)) < len(pseudonyms)
        if world.store.dialect != "sqlite":
            return  # the plan below is SQLite's; PostgreSQL keeps statistics and plans itself
        query = recipients_query(incident, version, low=pseudonyms[1])
        sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        plan = " ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "ix_respond_affected_incident_pseudonym" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
