"""Community feedback: items from every channel, the coding framework (versioned data), the
confidential path for sensitive reports, rumour clusters, and the corrections of the classifier."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from caminante.core import crypto
from caminante.core.models import NationalSociety, ServicePoint, Tracked


class Channel(models.TextChoices):
    HSP = "hsp", _("At the service point")
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")
    WHATSAPP = "whatsapp", _("WhatsApp")
    WEBCHAT = "webchat", _("Web chat")
    HOTLINE = "hotline", _("Phone hotline")
    SURVEY = "survey", _("Perception survey")


class Sensitivity(models.TextChoices):
    SENSITIVE = "sensitive", _("Sensitive")
    NOT_SENSITIVE = "not_sensitive", _("Not sensitive")
    TO_CLARIFY = "to_clarify", _("To be clarified")


class Criticality(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    ACTION = "action", _("Action needed")
    MONITOR = "monitor", _("Monitor")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    ANSWERED = "answered", _("Answered")
    REFERRED_INTERNAL = "referred_internal", _("Referred internally")
    REFERRED_EXTERNAL = "referred_external", _("Referred externally")
    NO_ACTION = "no_action", _("No individual action needed")
    CLOSED = "closed", _("Closed")


class AnswerVia(models.TextChoices):
    CHANNEL = "channel", _("Message through the channel used (WhatsApp, web chat, SMS)")
    CALL_NOTE = "call_note", _("Phone call (note of the call)")
    HSP_MESSAGE = "hsp_message", _("Message kept at the service point")


class AgeGroup(models.TextChoices):
    UNDER_18 = "0-17", _("Under 18")
    FROM_18 = "18-59", _("18–59 years")
    OVER_60 = "60+", _("60 years and over")


class SexGiven(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other / diverse")


class Diversity(models.TextChoices):
    DISABILITY = "disability", _("Person with disability")
    LGBTIQ = "lgbtiq", _("LGBTIQ+")
    INDIGENOUS = "indigenous", _("Indigenous")
    AFRODESCENDANT = "afrodescendant", _("Afro-descendant")
    HOST = "host", _("Host community")


class FrameworkVersion(models.Model):
    """One published version of the coding framework. Items keep the version they were coded with."""

    number = models.PositiveIntegerField(unique=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number}"


class FrameworkEntry(models.Model):
    """A type, category or code of the framework in one version. A National Society's own codes
    carry its National Society; shared entries have none."""

    class Level(models.TextChoices):
        TYPE = "type", _("Type")
        CATEGORY = "category", _("Category")
        CODE = "code", _("Code")

    version = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="entries")
    level = models.CharField(max_length=10, choices=Level.choices)
    key = models.SlugField(max_length=60)
    parent_key = models.SlugField(max_length=60, blank=True)
    national_society = models.ForeignKey(
        NationalSociety, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    label_es = models.CharField(max_length=200)
    label_pt = models.CharField(max_length=200)
    label_en = models.CharField(max_length=200)
    sensitive = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "sort_order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="framework_entry_unique_key"),
            models.CheckConstraint(condition=Q(level="type") | ~Q(parent_key=""), name="framework_entry_has_parent"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        lang = (get_language() or "es")[:2]
        return getattr(self, f"label_{lang}", None) or self.label_es


class FocalPoint(models.Model):
    """A protection officer designated to receive the sensitive reports of a National Society."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="focal_points")
    active = models.BooleanField(default=True)
    designated_at = models.DateTimeField(default=timezone.now)
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["national_society", "user"], name="focal_point_unique")]

    def __str__(self) -> str:
        return f"{self.user} ({self.national_society})"


class RumourCluster(Tracked):
    """Similar observations and rumours grouped under a name, with the response message agreed."""

    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    keywords = models.CharField(_("keywords"), max_length=500, blank=True, help_text=_("Comma-separated words"))
    response_message = models.TextField(_("agreed response message"), blank=True)
    broadcast_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["national_society", "name"], name="rumour_cluster_unique")]

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]


