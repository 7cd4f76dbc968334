"""State breach-notification rules: cited data, a user's file over the shipped one, applied."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from phiwatch import respond
from phiwatch.errors import InputError
from phiwatch.respond._state_rules import parse_rules, shipped_rules, state_obligations
from tests.conftest import Cli
from tests.respond.conftest import World

DISCOVERED = date(2026, 3, 2)
FEDERAL = DISCOVERED + timedelta(days=60)

# A rule made up for the tests (never shipped): Illinois, where the test world's patients live.
TEST_RULES = """
[states.IL]
name = "Illinois (test rule)"
citation = "Test Code 1.1"
source = "https://example.test/rule"
checked = 2026-11-01
how_checked = "made up for the tests"
individual_days = 45
regulator = "Test Attorney General"
regulator_threshold = 3
regulator_days = 20
"""


def test_every_shipped_rule_is_cited_and_dated() -> None:
    rules = shipped_rules()
    assert rules, "the shipped file parses (it may hold few states, never uncited ones)"
    for state, rule in rules.items():
        assert rule.state == state and len(state) == 2
        assert rule.source.startswith(("http://", "https://")), state
        assert rule.citation.strip() and rule.how_checked.strip(), state
        assert rule.checked <= date.today(), state
        assert rule.origin == "phiwatch/respond/rules/states.toml"


@pytest.mark.parametrize(
    ("by_state", "expected"),
    [
        # Texas: regulator at 250 or more, within 30 days; its 60 days add nothing to 164.404.
        ({"TX": 249}, []),
        ({"TX": 250}, [("state-TX-regulator", DISCOVERED + timedelta(days=30))]),
        # Florida: 30 days for residents; the department at 500 or more, within 30 days.
        ({"FL": 499}, [("state-FL-individuals", DISCOVERED + timedelta(days=30))]),
        (
            {"FL": 500},
            [
                ("state-FL-individuals", DISCOVERED + timedelta(days=30)),
                ("state-FL-regulator", DISCOVERED + timedelta(days=30)),
            ],
        ),
        # California: a sample copy to the AG for more than 500, with the individual notices.
        ({"CA": 500}, []),
        ({"CA": 501}, [("state-CA-regulator", FEDERAL)]),
        # States without a rule, and "unknown", add nothing.
        ({"IL": 10_000, "unknown": 900}, []),
    ],
)
def test_shipped_rules_as_a_table(
    by_state: dict[str, int], expected: list[tuple[str, object]]
) -> None:
    owed = state_obligations(shipped_rules(), discovered=DISCOVERED, by_state=by_state)
    assert [(o.notice, o.due) for o in owed] == expected
    for item in owed:
        assert "checked 2026-11-23" in item.reason and item.section


def test_a_law_enforcement_delay_shifts_state_deadlines() -> None:
    owed = state_obligations(
        shipped_rules(), discovered=DISCOVERED, by_state={"TX": 300}, shift=timedelta(days=10)
    )
    assert [o.due for o in owed] == [DISCOVERED + timedelta(days=40)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[states.TX]\nname = 'x'\n", "citation is required"),
        ("[states.TX\n", "not valid TOML"),
        ("[rules.TX]\n", "unknown table 'rules'"),
        (TEST_RULES.replace("[states.IL]", "[states.Illinois]"), "two-letter state code"),
        (TEST_RULES.replace("individual_days = 45", "individual_days = '45'"), "whole number"),
        (TEST_RULES.replace("individual_days = 45", "individual_days = 0"), "1 or more"),
        (TEST_RULES.replace("checked = 2026-11-01", "checked = 'soon'"), "YYYY-MM-DD"),
        (TEST_RULES + "penalty = 5\n", "unknown field 'penalty'"),
        (TEST_RULES.replace('regulator = "Test Attorney General"\n', ""), "need regulator"),
    ],
)
def test_a_bad_rule_names_the_file_and_the_field(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        parse_rules(text, "mine.toml")
    assert str(caught.value).startswith("mine.toml: ")


def _with_rules(world: World, tmp_path: Path, text: str = TEST_RULES) -> World:
    path = tmp_path / "states.toml"
    path.write_text(text, encoding="utf-8")
    settings = world.settings.model_copy(update={"respond_state_rules_file": path})
    return World(settings, world.store, world.folder)


def test_the_users_file_adds_and_overrides_states(world: World, tmp_path: Path) -> None:
    override = TEST_RULES + TEST_RULES.replace("[states.IL]", "[states.TX]")
    mine = _with_rules(world, tmp_path, override)
    rules = respond.state_rules(mine.settings)
    assert rules["IL"].origin.endswith("states.toml") and rules["IL"].individual_days == 45
    assert rules["TX"].name == "Illinois (test rule)"  # replaced, not merged
    assert rules["FL"].origin == "phiwatch/respond/rules/states.toml"  # untouched
    missing = world.settings.model_copy(update={"respond_state_rules_file": tmp_path / "no.toml"})
    with pytest.raises(InputError, match=r"no\.toml: cannot read the state rules"):
        respond.state_rules(missing)


def test_status_lists_state_notices_and_they_can_be_recorded(world: World, tmp_path: Path) -> None:
    mine = _with_rules(world, tmp_path)
    incident = respond.open_incident(world.store, "Snooping", discovered=DISCOVERED)
    respond.add_source(world.store, incident, respond.from_lake(world.settings, user="dr-1"))
    # dr-1's five patients: three in IL, two in WI.
    without = respond.incident_obligations(world.store, incident, today=DISCOVERED)
    assert [o["notice"] for o in without] == ["individuals", "hhs-annual-log"]
    owed = respond.incident_obligations(
        world.store, incident, today=DISCOVERED, settings=mine.settings
    )
    state = {o["notice"]: o for o in owed if o["notice"].startswith("state-")}
    assert {n: o["due"] for n, o in state.items()} == {
        "state-IL-individuals": DISCOVERED + timedelta(days=45),
        "state-IL-regulator": DISCOVERED + timedelta(days=20),
    }
    assert "3 Illinois (test rule) residents" in state["state-IL-regulator"]["reason"]
    respond.mark_done(world.store, incident, "state-IL-regulator", on=date(2026, 3, 10))
    rows = respond.status(world.store, today=date(2026, 4, 20), settings=mine.settings)
    by_notice = {r["notice"]: r for r in rows}
    assert by_notice["state-IL-regulator"]["done"] == date(2026, 3, 10)
    assert by_notice["state-IL-individuals"]["overdue"] is True
    with pytest.raises(InputError, match="NOTICE expects"):
        respond.mark_done(world.store, incident, "state-il-everyone", on=date(2026, 3, 10))


def test_the_cli_lists_the_rules_in_force(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = cli("respond", "rules", "-f", "json")
    assert shipped.exit_code == 0, shipped.output
    assert [r["state"] for r in json.loads(shipped.stdout)] == sorted(shipped_rules())
    path = tmp_path / "mine.toml"
    path.write_text(TEST_RULES, encoding="utf-8")
    monkeypatch.setenv("PHIWATCH_RESPOND_STATE_RULES_FILE", str(path))
    listed = cli("respond", "rules", "-f", "json")
    rows = {r["state"]: r for r in json.loads(listed.stdout)}
    assert rows["IL"]["origin"] == str(path) and rows["IL"]["citation"] == "Test Code 1.1"
    path.write_text("[states.IL]\nname = 'no citation'\n", encoding="utf-8")
    refused = cli("respond", "rules")
    assert (
        refused.exit_code == 1 and "mine.toml: [states.IL]: citation is required" in refused.output
    )
