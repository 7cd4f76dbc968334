"""Small helpers the recognizers share."""

from __future__ import annotations

_SEPARATORS = str.maketrans("", "", " -./()+")


def digits_of(text: str) -> str:
    """Only the ASCII digits of ``text`` (separators dropped)."""
    plain = text.translate(_SEPARATORS)
    if plain.isascii() and plain.isdigit():
        return plain
    return "".join(ch for ch in text if "0" <= ch <= "9")


def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) check over a string of digits."""
    if not number or not number.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        value = ord(char) - 48
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0
