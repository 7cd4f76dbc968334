"""The 164.402 risk assessment: the rule as a table, pre-filled answers, immutable versions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from phiwatch import respond
from phiwatch.errors import InputError
from phiwatch.store.models.respond import Assessment
from tests.respond.conftest import World

DISCOVERED = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("answers", "result", "reason"),
    [
        ({}, "notify", "Breach: a low probability of compromise is not demonstrated."),
        ({"unintentional_workforce_access": "yes"}, "no_notice", "Not a breach: exception"),
        ({"inadvertent_authorised_disclosure": "y"}, "no_notice", "164.402(1)(ii)"),
        ({"could_not_retain": "true"}, "no_notice", "164.402(1)(iii)"),
        ({"encrypted": "yes"}, "no_notice", "secured per HHS guidance"),
        ({"acquired": "not_viewed"}, "no_notice", "not acquired or viewed"),
        (  # every other factor low, but factor 1 high: notify
            {"recipient": "workforce", "mitigation": "assurances"},
            "notify",
            "Breach:",
        ),
        (
            {"reidentification": "low", "recipient": "covered_entity", "mitigation": "recovered"},
            "no_notice",
            "factors 1, 2, 4 are low",
        ),
        (  # a workforce recipient who acquired clinical data, unmitigated
            {"reidentification": "low", "recipient": "workforce", "acquired": "acquired"},
            "notify",
            "Factor 3 (high): the PHI was acquired.",
        ),
    ],
)
def test_the_decision_rule(answers: dict[str, str], result: str, reason: str) -> None:
    decided, reasons = respond.decide(respond.with_answers(respond.Answers(), answers))
    assert decided == result
    assert any(reason in r for r in reasons), reasons


def test_clinical_elements_keep_factor_one_high() -> None:
    answers = respond.Answers(
        reidentification="low",
        recipient="workforce",
        mitigation="assurances",
        elements=("clinical", "demographics"),
    )
    assert respond.decide(answers)[0] == "notify"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"acquired": "maybe"}, "acquired expects one of not_viewed, viewed, acquired"),
        ({"encrypted": "perhaps"}, "encrypted expects yes or no"),
        ({"colour": "red"}, "no question 'colour'"),
    ],
)
def test_bad_answers_are_refused(answers: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        respond.with_answers(respond.Answers(), answers)


def test_prefill_reads_the_scope(world: World) -> None:
    incident = respond.open_incident(world.store, "Export", discovered=DISCOVERED)
    respond.add_source(world.store, incident, respond.from_lake(world.settings, address="10.9.9.9"))
    answers = respond.prefill(world.store, incident)
    assert answers.acquired == "acquired"  # the clerk exported billing statements
    assert answers.recipient == "unknown"  # an address is not a known workforce member
    assert answers.elements == ("clinical", "demographics", "payment")
    assert answers.reidentification == "high"


def test_a_revision_is_a_new_version_and_the_newest_decides(world: World) -> None:
    incident = respond.open_incident(world.store, "Misdirected fax", discovered=DISCOVERED)
    respond.add_source(world.store, incident, respond.from_lake(world.settings, user="dr-1"))
    first = respond.save_assessment(
        world.store,
        incident,
        respond.with_answers(respond.prefill(world.store, incident), {"acquired": "not_viewed"}),
        decided_by="P. Officer",
    )
    assert (first["version"], first["result"]) == (1, "no_notice")
    assert respond.incident_obligations(world.store, incident) == []

    second = respond.save_assessment(
        world.store, incident, respond.prefill(world.store, incident), decided_by="C. Counsel"
    )
    assert (second["version"], second["result"]) == (2, "notify")
    history = respond.assessments(world.store, incident)
    assert [(h["version"], h["decided_by"], h["result"]) for h in history] == [
        (1, "P. Officer", "no_notice"),
        (2, "C. Counsel", "notify"),
    ]
    assert history[0]["answers"]["acquired"] == "not_viewed"  # the old version is intact
    owed = respond.incident_obligations(world.store, incident, today=DISCOVERED)
    assert [o["notice"] for o in owed] == ["individuals", "hhs-annual-log"]
    assert {o["assessment"] for o in owed} == {"notify"}
    with world.store.reader() as session:
        assert len(list(session.scalars(select(Assessment)))) == 2


def test_an_assessment_needs_who_decided(world: World) -> None:
    incident = respond.open_incident(world.store, "Nobody", discovered=DISCOVERED)
    with pytest.raises(InputError, match="who decided"):
        respond.save_assessment(world.store, incident, respond.Answers(), decided_by=" ")
    assert respond.assessments(world.store, incident) == []
