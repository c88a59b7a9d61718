"""Short human codes (Crockford base32) with a Luhn mod 32 check character.

A code like ``CO-7K3M-9QF`` is read aloud on a phone or written on paper. Crockford's alphabet
leaves out I, L, O and U, and decoding maps the look-alikes back (O→0, I/L→1), so a misread
character is usually still right; the check character catches any single wrong character and
most swaps of neighbours before any lookup.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
N = len(ALPHABET)


def check_character(payload: str) -> str:
    """Luhn mod N over the payload characters."""
    factor, total = 2, 0
    for char in reversed(payload):
        addend = factor * _VALUE[char]
        factor = 1 if factor == 2 else 2
        total += addend // N + addend % N
    return ALPHABET[(N - total % N) % N]


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
