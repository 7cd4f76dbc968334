"""Facts holding markup characters: escaped once in HTML and PDF, kept as typed in text.

An incident's "what happened" is typed by a privacy officer and may hold
``<``, ``&`` or quotes ("fewer than <10 records"). The HTML letters (and the
PDFs made from them) must show those characters, escaped by Jinja2's
autoescape, never as markup; the plain-text notices must show them as typed,
not as ``&lt;``; and the check for 164.404(c)'s elements must find the fact
in both, instead of blaming the template.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from phiwatch import respond
from phiwatch.security import Role, add_user, start_session
from phiwatch.web import create_app
from tests.respond.conftest import World
from tests.respond.notice_world import FACTS, pdf_text, ready_incident
from tests.web.conftest import TestClient

WHAT = (
    'A clerk e-mailed <10 records & a note "<b>urgent</b>" to an outside address; '
    "<script>alert(1)</script> was in the subject > nothing else."
)
ACTIONS = "We blocked <external> mail & retrained the clerk."


def _incident(world: World) -> int:
    return ready_incident(world, facts={**FACTS, "what_happened": WHAT, "org_actions": ACTIONS})


def test_the_preview_escapes_the_facts_once(world: World) -> None:
    incident = _incident(world)
    preview = respond.preview_letter(world.store, world.settings, incident)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in preview.html
    assert "<script>" not in preview.html and "<b>urgent" not in preview.html
    assert "&lt;10 records &amp; a note" in preview.html
    assert "&amp;lt;" not in preview.html  # not escaped twice
    assert "&lt;external&gt; mail &amp; retrained" in preview.html


# WeasyPrint warns at import when the system lacks libharfbuzz-subset (a Debian package).
@pytest.mark.filterwarnings("ignore:HarfBuzz-Subset:DeprecationWarning")
def test_html_and_pdf_letters_show_the_characters(world: World, tmp_path: Path) -> None:
    incident = _incident(world)
    html_dir, pdf_dir = tmp_path / "html", tmp_path / "pdf"
    written = respond.write_letters(world.settings, world.store, incident, html_dir, limit=1)
    assert written["letters"] == 1
    (letter,) = html_dir.glob("*.html")
    assert "&lt;script&gt;" in letter.read_text(encoding="utf-8")
    respond.write_letters(world.settings, world.store, incident, pdf_dir, pdf=True, limit=1)
    (pdf,) = pdf_dir.glob("*.pdf")
    text = pdf_text(pdf)
    assert "<10 records & a note" in text and "<script>alert(1)</script>" in text


def test_text_notices_keep_the_facts_as_typed(world: World) -> None:
    incident = _incident(world)
    notice = respond.substitute_notice(
        world.settings, world.store, incident, letter_date=date(2026, 3, 20)
    )
    flat = " ".join(notice["text"].split())
    assert WHAT in flat and ACTIONS in flat
    assert "&lt;" not in notice["text"] and "&amp;" not in notice["text"]


def test_the_web_preview_shows_the_letter(world: World) -> None:
    """The page that answered a bare 500 for a ``<`` in the facts now shows the letter."""
    incident = _incident(world)
    app = create_app(world.settings, store=world.store)
    officer = add_user(
        world.store, world.settings, "officer", Role.privacy_officer, oidc_subject="sso|officer"
    )
    client = TestClient(app)
    client.cookies.set("phiwatch_session", start_session(world.store, officer.id, address="t"))
    page = client.get(f"/respond/incidents/{incident}/letter.json")
    assert page.status_code == 200, page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.json()["html"]
    shown = client.get(f"/respond/incidents/{incident}/letter")
    assert shown.status_code == 200
    # The letter sits in a sandboxed iframe's srcdoc: escaped once more, as an attribute.
    assert "&amp;lt;script&amp;gt;" in shown.text and "<script>alert" not in shown.text