class FeedbackItem(Tracked):
    """What one person said, through one channel. Sensitive items keep their words encrypted."""

    code = models.CharField(max_length=20, unique=True)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    service_point = models.ForeignKey(
        ServicePoint, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback_items"
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    language = models.CharField(_("language"), max_length=5, default="es")
    # The person's words: plain for ordinary items, empty when sealed (sensitive or to clarify).
    text = models.TextField(blank=True)
    sealed_text = models.TextField(blank=True, editable=False)
    # Contact for the answer, only with consent; always encrypted.
    contact_sealed = models.TextField(blank=True, editable=False)
    contact_consent = models.BooleanField(default=False)
    sex = models.CharField(_("sex"), max_length=10, choices=SexGiven.choices, blank=True)
    age_group = models.CharField(_("age group"), max_length=10, choices=AgeGroup.choices, blank=True)
    diversity = models.CharField(_("diversity"), max_length=200, blank=True)
    wants_answer = models.BooleanField(_("wants an answer"), default=False)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    # Links: a person (registry), a service point (above), and codes of other apps' records.
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback_items"
    )
    programme_code = models.CharField(_("programme"), max_length=60, blank=True)
    voucher_code = models.CharField(_("voucher"), max_length=30, blank=True)
    referral_code = models.CharField(_("referral"), max_length=30, blank=True)
    # The staff member or volunteer a report is about: never sees it.
    involved_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The classifier's suggestion.
    suggested_type = models.CharField(max_length=30, blank=True)
    suggested_category = models.CharField(max_length=60, blank=True)
    suggested_sensitivity = models.CharField(max_length=20, choices=Sensitivity.choices, blank=True)
    suggestion_confidence = models.FloatField(default=0)
    classifier_version = models.CharField(max_length=30, blank=True)
    # The coding a person confirmed (with the framework version it was coded with).
    framework_version = models.ForeignKey(
        FrameworkVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    type_key = models.CharField(_("type"), max_length=60, blank=True, db_index=True)
    category_key = models.CharField(_("category"), max_length=60, blank=True, db_index=True)
    code_key = models.CharField(_("code"), max_length=60, blank=True)
    coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    coded_at = models.DateTimeField(null=True, blank=True)
    sensitivity = models.CharField(
        _("sensitivity"), max_length=20, choices=Sensitivity.choices, default=Sensitivity.NOT_SENSITIVE
    )
    criticality = models.CharField(
        _("criticality"), max_length=10, choices=Criticality.choices, default=Criticality.MONITOR
    )
    # The loop.
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answer_via = models.CharField(_("answered through"), max_length=20, choices=AnswerVia.choices, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer_collected_at = models.DateTimeField(null=True, blank=True)
    handling_note = models.TextField(blank=True)
    cluster = models.ForeignKey(RumourCluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["national_society", "sensitivity", "received_at"], name="feedback_ns_sens_idx"),
            models.Index(fields=["status", "due_at"], name="feedback_due_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_confidential(self) -> bool:
        return self.sensitivity != Sensitivity.NOT_SENSITIVE

    @property
    def words(self) -> str:
        if self.sealed_text:
            return crypto.decrypt_json(self.sealed_text).get("text", "")
        return self.text

    def set_words(self, text: str) -> None:
        """Keep the words plain for ordinary items, encrypted when the item is confidential."""
        if self.is_confidential:
            self.sealed_text, self.text = crypto.encrypt_json({"text": text}), ""
        else:
            self.sealed_text, self.text = "", text

    @property
    def contact_phone(self) -> str:
        return crypto.decrypt_json(self.contact_sealed).get("phone", "") if self.contact_sealed else ""

    def set_contact(self, phone: str) -> None:
        self.contact_sealed = crypto.encrypt_json({"phone": phone}) if phone else ""

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_at and self.is_open and self.answered_at is None and self.due_at < timezone.now())


class ClassificationCorrection(models.Model):
    """What the classifier suggested and what a person decided: kept to measure and improve it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="corrections")
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=5)
    classifier_version = models.CharField(max_length=30, blank=True)
    suggested_type = models.CharField(max_length=30, blank=True)
    suggested_category = models.CharField(max_length=60, blank=True)
    suggested_sensitivity = models.CharField(max_length=20, blank=True)
    final_type = models.CharField(max_length=30)
    final_category = models.CharField(max_length=60)
    final_sensitivity = models.CharField(max_length=20)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.suggested_category} → {self.final_category}"

    @property
    def type_correct(self) -> bool:
        return self.suggested_type == self.final_type

    @property
    def category_correct(self) -> bool:
        return self.suggested_category == self.final_category
