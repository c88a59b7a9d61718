"""Reads of people and households, always scoped to what the asking user may see."""

from dataclasses import dataclass, field
from itertools import combinations
from uuid import UUID

from django.db import connection
from django.db.models import Q, QuerySet
from rapidfuzz import fuzz

from caminante.core.codes import normalize_code
from caminante.core.roles import HSP_ROLES, PERSON_READERS, Role
from caminante.core.scoping import Scope, by_national_society, get_or_404
from caminante.matching import DEFAULT_THRESHOLD
from caminante.matching.blocking import feature_keys
from caminante.matching.compare import compare
from caminante.matching.index import rank_features
from caminante.matching.normalize import fold, name_tokens, normalize_document, phonetic_key
from caminante.matching.record import prepare

from . import engine
from .keys import keys_of_features
from .models import (
    DuplicateCandidate,
    DuplicateStatus,
    Household,
    MatchDecision,
    MatchDecisionKind,
    MergeRecord,
    Person,
    PersonBlockingKey,
)


def people_for(user) -> QuerySet[Person]:
    """People this user may read. HSP roles: people their HSP has registered or served."""
    scope = Scope.of(user).require(PERSON_READERS)
    qs = Person.objects.filter(merged_into__isnull=True)
    if scope.role in HSP_ROLES:
        return qs.filter(
            national_society_id=scope.national_society_id, service_point_links__service_point_id=scope.service_point_id
        )
    return by_national_society(qs, scope)


def surviving_person(user, person_id) -> Person | None:
    """The registration a merged person now lives on (following merges of merges), when the
    user may read it; None for a person who is not merged, or whose survivor the user may not
    read."""
    current, seen = person_id, [person_id]
    while len(seen) <= 10:
        following = Person.objects.filter(pk=current).values_list("merged_into_id", flat=True).first()
        if following is None or following in seen:
            break
        current = following
        seen.append(current)
    if current == person_id:
        return None
    return people_for(user).filter(pk=current).first()


