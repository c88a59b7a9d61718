"""Reads of people and households, always scoped to what the asking user may see."""

from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import Q, QuerySet
from rapidfuzz import fuzz

from caminante.core.codes import normalize_code
from caminante.core.roles import HSP_ROLES, PERSON_READERS
from caminante.core.scoping import Scope, by_national_society
from caminante.matching.normalize import fold, name_tokens, normalize_document, phonetic_key

from .models import Household, Person


def people_for(user) -> QuerySet[Person]:
    """People this user may read. HSP roles: people their HSP has registered or served."""
    scope = Scope.of(user).require(PERSON_READERS)
    qs = Person.objects.filter(merged_into__isnull=True)
    if scope.role in HSP_ROLES:
        return qs.filter(
            national_society_id=scope.national_society_id, service_point_links__service_point_id=scope.service_point_id
        )
    return by_national_society(qs, scope)


def households_for(user) -> QuerySet[Household]:
    scope = Scope.of(user).require(PERSON_READERS)
    qs = Household.objects.all()
    if scope.role in HSP_ROLES:
        return (
            qs.filter(national_society_id=scope.national_society_id)
            .filter(
                Q(service_point_id=scope.service_point_id)
                | Q(members__person__service_point_links__service_point_id=scope.service_point_id)
            )
            .distinct()
        )
    return by_national_society(qs, scope)


def _query_pair_keys(tokens: list[str]) -> set[str]:
    keys = [phonetic_key(t) for t in tokens]
    return {" ".join(sorted((a, b))) for i, a in enumerate(keys) for b in keys[i + 1 :] if a != b} | {
        f"{k} {k}" for k in keys if keys.count(k) > 1
    }


def name_block(qs: QuerySet[Person], text: str) -> QuerySet[Person]:
    """People whose stored pair keys share any two name parts with `text`, in any order."""
    tokens = name_tokens(text)
    if len(tokens) < 2:
        folded = fold(text)
        return qs.filter(search_name__contains=folded) if folded else qs.none()
    pairs = _query_pair_keys(tokens)
    return qs.filter(
        Q(key_given_family1__in=pairs)
        | Q(key_given_family2__in=pairs)
        | Q(key_families__in=pairs)
        | Q(key_given2_family1__in=pairs)
    )


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def search_people(user, query: str, limit: int = 25) -> list[Person]:
    """Find people by short code, phone, document number or (misspelled) name."""
    query = (query or "").strip()
    if not query:
        return []
    qs = people_for(user).select_related("service_point")
    code = normalize_code(query)
    if code:
        return list(qs.filter(code=code)[:limit])
    digits = _digits(query)
    # A phone or document number: mostly digits, whatever the punctuation ("V-12.345.678").
    if len(digits) >= 6 and sum(ch.isalpha() for ch in query) <= 3:
        return list(
            qs.filter(Q(phone_e164__endswith=digits[-9:]) | Q(document_number_normalized=normalize_document(query)))[
                :limit
            ]
        )
    # Rank (id, folded name) candidates, then load only the people shown: loading hundreds of
    # full rows for common names (María González) cost more than the search itself.
    folded = fold(query)
    tokens = name_tokens(query)
    block = name_block(qs, query).order_by().values_list("pk", "search_name")
    rows: list = []
    if len(tokens) >= 3:
        # People sharing at least two name pairs with the query (given + both family names...).
        # Every condition is an index look-up, so the database reads only these rows, not the
        # tens of thousands that share one common pair.
        pairs = _query_pair_keys(tokens)
        strong = qs.filter(_two_pairs(pairs)).order_by().values_list("pk", "search_name")
        rows = list(strong[:NAME_CANDIDATES])
    if len(rows) < limit:
        seen = {pk for pk, _name in rows}
        rows += [row for row in block[:NAME_CANDIDATES] if row[0] not in seen]
    # token_set_ratio forgives missing and swapped names; plain ratio breaks its ties in favour
    # of the whole name ("maria jose gonzalez" before "jose gonzalez").
    rows.sort(key=lambda row: (-fuzz.token_set_ratio(folded, row[1]), -fuzz.ratio(folded, row[1]), row[1]))
    ids = [pk for pk, _name in rows[:limit]]
    people = {p.pk: p for p in qs.filter(pk__in=ids)}
    return [people[pk] for pk in ids if pk in people]


