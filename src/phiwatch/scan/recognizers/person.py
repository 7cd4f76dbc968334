"""Person names (patients, relatives, providers), offline: name lists plus context.

A capitalised pair is a name when its first word is a known first name or
its last word a known surname (Faker's lists; see ``_names``); an honorific
(Mr., Dr.), a salutation ("Dear"), a relation ("son of") or a label
("Patient:") before a capitalised word makes it a name even when the lists
do not know it. Words that end place and organisation names ("Hospital",
"Street") veto a pair. Precision and recall on the evaluation corpus are in
docs/benchmarks/scan.md.
"""

from __future__ import annotations

from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer
from phiwatch.scan.recognizers._names import (
    COMMON_WORDS,
    NON_NAME_WORDS,
    common_english_words,
    first_names,
    last_names,
)

_WORD = r"[A-Z][a-z'\x80-\xff]{1,24}(?:-[A-Z][a-z'\x80-\xff]{1,24})?"
_LEAD = (
    r"(?:[Dd]ear|[Hh]i|[Hh]ello|[Pp]atient:?|[Pp]t\.?:?|[Ss]on|[Dd]aughter|[Ww]ife|[Hh]usband"
    r"|[Mm]other|[Ff]ather|[Bb]rother|[Ss]ister|[Ss]pouse|[Gg]uardian|[Nn]ame:|[Ss]igned:?"
    r"|[Rr]egards,|[Ss]incerely,|[Cc]aregiver:?|[Kk]in:)"
)
TITLE_PATTERN = "honorific and name (strong)"
PAIR_PATTERN = "capitalised pair with a known name (medium)"
INVERTED_PATTERN = "surname, first name (medium)"
LEAD_PATTERN = "salutation, relation or label and name (medium)"
CAPITALS_PATTERN = "name in capitals, both parts known (medium)"
_CAPS = r"[A-Z][A-Z'-]{1,24}"


class PersonRecognizer(Recognizer):
    name = "person"
    entity = "PERSON"
    PATTERNS = (
        Pattern(
            TITLE_PATTERN,
            rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.? (?P<value>{_WORD}(?: (?:[A-Z]\. )?{_WORD})?)\b",
            0.85,
        ),
        Pattern(PAIR_PATTERN, rf"\b{_WORD}(?: [A-Z]\.)? {_WORD}\b", 0.6),
        Pattern(INVERTED_PATTERN, rf"\b{_WORD}, {_WORD}\b", 0.75),
        Pattern(
            LEAD_PATTERN,
            rf"\b{_LEAD}(?: of| is| named)?[ \t\r\n]{{1,4}}(?P<value>{_WORD}(?: {_WORD})?)\b",
            0.6,
        ),
        Pattern(CAPITALS_PATTERN, rf"\b{_CAPS},? {_CAPS}\b", 0.7),
    )
    CONTEXT = (
        "patient",
        "pt",
        "son",
        "daughter",
        "wife",
        "husband",
        "mother",
        "father",
        "spouse",
        "guardian",
        "name",
        "dear",
        "signed",
        "regards",
        "contact",
        "emergency",
        "referred",
        "attending",
        "caregiver",
        "next of kin",
        "md",
        "np",
        "rn",
        "lpn",
        "phd",
        "dds",
        "crna",
    )
    context_boost = 0.3

    def validate_result(self, text: str) -> bool | None:
        words = [w for w in text.replace(",", " ").split() if len(w.rstrip(".")) > 1]
        return bool(words) and not any(w in NON_NAME_WORDS for w in words)

    def adjust_score(self, text: str, score: float, pattern: str) -> float:
        """The pattern's score when the name lists back it, less (down to needing a
        context word, or nothing) when they do not."""
        firsts, lasts, common = first_names(), last_names(), common_english_words()
        if pattern == CAPITALS_PATTERN:
            return score if _known_in_capitals(text) else 0.0
        if pattern == TITLE_PATTERN:
            words = text.split()
            if all(w.lower() in common and w not in lasts for w in words):
                return 0.0
            return score
        if pattern == INVERTED_PATTERN:
            last, _, first = text.partition(", ")
            if first in firsts and first not in COMMON_WORDS:
                return score
            if last in lasts and last not in COMMON_WORDS and first in firsts:
                return 0.6
            return 0.2 if _unusual(first) and _unusual(last) else 0.0
        words = [w for w in text.split() if len(w.rstrip(".")) > 1]
        if not words:
            return 0.0
        first, last = words[0], words[-1]
        first_known = first in firsts and first not in COMMON_WORDS
        last_known = last in lasts and last not in COMMON_WORDS
        if pattern == LEAD_PATTERN:
            return 0.75 if first_known or last_known else 0.2
        if len(words) < 2:
            return 0.0
        if first_known and last_known:
            return 0.85
        if first_known:
            return score
        if last_known and first in firsts:
            return 0.55
        if last_known:
            return 0.35
        return 0.2 if all(_unusual(w) for w in words) else 0.0


def _known_in_capitals(text: str) -> bool:
    """ELEANOR WHITAKER or WHITAKER, ELEANOR: both words known names, neither common."""
    inverted = "," in text
    words = [w.capitalize() for w in text.replace(",", " ").split()]
    if len(words) != 2 or any(w in COMMON_WORDS or w in NON_NAME_WORDS for w in words):
        return False
    first, last = (words[1], words[0]) if inverted else (words[0], words[1])
    return first in first_names() and last in last_names()


def _unusual(word: str) -> bool:
    """Not an everyday English word: a capitalised pair of these may be a name the lists
    do not hold ("Camillo Vattimo"), reported only with a name word near it."""
    return word.lower() not in common_english_words() and word not in NON_NAME_WORDS
