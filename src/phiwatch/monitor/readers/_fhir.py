"""FHIR R4 AuditEvent, as NDJSON (one resource a line) or a Bundle, read by DuckDB.

IHE BALP shapes handled in SQL:

* the user is the ``agent`` with ``requestor: true``; its ``who`` is a
  reference (``Practitioner/{id}``, ``PractitionerRole/{id}``,
  ``Patient/{id}`` for portal access, ...) or an identifier;
* each patient is an ``entity`` whose ``what`` references ``Patient/{id}``,
  or whose role is 1 (Patient) with an identifier; an event naming several
  patients becomes one lake row per patient (``patient_index``);
* a query entity (role 24) may carry the result count in a ``detail`` typed
  ``count`` / ``resultCount``; without it the count is the number of patients.

Only resources that fail validation are looked at in Python again, to give
the line (NDJSON) or entry (Bundle) and the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from phiwatch.errors import InputError
from phiwatch.monitor._schema import ACTIONS, sql_text, utc_sql
from phiwatch.monitor.readers._problems import Problem

_CODING = "STRUCT(system VARCHAR, code VARCHAR, display VARCHAR)"
_IDENTIFIER = "STRUCT(system VARCHAR, value VARCHAR)"
_REFERENCE = f"STRUCT(reference VARCHAR, identifier {_IDENTIFIER}, display VARCHAR)"
AUDIT_EVENT_TYPE = (
    "STRUCT("
    "resourceType VARCHAR, id VARCHAR, recorded VARCHAR, action VARCHAR, outcome VARCHAR, "
    f"subtype {_CODING}[], "
    f"agent STRUCT(requestor BOOLEAN, who {_REFERENCE}, "
    f"network STRUCT(address VARCHAR, type VARCHAR), location {_REFERENCE}, "
    f"type STRUCT(coding {_CODING}[]))[], "
    f"entity STRUCT(what {_REFERENCE}, type {_CODING}, role {_CODING}, "
    "detail STRUCT(type VARCHAR, valueString VARCHAR)[])[], "
    f"source STRUCT(site VARCHAR, observer {_REFERENCE})"
    ")"
)


def detect_shape(path: Path) -> str:
    """``ndjson`` or ``bundle``, from the first line of the file."""
    with path.open("rb") as handle:
        first = handle.readline().strip()
    if not first:
        return "ndjson"
    try:
        resource = json.loads(first)
    except ValueError:
        return "bundle"  # a pretty-printed JSON document spans lines
    if isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
        return "bundle"
    return "ndjson"


_PATIENT_ENTITY = (
    "(starts_with(e.what.reference, 'Patient/') "
    "OR (e.role.code = '1' AND e.what.reference IS NULL AND e.what.identifier.value IS NOT NULL))"
)


def _staged_select(resources: str, shape: str) -> str:
    """SQL mapping a relation of AuditEvent structs (column ``r``) to the staged columns."""
    user_ref = "ev.requestor.who.reference"
    return f"""
    WITH ev AS (
        SELECT
            r.resourceType AS resource_type,
            r.id AS id,
            {utc_sql("try_cast(r.recorded AS TIMESTAMPTZ)")} AS recorded,
            r.action AS action,
            r.outcome AS outcome,
            r.subtype[1].code AS subtype,
            list_filter(r.agent, lambda a: coalesce(a.requestor, false))[1] AS requestor,
            list_filter(r.agent, lambda a: NOT coalesce(a.requestor, false)) AS others,
            list_filter(r.entity, lambda e: {_PATIENT_ENTITY}) AS patients,
            list_filter(r.entity, lambda e: e.role.code = '24')[1] AS query,
            r.source AS source
        FROM {resources}
    ), flat AS (
        SELECT ev.*,
            CASE WHEN {user_ref} IS NOT NULL
                 THEN regexp_extract({user_ref}, '([^/]+)$', 1)
                 ELSE ev.requestor.who.identifier.value END AS user_id,
            coalesce(len(ev.patients), 0) AS n_patients,
            unnest(range(greatest(coalesce(len(ev.patients), 0), 1))) AS patient_index
        FROM ev
    )
    SELECT
        id AS event_id,
        CAST(patient_index AS INTEGER) AS patient_index,
        recorded,
        nullif(user_id, '') AS user_id,
        CASE WHEN patients[patient_index + 1].what.reference IS NOT NULL
             THEN regexp_extract(patients[patient_index + 1].what.reference, '([^/]+)$', 1)
             ELSE patients[patient_index + 1].what.identifier.value END AS patient_id,
        action,
        subtype,
        coalesce(outcome, '0') AS outcome,
        requestor.network.address AS network_address,
        coalesce(others[1].who.identifier.value, others[1].who.display,
                 others[1].network.address) AS workstation,
        coalesce(requestor.location.display, requestor.location.reference) AS department,
        coalesce(source.observer.display, source.observer.reference,
                 source.observer.identifier.value, source.site) AS source,
        CAST(coalesce(try_cast(list_filter(query.detail,
                  lambda d: d.type IN ('count', 'resultCount'))[1].valueString AS INTEGER),
             CASE WHEN query IS NOT NULL OR n_patients > 1 THEN n_patients END) AS INTEGER)
             AS query_count,
        CAST(n_patients AS INTEGER) AS patient_count,
        'fhir-{shape}' AS source_format,
        CASE WHEN resource_type IS DISTINCT FROM 'AuditEvent' THEN 'resourceType'
             WHEN id IS NULL THEN 'id'
             WHEN recorded IS NULL THEN 'recorded'
             WHEN requestor IS NULL OR nullif(user_id, '') IS NULL THEN 'agent'
             WHEN action IS NULL OR action NOT IN {ACTIONS!r} THEN 'action' END AS _bad
    FROM flat
    """  # noqa: S608


def _resources_sql(path: Path, shape: str) -> str:
    source = sql_text(path)
    if shape == "ndjson":
        return (
            f"read_json({source}, format = 'newline_delimited', ignore_errors = true, "
            f"columns = {_ndjson_columns()}) AS r"
        )
    size = max(path.stat().st_size + 1, 16 * 1024 * 1024)
    return (
        "(SELECT unnest(entry).resource AS r FROM read_json("  # noqa: S608
        f"{source}, format = 'unstructured', maximum_object_size = {size}, "
        f"columns = {{'resourceType': 'VARCHAR', "
        f"'entry': 'STRUCT(resource {AUDIT_EVENT_TYPE})[]'}})) AS bundle"
    )


def _copy(
    connection: duckdb.DuckDBPyConnection, source: Path, shape: str, target: Path, name: Path
) -> None:
    select = _staged_select(_resources_sql(source, shape), shape)
    connection.execute(
        f"COPY (SELECT *, {sql_text(name)} AS _file FROM ({select})) "  # noqa: S608
        f"TO {sql_text(target)} (FORMAT parquet, COMPRESSION snappy)"
    )


def stage_fhir(
    connection: duckdb.DuckDBPyConnection, path: Path, number: int, work: Path
) -> tuple[list[Problem], Path]:
    """Stage the AuditEvents of ``path`` (NDJSON or Bundle) to a Parquet work file.

    Returns the problems found and the work file (staged columns plus
    ``_file``). Parsing JSON is the dear part of FHIR ingest, so it is done
    once, here; the lake writer then reads the columnar copy. When DuckDB
    cannot read the file as a whole (a resource of the wrong shape), the bad
    resources are located in Python and the good ones are staged from a
    cleaned NDJSON copy, so ``--skip-bad`` loses nothing good.
    """
    shape = detect_shape(path)
    target = work / f"fhir-{number}.parquet"
    try:
        _copy(connection, path, shape, target, path)
    except duckdb.Error as exc:
        problems = locate_problems(path, shape)
        if not problems:
            raise InputError(
                f"cannot be read as FHIR AuditEvent {shape} ({type(exc).__name__})", file=path
            ) from None
        cleaned = work / f"clean-{number}.ndjson"
        _write_good_resources(path, shape, cleaned)
        _copy(connection, cleaned, "ndjson", target, path)
        return problems, target
    flagged = connection.execute(
        f"SELECT count(*) FROM read_parquet({sql_text(target)}) WHERE _bad IS NOT NULL"  # noqa: S608
    ).fetchall()[0]
    if flagged[0]:
        return locate_problems(path, shape), target
    return [], target


def _write_good_resources(path: Path, shape: str, target: Path) -> None:
    with target.open("w", encoding="utf-8") as out:
        for resource in _resources(path, shape):
            if validate_resource(resource) is None:
                out.write(json.dumps(resource) + "\n")


def _resources(path: Path, shape: str) -> Iterator[Any]:
    if shape == "ndjson":
        with path.open("rb") as handle:
            for raw in handle:
                if raw.strip():
                    try:
                        yield json.loads(raw)
                    except ValueError:
                        continue
        return
    try:
        bundle = json.loads(path.read_bytes())
    except ValueError:
        return
    if isinstance(bundle, dict):
        for entry in bundle.get("entry") or []:
            yield entry.get("resource") if isinstance(entry, dict) else None


def _ndjson_columns() -> str:
    inner = AUDIT_EVENT_TYPE[len("STRUCT(") : -1]
    parts: list[str] = []
    depth = 0
    current = ""
    for char in inner:
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += char in "(["
        depth -= char in ")]"
        current += char
    parts.append(current.strip())
    pairs = [part.split(" ", 1) for part in parts]
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in pairs) + "}"


# -- the slow path: say exactly which resource is wrong and why --------------


def _user_of(agent: dict[str, Any]) -> str | None:
    who = agent.get("who")
    if not isinstance(who, dict):
        return None
    reference = who.get("reference")
    if isinstance(reference, str) and reference.strip():
        return reference.rsplit("/", 1)[-1] or None
    identifier = who.get("identifier")
    if isinstance(identifier, dict) and isinstance(identifier.get("value"), str):
        return identifier["value"] or None
    return None


def validate_resource(resource: Any) -> tuple[str, str] | None:
    """(field, reason) for the first thing wrong with one AuditEvent, or None if it is fine."""
    if not isinstance(resource, dict):
        return "resourceType", "expected a JSON object"
    if resource.get("resourceType") != "AuditEvent":
        return "resourceType", "expected resourceType AuditEvent"
    if not isinstance(resource.get("id"), str) or not resource["id"]:
        return "id", "expected an id (the event's identity)"
    recorded = resource.get("recorded")
    if not isinstance(recorded, str) or not _is_instant(recorded):
        return "recorded", "expected an instant such as 2024-01-31T12:00:00Z"
    agents = resource.get("agent")
    if not isinstance(agents, list) or not all(isinstance(a, dict) for a in agents):
        return "agent", "expected a list of agents"
    requestors = [a for a in agents if a.get("requestor") is True]
    if not requestors or _user_of(requestors[0]) is None:
        return "agent", "expected an agent with requestor true and a who reference or identifier"
    if resource.get("action") not in ACTIONS:
        return "action", "expected one of C, R, U, D, E"
    entities = resource.get("entity", [])
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        return "entity", "expected a list of entities"
    return None


def _is_instant(text: str) -> bool:
    from datetime import datetime

    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def locate_problems(path: Path, shape: str) -> list[Problem]:
    """Every bad resource of ``path``, with its line (NDJSON) or entry number (Bundle)."""
    problems: list[Problem] = []
    if shape == "ndjson":
        with path.open("rb") as handle:
            for line_number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                try:
                    resource = json.loads(raw)
                except ValueError:
                    problems.append(Problem(path, "not valid JSON", line=line_number, raw=text))
                    continue
                found = validate_resource(resource)
                if found:
                    problems.append(
                        Problem(path, found[1], line=line_number, column=found[0], raw=text)
                    )
        return problems
    try:
        bundle = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        return [Problem(path, "not valid JSON", line=exc.lineno)]
    except ValueError:
        return [Problem(path, "not valid UTF-8 JSON")]
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return [Problem(path, "expected a Bundle or NDJSON of AuditEvents", column="resourceType")]
    entries = bundle.get("entry") or []
    for number, entry in enumerate(entries, start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        found = validate_resource(resource)
        if found:
            problems.append(
                Problem(path, found[1], record=number, column=found[0], raw=json.dumps(resource))
            )
    return problems
