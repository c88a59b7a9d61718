"""Every state change of a tracing case: open it, assign it, move it through its statuses, add
notes and tasks. The matching steps (candidates, confirmation, the found person's decision)
are in `rfl.candidates`.

Each function checks the permission (RFL and protection officers of the case's National Society),
validates, writes in one transaction with the status history and an audit event. Audit events
carry the case code, never a name or a note. Reads of the sealed details are audited too
(`record_read`).
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caminante.core import audit
from caminante.core.codes import new_code
from caminante.core.models import ServicePoint, User
from caminante.core.roles import RFL_ROLES, Role
from caminante.core.scoping import Scope, require
from caminante.core.text import clean_name, clean_text
from caminante.registry.models import Sex

from .models import (
    CandidateDecision,
    CaseNote,
    CaseTask,
    Circumstance,
    ClosureReason,
    FoundConsent,
    SoughtRelationship,
    Status,
    StatusChange,
    TracingCandidate,
    TracingRequest,
)

MAX_AGE = 120
ADULT_AGE = 18
OLDER_AGE = 60
#: A year of birth and an age given together may differ by this much (the birthday may be ahead).
AGE_TOLERANCE = 1
MAX_NOTE = 5000
#: Lengths of the sealed text fields (refused when longer, never cut).
LENGTHS = {
    "enquirer_name": 200,
    "enquirer_contact": 200,
    "given_names": 120,
    "family_names": 160,
    "nicknames": 200,
    "place_of_origin": 200,
    "last_known_place": 200,
}
# The moves `change_status` makes; "possible match" and "located" have their own steps.
PLAIN_TARGETS = frozenset({Status.SEARCHING, Status.CONTACT_RESTORED, Status.REUNITED, Status.CLOSED})


@dataclass
class TracingInput:
    """What the officer enters when a request is taken. `age` stands in for an unknown year of birth."""

    enquirer_name: str
    enquirer_contact: str
    enquirer_consent: bool
    given_names: str
    circumstance: str
    relationship: str
    family_names: str = ""
    nicknames: str = ""
    sex: str = Sex.UNKNOWN
    birth_year: int | None = None
    age: int | None = None
    place_of_origin: str = ""
    last_known_place: str = ""
    last_known_date: date | None = None
    unaccompanied_child: bool = False
    older_person: bool = False
    disability: bool = False
    service_point: ServicePoint | None = None


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _clean_texts(data: TracingInput, errors: dict) -> dict[str, str]:
    text = {}
    for name, max_length in LENGTHS.items():
        try:
            text[name] = clean_name(getattr(data, name), field=name, max_length=max_length)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.message_dict[name])
            text[name] = ""
    return text


def _birth_year(data: TracingInput, today: date, errors: dict) -> tuple[int | None, bool, int | None]:
    """(year of birth, estimated from an age, age) from what was given; errors when they disagree."""
    year, estimated, age = data.birth_year, False, None
    if year is not None:
        if not 1900 <= year <= today.year:
            _add(errors, "birth_year", _("Enter a year of birth between 1900 and %(year)s.") % {"year": today.year})
            year = None
        else:
            age = today.year - year
    if data.age is not None:
        if not 0 <= data.age <= MAX_AGE:
            _add(errors, "age", _("The age must be between 0 and %(max)s years.") % {"max": MAX_AGE})
        elif year is None and "birth_year" not in errors:
            year, estimated, age = today.year - data.age, True, data.age
        elif age is not None and abs(age - data.age) > AGE_TOLERANCE:
            _add(
                errors,
                "age",
                _("The year of birth gives an age of %(age)s, the age given is %(given)s. Correct one of them.")
                % {"age": age, "given": data.age},
            )
    return year, estimated, age


def validate_request(data: TracingInput, *, today: date) -> dict:
    """Check a request; return the cleaned values. Raises ValidationError with every problem, by field."""
    errors: dict[str, list[str]] = {}
    text = _clean_texts(data, errors)
    if not data.enquirer_consent:
        _add(errors, "enquirer_consent", _("A request is taken only with the enquirer's consent."))
    if not text["enquirer_name"] and "enquirer_name" not in errors:
        _add(errors, "enquirer_name", _("Enter the enquirer's name."))
    if not text["enquirer_contact"] and "enquirer_contact" not in errors:
        _add(errors, "enquirer_contact", _("Enter how to reach the enquirer."))
    if not text["given_names"] and "given_names" not in errors:
        _add(errors, "given_names", _("Enter the sought person's given names."))
    if data.sex not in Sex.values:
        _add(errors, "sex", _("Choose the sex."))
    if data.circumstance not in Circumstance.values:
        _add(errors, "circumstance", _("Choose the circumstances of separation."))
    if data.relationship not in SoughtRelationship.values:
        _add(errors, "relationship", _("Choose the relationship."))
    year, estimated, age = _birth_year(data, today, errors)
    if data.last_known_date is not None:
        if data.last_known_date > today:
            _add(errors, "last_known_date", _("The last known date cannot be in the future."))
        elif data.last_known_date.year < 1900:
            _add(errors, "last_known_date", _("Enter a date between 1900 and 2100."))
    if data.unaccompanied_child and age is not None and age >= ADULT_AGE:
        _add(
            errors,
            "unaccompanied_child",
            _("“Unaccompanied or separated child” is only for people under %(adult)s; this person is %(age)s.")
            % {"adult": ADULT_AGE, "age": age},
        )
    if data.older_person and age is not None and age < OLDER_AGE:
        _add(
            errors,
            "older_person",
            _("“Older person” is for people of %(older)s or more; this person is %(age)s.")
            % {"older": OLDER_AGE, "age": age},
        )
    if errors:
        raise ValidationError(errors)
    return {"text": text, "birth_year": year, "birth_year_estimated": estimated}


def _new_request_code() -> str:
    for _attempt in range(10):
        code = new_code("TR")
        if not TracingRequest.objects.filter(code=code).exists():
            return code
    raise RuntimeError("could not draw a free tracing code")


def _scope(user) -> Scope:
    return require(user, RFL_ROLES)


def may_work_on(user, tracing: TracingRequest) -> Scope:
    """The user may work on this case: an RFL or protection officer of its National Society.
    Anything else is refused as if the case did not exist (the views answer 404)."""
    scope = _scope(user)
    if tracing.national_society_id != scope.national_society_id:
        raise PermissionDenied("another National Society's tracing case")
    return scope


def lock(tracing: TracingRequest) -> TracingRequest:
    return TracingRequest.objects.select_for_update().get(pk=tracing.pk)


def log_status(user, tracing: TracingRequest, from_status: str, reason: str = "") -> None:
    StatusChange.objects.create(
        tracing_request=tracing, from_status=from_status, to_status=tracing.status, closure_reason=reason, by=user
    )
    audit.record(
        user,
        "rfl.tracing.status",
        tracing,
        data={"code": tracing.code, "from": from_status, "to": tracing.status, "reason": reason},
    )


def open_request(user, data: TracingInput) -> TracingRequest:
    """Take a tracing request: the enquirer, the sought person, the circumstances. Returns it with its code."""
    scope = _scope(user)
    service_point = data.service_point
    if service_point is not None and service_point.national_society_id != scope.national_society_id:
        raise ValidationError({"service_point": _("That service point belongs to another National Society.")})
    cleaned = validate_request(data, today=timezone.localdate())
    text = cleaned["text"]
    with transaction.atomic():
        tracing = TracingRequest(
            code=_new_request_code(),
            national_society_id=scope.national_society_id,
            service_point=service_point,
            enquirer_consent=True,
            sought_sex=data.sex,
            sought_birth_year=cleaned["birth_year"],
            sought_birth_year_estimated=cleaned["birth_year_estimated"],
            last_known_date=data.last_known_date,
            circumstance=data.circumstance,
            relationship=data.relationship,
            unaccompanied_child=data.unaccompanied_child,
            older_person=data.older_person,
            disability=data.disability,
            created_by=user,
            updated_by=user,
            created_at_point=service_point,
        )
        tracing.seal(
            enquirer={"name": text["enquirer_name"], "contact": text["enquirer_contact"]},
            sought={
                name: text[name]
                for name in ("given_names", "family_names", "nicknames", "place_of_origin", "last_known_place")
            },
        )
        tracing.save(force_insert=True)
        log_status(user, tracing, "")
    return tracing


def record_read(user, tracing: TracingRequest, what: str = "case") -> None:
    """Every read of a case's sealed details (the detail page, the API, the candidates) is logged."""
    audit.record(user, "rfl.tracing.read", tracing, data={"code": tracing.code, "what": what})


