"""Channels objects for the permission matrix: one conversation waiting for a person (with an
unanswered message and its topic label, for the FAQ and label pages), and one message in the demo
sink, per country."""

from django.utils import timezone

from caminante.channels import services, sink
from caminante.channels.models import Channel, Message, TopicLabel
from caminante.core import outbox

PARAM_KINDS = {"conversation_id": "conversation", "sent_id": "sent_message"}
PK_ROUTE_PREFIXES: dict[str, str] = {}


def build(country, writer, point, users):
    ns = point.national_society
    contact = services.get_or_create_contact(ns, Channel.WHATSAPP, f"5730055501{len(country)}{country == 'co':d}")
    conversation = services.open_conversation(contact)
    services.hand_over(conversation)
    question = Message(conversation=conversation, direction=Message.Direction.IN)
    question.text = f"¿Dan pasajes de bus en {country}?"
    question.save()
    TopicLabel.objects.create(message=question, national_society=ns, topic=TopicLabel.NEW_TOPIC, lang="es")
    message = outbox.enqueue(
        "sms", f"+57300555020{country == 'co':d}", {"text": "Tu bono está listo"}, national_society=ns
    )
    sent = sink.store(message, timezone.now())
    return {"conversation": conversation.pk, "sent_message": sent.provider_message_id.removeprefix("sink:")}
