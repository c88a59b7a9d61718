"""The referral directory (services offered by partner organisations), referral pathways, and
referrals of people to those services.

Organisations are core.PartnerOrganisation (one per National Society's directory); a partner
user (Role.PARTNER with user.partner_organisation) sees only referrals addressed to it.
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from caminante.core.models import NationalSociety, PartnerOrganisation, ServicePoint, Tracked

# Entries not verified for this many days are flagged to the data manager.
UNVERIFIED_AFTER_DAYS = 90
# How long a partner's secure link stays valid.
LINK_VALID_DAYS = 14
# Time a partner has to acknowledge (accept or decline) a referral before it is overdue.
ACK_HOURS = 72
ACK_HOURS_URGENT = 24


class ReferralChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WHATSAPP = "whatsapp", _("WhatsApp")
    PHONE = "phone", _("Phone")
    PARTNER_ACCOUNT = "account", _("Partner account")


class DirectoryService(Tracked):
    """One service an organisation offers at one place."""

    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(PartnerOrganisation, on_delete=models.PROTECT, related_name="directory_services")
    name = models.CharField(_("name"), max_length=200)
    service_type = models.CharField(_("service type"), max_length=60, db_index=True)
    description = models.TextField(_("description"), blank=True)
    eligibility = models.CharField(_("who can use it"), max_length=300, blank=True)
    languages = models.CharField(_("languages"), max_length=60, default="es", help_text=_("comma-separated codes"))
    free = models.BooleanField(_("free of charge"), default=True)
    cost_note = models.CharField(_("cost"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    what_to_bring = models.CharField(_("what to bring"), max_length=300, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=120)
    admin_area = models.CharField(_("department / state"), max_length=120, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    whatsapp = models.CharField(_("WhatsApp (international format)"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    accepts_referrals = models.BooleanField(_("accepts referrals"), default=True)
    referral_channel = models.CharField(
        _("how referrals reach it"), max_length=10, choices=ReferralChannel.choices, default=ReferralChannel.EMAIL
    )
    last_verified = models.DateField(_("last verified"), null=True, blank=True)
    published = models.BooleanField(_("shown on the public map"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90), name="ds_latitude_range"),
            models.CheckConstraint(condition=Q(longitude__gte=-180, longitude__lte=180), name="ds_longitude_range"),
        ]
        indexes = [
            models.Index(fields=["published", "latitude", "longitude"], name="ds_public_geo_idx"),
            models.Index(fields=["national_society", "service_type"], name="ds_ns_type_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def country(self) -> str:
        return self.national_society.country.code

    @property
    def language_codes(self) -> list[str]:
        return [c.strip() for c in self.languages.split(",") if c.strip()]

    def is_stale(self, today=None) -> bool:
        today = today or timezone.now().date()
        return self.last_verified is None or (today - self.last_verified).days > UNVERIFIED_AFTER_DAYS

    @property
    def referral_contact(self) -> str:
        return {
            ReferralChannel.EMAIL: self.email or self.organisation.email,
            ReferralChannel.WHATSAPP: self.whatsapp,
            ReferralChannel.PHONE: self.phone or self.organisation.phone,
        }.get(self.referral_channel, "")


class Pathway(Tracked):
    """For one need in one country, the ordered steps agreed with partners."""

    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    need = models.CharField(_("need"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["need"]
        constraints = [models.UniqueConstraint(fields=["national_society", "need"], name="pathway_one_per_need")]

    def __str__(self) -> str:
        return self.name


class PathwayStep(models.Model):
    """A step: a service type (the nearest services of that type are offered) or one agreed service."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    service_type = models.CharField(_("service type"), max_length=60)
    service = models.ForeignKey(DirectoryService, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["pathway", "position"]
        constraints = [models.UniqueConstraint(fields=["pathway", "position"], name="pathway_step_position")]

    def __str__(self) -> str:
        return f"{self.pathway_id} #{self.position} {self.service_type}"


class Status(models.TextChoices):
    # "referral status" context: a referral is feminine in Spanish ("enviada"), a message is not.
    SENT = "sent", pgettext_lazy("referral status", "Sent")
    RECEIVED = "received", pgettext_lazy("referral status", "Received")
    ACCEPTED = "accepted", pgettext_lazy("referral status", "Accepted")
    SERVICE_GIVEN = "given", pgettext_lazy("referral status", "Service given")
    DECLINED = "declined", pgettext_lazy("referral status", "Declined")
    CLOSED = "closed", pgettext_lazy("referral status", "Closed")


# Allowed moves: from -> set of to.
TRANSITIONS = {
    Status.SENT: {Status.RECEIVED, Status.ACCEPTED, Status.DECLINED, Status.CLOSED},
    Status.RECEIVED: {Status.ACCEPTED, Status.DECLINED, Status.CLOSED},
    Status.ACCEPTED: {Status.SERVICE_GIVEN, Status.CLOSED},
    Status.SERVICE_GIVEN: {Status.CLOSED},
    Status.DECLINED: {Status.CLOSED},
    Status.CLOSED: set(),
}
# Statuses in which a referral waits for the partner to acknowledge it.
UNACKNOWLEDGED = (Status.SENT, Status.RECEIVED)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Referral(Tracked):
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="referrals")
    code = models.CharField(max_length=16, unique=True)
    need = models.CharField(_("need"), max_length=40)
    pathway = models.ForeignKey(Pathway, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    service = models.ForeignKey(DirectoryService, on_delete=models.PROTECT, related_name="referrals")
    organisation = models.ForeignKey(PartnerOrganisation, on_delete=models.PROTECT, related_name="referrals")
    urgent = models.BooleanField(_("urgent"), default=False, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT, db_index=True)
    channel = models.CharField(max_length=10, choices=ReferralChannel.choices)
    # The minimal fields shared with the partner, as the person saw them, encrypted at rest.
    shared_data = models.TextField(blank=True, editable=False)
    consent_recorded_at = models.DateTimeField()
    due_by = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=500, blank=True)
    outcome_note = models.CharField(_("note"), max_length=500, blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "due_by"], name="referral_due_idx")]

    def __str__(self) -> str:
        return self.code

    def new_token(self) -> str:
        """A fresh unguessable link token; only its hash is kept."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.token_expires_at = timezone.now() + timedelta(days=LINK_VALID_DAYS)
        return token

    @property
    def shared(self) -> dict:
        from caminante.core.crypto import decrypt_json

        return decrypt_json(self.shared_data)

    @property
    def is_overdue(self) -> bool:
        return self.status in UNACKNOWLEDGED and self.due_by < timezone.now()

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(Status(self.status), set())


class ReferralEvent(models.Model):
    """The referral's history as the referring HSP and the partner see it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    via_link = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.status}"
