"""Normalisation of Hispanic names, phones and document numbers (placeholder until the engine lands)."""

import re
import unicodedata

import phonenumbers

PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos", "van", "von"})


def fold(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^a-z0-9ñ]+", " ", text.replace("ñ", "n"))
    return " ".join(text.split())


def name_tokens(text: str | None) -> list[str]:
    return [t for t in fold(text).split() if t not in PARTICLES]


def phonetic_key(token: str) -> str:
    t = fold(token).replace(" ", "")
    for a, b in (
        ("ph", "f"),
        ("jh", "y"),
        ("ll", "y"),
        ("qu", "k"),
        ("gue", "ge"),
        ("gui", "gi"),
        ("ch", "x"),
        ("sh", "x"),
        ("ck", "k"),
        ("th", "t"),
    ):
        t = t.replace(a, b)
    t = re.sub(r"c(?=[ei])", "s", t)
    t = t.replace("c", "k").replace("z", "s").replace("v", "b").replace("w", "u").replace("j", "y")
    t = re.sub(r"(?<![a-z])h|h(?![aeiou])", "", t)
    t = t.replace("h", "")
    t = re.sub(r"i(?=[aeou])", "y", t)
    t = re.sub(r"y$", "i", t)
    t = re.sub(r"(?<=[^aeiou])y(?=[^aeiou]|$)", "i", t)
    t = re.sub(r"(.)\1+", r"\1", t)
    return t or fold(token)


def normalize_phone(raw: str | None, default_region: str = "VE") -> str | None:
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_document(raw: str | None) -> str:
    if not raw:
        return ""
    text = re.sub(r"[^A-Za-z0-9]", "", raw.upper())
    return re.sub(r"^[VE](?=\d)", "", text)
