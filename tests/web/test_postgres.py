"""The frame on PostgreSQL: sign-in, tokens, encrypted accounts and the audit trail."""

from __future__ import annotations

import pytest

from phiwatch.config import load_settings
from phiwatch.security import Role, add_user, create_token, record_phi_access
from phiwatch.store import open_store
from phiwatch.web import create_app
from tests.web.conftest import PASSWORD, TestClient, csrf_from

pytestmark = pytest.mark.postgres


def test_sign_in_tokens_and_audit_on_postgresql(postgres_url: str, tmp_path) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path), database_url=postgres_url)
    store = open_store(settings)
    try:
        app = create_app(settings, store=store)
        add_user(
            store,
            settings,
            "officer",
            Role.privacy_officer,
            password=PASSWORD,
            display_name="Olga Officer",
        )
        record_phi_access(
            store,
            action="view",
            who="officer",
            patients=["p-9"],
            purpose="Case/2",
            address="10.0.0.1",
        )
        client = TestClient(app)
        token = csrf_from(client.get("/login").text)
        signed = client.post(
            "/login",
            data={"username": "officer", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        trail = client.get("/audit.json").json()
        assert trail["chain"]["ok"] is True
        assert [r["patients"] for r in trail["records"]] == [[], ["Patient/p-9"]]  # login, view
        _, bearer = create_token(store, settings, "officer", "pg")
        assert (
            TestClient(app)
            .get("/account.json", headers={"authorization": f"Bearer {bearer}"})
            .json()["user"]["display_name"]
            == "Olga Officer"
        )
    finally:
        store.close()
