"""The web app in a real browser: Debian's chromium driven by Playwright.

The app runs in uvicorn on a free 127.0.0.1 port in a thread; every request
the browser makes is checked to stay on loopback. Screenshots of the pages go
to ``$PHIWATCH_TEST_ARTIFACTS/web`` (default: the test's temporary folder).
"""

from __future__ import annotations

import http.server
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn

from phiwatch.security import Role, SessionPolicy, ThrottlePolicy, add_user
from phiwatch.web import OidcConfig, WebConfig
from tests.web.conftest import PASSWORD, WebEnv

CHROMIUM = Path("/usr/bin/chromium")
# Every browser test module uses these marks: run with -m browser, skipped (saying why)
# where Debian's chromium is absent.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
    ),
]
pytestmark = BROWSER_MARKS


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live(env: WebEnv) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(env.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    base = os.environ.get("PHIWATCH_TEST_ARTIFACTS")
    folder = Path(base) / "web" if base else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _page(browser, base: str):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone-width screen
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/")
    return page, requests, problems


def _sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#sign-in")


def test_sign_in_and_sign_out(browser, web: WebEnv, artifacts: Path) -> None:
    with live(web) as base:
        page, requests, problems = _page(browser, base)
        assert page.url.startswith(f"{base}/login?next=")
        page.screenshot(path=str(artifacts / "login.png"), full_page=True)
        # Keyboard only: the name field has focus, Tab to the password, Enter submits.
        page.keyboard.type("privacy-officer")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_selector("#signed-in-as")
        page.keyboard.press("Tab")  # on a page without a form, the skip link comes first
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert page.inner_text("#signed-in-as") == "privacy-officer"
        assert page.inner_text("h1") == "Welcome, privacy-officer"
        page.screenshot(path=str(artifacts / "home.png"), full_page=True)
        page.click("text=Audit trail")
        page.wait_for_selector("text=hash chain")
        page.screenshot(path=str(artifacts / "audit.png"), full_page=True)
        page.click("#sign-out")
        page.wait_for_selector("text=You are signed out.")
        page.goto(f"{base}/account")
        assert "/login?next=" in page.url
        assert all(url.startswith(base) for url in requests), [
            u for u in requests if not u.startswith(base)
        ]
        assert not problems, problems  # no CSP violations, no failed scripts


def test_session_expires_when_idle(browser, make_env) -> None:
    env = make_env(
        WebConfig(session=SessionPolicy(idle=timedelta(seconds=2), absolute=timedelta(hours=1)))
    )
    with live(env) as base:
        page, _, _ = _page(browser, base)
        _sign_in(page, "reviewer")
        page.wait_for_selector("#signed-in-as")
        page.reload()
        assert page.is_visible("#signed-in-as")
        time.sleep(3)
        page.reload()
        assert "/login?next=" in page.url


def test_cross_origin_form_cannot_act_for_the_user(browser, web: WebEnv, tmp_path: Path) -> None:
    """A page on another origin (another port of 127.0.0.1: same site, so the cookie IS sent)."""
    with live(web) as base:
        attacker_dir = tmp_path / "attacker"
        attacker_dir.mkdir()
        (attacker_dir / "index.html").write_text(
            f"""<!doctype html><form id=f method=post action="{base}/account/tokens">
            <input name=name value=stolen><input name=csrf_token value=guess></form>
            <script>document.getElementById('f').submit()</script>"""
        )

        def handler(*args, **kwargs):
            return http.server.SimpleHTTPRequestHandler(
                *args, directory=str(attacker_dir), **kwargs
            )

        attacker = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=attacker.serve_forever, daemon=True).start()
        try:
            page, _, _ = _page(browser, base)
            _sign_in(page, "admin")
            page.wait_for_selector("#signed-in-as")
            with page.expect_response(f"{base}/account/tokens") as answer:
                page.goto(f"http://127.0.0.1:{attacker.server_port}/index.html")
            assert answer.value.status == 403
            page.goto(f"{base}/account")
            assert page.is_visible("#signed-in-as")
            assert "stolen" not in page.content()
        finally:
            attacker.shutdown()
            attacker.server_close()


def test_brute_force_in_the_browser_hits_the_limit(browser, make_env) -> None:
    env = make_env(WebConfig(throttle=ThrottlePolicy(per_account_address=3, per_address=10)))
    with live(env) as base:
        page, _, _ = _page(browser, base)
        for attempt in range(3):
            _sign_in(page, "admin", f"wrong guess {attempt}")
            page.wait_for_selector("#sign-in-error")
            assert "not right" in page.inner_text("#sign-in-error")
        _sign_in(page, "admin", PASSWORD)
        page.wait_for_selector("#sign-in-error")
        assert "too many failed sign-ins" in page.inner_text("#sign-in-error")
        assert not page.is_visible("#signed-in-as")


@pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning")
@pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")
def test_single_sign_on_in_the_browser(browser, make_env, issuer: str) -> None:
    """Click "Sign in with single sign-on", approve at the loopback provider, land signed in."""
    env = make_env(
        WebConfig(
            oidc=OidcConfig(issuer=issuer, client_id="phiwatch", client_secret="s3cret-for-tests")
        )
    )
    add_user(
        env.store,
        env.settings,
        "sso-auditor",
        Role.auditor,
        oidc_subject=f"{issuer}|audrey@example.org",
    )
    with live(env) as base:
        context = browser.new_context()
        left: list[str] = []

        def loopback_only(route) -> None:
            if route.request.url.startswith("http://127.0.0.1:"):
                route.continue_()
            else:  # the provider's page links a CDN stylesheet; nothing may leave the machine
                left.append(route.request.url)
                route.abort()

        context.route("**/*", loopback_only)
        page = context.new_page()
        page.goto(f"{base}/login")
        page.click("#sign-in-oidc")
        page.wait_for_selector("input[name=sub]")
        assert page.url.startswith(f"{issuer}/oauth2/authorize")
        page.fill("input[name=sub]", "audrey@example.org")
        page.click("button[type=submit]:has-text('Authorize')")
        page.wait_for_selector("#signed-in-as")
        assert page.url == f"{base}/"
        assert page.inner_text("#signed-in-as") == "sso-auditor"
        assert all(url.startswith("https://cdn.") for url in left), left
