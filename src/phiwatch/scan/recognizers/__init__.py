"""The built-in recognizers, one module per identifier type.

``BUILTIN`` maps each recognizer's registry name to its class, in the order
the scanner prefers them when two overlap with equal confidence.
"""

from phiwatch.scan._recognizer import Recognizer
from phiwatch.scan.recognizers.age import AgeRecognizer
from phiwatch.scan.recognizers.condition import ConditionRecognizer
from phiwatch.scan.recognizers.date import DateRecognizer
from phiwatch.scan.recognizers.dea import DeaRecognizer
from phiwatch.scan.recognizers.email import EmailRecognizer
from phiwatch.scan.recognizers.health_plan import HealthPlanRecognizer
from phiwatch.scan.recognizers.icd10 import Icd10Recognizer
from phiwatch.scan.recognizers.ip_address import IpAddressRecognizer
from phiwatch.scan.recognizers.itin import ItinRecognizer
from phiwatch.scan.recognizers.mbi import MbiRecognizer
from phiwatch.scan.recognizers.month_day import MonthDayRecognizer
from phiwatch.scan.recognizers.mrn import MrnRecognizer
from phiwatch.scan.recognizers.npi import NpiRecognizer
from phiwatch.scan.recognizers.person import PersonRecognizer
from phiwatch.scan.recognizers.phone import PhoneRecognizer
from phiwatch.scan.recognizers.ssn import SsnRecognizer
from phiwatch.scan.recognizers.street_address import StreetAddressRecognizer
from phiwatch.scan.recognizers.url import UrlRecognizer
from phiwatch.scan.recognizers.year import YearRecognizer
from phiwatch.scan.recognizers.zip_code import ZipCodeRecognizer

BUILTIN: dict[str, type[Recognizer]] = {
    cls.name: cls
    for cls in (
        SsnRecognizer,
        ItinRecognizer,
        MbiRecognizer,
        NpiRecognizer,
        DeaRecognizer,
        MrnRecognizer,
        HealthPlanRecognizer,
        EmailRecognizer,
        PhoneRecognizer,
        DateRecognizer,
        MonthDayRecognizer,
        AgeRecognizer,
        YearRecognizer,
        IpAddressRecognizer,
        UrlRecognizer,
        StreetAddressRecognizer,
        ZipCodeRecognizer,
        Icd10Recognizer,
        ConditionRecognizer,
        PersonRecognizer,
    )
}

__all__ = [
    "BUILTIN",
    "AgeRecognizer",
    "ConditionRecognizer",
    "DateRecognizer",
    "DeaRecognizer",
    "EmailRecognizer",
    "HealthPlanRecognizer",
    "Icd10Recognizer",
    "IpAddressRecognizer",
    "ItinRecognizer",
    "MbiRecognizer",
    "MonthDayRecognizer",
    "MrnRecognizer",
    "NpiRecognizer",
    "PersonRecognizer",
    "PhoneRecognizer",
    "SsnRecognizer",
    "StreetAddressRecognizer",
    "UrlRecognizer",
    "YearRecognizer",
    "ZipCodeRecognizer",
]
