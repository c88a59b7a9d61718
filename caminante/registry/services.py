"""Every change to people, households and consent. Views, API and commands call these."""

import uuid
from dataclasses import dataclass, field
from datetime import date

import phonenumbers
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from caminante.core import audit
from caminante.core.codes import new_code
from caminante.core.crypto import decrypt_json, encrypt_json
from caminante.core.models import NationalSociety, ServicePoint
from caminante.core.roles import FIELD_WRITERS, HSP_ROLES, SENSITIVE_READERS
from caminante.core.scoping import Scope, require
from caminante.core.text import clean_name, clean_text
from caminante.matching import DEFAULT_THRESHOLD, default_model
from caminante.matching.engine import dedupe_features
from caminante.matching.normalize import fold, name_tokens, normalize_document, phonetic_key
from caminante.matching.record import prepare

from . import engine, keys, selectors
from .models import (
    WG_DOMAINS,
    Consent,
    ConsentChannel,
    ConsentPurpose,
    Difficulty,
    DuplicateCandidate,
    DuplicateStatus,
    Household,
    MatchDecision,
    MatchDecisionKind,
    MatchDecisionSource,
    MatchModel,
    Membership,
    MembershipEnd,
    MergeRecord,
    Person,
    PersonBlockingKey,
    PersonServicePoint,
    Relationship,
    Sex,
)

MAX_AGE = 120
PERSON_FIELDS = [
    "given_names",
    "family_name_1",
    "family_name_2",
    "sex",
    "birth_date",
    "birth_date_estimated",
    "nationality",
    "document_type",
    "document_number",
    "phone",
    "phone_is_whatsapp",
    "migration_situation",
    "pregnant_or_lactating",
    "unaccompanied_or_separated_child",
    "older_person_alone",
    "chronic_illness",
    *[name for name, _label in WG_DOMAINS],
]


@dataclass
class PersonInput:
    """What a volunteer enters for one person. `estimated_age` stands in for an unknown birth date."""

    given_names: str
    sex: str
    family_name_1: str = ""
    family_name_2: str = ""
    birth_date: date | None = None
    estimated_age: int | None = None
    nationality: str = ""
    document_type: str = ""
    document_number: str = ""
    phone: str = ""
    phone_is_whatsapp: bool = False
    migration_situation: str = ""
    pregnant_or_lactating: bool = False
    unaccompanied_or_separated_child: bool = False
    older_person_alone: bool = False
    chronic_illness: bool = False
    survivor_of_violence: bool = False
    wg: dict[str, str] = field(default_factory=dict)
    consents: list[str] = field(default_factory=list)
    consent_channel: str = ConsentChannel.IN_PERSON
    relationship: str = ""
    # Set when the volunteer chose "same person" for an existing registration.
    existing_person_id: str | None = None
    # The possible registrations shown to the volunteer: [(person id, probability shown)].
    shown_candidates: list[tuple[str, float]] = field(default_factory=list)


def name_keys(given_names: str, family_name_1: str, family_name_2: str) -> dict[str, str]:
    """Blocking keys stored on each person: sorted pairs of phonetic keys, so a search or a
    duplicate check finds the person when any two name parts are right, in any order."""
    given = [phonetic_key(t) for t in name_tokens(given_names)]
    fam1 = [phonetic_key(t) for t in name_tokens(family_name_1)]
    fam2 = [phonetic_key(t) for t in name_tokens(family_name_2)]
    g1 = given[0] if given else ""
    g2 = given[1] if len(given) > 1 else ""
    f1 = fam1[0] if fam1 else ""
    f2 = fam2[0] if fam2 else (fam1[1] if len(fam1) > 1 else "")
    return {
        "search_name": fold(" ".join((given_names, family_name_1, family_name_2)))[:300],
        "key_given_family1": pair_key(g1, f1),
        "key_given_family2": pair_key(g1, f2),
        "key_families": pair_key(f1, f2),
        "key_given2_family1": pair_key(g2, f1),
    }


def pair_key(a: str, b: str) -> str:
    return " ".join(sorted((a, b))) if a and b else ""


def parse_phone(raw: str, region: str) -> str:
    """E.164 form of a phone number as people write it (+58 412…, 0412-…, 300 …)."""
    for guess in (region, "VE"):
        try:
            number = phonenumbers.parse(raw, guess)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValidationError(
        {
            "phone": _(
                "“%(phone)s” is not a valid phone number. Include the country code, for example +58 412 1234567."
            )
            % {"phone": raw}
        }
    )


