"""Small helpers the recognizers share.

They run once per candidate, so they stay in C where they can: ``bytes.translate``
drops the separators and maps doubled Luhn digits in one call each, where a Python
loop over the characters cost microseconds per value.
"""

from __future__ import annotations

_NOT_DIGITS = bytes(byte for byte in range(128) if not 0x30 <= byte <= 0x39)
_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")
"""Each digit doubled, its two digits summed (5 -> 10 -> 1): Luhn's every second digit."""


def digits_of(text: str) -> str:
    """Only the ASCII digits of ``text`` (separators dropped)."""
    if text.isascii():
        return text.encode("ascii").translate(None, _NOT_DIGITS).decode("ascii")
    return "".join(ch for ch in text if "0" <= ch <= "9")


def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) check over a string of digits."""
    if not number or not number.isdigit():
        return False
    if not number.isascii():  # other scripts' digits: the plain arithmetic, as ever
        return _luhn_total(number) % 10 == 0
    backwards = number.encode("ascii")[::-1]
    kept, doubled = backwards[0::2], backwards[1::2].translate(_DOUBLED)
    return (sum(kept) + sum(doubled) - 0x30 * len(backwards)) % 10 == 0


def _luhn_total(number: str) -> int:
    total = 0
    for position, char in enumerate(reversed(number)):
        value = ord(char) - 48
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total
