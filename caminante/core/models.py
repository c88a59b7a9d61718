import uuid
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .roles import EXTERNAL_ROLES, GLOBAL_ROLES, HSP_ROLES, NS_ROLES, Role

TIME_ZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones() if tz.startswith("America/"))


class Tracked(models.Model):
    """Who created and last changed a record, at which service point, and when (UTC)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at_point = models.ForeignKey(
        "core.ServicePoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class NationalSociety(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    country = CountryField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="America/Bogota")

    class Meta:
        ordering = ["name"]
        verbose_name = _("National Society")

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        return self.country.code


class ServiceType(models.Model):
    """The catalogue of what HSPs give. Names are kept in the three working languages."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(max_length=60, unique=True)
    category = models.CharField(max_length=40)
    name_es = models.CharField(max_length=120)
    name_pt = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    default_unit = models.CharField(max_length=30, default="unit")
    sort_order = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "es")[:2]
        return getattr(self, f"name_{lang}", None) or self.name_es


class ServicePoint(Tracked):
    class Kind(models.TextChoices):
        STATIC = "static", _("Static")
        MOBILE = "mobile", _("Mobile")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Temporarily suspended")
        CLOSED = "closed", _("Closed")

    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="service_points")
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.STATIC)
    city = models.CharField(_("city"), max_length=120)
    admin_area = models.CharField(_("department / state"), max_length=120, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    corridor = models.CharField(_("route corridor"), max_length=120, blank=True)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    services = models.ManyToManyField(ServiceType, blank=True, related_name="service_points")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90), name="sp_latitude_range"),
            models.CheckConstraint(condition=Q(longitude__gte=-180, longitude__lte=180), name="sp_longitude_range"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_today(self):
        return timezone.now().astimezone(self.tz).date()


class PartnerOrganisation(Tracked):
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="partners")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=60, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VOLUNTEER)
    national_society = models.ForeignKey(
        NationalSociety, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    service_point = models.ForeignKey(
        ServicePoint, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    # A partner user sees only what is addressed to their organisation.
    partner_organisation = models.ForeignKey(
        PartnerOrganisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )

    class Meta:
        constraints = [
            # A role's scope must be set: fail closed at the database too.
            models.CheckConstraint(
                condition=~Q(role__in=sorted(r.value for r in HSP_ROLES))
                | Q(service_point__isnull=False, national_society__isnull=False),
                name="user_hsp_role_has_service_point",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=sorted(r.value for r in NS_ROLES)) | Q(national_society__isnull=False),
                name="user_ns_role_has_national_society",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=sorted(r.value for r in EXTERNAL_ROLES)) | Q(national_society__isnull=False),
                name="user_external_role_has_national_society",
            ),
        ]

    @property
    def is_global(self) -> bool:
        return self.role in GLOBAL_ROLES


class AuditEvent(models.Model):
    """Append-only, hash-chained log of every state change and every sensitive read.

    Each entry stores the keyed hash (HMAC-SHA256) of its own content and of the entry before
    it, so an edited, removed or reordered entry breaks the chain. Database triggers refuse
    UPDATE and DELETE. Actor and objects are stored by id, not foreign key, so deleting a user
    never rewrites history.
    """

    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.UUIDField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    national_society_id = models.UUIDField(null=True, blank=True, db_index=True)
    service_point_id = models.UUIDField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class OutboxMessage(models.Model):
    """A message to the outside world, written in the same transaction as its cause."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=30)
    to = models.CharField(max_length=500)
    payload = models.JSONField(default=dict)
    national_society = models.ForeignKey(NationalSociety, null=True, blank=True, on_delete=models.PROTECT)
    idempotency_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=80, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.channel} → {self.to} ({self.status})"


class PeriodicJob(models.Model):
    """When a periodic job (overdue alerts, reminders, expiries) last started. Workers claim a run
    with a conditional UPDATE on this row, so several workers never run the same job twice."""

    name = models.CharField(max_length=100, primary_key=True)
    last_started = models.DateTimeField(null=True)
    last_finished = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class IdempotentRequest(models.Model):
    """A create request sent with an `Idempotency-Key` header: a field device that lost the answer
    sends it again and gets the same object, never a second one. Only the created object's id is
    kept (no personal data); the row is written in the same transaction as the object."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=60)
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    object_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "operation", "key"], name="idempotent_request_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"
