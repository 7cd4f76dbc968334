"""Fuzz the JSON API from its own OpenAPI document (schemathesis), as every role.

Each generated request is sent with each role's API token and anonymously:
no answer may be a server error, no role outside a route's row in the
authorisation matrix may get a 200, and anonymous callers of non-public
routes get 401 in the one error shape.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from phiwatch.security import Role, create_token, record_phi_access
from tests.web.conftest import ROLES, WebEnv, build_env, fast_hasher
from tests.web.test_authorisation_matrix import EXPECTED, PUBLIC

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import schemathesis


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebEnv, dict[Role, str]]]:
    import phiwatch.security._passwords as passwords

    saved = passwords._hasher
    passwords._hasher = fast_hasher()
    env = build_env(tmp_path_factory.mktemp("fuzz"))
    record_phi_access(
        env.store,
        action="view",
        who="privacy-officer",
        patients=["p-1"],
        purpose="Case/1",
        address="10.0.0.1",
    )
    tokens = {
        role: create_token(env.store, env.settings, role.value.replace("_", "-"), "fuzz")[1]
        for role in ROLES
    }
    try:
        yield env, tokens
    finally:
        passwords._hasher = saved
        env.store.close()


def _check(case, tokens: dict[Role, str]) -> None:
    allowed = EXPECTED[(case.method.upper(), case.operation.path)]
    for role, token in tokens.items():
        response = case.call(headers={"Authorization": f"Bearer {token}"}, allow_redirects=False)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} as {role}: {response.text[:200]}"
        )
        if allowed is not PUBLIC and role not in allowed:
            assert response.status_code == 403, (
                f"{case.operation.path} gave {response.status_code} to {role}"
            )
        if response.status_code >= 400:
            body = response.json()
            assert body["ok"] is False and body["status"] == response.status_code
    anonymous = case.call(allow_redirects=False)
    assert anonymous.status_code < 500
    signed_out = anonymous.status_code == 401 or (
        anonymous.status_code == 303 and "/login?next=" in str(anonymous.headers.get("location"))
    )
    if allowed is not PUBLIC:
        assert signed_out, (
            f"{case.method} {case.formatted_path} gave {anonymous.status_code} to an anonymous caller"
        )


def test_api_never_errors_and_never_over_shares(fuzz_env) -> None:
    env, tokens = fuzz_env
    schema = schemathesis.openapi.from_asgi("/openapi.json", env.app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert {op.path for op in operations} >= {"/index.json", "/audit.json", "/admin/users.json"}
    for operation in operations:
        calls: list[str] = []
        _fuzzer(operation, tokens, calls)()
        assert calls, f"no request was generated for {operation.path}"


def _fuzzer(operation, tokens: dict[Role, str], calls: list[str]):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def fuzz(case) -> None:
        calls.append(case.formatted_path)
        _check(case, tokens)

    return fuzz
