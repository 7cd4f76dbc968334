"""Cached pages (the breach list) and remembered API tokens keep every check they replace.

A repeated list request is answered from the page cache before FastAPI
validates it; these tests hold that the access check still runs for every
caller, that the layout is still each caller's own, that an import is seen at
once, that only successful answers are kept, and that a revoked API token
stops working (at once through the app, within the remembered second from
elsewhere).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from phiwatch import registry
from phiwatch.security import Principal, Role, create_token, revoke_token
from phiwatch.web import WebConfig
from phiwatch.web._credentials import RecentCredentials
from phiwatch.web._page_cache import CachedJson, PageCache
from tests.web.conftest import WebEnv, csrf_from
from tests.web.test_registry_pages import ARCHIVE, INVESTIGATION, _bundled

LIST = "/registry/breaches"
QUERY = "type=hacking&sort=-affected&per_page=20"


@pytest.fixture
def env(web: WebEnv, tmp_path: Path) -> WebEnv:
    """The app over a registry holding the 2024 investigation list (908 breaches)."""
    registry.import_file(
        web.store,
        _bundled(INVESTIGATION, tmp_path),
        list_name=registry.ListName.investigation,
    )
    return web


def _page_cache(env: WebEnv) -> PageCache:
    cache = env.app.state.phiwatch.page_cache
    assert isinstance(cache, PageCache)
    return cache


def _bearer(env: WebEnv, username: str) -> dict[str, str]:
    return {"authorization": f"Bearer {create_token(env.store, env.settings, username, 't')[1]}"}


def test_a_repeated_list_is_served_from_the_cache_with_the_same_answer(env: WebEnv) -> None:
    cache = _page_cache(env)
    client = env.client(headers=_bearer(env, "analyst"))
    first = client.get(f"{LIST}.json?{QUERY}")
    assert first.status_code == 200 and len(cache) == 1
    second = client.get(f"{LIST}.json?{QUERY}")
    assert len(cache) == 1  # answered from the entry, not computed and kept again
    assert second.content == first.content
    assert second.headers["link"] == first.headers["link"]
    assert second.headers["content-type"] == "application/json"
    assert second.headers["cache-control"] == "no-store"  # security headers still added
    assert "content-security-policy" in second.headers
    other = client.get(f"{LIST}.json?{QUERY}&page=2")
    assert len(cache) == 2 and other.json()["page"] == 2


def test_the_cached_list_still_requires_sign_in(env: WebEnv) -> None:
    signed_in = env.client(headers=_bearer(env, "auditor"))
    assert signed_in.get(f"{LIST}.json?{QUERY}").status_code == 200
    assert signed_in.get(f"{LIST}?{QUERY}").status_code == 200
    anonymous = env.client()
    refused = anonymous.get(f"{LIST}.json?{QUERY}")
    assert refused.status_code == 401 and refused.json()["ok"] is False
    assert "rows" not in refused.json()
    page = anonymous.get(f"{LIST}?{QUERY}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    forged = anonymous.get(f"{LIST}.json?{QUERY}", headers={"authorization": "Bearer phw_x_y"})
    assert forged.status_code == 401


def test_each_caller_gets_their_own_layout_around_the_cached_content(env: WebEnv) -> None:
    reviewer = env.signed_in(Role.reviewer)
    analyst = env.signed_in(Role.analyst)
    first = reviewer.get(f"{LIST}?{QUERY}").text
    second = analyst.get(f"{LIST}?{QUERY}").text
    assert len(_page_cache(env)) == 1
    assert '<strong id="signed-in-as">reviewer</strong>' in first
    assert '<strong id="signed-in-as">analyst</strong>' in second
    # The CSRF token is bound to each caller's own session, and it still signs them out.
    token = csrf_from(second)
    assert token != csrf_from(first)
    assert (
        analyst.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    body = lambda html: html.split('<main id="main" tabindex="-1">')[1]  # noqa: E731
    assert body(first) == body(second)
    assert "<h1>Breaches</h1>" in second and 'id="result-count"' in second


def test_an_import_shows_in_the_cached_list_at_once(env: WebEnv, tmp_path: Path) -> None:
    client = env.signed_in(Role.analyst)
    before = client.get(f"{LIST}.json?{QUERY}").json()["total"]
    registry.import_file(
        env.store, _bundled(ARCHIVE, tmp_path), list_name=registry.ListName.archive
    )
    after = client.get(f"{LIST}.json?{QUERY}").json()["total"]
    hacking = registry.BreachFilter.from_user(types=["hacking"])
    assert after == registry.count_breaches(env.store, hacking)[0] > before
    html = client.get(f"{LIST}?{QUERY}").text
    assert f"{after:,} breaches" in html


@pytest.mark.parametrize(
    "query",
    ["since=2015-13-45", "since=yesterday", "page=0", "sort=price", "per_page=100000"],
)
def test_refused_queries_are_not_kept(env: WebEnv, query: str) -> None:
    client = env.signed_in(Role.analyst)
    for _ in range(2):
        response = client.get(f"{LIST}.json?{query}")
        assert response.status_code == 400 and response.json()["ok"] is False
    assert len(_page_cache(env)) == 0


def test_a_token_revoked_elsewhere_stops_within_the_remembered_moment(
    make_env: Callable[..., WebEnv],
) -> None:
    env = make_env(WebConfig(remember_credentials=0.3))
    info, token = create_token(env.store, env.settings, "auditor", "script")
    client = env.client(headers={"authorization": f"Bearer {token}"})
    assert client.get("/audit.json").status_code == 200
    revoke_token(env.store, info.id)  # as the CLI would, behind the app's back
    time.sleep(0.35)
    assert client.get("/audit.json").status_code == 401


def test_no_remembering_means_revocation_is_immediate(make_env: Callable[..., WebEnv]) -> None:
    env = make_env(WebConfig(remember_credentials=0))
    info, token = create_token(env.store, env.settings, "auditor", "script")
    client = env.client(headers={"authorization": f"Bearer {token}"})
    assert client.get("/audit.json").status_code == 200
    revoke_token(env.store, info.id)
    assert client.get("/audit.json").status_code == 401


def test_refused_tokens_are_not_remembered() -> None:
    recent = RecentCredentials(60)
    principal = Principal(user_id=1, username="a", role=Role.analyst, via="token")
    assert recent.get("phw_a_b") is None
    recent.remember("phw_a_b", principal)
    assert recent.get("phw_a_b") is principal
    assert recent.get("phw_a_c") is None
    recent.forget()
    assert recent.get("phw_a_b") is None
    assert all(len(key) == 32 for key in recent._entries)  # digests, never the token


def test_page_cache_is_bounded_by_entries_and_bytes() -> None:
    by_count = PageCache(max_entries=3, max_bytes=400)
    for i in range(5):
        by_count.put(("/x", str(i).encode(), 1), CachedJson(b"x" * 10, {}))
    assert len(by_count) == 3 and by_count.get(("/x", b"0", 1)) is None
    assert by_count.get(("/x", b"4", 1)) is not None
    by_count.put(("/x", b"big", 1), CachedJson(b"x" * 101, {}))  # over a quarter: not kept
    assert by_count.get(("/x", b"big", 1)) is None
    by_size = PageCache(max_entries=100, max_bytes=400)
    for i in range(5):
        by_size.put(("/y", str(i).encode(), 1), CachedJson(b"y" * 90, {}))
    assert len(by_size) == 4 and by_size.get(("/y", b"0", 1)) is None  # 5 x 90 > 400
