"""Pages of the channels app: the public web chat, the staff inbox and broadcasts.

The web chat is public (no login): the browser session carries a random token, stored only as a
keyed hash; the same conversation engine as WhatsApp answers. The inbox shows a National
Society's conversations waiting for a person; sensitive ones only to protection officers.
"""

import secrets
from datetime import UTC

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from caminante.core.inputs import InvalidInput, read_json
from caminante.core.models import NationalSociety
from caminante.core.roles import Role
from caminante.core.scoping import Scope, access, get_or_404, public

from . import engine, faq_content, hours, labels, selectors, services
from .models import Channel, Conversation, Message, OfficeHours, Queue, TopicLabel

MAX_CHAT_TEXT = 1000
BROADCASTERS = (Role.OFFICER, Role.ADMIN)


# ---- the public web chat -------------------------------------------------------------------------


def _webchat_contact(request, country: str | None, create: bool):
    token = request.session.get("webchat_token")
    ns_id = request.session.get("webchat_ns")
    if not token or not ns_id:
        if not create:
            return None
        ns = NationalSociety.objects.filter(country=(country or "CO").upper()).first()
        if ns is None:
            return None
        token, ns_id = secrets.token_urlsafe(24), str(ns.pk)
        request.session["webchat_token"], request.session["webchat_ns"] = token, ns_id
    ns = NationalSociety.objects.filter(pk=ns_id).first()
    if ns is None:
        return None
    lang = (get_language() or "es")[:2]
    if not create:
        return services.find_contact(ns, Channel.WEBCHAT, token)
    return services.get_or_create_contact(ns, Channel.WEBCHAT, token, language=lang)


def _bubble(message: Message) -> dict:
    data = message.data or {}
    return {
        "id": str(message.id),
        "at": message.created_at.isoformat(),
        "from": "me" if message.direction == Message.Direction.IN else ("staff" if message.author_id else "bot"),
        "text": message.text,
        "automatic": message.automatic,
        "buttons": [{"id": b[0], "title": b[1]} for b in data.get("buttons", [])],
        "rows": [{"id": r[0], "title": r[1]} for r in data.get("rows", [])],
        "location": data.get("location"),
    }


@public
@ensure_csrf_cookie
def webchat(request):
    societies = NationalSociety.objects.order_by("name")
    return render(
        request,
        "channels/webchat.html",
        {"societies": societies, "country": (request.GET.get("country") or "CO").upper()[:2]},
    )


def _after(raw: str):
    """The ?after= of a poll: empty means from the start; an invalid date and time is None."""
    if not raw:
        return timezone.now().replace(year=2000)
    try:
        value = parse_datetime(raw)
    except ValueError:  # well formed but impossible, such as month 13
        return None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


@public
@require_http_methods(["GET", "POST"])
def webchat_messages(request):
    """POST: one message from the person, answered at once. GET ?after=: replies since (staff answers)."""
    if request.method == "GET":
        contact = _webchat_contact(request, None, create=False)
        if contact is None:
            return JsonResponse({"messages": []})
        after = _after(request.GET.get("after", ""))
        if after is None:
            return JsonResponse(
                {"code": "invalid", "error": _("“after” must be a date and time such as 2026-01-31T12:00:00Z.")},
                status=400,
            )
        rows = Message.objects.filter(
            conversation__contact=contact, direction=Message.Direction.OUT, created_at__gt=after
        ).order_by("created_at")[:50]
        return JsonResponse({"messages": [_bubble(m) for m in rows]})
    try:
        body = read_json(request, max_bytes=16 * 1024)
    except InvalidInput as exc:
        return JsonResponse({"code": exc.code, "error": exc.message}, status=400)
    text = str(body.get("text", ""))[:MAX_CHAT_TEXT].strip()
    button = str(body.get("button", ""))[:200]
    if not text and not button:
        return JsonResponse({"error": _("Write a message.")}, status=400)
    with transaction.atomic():
        contact = _webchat_contact(request, str(body.get("country", "")), create=True)
        if contact is None:
            return JsonResponse({"error": _("Choose a country.")}, status=400)
        contact.last_inbound_at = timezone.now()
        contact.save(update_fields=["last_inbound_at"])
        conversation = services.open_conversation(contact)
        message = Message(
            conversation=conversation,
            direction=Message.Direction.IN,
            kind="button_reply" if button else "text",
            data={"id": button} if button else {},
        )
        message.text = text or str(body.get("title", ""))[:100]
        message.save()
        replies = engine.respond(conversation, message)
        Message.objects.filter(id=message.id).update(processed=True)
        Conversation.objects.filter(id=conversation.id).update(updated_at=timezone.now())
        out = []
        for reply in replies:
            record = Message(
                conversation=conversation, direction=Message.Direction.OUT, kind="bot", automatic=reply.automatic
            )
            record.text = reply.text
            record.data = {
                "buttons": list(reply.buttons),
                "rows": [(r[0], r[1]) for r in reply.rows],
                "location": reply.location,
            }
            record.save()
            out.append(_bubble(record))
    return JsonResponse({"messages": out})


