"""Unaccompanied and separated children: the best-interests steps of a child case (assessment,
interim care, tracing, verification of the family link), the rule that a child is reunited only
after the family link was verified (here and in the database), and the referral of the child to
the child-protection pathway of the referrals directory.

A child case is a tracing request flagged "unaccompanied or separated child". Only RFL and
protection officers of its National Society see it (`services.may_work_on`).
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from caminante.core import audit, crypto
from caminante.core.text import clean_text
from caminante.referrals.models import DirectoryService

from .models import MATCHED, ChildReferral, ChildStep, ChildStepKind, Status, TracingRequest
from .services import lock, may_work_on

#: The directory's service type and the referrals catalogue's need for a child alone.
CHILD_PROTECTION = "child-protection"
CHILD_NEED = "unaccompanied-child"
MAX_STEP_NOTE = 2000
MAX_REFERRAL_NOTE = 500


def prioritised(qs: QuerySet[TracingRequest]) -> QuerySet[TracingRequest]:
    """Cases still open first, child cases first among them, then the newest."""
    return qs.annotate(
        _closed=Case(When(status=Status.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("_closed", "-unaccompanied_child", "-created_at")


def child_cases(qs: QuerySet[TracingRequest]) -> QuerySet[TracingRequest]:
    """The child cases, the ones waiting longest first (closed ones last)."""
    return (
        qs.filter(unaccompanied_child=True)
        .annotate(
            _closed=Case(When(status=Status.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        .order_by("_closed", "created_at")
    )


def _require_child_case(tracing: TracingRequest) -> None:
    if not tracing.unaccompanied_child:
        raise ValidationError({"kind": _("Best-interests steps are recorded on child cases only.")})


def record_step(user, tracing: TracingRequest, kind: str, *, done_on: date, note: str = "") -> ChildStep:
    """Record one best-interests step. The family-link verification needs a matched person (the
    link verified is the one with someone found); it lets the child be reunited."""
    may_work_on(user, tracing)
    _require_child_case(tracing)
    errors: dict[str, list[str]] = {}
    if kind not in ChildStepKind.values:
        errors["kind"] = [_("Choose the step.")]
    if done_on is None:
        errors["done_on"] = [_("Give the date.")]
    elif not date(1900, 1, 1) <= done_on <= timezone.localdate():
        errors["done_on"] = [_("The date cannot be in the future.")]
    note = clean_text(note or "", multiline=True)
    if len(note) > MAX_STEP_NOTE:
        errors["note"] = [_("At most %(max)s characters (this has %(n)s).") % {"max": MAX_STEP_NOTE, "n": len(note)}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        tracing = lock(tracing)
        if tracing.is_closed:
            raise ValidationError({"kind": _("The case is closed.")})
        if ChildStep.objects.filter(tracing_request=tracing, kind=kind).exists():
            raise ValidationError({"kind": _("This step is already recorded.")})
        if kind == ChildStepKind.VERIFICATION:
            if tracing.status not in MATCHED or tracing.matched_person_id is None:
                raise ValidationError({"kind": _("The family link is verified once a person is matched to the case.")})
            tracing.family_link_verified_at = timezone.now()
            tracing.updated_by = user
            tracing.save(update_fields=["family_link_verified_at", "updated_by", "updated_at"])
        step = ChildStep.objects.create(
            tracing_request=tracing,
            kind=kind,
            done_on=done_on,
            sealed=crypto.encrypt_json({"text": note}) if note else "",
            recorded_by=user,
        )
        audit.record(user, "rfl.child.step", tracing, data={"code": tracing.code, "step": kind})
    return step


def steps_of(tracing: TracingRequest) -> list[tuple[str, str, ChildStep | None]]:
    """(kind, label, the step when done) for each best-interests step, in order."""
    done = {s.kind: s for s in tracing.child_steps.select_related("recorded_by")}
    return [(kind.value, kind.label, done.get(kind.value)) for kind in ChildStepKind]


def child_protection_services(tracing: TracingRequest) -> QuerySet[DirectoryService]:
    """The child-protection services of the case's country directory that take referrals."""
    return DirectoryService.objects.filter(
        national_society_id=tracing.national_society_id,
        service_type=CHILD_PROTECTION,
        active=True,
        accepts_referrals=True,
    ).order_by("name")


def refer(user, tracing: TracingRequest, *, service: DirectoryService, consent: bool, note: str = "", base_url=""):
    """Refer the child to a child-protection service of the directory.

    When the child is registered (the case's matched person) and the officer's role may make
    referrals, the referral is sent through the referrals app (`referrals.services.send_referral`:
    consent, least data, secure link, outbox) and linked to the case. Otherwise the intent is
    recorded on the case, with the service chosen, to be sent once the child is registered."""
    may_work_on(user, tracing)
    _require_child_case(tracing)
    errors: dict[str, list[str]] = {}
    if service is None or not child_protection_services(tracing).filter(pk=service.pk).exists():
        errors["service"] = [_("Choose a child-protection service of this country's directory.")]
    note = clean_text(note or "", multiline=True)
    if len(note) > MAX_REFERRAL_NOTE:
        errors["note"] = [_("The note is too long (at most 500 characters).")]
    if errors:
        raise ValidationError(errors)
    from caminante.referrals import services as referral_services
    from caminante.referrals.selectors import REFERRERS

    with transaction.atomic():
        referral = None
        if tracing.matched_person_id is not None and user.role in REFERRERS:
            try:
                referral = referral_services.send_referral(
                    user,
                    person=tracing.matched_person,
                    need=CHILD_NEED,
                    service=service,
                    consent=consent,
                    note=note,
                    urgent=True,
                    base_url=base_url,
                ).referral
            except PermissionDenied:
                referral = None
        record = ChildReferral.objects.create(
            tracing_request=tracing,
            service=service,
            referral=referral,
            sealed=crypto.encrypt_json({"text": note}) if note else "",
            created_by=user,
        )
        audit.record(
            user,
            "rfl.child.referral",
            tracing,
            data={"code": tracing.code, "service": str(service.pk), "sent": referral is not None},
        )
    return record
