"""Every state change of the referral directory and of referrals.

Each function checks the permission, validates, writes in one transaction with its audit event
and outbox messages. Views, the API, the management commands and the worker call these.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from caminante.core import audit, outbox
from caminante.core.codes import new_code
from caminante.core.crypto import encrypt_json
from caminante.core.models import NationalSociety, PartnerOrganisation, User
from caminante.core.roles import SENSITIVE_READERS, Role
from caminante.core.scoping import Scope

from .catalogue import NEEDS, URGENT_NEEDS, service_type_labels
from .models import (
    ACK_HOURS,
    ACK_HOURS_URGENT,
    DirectoryService,
    Pathway,
    PathwayStep,
    Referral,
    ReferralChannel,
    ReferralEvent,
    Status,
)
from .selectors import DIRECTORY_MANAGERS, REFERRERS, stale_q

# ---- the directory ------------------------------------------------------------------------------

SERVICE_FIELDS = [
    "name",
    "service_type",
    "description",
    "eligibility",
    "languages",
    "free",
    "cost_note",
    "opening_hours",
    "what_to_bring",
    "address",
    "city",
    "admin_area",
    "latitude",
    "longitude",
    "phone",
    "email",
    "whatsapp",
    "website",
    "accepts_referrals",
    "referral_channel",
    "last_verified",
    "published",
    "active",
]


def _manager_scope(user, national_society: NationalSociety) -> Scope:
    scope = Scope.of(user).require(DIRECTORY_MANAGERS)
    if not scope.is_global and scope.national_society_id != national_society.pk:
        raise PermissionDenied("another National Society's directory")
    return scope


def validate_service(service: DirectoryService) -> None:
    """Raise ValidationError with translated messages per field."""
    errors: dict[str, list[str]] = {}
    for name in ("latitude", "longitude"):
        value = getattr(service, name)
        if isinstance(value, float | int):
            setattr(service, name, Decimal(str(round(value, 6))))
    if service.service_type not in service_type_labels():
        errors.setdefault("service_type", []).append(
            _("Unknown service type “%(code)s”.") % {"code": service.service_type}
        )
    if service.referral_channel not in ReferralChannel.values:
        errors.setdefault("referral_channel", []).append(_("Choose how referrals reach this service."))
    if service.accepts_referrals:
        contact_needed = {
            ReferralChannel.EMAIL: ("email", _("Give the e-mail address referrals are sent to.")),
            ReferralChannel.WHATSAPP: ("whatsapp", _("Give the WhatsApp number referrals are sent to.")),
        }.get(service.referral_channel)
        if contact_needed and not (
            getattr(service, contact_needed[0])
            or (contact_needed[0] == "email" and service.organisation_id and service.organisation.email)
        ):
            errors.setdefault(contact_needed[0], []).append(str(contact_needed[1]))
    if service.whatsapp and not (service.whatsapp.startswith("+") and service.whatsapp[1:].isdigit()):
        errors.setdefault("whatsapp", []).append(_("Write the number in international format, like +573001234567."))
    if service.last_verified and service.last_verified > timezone.now().date():
        errors.setdefault("last_verified", []).append(_("The verification date is in the future."))
    try:
        service.full_clean(exclude=["national_society", "organisation", "created_by", "updated_by"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def save_service(user, service: DirectoryService) -> DirectoryService:
    """Create or update a directory entry (data manager, programme officer, administrator)."""
    _manager_scope(user, service.national_society)
    if service.organisation.national_society_id != service.national_society_id:
        raise ValidationError({"organisation": _("The organisation belongs to another country's directory.")})
    validate_service(service)
    creating = service._state.adding
    with transaction.atomic():
        if creating:
            service.created_by = user
            service.created_at_point = getattr(user, "service_point", None)
        service.updated_by = user
        service.save()
        audit.record(user, "directory.service.created" if creating else "directory.service.updated", service)
    return service


def verify_service(user, service: DirectoryService) -> DirectoryService:
    """Record that the entry was checked with the organisation today."""
    _manager_scope(user, service.national_society)
    with transaction.atomic():
        service.last_verified = timezone.now().date()
        service.updated_by = user
        service.save(update_fields=["last_verified", "updated_by", "updated_at"])
        audit.record(user, "directory.service.verified", service)
    return service


def save_organisation(user, organisation: PartnerOrganisation) -> PartnerOrganisation:
    _manager_scope(user, organisation.national_society)
    try:
        organisation.full_clean(exclude=["national_society", "created_by", "updated_by"])
    except ValidationError:
        raise
    creating = organisation._state.adding
    with transaction.atomic():
        if creating:
            organisation.created_by = user
        organisation.updated_by = user
        organisation.save()
        audit.record(user, "directory.organisation.saved", organisation, data={"created": creating})
    return organisation


def save_pathway(
    user, *, national_society: NationalSociety, need: str, name: str, steps: list[tuple[str, object]], description=""
) -> Pathway:
    """Create or replace the pathway for a need: `steps` is an ordered list of (service_type, service or None)."""
    _manager_scope(user, national_society)
    errors: dict[str, list[str]] = {}
    if need not in NEEDS:
        errors["need"] = [_("Choose a need.")]
    if not name.strip():
        errors["name"] = [_("Give the pathway a name.")]
    if not steps:
        errors["steps"] = [_("A pathway needs at least one step.")]
    labels = service_type_labels()
    for position, (service_type, service) in enumerate(steps, start=1):
        if service_type not in labels:
            errors.setdefault("steps", []).append(
                _("Step %(n)s: unknown service type “%(code)s”.") % {"n": position, "code": service_type}
            )
        if service is not None and (
            service.national_society_id != national_society.pk or service.service_type != service_type
        ):
            errors.setdefault("steps", []).append(
                _("Step %(n)s: the service is not a “%(type)s” service of this country.")
                % {"n": position, "type": labels.get(service_type, service_type)}
            )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        pathway, created = Pathway.objects.get_or_create(
            national_society=national_society,
            need=need,
            defaults={"name": name.strip(), "description": description, "created_by": user},
        )
        pathway.name, pathway.description, pathway.updated_by, pathway.active = name.strip(), description, user, True
        pathway.save()
        pathway.steps.all().delete()
        PathwayStep.objects.bulk_create(
            PathwayStep(pathway=pathway, position=i, service_type=t, service=s) for i, (t, s) in enumerate(steps, 1)
        )
        audit.record(user, "referrals.pathway.saved", pathway, data={"need": need, "steps": len(steps)})
    return pathway


def alert_unverified(today: date | None = None) -> str:
    """E-mail each National Society's data managers the directory entries unverified for more
    than 90 days (once a week per National Society). Returns a summary."""
    today = today or timezone.now().date()
    week = today.isocalendar()
    stale = DirectoryService.objects.filter(stale_q(today), active=True)
    alerted = 0
    for ns in NationalSociety.objects.filter(pk__in=stale.values("national_society_id")):
        entries = list(stale.filter(national_society=ns).order_by("last_verified", "name"))
        managers = User.objects.filter(national_society=ns, role=Role.DATA_MANAGER, is_active=True).exclude(email="")
        with transaction.atomic():
            for manager in managers:
                with translation.override("es" if ns.country.code != "BR" else "pt"):
                    lines = [
                        f"- {e.name} ({e.city}): "
                        + (
                            _("verified %(date)s") % {"date": e.last_verified.isoformat()}
                            if e.last_verified
                            else _("never verified")
                        )
                        for e in entries[:50]
                    ]
                    outbox.enqueue(
                        "email",
                        manager.email,
                        {
                            "subject": _("%(count)s directory entries need checking") % {"count": len(entries)},
                            "text": _(
                                "These referral directory entries were not verified in the last 90 days. Check "
                                "them with the organisations and mark them verified: %(path)s"
                            )
                            % {"path": reverse("directory") + "?stale=1"}
                            + "\n"
                            + "\n".join(lines),
                        },
                        national_society=ns,
                        idempotency_key=f"directory-stale-{ns.pk}-{week.year}-{week.week}-{manager.pk}",
                    )
                    alerted += 1
            audit.record(None, "directory.unverified_alert", data={"entries": len(entries)}, national_society_id=ns.pk)
    return f"{stale.count()} unverified entries, {alerted} data managers alerted"


# ---- referrals ----------------------------------------------------------------------------------

SHARED_FIELDS = ["name", "age", "sex", "phone", "need", "note"]


def shared_fields_of(person, need: str, note: str, include_phone: bool) -> dict:
    """The least a partner needs to take the person: name, age (not the date of birth), sex, phone
    (only if the person agrees), the need and the referrer's note. Shown to the person before sending."""
    data = {
        "name": person.full_name,
        "age": person.age,
        "sex": person.get_sex_display() if person.sex else "",
        "need": str(NEEDS.get(need, need)),
        "note": note.strip(),
    }
    if include_phone and person.phone:
        data["phone"] = person.phone_e164 or person.phone
    return data