NAME_CANDIDATES = 500
KEY_FIELDS = ("key_given_family1", "key_given_family2", "key_families", "key_given2_family1")


def _two_pairs(pairs: set[str]) -> Q:
    """At least two of a person's stored pair keys are among the query's pairs."""
    condition = Q()
    for a, b in combinations(KEY_FIELDS, 2):
        condition |= Q(**{f"{a}__in": pairs}) & Q(**{f"{b}__in": pairs})
    return condition


@dataclass
class Candidate:
    person: Person
    score: float
    reasons: list[str] = field(default_factory=list)


def find_candidates(
    user,
    *,
    given_names: str,
    family_name_1: str = "",
    family_name_2: str = "",
    birth_date=None,
    phone_e164: str = "",
    document_number: str = "",
    limit: int = 5,
) -> list[Candidate]:
    """Possible existing registrations of the person being registered, best first, with reasons.

    The seam for the matching engine: blocking here fetches a small candidate set from the
    database across the user's whole National Society (people move between HSPs); scoring ranks it.
    """
    scope = Scope.of(user).require(PERSON_READERS)
    qs = by_national_society(Person.objects.filter(merged_into__isnull=True), scope)
    if scope.role in HSP_ROLES:  # HSP roles check against the whole country, not only their HSP
        qs = Person.objects.filter(merged_into__isnull=True, national_society_id=scope.national_society_id)
    full_name = " ".join((given_names, family_name_1, family_name_2))
    condition = Q(pk__in=name_block(qs, full_name).values("pk")[:200])
    document = normalize_document(document_number) if document_number else ""
    if document:
        condition |= Q(document_number_normalized=document)
    if phone_e164:
        condition |= Q(phone_e164=phone_e164)
    probe = fold(full_name)
    candidates = []
    for person in qs.filter(condition).select_related("service_point")[:200]:
        score, reasons = _score(person, probe, birth_date, phone_e164, document)
        if score >= 0.5:
            candidates.append(Candidate(person, score, reasons))
    candidates.sort(key=lambda c: -c.score)
    return candidates[:limit]


def _phonetic(text: str) -> str:
    return " ".join(phonetic_key(t) for t in name_tokens(text))


def _score(person: Person, probe: str, birth_date, phone_e164: str, document: str) -> tuple[float, list[str]]:
    from django.utils.translation import gettext as _

    reasons = []
    # Spelling variants (Yusmari / Yusmary, Gonzales / González) compare equal by sound.
    sound = fuzz.token_set_ratio(_phonetic(probe), _phonetic(person.search_name)) * 0.95
    similarity = max(fuzz.token_set_ratio(probe, person.search_name), sound) / 100
    score = 0.6 * similarity
    if similarity >= 0.99:
        reasons.append(_("same name"))
    elif similarity >= 0.75:
        reasons.append(_("similar name (%(pct)d%%)") % {"pct": round(similarity * 100)})
    if document and person.document_number_normalized == document:
        score += 0.5
        reasons.append(_("same document number"))
    if phone_e164 and person.phone_e164 == phone_e164:
        score += 0.25
        reasons.append(_("same phone number"))
    if birth_date and person.birth_date:
        if person.birth_date == birth_date:
            score += 0.3
            reasons.append(_("same date of birth"))
        elif (person.birth_date.day, person.birth_date.month) == (birth_date.month, birth_date.day):
            score += 0.2
            reasons.append(_("date of birth with day and month swapped"))
        elif abs(person.birth_date.year - birth_date.year) <= 1:
            score += 0.1
            reasons.append(_("close year of birth"))
        else:
            score -= 0.3
            reasons.append(_("different date of birth"))
    return min(score, 1.0), reasons
