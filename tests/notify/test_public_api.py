"""phiwatch.notify in isolation: plain words for activity, people named per policy, signed links."""

from __future__ import annotations

import pytest

from phiwatch.errors import NotFoundError
from phiwatch.notify import LinkClaim, describe_activity, describe_person, sign_link, verify_link


@pytest.mark.parametrize(
    ("action", "subtype", "words", "modification", "sensitive"),
    [
        ("R", "read", "viewed your record", False, False),
        ("R", "Chart Review Accessed", "viewed your record", False, False),
        ("U", "Demographics Edited", "changed your address or contact details", True, True),
        ("U", "Insurance Coverage Updated", "changed your insurance details", True, True),
        ("R", "Address Viewed", "viewed your record", False, False),  # reading is not changing
        ("E", "Report Printed", "printed part of your record", False, False),
        ("E", "export", "exported part of your record", False, False),
        ("R", "break-the-glass", "opened your record with an emergency override", False, False),
        ("R", "search-type", "found your record in a search", False, False),
        ("C", "Order Created", "added to your record", True, False),
        ("D", "Record Deleted", "deleted part of your record", True, False),
        ("U", "Note Signed", "changed your record", True, False),
    ],
)
def test_plain_words(action, subtype, words, modification, sensitive) -> None:
    activity = describe_activity(action, subtype)
    assert (activity.words, activity.modification, activity.sensitive_change) == (
        words,
        modification,
        sensitive,
    )


def test_people_are_named_per_policy() -> None:
    kwargs = {"given": "Jane", "family": "Smith", "role": "nurse", "department": "Cardiology"}
    assert describe_person(policy="name_and_role", **kwargs) == "Nurse J. Smith, Cardiology"
    assert describe_person(policy="role_and_department", **kwargs) == "A nurse in Cardiology"
    kwargs["role"] = "it"
    assert (
        describe_person(policy="role_and_department", **kwargs)
        == "An IT staff member in Cardiology"
    )


def test_link_round_trip_and_refusals() -> None:
    key = b"k" * 32
    claim = LinkClaim("message", 7, 2, 2_000_000_000, "alert:7:x:email")
    token = sign_link(key, claim)
    assert verify_link(key, token, purpose="message", now=1_000_000_000) == claim
    for bad in (token + "x", "x" + token, token.replace(".", ""), "", "é.é"):
        with pytest.raises(NotFoundError):
            verify_link(key, bad, purpose="message", now=1_000_000_000)
    with pytest.raises(NotFoundError):
        verify_link(key, token, purpose="unsubscribe", now=1_000_000_000)
    with pytest.raises(NotFoundError):
        verify_link(key, token, purpose="message", now=2_000_000_001)
