"""What a notice says in each language it can be written in: English and Spanish.

A letter is a template plus words phiwatch writes itself (the PHI elements,
the steps to take, the dates, the salutation, the contact sentences). The
templates are files (``letter.html``, ``letter.es.html``, ...); the words are
here, one :class:`Wording` per language. A language without a wording here
(or a recipient with no preference) gets English: a notice must reach
everyone, so an unsupported language never blocks one.

The Spanish is plain and uses "usted", as notices to patients in the US do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from phiwatch.errors import InputError

ENGLISH = "en"
SPANISH = "es"


@dataclass(frozen=True)
class Wording:
    """The sentences and words of a notice in one language (``code``: a primary subtag)."""

    code: str
    name: str  # the language's name in English, for messages to the operator
    long_date: Callable[[date], str]
    element_words: dict[str, str]
    steps: dict[str, str]
    always_steps: tuple[str, ...]
    between: str  # "... between {start} and {end}."
    on_day: str  # "... on {day}."
    unknown_day: str
    salutations: dict[str, str]  # by variant; "individual" takes {name}
    anonymous: str  # the individual's salutation when the name is not known
    addressees: dict[str, str]  # the line above the name, by variant
    phone: str  # contact sentences, each with {value}
    email: str
    web: str
    postal: str
    # The notices to the public (substitute notice, media notice) speak of "people", not "you".
    public_element_words: dict[str, str]
    people: tuple[str, str]  # one person, several people
    residents: str  # "residents of {places}"


def _english_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


_MESES = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)


def _spanish_date(day: date) -> str:
    """``2 de marzo de 2026``; month names by table, never by locale (the server's may differ)."""
    return f"{day.day} de {_MESES[day.month - 1]} de {day.year}"


WORDINGS: dict[str, Wording] = {
    ENGLISH: Wording(
        code=ENGLISH,
        name="English",
        long_date=_english_date,
        element_words={
            "demographics": "Your name, address, date of birth and other details that identify "
            "you.",
            "ssn": "Your Social Security number.",
            "insurance": "Your health insurance information, such as your member number and "
            "claims.",
            "clinical": "Medical information, such as diagnoses, treatments, medicines or test "
            "results.",
            "payment": "Billing and payment information.",
        },
        steps={
            "ssn": (
                "Place a free fraud alert or security freeze with the three credit bureaus "
                "(Equifax, Experian and TransUnion), and check your free credit reports at "
                "www.annualcreditreport.com."
            ),
            "insurance": (
                "Read the statements your health plan sends you (Explanation of Benefits). If one "
                "lists care you did not receive, call your health plan."
            ),
            "payment": (
                "Check your bank and card statements, and tell your bank or card company at once "
                "about any charge you do not recognize."
            ),
        },
        always_steps=(
            "Be careful with calls, e-mails or letters that ask for your personal or medical "
            "information, even if they seem to come from us. We will never ask you for a "
            "password.",
            "If you think someone is using your information, report it at IdentityTheft.gov or "
            "call the Federal Trade Commission toll-free at 1-877-438-4338.",
        ),
        between="The breach happened between {start} and {end}.",
        on_day="The breach happened on {day}.",
        unknown_day="We do not yet know the exact date of the breach.",
        salutations={
            "individual": "Dear {name},",
            "guardian": "Dear parent or guardian,",
            "next_of_kin": "Dear family member or personal representative,",
        },
        anonymous="Dear patient,",
        addressees={
            "individual": "",
            "guardian": "To the parent or guardian of",
            "next_of_kin": "To the family or personal representative of",
        },
        phone="call toll-free {value}",
        email="e-mail {value}",
        web="visit {value}",
        postal="write to {value}",
        public_element_words={
            "demographics": "Names, addresses, dates of birth and other identifying details.",
            "ssn": "Social Security numbers.",
            "insurance": "Health insurance information, such as member numbers and claims.",
            "clinical": "Medical information, such as diagnoses, treatments, medicines or test "
            "results.",
            "payment": "Billing and payment information.",
        },
        people=("person", "people"),
        residents="residents of {places}",
    ),
    SPANISH: Wording(
        code=SPANISH,
        name="Spanish",
        long_date=_spanish_date,
        element_words={
            "demographics": "Su nombre, su dirección, su fecha de nacimiento y otros datos que "
            "sirven para identificarle.",
            "ssn": "Su número de Seguro Social.",
            "insurance": "La información de su seguro médico, como su número de afiliado y sus "
            "reclamaciones.",
            "clinical": "Información médica, como diagnósticos, tratamientos, medicamentos o "
            "resultados de análisis.",
            "payment": "Información de facturación y de pagos.",
        },
        steps={
            "ssn": (
                "Pida una alerta de fraude o un congelamiento de crédito, que son gratuitos, a las "
                "tres agencias de crédito (Equifax, Experian y TransUnion), y revise sus informes "
                "de crédito gratuitos en www.annualcreditreport.com."
            ),
            "insurance": (
                "Lea los resúmenes que le envía su plan de salud (Explicación de Beneficios). Si "
                "alguno muestra atención médica que usted no recibió, llame a su plan de salud."
            ),
            "payment": (
                "Revise los estados de cuenta de su banco y de sus tarjetas, y avise de inmediato "
                "a su banco o a la compañía de su tarjeta si ve algún cargo que no reconoce."
            ),
        },
        always_steps=(
            "Tenga cuidado con las llamadas, los correos electrónicos o las cartas que le pidan "
            "información personal o médica, aunque parezcan venir de nosotros. Nunca le "
            "pediremos una contraseña.",
            "Si cree que alguien está usando su información, repórtelo en RobodeIdentidad.gov o "
            "llame gratis a la Comisión Federal de Comercio (FTC) al 1-877-438-4338.",
        ),
        between="La filtración ocurrió entre el {start} y el {end}.",
        on_day="La filtración ocurrió el {day}.",
        unknown_day="Todavía no sabemos la fecha exacta de la filtración.",
        salutations={
            "individual": "Estimado/a {name}:",
            "guardian": "Estimado padre, madre o tutor:",
            "next_of_kin": "Estimado familiar o representante personal:",
        },
        anonymous="Estimado/a paciente:",
        addressees={
            "individual": "",
            "guardian": "Al padre, madre o tutor de",
            "next_of_kin": "A la familia o al representante personal de",
        },
        phone="llame gratis al {value}",
        email="escriba un correo electrónico a {value}",
        web="visite {value}",
        postal="escriba a {value}",
        public_element_words={
            "demographics": "Nombres, direcciones, fechas de nacimiento y otros datos que "
            "sirven para identificar a las personas.",
            "ssn": "Números de Seguro Social.",
            "insurance": "Información de seguros médicos, como números de afiliado y "
            "reclamaciones.",
            "clinical": "Información médica, como diagnósticos, tratamientos, medicamentos o "
            "resultados de análisis.",
            "payment": "Información de facturación y de pagos.",
        },
        people=("persona", "personas"),
        residents="residentes de {places}",
    ),
}
LANGUAGES = tuple(WORDINGS)

# The free-text facts a notice states, and their versions in each other language.
TRANSLATED_FACTS = ("what_happened", "org_actions", "individual_steps")


def letter_language(preferred: str | None) -> str:
    """A recipient's notice language: theirs when phiwatch writes it, else English."""
    return preferred if preferred in WORDINGS else ENGLISH


def fact_name(name: str, language: str) -> str:
    """The fact holding ``name`` in ``language``: ``what_happened_es`` for Spanish."""
    return name if language == ENGLISH else f"{name}_{language}"


def template_name(name: str, language: str) -> str:
    """A template's file in ``language``: ``letter.html`` -> ``letter.es.html`` (English: as is)."""
    if language == ENGLISH:
        return name
    stem, dot, extension = name.rpartition(".")
    return f"{stem}.{language}.{extension}" if dot else f"{name}.{language}"


def check_language(value: str | None, option: str = "--language") -> str | None:
    """A requested notice language (``en``, ``es``) or ``None`` for each recipient's own.

    ``auto`` (or nothing) means each recipient's preferred language.
    """
    if value is None:
        return None
    code = value.strip().lower()
    if code in ("", "auto"):
        return None
    if code not in WORDINGS:
        raise InputError(f"{option} expects auto, {', '.join(LANGUAGES)}; not {value!r}")
    return code
