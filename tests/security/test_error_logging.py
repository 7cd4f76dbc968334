"""An unexpected error on any route: a plain 500, one log line (route and type), no PHI.

docs/security.md promises that an error the app did not expect answers a
bare 500 and leaves one log line naming the route and the exception type,
nothing else. Here the database is taken away under a running app, so every
route that reaches it fails in its own way, and each answer and log line is
checked. The client raises server exceptions (Starlette's default), so a
test passes only if the exception stops inside the app: a server (uvicorn)
logs an exception that reaches it with its message and traceback.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import APIRouter

from phiwatch.errors import ConfigurationError
from phiwatch.security import Principal, Role
from phiwatch.web._app import app_routes
from phiwatch.web._auth import RequireRole
from tests.web.conftest import WebEnv, build_env

PHI = "Theodora-Quackenbush-123-45-6789"
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


@pytest.fixture
def web(tmp_path: Path):
    env = build_env(tmp_path / "data")
    yield env
    env.store.close()


def _concrete(path: str) -> str:
    """A route's path with its parameters filled: numbers for ids, PHI-looking text otherwise."""
    return _PARAM.sub(lambda m: "7" if m.group(1).endswith("id") else PHI, path)


def _get_routes(web: WebEnv) -> list[tuple[str, str]]:
    return sorted(
        {
            (info.path, _concrete(info.path))
            for info in app_routes(web.app)
            if "GET" in info.methods and not info.path.startswith("/static")
        }
    )


def _take_the_database_away(web: WebEnv) -> None:
    """Every pooled connection closed and the SQLite file gone: the next query fails."""
    web.store.engine.dispose()
    database = web.settings.data_dir / "phiwatch.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    database.mkdir()  # a folder where the file was: SQLite cannot open it


def test_every_route_logs_one_line_and_answers_a_plain_500(
    web: WebEnv, caplog: pytest.LogCaptureFixture
) -> None:
    client = web.signed_in(Role.privacy_officer)
    routes = _get_routes(web)
    assert len(routes) > 30  # the whole app, not a few pages
    _take_the_database_away(web)
    failed = 0
    for template, path in routes:
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="phiwatch.web"):
            answer = client.get(f"{path}?q={PHI}", headers={"accept": "application/json"})
        lines = [r.getMessage() for r in caplog.records if r.name == "phiwatch.web"]
        if answer.status_code != 500:
            assert lines == [], (template, lines)
            continue
        failed += 1
        assert answer.json() == {
            "ok": False,
            "error": "Internal error",
            "errors": ["Internal error"],
            "status": 500,
        }, template
        assert len(lines) == 1, (template, lines)
        assert re.fullmatch(rf"unexpected \w+ in GET {re.escape(template)}", lines[0]), lines
        assert PHI not in caplog.text and PHI not in answer.text
    assert failed > 30, "taking the database away should break nearly every page"


def test_an_html_page_gets_the_error_page_and_the_same_line(
    web: WebEnv, caplog: pytest.LogCaptureFixture
) -> None:
    client = web.signed_in(Role.privacy_officer)
    _take_the_database_away(web)
    with caplog.at_level(logging.ERROR, logger="phiwatch.web"):
        page = client.get(f"/monitor/cases/7?note={PHI}")
    assert page.status_code == 500
    assert PHI not in page.text
    assert page.headers["x-frame-options"] == "DENY"  # the security headers still apply
    assert [r.getMessage() for r in caplog.records if r.name == "phiwatch.web"] == [
        "unexpected OperationalError in GET /monitor/cases/{case_id}"
    ]


def test_a_configuration_error_is_logged_too(web: WebEnv, caplog: pytest.LogCaptureFixture) -> None:
    """phiwatch's own 500s (a bad setting or template) leave the same line; before, none."""
    router = APIRouter()

    @router.get("/test/settings/{patient}")
    def broken(patient: str, who: Annotated[Principal, RequireRole(Role.privacy_officer)]) -> None:
        raise ConfigurationError(f"template for {patient} is broken")

    web.app.include_router(router)
    with caplog.at_level(logging.ERROR, logger="phiwatch.web"):
        answer = web.signed_in(Role.privacy_officer).get(f"/test/settings/{PHI}.json")
    assert answer.status_code == 500 and answer.json()["error"] == "Internal error"
    assert [r.getMessage() for r in caplog.records if r.name == "phiwatch.web"] == [
        "unexpected ConfigurationError in GET /test/settings/{patient}"
    ]
    assert PHI not in caplog.text
