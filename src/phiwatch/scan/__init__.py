"""PHI scanner: find protected health information in text, files and outgoing mail.

The Python API other capabilities use (breach response finds which patients
appear in a leaked file with it)::

    from phiwatch.scan import scan_text, scan_path
    for finding in scan_text("DOB 01/24/1948, SSN 219-09-9998"):
        print(finding.entity, finding.line, finding.masked)
    for report in scan_path("/srv/share/exports"):
        print(report.path, report.risk, dict(report.counts))

Findings hold the matched text for redaction and matching; show ``masked``
(or ``as_dict()``), never ``text``, unless the reader may see PHI.
"""

# isort: off
from phiwatch.scan import _native  # noqa: F401  first: it finds compiled modules, where built

# isort: on
import typing

from phiwatch import _lazy

if typing.TYPE_CHECKING:
    from phiwatch.scan._api import scan_path, scan_text, scanner_for
    from phiwatch.scan._config import ScanConfig, SitePattern, load_scan_config
    from phiwatch.scan._files import FileReport, iter_files, risk_level, scan_file, scan_paths
    from phiwatch.scan._findings import Finding, Reason, mask
    from phiwatch.scan._gateway import (
        GatewayHandler,
        GatewayPolicy,
        Verdict,
        decide,
        parse_host_port,
        scan_message,
    )
    from phiwatch.scan._pattern import Pattern
    from phiwatch.scan._recognizer import Recognizer
    from phiwatch.scan._redact import (
        redact_bytes,
        redact_file,
        redact_path,
        redact_stream,
        redact_text,
    )
    from phiwatch.scan._registry import build_recognizers, default_recognizer_names
    from phiwatch.scan._scanner import ColumnContext, Scanner
    from phiwatch.scan._vocab import RedactionStyle

__getattr__ = _lazy.module_getattr(__name__, __file__)

__all__ = [
    "ColumnContext",
    "FileReport",
    "Finding",
    "GatewayHandler",
    "GatewayPolicy",
    "Pattern",
    "Reason",
    "Recognizer",
    "RedactionStyle",
    "ScanConfig",
    "Scanner",
    "SitePattern",
    "Verdict",
    "build_recognizers",
    "decide",
    "default_recognizer_names",
    "iter_files",
    "load_scan_config",
    "mask",
    "parse_host_port",
    "redact_bytes",
    "redact_file",
    "redact_path",
    "redact_stream",
    "redact_text",
    "risk_level",
    "scan_file",
    "scan_message",
    "scan_path",
    "scan_paths",
    "scan_text",
    "scanner_for",
]