@dataclass
class SentReferral:
    referral: Referral
    link: str  # the partner's secure link (absolute when base_url was given)


def _link(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + reverse("referral-link", kwargs={"token": token})


def _event(referral: Referral, status: str, actor=None, via_link=False, note="") -> None:
    ReferralEvent.objects.create(
        referral=referral,
        status=status,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        via_link=via_link,
        note=note[:500],
    )


def _notify_partner(referral: Referral, link: str) -> None:
    """Tell the partner through the outbox: a secure link by e-mail or WhatsApp, a notice for
    partner accounts. Urgent referrals never say why in the message."""
    service = referral.service
    subject = _("New referral %(code)s from the Red Cross") % {"code": referral.code}
    text = _(
        "The Red Cross referred a person to %(service)s (reference %(code)s). Open this secure link to see "
        "the referral and answer it; it expires in 14 days and shows only this referral: %(link)s"
    ) % {"service": service.name, "code": referral.code, "link": link}
    key = f"referral-sent-{referral.pk}"
    if referral.channel == ReferralChannel.WHATSAPP and service.whatsapp:
        try:
            from caminante.channels.services import notify
        except ImportError:
            notify = None
        if notify is not None:
            notify(
                national_society=referral.national_society,
                phone_e164=service.whatsapp,
                text=text,
                template="referral_update",
                # Outside the 24-hour window only the template goes out: the link rides in its text.
                template_params=[referral.code, f"{Status(referral.status).label} – {link}"],
                language="pt" if referral.national_society.country.code == "BR" else "es",
                idempotency_key=key,
            )
        else:
            outbox.enqueue(
                "sms", service.whatsapp, {"text": text}, national_society=referral.national_society, idempotency_key=key
            )
        return
    email = service.email or referral.organisation.email
    if referral.channel == ReferralChannel.PARTNER_ACCOUNT:
        text = _(
            "The Red Cross referred a person to %(service)s (reference %(code)s). Log in to Caminante to see it."
        ) % {"service": service.name, "code": referral.code}
    if email:
        outbox.enqueue(
            "email",
            email,
            {"subject": subject, "text": text},
            national_society=referral.national_society,
            idempotency_key=key,
        )


def send_referral(
    user,
    *,
    person,
    need: str,
    service: DirectoryService,
    consent: bool,
    note: str = "",
    include_phone: bool = True,
    urgent: bool | None = None,
    base_url: str = "",
) -> SentReferral:
    """Refer a person to a directory service with their consent to share the listed fields.

    Records the consent, keeps the shared fields encrypted, gives the partner a secure link
    (unguessable, expiring, only its hash stored) and sends it through the outbox.
    """
    scope = Scope.of(user).require(REFERRERS)
    from caminante.registry.models import Consent, ConsentChannel, ConsentPurpose
    from caminante.registry.selectors import people_for

    if not people_for(user).filter(pk=person.pk).exists():
        raise PermissionDenied("person outside the user's scope")
    errors: dict[str, list[str]] = {}
    if need not in NEEDS:
        errors["need"] = [_("Choose what the person needs.")]
    if not consent:
        errors["consent"] = [_("The person must agree to share these details before the referral is sent.")]
    if service.national_society_id != person.national_society_id or not service.active:
        errors["service"] = [_("Choose a service of this country's directory.")]
    elif not service.accepts_referrals:
        errors["service"] = [_("This service does not take referrals.")]
    if len(note) > 500:
        errors["note"] = [_("The note is too long (at most 500 characters).")]
    if errors:
        raise ValidationError(errors)
    urgent = (need in URGENT_NEEDS) if urgent is None else bool(urgent)
    service_point = user.service_point or person.service_point
    now = timezone.now()
    with transaction.atomic():
        Consent.objects.create(
            person=person,
            purpose=ConsentPurpose.REFERRALS,
            granted=True,
            channel=ConsentChannel.IN_PERSON,
            recorded_at=now,
            recorded_by=user,
            service_point=service_point,
        )
        pathway = Pathway.objects.filter(national_society_id=person.national_society_id, need=need).first()
        referral = Referral(
            national_society_id=person.national_society_id,
            service_point=service_point,
            person=person,
            code=new_code("RF"),
            need=need,
            pathway=pathway,
            service=service,
            organisation=service.organisation,
            urgent=urgent,
            channel=service.referral_channel,
            shared_data=encrypt_json(shared_fields_of(person, need, note, include_phone)),
            consent_recorded_at=now,
            due_by=now + timedelta(hours=ACK_HOURS_URGENT if urgent else ACK_HOURS),
            created_by=user,
            updated_by=user,
            created_at_point=user.service_point,
        )
        token = referral.new_token()
        referral.save()
        _event(referral, Status.SENT, user)
        link = _link(base_url, token)
        _notify_partner(referral, link)
        audit.record(
            user,
            "referral.sent",
            referral,
            data={
                "person": str(person.pk),
                "service": str(service.pk),
                "urgent": urgent,
                "fields": sorted(referral.shared),
                "channel": referral.channel,
            },
        )
    del scope
    return SentReferral(referral, link)


def renew_link(user, referral: Referral, base_url: str = "") -> str:
    """A new secure link (the old one stops working), sent again through the outbox."""
    _staff_may_handle(user, referral)
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        token = referral.new_token()
        referral.updated_by = user
        referral.save(update_fields=["token_hash", "token_expires_at", "updated_by", "updated_at"])
        link = _link(base_url, token)
        outbox_key = f"referral-link-{referral.pk}-{referral.token_hash[:12]}"
        email = referral.service.email or referral.organisation.email
        if email:
            outbox.enqueue(
                "email",
                email,
                {
                    "subject": _("Referral %(code)s: new secure link") % {"code": referral.code},
                    "text": _("A new secure link to referral %(code)s: %(link)s")
                    % {"code": referral.code, "link": link},
                },
                national_society=referral.national_society,
                idempotency_key=outbox_key,
            )
        audit.record(user, "referral.link_renewed", referral)
    return link


def referral_by_token(token: str) -> Referral | None:
    """The referral a secure link opens, or None when the token is unknown or expired."""
    from .models import hash_token

    if not token or len(token) > 100:
        return None
    referral = (
        Referral.objects.select_related("service", "organisation", "service_point", "national_society")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if referral is None or referral.token_expires_at is None or referral.token_expires_at <= timezone.now():
        return None
    return referral


def _partner_may_handle(user, referral: Referral) -> None:
    """A partner user of the addressed organisation (the secure link passes user=None)."""
    if user is None:
        return
    scope = Scope.of(user)
    if scope.role != Role.PARTNER or user.partner_organisation_id != referral.organisation_id:
        raise PermissionDenied("not the partner this referral is addressed to")


def _staff_may_handle(user, referral: Referral) -> Scope:
    scope = Scope.of(user).require(REFERRERS)
    if not scope.is_global and scope.national_society_id != referral.national_society_id:
        raise PermissionDenied("another National Society's referral")
    if referral.urgent and scope.role not in SENSITIVE_READERS:
        raise PermissionDenied("urgent referrals are handled by protection roles")
    if scope.role in (Role.VOLUNTEER, Role.COORDINATOR) and scope.service_point_id != referral.service_point_id:
        raise PermissionDenied("another service point's referral")
    return scope


def _move(referral: Referral, status: str, actor, via_link: bool, note: str = "", **changes) -> Referral:
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if not referral.can_move_to(status):
            raise ValidationError(
                {
                    "status": _("A referral that is “%(current)s” cannot become “%(new)s”.")
                    % {"current": Status(referral.status).label, "new": Status(status).label}
                }
            )
        previous = referral.status
        now = timezone.now()
        referral.status = status
        if status in (Status.ACCEPTED, Status.DECLINED) and referral.answered_at is None:
            referral.answered_at = now
        if referral.received_at is None:
            referral.received_at = now
        for name, value in changes.items():
            setattr(referral, name, value)
        if actor is not None and getattr(actor, "is_authenticated", False):
            referral.updated_by = actor
        referral.save()
        _event(referral, status, actor, via_link, note)
        audit.record(
            actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
            "referral.status",
            referral,
            data={"from": previous, "to": status, "via_link": via_link},
        )
        _notify_status(referral)
    return referral


def _notify_status(referral: Referral) -> None:
    """The referring HSP sees the status on its pages; its referring user also gets an e-mail.
    The person gets the news by WhatsApp ("referral_update"), except for urgent referrals:
    a message on a survivor's or a child's phone can put them at risk."""
    if referral.status in (Status.ACCEPTED, Status.DECLINED, Status.SERVICE_GIVEN):
        referrer = referral.created_by
        if referrer is not None and referrer.email:
            outbox.enqueue(
                "email",
                referrer.email,
                {
                    "subject": _("Referral %(code)s: %(status)s")
                    % {"code": referral.code, "status": Status(referral.status).label},
                    "text": _("%(organisation)s answered referral %(code)s: %(status)s. %(path)s")
                    % {
                        "organisation": referral.organisation.name,
                        "code": referral.code,
                        "status": Status(referral.status).label,
                        "path": reverse("referral", kwargs={"referral_id": referral.pk}),
                    },
                },
                national_society=referral.national_society,
                idempotency_key=f"referral-status-{referral.pk}-{referral.status}",
            )
    person = referral.person
    if (
        referral.status in (Status.ACCEPTED, Status.DECLINED)
        and not referral.urgent
        and person.phone_is_whatsapp
        and person.phone_e164
    ):
        try:
            from caminante.channels.services import notify
        except ImportError:
            return
        language = "pt" if referral.national_society.country.code == "BR" else "es"
        with translation.override(language):
            status = str(Status(referral.status).label)
            text = _("Red Cross: your referral %(code)s is now “%(status)s”.") % {
                "code": referral.code,
                "status": status,
            }
        notify(
            national_society=referral.national_society,
            phone_e164=person.phone_e164,
            text=text,
            template="referral_update",
            template_params=[referral.code, status],
            language=language,
            idempotency_key=f"referral-person-{referral.pk}-{referral.status}",
        )


def mark_received(referral: Referral, actor=None, via_link: bool = False) -> Referral:
    """The partner opened the referral (first view)."""
    if referral.status != Status.SENT:
        return referral
    _partner_may_handle(actor, referral)
    return _move(referral, Status.RECEIVED, actor, via_link)


def accept(referral: Referral, actor=None, *, via_link: bool = False, note: str = "") -> Referral:
    _partner_may_handle(actor, referral)
    return _move(referral, Status.ACCEPTED, actor, via_link, note)


def decline(referral: Referral, actor=None, *, reason: str, via_link: bool = False) -> Referral:
    _partner_may_handle(actor, referral)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the referral is declined.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("The reason is too long (at most 500 characters).")})
    return _move(referral, Status.DECLINED, actor, via_link, reason, decline_reason=reason)


