"""Deceased migrants: minimal, sensitive records kept for matching with tracing requests and for
a dignified identification, and the two-person confirmation of a match.

- A record holds the date found, sex and estimated age in plain columns (for matching) and
  everything else (where found, description, belongings, where buried, the authority involved)
  encrypted. Only RFL and protection officers of the National Society read it; every read is
  audited. Photos are not kept yet.
- A possible match with a tracing request is confirmed by two different RFL officers, one after
  the other (the database refuses the same officer twice). Only then may the case close with
  "found dead" (`services.change_status`, and a check constraint).
- The family is told by a person, never by an automatic message: nothing here writes to the
  outbox, and no template or channel message exists for it.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from caminante.core import audit, crypto
from caminante.core.codes import new_code
from caminante.core.roles import RFL_ROLES, Role
from caminante.core.scoping import NoScope, Scope, require
from caminante.core.text import clean_text
from caminante.registry.models import Sex

from .models import DeceasedMatch, DeceasedMatchState, DeceasedRecord, Status, TracingRequest
from .services import lock, may_work_on

MAX_AGE = 120
#: Lengths of the sealed text fields (refused when longer, never cut).
LENGTHS = {
    "place_found": 200,
    "description": 2000,
    "belongings": 2000,
    "burial_place": 200,
    "authority": 200,
}
#: Who may confirm a match (the two confirmers): RFL officers only.
CONFIRMERS = frozenset({Role.RFL})
#: How far the estimated age and a request's year of birth may differ for a suggestion.
AGE_SPREAD = 10


@dataclass
class DeceasedInput:
    found_on: date | None
    place_found: str
    sex: str = Sex.UNKNOWN
    estimated_age: int | None = None
    description: str = ""
    belongings: str = ""
    burial_place: str = ""
    authority: str = ""


def records_for(user) -> QuerySet[DeceasedRecord]:
    """The deceased-migrant records of the user's National Society (RFL and protection officers)."""
    scope = Scope.of(user).require(RFL_ROLES)
    if scope.national_society_id is None:
        raise NoScope("no National Society")
    return DeceasedRecord.objects.filter(national_society_id=scope.national_society_id)


def _may_work_on(user, record: DeceasedRecord) -> Scope:
    scope = require(user, RFL_ROLES)
    if record.national_society_id != scope.national_society_id:
        raise PermissionDenied("another National Society's record")
    return scope


def validate(data: DeceasedInput, *, today: date) -> dict:
    errors: dict[str, list[str]] = {}
    text = {}
    for name, max_length in LENGTHS.items():
        value = clean_text(getattr(data, name) or "", multiline=name in ("description", "belongings"))
        if len(value) > max_length:
            errors[name] = [_("At most %(max)s characters (this has %(n)s).") % {"max": max_length, "n": len(value)}]
        text[name] = value
    if not text["place_found"] and "place_found" not in errors:
        errors["place_found"] = [_("Say where the person was found.")]
    if data.found_on is None:
        errors["found_on"] = [_("Give the date the person was found.")]
    elif not date(1900, 1, 1) <= data.found_on <= today:
        errors["found_on"] = [_("The date cannot be in the future.")]
    if data.sex not in Sex.values:
        errors["sex"] = [_("Choose the sex.")]
    if data.estimated_age is not None and not 0 <= data.estimated_age <= MAX_AGE:
        errors["estimated_age"] = [_("The age must be between 0 and %(max)s years.") % {"max": MAX_AGE}]
    if errors:
        raise ValidationError(errors)
    return text


def record_deceased(user, data: DeceasedInput) -> DeceasedRecord:
    """Keep a deceased-migrant record (the personal details encrypted). Returns it with its code."""
    scope = require(user, RFL_ROLES)
    text = validate(data, today=timezone.localdate())
    with transaction.atomic():
        for _attempt in range(10):
            code = new_code("DM")
            if not DeceasedRecord.objects.filter(code=code).exists():
                break
        record = DeceasedRecord(
            code=code,
            national_society_id=scope.national_society_id,
            found_on=data.found_on,
            sex=data.sex,
            estimated_age=data.estimated_age,
            sealed=crypto.encrypt_json(text),
            created_by=user,
            updated_by=user,
        )
        record.save(force_insert=True)
        audit.record(user, "rfl.deceased.recorded", record, data={"code": record.code})
    return record


def record_read(user, record: DeceasedRecord, what: str = "record") -> None:
    audit.record(user, "rfl.deceased.read", record, data={"code": record.code, "what": what})


def record_list_read(user, count: int) -> None:
    scope = require(user, RFL_ROLES)
    audit.record(user, "rfl.deceased.list", data={"count": count}, national_society_id=scope.national_society_id)


