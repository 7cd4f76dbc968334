"""Writing the hospital out: audit events (FHIR NDJSON, CSV), context (FHIR Bulk, CSV), labels.

Rows are assembled by DuckDB from the numpy arrays (dimension tables are
registered once, each day's events joined to them), so no Python loop runs
per event. FHIR output leaves out absent elements rather than writing
``null``, as FHIR JSON requires.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from phiwatch.simulate._attacks import FOREIGN_ADDRESS, FOREIGN_WORKSTATION, Incident
from phiwatch.simulate._care import AMB, CLASS_CODES, Encounters
from phiwatch.simulate._catalogue import ACTIVITIES, DEPARTMENTS
from phiwatch.simulate._population import NEVER, Patients, Workforce, Workstations
from phiwatch.simulate._traffic import DAY, Events
from phiwatch.simulate._vocabulary import VOCABULARIES, Vocabulary

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"

_DROP_NULLS = (
    "regexp_replace(regexp_replace({json}, '\"[A-Za-z]+\":null,', '', 'g'), "
    "',?\"[A-Za-z]+\":null', '', 'g')"
)


def event_id(number: int) -> str:
    return f"ae-{number:010d}"


def _lines_copy(connection: duckdb.DuckDBPyConnection, select: str, path: Path) -> None:
    """Write one JSON text per row, as is (no CSV quoting)."""
    connection.execute(
        f"COPY ({select}) TO '{path}' "
        "(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER e'\\x01')"
    )


def _day(days_since_epoch: Any) -> str:
    return str(np.datetime64(int(days_since_epoch), "D"))


class Writer:
    """Holds the DuckDB connection with the hospital's dimension tables registered."""

    def __init__(
        self,
        out: Path,
        formats: tuple[str, ...],
        patients: Patients,
        workforce: Workforce,
        stations: Workstations,
        *,
        vocabulary: Vocabulary = VOCABULARIES["sim"],
        npi: bool = False,
    ) -> None:
        self.out = out
        self.formats = formats
        self.vocabulary = vocabulary
        self.npi = npi
        codes, names = self.department_words()
        float_code, float_name = vocabulary.float_pool
        self.user_department = np.where(
            workforce.float_pool, float_name, names[workforce.department]
        ).astype(str)
        self.user_department_code = np.where(
            workforce.float_pool, float_code, codes[workforce.department]
        ).astype(str)
        self.connection = duckdb.connect()
        self.connection.execute("SET enable_progress_bar = false")
        self.connection.execute("SET TimeZone = 'UTC'")
        self._register(
            "users",
            {
                "u": np.arange(len(workforce)),
                "user_id": workforce.ids,
                "department": self.user_department,
                "npi": workforce.npi,
            },
        )
        self._register("patients", {"p": np.arange(len(patients)), "patient_id": patients.ids})
        self._register(
            "activities",
            {
                "a": np.arange(len(ACTIVITIES)),
                "metric": np.array([a.metric for a in ACTIVITIES]),
                "action": np.array([a.action for a in ACTIVITIES]),
                "subtype": np.array([a.subtype for a in ACTIVITIES]),
            },
        )
        self._register(
            "stations",
            {
                "w": np.concatenate([[-1], np.arange(len(stations.ids))]),
                "workstation": np.concatenate([[FOREIGN_WORKSTATION], stations.ids]),
                "address": np.concatenate([[FOREIGN_ADDRESS], stations.address]),
            },
        )
        self.next_event = 1
        (out / "events").mkdir(parents=True, exist_ok=True)

    def department_words(self) -> tuple[np.ndarray, np.ndarray]:
        """Department codes and names in the vocabulary, indexed like DEPARTMENTS."""
        words = self.vocabulary.departments
        return (
            np.array([words[d.code][0] for d in DEPARTMENTS]),
            np.array([words[d.code][1] for d in DEPARTMENTS]),
        )

    def _register(self, name: str, columns: dict[str, np.ndarray]) -> None:
        table = pa.table(
            {k: pa.array(v.tolist() if v.dtype.kind == "U" else v) for k, v in columns.items()}
        )
        self.connection.register(f"{name}_arrow", table)
        self.connection.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")  # noqa: S608
        self.connection.unregister(f"{name}_arrow")

    def write_day(self, day_start: int, events: Events, incidents: list[Incident]) -> int:
        """Write one day's events (sorted here) in every event format; returns the count."""
        order = np.lexsort((events.group, events.time))
        ev = Events(*(getattr(events, f)[order] for f in Events.__dataclass_fields__))
        new_event = np.ones(len(ev), dtype=bool)
        same_group = (ev.group[1:] >= 0) & (ev.group[1:] == ev.group[:-1])
        new_event[1:] = ~same_group
        number = self.next_event + np.cumsum(new_event) - 1
        self.next_event = int(number[-1]) + 1 if len(number) else self.next_event
        for incident in np.unique(ev.incident[ev.incident >= 0]):
            rows = number[ev.incident == incident]
            incidents[int(incident)].event_ids.extend(event_id(int(n)) for n in np.unique(rows))
        table = pa.table(
            {
                "n": number,
                "t": ev.time,
                "u": ev.user,
                "p": ev.patient,
                "a": ev.activity,
                "w": ev.workstation,
                "grouped": ev.group >= 0,
            }
        )
        self.connection.register("day_arrow", table)
        who = """'{"reference":"Practitioner/' || user_id || '"}'"""
        if self.npi:  # the same person named by NPI in every other event
            who = (
                f"""CASE WHEN n % 2 = 0 THEN '{{"identifier":{{"system":"{NPI_SYSTEM}","""
                f""""value":"' || npi || '"}}}}' ELSE {who} END"""
            )
        self.connection.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE day AS
            SELECT 'ae-' || lpad(CAST(n AS VARCHAR), 10, '0') AS event_id,
                   to_timestamp(t) AS recorded, user_id, department, patient_id,
                   metric, action, subtype, workstation, address, grouped, {who} AS who
            FROM day_arrow
            JOIN users USING (u) JOIN activities USING (a) JOIN stations USING (w)
            LEFT JOIN patients USING (p)
            """  # noqa: S608
        )
        self.connection.unregister("day_arrow")
        name = _day(day_start // DAY)
        if "csv" in self.formats:
            self._csv(self.out / "events" / f"access-log-{name}.csv")
        if "ndjson" in self.formats:
            self._ndjson(self.out / "events" / f"audit-events-{name}.ndjson")
        return len(ev)

    def _csv(self, path: Path) -> None:
        self.connection.execute(
            f"""
            COPY (SELECT event_id AS ACCESS_ID,
                         strftime(recorded, '%Y-%m-%d %H:%M:%S') AS ACCESS_TIME,
                         user_id AS USER_ID, patient_id AS PAT_ID, metric AS METRIC_NAME,
                         workstation AS WORKSTATION_ID, address AS IP_ADDRESS,
                         department AS DEPARTMENT
                  FROM day ORDER BY recorded, event_id, patient_id)
            TO '{path}' (FORMAT csv, HEADER true)
            """  # noqa: S608
        )

    def _ndjson(self, path: Path) -> None:
        """AuditEvents as JSON text built by concatenation: the values are generated
        identifiers and names without quotes or backslashes, so no escaping is needed,
        and this is ten times faster than building structs and serialising them."""
        entity = (
            """'{"what":{"reference":"Patient/' || patient_id || '"},"""
            """"type":{"system":"http://terminology.hl7.org/CodeSystem/audit-entity-type","""
            """"code":"1"},"role":{"system":"""
            """"http://terminology.hl7.org/CodeSystem/object-role","code":"1"}}'"""
        )
        query = (
            """'{"type":{"system":"http://terminology.hl7.org/CodeSystem/audit-entity-type","""
            """"code":"2"},"role":{"system":"http://terminology.hl7.org/CodeSystem/object-role","""
            """"code":"24"},"detail":[{"type":"count","valueString":"' || n || '"}]}'"""
        )
        head = (
            """'{"resourceType":"AuditEvent","id":"' || event_id || '","""
            """"type":{"system":"http://terminology.hl7.org/CodeSystem/audit-event-type","""
            """"code":"rest"},"subtype":[{"system":"http://hl7.org/fhir/restful-interaction","""
            """"code":"' || subtype || '"}],"action":"' || action || '","""
            """"recorded":"' || strftime(recorded, '%Y-%m-%dT%H:%M:%SZ') || '","""
            """"outcome":"0","agent":[{"who":' || who || ',"""
            """"requestor":true,"network":{"address":"' || address || '","type":"2"},"""
            """"location":{"display":"' || department || '"}},"""
            """{"who":{"identifier":{"value":"' || workstation || '"}},"requestor":false}],"""
            """"source":{"observer":{"display":"sim-ehr"}}'"""
        )
        select = f"""
            SELECT line FROM (
                SELECT event_id, {head} || CASE WHEN patient_id IS NULL THEN '}}'
                    ELSE ',"entity":[' || {entity} || ']}}' END AS line
                FROM day WHERE NOT grouped
                UNION ALL
                SELECT event_id, {head} || ',"entity":[' || entities || ',' || {query} || ']}}'
                FROM (
                    SELECT event_id, any_value(subtype) AS subtype, any_value(action) AS action,
                           any_value(recorded) AS recorded, any_value(user_id) AS user_id,
                           any_value(address) AS address, any_value(department) AS department,
                           any_value(workstation) AS workstation, count(*) AS n,
                           any_value(who) AS who,
                           string_agg({entity}, ',' ORDER BY patient_id) AS entities
                    FROM day WHERE grouped GROUP BY event_id
                )
            ) ORDER BY event_id
        """  # noqa: S608
        _lines_copy(self.connection, select, path)

    # -- context ----------------------------------------------------------------

    def write_context(
        self,
        patients: Patients,
        workforce: Workforce,
        encounters: Encounters,
        start_day: int,
    ) -> None:
        """FHIR Bulk Data NDJSON (as an $export writes it) and the equivalent CSVs."""
        people = {
            "patient_id": patients.ids,
            "family": patients.family,
            "given": patients.given,
            "gender": patients.sex,
            "birth_date": np.array([_day(d) for d in patients.birth_day]),
            "line": np.char.add(
                np.char.add(patients.house_number.astype(str), " "), patients.street
            ),
            "city": patients.city,
            "state": patients.state,
            "postal_code": patients.postal_code,
            "vip": patients.vip,
            "deceased": patients.deceased,
            "language": patients.language,
        }
        self._register("ctx_patients", people)
        dept_codes, dept_names = self.department_words()
        sim = self.vocabulary.name == "sim"
        staff = {
            "user_id": workforce.ids,
            "family": workforce.family,
            "given": workforce.given,
            "gender": workforce.sex,
            "birth_date": np.array([_day(d) for d in workforce.birth_day]),
            "line": np.char.add(
                np.char.add(workforce.house_number.astype(str), " "), workforce.street
            ),
            "city": workforce.city,
            "state": workforce.state,
            "postal_code": workforce.postal_code,
            # the CSV roster carries the job title; the Bulk export its code and display
            "role": workforce.title_code if sim else workforce.title,
            "department": self.user_department,
            "department_code": self.user_department_code,
            "hire_date": np.array([_day(d) for d in workforce.hire_day]),
            "end_date": np.array(["" if d >= NEVER else _day(d) for d in workforce.end_day]),
            "patient_id": np.where(
                workforce.patient >= 0, patients.ids[np.maximum(workforce.patient, 0)], ""
            ),
        }
        self._register("ctx_staff", staff)
        # the Bulk export's roster: the same rows with the role code and the NPI
        self._register(
            "ctx_staff_bulk", {**staff, "code": workforce.title_code, "npi": workforce.npi}
        )
        self.float_pool = bool(workforce.float_pool.any())
        team = encounters.team
        rel = {
            "encounter_id": np.char.add("enc-", np.arange(1, len(encounters) + 1).astype(str)),
            "patient_id": patients.ids[encounters.patient],
            "class": np.array(CLASS_CODES)[encounters.cls],
            "department": dept_names[encounters.department],
            "department_code": dept_codes[encounters.department],
            "start": np.array([_day(start_day + d) for d in encounters.start]),
            "end": np.array([_day(start_day + d) for d in encounters.end]),
            "attending": workforce.ids[encounters.attending],
            "nurse1": np.where(team[:, 0] >= 0, workforce.ids[np.maximum(team[:, 0], 0)], ""),
            "nurse2": np.where(team[:, 1] >= 0, workforce.ids[np.maximum(team[:, 1], 0)], ""),
            "nurse3": np.where(team[:, 2] >= 0, workforce.ids[np.maximum(team[:, 2], 0)], ""),
            "ambulatory": encounters.cls == AMB,
        }
        self._register("ctx_encounters", rel)
        if "bulk" in self.formats:
            self._bulk(self.out / "context" / "bulk")
        if "csv" in self.formats:
            self._context_csv(self.out / "context" / "csv")

    def _context_csv(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        c = self.connection
        c.execute(f"COPY ctx_patients TO '{folder / 'patients.csv'}' (HEADER)")
        c.execute(f"COPY ctx_staff TO '{folder / 'workforce.csv'}' (HEADER)")
        c.execute(f"COPY ctx_encounters TO '{folder / 'encounters.csv'}' (HEADER)")

    def _bulk(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        c = self.connection
        address = "[{'line': [line], 'city': city, 'state': state, 'postalCode': postal_code}]"
        patient = f"""{{
            'resourceType': 'Patient', 'id': patient_id,
            'meta': CASE WHEN vip THEN {{'security': [{{
                'system': 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
                'code': 'V', 'display': 'very restricted'}}]}} END,
            'identifier': [{{'system': 'urn:sim:mrn', 'value': patient_id}}],
            'name': [{{'family': family, 'given': [given]}}],
            'gender': gender, 'birthDate': birth_date,
            'deceasedBoolean': CASE WHEN deceased THEN true END,
            'address': {address},
            'communication': CASE WHEN language <> '' THEN [{{
                'language': {{'coding': [{{'system': 'urn:ietf:bcp:47', 'code': language,
                    'display': CASE language WHEN 'es' THEN 'Spanish' ELSE 'English' END}}],
                    'text': CASE language WHEN 'es' THEN 'Spanish' ELSE 'English' END}},
                'preferred': true}}] END
        }}"""
        _lines_copy(
            c,
            f"SELECT {_DROP_NULLS.format(json=f'to_json({patient})')} FROM ctx_patients",  # noqa: S608
            folder / "Patient.ndjson",
        )
        npi_identifier = f"{{'system': '{NPI_SYSTEM}', 'value': npi}}"
        identifiers = "{'system': 'urn:sim:employee', 'value': user_id}"
        if self.npi:
            identifiers += ", " + npi_identifier
        practitioner = f"""{{
            'resourceType': 'Practitioner', 'id': user_id,
            'identifier': [{identifiers}],
            'name': [{{'family': family, 'given': [given]}}],
            'gender': gender, 'birthDate': birth_date,
            'address': {address}
        }}"""
        _lines_copy(
            c,
            f"SELECT {_DROP_NULLS.format(json=f'to_json({practitioner})')} "  # noqa: S608
            "FROM ctx_staff_bulk",
            folder / "Practitioner.ndjson",
        )
        system = self.vocabulary.system
        if self.vocabulary.name == "sim":
            coding = f"{{'system': '{system}', 'code': role}}"
            code = f"[{{'coding': [{coding}]}}]"
        else:  # a code, its display and the title as text, as rosters send them
            coding = f"{{'system': '{system}', 'code': code, 'display': role}}"
            code = f"[{{'coding': [{coding}], 'text': role}}]"
        who = (
            f"{{'identifier': {npi_identifier}}}"
            if self.npi
            else "{'reference': 'Practitioner/' || user_id}"
        )
        role = f"""{{
            'resourceType': 'PractitionerRole', 'id': 'role-' || user_id,
            'active': end_date = '',
            'period': {{'start': hire_date, 'end': nullif(end_date, '')}},
            'practitioner': {who},
            'organization': {{'reference': 'Organization/dept-' || department_code}},
            'code': {code}
        }}"""
        _lines_copy(
            c,
            f"SELECT {_DROP_NULLS.format(json=f'to_json({role})')} "  # noqa: S608
            "FROM ctx_staff_bulk",
            folder / "PractitionerRole.ndjson",
        )
        codes, names = self.department_words()
        kinds = [d.clinical for d in DEPARTMENTS]
        if self.float_pool:
            codes = np.append(codes, self.vocabulary.float_pool[0])
            names = np.append(names, self.vocabulary.float_pool[1])
            kinds.append(True)
        orgs = "\n".join(
            json.dumps(
                {
                    "resourceType": "Organization",
                    "id": f"dept-{code}",
                    "name": str(name),
                    "type": [
                        {
                            "coding": [
                                {
                                    "system": "urn:sim:department-kind",
                                    "code": "clinical" if clinical else "service",
                                }
                            ]
                        }
                    ],
                    "partOf": {"reference": "Organization/hospital"},
                }
            )
            for code, name, clinical in zip(codes, names, kinds, strict=True)
        )
        hospital = json.dumps(
            {"resourceType": "Organization", "id": "hospital", "name": "Synthetic General"}
        )
        (folder / "Organization.ndjson").write_text(hospital + "\n" + orgs + "\n", "utf-8")
        attending = "'Practitioner/' || attending"
        source = "ctx_encounters"
        if self.npi:  # a conditional reference: the server resolves it by identifier
            attending = f"'Practitioner?identifier={NPI_SYSTEM}|' || npi"
            source = (
                "(SELECT e.*, s.npi FROM ctx_encounters e "
                "JOIN ctx_staff_bulk s ON s.user_id = e.attending ORDER BY e.encounter_id)"
            )
        encounter = f"""{{
            'resourceType': 'Encounter', 'id': encounter_id, 'status': 'finished',
            'class': {{'system': 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
                      'code': class}},
            'subject': {{'reference': 'Patient/' || patient_id}},
            'participant': [{{'individual': {{'reference': {attending}}}}}],
            'period': {{'start': start, 'end': "end"}},
            'serviceProvider': {{'reference': 'Organization/dept-' || department_code}}
        }}"""
        _lines_copy(
            c,
            f"SELECT {_DROP_NULLS.format(json=f'to_json({encounter})')} FROM {source}",  # noqa: S608
            folder / "Encounter.ndjson",
        )
        appointment = """{
            'resourceType': 'Appointment', 'id': 'appt-' || encounter_id, 'status': 'fulfilled',
            'start': start || 'T09:00:00Z', 'end': start || 'T09:30:00Z',
            'participant': [
                {'actor': {'reference': 'Patient/' || patient_id}, 'status': 'accepted'},
                {'actor': {'reference': 'Practitioner/' || attending}, 'status': 'accepted'}]
        }"""
        _lines_copy(
            c,
            f"SELECT {_DROP_NULLS.format(json=f'to_json({appointment})')} "  # noqa: S608
            "FROM ctx_encounters WHERE ambulatory",
            folder / "Appointment.ndjson",
        )
        care_team = """{
            'resourceType': 'CareTeam', 'id': 'team-' || encounter_id, 'status': 'inactive',
            'subject': {'reference': 'Patient/' || patient_id},
            'encounter': {'reference': 'Encounter/' || encounter_id},
            'period': {'start': start, 'end': "end"},
            'participant': list_transform(
                list_filter([attending, nurse1, nurse2, nurse3], lambda m: m <> ''),
                lambda m: {'member': {'reference': 'Practitioner/' || m}}),
            'managingOrganization': [{'reference': 'Organization/dept-' || department_code}]
        }"""
        _lines_copy(
            c,
            f"SELECT {_DROP_NULLS.format(json=f'to_json({care_team})')} "  # noqa: S608
            "FROM ctx_encounters WHERE NOT ambulatory",
            folder / "CareTeam.ndjson",
        )

    def write_labels(
        self, incidents: list[Incident], workforce: Workforce, patients: Patients
    ) -> Path:
        """The ground truth, in its own file, one incident a line."""
        folder = self.out / "labels"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "incidents.ndjson"
        with path.open("w", encoding="utf-8") as handle:
            for incident in incidents:
                handle.write(json.dumps(_label(incident, workforce, patients)) + "\n")
        return path


def _instant(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    return str(np.datetime64(seconds, "s")) + "Z"


def _label(incident: Incident, workforce: Workforce, patients: Patients) -> dict[str, Any]:
    return {
        "incident_id": f"inc-{incident.number + 1:03d}",
        "kind": incident.kind,
        "user_id": str(workforce.ids[incident.user]),
        "description": incident.description,
        "patient_ids": sorted(str(patients.ids[p]) for p in incident.patients),
        "start": _instant(incident.first),
        "end": _instant(incident.last),
        "event_ids": sorted(set(incident.event_ids)),
    }
