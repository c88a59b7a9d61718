"""Comparison levels per field: how two records agree on each field.

`compare(a, b)` returns one level index per field of `COMPARISONS` (``MISSING`` = -1 when a
side lacks the field). Level 0 is always the strongest agreement; the last level is "differs".
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import OSA, JaroWinkler

from caminante.matching.record import Features

__all__ = ["COMPARISONS", "MISSING", "Comparison", "Level", "compare", "tf_value"]

MISSING = -1


@dataclass(frozen=True, slots=True)
class Level:
    name: str
    kind: str  # "agrees" | "partial" | "differs"
    label: str  # what a reviewer reads


@dataclass(frozen=True, slots=True)
class Comparison:
    field: str
    levels: tuple[Level, ...]
    tf_levels: frozenset[int] = frozenset()  # levels whose weight is adjusted by term frequency


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "given_names",
        (
            Level("exact", "agrees", "same given names"),
            Level("phonetic", "agrees", "same given names, spelt differently"),
            Level("subset_or_nickname", "partial", "a given name left out, reordered or a nickname"),
            Level("similar", "partial", "similar given names (typing error)"),
            Level("conflict", "differs", "share one given name, another differs"),
            Level("different", "differs", "different given names"),
        ),
        frozenset({0, 1}),
    ),
    Comparison(
        "family_names",
        (
            Level("exact", "agrees", "same family names"),
            Level("phonetic", "agrees", "same family names, spelt differently"),
            Level("swapped", "agrees", "same family names in the other order"),
            Level("subset", "partial", "one family name left out"),
            Level("similar", "partial", "similar family names (typing error)"),
            Level("share_one", "differs", "share one family name, the other differs"),
            Level("different", "differs", "different family names"),
        ),
        frozenset({0, 1, 2}),
    ),
    Comparison(
        "birth_date",
        (
            Level("exact", "agrees", "same date of birth"),
            Level("swapped", "partial", "date of birth with day and month swapped"),
            Level("typo", "partial", "date of birth differs in one part"),
            Level("same_year", "partial", "same year of birth (full date unknown)"),
            Level("near", "partial", "year of birth within two years"),
            Level("different", "differs", "different date of birth"),
        ),
    ),
    Comparison(
        "sex",
        (Level("same", "agrees", "same sex"), Level("different", "differs", "different sex")),
    ),
    Comparison(
        "phone",
        (
            Level("exact", "agrees", "same phone number"),
            Level("partial", "partial", "same last digits of the phone number"),
            Level("different", "differs", "different phone number"),
        ),
    ),
    Comparison(
        "document_number",
        (
            Level("exact", "agrees", "same identity document number"),
            Level("typo", "partial", "identity document number differs by one digit"),
            Level("different", "differs", "different identity document number"),
        ),
    ),
    Comparison(
        "nationality",
        (Level("same", "agrees", "same nationality"), Level("different", "differs", "different nationality")),
    ),
    Comparison(
        "place_of_origin",
        (
            Level("exact", "agrees", "same place of origin"),
            Level("similar", "partial", "similar place of origin"),
            Level("different", "differs", "different place of origin"),
        ),
        frozenset({0, 1}),
    ),
)

_jw = JaroWinkler.normalized_similarity
_osa = OSA.distance


def _gender_variant(x: str, y: str) -> bool:
    """Luis / Luisa, Mario / María, Gabriel / Gabriela: related names of different people."""
    if len(x) > len(y):
        x, y = y, x
    if y == x + "a":
        return True
    return len(x) == len(y) and x[:-1] == y[:-1] and {x[-1], y[-1]} == {"a", "o"}


def _token_match(x: str, y: str, cutoff: float) -> bool:
    if x == y:
        return True
    # The similarity first (score_cutoff lets rapidfuzz stop early): most pairs fail it.
    return _jw(x, y, prefix_weight=0.1, score_cutoff=cutoff) >= cutoff and not _gender_variant(x, y)


_CACHE_MAX = 500_000
_given_cache: dict[tuple[str, str], int] = {}
_family_cache: dict[tuple[str, str], int] = {}


def _compare_given(a: Features, b: Features) -> int:
    if not a.g or not b.g:
        return MISSING
    if a.gs == b.gs:
        return 0
    key = (a.gs, b.gs) if a.gs < b.gs else (b.gs, a.gs)  # the level is symmetric
    level = _given_cache.get(key)
    if level is None:
        if len(_given_cache) >= _CACHE_MAX:
            _given_cache.clear()
        level = _given_cache[key] = _given_level(a, b)
    return level


def _given_level(a: Features, b: Features) -> int:
    if a.gp == b.gp:
        return 1
    sa, sb = set(a.gp), set(b.gp)
    if sa == sb:
        return 1
    if sa <= sb or sb <= sa or (a.gexp and (a.gexp & b.gnames or a.gexp & b.gexp)) or (b.gexp & a.gnames):
        return 2
    m_ab = sum(1 for x in a.g if any(_token_match(x, y, 0.88) for y in b.g))
    m_ba = sum(1 for y in b.g if any(_token_match(y, x, 0.88) for x in a.g))
    if m_ab == len(a.g) or m_ba == len(b.g):
        return 3
    if m_ab or m_ba or (sa & sb):
        return 4
    return 5


def _compare_family(a: Features, b: Features) -> int:
    if not a.f or not b.f:
        return MISSING
    if a.fs == b.fs:
        return 0
    key = (a.fs, b.fs) if a.fs < b.fs else (b.fs, a.fs)  # the level is symmetric
    level = _family_cache.get(key)
    if level is None:
        if len(_family_cache) >= _CACHE_MAX:
            _family_cache.clear()
        level = _family_cache[key] = _family_level(a, b)
    return level


def _family_level(a: Features, b: Features) -> int:
    if a.fp == b.fp:
        return 1
    sa, sb = set(a.fp), set(b.fp)
    if sa == sb:
        return 2
    if sa <= sb or sb <= sa:
        return 3
    m_ab = sum(1 for x in a.f if any(_token_match(x, y, 0.9) for y in b.f))
    m_ba = sum(1 for y in b.f if any(_token_match(y, x, 0.9) for x in a.f))
    if m_ab == len(a.f) or m_ba == len(b.f):
        return 4
    if m_ab or m_ba or (sa & sb):
        return 5
    return 6


def _one_digit(x: int, y: int) -> bool:
    sx, sy = str(x), str(y)
    return len(sx) == len(sy) and sum(c != d for c, d in zip(sx, sy, strict=True)) == 1


def _compare_birth(a: Features, b: Features) -> int:
    if not a.year or not b.year:
        return MISSING
    dy = abs(a.year - b.year)
    if a.month and b.month:
        if a.year == b.year and a.month == b.month and a.day == b.day:
            return 0
        if a.year == b.year and a.month == b.day and a.day == b.month:
            return 1
        same = (a.year == b.year) + (a.month == b.month) + (a.day == b.day)
        if same == 2 and (a.year == b.year or dy <= 10 or _one_digit(a.year, b.year)):
            return 2
        return 4 if dy <= 2 else 5
    if dy == 0:
        return 3
    return 4 if dy <= 2 else 5


def _compare_phone(a: Features, b: Features) -> int:
    if not a.phone or not b.phone:
        return MISSING
    if a.phone == b.phone:
        return 0
    if len(a.phone) >= 8 and len(b.phone) >= 8 and a.phone[-7:] == b.phone[-7:]:
        return 1
    return 2


def _compare_doc(a: Features, b: Features) -> int:
    if not a.doc or not b.doc:
        return MISSING
    if a.doc == b.doc:
        return 0
    if abs(len(a.doc) - len(b.doc)) <= 1 and _osa(a.doc, b.doc, score_cutoff=1) <= 1:
        # Numbers less than ten apart are more likely siblings' consecutive numbers (issued
        # the same day) than a typing error.
        if len(a.doc) == len(b.doc) and a.doc.isdigit() and b.doc.isdigit() and abs(int(a.doc) - int(b.doc)) < 10:
            return 2
        return 1
    return 2


def _compare_place(a: Features, b: Features) -> int:
    if not a.place or not b.place:
        return MISSING
    if a.place == b.place:
        return 0
    if a.place in b.place or b.place in a.place or _jw(a.place, b.place) >= 0.9:
        return 1
    return 2


def _swapped_fields(a: Features, b: Features) -> bool:
    """Given and family names typed in each other's field."""
    if not (a.g and a.f and b.g and b.f):
        return False
    if set(a.gp) & set(b.fp) and set(a.fp) & set(b.gp):
        return True
    # One name agrees across the fields, the other with a typing error (Campbel / Campbell).
    exact_1, exact_2 = bool(set(a.gp) & set(b.fp)), bool(set(a.fp) & set(b.gp))
    if not (exact_1 or exact_2):
        return False
    cross_1 = exact_1 or any(_token_match(x, y, 0.85) for x in a.g for y in b.f if len(x) > 2)
    cross_2 = exact_2 or any(_token_match(x, y, 0.85) for x in a.f for y in b.g if len(x) > 2)
    return cross_1 and cross_2


def compare(a: Features, b: Features) -> tuple[int, ...]:
    """Comparison level of each field (order of `COMPARISONS`); symmetric in a and b."""
    given, family = _compare_given(a, b), _compare_family(a, b)
    if given >= 4 and family >= 5 and _swapped_fields(a, b):
        given, family = 3, 4
    return (
        given,
        family,
        _compare_birth(a, b),
        (MISSING if not a.sex or not b.sex else (0 if a.sex == b.sex else 1)),
        _compare_phone(a, b),
        _compare_doc(a, b),
        (MISSING if not a.nat or not b.nat else (0 if a.nat == b.nat else 1)),
        _compare_place(a, b),
    )


def tf_value(field_index: int, x: Features) -> str:
    """The value whose frequency adjusts an agreeing level of a field ("" when none)."""
    if field_index == 0:
        return x.gps
    if field_index == 1:
        return " ".join(sorted(x.fp))
    if field_index == 7:
        return x.place
    return ""
