"""Every state change of the channels app: notify, inbound WhatsApp envelopes, status callbacks,
handover, staff replies, opt-out, deletion, retention.

`notify` is the contract other apps call (voucher issued, feedback answered, referral updated).
"""

import hashlib
import hmac
import logging
import re
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caminante.core import audit, outbox
from caminante.core.models import OutboxMessage

from . import whatsapp
from .models import (
    Broadcast,
    Channel,
    Contact,
    Conversation,
    Message,
    Note,
    Queue,
    SentMessage,
    WhatsAppNumber,
)

log = logging.getLogger(__name__)

# Outbox status order: a late "delivered" callback never turns a "read" message back.
_STATUS_RANK = {"pending": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}


def digits(phone: str) -> str:
    """E.164 without the plus (the form Meta uses for wa_id and `to`)."""
    return re.sub(r"\D", "", phone or "")


def address_hash(address: str) -> str:
    key = (settings.FIELD_ENCRYPTION_KEY + ":chat-address").encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def find_contact(national_society, channel: str, address: str) -> Contact | None:
    return Contact.objects.filter(
        national_society=national_society, channel=channel, address_hash=address_hash(address)
    ).first()


def get_or_create_contact(national_society, channel: str, address: str, language: str = "es") -> Contact:
    contact = find_contact(national_society, channel, address)
    if contact is None:
        contact = Contact(
            national_society=national_society, channel=channel, address_hash=address_hash(address), language=language
        )
        contact.address = address
        try:
            with transaction.atomic():
                contact.save(force_insert=True)
        except IntegrityError:  # created meanwhile by a concurrent request
            contact = find_contact(national_society, channel, address)
        if channel == Channel.WHATSAPP:
            link_person(contact)
    return contact


def link_person(contact: Contact) -> None:
    """Link the contact to a registered person of the same National Society whose number matches
    and who consented to WhatsApp contact (and did not withdraw it)."""
    from caminante.registry.models import ConsentPurpose, Person

    phone = "+" + contact.address
    candidates = Person.objects.filter(phone_e164=phone, national_society=contact.national_society)
    for person in candidates[:5]:
        if person.consents.filter(purpose=ConsentPurpose.WHATSAPP, granted=True, withdrawn_at__isnull=True).exists():
            Contact.objects.filter(id=contact.id).update(person=person)
            contact.person = person
            return


def open_conversation(contact: Contact) -> Conversation:
    conversation = (
        Conversation.objects.filter(contact=contact).exclude(status=Conversation.Status.CLOSED).order_by("-created_at")
    ).first()
    if conversation is None:
        conversation = Conversation.objects.create(national_society=contact.national_society, contact=contact)
    return conversation


# ---- contract 1: notify ------------------------------------------------------------------------


def notify(
    *,
    national_society,
    phone_e164: str,
    text: str,
    template: str,
    template_params: list[str],
    language: str = "es",
    idempotency_key: str,
) -> OutboxMessage:
    """Send a message to a person from the National Society's WhatsApp number, through the outbox.

    Inside the contact's 24-hour window the free-form `text` goes out (with the template as the
    fallback should the window close before delivery); outside it, the approved `template` with
    `template_params`. Without a WhatsApp number, an SMS with `text`. A contact who opted out gets
    nothing: the row is recorded as failed ("opted out"), never sent. Runs in the caller's transaction.
    """
    number = WhatsAppNumber.objects.filter(national_society=national_society, active=True).first()
    if number is None:
        return outbox.enqueue(
            "sms", phone_e164, {"text": text}, national_society=national_society, idempotency_key=idempotency_key
        )
    to = digits(phone_e164)
    if len(to) < 8:
        raise ValidationError(_("Enter the phone number in international format, for example +57 300 123 4567."))
    fallback = whatsapp.template_body(to, template, language, template_params)  # validates name and params
    if idempotency_key:
        existing = OutboxMessage.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
    contact = find_contact(national_society, Channel.WHATSAPP, to)
    if contact is not None and contact.opted_out:
        return OutboxMessage.objects.create(
            channel="whatsapp",
            to=to,
            payload={"phone_number_id": number.phone_number_id, "body": fallback},
            national_society=national_society,
            idempotency_key=idempotency_key,
            status=OutboxMessage.Status.FAILED,
            last_error="opted out",
        )
    if contact is not None and contact.window_open():
        payload = {
            "phone_number_id": number.phone_number_id,
            "body": whatsapp.text_body(to, text),
            "fallback": fallback,
            "window": True,
            "contact_id": str(contact.id),
        }
    else:
        payload = {"phone_number_id": number.phone_number_id, "body": fallback}
    message = outbox.enqueue(
        "whatsapp", to, payload, national_society=national_society, idempotency_key=idempotency_key
    )
    if contact is not None:
        conversation = open_conversation(contact)
        record = Message(conversation=conversation, direction=Message.Direction.OUT, kind="notification")
        record.text = text
        record.outbox_id = message.id
        record.save()
    return message


