"""Breach response: incidents, their affected individuals and scope, the notices owed and when.

Public API (see docs/respond.md)::

    incident = open_incident(store, "Stolen laptop", discovered=date(2026, 3, 2))
    add_source(store, incident, from_lake(settings, user="emp-17"))
    add_source(store, incident, from_csv(settings, store, Path("affected.csv")))
    compute_scope(store, incident)            # counts, by state, minors, ... and what changed
    incident_obligations(store, incident)     # 164.404-164.412 notices with due dates
    status(store)                             # every open incident: done, due, overdue
    save_assessment(store, incident, prefill(store, incident), decided_by="P. Officer")

Affected individuals are stored as the lake's patient pseudonyms; the PHI
stays in the context tables and is read only to compute the scope.
"""

import typing

from phiwatch import _lazy

if typing.TYPE_CHECKING:
    from phiwatch.respond._add import add_source, open_from_case
    from phiwatch.respond._assessment import (
        CHOICES,
        QUESTIONS,
        Answers,
        answer_names,
        assessments,
        current_result,
        decide,
        prefill,
        save_assessment,
        with_answers,
    )
    from phiwatch.respond._deadlines import (
        NOTICES,
        LawEnforcementDelay,
        Obligation,
        annual_log_deadline,
        notice_deadline,
        obligations,
    )
    from phiwatch.respond._email_notices import queue_email_notices
    from phiwatch.respond._evidence import verify_pack, write_pack
    from phiwatch.respond._facts import FACT_NAMES, Facts, get_facts, set_facts
    from phiwatch.respond._hhs_report import hhs_report, hhs_report_pdf, registry_preview
    from phiwatch.respond._incidents import (
        close_incident,
        get_incident,
        list_incidents,
        mark_done,
        open_incident,
        parse_day,
    )
    from phiwatch.respond._letter_files import write_letters, write_proof
    from phiwatch.respond._letters import missing_elements
    from phiwatch.respond._mailhouse import write_mailhouse
    from phiwatch.respond._match import STRENGTHS, MatchResult, match_files
    from phiwatch.respond._notices import media_notice, substitute_notice
    from phiwatch.respond._preview import LetterPreview, letters_problem, preview_letter
    from phiwatch.respond._reminders import remind
    from phiwatch.respond._scope import compute_scope, latest_scope, scope_changes
    from phiwatch.respond._sources import (
        Found,
        from_case,
        from_csv,
        from_lake,
        from_scan,
    )
    from phiwatch.respond._state_rules import StateRule, state_rules
    from phiwatch.respond._status import incident_obligations, status
    from phiwatch.respond._vocab import ELEMENTS

__getattr__ = _lazy.module_getattr(__name__, __file__)

__all__ = [
    "CHOICES",
    "ELEMENTS",
    "FACT_NAMES",
    "NOTICES",
    "QUESTIONS",
    "STRENGTHS",
    "Answers",
    "Facts",
    "Found",
    "LawEnforcementDelay",
    "LetterPreview",
    "MatchResult",
    "Obligation",
    "StateRule",
    "add_source",
    "annual_log_deadline",
    "answer_names",
    "assessments",
    "close_incident",
    "compute_scope",
    "current_result",
    "decide",
    "from_case",
    "from_csv",
    "from_lake",
    "from_scan",
    "get_facts",
    "get_incident",
    "hhs_report",
    "hhs_report_pdf",
    "incident_obligations",
    "latest_scope",
    "letters_problem",
    "list_incidents",
    "mark_done",
    "match_files",
    "media_notice",
    "missing_elements",
    "notice_deadline",
    "obligations",
    "open_from_case",
    "open_incident",
    "parse_day",
    "prefill",
    "preview_letter",
    "queue_email_notices",
    "registry_preview",
    "remind",
    "save_assessment",
    "scope_changes",
    "set_facts",
    "state_rules",
    "status",
    "substitute_notice",
    "verify_pack",
    "with_answers",
    "write_letters",
    "write_mailhouse",
    "write_pack",
    "write_proof",
]
