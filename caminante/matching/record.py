"""The record the engine compares, and its normalised features."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TypeVar

from caminante.matching.names import canonical_forms
from caminante.matching.normalize import fold, name_tokens, normalize_document, normalize_phone, phonetic_key

__all__ = ["FIELDS", "Features", "Record", "prepare"]

_T = TypeVar("_T")

#: The CSV schema, in order (`record_id` required, every other field may be blank).
FIELDS = (
    "record_id",
    "given_names",
    "family_names",
    "sex",
    "birth_date",
    "birth_year",
    "nationality",
    "place_of_origin",
    "phone",
    "document_number",
)


@dataclass(frozen=True, slots=True)
class Record:
    """One person as registered (or as described in a tracing request).

    `family_names` holds both family names in the order given; `birth_year` is used when the
    full `birth_date` is unknown; `nationality` is ISO 3166 alpha-3; `phone` may be in any format
    (it is read with `phone_region` as the default country).
    """

    record_id: str
    given_names: str = ""
    family_names: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    birth_year: int | None = None
    nationality: str = ""
    place_of_origin: str = ""
    phone: str = ""
    document_number: str = ""
    phone_region: str = "VE"


_SEX = {
    "m": "M",
    "male": "M",
    "masculino": "M",
    "hombre": "M",
    "h": "M",
    "man": "M",
    "f": "F",
    "female": "F",
    "femenino": "F",
    "mujer": "F",
    "woman": "F",
    "feminino": "F",
}

_DIGITS = re.compile(r"\D+")


class Features:
    """Normalised, precomputed view of a record, built once and compared many times."""

    __slots__ = (
        "rid",
        "g",
        "gp",
        "gs",
        "gps",
        "gnames",
        "gexp",
        "f",
        "fp",
        "fs",
        "fps",
        "sex",
        "year",
        "month",
        "day",
        "phone",
        "doc",
        "nat",
        "place",
    )

    rid: str
    g: tuple[str, ...]
    gp: tuple[str, ...]
    gs: str
    gps: str
    gnames: frozenset[str]  # the full given name and each given name (phonetic keys)
    gexp: frozenset[str]  # full names that those of them that are nicknames stand for
    f: tuple[str, ...]
    fp: tuple[str, ...]
    fs: str
    fps: str
    sex: str
    year: int
    month: int
    day: int
    phone: str
    doc: str
    nat: str
    place: str

    def __repr__(self) -> str:
        return f"Features({self.rid!r}, {self.gs!r}, {self.fs!r}, {self.year}-{self.month}-{self.day})"


_EMPTY: frozenset[str] = frozenset()
_SHARED: dict[object, object] = {}
_SHARED_MAX = 2_000_000


def _share(value: _T) -> _T:
    """One copy of equal names, token tuples and sets (names repeat a lot: saves memory at 1M)."""
    found = _SHARED.get(value)
    if found is not None:
        return found  # type: ignore[return-value]
    if len(_SHARED) < _SHARED_MAX:
        _SHARED[value] = value
    return value


def prepare(record: Record) -> Features:
    """Normalise a record once: name tokens and phonetic keys, date parts, phone, document."""
    x = Features()
    x.rid = record.record_id
    g = _share(tuple(name_tokens(record.given_names)))
    f = _share(tuple(name_tokens(record.family_names)))
    x.g = g
    x.gp = _share(tuple(phonetic_key(t) for t in g))
    x.gs = _share(" ".join(g))
    x.gps = _share(" ".join(x.gp))
    names = {x.gps, *x.gp} if x.gps else set()
    expansions: set[str] = set()
    for name in names:
        forms = canonical_forms(name)
        if forms != {name}:
            expansions |= forms
    x.gnames = _share(frozenset(names)) if names else _EMPTY
    x.gexp = _share(frozenset(expansions)) if expansions else _EMPTY
    x.f = f
    x.fp = _share(tuple(phonetic_key(t) for t in f))
    x.fs = _share(" ".join(f))
    x.fps = _share(" ".join(x.fp))
    x.sex = _SEX.get(fold(record.sex), "")
    if record.birth_date is not None:
        x.year, x.month, x.day = record.birth_date.year, record.birth_date.month, record.birth_date.day
    else:
        x.year, x.month, x.day = (record.birth_year or 0), 0, 0
    phone = normalize_phone(record.phone, record.phone_region) if record.phone else None
    if phone is None and record.phone:
        digits = _DIGITS.sub("", record.phone)
        phone = "?" + digits[-8:] if len(digits) >= 7 else ""
    x.phone = phone or ""
    doc = normalize_document(record.document_number)
    x.doc = doc if len(doc) >= 4 else ""
    x.nat = _share(record.nationality.strip().upper()[:3])
    x.place = _share(fold(record.place_of_origin))
    return x