#: The earliest date of birth accepted.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
#: Pregnancy or lactation is accepted for ages in this range (both included), when the age is known.
PREGNANCY_AGES = (10, 60)
#: An unaccompanied or separated child is under this age.
ADULT_AGE = 18
#: A date of birth and an estimated age that differ by more than this many years contradict each other.
AGE_TOLERANCE = 1


def _years_between(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _clean_names(data: PersonInput, errors: dict[str, list[str]]) -> dict[str, str]:
    """The text fields cleaned at the door (NFC, no control, bidi or zero-width characters),
    each at most its column's length: a longer value is refused, never cut."""
    cleaned = {}
    for name in ("given_names", "family_name_1", "family_name_2", "document_number", "phone"):
        try:
            cleaned[name] = clean_name(getattr(data, name), field=name, max_length=_max_length(name))
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.message_dict[name])
            cleaned[name] = ""
    return cleaned


def _max_length(name: str) -> int:
    return Person._meta.get_field(name).max_length


def validate_person(data: PersonInput, *, today: date, region: str) -> dict:
    """Check one person's data; return the cleaned field values. Raises ValidationError with
    every problem found, keyed by field."""
    errors: dict[str, list[str]] = {}
    text = _clean_names(data, errors)
    if not text["given_names"] and "given_names" not in errors:
        errors.setdefault("given_names", []).append(_("Enter the person's given names."))
    if data.sex not in Sex.values:
        errors.setdefault("sex", []).append(_("Choose the sex."))
    if not (text["family_name_1"] or text["family_name_2"]) and not errors.keys() & {"family_name_1", "family_name_2"}:
        errors.setdefault("family_name_1", []).append(_("Enter at least one family name."))
    birth_date, estimated, age = data.birth_date, False, None
    if birth_date is not None:
        if birth_date > today:
            errors.setdefault("birth_date", []).append(_("The date of birth cannot be in the future."))
        elif birth_date < EARLIEST_BIRTH_DATE:
            errors.setdefault("birth_date", []).append(
                _("The date of birth cannot be before %(year)s.") % {"year": EARLIEST_BIRTH_DATE.year}
            )
        elif _years_between(birth_date, today) > MAX_AGE:
            errors.setdefault("birth_date", []).append(
                _("That date of birth gives an age over %(max)s years.") % {"max": MAX_AGE}
            )
        else:
            age = _years_between(birth_date, today)
    if data.estimated_age is not None:
        if not 0 <= data.estimated_age <= MAX_AGE:
            errors.setdefault("estimated_age", []).append(
                _("The estimated age must be between 0 and %(max)s years.") % {"max": MAX_AGE}
            )
        elif birth_date is None:
            birth_date, estimated, age = date(today.year - data.estimated_age, 1, 1), True, data.estimated_age
        elif age is not None and abs(age - data.estimated_age) > AGE_TOLERANCE:
            # Both given: they must agree (then the date of birth is kept).
            errors.setdefault("estimated_age", []).append(
                _(
                    "The date of birth gives an age of %(age)s years, the estimated age is %(estimated)s. "
                    "Correct one of them, or leave the estimated age empty."
                )
                % {"age": age, "estimated": data.estimated_age}
            )
            age = None
    if data.pregnant_or_lactating:
        if data.sex == Sex.MALE:
            errors.setdefault("pregnant_or_lactating", []).append(
                _("“Pregnant or lactating” cannot be marked for a person whose sex is male.")
            )
        elif age is not None and not PREGNANCY_AGES[0] <= age <= PREGNANCY_AGES[1]:
            errors.setdefault("pregnant_or_lactating", []).append(
                _(
                    "“Pregnant or lactating” is accepted from %(low)s to %(high)s years of age; "
                    "this person is %(age)s. Check the age or the answer."
                )
                % {"low": PREGNANCY_AGES[0], "high": PREGNANCY_AGES[1], "age": age}
            )
    if data.unaccompanied_or_separated_child and age is not None and age >= ADULT_AGE:
        errors.setdefault("unaccompanied_or_separated_child", []).append(
            _(
                "“Unaccompanied or separated child” is only for people under %(adult)s; "
                "this person is %(age)s. Check the age or the answer."
            )
            % {"adult": ADULT_AGE, "age": age}
        )
    phone_e164 = ""
    if text["phone"]:
        try:
            phone_e164 = parse_phone(text["phone"], region)
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.message_dict["phone"])
    if text["document_number"] and not data.document_type:
        errors.setdefault("document_type", []).append(_("Choose the type of the document."))
    document = normalize_document(text["document_number"]) if text["document_number"] else ""
    for domain, _label in WG_DOMAINS:
        if data.wg.get(domain, "") not in Difficulty.values:
            errors.setdefault(domain, []).append(_("Choose one of the answers."))
    if data.consents and any(p not in ConsentPurpose.values for p in data.consents):
        errors.setdefault("consents", []).append(_("Unknown consent purpose."))
    if ConsentPurpose.ASSISTANCE not in data.consents:
        errors.setdefault("consents", []).append(
            _(
                "Registration needs the person's consent to the use of their data for assistance. "
                "Without it, count them in the anonymous tally instead."
            )
        )
    if errors:
        raise ValidationError(errors)
    wg = {domain: data.wg.get(domain, "") for domain, _label in WG_DOMAINS}
    return {
        "given_names": text["given_names"],
        "family_name_1": text["family_name_1"],
        "family_name_2": text["family_name_2"],
        "sex": data.sex,
        "birth_date": birth_date,
        "birth_date_estimated": estimated,
        "nationality": data.nationality,
        "document_type": data.document_type if document else "",
        "document_number": text["document_number"],
        "document_number_normalized": document,
        "phone": text["phone"],
        "phone_e164": phone_e164,
        "phone_is_whatsapp": data.phone_is_whatsapp and bool(phone_e164),
        "migration_situation": data.migration_situation,
        "pregnant_or_lactating": data.pregnant_or_lactating,
        "unaccompanied_or_separated_child": data.unaccompanied_or_separated_child,
        "older_person_alone": data.older_person_alone,
        "chronic_illness": data.chronic_illness,
        "has_disability": any(v in (Difficulty.A_LOT, Difficulty.CANNOT) for v in wg.values()),
        "protection_data": encrypt_json({"survivor_of_violence": True} if data.survivor_of_violence else {}),
        **wg,
        **name_keys(text["given_names"], text["family_name_1"], text["family_name_2"]),
    }