# ---- outbound replies --------------------------------------------------------------------------


def send_body(
    conversation: Conversation, body_without_to, *, text: str, kind: str, author=None, data=None, automatic=False
) -> Message:
    """Queue one reply to a WhatsApp contact (inside the window; the sender checks again) and keep a copy."""
    contact = conversation.contact
    number = WhatsAppNumber.objects.get(national_society=conversation.national_society)
    body = body_without_to(contact.address)
    record = Message(
        conversation=conversation, direction=Message.Direction.OUT, kind=kind, author=author, automatic=automatic
    )
    record.text = text
    record.data = data or {}
    record.save()
    payload = {"phone_number_id": number.phone_number_id, "body": body, "window": True, "contact_id": str(contact.id)}
    if kind == "staff":
        payload["fallback"] = whatsapp.template_body(
            contact.address, "conversation_reply", contact.language, [whatsapp.clip(text, 900)]
        )
    row = outbox.enqueue(
        "whatsapp",
        contact.address,
        payload,
        national_society=conversation.national_society,
        idempotency_key=f"reply:{record.id}",
    )
    Message.objects.filter(id=record.id).update(outbox_id=row.id)
    return record


# ---- inbound WhatsApp --------------------------------------------------------------------------


def parse_message(raw: dict) -> tuple[str, str, dict]:
    """(kind, text, data) from one entry of value.messages; media is kept by id only."""
    kind = raw.get("type", "unknown")
    if kind == "text":
        return "text", raw.get("text", {}).get("body", ""), {}
    if kind == "interactive":
        inter = raw.get("interactive", {})
        if inter.get("type") == "button_reply":
            reply = inter.get("button_reply", {})
            return "button_reply", reply.get("title", ""), {"id": reply.get("id", "")}
        if inter.get("type") == "list_reply":
            reply = inter.get("list_reply", {})
            return "list_reply", reply.get("title", ""), {"id": reply.get("id", "")}
        return "interactive", "", {}
    if kind == "button":  # quick-reply button of a template
        button = raw.get("button", {})
        return "button", button.get("text", ""), {"id": button.get("payload", "")}
    if kind == "location":
        loc = raw.get("location", {})
        return (
            "location",
            "",
            {
                "latitude": float(loc.get("latitude", 0)),
                "longitude": float(loc.get("longitude", 0)),
                **{k: str(loc[k])[:200] for k in ("name", "address") if loc.get(k)},
            },
        )
    if kind in {"image", "audio", "video", "document", "sticker", "voice"}:
        media = raw.get(kind, {})
        return (
            kind,
            media.get("caption", ""),
            {"media_id": media.get("id", ""), "mime_type": media.get("mime_type", "")},
        )
    return kind, "", {}


