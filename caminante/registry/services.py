"""Every change to people, households and consent. Views, API and commands call these."""

from dataclasses import dataclass, field
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caminante.core import audit
from caminante.core.codes import new_code
from caminante.core.crypto import decrypt_json, encrypt_json
from caminante.core.models import ServicePoint
from caminante.core.roles import FIELD_WRITERS, HSP_ROLES, SENSITIVE_READERS
from caminante.core.scoping import Scope, require
from caminante.matching.normalize import fold, name_tokens, normalize_document, phonetic_key

from .models import (
    WG_DOMAINS,
    Consent,
    ConsentChannel,
    ConsentPurpose,
    Difficulty,
    Household,
    Membership,
    Person,
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


def validate_person(data: PersonInput, *, today: date, region: str) -> dict:
    """Check one person's data; return the cleaned field values. Raises ValidationError with
    every problem found, keyed by field."""
    errors: dict[str, list[str]] = {}
    if not data.given_names.strip():
        errors.setdefault("given_names", []).append(_("Enter the person's given names."))
    if data.sex not in Sex.values:
        errors.setdefault("sex", []).append(_("Choose the sex."))
    if not (data.family_name_1.strip() or data.family_name_2.strip()):
        errors.setdefault("family_name_1", []).append(_("Enter at least one family name."))
    birth_date, estimated = data.birth_date, False
    if birth_date is not None:
        if birth_date > today:
            errors.setdefault("birth_date", []).append(_("The date of birth cannot be in the future."))
        elif today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day)) > MAX_AGE:
            errors.setdefault("birth_date", []).append(
                _("That date of birth gives an age over %(max)s years.") % {"max": MAX_AGE}
            )
    elif data.estimated_age is not None:
        if not 0 <= data.estimated_age <= MAX_AGE:
            errors.setdefault("estimated_age", []).append(
                _("The estimated age must be between 0 and %(max)s years.") % {"max": MAX_AGE}
            )
        else:
            birth_date, estimated = date(today.year - data.estimated_age, 1, 1), True
    phone_e164 = ""
    if data.phone.strip():
        try:
            phone_e164 = parse_phone(data.phone.strip(), region)
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.message_dict["phone"])
    if data.document_number.strip() and not data.document_type:
        errors.setdefault("document_type", []).append(_("Choose the type of the document."))
    document = normalize_document(data.document_number) if data.document_number.strip() else ""
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
        "given_names": " ".join(data.given_names.split()),
        "family_name_1": " ".join(data.family_name_1.split()),
        "family_name_2": " ".join(data.family_name_2.split()),
        "sex": data.sex,
        "birth_date": birth_date,
        "birth_date_estimated": estimated,
        "nationality": data.nationality,
        "document_type": data.document_type if document else "",
        "document_number": data.document_number.strip(),
        "document_number_normalized": document,
        "phone": data.phone.strip(),
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
        **name_keys(data.given_names, data.family_name_1, data.family_name_2),
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
            return confirm_same_person(user, data.existing_person_id, service_point)
        return _create_person(user, service_point, data, service_point.local_today())


def confirm_same_person(user, person_id: str, service_point: ServicePoint) -> Person:
    """The volunteer recognised an existing registration: serve that person here from now on."""
    scope = require(user, FIELD_WRITERS)
    with transaction.atomic():
        person = _existing_person(scope, person_id)
        link_to_service_point(person, service_point)
        audit.record(user, "person.confirmed_same", person, service_point_id=service_point.pk)
    return person


def register_household(user, members: list[PersonInput], service_point: ServicePoint | None = None) -> Household:
    """Register a household: every member (new or existing) with their relationship to the head.
    All or nothing: one bad member changes nothing."""
    scope = require(user, FIELD_WRITERS)
    service_point = acting_service_point(scope, service_point)
    heads = [m for m in members if m.relationship == Relationship.HEAD]
    if len(heads) != 1:
        raise ValidationError({"relationship": _("A household needs exactly one head of household.")})
    unknown = [m for m in members if m.relationship not in Relationship.values]
    if unknown:
        raise ValidationError({"relationship": _("Choose each member's relationship to the head.")})
    errors: dict[str, list[str]] = {}
    people: list[tuple[Person, str]] = []
    with transaction.atomic():
        household = Household.objects.create(
            national_society=service_point.national_society,
            service_point=service_point,
            code=_new_unique_code(Household, service_point.national_society.country.code),
            created_by=user,
            updated_by=user,
            created_at_point=service_point,
        )
        for index, member in enumerate(members, start=1):
            try:
                with transaction.atomic():
                    person = register_person(user, member, service_point)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors.setdefault(f"member_{index}.{name}", []).extend(messages)
                continue
            people.append((person, member.relationship))
        if errors:
            transaction.set_rollback(True)
            raise ValidationError(errors)
        Membership.objects.bulk_create(
            Membership(household=household, person=person, relationship=rel) for person, rel in people
        )
        audit.record(
            user,
            "household.registered",
            household,
            data={"code": household.code, "members": [str(p.pk) for p, _r in people]},
        )
    return household


def read_protection_data(user, person: Person) -> dict:
    """Decrypt a person's protection fields for a protection role, and log the read."""
    scope = Scope.of(user)
    if scope.role not in SENSITIVE_READERS:
        return {}
    audit.record(user, "person.protection_read", person)
    return decrypt_json(person.protection_data)