def acting_service_point(scope: Scope, service_point: ServicePoint | None) -> ServicePoint:
    """The service point a change happens at: the user's own for HSP roles, else one of their NS."""
    if scope.role in HSP_ROLES:
        return ServicePoint.objects.get(pk=scope.service_point_id)
    if service_point is None:
        raise ValidationError({"service_point": _("Choose the service point.")})
    if not scope.is_global and service_point.national_society_id != scope.national_society_id:
        raise ValidationError({"service_point": _("That service point belongs to another National Society.")})
    return service_point


def _new_unique_code(model, prefix: str) -> str:
    for _attempt in range(10):
        code = new_code(prefix)
        if not model.objects.filter(code=code).exists():
            return code
    raise RuntimeError("could not draw a free code")


def link_to_service_point(person: Person, service_point: ServicePoint) -> None:
    PersonServicePoint.objects.get_or_create(person=person, service_point=service_point)


def _create_person(user, service_point: ServicePoint, data: PersonInput, today: date) -> Person:
    cleaned = validate_person(data, today=today, region=service_point.national_society.country.code)
    person = Person(
        national_society=service_point.national_society,
        service_point=service_point,
        code=_new_unique_code(Person, service_point.national_society.country.code),
        created_by=user,
        updated_by=user,
        created_at_point=service_point,
        **cleaned,
    )
    try:
        with transaction.atomic():
            person.save(force_insert=True)
    except IntegrityError as exc:
        if (
            "document" in str(exc).lower()
            or Person.objects.filter(
                national_society=person.national_society,
                document_type=person.document_type,
                document_number_normalized=person.document_number_normalized,
            )
            .exclude(document_number_normalized="")
            .exists()
        ):
            raise ValidationError(
                {
                    "document_number": _(
                        "A person with this document number is already registered in this country. "
                        "Search for them instead of registering again."
                    )
                }
            ) from exc
        raise
    keys.store_keys(person.pk)
    now = timezone.now()
    Consent.objects.bulk_create(
        Consent(
            person=person,
            purpose=purpose,
            channel=data.consent_channel,
            recorded_at=now,
            recorded_by=user,
            service_point=service_point,
        )
        for purpose in dict.fromkeys(data.consents)
    )
    link_to_service_point(person, service_point)
    audit.record(
        user,
        "person.registered",
        person,
        data={"code": person.code, "consents": data.consents},
        service_point_id=service_point.pk,
    )
    return person


def _existing_person(scope: Scope, person_id: str) -> Person:
    """A person chosen as "same person": must belong to the user's National Society."""
    qs = Person.objects.filter(merged_into__isnull=True)
    if not scope.is_global:
        qs = qs.filter(national_society_id=scope.national_society_id)
    try:
        return qs.get(pk=person_id)
    except (Person.DoesNotExist, ValueError, ValidationError) as exc:
        raise ValidationError({"existing_person_id": _("That registration could not be found.")}) from exc