def report_service_given(referral: Referral, actor=None, *, note: str = "", via_link: bool = False) -> Referral:
    _partner_may_handle(actor, referral)
    if len(note) > 500:
        raise ValidationError({"note": _("The note is too long (at most 500 characters).")})
    return _move(referral, Status.SERVICE_GIVEN, actor, via_link, note, outcome_note=note.strip())


def close(user, referral: Referral, *, note: str = "") -> Referral:
    """The referring National Society closes the referral (done, or no longer needed). The
    secure link stops working."""
    _staff_may_handle(user, referral)
    return _move(referral, Status.CLOSED, user, False, note, token_expires_at=timezone.now())


def record_view(actor, referral: Referral, *, via: str) -> None:
    """Who saw what: every opening of a referral's details is in the audit log."""
    audit.record(
        actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        "referral.viewed",
        referral,
        data={"via": via, "urgent": referral.urgent},
    )


def send_overdue_alerts(now=None) -> str:
    """Alert the referring HSP (and the protection officers for urgent referrals) about referrals
    the partner has not accepted or declined in time, and remind the partner. Once per referral."""
    from .selectors import overdue_referrals

    now = now or timezone.now()
    count = 0
    for referral in overdue_referrals(now).select_related("service", "organisation", "national_society", "created_by"):
        with transaction.atomic():
            claimed = Referral.objects.filter(pk=referral.pk, overdue_alerted_at__isnull=True).update(
                overdue_alerted_at=now
            )
            if not claimed:
                continue
            recipients = set()
            if referral.created_by is not None and referral.created_by.email:
                recipients.add(referral.created_by.email)
            coordinators = User.objects.filter(
                role=Role.COORDINATOR, service_point_id=referral.service_point_id, is_active=True
            )
            if referral.urgent:
                coordinators = User.objects.filter(
                    role=Role.PROTECTION, national_society_id=referral.national_society_id, is_active=True
                )
            recipients |= {u.email for u in coordinators if u.email}
            path = reverse("referral", kwargs={"referral_id": referral.pk})
            for email in sorted(recipients):
                outbox.enqueue(
                    "email",
                    email,
                    {
                        "subject": _("Referral %(code)s is overdue") % {"code": referral.code},
                        "text": _("%(organisation)s has not answered referral %(code)s in time. Call them: %(path)s")
                        % {"organisation": referral.organisation.name, "code": referral.code, "path": path},
                    },
                    national_society=referral.national_society,
                    idempotency_key=f"referral-overdue-{referral.pk}-{email}",
                )
            partner_email = referral.service.email or referral.organisation.email
            if partner_email:
                outbox.enqueue(
                    "email",
                    partner_email,
                    {
                        "subject": _("Reminder: referral %(code)s waits for your answer") % {"code": referral.code},
                        "text": _("Please accept or decline referral %(code)s (use the secure link you received).")
                        % {"code": referral.code},
                    },
                    national_society=referral.national_society,
                    idempotency_key=f"referral-overdue-partner-{referral.pk}",
                )
            audit.record(None, "referral.overdue_alert", referral, data={"alerted": len(recipients)})
            count += 1
    return f"{count} overdue referrals alerted"