def _timestamp(raw: dict) -> datetime:
    now = timezone.now()
    try:
        at = datetime.fromtimestamp(int(raw.get("timestamp", "")), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return now
    return min(at, now)


def receive_whatsapp(envelope: dict) -> dict:
    """Store what a (signature-checked) webhook delivery carries and queue the work; return counts.

    Inbound messages are deduplicated on Meta's message id; each new one gets a "chatbot" outbox job
    that the worker runs after this transaction commits. Status callbacks update the outbox row.
    """
    counts = {"messages": 0, "duplicates": 0, "statuses": 0, "ignored": 0}
    if envelope.get("object") != "whatsapp_business_account":
        counts["ignored"] += 1
        return counts
    with transaction.atomic():
        for entry in envelope.get("entry") or []:
            for change in entry.get("changes") or []:
                value = change.get("value") or {}
                phone_number_id = str((value.get("metadata") or {}).get("phone_number_id", ""))
                number = WhatsAppNumber.objects.filter(phone_number_id=phone_number_id, active=True).first()
                if number is None:
                    counts["ignored"] += 1
                    continue
                for raw in value.get("messages") or []:
                    counts["duplicates" if not _receive_one(number, raw) else "messages"] += 1
                for status in value.get("statuses") or []:
                    counts["statuses"] += apply_status(status)
    return counts


def _receive_one(number: WhatsAppNumber, raw: dict) -> bool:
    external_id = str(raw.get("id", ""))[:200]
    if not external_id or Message.objects.filter(external_id=external_id).exists():
        return False
    sender = digits(str(raw.get("from", "")))
    if not sender:
        return False
    kind, text, data = parse_message(raw)
    at = _timestamp(raw)
    try:
        with transaction.atomic():
            contact = get_or_create_contact(number.national_society, Channel.WHATSAPP, sender)
            if contact.last_inbound_at is None or contact.last_inbound_at < at:
                Contact.objects.filter(id=contact.id).update(last_inbound_at=at)
            conversation = open_conversation(contact)
            message = Message(
                conversation=conversation, direction=Message.Direction.IN, external_id=external_id, kind=kind, data=data
            )
            message.text = text[:4096]
            message.created_at = at
            message.save(force_insert=True)
            Conversation.objects.filter(id=conversation.id).update(updated_at=timezone.now())
            outbox.enqueue(
                "chatbot",
                str(message.id),
                {"message_id": str(message.id)},
                national_society=number.national_society,
                idempotency_key=f"chatbot:{message.id}",
            )
    except IntegrityError:  # the same message id arrived at the same time on another request
        return False
    return True


def apply_status(status: dict) -> int:
    """A Meta status callback (sent, delivered, read, failed) updates the outbox row it is about."""
    wamid = str(status.get("id", ""))
    new = str(status.get("status", ""))
    if not wamid or new not in {"sent", "delivered", "read", "failed"}:
        return 0
    row = OutboxMessage.objects.filter(provider_message_id=wamid, channel="whatsapp").first()
    if row is None:
        return 0
    if new == "failed":
        errors = status.get("errors") or [{}]
        detail = f"{errors[0].get('code', '')} {errors[0].get('title', '')}".strip()
        OutboxMessage.objects.filter(id=row.id).update(status=OutboxMessage.Status.FAILED, last_error=detail[:2000])
        return 1
    if _STATUS_RANK.get(new, 0) > _STATUS_RANK.get(row.status, 0) and row.status != OutboxMessage.Status.FAILED:
        OutboxMessage.objects.filter(id=row.id).update(status=new)
    return 1


def process_job(outbox_message: OutboxMessage):
    """Outbox sender of the internal "chatbot" channel: answer one inbound message (once)."""
    from . import engine

    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("conversation__contact")
            .filter(id=outbox_message.payload.get("message_id"))
            .first()
        )
        if message is None or message.processed:
            return outbox.SendResult()
        engine.handle_whatsapp(message)
        Message.objects.filter(id=message.id).update(processed=True)
    return outbox.SendResult()


outbox.register_channel("chatbot", process_job)


# ---- handover and staff actions -------------------------------------------------------------------


def hand_over(conversation: Conversation, *, queue: str = Queue.GENERAL, sensitive: bool = False) -> Conversation:
    """Pass the conversation to a person (a sensitive one goes to the protection queue at once)."""
    now = timezone.now()
    fields = {"updated_at": now}
    if sensitive:
        fields.update(sensitive=True, queue=Queue.PROTECTION)
    elif not conversation.sensitive:
        fields["queue"] = queue
    if conversation.status == Conversation.Status.BOT:
        fields.update(status=Conversation.Status.WAITING, handover_at=now)
    Conversation.objects.filter(id=conversation.id).update(**fields)
    conversation.refresh_from_db()
    audit.record(
        None,
        "channels.handover",
        conversation,
        data={"queue": conversation.queue, "sensitive": conversation.sensitive},
    )
    return conversation


def _check_staff(user, conversation: Conversation) -> None:
    from .selectors import staff_conversations

    if not staff_conversations(user).filter(id=conversation.id).exists():
        raise PermissionDenied("conversation out of scope")


def assign(user, conversation: Conversation, assignee=None) -> None:
    _check_staff(user, conversation)
    assignee = assignee or user
    with transaction.atomic():
        Conversation.objects.filter(id=conversation.id).update(
            assigned_to=assignee, status=Conversation.Status.ASSIGNED, updated_at=timezone.now()
        )
        audit.record(user, "channels.assign", conversation, data={"assignee": str(assignee.pk)})