def record_list_read(user, count: int, where: str = "list") -> None:
    scope = _scope(user)
    audit.record(
        user, "rfl.tracing.list", data={"count": count, "where": where}, national_society_id=scope.national_society_id
    )


def _closure_errors(tracing: TracingRequest, reason: str) -> str | None:
    if reason not in ClosureReason.values:
        return _("Choose why the case is closed.")
    if reason == ClosureReason.FOUND_DEAD and tracing.deceased_record_id is None:
        return _("“Found dead” needs a match with a deceased-migrant record confirmed by two different RFL officers.")
    if reason == ClosureReason.LINK_RESTORED and tracing.contact_restored_at is None:
        return _("“Family link restored” needs the contact to have been restored first.")
    if reason == ClosureReason.FOUND_DECLINED and tracing.found_consent not in (
        FoundConsent.SAFE_AND_WELL,
        FoundConsent.REFUSES,
    ):
        return _("“The person did not agree to contact” needs their decision to be recorded first.")
    return None


def change_status(user, tracing: TracingRequest, to_status: str, *, closure_reason: str = "") -> TracingRequest:
    """Move a case one step: start the search, restore contact, reunite, close (with a reason), or
    go back to the search when a possible match was wrong (the confirmed candidate is rejected)."""
    may_work_on(user, tracing)
    with transaction.atomic():
        tracing = lock(tracing)
        if to_status == Status.POSSIBLE_MATCH:
            raise ValidationError({"status": _("Confirm one of the candidates to record a possible match.")})
        if to_status == Status.LOCATED:
            raise ValidationError({"status": _("Record the found person's decision to mark the case located.")})
        if to_status not in PLAIN_TARGETS or not tracing.can_move_to(to_status):
            raise ValidationError(
                {
                    "status": _("A case that is “%(current)s” cannot become “%(target)s”.")
                    % {
                        "current": Status(tracing.status).label,
                        "target": Status(to_status).label if to_status in Status.values else to_status,
                    }
                }
            )
        if to_status == Status.CLOSED:
            problem = _closure_errors(tracing, closure_reason)
            if problem:
                raise ValidationError({"closure_reason": problem})
        elif closure_reason:
            raise ValidationError({"closure_reason": _("A reason is given only when the case is closed.")})
        if to_status == Status.REUNITED and tracing.unaccompanied_child and tracing.family_link_verified_at is None:
            raise ValidationError(
                {"status": _("A child is reunited only after the family link was verified (best-interests step).")}
            )
        if to_status == Status.CONTACT_RESTORED and tracing.found_consent != FoundConsent.SHARE_LOCATION:
            raise ValidationError(
                {"status": _("Contact is restored only when the found person agreed that the enquirer may reach them.")}
            )
        now, previous = timezone.now(), tracing.status
        if previous == Status.POSSIBLE_MATCH and to_status == Status.SEARCHING:
            TracingCandidate.objects.filter(tracing_request=tracing, decision=CandidateDecision.CONFIRMED).update(
                decision=CandidateDecision.REJECTED, decided_at=now, decided_by=user
            )
            tracing.matched_person = None
        tracing.status = to_status
        if to_status == Status.CONTACT_RESTORED:
            tracing.contact_restored_at = now
        elif to_status == Status.REUNITED:
            tracing.reunited_at = now
        elif to_status == Status.CLOSED:
            tracing.closure_reason, tracing.closed_at = closure_reason, now
        tracing.updated_by = user
        tracing.save()
        log_status(user, tracing, previous, closure_reason)
    return tracing


