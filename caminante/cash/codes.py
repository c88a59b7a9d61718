"""Voucher codes: 13 random Crockford base32 characters (65 bits) and a Damm check character.

Built on `caminante.core.codes` (same alphabet, look-alikes and check character as people's
codes), only longer: a voucher code is a bearer value, so it must be unguessable. Written
``VC-XXXX-XXXX-XXXX-XX``. `parse` tells a typo (wrong check character) from a malformed code
before any database lookup.
"""

import secrets

from caminante.core.codes import _LOOKALIKES, _VALUE, ALPHABET, check_character

PREFIX = "VC"
RANDOM_CHARS = 13  # 13 × 5 = 65 bits of randomness
RANDOM_BITS = RANDOM_CHARS * 5


class CodeError(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "malformed" | "check"


def _format(body: str) -> str:
    groups = [body[i : i + 4] for i in range(0, len(body), 4)]
    return "-".join([PREFIX, *groups])


def new_voucher_code() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return _format(payload + check_character(payload))


def parse(text: str) -> str:
    """The canonical code for what was typed or scanned; CodeError("malformed") when it cannot be
    a voucher code, CodeError("check") when the check character does not match (a typo)."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if cleaned.startswith(PREFIX):
        cleaned = cleaned[len(PREFIX) :]
    body = cleaned.translate(_LOOKALIKES)
    if len(body) != RANDOM_CHARS + 1 or any(ch not in _VALUE for ch in body):
        raise CodeError("malformed")
    if check_character(body[:-1]) != body[-1]:
        raise CodeError("check")
    return _format(body)
