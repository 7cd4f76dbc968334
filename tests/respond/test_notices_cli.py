"""``phiwatch respond`` notice commands in-process: facts, letters, proof, email."""

from __future__ import annotations

import json
from pathlib import Path

from phiwatch.config import load_settings
from phiwatch.store import open_store
from tests.conftest import Cli
from tests.respond.conftest import build_world
from tests.respond.notice_world import FACTS, PHONE, pdf_text, ready_incident


def _world(cli: Cli, tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=str(cli.data_dir))
    store = open_store(settings)
    try:
        ready_incident(build_world(settings, store, tmp_path / "input"), facts={})
    finally:
        store.close()


def test_facts_then_letters_proof_and_email(cli: Cli, tmp_path: Path) -> None:
    _world(cli, tmp_path)
    early = cli("respond", "letters", "1", "--out", str(tmp_path / "early"))
    assert early.exit_code == 1
    assert "set them with: phiwatch respond facts 1 --organisation ..." in early.output

    args = [
        part for name, value in FACTS.items() for part in (f"--{name.replace('_', '-')}", value)
    ]
    facts = cli("respond", "facts", "1", *args, "--ba-involved", "-f", "json")
    assert facts.exit_code == 0, facts.output
    stored = json.loads(facts.stdout)
    assert stored["contact_phone"] == PHONE and stored["ba_involved"] is True
    assert stored["entity_type"] == "Healthcare Provider"

    letters = cli(
        "respond", "letters", "1", "--out", str(tmp_path / "l"), "--limit", "2", "--pdf",
        "--given-on", "2026-03-20", "-f", "json",
    )  # fmt: skip
    assert letters.exit_code == 0, letters.output
    assert json.loads(letters.stdout)["letters"] == 2
    assert "--given-on ignored with --limit" in letters.stderr
    assert len(list((tmp_path / "l").glob("*.pdf"))) == 2

    full = cli(
        "respond", "letters", "1", "--out", str(tmp_path / "all"), "--given-on", "2026-03-20"
    )
    assert full.exit_code == 0, full.output
    assert "Wrote 6 letters; 1 without a postal address" in full.stderr
    assert "individuals notice recorded as given on 2026-03-20" in full.stderr
    assert "Family0" not in full.output  # no name on the terminal

    proof = cli("respond", "proof", "1", "--pdf", str(tmp_path / "proof.pdf"))
    assert proof.exit_code == 0, proof.output
    assert "Dear Jane Sample," in pdf_text(tmp_path / "proof.pdf")

    email = cli("respond", "email", "1", "-f", "json")
    assert email.exit_code == 0, email.output
    assert json.loads(email.stdout)["queued"] == 0  # nobody agreed to e-mail

    bad_date = cli("respond", "letters", "1", "--out", str(tmp_path / "x"), "--letter-date", "soon")
    assert bad_date.exit_code == 1 and "--letter-date expects a date" in bad_date.output