def staff_reply(user, conversation: Conversation, text: str) -> Message:
    """A staff member answers: free-form inside the window, else the approved "conversation_reply" template."""
    _check_staff(user, conversation)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write a reply."))
    with transaction.atomic():
        contact = conversation.contact
        if contact.channel == Channel.WEBCHAT:
            record = Message(conversation=conversation, direction=Message.Direction.OUT, kind="staff", author=user)
            record.text = text
            record.save()
        elif contact.window_open():
            record = send_body(
                conversation, lambda to: whatsapp.text_body(to, text), text=text, kind="staff", author=user
            )
        else:
            record = Message(conversation=conversation, direction=Message.Direction.OUT, kind="template", author=user)
            record.text = text
            record.save()
            number = WhatsAppNumber.objects.get(national_society=conversation.national_society)
            body = whatsapp.template_body(
                contact.address, "conversation_reply", contact.language, [whatsapp.clip(text, 900)]
            )
            row = outbox.enqueue(
                "whatsapp",
                contact.address,
                {"phone_number_id": number.phone_number_id, "body": body},
                national_society=conversation.national_society,
                idempotency_key=f"reply:{record.id}",
            )
            Message.objects.filter(id=record.id).update(outbox_id=row.id)
        status = conversation.status
        if status in (Conversation.Status.WAITING, Conversation.Status.BOT):
            status = Conversation.Status.ASSIGNED
        Conversation.objects.filter(id=conversation.id).update(
            status=status, assigned_to=conversation.assigned_to or user, updated_at=timezone.now()
        )
        audit.record(user, "channels.reply", conversation, data={"message": str(record.id)})
    return record


def add_note(user, conversation: Conversation, text: str) -> Note:
    _check_staff(user, conversation)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write a note."))
    with transaction.atomic():
        note = Note.objects.create(conversation=conversation, author=user, text=text)
        audit.record(user, "channels.note", conversation, data={"note": str(note.id)})
    return note


def close(user, conversation: Conversation) -> None:
    """Close a conversation; one handed to a person closes once every message the assistant did
    not answer has its topic chosen (labels.py: "learning from people")."""
    from .labels import unlabelled_count

    _check_staff(user, conversation)
    left = unlabelled_count(conversation)
    if left:
        raise ValidationError(
            _("Choose what each unanswered message asked for before closing (%(n)s left).") % {"n": left}
        )
    with transaction.atomic():
        Conversation.objects.filter(id=conversation.id).update(
            status=Conversation.Status.CLOSED, closed_at=timezone.now(), updated_at=timezone.now()
        )
        audit.record(user, "channels.close", conversation)


def give_back(user, conversation: Conversation, *, reason: str = "", to: str = "assistant") -> None:
    """Undo a false escalation ("not sensitive"): the conversation leaves the protection queue and
    goes back to the assistant (to="assistant") or to the general queue (to="general"), so its
    ordinary questions are answered again. Who did it, when and why are kept on the conversation
    and in the audit log. Only a staff member who may open the conversation (a sensitive one:
    protection officers of its National Society) may do it."""
    from caminante.core.text import clean_name

    _check_staff(user, conversation)
    reason = clean_name(reason, field="reason", max_length=200)
    if to not in ("assistant", "general"):
        raise ValidationError(_("Choose where the conversation goes."))
    if conversation.status not in (Conversation.Status.WAITING, Conversation.Status.ASSIGNED):
        raise ValidationError(_("Only a conversation waiting for, or with, a person can be given back."))
    now = timezone.now()
    with transaction.atomic():
        was = {"queue": conversation.queue, "sensitive": conversation.sensitive, "status": conversation.status}
        fields = {
            "sensitive": False,
            "queue": Queue.GENERAL,
            "given_back_by": user,
            "given_back_at": now,
            "given_back_reason": reason,
            "updated_at": now,
        }
        if to == "assistant":
            fields.update(status=Conversation.Status.BOT, assigned_to=None)
        Conversation.objects.filter(id=conversation.id).update(**fields)
        audit.record(user, "channels.give_back", conversation, data={"was": was, "to": to, "reason": reason})
    conversation.refresh_from_db()


# ---- the person's rights -------------------------------------------------------------------------


def set_opt_out(contact: Contact, opted_out: bool) -> None:
    Contact.objects.filter(id=contact.id).update(
        opted_out=opted_out, opted_out_at=timezone.now() if opted_out else None
    )
    contact.opted_out = opted_out
    audit.record(None, "channels.opt_out" if opted_out else "channels.opt_in", contact)
    if opted_out:  # stop every queued non-reply message at once
        OutboxMessage.objects.filter(
            channel="whatsapp",
            to=contact.address,
            status=OutboxMessage.Status.PENDING,
            national_society=contact.national_society,
        ).exclude(idempotency_key__startswith="reply:").update(
            status=OutboxMessage.Status.FAILED, last_error="opted out"
        )


