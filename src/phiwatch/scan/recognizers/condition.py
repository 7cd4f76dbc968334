"""Conditions and drugs named near a person's identifiers: health information in words.

"Diabetes" in a leaflet is not PHI; "John Smith, MRN 0048221, started on
sertraline" is. A condition or drug word is reported only when a condition
word ("diagnosed", "history of", "prescribed") is near it *and* a finding
that identifies a person (a name, SSN, MRN, MBI, date of birth, ...) lies
within ``NEARBY_BYTES`` of it. The lists are short and hand-picked: common
drugs, and the conditions whose disclosure harms most (HIV, hepatitis,
substance use, mental health, cancer, pregnancy).
"""

from __future__ import annotations

from typing import ClassVar

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer

DRUGS = (
    "metformin", "insulin", "lisinopril", "atorvastatin", "simvastatin", "amlodipine",
    "losartan", "metoprolol", "levothyroxine", "omeprazole", "warfarin", "apixaban",
    "sertraline", "fluoxetine", "citalopram", "escitalopram", "bupropion", "lithium",
    "quetiapine", "olanzapine", "risperidone", "aripiprazole", "clozapine", "methadone",
    "buprenorphine", "naltrexone", "oxycodone", "hydrocodone", "morphine", "fentanyl",
    "tramadol", "gabapentin", "alprazolam", "lorazepam", "clonazepam", "adderall",
    "methylphenidate", "prednisone", "albuterol", "truvada", "biktarvy", "tenofovir",
    "emtricitabine", "dolutegravir", "sofosbuvir", "tamoxifen", "letrozole", "semaglutide",
)  # fmt: skip
CONDITIONS = (
    "hiv", "aids", "hepatitis b", "hepatitis c", "syphilis", "gonorrhea", "chlamydia",
    "diabetes", "cancer", "leukemia", "lymphoma", "melanoma", "schizophrenia",
    "bipolar disorder", "major depression", "depression", "anxiety disorder", "ptsd",
    "anorexia", "bulimia", "opioid use disorder", "alcohol use disorder", "substance use",
    "dementia", "alzheimer's", "epilepsy", "multiple sclerosis", "pregnancy", "miscarriage",
    "abortion", "tuberculosis", "suicidal ideation", "overdose",
)  # fmt: skip

NEARBY_BYTES = 300


class ConditionRecognizer(Recognizer):
    name = "condition"
    entity = "HEALTH_CONDITION"
    PATTERNS = (
        Pattern(
            "drug or condition word (context only)",
            r"\b(?:" + "|".join(sorted((*DRUGS, *CONDITIONS), key=len, reverse=True)) + r")\b",
            0.3,
            ignore_case=True,
            needs_context=True,
        ),
    )
    CONTEXT = (
        "diagnosed", "diagnosis", "dx", "history", "hx", "taking", "takes", "prescribed",
        "started", "rx", "treated", "treatment", "positive", "refill", "mg", "dose",
        "therapy", "admitted",
    )  # fmt: skip
    context_boost = 0.35
    requires_nearby: ClassVar[frozenset[str]] = frozenset(
        {"PERSON", "SSN", "ITIN", "MRN", "MBI", "HEALTH_PLAN_ID", "DATE", "EMAIL", "PHONE"}
    )
