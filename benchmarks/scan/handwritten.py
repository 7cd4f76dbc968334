"""Hand-written notes and e-mails with tricky cases, labelled inline.

Markup: ``[[TYPE|text]]`` marks a PHI span; everything else is not PHI.
Some cases are here because the scanner misses them (names in capitals, a
bare SSN with no label): the set measures the gaps as well as the wins.
"""

from __future__ import annotations

import re

from scan.corpus import Document

_MARK = re.compile(r"\[\[([A-Z_0-9]+)\|(.+?)\]\]", re.S)

TEXTS = (
    # A progress note with relatives, a nickname and look-alikes.
    "Pt [[PERSON|Jolene Whitfield]] (goes by [[PERSON|Jo]]) returns with her husband "
    "[[PERSON|Marcus Whitfield]]. DOB [[DATE|7/4/1951]]. Room 4-12, bed 2. "
    "Order #555-12-1234 for the walker was placed; invoice 903-44-1212 is pending. "
    "Hx of [[ICD10|E11.9]] since 2009. Vitamin B12 normal. BP 132/85.",
    # An e-mail to a personal account with an ITIN and a written date.
    "From: [[EMAIL|dmorales@clinicfront.com]]\nTo: [[EMAIL|rosa.villanueva77@gmail.com]]\n"
    "Hi [[PERSON|Rosa]],\nYour ITIN [[ITIN|912-78-4432]] is on file. Appointment on "
    "[[DATE|March 3rd, 2025]] at 10:30 with Dr. [[PERSON|Okonkwo]].\n"
    "Thanks,\n[[PERSON|Daniel Morales]]\nFront desk [[PHONE|(312) 555-0199]]",
    # Names written in capitals, as some EHR exports do (a known gap).
    "PATIENT: [[PERSON|WHITAKER, ELEANOR]]  MRN: [[MRN|00874412]]  "
    "SEX: F  DOB: [[DATE|1939-11-30]]",
    # Identifiers in running prose, no labels.
    "Please update the chart: her Medicare number is [[MBI|5TW8-QR2-AC61]] and "
    "the referring NPI is [[NPI|1831125475]]; the old card used [[SSN|384-52-7731]].",
    # A bare SSN with no label anywhere near it (a known gap).
    "Confirmed identity with [[SSN|384527731]] before release.",
    # Things that look like PHI but are not.
    "The 2024 budget allocates 45000 dollars; see policy 12-3-2024-A and version 3.12.1. "
    "Call center hours are 8-5. Table 3 lists 10 items. ISBN 0-306-40615-2.",
    # A discharge summary with an address and a DEA number.
    "Discharged home to [[STREET_ADDRESS|88 Larkspur Lane]], Ashland, OR "
    "[[ZIP_CODE|97520]]. Rx by Dr. [[PERSON|Chen]], DEA [[DEA|BC4567890]], "
    "for oxycodone. Follow-up with [[PERSON|Amara Nwosu]], NP.",
    # Common words that are also names.
    "Will the team review the May schedule? Grant funding arrives in June. "
    "Mark the chart when the Rose Garden clinic closes.",
    # A relative named in a sentence, and a written date in another order.
    "Emergency contact: daughter [[PERSON|Siobhan O'Leary]], cell [[PHONE|617.555.0102]]. "
    "Patient born [[DATE|2 February 1944]] in Cork.",
    # Member and claim numbers by label.
    "Member ID: [[HEALTH_PLAN_ID|QXH804417723]]  Group #: [[HEALTH_PLAN_ID|77120]]  "
    "Claim No. [[HEALTH_PLAN_ID|2025-0044178]]",
    # A log line with an IP address and a login name.
    "2025-01-14T08:02:11Z login ok user=[[EMAIL|j.abernathy@stvincent.org]] "
    "from [[IP_ADDRESS|73.162.44.201]] (chart [[MRN|A-5512209]] opened)",
)


def handwritten_documents() -> list[Document]:
    documents = []
    for text in TEXTS:
        doc = Document("hand-written")
        position = 0
        for match in _MARK.finditer(text):
            doc.add(text[position : match.start()])
            doc.add(match.group(2), match.group(1))
            position = match.end()
        doc.add(text[position:])
        documents.append(doc)
    return documents