def register_person(user, data: PersonInput, service_point: ServicePoint | None = None) -> Person:
    """Register one person (or confirm an existing registration as the same person)."""
    scope = require(user, FIELD_WRITERS)
    service_point = acting_service_point(scope, service_point)
    with transaction.atomic():
        if data.existing_person_id:
            person = confirm_same_person(user, data.existing_person_id, service_point)
            chosen, new_person = person, None
        else:
            person = _create_person(user, service_point, data, service_point.local_today())
            chosen, new_person = None, person
        record_registration_answers(
            user, data, chosen=chosen, new_person=new_person, national_society=service_point.national_society
        )
        return person


def confirm_same_person(user, person_id: str, service_point: ServicePoint) -> Person:
    """The volunteer recognised an existing registration: serve that person here from now on."""
    scope = require(user, FIELD_WRITERS)
    with transaction.atomic():
        person = _existing_person(scope, person_id)
        link_to_service_point(person, service_point)
        audit.record(user, "person.confirmed_same", person, service_point_id=service_point.pk)
    return person


#: The most members one household may have (a larger group is registered as several households).
MAX_HOUSEHOLD_SIZE = 30


@dataclass
class Move:
    """A person who was a current member of another household and moved to the one registered."""

    person: Person
    from_household: Household
    from_relationship: str
    message: str


def too_many_members(count: int) -> str:
    return _(
        "A household can have at most %(max)s members; this one has %(n)s. "
        "Register a larger group as several households."
    ) % {"max": MAX_HOUSEHOLD_SIZE, "n": count}


def register_household(user, members: list[PersonInput], service_point: ServicePoint | None = None) -> Household:
    """Register a household: every member (new or existing) with their relationship to the head.
    All or nothing: one bad member changes nothing.

    A person belongs to one current household. An existing registration chosen as "same person"
    who is a current member of another household moves to this one: the old membership is ended
    in the same transaction (its row locked first), the move is audited, and the returned
    household carries `moves` (a `Move` per person, with a message for the volunteer). The head
    of another household whose other members stay there is not moved (the old household would be
    left without a head): the registration is refused with a message. The same registration
    twice, or more than MAX_HOUSEHOLD_SIZE members, is refused."""
    scope = require(user, FIELD_WRITERS)
    service_point = acting_service_point(scope, service_point)
    if len(members) > MAX_HOUSEHOLD_SIZE:
        raise ValidationError({"members": too_many_members(len(members))})
    heads = [m for m in members if m.relationship == Relationship.HEAD]
    if len(heads) != 1:
        raise ValidationError({"relationship": _("A household needs exactly one head of household.")})
    unknown = [m for m in members if m.relationship not in Relationship.values]
    if unknown:
        raise ValidationError({"relationship": _("Choose each member's relationship to the head.")})
    errors: dict[str, list[str]] = {}
    people: list[tuple[int, Person, str, bool]] = []
    with transaction.atomic():
        household = Household.objects.create(
            national_society=service_point.national_society,
            service_point=service_point,
            code=_new_unique_code(Household, service_point.national_society.country.code),
            created_by=user,
            updated_by=user,
            created_at_point=service_point,
        )
        seen: dict = {}
        for index, member in enumerate(members, start=1):
            try:
                with transaction.atomic():
                    person = register_person(user, member, service_point)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors.setdefault(f"member_{index}.{name}", []).extend(messages)
                continue
            if person.pk in seen:
                errors.setdefault(f"member_{index}.existing_person_id", []).append(
                    _(
                        "Members %(first)s and %(second)s are the same registered person (%(code)s). "
                        "A person can be in the household only once."
                    )
                    % {"first": seen[person.pk], "second": index, "code": person.code}
                )
                continue
            seen[person.pk] = index
            people.append((index, person, member.relationship, bool(member.existing_person_id)))
        moves = [] if errors else _end_other_households(user, household, people, errors)
        if errors:
            transaction.set_rollback(True)
            raise ValidationError(errors)
        try:
            with transaction.atomic():
                Membership.objects.bulk_create(
                    Membership(household=household, person=person, relationship=rel) for _i, person, rel, _e in people
                )
        except IntegrityError as exc:
            # Another registration took one of these people into its household meanwhile.
            raise ValidationError(
                {
                    "members": _(
                        "One of these people was registered in another household at the same time. "
                        "Nothing was saved: check the people and register the household again."
                    )
                }
            ) from exc
        audit.record(
            user,
            "household.registered",
            household,
            data={
                "code": household.code,
                "members": [str(p.pk) for _i, p, _r, _e in people],
                "moved": [{"person": str(m.person.pk), "from": m.from_household.code} for m in moves],
            },
        )
    household.moves = moves
    return household


