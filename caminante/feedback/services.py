"""Every state change of community feedback: intake, coding, the confidential path, the loop.

Each function checks the permission, validates, writes in one transaction, audits, and writes
its outgoing messages (focal-point alerts, answers) to the outbox in the same transaction.
"""

import logging
import os
import threading
import time
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from caminante.core import audit, outbox
from caminante.core.codes import new_code
from caminante.core.models import NationalSociety, ServicePoint, User
from caminante.core.roles import FIELD_WRITERS, HSP_ROLES, Role
from caminante.core.scoping import Scope, require

from . import classifier
from .framework import current_version, tree
from .models import (
    AgeGroup,
    AnswerVia,
    Channel,
    ClassificationCorrection,
    Criticality,
    Diversity,
    FeedbackItem,
    FocalPoint,
    FrameworkEntry,
    FrameworkVersion,
    RumourCluster,
    Sensitivity,
    SexGiven,
    Status,
)

log = logging.getLogger(__name__)

# Who handles the ordinary (not sensitive) queue: code, move through the loop, answer.
HANDLERS = frozenset({Role.COORDINATOR, Role.OFFICER, Role.PROTECTION, Role.DATA_MANAGER, Role.ADMIN})
# Who may log feedback (hotline operators are officers; volunteers log at the HSP).
INTAKE_ROLES = FIELD_WRITERS
# Who manages the framework and rumour clusters of a National Society.
FRAMEWORK_EDITORS = frozenset({Role.DATA_MANAGER, Role.ADMIN})
CLUSTER_EDITORS = frozenset({Role.OFFICER, Role.DATA_MANAGER, Role.ADMIN})
FOCAL_POINT_ROLES = frozenset({Role.PROTECTION})

ANSWER_CHANNELS = frozenset({Channel.WHATSAPP, Channel.WEBCHAT})

# The loop: which status may follow which.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset(
        {
            Status.ACKNOWLEDGED,
            Status.IN_PROGRESS,
            Status.ANSWERED,  # a simple question is answered at once (answering acknowledges it)
            Status.REFERRED_INTERNAL,
            Status.REFERRED_EXTERNAL,
            Status.NO_ACTION,
        }
    ),
    Status.ACKNOWLEDGED: frozenset(
        {Status.IN_PROGRESS, Status.ANSWERED, Status.REFERRED_INTERNAL, Status.REFERRED_EXTERNAL, Status.NO_ACTION}
    ),
    Status.IN_PROGRESS: frozenset(
        {Status.ANSWERED, Status.REFERRED_INTERNAL, Status.REFERRED_EXTERNAL, Status.NO_ACTION}
    ),
    Status.REFERRED_INTERNAL: frozenset({Status.IN_PROGRESS, Status.ANSWERED, Status.CLOSED}),
    Status.REFERRED_EXTERNAL: frozenset({Status.IN_PROGRESS, Status.ANSWERED, Status.CLOSED}),
    Status.ANSWERED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.NO_ACTION: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
}


def sla_hours() -> dict[str, int]:
    """Service-level target per criticality, in hours (CAMINANTE_FEEDBACK_SLA_HOURS overrides,
    e.g. "urgent=24,action=72,monitor=336")."""
    hours = {Criticality.URGENT.value: 24, Criticality.ACTION.value: 72, Criticality.MONITOR.value: 336}
    for part in os.environ.get("CAMINANTE_FEEDBACK_SLA_HOURS", "").split(","):
        name, _sep, value = part.partition("=")
        if name.strip() in hours and value.strip().isdigit():
            hours[name.strip()] = int(value)
    return hours


REMINDER_EVERY = timedelta(hours=24)


def _due(item: FeedbackItem):
    if not (item.wants_answer or item.is_confidential or item.criticality != Criticality.MONITOR):
        return None
    return item.received_at + timedelta(hours=sla_hours()[item.criticality])


def _new_item_code() -> str:
    for _attempt in range(10):
        code = new_code("FB")
        if not FeedbackItem.objects.filter(code=code).exists():
            return code
    raise RuntimeError("could not draw a free feedback code")


