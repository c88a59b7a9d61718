"""WhatsApp numbers, contacts, conversations and their messages.

Data protection: a contact's phone number is stored as a keyed hash (for look-ups) and encrypted
(to reply); message text is encrypted at rest and deleted after the retention period
(CAMINANTE_CHAT_RETENTION_DAYS). Everything belongs to the National Society that owns the number.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caminante.core import crypto
from caminante.core.models import NationalSociety

WINDOW = timedelta(hours=24)


class WhatsAppNumber(models.Model):
    """One WhatsApp Business number of a National Society, routed by Meta's phone_number_id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.OneToOneField(NationalSociety, on_delete=models.PROTECT, related_name="whatsapp_number")
    phone_number_id = models.CharField(_("phone number id (Meta)"), max_length=64, unique=True)
    display_phone = models.CharField(_("display phone number"), max_length=30, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["phone_number_id"]
        verbose_name = _("WhatsApp number")

    def __str__(self) -> str:
        return f"{self.national_society} ({self.phone_number_id})"


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    WEBCHAT = "webchat", _("Web chat")


class Contact(models.Model):
    """A person who writes to a National Society's number (or opens the web chat)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="chat_contacts")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WHATSAPP)
    # HMAC of the E.164 number (WhatsApp) or of the browser's session token (web chat).
    address_hash = models.CharField(max_length=64)
    address_encrypted = models.TextField(blank=True)
    language = models.CharField(max_length=5, default="es")
    created_at = models.DateTimeField(default=timezone.now)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    opted_out = models.BooleanField(default=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    # Linked when the number matches a registered person who consented to WhatsApp contact.
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_contacts"
    )
    area = models.CharField(_("area"), max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["national_society", "channel", "address_hash"], name="contact_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel} contact {str(self.id)[:8]}"

    @property
    def address(self) -> str:
        return crypto.decrypt_json(self.address_encrypted).get("a", "") if self.address_encrypted else ""

    @address.setter
    def address(self, value: str) -> None:
        self.address_encrypted = crypto.encrypt_json({"a": value}) if value else ""

    def window_open(self, now=None) -> bool:
        """Inside Meta's 24-hour customer-service window (free-form messages allowed)."""
        now = now or timezone.now()
        return self.last_inbound_at is not None and now - self.last_inbound_at < WINDOW

    @property
    def masked_address(self) -> str:
        value = self.address
        return f"•••{value[-3:]}" if len(value) > 3 else "•••"


class Queue(models.TextChoices):
    GENERAL = "general", _("General")
    PROTECTION = "protection", _("Protection")
    RFL = "rfl", _("Restoring Family Links")
    CASH = "cash", _("Cash and vouchers")


class Conversation(models.Model):
    class Status(models.TextChoices):
        BOT = "bot", _("With the assistant")
        WAITING = "waiting", _("Waiting for a person")
        ASSIGNED = "assigned", _("With a person")
        CLOSED = "closed", _("Closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="conversations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOT)
    queue = models.CharField(max_length=12, choices=Queue.choices, default=Queue.GENERAL)
    # A sensitive conversation (abuse, trafficking, a child alone, suicide...) is visible only to protection roles.
    sensitive = models.BooleanField(default=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    handover_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_topic = models.CharField(max_length=60, blank=True)
    # What the assistant is waiting for ("", "delete_confirm", "city").
    awaiting = models.CharField(max_length=20, blank=True)
    # A false escalation given back to the assistant by a staff member ("not sensitive").
    given_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    given_back_at = models.DateTimeField(null=True, blank=True)
    given_back_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["national_society", "status", "queue"], name="conv_inbox_idx")]

    def __str__(self) -> str:
        return f"conversation {str(self.id)[:8]} ({self.status})"


class Message(models.Model):
    class Direction(models.TextChoices):
        IN = "in", _("Received")
        OUT = "out", _("Sent")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    # Meta's message id (wamid...) of an inbound message: Meta retries, so it is unique.
    external_id = models.CharField(max_length=200, unique=True, null=True, blank=True)
    kind = models.CharField(max_length=20, default="text")
    text_encrypted = models.TextField(blank=True)
    # Non-text content: button/list reply id, location, media id (never the media itself).
    data = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    outbox_id = models.UUIDField(null=True, blank=True)
    topic = models.CharField(max_length=60, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    processed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    redacted = models.BooleanField(default=False)
    # An answer of the assistant while the conversation waits for a person (the person is told).
    automatic = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind}"

    @property
    def text(self) -> str:
        return crypto.decrypt_json(self.text_encrypted).get("t", "") if self.text_encrypted else ""

    @text.setter
    def text(self, value: str) -> None:
        self.text_encrypted = crypto.encrypt_json({"t": value}) if value else ""