def _end_other_households(user, household: Household, people: list, errors: dict) -> list[Move]:
    """End the current membership elsewhere of each existing person joining `household`; return
    the moves. A head leaving other members behind is an error (nothing is ended then)."""
    existing = [(index, person) for index, person, _rel, is_existing in people if is_existing]
    if not existing:
        return []
    joining = {person.pk for _index, person, _rel, _e in people}
    now = timezone.now()
    moves: list[Move] = []
    for index, person in existing:
        # Lock the person's current membership: a concurrent move of the same person waits here.
        current = list(
            Membership.objects.select_for_update(of=("self",))
            .current()
            .filter(person=person)
            .exclude(household=household)
            .select_related("household")
        )
        for old in current:
            if old.relationship == Relationship.HEAD:
                stay = Membership.objects.current().filter(household_id=old.household_id).exclude(person_id__in=joining)
                if stay.exists():
                    errors.setdefault(f"member_{index}.existing_person_id", []).append(
                        _(
                            "%(name)s is the head of household %(code)s, whose other members stay there. "
                            "A head of household can move to another household only together with all "
                            "of its members. Nothing was saved."
                        )
                        % {"name": person.full_name, "code": old.household.code}
                    )
                    continue
            moves.append(
                Move(
                    person=person,
                    from_household=old.household,
                    from_relationship=old.relationship,
                    message=_("%(name)s was in household %(old)s and moves to this one (%(new)s).")
                    % {"name": person.full_name, "old": old.household.code, "new": household.code},
                )
            )
    if errors:
        return []
    for move in moves:
        Membership.objects.filter(person=move.person, household=move.from_household, ended_at__isnull=True).update(
            ended_at=now, ended_by=user, end_reason=MembershipEnd.MOVED
        )
        audit.record(
            user,
            "household.member_moved",
            move.person,
            data={
                "from": move.from_household.code,
                "from_relationship": move.from_relationship,
                "to": household.code,
            },
        )
    return moves


def read_protection_data(user, person: Person) -> dict:
    """Decrypt a person's protection fields for a protection role, and log the read."""
    scope = Scope.of(user)
    if scope.role not in SENSITIVE_READERS:
        return {}
    audit.record(user, "person.protection_read", person)
    return decrypt_json(person.protection_data)


# ---- duplicates: volunteers' answers, the learned model, the review queue, merges ---------------

REVIEWERS = selectors.REVIEWERS


def _probe_of(data: PersonInput, region: str):
    """What the volunteer typed, as the engine's record (best effort: the answer was "same person"
    so the form was not validated as a new registration)."""
    phone, raw_phone = "", clean_text(data.phone)
    document = clean_text(data.document_number)
    if raw_phone:
        try:
            phone = parse_phone(raw_phone, region)
        except ValidationError:
            phone = ""
    birth_date, estimated = data.birth_date, False
    if birth_date is None and data.estimated_age is not None and 0 <= data.estimated_age <= MAX_AGE:
        birth_date, estimated = date(date.today().year - data.estimated_age, 1, 1), True
    return engine.probe_record(
        given_names=clean_text(data.given_names),
        family_name_1=clean_text(data.family_name_1),
        family_name_2=clean_text(data.family_name_2),
        sex=data.sex,
        birth_date=birth_date,
        birth_date_estimated=estimated,
        nationality=data.nationality,
        phone_e164=phone,
        document=normalize_document(document) if document else "",
    )


def record_registration_answers(
    user, data: PersonInput, *, chosen: Person | None, new_person: Person | None, national_society
) -> list[MatchDecision]:
    """Store the volunteer's answer for each possible registration shown ("same person" for the one
    chosen, "not the same" for the others), with the probability shown, so the model can learn.
    Candidates outside the National Society are ignored (never trusted from the form)."""
    shown = dict(data.shown_candidates)
    if not shown:
        return []
    region = national_society.country.code
    probe = engine.record_to_json(_probe_of(data, region))
    people = Person.objects.filter(national_society=national_society, pk__in=_valid_uuids(shown))
    decisions = []
    for person in people:
        same = chosen is not None and person.pk == chosen.pk
        decisions.append(
            MatchDecision(
                national_society=national_society,
                person_a=person,
                person_b=None if same else new_person,
                probe=probe,
                decision=MatchDecisionKind.SAME if same else MatchDecisionKind.NOT_SAME,
                source=MatchDecisionSource.REGISTRATION,
                score_shown=_clamp(shown.get(str(person.pk))),
                decided_by=user,
            )
        )
    MatchDecision.objects.bulk_create(decisions)
    for d in decisions:
        audit.record(
            user,
            "person.match_answer",
            d.person_a,
            data={
                "decision": d.decision,
                "other": str(d.person_b_id or (chosen.pk if chosen else "")),
                "score": d.score_shown,
            },
        )
    return decisions


