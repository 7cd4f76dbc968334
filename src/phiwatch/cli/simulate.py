"""``phiwatch simulate``: a synthetic hospital to try phiwatch on; see docs/simulate.md."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from phiwatch import simulate
from phiwatch.cli._output import FormatOption, OutputFormat, emit_record
from phiwatch.cli._progress import make_progress
from phiwatch.errors import InputError
from phiwatch.simulate import FORMATS, VOCABULARIES, HospitalConfig

simulate_app = typer.Typer(
    help=(
        "Synthetic data to try phiwatch on: a hospital with its people, care and access logs.\n\n"
        "Example: phiwatch simulate hospital --users 200 --patients 5000 --days 7 --out sim/"
    ),
    no_args_is_help=True,
)


@simulate_app.command("hospital")
def hospital_command(
    out: Annotated[Path, typer.Option("--out", help="Directory to write into.")],
    users: Annotated[int, typer.Option("--users", help="Workforce size.")] = 200,
    patients: Annotated[int, typer.Option("--patients", help="Number of patients.")] = 5_000,
    days: Annotated[int, typer.Option("--days", help="Days of access logs.")] = 7,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same files.")] = 1,
    start: Annotated[
        str, typer.Option("--start", help="First simulated day (YYYY-MM-DD).")
    ] = "2026-01-05",
    attacks: Annotated[
        bool,
        typer.Option("--attacks", help="Inject labelled incidents (labels/incidents.ndjson)."),
    ] = False,
    formats: Annotated[
        str,
        typer.Option("--formats", help=f"Comma-separated outputs among {', '.join(FORMATS)}."),
    ] = ",".join(FORMATS),
    randomise: Annotated[
        bool,
        typer.Option(
            "--randomise",
            help="Draw vocabulary and ways of working from the seed (billing lags, "
            "registration ahead, float pool, surnames): a hospital phiwatch was not written for.",
        ),
    ] = False,
    vocabulary: Annotated[
        str | None,
        typer.Option(
            "--vocabulary",
            help=f"Role and department words: {', '.join(VOCABULARIES)} or random "
            "(default: sim, or random with --randomise).",
        ),
    ] = None,
    npi: Annotated[
        bool,
        typer.Option(
            "--npi",
            help="Name users by NPI: identifier and conditional references in the Bulk "
            "export, AuditEvents by id or NPI in turn.",
        ),
    ] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Write a synthetic hospital: FHIR AuditEvent NDJSON and CSV access logs, FHIR Bulk
    and CSV context, and with --attacks the labels of the injected incidents.

    Example: phiwatch simulate hospital --users 5000 --patients 500000 --days 30 --attacks --out h/

    Example: phiwatch simulate hospital --randomise --seed 7 --attacks --out other/
    """
    try:
        first_day = date.fromisoformat(start)
    except ValueError as exc:
        raise InputError(f"--start expects YYYY-MM-DD, got {start!r}") from exc
    config = HospitalConfig(
        users=users,
        patients=patients,
        days=days,
        seed=seed,
        start=first_day,
        attacks=attacks,
        formats=tuple(f.strip() for f in formats.split(",") if f.strip()),
        randomise=randomise,
        vocabulary=vocabulary,
        npi=npi,
    )
    progress = make_progress()
    tasks: dict[str, Any] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        progress.update(tasks[stage], completed=done, total=total)

    with progress:
        summary = simulate.simulate_hospital(config, out, report)  # faker, numpy: loaded here
    record = summary.as_dict()
    record["files"] = len(summary.files)
    record["behaviour"] = ", ".join(f"{k}={v}" for k, v in summary.behaviour.items())
    emit_record(record, fmt)