# ---- staff inbox --------------------------------------------------------------------------------


@access(Role.OFFICER, Role.PROTECTION, Role.DATA_MANAGER, Role.ADMIN)
def inbox(request):
    queue = request.GET.get("queue") or None
    status = request.GET.get("status") or None
    if queue not in Queue.values:
        queue = None
    if status not in Conversation.Status.values:
        status = None
    conversations = selectors.inbox_conversations(request.user, queue=queue, status=status)[:200]
    counts = selectors.queue_counts(request.user)
    return render(
        request,
        "channels/inbox.html",
        {
            "conversations": conversations,
            "queues": [(code, label, counts.get(code, 0)) for code, label in Queue.choices],
            "statuses": Conversation.Status.choices,
            "queue": queue,
            "status": status,
        },
    )


@access(Role.OFFICER, Role.PROTECTION, Role.DATA_MANAGER, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def conversation_detail(request, conversation_id):
    conversation = selectors.conversation_for(request.user, conversation_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "assign":
                services.assign(request.user, conversation)
                flash.success(request, _("The conversation is assigned to you."))
            elif action == "reply":
                services.staff_reply(request.user, conversation, request.POST.get("text", ""))
                flash.success(request, _("Reply sent."))
            elif action == "note":
                services.add_note(request.user, conversation, request.POST.get("text", ""))
                flash.success(request, _("Note saved."))
            elif action == "label":
                labels.label_messages(request.user, conversation, _label_choices(request.POST))
                flash.success(request, _("Topics saved."))
            elif action == "close":
                with transaction.atomic():
                    labels.label_messages(request.user, conversation, _label_choices(request.POST))
                    services.close(request.user, conversation)
                flash.success(request, _("Conversation closed."))
            elif action == "give_back":
                services.give_back(
                    request.user,
                    conversation,
                    reason=request.POST.get("reason", ""),
                    to=request.POST.get("to", "assistant"),
                )
                flash.success(request, _("The conversation is back with the assistant: it is not sensitive."))
                return redirect("chat-inbox")
            else:
                return HttpResponseBadRequest("unknown action")
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        except PermissionDenied:
            flash.error(request, _("You may not do this."))
        return redirect("chat-conversation", conversation_id=conversation.id)
    faq = faq_content.current_engine()
    lang = conversation.contact.language
    canned = [(t, faq.title(t, lang), faq.answer(t, lang)) for t in faq.topics if t != "greeting"]
    to_label = labels.candidates(conversation)
    return render(
        request,
        "channels/conversation.html",
        {
            "conversation": conversation,
            "to_label": [(m, getattr(getattr(m, "label", None), "topic", "")) for m in to_label],
            "label_choices": labels.topic_choices((get_language() or "es")[:2]),
            "can_give_back": conversation.status in (Conversation.Status.WAITING, Conversation.Status.ASSIGNED),
            "messages_list": selectors.messages_of(conversation),
            "notes": conversation.notes.select_related("author"),
            "canned": canned,
            "window_open": conversation.contact.window_open(),
            "can_act": conversation.status != Conversation.Status.CLOSED,
        },
    )


def _label_choices(post) -> dict[str, str]:
    """{message id: topic} from the form's "label-<message id>" selects."""
    return {key[6:]: value for key, value in post.items() if key.startswith("label-")}


@access(*selectors.LABEL_REVIEWERS)
@require_http_methods(["GET", "POST"])
def topic_labels(request):
    """Labels to review: FAQ editors see ordinary ones, protection officers the sensitive ones."""
    if request.method == "POST":
        label = get_or_404(selectors.labels_for_review(request.user), request.user, id=request.POST.get("label", ""))
        try:
            labels.review_label(request.user, label, request.POST.get("decision", ""))
            flash.success(request, _("Review saved."))
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        return redirect("chat-faq" if request.POST.get("next") == "faq" else "chat-labels")
    review = request.GET.get("review") or TopicLabel.Review.PENDING
    if review not in TopicLabel.Review.values:
        review = TopicLabel.Review.PENDING
    return render(
        request,
        "channels/labels.html",
        {
            "labels": _label_rows(request.user, review),
            "review": review,
            "reviews": TopicLabel.Review.choices,
        },
    )


def _label_rows(user, review: str, limit: int = 100) -> list[dict]:
    """Labels as the review table shows them: the message text and the chosen topic, never who wrote it."""
    faq = faq_content.current_engine()
    lang = (get_language() or "es")[:2]
    special = {TopicLabel.NEW_TOPIC: _("New topic"), TopicLabel.NOT_A_QUESTION: _("Not a question")}
    rows = []
    for label in selectors.labels_for_review(user, review)[:limit]:
        title = special.get(label.topic) or (faq.title(label.topic, lang) if label.topic in faq.topics else label.topic)
        rows.append(
            {
                "label": label,
                "text": "" if label.message.redacted else label.message.text,
                "topic_title": title,
                "assistant_topic": label.message.topic,
            }
        )
    return rows


@access(*BROADCASTERS)
@require_http_methods(["GET", "POST"])
def broadcasts(request):
    scope = Scope.of(request.user)
    if request.method == "POST":
        try:
            ns = (
                NationalSociety.objects.get(pk=scope.national_society_id)
                if scope.national_society_id
                else NationalSociety.objects.get(country=request.POST.get("country", ""))
            )
            broadcast = services.broadcast(
                request.user,
                national_society=ns,
                text=request.POST.get("text", ""),
                language=request.POST.get("language", ""),
                area=request.POST.get("area", ""),
            )
            flash.success(request, _("Broadcast queued for %(n)s contacts.") % {"n": broadcast.recipients})
        except (ValidationError, NationalSociety.DoesNotExist) as error:
            flash.error(request, " ".join(getattr(error, "messages", [_("Choose a country.")])))
        return redirect("chat-broadcasts")
    return render(
        request,
        "channels/broadcasts.html",
        {
            "broadcasts": selectors.broadcasts_with_figures(request.user),
            "societies": None if scope.national_society_id else NationalSociety.objects.all(),
        },
    )


@access(*BROADCASTERS)
@require_http_methods(["GET", "POST"])
def faq_answers(request):
    """Programme staff edit the assistant's answers (YAML, every topic in es/pt/en); each save is a version."""
    text = None
    if request.method == "POST":
        text = request.POST.get("answers_yaml", "")
        try:
            content = faq_content.save_version(request.user, text, request.POST.get("note", ""))
            flash.success(request, _("Version %(v)s saved: the assistant uses it now.") % {"v": content.version})
            return redirect("chat-faq")
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
    version, current = faq_content.current_yaml()
    return render(
        request,
        "channels/faq.html",
        {
            "version": version,
            "answers_yaml": text if text is not None else current,
            "versions": faq_content.FaqContent.objects.select_related("created_by")[:20],
            "labels": _label_rows(request.user, TopicLabel.Review.PENDING, limit=50),
            "unanswered": selectors.unanswered_questions(request.user),
            "unanswered_days": selectors.UNANSWERED_DAYS,
        },
    )


@access(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def numbers(request):
    """The WhatsApp number of each National Society (routed by Meta's phone_number_id)."""
    if request.method == "POST" and request.POST.get("form") == "hours":
        try:
            ns = NationalSociety.objects.get(country=request.POST.get("country", ""))
            hours.set_office_hours(
                request.user,
                national_society=ns,
                week=[request.POST.get(f"day{i}", "") for i in range(7)],
                time_zone=request.POST.get("time_zone", ""),
            )
            flash.success(request, _("Office hours saved."))
        except NationalSociety.DoesNotExist:
            flash.error(request, _("Choose a country."))
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        return redirect("chat-numbers")
    if request.method == "POST":
        try:
            ns = NationalSociety.objects.get(country=request.POST.get("country", ""))
            services.set_number(
                request.user,
                national_society=ns,
                phone_number_id=request.POST.get("phone_number_id", ""),
                display_phone=request.POST.get("display_phone", ""),
                active=request.POST.get("active") == "on",
            )
            flash.success(request, _("WhatsApp number saved."))
        except NationalSociety.DoesNotExist:
            flash.error(request, _("Choose a country."))
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        return redirect("chat-numbers")
    rows = [
        (ns, getattr(ns, "whatsapp_number", None)) for ns in NationalSociety.objects.select_related("whatsapp_number")
    ]
    saved = {row.national_society_id: row for row in OfficeHours.objects.all()}
    office = []
    for ns, _number in rows:
        row = saved.get(ns.pk)
        week = list(row.week) if row else hours.default_week()
        office.append((ns, list(zip(hours.day_names(), week, strict=True)), row.time_zone if row else ""))
    return render(request, "channels/numbers.html", {"rows": rows, "office": office})
