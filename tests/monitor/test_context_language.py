"""A patient's preferred language from the context: FHIR ``Patient.communication`` and CSV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from phiwatch.config import Settings
from phiwatch.monitor import load_context, pseudonym_key, pseudonymise
from phiwatch.monitor._context import language_subtag
from phiwatch.store import Store
from phiwatch.store.models.monitor import Patient


def _communication(*entries: tuple[dict[str, Any], bool | None]) -> list[dict[str, Any]]:
    found = []
    for language, preferred in entries:
        entry: dict[str, Any] = {"language": language}
        if preferred is not None:
            entry["preferred"] = preferred
        found.append(entry)
    return found


def _coded(*codes: str, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {
        "coding": [{"system": "urn:ietf:bcp:47", "code": c, "display": "x"} for c in codes]
    }
    if text is not None:
        concept["text"] = text
    return concept


# patient id -> (its communication element, or None for none; the language stored)
CASES: dict[str, tuple[list[dict[str, Any]] | None, str | None]] = {
    "plain": (_communication((_coded("es"), True)), "es"),
    "region": (_communication((_coded("es-MX"), None)), "es"),
    "preferred-second": (
        _communication((_coded("en-US"), None), (_coded("es-419"), True)),
        "es",
    ),
    "first-when-none-preferred": (
        _communication((_coded("en-US"), False), (_coded("es"), None)),
        "en",
    ),
    "text-only": (_communication(({"text": "Spanish"}, True)), "es"),
    "text-tag": (_communication(({"text": "es-US"}, None)), "es"),
    "blank-code-then-code": (_communication((_coded("", "es"), None)), "es"),
    "code-beats-text": (_communication((_coded("en", text="Español"), None)), "en"),
    "iso-639-2": (_communication((_coded("spa"), None)), "es"),
    "undetermined": (_communication((_coded("und"), None)), None),
    "blank": (_communication(({"text": "  "}, True)), None),
    "empty-list": ([], None),
    "missing": (None, None),
    "other-language": (_communication((_coded("vi-VN"), True)), "vi"),
}


def _bulk(folder: Path) -> Path:
    folder.mkdir(parents=True)
    lines = []
    for pid, (communication, _) in CASES.items():
        resource: dict[str, Any] = {
            "resourceType": "Patient",
            "id": pid,
            "name": [{"family": "Rivera", "given": ["Ana"]}],
        }
        if communication is not None:
            resource["communication"] = communication
        lines.append(json.dumps(resource))
    (folder / "Patient.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _languages(settings: Settings, store: Store, version: int) -> dict[str, str | None]:
    key = pseudonym_key(settings)
    by_pseudonym = {pseudonymise(key, pid): pid for pid in CASES}
    with store.reader() as session:
        rows = session.execute(
            select(Patient.pseudonym, Patient.language).where(Patient.version_id == version)
        ).all()
    return {by_pseudonym.get(p, p): language for p, language in rows}


def test_fhir_communication_variants(settings: Settings, store: Store, tmp_path: Path) -> None:
    result = load_context(settings, store, [_bulk(tmp_path / "bulk")])
    found = _languages(settings, store, result.version)
    assert found == {pid: expected for pid, (_, expected) in CASES.items()}


def test_csv_language_column(settings: Settings, store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "patients.csv").write_text(
        "patient_id,family,given,birth_date,line,city,state,postal_code,vip,deceased,language\n"
        "plain,Rivera,Ana,1980-02-03,12 Elm St,Springfield,IL,62701,false,false,es-MX\n"
        "blank,Star,Kim,1975-01-01,1 Hill Rd,Springfield,IL,62702,false,false,\n"
        "text-only,Ng,Lee,1975-01-01,1 Hill Rd,Springfield,IL,62702,false,false,English\n",
        "utf-8",
    )
    result = load_context(settings, store, [folder])
    assert _languages(settings, store, result.version) == {
        "plain": "es",
        "blank": None,
        "text-only": "en",
    }


def test_csv_without_a_language_column_states_none(
    settings: Settings, sqlite_store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "patients.csv").write_text(
        "patient_id,family,given,birth_date,line,city,state,postal_code,vip,deceased\n"
        "plain,Rivera,Ana,1980-02-03,12 Elm St,Springfield,IL,62701,false,false\n",
        "utf-8",
    )
    result = load_context(settings, sqlite_store, [folder])
    assert _languages(settings, sqlite_store, result.version) == {"plain": None}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("es", "es"),
        ("ES-mx", "es"),
        ("es_US", "es"),
        (" en-US ", "en"),
        ("Español", "es"),
        ("spanish", "es"),
        ("eng", "en"),
        ("zh-Hant-TW", "zh"),
        ("und", None),
        ("zxx", None),
        ("", None),
        (None, None),
        ("Spanish (Mexico)", "es"),
        ("español-latino", "es"),
        ("12", None),
        ("not a language", None),
    ],
)
def test_language_subtag(given: str | None, expected: str | None) -> None:
    assert language_subtag(given) == expected