class Note(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"note {str(self.id)[:8]}"


class Broadcast(models.Model):
    """A risk-communication message to opted-in contacts, sent by template, throttled."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="broadcasts")
    template = models.CharField(max_length=60)
    params = models.JSONField(default=list)
    language = models.CharField(max_length=5, blank=True)
    area = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"broadcast {self.template} ({self.created_at:%Y-%m-%d})"


class FaqContent(models.Model):
    """A version of the FAQ answers (the YAML of caminante/faq/data/answers.yaml), edited by
    programme staff. The newest version is the one the assistant uses; none means the shipped file."""

    version = models.PositiveIntegerField(unique=True)
    answers_yaml = models.TextField()
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"FAQ answers v{self.version}"


class SentMessage(models.Model):
    """An outgoing message delivered to the local sink instead of a provider (demo mode, or
    CAMINANTE_MESSAGE_SINK=1): what the person would have read. One per outbox row (the outbox
    marks the row delivered in the same transaction). Recipient and text are encrypted at rest and
    deleted after CAMINANTE_CHAT_RETENTION_DAYS, like chat messages."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    outbox_message = models.OneToOneField("core.OutboxMessage", on_delete=models.CASCADE, related_name="sink_copy")
    national_society = models.ForeignKey(
        NationalSociety, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=30)
    # text, buttons, list, location, template (WhatsApp); sms; email
    kind = models.CharField(max_length=20)
    # {"to", "text", "subject", "buttons", "list_button", "rows", "location", "template", "language"}
    content_encrypted = models.TextField(blank=True)
    delivered_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-delivered_at"]
        indexes = [models.Index(fields=["national_society", "-delivered_at"], name="sink_ns_delivered_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} ({self.delivered_at:%Y-%m-%d %H:%M})"

    @property
    def content(self) -> dict:
        return crypto.decrypt_json(self.content_encrypted)

    @content.setter
    def content(self, value: dict) -> None:
        self.content_encrypted = crypto.encrypt_json(value)


def default_week() -> list[str]:
    """Monday to Friday 08:00-17:00, closed at the weekend."""
    return ["08:00-17:00"] * 5 + ["", ""]


class OfficeHours(models.Model):
    """When people of a National Society answer the chat inbox: one "HH:MM-HH:MM" range (or ""
    for closed) per weekday, Monday first, in `time_zone` (empty: the National Society's). Without
    a row, `default_week()` in the National Society's time zone. See channels/hours.py."""

    national_society = models.OneToOneField(NationalSociety, on_delete=models.CASCADE, related_name="office_hours")
    week = models.JSONField(default=default_week)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("office hours")

    def __str__(self) -> str:
        return f"office hours of {self.national_society}"


class TopicLabel(models.Model):
    """The topic a staff member says an inbound message really asked for (a message the assistant
    did not answer, or answered with a sensitive hand-over): an FAQ topic id, NEW_TOPIC or
    NOT_A_QUESTION. An FAQ editor of the National Society reviews it; approved labels with a real
    topic are training data (selectors.approved_faq_labels). `sensitive` (the conversation was
    sensitive, or the topic is) keeps the label, and its text, with protection officers.
    No copy of the text: it is read from the message, so retention and erasure apply to it."""

    NEW_TOPIC = "_new"
    NOT_A_QUESTION = "_none"
    SPECIAL = (NEW_TOPIC, NOT_A_QUESTION)

    class Review(models.TextChoices):
        PENDING = "pending", _("To review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="label")
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(max_length=60)
    lang = models.CharField(max_length=5)
    sensitive = models.BooleanField(default=False)
    labelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    labelled_at = models.DateTimeField(default=timezone.now)
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-labelled_at"]
        indexes = [models.Index(fields=["national_society", "review"], name="label_ns_review_idx")]

    def __str__(self) -> str:
        return f"label {self.topic} ({self.review})"
