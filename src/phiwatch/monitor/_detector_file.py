"""Detector files: one TOML file per detector, validated by a typed model when loaded.

A detector lives at ``detectors/<category>/<name>.toml`` with Sigma/Elastic
style metadata (``[metadata]``), its query and sentence (``[rule]``) and its
tunable thresholds (``[params]``). A file that breaks the model fails at load
with an :class:`~phiwatch.errors.InputError` naming the file and the field,
so a bad detector never runs half-understood.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from phiwatch.errors import InputError
from phiwatch.monitor._schema import sql_text

DETECTORS_DIR = Path(__file__).resolve().parent / "detectors"

Status = Literal["stable", "test", "experimental", "deprecated"]
Level = Literal["informational", "low", "medium", "high", "critical"]
RelationType = Literal["derived", "obsolete", "merged", "renamed", "similar"]

# Each level owns a band of risk scores, so a score never contradicts its level.
SCORE_BANDS: dict[str, tuple[int, int]] = {
    "informational": (0, 19),
    "low": (20, 39),
    "medium": (40, 59),
    "high": (60, 79),
    "critical": (80, 100),
}
# Columns every detector query returns; any other column is a fact for the sentence.
REQUIRED_COLUMNS = ("user_pseudonym", "group_key", "start", "end", "event_ids", "patients")
_NAME = re.compile(r"^[a-z][a-z0-9_]{2,60}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class Related(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    type: RelationType


class Metadata(BaseModel):
    """What a privacy officer and a reviewer need to know about a detector."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_UUID.pattern)
    title: str = Field(min_length=5, max_length=120)
    status: Status
    description: str = Field(min_length=20)
    level: Level
    risk_score: int = Field(ge=0, le=100)
    tags: list[str] = Field(min_length=1)
    falsepositives: list[str] = Field(min_length=1)
    note: str = ""
    references: list[str] = Field(default_factory=list)
    author: str = "phiwatch"
    date: dt.date
    modified: dt.date
    related: list[Related] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Metadata:
        low, high = SCORE_BANDS[self.level]
        if not low <= self.risk_score <= high:
            raise ValueError(
                f"risk_score: {self.risk_score} is outside the band of level "
                f"{self.level!r} ({low}..{high})"
            )
        if self.modified < self.date:
            raise ValueError("modified: must not be earlier than date")
        if self.level in ("high", "critical") and len(self.note.strip()) < 20:
            raise ValueError("note: a high or critical detector needs a triage note")
        if self.status == "deprecated" and not any(
            r.type in ("obsolete", "merged", "renamed") for r in self.related
        ):
            raise ValueError("related: a deprecated detector names its replacement")
        if not any(t.startswith("hipaa.") for t in self.tags):
            raise ValueError("tags: at least one HIPAA section tag (hipaa.164...)")
        return self


class Rule(BaseModel):
    """The query (DuckDB SQL over the engine's views) and how to say what it found."""

    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=20)
    sentence: str = Field(min_length=10)
    broken: str = Field(min_length=5)


ParamValue = int | float | str | bool | list[str]


class DetectorFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metadata: Metadata
    rule: Rule
    params: dict[str, ParamValue] = Field(default_factory=dict)


@dataclass(frozen=True)
class Detector:
    """A loaded detector: its file, its category (folder) and name (file stem)."""

    path: Path
    category: str
    name: str
    metadata: Metadata
    rule: Rule
    params: dict[str, ParamValue]

    @property
    def id(self) -> str:
        return self.metadata.id

    def with_params(self, overrides: dict[str, Any]) -> Detector:
        unknown = set(overrides) - set(self.params)
        if unknown:
            raise InputError(
                f"unknown parameter(s) {sorted(unknown)} for detector {self.name}; "
                f"known: {sorted(self.params)}"
            )
        merged = {**self.params, **overrides}
        return Detector(self.path, self.category, self.name, self.metadata, self.rule, merged)

    def sql(self) -> str:
        """The query with its parameters written in as literals."""
        return render_params(self.rule.query, self.params, self.path)


def _literal(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "(" + ", ".join(_literal(v) for v in value) + ")"
    return sql_text(value)


def render_params(query: str, params: dict[str, ParamValue], path: Path | str) -> str:
    """Replace ``${name}`` by the parameter's SQL literal; an unknown name is an error."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            raise InputError(f"query uses ${{{name}}}, not in [params]", file=path, column="query")
        return _literal(params[name])

    return re.sub(r"\$\{([a-z_][a-z0-9_]*)\}", replace, query)


def _location(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "file"
    message = str(first["msg"]).removeprefix("Value error, ")
    return field, message


def load_detector(path: Path) -> Detector:
    """Read and validate one detector file."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"not valid TOML ({error})", file=path) from None
    try:
        parsed = DetectorFile.model_validate(raw)
    except ValidationError as error:
        field, message = _location(error)
        raise InputError(message, file=path, column=field) from None
    if not _NAME.match(path.stem):
        raise InputError("file name must be lower_snake_case (3-61 characters)", file=path)
    render_params(parsed.rule.query, parsed.params, path)
    return Detector(
        path=path,
        category=path.parent.name,
        name=path.stem,
        metadata=parsed.metadata,
        rule=parsed.rule,
        params=dict(parsed.params),
    )


def load_detectors(root: Path | None = None) -> list[Detector]:
    """Every detector under ``root`` (default: the bundled ones), sorted by category and name.

    Ids and names must be unique across the set.
    """
    base = root or DETECTORS_DIR
    found = [load_detector(p) for p in sorted(base.glob("*/*.toml"))]
    seen_ids: dict[str, Path] = {}
    seen_names: dict[str, Path] = {}
    for detector in found:
        for seen, key in ((seen_ids, detector.id), (seen_names, detector.name)):
            if key in seen:
                raise InputError(
                    f"duplicate detector {'id' if seen is seen_ids else 'name'} "
                    f"(also in {seen[key]})",
                    file=detector.path,
                    column="metadata.id" if seen is seen_ids else "file name",
                )
            seen[key] = detector.path
    return found
