"""``simulate_hospital``: people, care, a day of work at a time, incidents, files."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from phiwatch.simulate._attacks import Incident, plan_attacks
from phiwatch.simulate._care import make_encounters
from phiwatch.simulate._config import HospitalConfig
from phiwatch.simulate._population import make_patients, make_workforce
from phiwatch.simulate._traffic import DAY, Events, day_traffic
from phiwatch.simulate._vocabulary import vocabulary
from phiwatch.simulate._write import Writer

Progress = Callable[[str, int, int], None]


@dataclass
class SimulationSummary:
    out: str
    users: int
    patients: int
    days: int
    seed: int
    encounters: int
    events: int
    attack_events: int
    incidents: int
    seconds: float
    vocabulary: str = "sim"
    behaviour: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def simulate_hospital(
    config: HospitalConfig, out: Path, progress: Progress | None = None
) -> SimulationSummary:
    """Generate the hospital of ``config`` into ``out`` (created; existing files replaced)."""
    started = time.perf_counter()
    report = progress or (lambda _stage, _done, _total: None)
    rng = np.random.default_rng(config.seed)
    out.mkdir(parents=True, exist_ok=True)
    patients = make_patients(config, rng)
    workforce, stations = make_workforce(config, patients, rng)
    encounters = make_encounters(config, patients, workforce, rng)
    start_day = int(np.datetime64(config.start, "D").astype(np.int64))
    start = start_day * DAY
    attacks: Events | None = None
    incidents: list[Incident] = []
    if config.attacks:
        attacks, incidents = plan_attacks(config, patients, workforce, encounters, rng, start)
    unexplained = config.behaviour_in_force.unexplained_share
    writer = Writer(
        out,
        config.formats,
        patients,
        workforce,
        stations,
        vocabulary=vocabulary(config.vocabulary_name),
        npi=config.npi,
    )
    total = attack_total = 0
    for day in range(config.days):
        report("days", day, config.days)
        events = day_traffic(day, start + day * DAY, encounters, workforce, rng, unexplained)
        if attacks is not None:
            today = (attacks.time >= start + day * DAY) & (attacks.time < start + (day + 1) * DAY)
            picked = Events(*(getattr(attacks, f)[today] for f in Events.__dataclass_fields__))
            attack_total += len(picked)
            events = Events.concat([events, picked])
        total += writer.write_day(start + day * DAY, events, incidents)
    report("days", config.days, config.days)
    writer.write_context(patients, workforce, encounters, start_day)
    if config.attacks:
        writer.write_labels(incidents, workforce, patients)
    summary = SimulationSummary(
        out=str(out),
        users=config.users,
        patients=config.patients,
        days=config.days,
        seed=config.seed,
        encounters=len(encounters),
        events=total,
        attack_events=attack_total,
        incidents=len(incidents),
        seconds=round(time.perf_counter() - started, 2),
        vocabulary=config.vocabulary_name,
        behaviour=asdict(config.behaviour_in_force),
    )
    summary.files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    (out / "summary.json").write_text(json.dumps(summary.as_dict(), indent=1), "utf-8")
    return summary
