"""Single sign-on against a real OpenID Connect provider started on loopback.

The provider is oidc-provider-mock (a Flask app built on authlib's server
components) served by werkzeug on 127.0.0.1 in a thread: phiwatch fetches its
discovery document and keys, and redeems codes at its token endpoint, over
real HTTP. The test plays the browser: it follows phiwatch's redirect to the
provider, approves as a chosen subject, and brings the code back.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import pytest

from phiwatch.security import Role, add_user
from phiwatch.web import OidcConfig, WebConfig
from tests.web.conftest import WebEnv

# The provider package (test-only) uses authlib APIs that authlib 1.9 marks deprecated.
pytestmark = [
    pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
]


@pytest.fixture
def sso(make_env: Callable[..., WebEnv], issuer: str) -> WebEnv:
    return make_env(
        WebConfig(
            oidc=OidcConfig(issuer=issuer, client_id="phiwatch", client_secret="s3cret-for-tests")
        )
    )


def _sign_in_with_provider(env: WebEnv, subject: str, next_url: str = "/"):
    client = env.client()
    assert 'id="sign-in-oidc"' in client.get("/login").text
    start = client.get("/login/oidc", params={"next": next_url}, follow_redirects=False)
    assert start.status_code == 303
    authorize_url = start.headers["location"]
    assert "code_challenge_method=S256" in authorize_url and "nonce=" in authorize_url
    approved = httpx.post(authorize_url, data={"sub": subject}, follow_redirects=False)
    assert approved.status_code in (302, 303), approved.text[:200]
    back = urlsplit(approved.headers["location"])
    assert back.path == "/login/oidc/callback"
    return client, client.get(f"{back.path}?{back.query}", follow_redirects=False)


def test_linked_account_signs_in_through_the_provider(sso: WebEnv, issuer: str) -> None:
    add_user(
        sso.store,
        sso.settings,
        "sso-reviewer",
        Role.reviewer,
        oidc_subject=f"{issuer}|rita@example.org",
    )
    client, done = _sign_in_with_provider(sso, "rita@example.org", next_url="/account")
    assert done.status_code == 303 and done.headers["location"] == "/account"
    me = client.get("/account.json").json()
    assert me["user"]["username"] == "sso-reviewer" and me["user"]["role"] == "reviewer"


def test_unlinked_identity_gets_no_account(sso: WebEnv) -> None:
    client, done = _sign_in_with_provider(sso, "stranger@example.org")
    assert done.status_code == 403
    assert "no enabled phiwatch account" in done.text
    assert client.get("/index.json").status_code == 401


def test_forged_state_is_refused(sso: WebEnv, issuer: str) -> None:
    add_user(
        sso.store,
        sso.settings,
        "sso-reviewer",
        Role.reviewer,
        oidc_subject=f"{issuer}|rita@example.org",
    )
    client = sso.client()
    start = client.get("/login/oidc", follow_redirects=False)
    approved = httpx.post(
        start.headers["location"], data={"sub": "rita@example.org"}, follow_redirects=False
    )
    back = urlsplit(approved.headers["location"])
    query = back.query.replace("state=", "state=x")
    response = client.get(f"{back.path}?{query}", follow_redirects=False)
    assert response.status_code == 400 and "expired" in response.text


def test_without_configuration_single_sign_on_is_absent(web: WebEnv) -> None:
    assert 'id="sign-in-oidc"' not in web.client().get("/login").text
    assert web.client().get("/login/oidc").status_code == 404