def erase_contact_data(contact: Contact) -> int:
    """The person asked for their conversation data to be deleted: remove the text of every message,
    and the local sink's copies of what was sent to them (demo and training servers)."""
    count = Message.objects.filter(conversation__contact=contact).update(text_encrypted="", data={}, redacted=True)
    Note.objects.filter(conversation__contact=contact).delete()
    copies, _ = SentMessage.objects.filter(outbox_message__to=contact.address).delete() if contact.address else (0, {})
    audit.record(None, "channels.erase", contact, data={"messages": count, "sink_copies": copies})
    return count


def purge_expired(now=None) -> str:
    """Delete message text older than the retention period (periodic job)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CHAT_RETENTION_DAYS)
    count = Message.objects.filter(created_at__lt=cutoff, redacted=False).update(
        text_encrypted="", data={}, redacted=True
    )
    Note.objects.filter(created_at__lt=cutoff).delete()
    return f"{count} messages redacted" if count else ""


BROADCAST_PER_MINUTE = 60


def broadcast(user, *, national_society, text: str, language: str = "", area: str = "") -> Broadcast:
    """A risk-communication message to the opted-in WhatsApp contacts of a National Society (by
    language and area), sent as the approved "risk_communication" template, throttled: the outbox
    rows are spread at BROADCAST_PER_MINUTE."""
    from caminante.core.roles import Role
    from caminante.core.scoping import require

    scope = require(user, {Role.OFFICER, Role.ADMIN})
    if not scope.is_global and national_society.pk != scope.national_society_id:
        raise PermissionDenied("broadcast for another National Society")
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the message."))
    if len(text) > 900:
        raise ValidationError(_("The message is too long (900 characters at most)."))
    number = WhatsAppNumber.objects.filter(national_society=national_society, active=True).first()
    if number is None:
        raise ValidationError(_("This National Society has no WhatsApp number."))
    contacts = Contact.objects.filter(national_society=national_society, channel=Channel.WHATSAPP, opted_out=False)
    if language:
        contacts = contacts.filter(language=language)
    if area:
        contacts = contacts.filter(area__iexact=area)
    now = timezone.now()
    with transaction.atomic():
        record = Broadcast.objects.create(
            national_society=national_society,
            template="risk_communication",
            params=[text],
            language=language,
            area=area,
            created_by=user,
        )
        count = 0
        for contact in contacts.iterator():
            body = whatsapp.template_body(contact.address, "risk_communication", contact.language, [text])
            row = outbox.enqueue(
                "whatsapp",
                contact.address,
                {"phone_number_id": number.phone_number_id, "body": body},
                national_society=national_society,
                idempotency_key=f"broadcast:{record.id}:{contact.id}",
            )
            OutboxMessage.objects.filter(id=row.id).update(
                next_attempt_at=now + timedelta(seconds=60 * (count // BROADCAST_PER_MINUTE))
            )
            count += 1
        Broadcast.objects.filter(id=record.id).update(recipients=count)
        record.recipients = count
        audit.record(user, "channels.broadcast", record, data={"recipients": count, "language": language})
    return record


def set_number(user, *, national_society, phone_number_id: str, display_phone: str = "", active: bool = True):
    """An administrator configures the National Society's WhatsApp number (Meta's phone_number_id)."""
    from caminante.core.roles import Role
    from caminante.core.scoping import require

    require(user, {Role.ADMIN})
    phone_number_id = (phone_number_id or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", phone_number_id):
        raise ValidationError(_("Enter Meta's phone number id (letters, digits, - or _)."))
    taken = WhatsAppNumber.objects.filter(phone_number_id=phone_number_id).exclude(national_society=national_society)
    if taken.exists():
        raise ValidationError(_("That phone number id belongs to another National Society."))
    with transaction.atomic():
        number, _created = WhatsAppNumber.objects.update_or_create(
            national_society=national_society,
            defaults={"phone_number_id": phone_number_id, "display_phone": display_phone[:30], "active": active},
        )
        audit.record(
            user,
            "channels.number.set",
            number,
            data={"phone_number_id": phone_number_id, "active": active},
            national_society_id=national_society.pk,
        )
    return number
