"""The 45 CFR 164.404-164.412 deadlines as a table: month ends, leap years, thresholds."""

from __future__ import annotations

from datetime import date

import pytest

from phiwatch.respond import (
    LawEnforcementDelay,
    annual_log_deadline,
    notice_deadline,
    obligations,
)


@pytest.mark.parametrize(
    ("discovered", "due"),
    [
        (date(2026, 1, 1), date(2026, 3, 2)),  # 31 + 28 days, not a leap year
        (date(2024, 1, 1), date(2024, 3, 1)),  # leap year: February has 29 days
        (date(2024, 12, 31), date(2025, 3, 1)),  # across the year end
        (date(2023, 12, 31), date(2024, 2, 29)),  # lands on the leap day
        (date(2026, 1, 31), date(2026, 4, 1)),  # month end into a short February
        (date(2026, 10, 31), date(2026, 12, 30)),
        (date(2026, 3, 2), date(2026, 5, 1)),
    ],
)
def test_sixty_calendar_days_after_discovery(discovered: date, due: date) -> None:
    assert notice_deadline(discovered) == due


@pytest.mark.parametrize(
    ("discovered", "due"),
    [
        (date(2023, 6, 15), date(2024, 2, 29)),  # year end 2023 + 60 days: leap 2024
        (date(2024, 12, 31), date(2025, 3, 1)),  # year end 2024 + 60 days: 2025 is not
        (date(2026, 1, 1), date(2027, 3, 1)),  # discovered on New Year's Day
        (date(2027, 8, 1), date(2028, 2, 29)),
        (date(2099, 5, 5), date(2100, 3, 1)),  # 2100 is not a leap year
    ],
)
def test_the_annual_log_is_due_sixty_days_after_the_year_of_discovery(
    discovered: date, due: date
) -> None:
    assert annual_log_deadline(discovered) == due


def _owed(**kwargs: object) -> dict[str, date]:
    args: dict[str, object] = {
        "discovered": date(2026, 3, 2),
        "individuals": 10,
        "by_state": {"IL": 10},
        "unreachable": 0,
    }
    args.update(kwargs)
    return {o.notice: o.due for o in obligations(**args)}  # type: ignore[arg-type]


def test_under_500_goes_to_the_annual_log_not_hhs_now() -> None:
    owed = _owed(individuals=499, by_state={"IL": 499})
    assert owed == {"individuals": date(2026, 5, 1), "hhs-annual-log": date(2027, 3, 1)}


def test_500_or_more_reports_to_hhs_within_60_days() -> None:
    owed = _owed(individuals=500, by_state={"IL": 250, "WI": 250})
    assert owed == {"individuals": date(2026, 5, 1), "hhs": date(2026, 5, 1)}


@pytest.mark.parametrize(
    ("by_state", "media"),
    [
        ({"IL": 500, "WI": 400}, False),  # exactly 500 in one state is not "more than 500"
        ({"IL": 501}, True),
        ({"IL": 300, "WI": 300, "IN": 300}, False),  # 900 in all, none above 500 in one state
    ],
)
def test_media_notice_needs_more_than_500_residents_of_one_state(
    by_state: dict[str, int], media: bool
) -> None:
    owed = _owed(individuals=sum(by_state.values()), by_state=by_state)
    assert ("media" in owed) is media


@pytest.mark.parametrize(("unreachable", "owed"), [(9, False), (10, True)])
def test_substitute_notice_from_ten_unreachable(unreachable: int, owed: bool) -> None:
    assert ("substitute" in _owed(unreachable=unreachable)) is owed


def test_a_business_associate_owes_the_covered_entity_only() -> None:
    assert _owed(business_associate=True) == {"covered-entity": date(2026, 5, 1)}


def test_a_law_enforcement_delay_adds_its_days_to_every_deadline() -> None:
    delay = LawEnforcementDelay(starts=date(2026, 3, 10), until=date(2026, 4, 9))  # 30 days
    owed = _owed(delay=delay)
    assert owed == {"individuals": date(2026, 5, 31), "hhs-annual-log": date(2027, 3, 31)}


def test_a_delay_requested_before_discovery_counts_from_discovery() -> None:
    delay = LawEnforcementDelay(starts=date(2026, 2, 1), until=date(2026, 3, 12))
    assert _owed(delay=delay)["individuals"] == date(2026, 5, 11)


def test_no_individuals_owes_nothing() -> None:
    assert _owed(individuals=0, by_state={}) == {}
