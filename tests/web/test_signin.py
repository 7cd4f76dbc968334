"""Signing in and out through the real forms; sessions, CSRF, rate limits and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import update

from phiwatch.security import (
    Role,
    SessionPolicy,
    ThrottlePolicy,
    create_token,
    enable_totp,
    iter_events,
    revoke_token,
)
from phiwatch.security._sessions import session_id_of
from phiwatch.store.models.security import UserSession
from phiwatch.web import WebConfig
from tests.web.conftest import PASSWORD, WebEnv, csrf_from


def test_anonymous_visitor_is_sent_to_sign_in(web: WebEnv) -> None:
    response = web.client().get("/account?tab=tokens", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faccount%3Ftab%3Dtokens"


def test_sign_in_sets_a_hardened_cookie_and_goes_where_asked(web: WebEnv) -> None:
    client = web.client()
    response = web.sign_in(client, "reviewer", next="/account")
    assert response.status_code == 303 and response.headers["location"] == "/account"
    cookie = response.headers.get_list("set-cookie")[0]
    assert cookie.startswith("phiwatch_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert (
        "Secure" not in cookie and "Max-Age" not in cookie
    )  # plain loopback; a browser-session cookie
    page = client.get("/")
    assert 'id="signed-in-as">reviewer<' in page.text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_off_site(web: WebEnv, target: str) -> None:
    response = web.sign_in(web.client(), "reviewer", next=target)
    assert response.headers["location"] == "/"


def test_wrong_password_is_refused_with_one_message(web: WebEnv) -> None:
    client = web.client()
    wrong = web.sign_in(client, "reviewer", "not the password")
    unknown = web.sign_in(client, "nobody-here", PASSWORD)
    assert wrong.status_code == unknown.status_code == 400
    message = "the name, password or one-time code is not right"
    assert message in wrong.text and message in unknown.text
    assert "phiwatch_session" not in client.cookies


def test_session_is_rotated_at_sign_in(web: WebEnv) -> None:
    client = web.client()
    web.sign_in(client, "reviewer")
    first = client.cookies["phiwatch_session"]
    web.sign_in(client, "auditor")  # signing in again, even as someone else, makes a new session
    second = client.cookies["phiwatch_session"]
    assert first != second
    stale = web.client()
    stale.cookies.set("phiwatch_session", first)
    assert stale.get("/", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session_on_the_server(web: WebEnv) -> None:
    client = web.client()
    web.sign_in(client, "reviewer")
    token = client.cookies["phiwatch_session"]
    csrf = csrf_from(client.get("/").text)
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?signed_out=1"
    replay = web.client()
    replay.cookies.set("phiwatch_session", token)  # a copied cookie is worthless now
    assert replay.get("/index.json").status_code == 401


def test_idle_and_absolute_timeouts(make_env) -> None:
    env = make_env(
        WebConfig(session=SessionPolicy(idle=timedelta(minutes=5), absolute=timedelta(hours=1)))
    )
    for created, seen in [
        (timedelta(minutes=6), timedelta(minutes=6)),
        (timedelta(hours=2), timedelta(0)),
    ]:
        client = env.client()
        env.sign_in(client, "reviewer")
        token = client.cookies["phiwatch_session"]
        assert client.get("/index.json").status_code == 200
        now = datetime.now(UTC)
        with env.store.transaction() as session:
            session.execute(
                update(UserSession)
                .where(UserSession.id == session_id_of(token))
                .values(created_at=now - created, last_seen_at=now - seen)
            )
        assert client.get("/index.json").status_code == 401


def test_csrf_token_is_required_for_forms(web: WebEnv) -> None:
    client = web.client()
    web.sign_in(client, "reviewer")
    missing = client.post("/logout", follow_redirects=False)
    forged = client.post("/logout", data={"csrf_token": "0" * 64}, follow_redirects=False)
    assert missing.status_code == forged.status_code == 403
    assert client.get("/index.json").status_code == 200  # still signed in


def test_cross_origin_post_is_refused_even_with_a_token(web: WebEnv) -> None:
    client = web.client()
    web.sign_in(client, "reviewer")
    csrf = csrf_from(client.get("/").text)
    response = client.post(
        "/logout",
        data={"csrf_token": csrf},
        headers={"origin": "http://127.0.0.1:9"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "cross-origin" in response.text
    same = client.post(
        "/logout",
        data={"csrf_token": csrf},
        headers={"origin": "http://testserver"},
        follow_redirects=False,
    )
    assert same.status_code == 303


def test_sign_in_form_needs_its_pre_session_token(web: WebEnv) -> None:
    response = web.client().post(
        "/login", data={"username": "reviewer", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403


def test_brute_force_hits_the_rate_limit(make_env) -> None:
    env = make_env(WebConfig(throttle=ThrottlePolicy(per_account_address=3, per_address=10)))
    client = env.client()
    statuses = [env.sign_in(client, "reviewer", f"guess number {i}").status_code for i in range(3)]
    assert statuses == [400, 400, 400]
    blocked = env.sign_in(client, "reviewer", PASSWORD)
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= 900
    assert "too many failed sign-ins" in blocked.text


def test_totp_second_factor(web: WebEnv) -> None:
    uri = enable_totp(web.store, web.settings, "reviewer")
    code = pyotp.TOTP(pyotp.parse_uri(uri).secret).now()
    client = web.client()
    assert web.sign_in(client, "reviewer").status_code == 400
    assert web.sign_in(client, "reviewer", code=code).status_code == 303


def test_bearer_tokens_act_with_their_role(web: WebEnv) -> None:
    _, auditor = create_token(web.store, web.settings, "auditor", "script")
    _, analyst = create_token(web.store, web.settings, "analyst", "script")
    client = web.client()
    assert (
        client.get("/audit.json", headers={"authorization": f"Bearer {auditor}"}).status_code == 200
    )
    refused = client.get("/audit.json", headers={"authorization": f"Bearer {analyst}"})
    assert refused.status_code == 403 and refused.json()["status"] == 403


def test_bad_revoked_and_malformed_tokens_get_401_json(web: WebEnv) -> None:
    info, token = create_token(web.store, web.settings, "auditor", "script")
    revoke_token(web.store, info.id)
    client = web.client()
    for header in [f"Bearer {token}", "Bearer phw_x_y", "Basic dXNlcjpwYXNz", "Bearer "]:
        response = client.get("/audit", headers={"authorization": header})
        assert response.status_code == 401, header
        assert response.json()["ok"] is False
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_tokens_need_no_csrf_but_read_only_tokens_cannot_write(web: WebEnv) -> None:
    _, full = create_token(web.store, web.settings, "reviewer", "full", may_create_tokens=True)
    _, read_only = create_token(web.store, web.settings, "reviewer", "ro", read_only=True)
    client = web.client()
    made = client.post(
        "/account/tokens",
        data={"name": "made by script"},
        headers={"authorization": f"Bearer {full}"},
    )
    assert made.status_code == 201  # no CSRF token needed (what may mint: the matrix test)
    refused = client.post(
        "/account/tokens", data={"name": "nope"}, headers={"authorization": f"Bearer {read_only}"}
    )
    assert refused.status_code == 403 and "read-only" in refused.json()["error"]


def test_token_made_in_the_browser_is_shown_once(web: WebEnv) -> None:
    client = web.signed_in(Role.analyst)
    csrf = csrf_from(client.get("/account").text)
    made = client.post(
        "/account/tokens", data={"name": "laptop", "csrf_token": csrf, "read_only": "true"}
    )
    assert made.status_code == 201
    token = made.text.split('<code id="new-token">')[1].split("</code>")[0]
    assert token.startswith("phw_")
    assert client.get("/account", headers={"authorization": f"Bearer {token}"}).status_code == 200
    later = client.get("/account")
    assert token not in later.text and "laptop" in later.text
    token_id = client.get("/account.json").json()["tokens"][0]["id"]
    revoke = client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert revoke.status_code == 303
    assert (
        web.client().get("/account.json", headers={"authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_users_cannot_revoke_each_others_tokens(web: WebEnv) -> None:
    info, token = create_token(web.store, web.settings, "auditor", "mine")
    client = web.signed_in(Role.admin)
    csrf = csrf_from(client.get("/").text)
    response = client.post(f"/account/tokens/{info.id}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 404
    assert (
        web.client().get("/audit.json", headers={"authorization": f"Bearer {token}"}).status_code
        == 200
    )


def test_sign_in_and_sign_out_are_in_the_audit_trail(web: WebEnv) -> None:
    client = web.client()
    web.sign_in(client, "privacy-officer")
    csrf = csrf_from(client.get("/").text)
    client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    events = list(iter_events(web.store))
    assert [e["subtype"][0]["display"] for e in events] == ["Login", "Logout"]
    assert {e["type"]["code"] for e in events} == {"110114"}
    assert all(e["agent"][0]["who"]["identifier"]["value"] == "privacy-officer" for e in events)
    assert events[0]["extension"][0]["valueString"] == "password"
    failed = web.client()
    web.sign_in(failed, "privacy-officer", "a wrong password")
    assert len(list(iter_events(web.store))) == 2  # failures go to the throttle, not the trail
    officer = web.signed_in(Role.privacy_officer)
    rows = officer.get("/audit.json").json()["records"]
    assert [r["action"] for r in rows] == ["Logout", "Login"]


def test_signed_in_pages_offer_the_token_to_scripts(web: WebEnv) -> None:
    client = web.signed_in(Role.reviewer)
    html = client.get("/").text
    token = html.split('<meta name="csrf-token" content="')[1].split('"')[0]
    response = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert '<meta name="csrf-token"' not in web.client().get("/login").text
