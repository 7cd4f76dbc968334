"""A synthetic hospital: people, care relationships, access logs and labelled incidents.

``simulate_hospital(HospitalConfig(users=..., patients=..., days=..., seed=...), out)``
writes FHIR AuditEvent NDJSON and CSV access logs, FHIR Bulk NDJSON and CSV
context, and (with ``attacks=True``) the incident labels in their own file.
See docs/simulate.md.
"""

from phiwatch.simulate._attacks import KINDS as ATTACK_KINDS
from phiwatch.simulate._config import FORMATS, HospitalConfig
from phiwatch.simulate._hospital import SimulationSummary, simulate_hospital

__all__ = ["ATTACK_KINDS", "FORMATS", "HospitalConfig", "SimulationSummary", "simulate_hospital"]