def _default_criticality(suggestion: classifier.Suggestion) -> str:
    if suggestion.sensitivity == classifier.SENSITIVE:
        return Criticality.URGENT
    if suggestion.type == "concern":
        return Criticality.ACTION
    return Criticality.MONITOR


def _clean_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if not phone:
        return ""
    if not (phone.startswith("+") and phone[1:].isdigit() and 8 <= len(phone) <= 16):
        raise ValidationError(
            {"contact_phone_e164": _("Enter the phone number in international form, e.g. +573001234567.")}
        )
    return phone


def focal_points_of(national_society) -> list[User]:
    ids = FocalPoint.objects.filter(national_society=national_society, active=True).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True, role=Role.PROTECTION))


def _alert_focal_points(item: FeedbackItem, reason: str) -> int:
    """E-mail every focal point of the item's National Society: the code and a link, never the words."""
    sent = 0
    path = reverse("feedback-confidential-item", kwargs={"confidential_id": item.pk})
    for user in focal_points_of(item.national_society):
        if item.involved_user_id == user.pk:
            continue
        if user.email:
            outbox.enqueue(
                "email",
                user.email,
                {
                    "subject": _("Confidential feedback %(code)s needs your attention") % {"code": item.code},
                    "text": _(
                        "A report that may be sensitive (%(code)s) is in the confidential queue: %(path)s\n"
                        "Open it in Caminante. Do not forward this message."
                    )
                    % {"code": item.code, "path": path},
                },
                national_society=item.national_society,
                idempotency_key=f"feedback-focal-{reason}-{item.pk}-{user.pk}",
            )
            sent += 1
    audit.record(None, "feedback.focal_points_alerted", item, data={"reason": reason, "emails": sent})
    return sent


# People's decisions improve the suggestions: each process (web server, worker) retrains the
# classifier with them at most every MODEL_REFRESH; training takes well under a second.
MODEL_REFRESH = timedelta(hours=6)
CORRECTIONS_LEARNT = 5000  # the most recent decisions; older ones are already in the shipped sets' spirit
_model_state: dict = {"trained_at": None}
_model_state_lock = threading.Lock()


def correction_rows(limit: int = CORRECTIONS_LEARNT) -> list[classifier.TrainingRow]:
    """The texts people coded, with the category and sensitivity they decided (in memory only)."""
    rows = []
    for correction in ClassificationCorrection.objects.select_related("item")[:limit]:
        text = correction.item.words
        if text and correction.final_category in classifier.CATEGORIES:
            rows.append(
                classifier.TrainingRow(
                    text, correction.final_category, correction.final_sensitivity, correction.language
                )
            )
    return rows


def current_model() -> classifier.NaiveBayes:
    """The classifier's model, retrained with people's decisions when it is older than MODEL_REFRESH."""
    trained_at = _model_state["trained_at"]
    if trained_at is None or time.monotonic() - trained_at > MODEL_REFRESH.total_seconds():
        learn_from_corrections()
    return classifier.default_model()


def learn_from_corrections() -> int:
    """Retrain this process's model with people's decisions now (also a periodic job of the worker);
    returns how many decisions it learnt from."""
    with _model_state_lock:
        _model_state["trained_at"] = time.monotonic()  # one retraining at a time, even if it fails
    rows = correction_rows()
    classifier.learn(rows)
    return len(rows)