def rfl_officers(national_society_id):
    """The RFL officers a case of this National Society may be assigned to."""
    return User.objects.filter(role=Role.RFL, national_society_id=national_society_id, is_active=True).order_by(
        "username"
    )


def assign(user, tracing: TracingRequest, officer: User | None) -> TracingRequest:
    """Give the case to an RFL officer of its National Society (None: nobody)."""
    may_work_on(user, tracing)
    if officer is not None and not rfl_officers(tracing.national_society_id).filter(pk=officer.pk).exists():
        raise ValidationError({"assigned_to": _("Choose an RFL officer of this National Society.")})
    with transaction.atomic():
        tracing = lock(tracing)
        tracing.assigned_to, tracing.updated_by = officer, user
        tracing.save(update_fields=["assigned_to", "updated_by", "updated_at"])
        audit.record(
            user,
            "rfl.tracing.assigned",
            tracing,
            data={"code": tracing.code, "to": officer.username if officer else ""},
        )
    return tracing


def add_note(user, tracing: TracingRequest, text: str) -> CaseNote:
    """A note on the case, encrypted at rest (its words never go to the audit log)."""
    may_work_on(user, tracing)
    text = clean_text(text, multiline=True)
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    if len(text) > MAX_NOTE:
        raise ValidationError(
            {"text": _("At most %(max)s characters (this has %(n)s).") % {"max": MAX_NOTE, "n": len(text)}}
        )
    from caminante.core.crypto import encrypt_json

    with transaction.atomic():
        note = CaseNote.objects.create(tracing_request=tracing, sealed=encrypt_json({"text": text}), created_by=user)
        audit.record(user, "rfl.note.added", tracing, data={"code": tracing.code, "note": str(note.pk)})
    return note


def add_task(user, tracing: TracingRequest, *, title: str, due_on: date) -> CaseTask:
    may_work_on(user, tracing)
    title = clean_name(title, field="title", max_length=200)
    errors: dict[str, list[str]] = {}
    if not title:
        _add(errors, "title", _("Say what is to be done."))
    if due_on is None:
        _add(errors, "due_on", _("Give the due date."))
    elif not date(1900, 1, 1) <= due_on <= date(2100, 12, 31):
        _add(errors, "due_on", _("Enter a date between 1900 and 2100."))
    if tracing.is_closed:
        _add(errors, "title", _("The case is closed."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        task = CaseTask.objects.create(tracing_request=tracing, title=title, due_on=due_on, created_by=user)
        audit.record(user, "rfl.task.added", tracing, data={"code": tracing.code, "task": str(task.pk)})
    return task


def complete_task(user, task: CaseTask) -> CaseTask:
    may_work_on(user, task.tracing_request)
    with transaction.atomic():
        claimed = CaseTask.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=timezone.now(), done_by=user)
        if not claimed:
            raise ValidationError({"task": _("The task is already done.")})
        audit.record(
            user, "rfl.task.done", task.tracing_request, data={"code": task.tracing_request.code, "task": str(task.pk)}
        )
    task.refresh_from_db()
    return task
