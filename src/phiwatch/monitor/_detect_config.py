"""Which detectors run and with what thresholds: a TOML file, no code.

``<data dir>/detectors.toml`` (or ``--config FILE``)::

    disabled = ["deceased_patient_access"]        # names (file stems) or ids

    [params.bulk_access]                          # override a detector's [params]
    min_patients = 300

    [explain]                                     # roles that explain work without a care link
    registration_roles = ["registration", "front desk"]

Unknown names, parameters or keys are errors, so a typo never silently
leaves a detector at its default.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.monitor._detector_file import Detector, load_detectors

CONFIG_FILE_NAME = "detectors.toml"


class ExplainRules(BaseModel):
    """Roles whose work is explained by a visit rather than by a named care relationship."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    registration_roles: list[str] = Field(default_factory=lambda: ["registration"])
    billing_roles: list[str] = Field(default_factory=lambda: ["billing"])
    pharmacy_roles: list[str] = Field(default_factory=lambda: ["pharmacist", "pharmacy"])
    # days around an encounter in which registration and billing work is expected
    registration_days_before: int = Field(default=2, ge=0, le=30)
    billing_days_after: int = Field(default=7, ge=0, le=60)


class _ConfigFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    disabled: list[str] = Field(default_factory=list)
    params: dict[str, dict[str, Any]] = Field(default_factory=dict)
    explain: ExplainRules = Field(default_factory=ExplainRules)


@dataclass(frozen=True)
class DetectionConfig:
    """The detectors to run (parameters applied) and the explanation rules."""

    detectors: tuple[Detector, ...]
    explain: ExplainRules = field(default_factory=ExplainRules)

    def by_name(self, name: str) -> Detector:
        for detector in self.detectors:
            if name in (detector.name, detector.id):
                return detector
        raise InputError(f"no enabled detector named {name!r}")


def load_detection_config(
    settings: Settings | None = None,
    path: Path | None = None,
    *,
    detectors_root: Path | None = None,
) -> DetectionConfig:
    """The bundled detectors, minus the disabled ones, with thresholds from the config file."""
    available = load_detectors(detectors_root)
    if path is None and settings is not None:
        candidate = settings.data_dir / CONFIG_FILE_NAME
        path = candidate if candidate.is_file() else None
    if path is None:
        return DetectionConfig(tuple(available))
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("detector configuration file not found", file=path) from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"not valid TOML ({error})", file=path) from None
    try:
        parsed = _ConfigFile.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        column = ".".join(str(p) for p in first["loc"])
        raise InputError(str(first["msg"]), file=path, column=column) from None
    known = {d.name for d in available} | {d.id for d in available}
    for name in [*parsed.disabled, *parsed.params]:
        if name not in known:
            raise InputError(f"no detector named {name!r}", file=path, column="disabled/params")
    chosen = []
    for detector in available:
        if detector.name in parsed.disabled or detector.id in parsed.disabled:
            continue
        overrides = parsed.params.get(detector.name, parsed.params.get(detector.id, {}))
        try:
            chosen.append(detector.with_params(overrides) if overrides else detector)
        except InputError as error:
            raise InputError(error.problem, file=path, column=f"params.{detector.name}") from None
    return DetectionConfig(tuple(chosen), parsed.explain)
