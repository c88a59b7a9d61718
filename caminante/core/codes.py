"""Short human codes (Crockford base32) with a Damm check character over GF(32).

A code like ``CO-7K3M-9QF`` is read aloud on a phone or written on paper. Crockford's alphabet
leaves out I, L, O and U, and decoding maps the look-alikes back (O→0, I/L→1), so a misread
character is usually still right; the check character catches any single wrong character and
any swap of neighbours before any lookup (Luhn mod 32 would miss swaps of 0 and Z).
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
N = len(ALPHABET)


def _gf32_times_x(value: int) -> int:
    """Multiply by x in GF(2^5) modulo x^5 + x^2 + 1."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


def _damm(chars: str) -> int:
    """Damm's algorithm with the totally anti-symmetric quasigroup a∘b = x·a + b over GF(32)."""
    interim = 0
    for char in chars:
        interim = _gf32_times_x(interim) ^ _VALUE[char]
    return interim


def check_character(payload: str) -> str:
    """The character that brings the payload's Damm interim to zero: any single substitution
    and any transposition of neighbours (the check character included) is caught."""
    return ALPHABET[_gf32_times_x(_damm(payload))]


def new_code(prefix: str, length: int = 6) -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(length))
    body = payload + check_character(payload)
    return f"{prefix.upper()}-{body[:4]}-{body[4:]}"


def normalize_code(text: str) -> str | None:
    """Canonical form of a typed code, or None when it cannot be a valid code.

    Accepts lower case, missing or extra dashes and spaces, and Crockford's look-alikes.
    """
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(cleaned) < 5 or not cleaned[:2].isalpha():
        return None
    prefix, body = cleaned[:2], cleaned[2:].translate(_LOOKALIKES)
    if any(ch not in _VALUE for ch in body) or len(body) < 4:
        return None
    if check_character(body[:-1]) != body[-1]:
        return None
    return f"{prefix}-{body[:4]}-{body[4:]}"
