"""A benign simulated month raises no alert except the known false positives.

Like Sigma's goodlog tests: every detector runs over a month of ordinary
work (200 users, 5,000 patients, 30 days, no attacks) and each detector may
raise at most the rate of alerts per 1,000 user-days listed for it in
``known_fps.csv`` next to the detectors (rounded up), with the reason
written there; a detector not listed may raise none.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from phiwatch.config import load_settings
from phiwatch.monitor import (
    DETECTORS_DIR,
    detect,
    ingest,
    list_alerts,
    load_context,
    load_detectors,
)
from phiwatch.simulate import HospitalConfig, simulate_hospital
from phiwatch.store import open_store

KNOWN_FPS = DETECTORS_DIR / "known_fps.csv"


def known_false_positives() -> dict[str, float]:
    with KNOWN_FPS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        assert row["reason"].strip(), f"known false positive without a reason: {row}"
    return {row["detector"]: float(row["max_per_1000_user_days"]) for row in rows}


def test_known_false_positives_name_real_detectors() -> None:
    names = {d.name for d in load_detectors()}
    assert set(known_false_positives()) <= names


@pytest.mark.slow
def test_a_benign_month_raises_only_known_false_positives(tmp_path: Path) -> None:
    simulate_hospital(
        HospitalConfig(users=200, patients=5_000, days=30, seed=1, formats=("ndjson", "bulk")),
        tmp_path / "sim",
    )
    settings = load_settings(environ={}, data_dir=str(tmp_path / "data"))
    store = open_store(settings)
    try:
        load_context(settings, store, [tmp_path / "sim" / "context" / "bulk"])
        ingest(settings, [tmp_path / "sim" / "events"])
        result = detect(settings, store)
        assert len(result.days) >= 30
        alerts = list_alerts(store, limit=10_000)
    finally:
        store.close()
    names = {d.id: d.name for d in load_detectors()}
    counts: dict[str, int] = {}
    for alert in alerts:
        name = names[alert["detector"]]
        counts[name] = counts.get(name, 0) + 1
    user_days = 200 * len(result.days)
    allowed = {n: math.ceil(rate * user_days / 1000) for n, rate in known_false_positives().items()}
    unexpected = {n: c for n, c in counts.items() if c > allowed.get(n, 0)}
    assert unexpected == {}, [a["explanation"] for a in alerts]