def _valid_uuids(values) -> list[uuid.UUID]:
    out = []
    for v in values:
        try:
            out.append(uuid.UUID(str(v)))
        except ValueError:
            continue
    return out


def _clamp(value) -> float | None:
    try:
        return min(max(float(value), 0.0), 1.0)
    except (TypeError, ValueError):
        return None


def decision_pairs(national_society_id) -> list[tuple]:
    """(record a, record b, same?) for every human decision of the National Society."""
    decisions = MatchDecision.objects.filter(national_society_id=national_society_id).select_related(
        "person_a", "person_b"
    )
    out = []
    for d in decisions:
        a = engine.person_record(d.person_a)
        b = engine.person_record(d.person_b) if d.person_b_id else engine.record_from_json(d.probe)
        out.append((a, b, d.decision == MatchDecisionKind.SAME))
    return out


def improve_model(national_society, user=None) -> MatchModel | None:
    """Re-estimate the National Society's matching model from every decision its people made
    (starting again from the default parameters, so old decisions are not counted twice) and
    store it; the duplicate check, the review queue and duplicate_pairs use it from then on."""
    pairs = decision_pairs(national_society.pk)
    if not pairs:
        return None
    model = default_model().update_from_labels(pairs)
    with transaction.atomic():
        stored, _created = MatchModel.objects.update_or_create(
            national_society=national_society,
            defaults={"parameters": model.to_dict(), "decisions_used": len(pairs), "trained_at": timezone.now()},
        )
        audit.record(
            user,
            "matching.model_improved",
            national_society_id=national_society.pk,
            data={"decisions": len(pairs), "calibration": list(model.calibration)},
        )
        transaction.on_commit(lambda: engine.forget_model(national_society.pk))
    engine.forget_model(national_society.pk)
    return stored


def improve_all_models() -> str:
    """The periodic job: improve the model of every National Society with new decisions."""
    improved = 0
    for ns in NationalSociety.objects.all():
        latest = MatchDecision.objects.filter(national_society=ns).order_by("-decided_at").first()
        if latest is None:
            continue
        stored = MatchModel.objects.filter(national_society=ns).first()
        if stored is not None and stored.trained_at >= latest.decided_at:
            continue
        improve_model(ns)
        improved += 1
    return f"{improved} model(s) improved"


def _pair(a_id, b_id) -> tuple:
    """One order for a pair (so each pair is one row)."""
    return (a_id, b_id) if str(a_id) < str(b_id) else (b_id, a_id)


@dataclass
class FindReport:
    people: int
    found: int
    new: int
    seconds: float


def find_duplicates(national_society, threshold: float = DEFAULT_THRESHOLD, user=None) -> FindReport:
    """Run the engine's batch deduplication over the National Society's people and queue the pairs
    at or above `threshold` for review. Pairs already decided ("not the same", merged) stay closed;
    open pairs get their new probability."""
    import time

    start = time.perf_counter()
    rows = (
        Person.objects.filter(national_society=national_society, merged_into__isnull=True)
        .order_by()
        .values_list(*engine.RECORD_FIELDS)
    )
    people = [Person(**dict(zip(engine.RECORD_FIELDS, row, strict=True))) for row in rows.iterator(chunk_size=5000)]
    records = [engine.person_record(p) for p in people]
    feats = [prepare(r) for r in records]
    model = engine.model_for(national_society.pk)
    matches = dedupe_features(feats, threshold, model)
    tf_model = model.with_frequencies(feats)
    index = {x.rid: i for i, x in enumerate(feats)}
    found = {_pair(uuid.UUID(m.record_id_a), uuid.UUID(m.record_id_b)): m.score for m in matches}
    ids = {pk for pair in found for pk in pair}
    closed = {frozenset(p) for p in selectors.not_same_pairs(ids)}
    existing = {}
    for start_ in range(0, len(found), 500):
        chunk = list(found)[start_ : start_ + 500]
        q = Q()
        for a, b in chunk:
            q |= Q(person_a_id=a, person_b_id=b)
        existing.update({(d.person_a_id, d.person_b_id): d for d in DuplicateCandidate.objects.filter(q)})
    new = []
    with transaction.atomic():
        for (a, b), score in found.items():
            if frozenset((a, b)) in closed:
                continue
            i, j = index[str(a)], index[str(b)]
            explanation = engine.explanation_to_json(tf_model.explain(feats[i], feats[j]))
            current = existing.get((a, b))
            if current is None:
                new.append(
                    DuplicateCandidate(
                        national_society=national_society,
                        person_a_id=a,
                        person_b_id=b,
                        score=score,
                        reasons=explanation,
                    )
                )
            elif current.status == DuplicateStatus.OPEN:
                current.score, current.reasons = score, explanation
                current.save(update_fields=["score", "reasons"])
        DuplicateCandidate.objects.bulk_create(new, batch_size=1000)
        report = FindReport(len(people), len(found), len(new), round(time.perf_counter() - start, 2))
        if not (report.new or user is not None):
            return report  # a periodic run that found nothing new leaves no trace
        audit.record(
            user,
            "duplicates.found",
            national_society_id=national_society.pk,
            data={"people": report.people, "pairs": report.found, "new": report.new, "threshold": threshold},
        )
    return report