def receive_feedback(
    user,
    *,
    national_society,
    channel: str,
    text: str,
    language: str = "es",
    service_point=None,
    contact_phone_e164: str = "",
    wants_answer: bool = False,
    sex: str = "",
    age_group: str = "",
    reference: str = "",
    place: str = "",
    diversity: str = "",
    contact_consent: bool | None = None,
    received_at=None,
    person=None,
    programme_code: str = "",
    voucher_code: str = "",
    referral_code: str = "",
    reported_sensitive: bool = False,
) -> FeedbackItem:
    """Take one piece of feedback from any channel: classify it, route a sensitive report to the
    confidential queue (and alert the focal points), audit, and return the item with its code.

    `user` is None for an automated channel (the chatbot). A contact phone is kept only with
    consent; it is implied when the person writes from that number on WhatsApp or web chat.
    `reported_sensitive`: the person logging it says it is about abuse, exploitation, a child at
    risk or a threat; it goes to the confidential queue whatever the classifier says."""
    errors: dict[str, str] = {}
    if user is not None:
        scope = require(user, INTAKE_ROLES)
        if scope.role in HSP_ROLES:
            service_point = ServicePoint.objects.get(pk=scope.service_point_id)
            national_society = service_point.national_society
        elif not scope.is_global and getattr(national_society, "pk", national_society) != scope.national_society_id:
            raise PermissionDenied("feedback for another National Society")
    if not isinstance(national_society, NationalSociety):
        national_society = NationalSociety.objects.filter(pk=national_society).first()
        if national_society is None:
            errors["national_society"] = _("Unknown National Society.")
    if service_point is not None and national_society is not None:
        if service_point.national_society_id != national_society.pk:
            errors["service_point"] = _("That service point belongs to another National Society.")
    if channel not in Channel.values:
        errors["channel"] = _("Unknown channel.")
    text = (text or "").strip()
    if not text:
        errors["text"] = _("Write down what the person said.")
    elif len(text) > 5000:
        errors["text"] = _("The text is too long (at most 5000 characters).")
    if sex and sex not in SexGiven.values:
        errors["sex"] = _("Unknown value.")
    if age_group and age_group not in AgeGroup.values:
        errors["age_group"] = _("Unknown value.")
    diversity_values = [d for d in (diversity or "").split(",") if d]
    if any(d not in Diversity.values for d in diversity_values):
        errors["diversity"] = _("Unknown value.")
    try:
        phone = _clean_phone(contact_phone_e164)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        phone = ""
    if contact_consent is None:
        contact_consent = bool(phone) and channel in ANSWER_CHANNELS
    if phone and not contact_consent:
        errors["contact_phone_e164"] = _("Keep a contact only when the person agrees to be contacted.")
    if wants_answer and not phone and channel in (Channel.HOTLINE,):
        errors["contact_phone_e164"] = _("To call back, note the phone number (with the person's consent).")
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + timedelta(minutes=5):
        errors["received_at"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    language = language if language in ("es", "pt", "en") else classifier.detect_language(text)
    suggestion = classifier.classify(text, language, model=current_model())
    with transaction.atomic():
        item = FeedbackItem(
            code=_new_item_code(),
            national_society=national_society,
            service_point=service_point,
            place=place[:200] or (service_point.city if service_point else ""),
            channel=channel,
            received_at=received_at,
            language=language,
            contact_consent=bool(contact_consent and phone),
            sex=sex,
            age_group=age_group,
            diversity=",".join(diversity_values),
            wants_answer=wants_answer,
            reference=reference[:120],
            person=person,
            programme_code=programme_code[:60],
            voucher_code=voucher_code[:30],
            referral_code=referral_code[:30],
            suggested_type=suggestion.type,
            suggested_category=suggestion.category,
            suggested_sensitivity=suggestion.sensitivity,
            suggestion_confidence=suggestion.confidence,
            classifier_version=suggestion.version,
            sensitivity=Sensitivity.SENSITIVE if reported_sensitive else suggestion.sensitivity,
            criticality=Criticality.URGENT if reported_sensitive else _default_criticality(suggestion),
            created_by=user,
            updated_by=user,
            created_at_point=service_point,
        )
        item.set_words(text)
        item.set_contact(phone)
        item.due_at = _due(item)
        item.save(force_insert=True)
        audit.record(
            user,
            "feedback.received",
            item,
            data={"code": item.code, "channel": channel, "confidential": item.is_confidential},
        )
        if item.is_confidential:
            _alert_focal_points(item, "new")
    return item


# ---------------------------------------------------------------------------------------------
# Access to one item for a change


def _may_handle(user, item: FeedbackItem) -> Scope:
    """The user may change this item: a designated focal point for a confidential item, a
    handler in scope for an ordinary one. Anything else is refused as if it did not exist."""
    scope = Scope.of(user)
    if item.is_confidential:
        if not (
            scope.role in FOCAL_POINT_ROLES
            and is_focal_point(user, item.national_society_id)
            and item.involved_user_id != user.pk
        ):
            raise PermissionDenied("not a focal point for this item")
        return scope
    scope.require(HANDLERS)
    if scope.is_global:
        return scope
    if item.national_society_id != scope.national_society_id:
        raise PermissionDenied("another National Society")
    if scope.role in HSP_ROLES and item.service_point_id != scope.service_point_id:
        raise PermissionDenied("another service point")
    return scope


def is_focal_point(user, national_society_id) -> bool:
    return (
        getattr(user, "role", None) == Role.PROTECTION
        and getattr(user, "national_society_id", None) == national_society_id
        and FocalPoint.objects.filter(user=user, national_society_id=national_society_id, active=True).exists()
    )


def _lock(item: FeedbackItem) -> FeedbackItem:
    return FeedbackItem.objects.select_for_update().get(pk=item.pk)


# ---------------------------------------------------------------------------------------------
# Coding


def code_item(
    user,
    item: FeedbackItem,
    *,
    type_key: str,
    category_key: str,
    code_key: str = "",
    sensitivity: str,
    criticality: str,
    involved_user=None,
) -> FeedbackItem:
    """Confirm or correct the classifier's suggestion. The decision is kept as a correction row
    (also when it agrees), so the classifier's accuracy can be measured. Marking an item
    sensitive moves it to the confidential queue at once; only a focal point can release it."""
    _may_handle(user, item)
    framework = tree(item.national_society, current_version())
    errors = {}
    if framework.by_key.get(type_key) is None or framework.by_key[type_key].level != "type":
        errors["type_key"] = _("Choose a type of the framework.")
    elif framework.parent(category_key) != type_key:
        errors["category_key"] = _("Choose a category of that type.")
    elif code_key and framework.parent(code_key) != category_key:
        errors["code_key"] = _("Choose a code of that category.")
    if sensitivity not in Sensitivity.values:
        errors["sensitivity"] = _("Choose the sensitivity.")
    if criticality not in Criticality.values:
        errors["criticality"] = _("Choose the criticality.")
    if (
        not errors
        and sensitivity == Sensitivity.NOT_SENSITIVE
        and (framework.is_sensitive(category_key) or framework.is_sensitive(code_key))
    ):
        errors["sensitivity"] = _("This category is always sensitive.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = _lock(item)
        was_confidential = item.is_confidential
        if was_confidential and sensitivity == Sensitivity.NOT_SENSITIVE:
            _may_handle(user, item)  # only a focal point releases an item from the confidential queue
        words = item.words
        item.framework_version = framework.version
        item.type_key, item.category_key, item.code_key = type_key, category_key, code_key
        item.sensitivity, item.criticality = sensitivity, criticality
        if involved_user is not None:
            item.involved_user = involved_user
        item.set_words(words)
        item.coded_by, item.coded_at, item.updated_by = user, timezone.now(), user
        if item.answered_at is None:
            item.due_at = _due(item)
        item.save()
        ClassificationCorrection.objects.create(
            item=item,
            national_society=item.national_society,
            language=item.language,
            classifier_version=item.classifier_version,
            suggested_type=item.suggested_type,
            suggested_category=item.suggested_category,
            suggested_sensitivity=item.suggested_sensitivity,
            final_type=type_key,
            final_category=category_key,
            final_sensitivity=sensitivity,
            decided_by=user,
        )
        audit.record(
            user,
            "feedback.coded",
            item,
            data={
                "version": framework.version.number,
                "type": type_key,
                "category": category_key,
                "code": code_key,
                "sensitivity": sensitivity,
                "criticality": criticality,
                "agrees": item.suggested_category == category_key,
            },
        )
        if item.is_confidential and not was_confidential:
            _alert_focal_points(item, "escalated")
    return item


# ---------------------------------------------------------------------------------------------
# The loop


def _check_transition(item: FeedbackItem, new_status: str) -> None:
    if new_status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if new_status not in TRANSITIONS[item.status]:
        raise ValidationError(
            {
                "status": _("An item that is “%(current)s” cannot become “%(new)s”.")
                % {"current": Status(item.status).label, "new": Status(new_status).label}
            }
        )


def move_item(user, item: FeedbackItem, new_status: str, *, note: str = "") -> FeedbackItem:
    """Move an item along its loop (answering goes through `answer_item`)."""
    _may_handle(user, item)
    if new_status == Status.ANSWERED:
        raise ValidationError({"status": _("Write the answer to mark the item answered.")})
    with transaction.atomic():
        item = _lock(item)
        _check_transition(item, new_status)
        if new_status == Status.CLOSED and item.wants_answer and item.answered_at is None and not item.is_confidential:
            if item.status not in (Status.NO_ACTION, Status.REFERRED_EXTERNAL, Status.REFERRED_INTERNAL):
                raise ValidationError({"status": _("The person asked for an answer: answer before closing.")})
        previous = item.status
        now = timezone.now()
        item.status = new_status
        if new_status == Status.ACKNOWLEDGED and item.acknowledged_at is None:
            item.acknowledged_at = now
        if new_status == Status.CLOSED:
            item.closed_at = now
        if note:
            item.handling_note = (item.handling_note + "\n" if item.handling_note else "") + note[:1000]
        item.updated_by = user
        item.save()
        audit.record(user, "feedback.status", item, data={"from": previous, "to": new_status})
    return item


def answer_item(user, item: FeedbackItem, *, answer: str, via: str = AnswerVia.CHANNEL) -> FeedbackItem:
    """Answer the person through the channel they used: a WhatsApp / web chat message through the
    outbox (channels' `notify`, template "feedback_answer"), a note of the phone call, or a message
    kept at the service point until the person comes back with the code."""
    _may_handle(user, item)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer.")})
    if len(answer) > 1000:
        raise ValidationError({"answer": _("The answer is too long (at most 1000 characters).")})
    if via not in AnswerVia.values:
        raise ValidationError({"via": _("Choose how the answer goes back.")})
    with transaction.atomic():
        item = _lock(item)
        _check_transition(item, Status.ANSWERED)
        phone = item.contact_phone
        if via == AnswerVia.CHANNEL:
            if not (phone and item.contact_consent):
                raise ValidationError(
                    {"via": _("There is no contact for this person: note a call or keep the message at the HSP.")}
                )
            send_answer(item, phone, answer)
        elif via == AnswerVia.HSP_MESSAGE and item.service_point_id is None:
            raise ValidationError({"via": _("This item has no service point to keep the message at.")})
        now = timezone.now()
        item.status, item.answer, item.answer_via = Status.ANSWERED, answer, via
        item.answered_at, item.answered_by, item.updated_by = now, user, user
        if item.acknowledged_at is None:
            item.acknowledged_at = now
        item.save()
        audit.record(user, "feedback.answered", item, data={"via": via, "within_target": within_target(item)})
    return item


def send_answer(item: FeedbackItem, phone: str, answer: str):
    """Write the answer to the outbox inside the caller's transaction."""
    try:
        from caminante.channels.services import notify
    except ImportError:
        notify = None
    if notify is not None:
        return notify(
            national_society=item.national_society,
            phone_e164=phone,
            text=_("Red Cross, about your message %(code)s: %(answer)s") % {"code": item.code, "answer": answer},
            template="feedback_answer",
            template_params=[item.code, answer],
            language=item.language,
            idempotency_key=f"feedback-answer-{item.pk}-{item.updated_at.timestamp() if item.updated_at else 0}",
        )
    # channels not installed yet: the SMS outbox channel (what notify falls back to)
    return outbox.enqueue(
        "sms",
        phone,
        {"text": f"{item.code}: {answer}"},
        national_society=item.national_society,
        idempotency_key=f"feedback-answer-{item.pk}-{item.updated_at.timestamp() if item.updated_at else 0}",
    )


def link_item(
    user, item: FeedbackItem, *, person=None, programme_code: str = "", voucher_code: str = "", referral_code: str = ""
):
    """Link an item to a registered person (fetched by the caller through a scoped selector) and
    to a programme, voucher or referral by code."""
    _may_handle(user, item)
    if person is not None and person.national_society_id != item.national_society_id:
        raise ValidationError({"person": _("This person is registered with another National Society.")})
    with transaction.atomic():
        item = _lock(item)
        item.person = person or item.person
        item.programme_code = programme_code.strip()[:60] or item.programme_code
        item.voucher_code = voucher_code.strip().upper()[:30] or item.voucher_code
        item.referral_code = referral_code.strip().upper()[:30] or item.referral_code
        item.updated_by = user
        item.save()
        audit.record(
            user,
            "feedback.linked",
            item,
            data={
                "person": str(item.person_id or ""),
                "programme": item.programme_code,
                "voucher": item.voucher_code,
                "referral": item.referral_code,
            },
        )
    return item


def within_target(item: FeedbackItem) -> bool | None:
    if item.due_at is None:
        return None
    done = item.answered_at or item.closed_at
    return bool(done and done <= item.due_at)


def hand_over_answer(user, item: FeedbackItem) -> FeedbackItem:
    """The person came back to the HSP and was given the answer kept for them."""
    scope = require(user, INTAKE_ROLES)
    if item.is_confidential or item.answer_via != AnswerVia.HSP_MESSAGE or item.answer_collected_at:
        raise ValidationError({"answer": _("There is no answer waiting for this person.")})
    if scope.role in HSP_ROLES and item.service_point_id != scope.service_point_id:
        raise PermissionDenied("another service point")
    if not scope.is_global and item.national_society_id != scope.national_society_id:
        raise PermissionDenied("another National Society")
    with transaction.atomic():
        item = _lock(item)
        item.answer_collected_at = timezone.now()
        item.updated_by = user
        item.save(update_fields=["answer_collected_at", "updated_by", "updated_at"])
        audit.record(user, "feedback.answer_collected", item)
    return item


# ---------------------------------------------------------------------------------------------
# Focal points


def designate_focal_point(user, focal_user: User, *, active: bool = True) -> FocalPoint:
    """A data manager (or admin) designates a protection officer of their National Society."""
    scope = require(user, FRAMEWORK_EDITORS)
    if focal_user.role != Role.PROTECTION or focal_user.national_society_id is None:
        raise ValidationError({"user": _("Only a protection officer can be a focal point.")})
    if not scope.is_global and focal_user.national_society_id != scope.national_society_id:
        raise ValidationError({"user": _("That user works for another National Society.")})
    with transaction.atomic():
        focal, _created = FocalPoint.objects.update_or_create(
            national_society_id=focal_user.national_society_id,
            user=focal_user,
            defaults={"active": active, "designated_by": user, "designated_at": timezone.now()},
        )
        audit.record(
            user,
            "feedback.focal_point",
            focal,
            data={"user": focal_user.username, "active": active},
            national_society_id=focal_user.national_society_id,
        )
    return focal


def record_confidential_read(user, item: FeedbackItem, what: str = "item") -> None:
    audit.record(user, "feedback.confidential.read", item, data={"code": item.code, "what": what})


# ---------------------------------------------------------------------------------------------
# Framework


def add_national_code(user, *, category_key: str, key: str, label_es: str, label_pt: str = "", label_en: str = ""):
    """A National Society adds its own code under a shared category (current version)."""
    scope = require(user, FRAMEWORK_EDITORS)
    if scope.is_global:
        raise ValidationError({"key": _("Choose a National Society: add shared codes in a new version.")})
    version = current_version()
    ns = NationalSociety.objects.get(pk=scope.national_society_id)
    framework = tree(ns, version)
    errors = {}
    category = framework.by_key.get(category_key)
    if category is None or category.level != "category":
        errors["category_key"] = _("Choose a category of the framework.")
    key = (key or "").strip().lower()
    if not key or not key.replace("_", "").isalnum() or len(key) > 50:
        errors["key"] = _("Use letters, digits and underscores only.")
    elif FrameworkEntry.objects.filter(version=version, key=f"{ns.code.lower()}_{key}").exists():
        errors["key"] = _("That code already exists.")
    if not label_es.strip():
        errors["label_es"] = _("Give the label in Spanish.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = FrameworkEntry.objects.create(
            version=version,
            level="code",
            key=f"{ns.code.lower()}_{key}",
            parent_key=category_key,
            national_society=ns,
            label_es=label_es.strip()[:200],
            label_pt=(label_pt or label_es).strip()[:200],
            label_en=(label_en or label_es).strip()[:200],
            sensitive=category.sensitive,
            sort_order=category.sort_order,
        )
        audit.record(user, "feedback.framework.code_added", entry, data={"key": entry.key}, national_society_id=ns.pk)
    return entry


def publish_framework_version(user, *, note: str, add: list[dict] | None = None, retire: list[str] | None = None):
    """A new shared version: a copy of the current one with codes added and others retired.
    Items coded before keep their version, so their reports do not change."""
    require(user, {Role.ADMIN})
    current = current_version()
    with transaction.atomic():
        version = FrameworkVersion.objects.create(number=current.number + 1, note=note[:300], created_by=user)
        entries = []
        for entry in FrameworkEntry.objects.filter(version=current):
            entry.pk, entry.version = None, version
            if entry.key in (retire or []):
                entry.active = False
            entries.append(entry)
        keys = {e.key for e in entries}
        for spec in add or []:
            if spec["key"] in keys or spec.get("parent_key", "") not in keys:
                raise ValidationError({"add": _("Each new code needs a new key and an existing parent.")})
            entries.append(
                FrameworkEntry(
                    version=version,
                    level=spec.get("level", "code"),
                    key=spec["key"],
                    parent_key=spec["parent_key"],
                    label_es=spec["label_es"],
                    label_pt=spec.get("label_pt", spec["label_es"]),
                    label_en=spec.get("label_en", spec["label_es"]),
                    sensitive=bool(spec.get("sensitive")),
                    sort_order=900,
                )
            )
        FrameworkEntry.objects.bulk_create(entries)
        audit.record(user, "feedback.framework.published", version, data={"number": version.number})
    return version


# ---------------------------------------------------------------------------------------------
# Rumours


def save_cluster(
    user, *, national_society, name: str, keywords: str, response_message: str = "", cluster=None
) -> RumourCluster:
    scope = require(user, CLUSTER_EDITORS)
    if not scope.is_global and national_society.pk != scope.national_society_id:
        raise PermissionDenied("another National Society")
    if not name.strip():
        raise ValidationError({"name": _("Give the cluster a name.")})
    duplicate = RumourCluster.objects.filter(national_society=national_society, name=name.strip())
    if cluster is not None:
        duplicate = duplicate.exclude(pk=cluster.pk)
    if duplicate.exists():
        raise ValidationError({"name": _("A cluster with that name exists.")})
    with transaction.atomic():
        cluster = cluster or RumourCluster(national_society=national_society, created_by=user)
        cluster.name, cluster.keywords = name.strip()[:200], keywords[:500]
        cluster.response_message, cluster.updated_by = response_message[:1000], user
        cluster.save()
        assigned = assign_to_cluster(cluster)
        audit.record(user, "feedback.cluster.saved", cluster, data={"name": cluster.name, "assigned": assigned})
    return cluster


def assign_to_cluster(cluster: RumourCluster) -> int:
    """Attach the National Society's observations whose words contain one of the keywords."""
    words = [classifier.normalize(k).strip() for k in cluster.keyword_list()]
    words = [w for w in words if w]
    if not words:
        return 0
    count = 0
    candidates = FeedbackItem.objects.filter(
        national_society=cluster.national_society, sensitivity=Sensitivity.NOT_SENSITIVE, cluster__isnull=True
    ).filter(Q(type_key="observation") | Q(type_key="", suggested_type="observation") | Q(type_key="question"))
    for item in candidates.only("pk", "text"):
        norm = classifier.normalize(item.text)
        if any(f" {w}" in norm for w in words):
            FeedbackItem.objects.filter(pk=item.pk).update(cluster=cluster)
            count += 1
    return count


def broadcast_cluster(user, cluster: RumourCluster) -> int:
    """Send the agreed response to the people of this cluster who left a contact (with consent),
    through their channel; return how many messages were written to the outbox."""
    scope = require(user, CLUSTER_EDITORS)
    if not scope.is_global and cluster.national_society_id != scope.national_society_id:
        raise PermissionDenied("another National Society")
    if not cluster.response_message.strip():
        raise ValidationError({"response_message": _("Agree the response message first.")})
    sent = 0
    with transaction.atomic():
        for item in cluster.items.filter(contact_consent=True, sensitivity=Sensitivity.NOT_SENSITIVE):
            phone = item.contact_phone
            if phone:
                send_answer(item, phone, cluster.response_message)
                sent += 1
        cluster.broadcast_at = timezone.now()
        cluster.save(update_fields=["broadcast_at", "updated_at"])
        audit.record(user, "feedback.cluster.broadcast", cluster, data={"messages": sent})
    return sent


# ---------------------------------------------------------------------------------------------
# Periodic jobs


def _handlers_of(item: FeedbackItem) -> list[User]:
    if item.is_confidential:
        return [u for u in focal_points_of(item.national_society) if u.pk != item.involved_user_id]
    users = User.objects.filter(national_society=item.national_society, is_active=True).filter(
        Q(role=Role.OFFICER) | Q(role=Role.COORDINATOR, service_point=item.service_point)
    )
    return [u for u in users if u.pk != item.involved_user_id]


def send_overdue_alerts(now=None) -> str:
    """Alert the handlers of every open item past its target (once a day per item), and remind
    the focal points of every open confidential item each day until it is closed."""
    now = now or timezone.now()
    alerted = reminded = 0
    overdue = FeedbackItem.objects.filter(due_at__lt=now, answered_at__isnull=True, closed_at__isnull=True).filter(
        Q(overdue_alerted_at__isnull=True) | Q(overdue_alerted_at__lt=now - REMINDER_EVERY)
    )
    for item in overdue.select_related("national_society"):
        with transaction.atomic():
            claimed = FeedbackItem.objects.filter(pk=item.pk, overdue_alerted_at=item.overdue_alerted_at).update(
                overdue_alerted_at=now
            )
            if not claimed:
                continue
            for user in _handlers_of(item):
                if user.email:
                    outbox.enqueue(
                        "email",
                        user.email,
                        {
                            "subject": _("Feedback %(code)s is overdue") % {"code": item.code},
                            "text": _("Feedback %(code)s has passed its target date. Open it in Caminante.")
                            % {"code": item.code},
                        },
                        national_society=item.national_society,
                        idempotency_key=f"feedback-overdue-{item.pk}-{user.pk}-{now:%Y%m%d}",
                    )
            audit.record(None, "feedback.overdue_alert", item, data={"code": item.code})
            alerted += 1
    confidential = (
        FeedbackItem.objects.exclude(sensitivity=Sensitivity.NOT_SENSITIVE)
        .filter(closed_at__isnull=True)
        .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lt=now - REMINDER_EVERY))
    )
    for item in confidential.filter(received_at__lt=now - REMINDER_EVERY):
        with transaction.atomic():
            if not FeedbackItem.objects.filter(pk=item.pk, last_reminder_at=item.last_reminder_at).update(
                last_reminder_at=now
            ):
                continue
            _alert_focal_points(item, f"reminder-{now:%Y%m%d}")
            reminded += 1
    return f"{alerted} overdue, {reminded} confidential reminders"
