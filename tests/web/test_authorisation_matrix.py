"""Every route, as every role and anonymously: allowed or refused exactly as declared here.

The table below is the authorisation policy in one place. A route added to
the app without a row here fails ``test_every_route_is_in_the_matrix``, so no
route can be forgotten; a row whose route enforces something else fails the
matrix. POSTs carry a valid CSRF token, so what is tested is the role check.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.routing import Mount

from phiwatch.security import Role, record_phi_access
from phiwatch.web import app_routes, create_app
from tests.web.conftest import ROLES, WebEnv, build_env, csrf_from, fast_hasher

ALL = frozenset(Role)
PUBLIC = None  # anyone, signed in or not

# Breach portal data is public: every role reads it; changing what phiwatch holds is narrower.
REGISTRY_EDITORS = frozenset({Role.admin, Role.privacy_officer, Role.analyst})
# monitor review queue: the auditor reads (pseudonyms only); a reviewer works on what is assigned.
MONITOR_READERS = frozenset({Role.privacy_officer, Role.reviewer, Role.auditor})
ALERT_WORKERS = frozenset({Role.privacy_officer, Role.reviewer})

# respond: incidents are for the privacy office; the auditor reads them.
RESPOND_READERS = frozenset({Role.privacy_officer, Role.auditor})

EXPECTED: dict[tuple[str, str], frozenset[Role] | None] = {
    ("GET", "/"): ALL,
    ("GET", "/index.json"): ALL,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("MOUNT", "/static"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/login/oidc"): PUBLIC,
    ("GET", "/login/oidc/callback"): PUBLIC,
    ("POST", "/logout"): ALL,
    ("GET", "/account"): ALL,
    ("GET", "/account.json"): ALL,
    ("POST", "/account/tokens"): ALL,
    ("POST", "/account/tokens/{token_id}/revoke"): ALL,
    ("GET", "/admin/users"): frozenset({Role.admin}),
    ("GET", "/admin/users.json"): frozenset({Role.admin}),
    ("GET", "/audit"): frozenset({Role.auditor, Role.privacy_officer}),
    ("GET", "/audit.json"): frozenset({Role.auditor, Role.privacy_officer}),
    ("GET", "/registry"): ALL,
    ("GET", "/registry.json"): ALL,
    ("GET", "/registry/breaches"): ALL,
    ("GET", "/registry/breaches.json"): ALL,
    ("GET", "/registry/breaches.csv"): ALL,
    ("GET", "/registry/breaches/{breach_id}"): ALL,
    ("GET", "/registry/breaches/{breach_id}.json"): ALL,
    ("GET", "/registry/entities/{slug}"): ALL,
    ("GET", "/registry/entities/{slug}.json"): ALL,
    ("GET", "/registry/import"): REGISTRY_EDITORS,
    ("GET", "/registry/import.json"): REGISTRY_EDITORS,
    ("POST", "/registry/import"): REGISTRY_EDITORS,
    ("GET", "/registry/watchlist"): ALL,
    ("GET", "/registry/watchlist.json"): ALL,
    ("POST", "/registry/watchlist"): REGISTRY_EDITORS,
    ("POST", "/registry/watchlist/{watch_id}/remove"): REGISTRY_EDITORS,
    ("GET", "/notify/m/{token}"): PUBLIC,
    ("GET", "/notify/m/{token}.json"): PUBLIC,
    ("POST", "/notify/m/{token}"): PUBLIC,
    ("GET", "/notify/unsubscribe/{token}"): PUBLIC,
    ("GET", "/notify/unsubscribe/{token}.json"): PUBLIC,
    ("POST", "/notify/unsubscribe/{token}"): PUBLIC,
    # monitor review queue
    ("GET", "/monitor"): MONITOR_READERS,
    ("GET", "/monitor.json"): MONITOR_READERS,
    ("GET", "/monitor/alerts/{alert_id}"): MONITOR_READERS,
    ("GET", "/monitor/alerts/{alert_id}.json"): MONITOR_READERS,
    ("POST", "/monitor/alerts/{alert_id}/assign"): frozenset({Role.privacy_officer}),
    ("POST", "/monitor/alerts/{alert_id}/acknowledge"): ALERT_WORKERS,
    ("POST", "/monitor/alerts/{alert_id}/dismiss"): ALERT_WORKERS,
    ("POST", "/monitor/alerts/{alert_id}/escalate"): ALERT_WORKERS,
    ("GET", "/monitor/cases"): MONITOR_READERS,
    ("GET", "/monitor/cases.json"): MONITOR_READERS,
    ("GET", "/monitor/cases/{case_id}"): MONITOR_READERS,
    ("GET", "/monitor/cases/{case_id}.json"): MONITOR_READERS,
    ("POST", "/monitor/cases/{case_id}"): frozenset({Role.privacy_officer}),
    # notify reports
    ("GET", "/notify/reports"): frozenset({Role.privacy_officer, Role.auditor}),
    ("GET", "/notify/reports.json"): frozenset({Role.privacy_officer, Role.auditor}),
    # respond: the privacy officer acts; the auditor reads; letters to patients are PHI
    ("GET", "/respond"): RESPOND_READERS,
    ("GET", "/respond.json"): RESPOND_READERS,
    ("GET", "/respond/incidents/{incident_id}"): RESPOND_READERS,
    ("GET", "/respond/incidents/{incident_id}.json"): RESPOND_READERS,
    ("POST", "/respond"): frozenset({Role.privacy_officer}),
    ("POST", "/respond/incidents/{incident_id}/sources"): frozenset({Role.privacy_officer}),
    ("POST", "/respond/incidents/{incident_id}/assessment"): frozenset({Role.privacy_officer}),
    ("GET", "/respond/incidents/{incident_id}/letter"): frozenset({Role.privacy_officer}),
    ("GET", "/respond/incidents/{incident_id}/letter.json"): frozenset({Role.privacy_officer}),
}

# A patient id planted in the audit trail: the analyst must never receive it.
PATIENT_ID = "pt-8842-quackenbush"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    import phiwatch.security._passwords as passwords

    saved = passwords._hasher
    passwords._hasher = fast_hasher()
    built = build_env(tmp_path_factory.mktemp("matrix"))
    record_phi_access(
        built.store,
        action="view",
        who="privacy-officer",
        patients=[PATIENT_ID],
        purpose="Case/1",
        address="10.0.0.1",
        what="Alert/1",
    )
    try:
        yield built
    finally:
        passwords._hasher = saved
        built.store.close()


def _route_table(app) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for info in app_routes(app):
        if isinstance(info.route, Mount):
            found.add(("MOUNT", info.path))
        else:
            found.update((m, info.path) for m in info.methods if m != "HEAD")
    return found


def test_every_route_is_in_the_matrix(env: WebEnv) -> None:
    actual = _route_table(env.app)
    missing = sorted(actual - set(EXPECTED))
    stale = sorted(set(EXPECTED) - actual)
    assert not missing, f"routes with no row in the authorisation matrix: {missing}"
    assert not stale, f"matrix rows for routes that no longer exist: {stale}"


def test_a_route_without_an_access_declaration_stops_the_app(tmp_path: Path) -> None:
    from phiwatch.config import load_settings
    from phiwatch.errors import ConfigurationError
    from phiwatch.web import check_route_access

    app = create_app(load_settings(environ={}, data_dir=str(tmp_path)))
    app.add_api_route("/forgotten", lambda: {"leak": True}, methods=["GET"])
    with pytest.raises(ConfigurationError, match="GET /forgotten"):
        check_route_access(app)


def _call(env: WebEnv, method: str, path: str, role: Role | None):
    client = env.signed_in(role) if role else env.client()
    url = re.sub(r"\{[^}]+\}", "1", path)
    if method == "MOUNT":
        return client.get(f"{path}/phiwatch.css", follow_redirects=False)
    if method == "GET":
        return client.get(url, follow_redirects=False)
    token = csrf_from(client.get("/" if role else "/login", follow_redirects=False).text)
    return client.post(url, headers={"X-CSRF-Token": token}, follow_redirects=False)


CASES = [
    pytest.param(method, path, role, id=f"{method} {path} as {role.value if role else 'anonymous'}")
    for (method, path) in EXPECTED
    for role in [None, *ROLES]
]


@pytest.mark.parametrize(("method", "path", "role"), CASES)
def test_route_allows_exactly_the_declared_roles(env: WebEnv, method: str, path: str, role) -> None:
    allowed_roles = EXPECTED[(method, path)]
    allowed = allowed_roles is PUBLIC or (role is not None and role in allowed_roles)
    response = _call(env, method, path, role)
    refused_anonymously = response.status_code == 401 or (
        response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    )
    if allowed:
        assert response.status_code != 403 and not refused_anonymously, (
            f"{method} {path} refused {role}: {response.status_code}"
        )
        assert response.status_code < 500
    elif role is None:
        assert refused_anonymously, (
            f"{method} {path} let an anonymous caller in: {response.status_code}"
        )
        if path.endswith(".json"):
            assert response.json() == {
                "ok": False,
                "error": "sign in to see this page",
                "errors": ["sign in to see this page"],
                "status": 401,
            }
    else:
        assert response.status_code == 403, f"{method} {path} let {role} in: {response.status_code}"


@pytest.mark.parametrize(("method", "path"), [k for k in EXPECTED if k[0] == "GET"])
def test_analyst_never_receives_a_patient_identifier(env: WebEnv, method: str, path: str) -> None:
    response = _call(env, method, path, Role.analyst)
    assert PATIENT_ID not in response.text


def test_auditor_does_see_the_planted_record(env: WebEnv) -> None:
    """The check above could pass vacuously; make sure the planted id is reachable at all."""
    response = env.signed_in(Role.auditor).get("/audit.json")
    assert PATIENT_ID in response.text


# --- token-based callers on the token-minting routes -----------------------------------------

# What a bearer token may do on the account routes, by how it was made. A session may
# make tokens (rows above); a token may only when made with "may create tokens", and
# an auditor's token is always read-only, so it never may.
TOKEN_KINDS = ["plain", "read-only", "may-create"]


def _username(role: Role) -> str:
    return role.value.replace("_", "-")


def _new_token_text(html: str) -> str:
    return html.split('<code id="new-token">')[1].split("</code>")[0]


@pytest.mark.parametrize("kind", TOKEN_KINDS)
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_token_minting_as_every_role_and_kind_of_token(env: WebEnv, role: Role, kind: str) -> None:
    from datetime import timedelta

    from phiwatch.security import authenticate_token, create_token, list_tokens

    parent_info, parent = create_token(
        env.store,
        env.settings,
        _username(role),
        f"parent {kind}",
        read_only=kind == "read-only",
        may_create_tokens=kind == "may-create",
        expires_in=timedelta(days=1),
    )
    client = env.client(headers={"authorization": f"Bearer {parent}"})
    before = len(list_tokens(env.store, _username(role)))
    assert client.get("/account.json").status_code == 200

    made = client.post("/account/tokens", data={"name": "child"})
    longer = client.post("/account/tokens", data={"name": "longer", "expires_days": "30"})
    may_mint = kind == "may-create" and role is not Role.auditor
    if not may_mint:
        assert made.status_code == 403, f"{role} {kind} token minted: {made.status_code}"
        assert longer.status_code == 403
        assert len(list_tokens(env.store, _username(role))) == before
    else:
        assert made.status_code == 201, made.text
        assert longer.status_code == 400 and "cannot outlive" in longer.text
        child = authenticate_token(env.store, env.settings, _new_token_text(made.text))
        assert child is not None and child.role is role
        info = next(t for t in list_tokens(env.store) if t.id == child.token_id)
        assert info.expires_at <= parent_info.expires_at
        assert info.read_only >= parent_info.read_only and not info.may_create_tokens
        assert info.parent_id == parent_info.id

    revoked = client.post(f"/account/tokens/{parent_info.id}/revoke", follow_redirects=False)
    read_only = kind == "read-only" or role is Role.auditor
    assert revoked.status_code == (403 if read_only else 303)
    assert (authenticate_token(env.store, env.settings, parent) is None) is not read_only


# --- a reviewer cannot tell whether an alert or case exists ----------------------------------


def _plant_alert(env: WebEnv, key: str, assignee: str | None) -> tuple[int, int]:
    """An alert in its own case, written through the models (no detector run needed)."""
    from datetime import datetime

    from phiwatch.store.models.monitor import Alert, Case
    from phiwatch.store.models.monitor_review import AlertReview

    with env.store.transaction() as session:
        # ids no page prints for another reason, so that blanking them out below is exact
        case = Case(id=4243, user_pseudonym="ab" * 16, status="new", score=50)
        session.add(case)
        session.flush()
        alert = Alert(
            id=4242,
            key=key,
            detector_id="vip-access",
            title="VIP record opened",
            level="high",
            score=50,
            user_pseudonym="ab" * 16,
            start=datetime(2026, 3, 2, 9),
            end=datetime(2026, 3, 2, 10),
            sentence="{user} opened a VIP's record",
            evidence="{}",
            case_id=case.id,
        )
        session.add(alert)
        session.flush()
        if assignee is not None:
            session.add(AlertReview(alert_id=alert.id, status="open", assignee=assignee))
        return alert.id, case.id


def _answer(client, url: str, number: int) -> tuple[int, str]:
    """Status and body, with the id asked for blanked out (it differs by construction)."""
    response = client.get(url, follow_redirects=False)
    return response.status_code, re.sub(rf"\b{number}\b", "N", response.text)


def test_a_reviewer_gets_the_same_answer_for_someone_elses_alert_as_for_none(web: WebEnv) -> None:
    others_alert, others_case = _plant_alert(web, "k-other", assignee="privacy-officer")
    reviewer = web.signed_in(Role.reviewer)
    unknown = 987654
    for kind, planted in [("alerts", others_alert), ("cases", others_case)]:
        for suffix in ["", ".json"]:
            seen = _answer(reviewer, f"/monitor/{kind}/{planted}{suffix}", planted)
            absent = _answer(reviewer, f"/monitor/{kind}/{unknown}{suffix}", unknown)
            assert seen == absent, f"{kind}{suffix}: {seen[0]} for a real id, {absent[0]} for none"
            assert seen[0] == 404
    page = f"/monitor/alerts/{others_alert}"
    token = csrf_from(reviewer.get("/").text)
    acted = reviewer.post(f"{page}/acknowledge", headers={"X-CSRF-Token": token})
    missing = reviewer.post(
        f"/monitor/alerts/{unknown}/acknowledge", headers={"X-CSRF-Token": token}
    )
    assert acted.status_code == missing.status_code == 404
    # the privacy officer still sees the alert: the check hid it from the reviewer only
    assert web.signed_in(Role.privacy_officer).get(f"{page}.json").status_code != 404
