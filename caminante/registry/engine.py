"""The registry's bridge to the matching engine: people as engine records, the model of each
National Society, and the engine's per-field explanations as translated reasons."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_countries import countries

from caminante.matching import FieldExplanation, Model, Record, default_model
from caminante.matching.record import Features, prepare

from .models import MatchModel, Person

#: Below this probability a possible registration is not worth a volunteer's attention.
SHOW_FROM = 0.01
#: The prior odds of a match shrink with the number of people; tests and new countries have few.
MIN_POPULATION = 1000
_CACHE_SECONDS = 300

# What a reviewer reads for each comparison level of the engine (caminante.matching.compare),
# marked here for translation; the engine itself is pure and speaks English.
LEVEL_LABELS = (
    gettext_noop("same given names"),
    gettext_noop("same given names, spelt differently"),
    gettext_noop("a given name left out, reordered or a nickname"),
    gettext_noop("similar given names (typing error)"),
    gettext_noop("share one given name, another differs"),
    gettext_noop("different given names"),
    gettext_noop("same family names"),
    gettext_noop("same family names, spelt differently"),
    gettext_noop("same family names in the other order"),
    gettext_noop("one family name left out"),
    gettext_noop("similar family names (typing error)"),
    gettext_noop("share one family name, the other differs"),
    gettext_noop("different family names"),
    gettext_noop("same date of birth"),
    gettext_noop("date of birth with day and month swapped"),
    gettext_noop("date of birth differs in one part"),
    gettext_noop("same year of birth (full date unknown)"),
    gettext_noop("year of birth within two years"),
    gettext_noop("different date of birth"),
    gettext_noop("same sex"),
    gettext_noop("different sex"),
    gettext_noop("same phone number"),
    gettext_noop("same last digits of the phone number"),
    gettext_noop("different phone number"),
    gettext_noop("same identity document number"),
    gettext_noop("identity document number differs by one digit"),
    gettext_noop("different identity document number"),
    gettext_noop("same nationality"),
    gettext_noop("different nationality"),
    gettext_noop("same place of origin"),
    gettext_noop("similar place of origin"),
    gettext_noop("different place of origin"),
    gettext_noop("looks like a relative (sibling, twin, parent or child), not the same person"),
)
FIELD_NAMES = {
    "given_names": gettext_noop("given names"),
    "family_names": gettext_noop("family names"),
    "birth_date": gettext_noop("date of birth"),
    "sex": gettext_noop("sex"),
    "phone": gettext_noop("phone number"),
    "document_number": gettext_noop("identity document number"),
    "nationality": gettext_noop("nationality"),
    "place_of_origin": gettext_noop("place of origin"),
}
_SUFFIXES = {
    " (a common name)": gettext_noop("a common name"),
    " (a rare name)": gettext_noop("a rare name"),
    " (common)": gettext_noop("common"),
    " (rare)": gettext_noop("rare"),
}


def _alpha3(code: str) -> str:
    return (countries.alpha3(code) or "") if code else ""


def person_record(person: Person) -> Record:
    """A registered person as the engine sees them (record_id is the person's id)."""
    birth_date, birth_year = person.birth_date, None
    if birth_date is not None and person.birth_date_estimated:
        birth_date, birth_year = None, person.birth_date.year
    return Record(
        record_id=str(person.pk),
        given_names=person.given_names,
        family_names=f"{person.family_name_1} {person.family_name_2}".strip(),
        sex=person.sex if person.sex in ("female", "male") else "",
        birth_date=birth_date,
        birth_year=birth_year,
        nationality=_alpha3(str(person.nationality or "")),
        phone=person.phone_e164,
        document_number=person.document_number_normalized,
    )


# The columns person_record reads: load only these for batch work.
RECORD_FIELDS = (
    "id",
    "given_names",
    "family_name_1",
    "family_name_2",
    "sex",
    "birth_date",
    "birth_date_estimated",
    "nationality",
    "phone_e164",
    "document_number_normalized",
)


def record_from_values(row: tuple) -> Record:
    """`person_record` from a row of `values_list(*RECORD_FIELDS)` (no model instance)."""
    pk, given, f1, f2, sex, birth_date, estimated, nationality, phone, document = row
    birth_year = None
    if birth_date is not None and estimated:
        birth_date, birth_year = None, birth_date.year
    return Record(
        record_id=str(pk),
        given_names=given,
        family_names=f"{f1} {f2}".strip(),
        sex=sex if sex in ("female", "male") else "",
        birth_date=birth_date,
        birth_year=birth_year,
        nationality=_alpha3(str(nationality or "")),
        phone=phone,
        document_number=document,
    )


# Prepared features of registered people, by their row: the duplicate check meets the same people
# (common names) again and again, and preparing a record costs more than comparing it. A changed
# person is a different row, so the cache is never stale; the oldest entries go first.
_FEATURES: dict[tuple, Features] = {}
FEATURES_CACHE_SIZE = 50_000


def features_of(row: tuple) -> Features:
    found = _FEATURES.get(row)
    if found is None:
        found = prepare(record_from_values(row))
        if len(_FEATURES) >= FEATURES_CACHE_SIZE:
            try:
                del _FEATURES[next(iter(_FEATURES))]
            except (KeyError, StopIteration, RuntimeError):
                pass
        _FEATURES[row] = found
    return found


def probe_record(
    *,
    given_names: str,
    family_name_1: str = "",
    family_name_2: str = "",
    sex: str = "",
    birth_date: date | None = None,
    birth_date_estimated: bool = False,
    nationality: str = "",
    phone_e164: str = "",
    document: str = "",
) -> Record:
    """The person being registered, as typed."""
    birth_year = None
    if birth_date is not None and birth_date_estimated:
        birth_date, birth_year = None, birth_date.year
    return Record(
        record_id="",
        given_names=given_names,
        family_names=f"{family_name_1} {family_name_2}".strip(),
        sex=sex if sex in ("female", "male") else "",
        birth_date=birth_date,
        birth_year=birth_year,
        nationality=_alpha3(nationality),
        phone=phone_e164,
        document_number=document,
    )


def record_to_json(record: Record) -> dict:
    """A probe kept with a volunteer's decision (to learn from it later)."""
    return {
        "given_names": record.given_names,
        "family_names": record.family_names,
        "sex": record.sex,
        "birth_date": record.birth_date.isoformat() if record.birth_date else "",
        "birth_year": record.birth_year,
        "nationality": record.nationality,
        "phone": record.phone,
        "document_number": record.document_number,
    }


def record_from_json(data: dict, record_id: str = "probe") -> Record:
    raw = data.get("birth_date") or ""
    return Record(
        record_id=record_id,
        given_names=data.get("given_names", ""),
        family_names=data.get("family_names", ""),
        sex=data.get("sex", ""),
        birth_date=date.fromisoformat(raw) if raw else None,
        birth_year=data.get("birth_year"),
        nationality=data.get("nationality", ""),
        phone=data.get("phone", ""),
        document_number=data.get("document_number", ""),
    )


def _model_key(national_society_id) -> str:
    return f"registry:match-model:{national_society_id}"


def model_for(national_society_id) -> Model:
    """The model learned for this National Society, else the engine's default."""
    key = _model_key(national_society_id)
    data = cache.get(key)
    if data is None:
        stored = MatchModel.objects.filter(national_society_id=national_society_id).first()
        data = stored.parameters if stored else {}
        cache.set(key, data, _CACHE_SECONDS)
    if not data:
        return default_model()
    try:
        return Model.from_dict(data)
    except (KeyError, TypeError, ValueError):
        return default_model()


def forget_model(national_society_id) -> None:
    cache.delete(_model_key(national_society_id))


def population(national_society_id) -> int:
    """How many people the National Society has registered (cached: a count of a million rows
    is too slow for every registration)."""
    key = f"registry:population:{national_society_id}"
    n = cache.get(key)
    if n is None:
        n = Person.objects.filter(national_society_id=national_society_id, merged_into__isnull=True).count()
        cache.set(key, n, _CACHE_SECONDS)
    return max(n, MIN_POPULATION)


def explanation_to_json(explanation: list[FieldExplanation]) -> list[dict]:
    return [{"field": e.field, "level": e.level, "weight": e.weight, "detail": e.detail} for e in explanation]


def reasons(explanation: list[FieldExplanation] | list[dict], skip_missing: frozenset[str] = frozenset()) -> list[str]:
    """Translated reasons, strongest evidence first: what agrees, what differs, what is missing.

    `skip_missing` lists fields neither side recorded (not worth a line)."""
    items = [e if isinstance(e, dict) else explanation_to_json([e])[0] for e in explanation]
    shown = [e for e in items if e["level"] != "missing"]
    # The household rule first (it overrides the rest), then the strongest evidence.
    shown.sort(key=lambda e: (e["field"] != "household", -abs(e["weight"])))
    out = []
    for e in shown:
        detail = e["detail"]
        suffix = ""
        for english, marked in _SUFFIXES.items():
            if detail.endswith(english):
                detail, suffix = detail[: -len(english)], _(marked)
        text = _(detail)
        out.append(f"{text} ({suffix})" if suffix else text)
    missing = [
        _(FIELD_NAMES.get(e["field"], e["field"]))
        for e in items
        if e["level"] == "missing" and e["field"] not in skip_missing and e["field"] in FIELD_NAMES
    ]
    if missing:
        out.append(_("not recorded for one of them: %(fields)s") % {"fields": ", ".join(missing)})
    return out


def both_missing(a: Record, b: Record) -> frozenset[str]:
    """Fields that neither record has (the explanation's "missing" lines to leave out)."""
    out = {"place_of_origin"} if not (a.place_of_origin or b.place_of_origin) else set()
    pairs = {
        "given_names": (a.given_names, b.given_names),
        "family_names": (a.family_names, b.family_names),
        "birth_date": (a.birth_date or a.birth_year, b.birth_date or b.birth_year),
        "sex": (a.sex, b.sex),
        "phone": (a.phone, b.phone),
        "document_number": (a.document_number, b.document_number),
        "nationality": (a.nationality, b.nationality),
    }
    out |= {name for name, (x, y) in pairs.items() if not x and not y}
    return frozenset(out)
