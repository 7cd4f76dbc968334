"""A synthetic hospital: people, care relationships, access logs and labelled incidents.

``simulate_hospital(HospitalConfig(users=..., patients=..., days=..., seed=...), out)``
writes FHIR AuditEvent NDJSON and CSV access logs, FHIR Bulk NDJSON and CSV
context, and (with ``attacks=True``) the incident labels in their own file.
See docs/simulate.md.
"""

import typing

from phiwatch import _lazy

if typing.TYPE_CHECKING:
    from phiwatch.simulate._attacks import KINDS as ATTACK_KINDS
    from phiwatch.simulate._config import FORMATS, Behaviour, HospitalConfig
    from phiwatch.simulate._hospital import SimulationSummary, simulate_hospital
    from phiwatch.simulate._vocabulary import VOCABULARIES

__getattr__ = _lazy.module_getattr(__name__, __file__)

__all__ = [
    "ATTACK_KINDS",
    "FORMATS",
    "VOCABULARIES",
    "Behaviour",
    "HospitalConfig",
    "SimulationSummary",
    "simulate_hospital",
]