def suggestions(user, record: DeceasedRecord, limit: int = 20) -> list[TracingRequest]:
    """Cases that could be this person: not closed, of the same National Society, sex not in
    contradiction, year of birth near the estimated age; "death suspected" first."""
    _may_work_on(user, record)
    qs = TracingRequest.objects.filter(national_society_id=record.national_society_id).exclude(status=Status.CLOSED)
    qs = qs.exclude(deceased_matches__deceased=record)
    if record.sex in (Sex.FEMALE, Sex.MALE):
        qs = qs.filter(sought_sex__in=[record.sex, Sex.UNKNOWN, Sex.INTERSEX])
    if record.estimated_age is not None:
        year = record.found_on.year - record.estimated_age
        qs = qs.filter(
            Q(sought_birth_year__isnull=True)
            | Q(sought_birth_year__gte=year - AGE_SPREAD, sought_birth_year__lte=year + AGE_SPREAD)
        )
    ranked = sorted(qs[:200], key=lambda t: (t.circumstance != "death_suspected", -t.created_at.timestamp()))
    return ranked[:limit]


def propose_match(user, record: DeceasedRecord, tracing: TracingRequest) -> DeceasedMatch:
    """An officer thinks this record may be the person a case looks for."""
    _may_work_on(user, record)
    try:
        may_work_on(user, tracing)
    except PermissionDenied:
        raise ValidationError({"tracing": _("Choose a tracing case of this National Society.")}) from None
    if tracing.national_society_id != record.national_society_id:
        raise ValidationError({"tracing": _("Choose a tracing case of this National Society.")})
    if tracing.is_closed:
        raise ValidationError({"tracing": _("The case is closed.")})
    try:
        with transaction.atomic():
            match = DeceasedMatch.objects.create(deceased=record, tracing_request=tracing, proposed_by=user)
            audit.record(user, "rfl.deceased.match_proposed", record, data={"code": record.code, "case": tracing.code})
    except IntegrityError:
        raise ValidationError({"tracing": _("This case is already linked to the record.")}) from None
    return match


def confirm_match(user, match: DeceasedMatch) -> DeceasedMatch:
    """One of the two confirmations. The first RFL officer confirms, then a different one; at the
    second, the case is linked to the record and may close with "found dead". The family is told
    by a person: nothing is sent."""
    _may_work_on(user, match.deceased)
    if user.role not in CONFIRMERS:
        raise ValidationError({"match": _("Only RFL officers confirm a match with a deceased migrant.")})
    with transaction.atomic():
        match = DeceasedMatch.objects.select_for_update().select_related("deceased").get(pk=match.pk)
        tracing = lock(match.tracing_request)
        if match.state != DeceasedMatchState.PROPOSED:
            raise ValidationError({"match": _("This match was already decided.")})
        now = timezone.now()
        if match.first_confirmed_by_id is None:
            match.first_confirmed_by, match.first_confirmed_at = user, now
            match.save(update_fields=["first_confirmed_by", "first_confirmed_at"])
            step = "first"
        elif match.first_confirmed_by_id == user.pk:
            raise ValidationError({"match": _("A second, different RFL officer must confirm the match.")})
        else:
            if tracing.is_closed:
                raise ValidationError({"match": _("The case is closed.")})
            if tracing.deceased_record_id is not None:
                raise ValidationError({"match": _("The case is already matched to a deceased-migrant record.")})
            match.second_confirmed_by, match.second_confirmed_at = user, now
            match.state = DeceasedMatchState.CONFIRMED
            match.save(update_fields=["second_confirmed_by", "second_confirmed_at", "state"])
            tracing.deceased_record, tracing.updated_by = match.deceased, user
            tracing.save(update_fields=["deceased_record", "updated_by", "updated_at"])
            step = "second"
        audit.record(
            user,
            "rfl.deceased.match_confirmed",
            match.deceased,
            data={"code": match.deceased.code, "case": tracing.code, "confirmation": step},
        )
    return match


def reject_match(user, match: DeceasedMatch) -> DeceasedMatch:
    _may_work_on(user, match.deceased)
    with transaction.atomic():
        match = DeceasedMatch.objects.select_for_update().select_related("deceased", "tracing_request").get(pk=match.pk)
        if match.state != DeceasedMatchState.PROPOSED:
            raise ValidationError({"match": _("This match was already decided.")})
        match.state, match.rejected_at, match.rejected_by = DeceasedMatchState.REJECTED, timezone.now(), user
        match.save(update_fields=["state", "rejected_at", "rejected_by"])
        audit.record(
            user,
            "rfl.deceased.match_rejected",
            match.deceased,
            data={"code": match.deceased.code, "case": match.tracing_request.code},
        )
    return match
