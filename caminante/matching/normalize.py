"""Normalisation of Hispanic names, phone numbers and identity document numbers.

Pure functions, no Django import. The signatures here are stable: other apps import them
(the registry stores keys computed with them), so only the internals may change.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers

__all__ = [
    "PARTICLES",
    "fold",
    "name_tokens",
    "normalize_document",
    "normalize_phone",
    "phonetic_key",
]

#: Spanish / Portuguese particles that are not name parts on their own ("María del Valle",
#: "de la Cruz", "dos Santos").
PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos", "van", "von"})

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_VOWELS = "aeiou"


def fold(text: str | None) -> str:
    """Lowercase, accents stripped (NFKD), punctuation to spaces, whitespace collapsed.

    >>> fold("  María-José  PÉREZ ")
    'maria jose perez'
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(_NON_ALNUM.sub(" ", stripped).split())


def name_tokens(text: str | None) -> list[str]:
    """Folded name tokens without particles: "María del Valle" -> ["maria", "valle"]."""
    return [t for t in fold(text).split() if t not in PARTICLES]


_PHONETIC_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"[^a-z]", ""),
        (r"ph", "f"),
        (r"th", "t"),
        (r"sh|sch", "X"),  # Shirley / Chirley
        (r"ch", "X"),
        (r"ck", "k"),
        (r"qu(?=[ei])", "k"),
        (r"q", "k"),
        (r"gu(?=[ei])", "G"),  # Miguel, Guillermo: hard g
        (r"g(?=[ei])", "j"),  # Gil / Jil, Jorge / Yorge
        (r"G", "g"),
        (r"c(?=[ei])", "s"),
        (r"c", "k"),
        (r"z", "s"),
        (r"^x(?=[aeiou])", "s"),  # Xiomara / Siomara
        (r"x", "ks"),
        (r"X", "x"),
        (r"v", "b"),  # Villegas / Bilegas
        (r"w", "u"),
        (r"^ll", "y"),  # Llanos / Yanos (yeismo at the start of a name)
        (r"ll", "l"),  # Villegas / Bilegas, Castillo / Castilo
        (r"j", "y"),  # Jhonny / Johnny / Yony
        (r"h", ""),  # silent h: Hernandez / Ernandes
        (r"(.)\1+", r"\1"),  # doubled letters
        (r"y(?![aeiou])", "i"),  # Yusmary / Yusmari, Maykel / Maikel, Yorgelys / Yorgelis
        (r"(?<=[aeiou])i(?=[aeiou])", "y"),  # Maiela / Mayela
        (r"(.)\1+", r"\1"),
    )
)


@lru_cache(maxsize=200_000)
def phonetic_key(token: str) -> str:
    """A Spanish-aware phonetic key for one name token.

    Equal for the free spelling variation of Venezuelan names (Yusmary/Yusmari,
    Jhonny/Johnny/Yony, Maikel/Maykel, Villegas/Bilegas, Hernández/Ernandes, Quintero/Kintero,
    Llanos/Yanos, González/Gonzales); vowels are kept, so María and Mario, Pérez and Páez differ.
    Never empty for a non-empty input.
    """
    folded = fold(token)
    key = folded.replace(" ", "")
    for pattern, replacement in _PHONETIC_RULES:
        key = pattern.sub(replacement, key)
    return key or folded.replace(" ", "") or token


def normalize_phone(raw: str | None, default_region: str = "VE") -> str | None:
    """E.164 form of a phone number ("0412-123.45.67" -> "+584121234567"), None if invalid."""
    if not raw or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_DOC_PREFIX = re.compile(r"^(?:CI|C)?[VE](?=\d)")


def normalize_document(raw: str | None) -> str:
    """Identity number as uppercase alphanumerics; the V/E nationality prefix of a Venezuelan
    cédula is dropped: "V-12.345.678" -> "12345678". "" for empty input."""
    if not raw:
        return ""
    folded = fold(raw).upper().replace(" ", "")
    return _DOC_PREFIX.sub("", folded)
