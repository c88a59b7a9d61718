"""Channels objects for the permission matrix: one conversation waiting for a person, per country."""

from caminante.channels import services
from caminante.channels.models import Channel

PARAM_KINDS = {"conversation_id": "conversation"}
PK_ROUTE_PREFIXES: dict[str, str] = {}


def build(country, writer, point, users):
    ns = point.national_society
    contact = services.get_or_create_contact(ns, Channel.WHATSAPP, f"5730055501{len(country)}{country == 'co':d}")
    conversation = services.open_conversation(contact)
    services.hand_over(conversation)
    return {"conversation": conversation.pk}