def find_all_duplicates() -> str:
    """The periodic job: queue new possible duplicates in every National Society with people."""
    new = 0
    for ns in NationalSociety.objects.filter(pk__in=Person.objects.values("national_society_id").distinct()):
        new += find_duplicates(ns).new
    return f"{new} new possible duplicate pair(s)"


def _reviewable(scope: Scope, qs):
    return qs if scope.is_global else qs.filter(national_society_id=scope.national_society_id)


def mark_not_same(user, candidate_id) -> DuplicateCandidate:
    """A data manager judged the pair two different people: remembered forever (the duplicate
    check, duplicate_pairs and the queue never propose it again)."""
    scope = require(user, REVIEWERS)
    with transaction.atomic():
        candidate = _reviewable(scope, DuplicateCandidate.objects.select_for_update()).get(pk=candidate_id)
        if candidate.status != DuplicateStatus.OPEN:
            raise ValidationError(_("This pair has already been reviewed."))
        candidate.status, candidate.decided_by, candidate.decided_at = DuplicateStatus.NOT_SAME, user, timezone.now()
        candidate.save(update_fields=["status", "decided_by", "decided_at"])
        MatchDecision.objects.create(
            national_society_id=candidate.national_society_id,
            person_a_id=candidate.person_a_id,
            person_b_id=candidate.person_b_id,
            decision=MatchDecisionKind.NOT_SAME,
            source=MatchDecisionSource.REVIEW,
            score_shown=candidate.score,
            decided_by=user,
        )
        audit.record(
            user,
            "duplicates.not_same",
            candidate.person_a,
            data={"person_a": str(candidate.person_a_id), "person_b": str(candidate.person_b_id)},
        )
    return candidate


def _person_references() -> list[tuple]:
    """Every (model, foreign key name) pointing to Person, from any app, including relations
    without a reverse name; the duplicates bookkeeping and the blocking keys (the
    merge drops the merged person's) are left where they are."""
    own = {MatchDecision, DuplicateCandidate, MergeRecord, PersonBlockingKey}
    out = []
    for rel in Person._meta.get_fields(include_hidden=True):
        if not (rel.is_relation and rel.auto_created and not rel.concrete):
            continue
        if rel.many_to_many or rel.related_model in own:
            continue
        out.append((rel.related_model, rel.field.name))
    return out


def _repoint(model, field_name: str, pks: list, to_id) -> None:
    """Point `pks` of `model` to another person; a unique rule broken means nothing changes."""
    try:
        with transaction.atomic():
            model._base_manager.filter(pk__in=pks).update(**{field_name: to_id})
    except IntegrityError as exc:
        raise ValidationError(
            _(
                "These two people cannot be combined: both have a “%(what)s” that may exist only once "
                "(for example, both are members of the same household). Resolve that first; nothing was changed."
            )
            % {"what": model._meta.verbose_name}
        ) from exc