def households_for(user) -> QuerySet[Household]:
    scope = Scope.of(user).require(PERSON_READERS)
    qs = Household.objects.all()
    if scope.role in HSP_ROLES:
        return (
            qs.filter(national_society_id=scope.national_society_id)
            .filter(
                Q(service_point_id=scope.service_point_id)
                | Q(
                    members__ended_at__isnull=True,
                    members__person__service_point_links__service_point_id=scope.service_point_id,
                )
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
    """A possible existing registration: the person, the calibrated probability that it is the
    same person, and the translated reasons (what agrees, what differs, what is missing)."""

    person: Person
    score: float
    reasons: list[str] = field(default_factory=list)
    explanation: list[dict] = field(default_factory=list)


#: Candidates ranked by the engine: the people sharing the most (weighted) blocking keys with the
#: person being registered. Ranking costs more than finding (preparing a person not met before
#: costs about 0.1 ms), so keep it small: at 100,000 people the person looked for is the first by
#: shared keys 195 times in 200 and among the first five 199 times.
CANDIDATE_ROWS = 20
#: At most this many people are read per blocking key: a key shared by thousands of people (María
#: González) adds little, and the person being looked for shares the rarer keys too (name with
#: date of birth, phone, document).
KEY_ROWS = 200
#: Weight of a shared key by its kind: identity document, phone and keys with the full date of
#: birth single a person out; a family name with a year less; a pair of names least.
KEY_WEIGHTS = {"d": 4, "p": 4, "ds": 3, "fd": 3, "gd": 3, "dd": 2, "fy": 2, "gf": 1}


def _candidate_ids(national_society_id, keys: set[str], limit: int) -> list[UUID]:
    """People of the National Society (any, when None) sharing the most blocking keys with the
    probe, by the sum of the kinds' weights. Each key is an index-only read of at most
    `KEY_ROWS` entries of `PersonBlockingKey`'s primary key, never a read of the people table."""
    if not keys:
        return []
    table = connection.ops.quote_name(PersonBlockingKey._meta.db_table)
    ns_field = PersonBlockingKey._meta.get_field("national_society")
    parts, params = [], []
    for i, key in enumerate(sorted(keys)):
        weight = KEY_WEIGHTS.get(key.split(":", 1)[0], 1)
        where = "key = %s"
        params.append(key)
        if national_society_id is not None:
            where += " AND national_society_id = %s"
            params.append(ns_field.get_db_prep_value(national_society_id, connection))
        # Table, weights and limits come from the code, never from input.
        parts.append(
            f"SELECT person_id, {int(weight)} AS w FROM (SELECT person_id FROM {table} "  # noqa: S608
            f"WHERE {where} LIMIT {int(KEY_ROWS)}) AS k{i}"
        )
    sql = (
        f"SELECT person_id FROM ({' UNION ALL '.join(parts)}) AS shared "  # noqa: S608
        f"GROUP BY person_id ORDER BY SUM(w) DESC, person_id LIMIT {int(limit)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [pk if isinstance(pk, UUID) else UUID(str(pk)) for (pk,) in rows]


def find_candidates(
    user,
    *,
    given_names: str,
    family_name_1: str = "",
    family_name_2: str = "",
    birth_date=None,
    birth_date_estimated: bool = False,
    phone_e164: str = "",
    document_number: str = "",
    sex: str = "",
    nationality: str = "",
    person: Person | None = None,
    limit: int = 5,
) -> list[Candidate]:
    """Possible existing registrations of the person being registered, best first, with reasons.

    Blocking reads, across the user's whole National Society (people move between HSPs), the
    people sharing the most blocking keys with the person being registered (`PersonBlockingKey`:
    pairs of name parts, a name with the date of birth, the phone, the identity document), from
    an index alone. The matching engine ranks them with the National Society's learned model.
    With `person` (an existing registration checked against the others), pairs already judged
    "not the same person" are left out.
    """
    scope = Scope.of(user).require(PERSON_READERS)
    qs = by_national_society(Person.objects.filter(merged_into__isnull=True), scope)
    ns_id = None if scope.is_global else scope.national_society_id
    if scope.role in HSP_ROLES:  # HSP roles check against the whole country, not only their HSP
        qs = Person.objects.filter(merged_into__isnull=True, national_society_id=scope.national_society_id)
        ns_id = scope.national_society_id
    document = normalize_document(document_number) if document_number else ""
    probe = engine.probe_record(
        given_names=given_names,
        family_name_1=family_name_1,
        family_name_2=family_name_2,
        sex=sex,
        birth_date=birth_date,
        birth_date_estimated=birth_date_estimated,
        nationality=nationality,
        phone_e164=phone_e164,
        document=document,
    )
    features = prepare(probe)
    ids = _candidate_ids(ns_id, keys_of_features(features), CANDIDATE_ROWS + (person is not None))
    if person is not None:
        ids = [pk for pk in ids if pk != person.pk]
        ids = [pk for pk in ids if pk not in not_same_as(person.pk, ids)]
    if not ids:
        return []
    # The scoped queryset again: a key left behind can never show a merged person or another
    # country's.
    rows = list(qs.filter(pk__in=ids).order_by().values_list(*engine.RECORD_FIELDS, "national_society_id"))
    if not rows:
        return []
    ns_id = rows[0][-1] if scope.is_global else scope.national_society_id
    ranked = rank_features(
        features,
        [engine.features_of(row[:-1]) for row in rows],
        limit,
        model=engine.model_for(ns_id),
        population=engine.population(ns_id),
        min_probability=engine.SHOW_FROM,
    )
    by_id = {str(row[0]): row for row in rows}
    shown = {
        p.pk: p
        for p in Person.objects.filter(pk__in=[c.record_id for c in ranked]).select_related("service_point").order_by()
    }
    out = []
    for c in ranked:
        found = shown[UUID(c.record_id)]
        explanation = engine.explanation_to_json(c.explanation)
        skip = engine.both_missing(probe, engine.record_from_values(by_id[c.record_id][:-1]))
        out.append(Candidate(found, c.probability, engine.reasons(explanation, skip), explanation))
    return out


def not_same_as(person_id, others) -> set:
    """Those of `others` judged "not the same person" as `person_id` (at registration or in review)."""
    others = list(others)
    pairs = MatchDecision.objects.filter(decision=MatchDecisionKind.NOT_SAME).filter(
        Q(person_a_id=person_id, person_b_id__in=others) | Q(person_b_id=person_id, person_a_id__in=others)
    )
    return {b if a == person_id else a for a, b in pairs.values_list("person_a_id", "person_b_id")}


def not_same_pairs(person_ids) -> set[frozenset]:
    """Pairs among `person_ids` judged "not the same person", each as a frozenset of two ids."""
    ids = list(person_ids)
    out: set[frozenset] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = MatchDecision.objects.filter(
            decision=MatchDecisionKind.NOT_SAME, person_a_id__in=chunk, person_b_id__isnull=False
        ).values_list("person_a_id", "person_b_id")
        out |= {frozenset(r) for r in rows}
    wanted = set(ids)
    return {pair for pair in out if pair <= wanted}


@dataclass(frozen=True)
class DuplicatePair:
    """Two people (of a list) who may be the same person, with the match probability and why."""

    person_a_id: UUID
    person_b_id: UUID
    score: float
    reasons: list[str] = field(default_factory=list, compare=False)


#: Largest group of people sharing one blocking key that is expanded into pairs (a bigger group
#: is a shared phone or a very common name: their other keys still pair them).
PAIR_BLOCK_CAP = 200


def duplicate_pairs(user, person_ids, threshold: float = DEFAULT_THRESHOLD) -> list[DuplicatePair]:
    """Pairs among `person_ids` that the matching engine thinks are the same person (probability
    at or above `threshold`), most probable first, leaving out pairs judged "not the same person"
    and people the user may not see (another National Society). Cash uses it to flag possible
    duplicates in a distribution list before approval."""
    scope = Scope.of(user).require(PERSON_READERS)
    qs = by_national_society(Person.objects.filter(merged_into__isnull=True), scope)
    if scope.role in HSP_ROLES:
        qs = Person.objects.filter(merged_into__isnull=True, national_society_id=scope.national_society_id)
    wanted = list(dict.fromkeys(person_ids))
    rows: list[Person] = []
    for start in range(0, len(wanted), 500):
        rows += list(qs.filter(pk__in=wanted[start : start + 500]).only(*engine.RECORD_FIELDS, "national_society_id"))
    if len(rows) < 2:
        return []
    return _score_pairs(rows, threshold)


def _score_pairs(rows: list[Person], threshold: float) -> list[DuplicatePair]:
    """Block people by the engine's keys and score each pair sharing a key (one National Society
    at a time: each has its own model)."""
    out: list[DuplicatePair] = []
    by_ns: dict = {}
    for p in rows:
        by_ns.setdefault(p.national_society_id, []).append(p)
    for ns_id, people in by_ns.items():
        records = [engine.person_record(p) for p in people]
        feats = [prepare(r) for r in records]
        groups: dict[str, list[int]] = {}
        for i, x in enumerate(feats):
            for key in feature_keys(x):
                groups.setdefault(key, []).append(i)
        pairs = {
            (members[i], members[j])
            for members in groups.values()
            if 1 < len(members) <= PAIR_BLOCK_CAP
            for i in range(len(members))
            for j in range(i + 1, len(members))
        }
        skip = not_same_pairs([p.pk for p in people])
        model, population = engine.model_for(ns_id), engine.population(ns_id)
        for i, j in sorted(pairs):
            a, b = people[i], people[j]
            if frozenset((a.pk, b.pk)) in skip:
                continue
            levels = compare(feats[i], feats[j])
            p = model.probability(feats[i], feats[j], population, levels)
            if p >= threshold:
                explanation = engine.explanation_to_json(model.explain(feats[i], feats[j], levels))
                reasons = engine.reasons(explanation, engine.both_missing(records[i], records[j]))
                out.append(DuplicatePair(a.pk, b.pk, p, reasons))
    out.sort(key=lambda d: (-d.score, str(d.person_a_id), str(d.person_b_id)))
    return out


#: Who reviews possible duplicates, merges and unmerges (their National Society; admins everywhere).
REVIEWERS = frozenset({Role.DATA_MANAGER, Role.ADMIN})


def duplicate_queue(user, status: str = DuplicateStatus.OPEN) -> QuerySet[DuplicateCandidate]:
    """Pairs waiting for review in the user's National Society, most probable first."""
    scope = Scope.of(user).require(REVIEWERS)
    qs = DuplicateCandidate.objects.filter(
        status=status, person_a__merged_into__isnull=True, person_b__merged_into__isnull=True
    ).select_related("person_a__service_point", "person_b__service_point", "national_society")
    return by_national_society(qs, scope).order_by("-score", "found_at")


def duplicate_candidate(user, candidate_id) -> DuplicateCandidate:
    """One pair of the user's National Society (404 otherwise, logged when it exists elsewhere)."""
    scope = Scope.of(user).require(REVIEWERS)
    qs = by_national_society(
        DuplicateCandidate.objects.select_related("person_a__service_point", "person_b__service_point"), scope
    )
    return get_or_404(qs, user, pk=candidate_id)


def merges_for(user) -> QuerySet[MergeRecord]:
    scope = Scope.of(user).require(REVIEWERS)
    return by_national_society(MergeRecord.objects.select_related("survivor", "merged", "merged_by"), scope)
