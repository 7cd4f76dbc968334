"""State breach-notification rules as data: the shipped, cited file plus the user's own.

The federal rules are built in (``_deadlines``); state rules differ, change
and must be cited, so they live in TOML (``rules/states.toml``) that a user
extends or overrides with the file named by ``respond_state_rules_file``
(a state listed there replaces the shipped rule for that state). Each rule
must name its citation, a source and the day it was checked: a rule phiwatch
cannot attribute is refused at load, naming the file and the field.

Applied to an incident's scope, a rule adds, for a state with affected
residents, a shorter individual-notice deadline (``state-XX-individuals``)
and a notice to the state's regulator when enough residents are affected
(``state-XX-regulator``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.respond._deadlines import Obligation, notice_deadline

_REQUIRED = ("name", "citation", "source", "checked", "how_checked")
_OPTIONAL_INT = ("individual_days", "regulator_threshold", "regulator_days")
_OPTIONAL_TEXT = ("regulator", "note")
_STATE = re.compile(r"^[A-Z]{2}$")
STATE_NOTICE = re.compile(r"^state-[A-Z]{2}-(individuals|regulator)$")


@dataclass(frozen=True)
class StateRule:
    """One state's rule, with where it comes from."""

    state: str
    name: str
    citation: str
    source: str
    checked: date
    how_checked: str
    origin: str  # the file it was read from
    individual_days: int | None = None
    regulator: str | None = None
    regulator_threshold: int | None = None
    regulator_days: int | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "name": self.name,
            "citation": self.citation,
            "source": self.source,
            "checked": self.checked,
            "how_checked": self.how_checked,
            "individual_days": self.individual_days,
            "regulator": self.regulator,
            "regulator_threshold": self.regulator_threshold,
            "regulator_days": self.regulator_days,
            "note": self.note,
            "origin": self.origin,
        }


def _rule(state: str, table: Any, origin: str) -> StateRule:
    where = f"[states.{state}]"
    if not _STATE.match(state):
        raise InputError(f"{where}: expected a two-letter state code", file=origin)
    if not isinstance(table, dict):
        raise InputError(f"{where}: expected a table of fields", file=origin)
    unknown = sorted(set(table) - set(_REQUIRED) - set(_OPTIONAL_INT) - set(_OPTIONAL_TEXT))
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r}", file=origin)
    for name in _REQUIRED:
        if name not in table or not str(table[name]).strip():
            raise InputError(f"{where}: {name} is required (every rule is cited)", file=origin)
    for name in (*_REQUIRED, *_OPTIONAL_TEXT):
        if name in table and name != "checked" and not isinstance(table[name], str):
            raise InputError(f"{where}: {name} expects text", file=origin)
    for name in _OPTIONAL_INT:
        value = table.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise InputError(f"{where}: {name} expects a whole number", file=origin)
        if value is not None and value < 1:
            raise InputError(f"{where}: {name} expects a number of 1 or more", file=origin)
    checked = table["checked"]
    if isinstance(checked, str):
        try:
            checked = date.fromisoformat(checked)
        except ValueError:
            raise InputError(f"{where}: checked expects YYYY-MM-DD", file=origin) from None
    if not isinstance(checked, date):
        raise InputError(f"{where}: checked expects YYYY-MM-DD", file=origin)
    if ("regulator_threshold" in table or "regulator_days" in table) and "regulator" not in table:
        raise InputError(f"{where}: regulator_threshold/regulator_days need regulator", file=origin)
    return StateRule(
        state=state,
        name=table["name"],
        citation=table["citation"],
        source=table["source"],
        checked=checked,
        how_checked=table["how_checked"],
        origin=origin,
        individual_days=table.get("individual_days"),
        regulator=table.get("regulator"),
        regulator_threshold=table.get("regulator_threshold"),
        regulator_days=table.get("regulator_days"),
        note=table.get("note"),
    )


def parse_rules(text: str, origin: str) -> dict[str, StateRule]:
    """The rules of one TOML document; ``InputError`` naming ``origin`` and the field if bad."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc})", file=origin) from None
    unknown = sorted(set(document) - {"states"})
    if unknown:
        raise InputError(f"unknown table {unknown[0]!r} (expected [states.XX])", file=origin)
    states = document.get("states", {})
    if not isinstance(states, dict):
        raise InputError("states expects tables [states.XX]", file=origin)
    return {state: _rule(state, table, origin) for state, table in states.items()}


def shipped_rules() -> dict[str, StateRule]:
    """The rules shipped with phiwatch (cited, possibly few)."""
    text = resources.files("phiwatch.respond").joinpath("rules/states.toml").read_text("utf-8")
    return parse_rules(text, "phiwatch/respond/rules/states.toml")


def state_rules(settings: Settings | None = None) -> dict[str, StateRule]:
    """Shipped rules, then the user's file (``respond_state_rules_file``) over them, by state."""
    rules = shipped_rules()
    path: Path | None = settings.respond_state_rules_file if settings else None
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the state rules ({exc.strerror})", file=path) from None
        rules.update(parse_rules(text, str(path)))
    return dict(sorted(rules.items()))


def state_obligations(
    rules: Mapping[str, StateRule],
    *,
    discovered: date,
    by_state: Mapping[str, int],
    shift: timedelta = timedelta(0),
) -> list[Obligation]:
    """What the rules add for the states of a scope (``shift``: a law-enforcement delay)."""
    owed: list[Obligation] = []
    federal = notice_deadline(discovered)
    for state, count in sorted(by_state.items()):
        rule = rules.get(state)
        if rule is None or count <= 0:
            continue
        cite = f"{rule.citation} (checked {rule.checked.isoformat()})"
        if rule.individual_days is not None:
            due = discovered + timedelta(days=rule.individual_days)
            if due < federal:
                owed.append(
                    Obligation(
                        f"state-{state}-individuals",
                        rule.citation,
                        due + shift,
                        f"{count:,} {rule.name} residents: notice within "
                        f"{rule.individual_days} days ({cite})",
                    )
                )
        threshold = rule.regulator_threshold or 1
        if rule.regulator and count >= threshold:
            days = rule.regulator_days
            due = discovered + timedelta(days=days) if days else federal
            if rule.individual_days is not None and not days:
                due = min(due, discovered + timedelta(days=rule.individual_days))
            when = f"within {days} days" if days else "with the individual notices"
            owed.append(
                Obligation(
                    f"state-{state}-regulator",
                    rule.citation,
                    due + shift,
                    f"{count:,} {rule.name} residents (threshold {threshold:,}): "
                    f"notify the {rule.regulator} {when} ({cite})",
                )
            )
    return owed