def merge_people(user, candidate_id=None, *, person_a_id=None, person_b_id=None) -> MergeRecord:
    """Combine two registrations of one person. The older registration survives with its code;
    every row of any app that pointed to the other (consents, household memberships, services
    delivered, service point links, ...) is re-pointed to it, and the other is kept, hidden, as
    merged into the survivor. Which rows moved is recorded, so `unmerge` restores them. All or
    nothing; audited for both people."""
    scope = require(user, REVIEWERS)
    with transaction.atomic():
        candidate = None
        if candidate_id is not None:
            candidate = _reviewable(scope, DuplicateCandidate.objects.select_for_update()).get(pk=candidate_id)
            if candidate.status != DuplicateStatus.OPEN:
                raise ValidationError(_("This pair has already been reviewed."))
            person_a_id, person_b_id = candidate.person_a_id, candidate.person_b_id
        people = list(
            _reviewable(scope, Person.objects.select_for_update()).filter(
                pk__in=[person_a_id, person_b_id], merged_into__isnull=True
            )
        )
        if len(people) != 2 or people[0].national_society_id != people[1].national_society_id:
            raise ValidationError(_("Both people must be registered, not merged, and in your National Society."))
        survivor, merged = sorted(people, key=lambda p: (p.created_at, p.code))
        households = list(
            Membership.objects.current().filter(person__in=people).select_related("household").order_by("joined_at")
        )
        if len(households) > 1:
            raise ValidationError(
                _(
                    "These two people cannot be combined: each is a current member of a household "
                    "(%(households)s), and a person belongs to one household only. Nothing was changed."
                )
                % {"households": ", ".join(m.household.code for m in households)}
            )
        moved: list[dict] = []
        removed: list[dict] = []
        # The service points the survivor is already linked to: the other's link there is redundant.
        duplicate_links = PersonServicePoint.objects.filter(
            person=merged, service_point_id__in=survivor.service_point_links.values("service_point_id")
        )
        for link in duplicate_links:
            removed.append({"service_point": str(link.service_point_id), "linked_at": link.linked_at.isoformat()})
        duplicate_links.delete()
        for model, field_name in _person_references():
            pks = list(model._base_manager.filter(**{field_name: merged.pk}).values_list("pk", flat=True))
            if not pks:
                continue
            _repoint(model, field_name, pks, survivor.pk)
            label = model._meta.label_lower
            moved += [{"model": label, "field": field_name, "pk": str(pk)} for pk in pks]
        merged.merged_into = survivor
        merged.updated_by = user
        merged.save(update_fields=["merged_into", "updated_by", "updated_at"])
        keys.drop_keys(merged.pk)  # the duplicate check no longer proposes the merged registration
        record = MergeRecord.objects.create(
            national_society_id=survivor.national_society_id,
            survivor=survivor,
            merged=merged,
            moved=moved,
            removed=removed,
            merged_by=user,
        )
        if candidate is not None:
            candidate.status, candidate.decided_by, candidate.decided_at = DuplicateStatus.MERGED, user, timezone.now()
            candidate.save(update_fields=["status", "decided_by", "decided_at"])
        MatchDecision.objects.create(
            national_society_id=survivor.national_society_id,
            person_a=survivor,
            person_b=merged,
            decision=MatchDecisionKind.SAME,
            source=MatchDecisionSource.REVIEW,
            score_shown=candidate.score if candidate else None,
            decided_by=user,
        )
        summary = {"survivor": str(survivor.pk), "merged": str(merged.pk), "merge": str(record.pk), "rows": len(moved)}
        audit.record(user, "person.merged", survivor, data=summary)
        audit.record(user, "person.merged_into", merged, data=summary)
    return record


def unmerge(user, merge_id) -> MergeRecord:
    """Undo a merge: the rows that moved go back to the merged person, who is visible again.
    Rows added to the survivor since the merge stay with the survivor."""
    scope = require(user, REVIEWERS)
    with transaction.atomic():
        record = _reviewable(scope, MergeRecord.objects.select_for_update()).get(pk=merge_id)
        if record.unmerged_at is not None:
            raise ValidationError(_("This merge has already been undone."))
        merged, survivor = record.merged, record.survivor
        by_target: dict[tuple, list] = {}
        for row in record.moved:
            by_target.setdefault((row["model"], row["field"]), []).append(row["pk"])
        for (label, field_name), pks in by_target.items():
            model = apps.get_model(label)
            pks = list(model._base_manager.filter(pk__in=pks, **{field_name: survivor.pk}).values_list("pk", flat=True))
            _repoint(model, field_name, pks, merged.pk)
        for link in record.removed:
            PersonServicePoint.objects.get_or_create(person=merged, service_point_id=link["service_point"])
        merged.merged_into = None
        merged.updated_by = user
        merged.save(update_fields=["merged_into", "updated_by", "updated_at"])
        keys.store_keys(merged.pk)
        record.unmerged_by, record.unmerged_at = user, timezone.now()
        record.save(update_fields=["unmerged_by", "unmerged_at"])
        # The merge's "same person" answer no longer holds; the pair goes back to the queue.
        MatchDecision.objects.filter(
            person_a=survivor, person_b=merged, decision=MatchDecisionKind.SAME, source=MatchDecisionSource.REVIEW
        ).delete()
        DuplicateCandidate.objects.filter(
            Q(person_a=survivor, person_b=merged) | Q(person_a=merged, person_b=survivor),
            status=DuplicateStatus.MERGED,
        ).update(status=DuplicateStatus.OPEN, decided_by=None, decided_at=None)
        summary = {"survivor": str(survivor.pk), "merged": str(merged.pk), "merge": str(record.pk)}
        audit.record(user, "person.unmerged", survivor, data=summary)
        audit.record(user, "person.unmerged_from", merged, data=summary)
    return record
