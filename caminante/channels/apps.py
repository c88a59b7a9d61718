from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "caminante.channels"
    label = "channels"
    verbose_name = _("Chat channels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from caminante.core.jobs import register_periodic

        from . import learning, services, whatsapp  # noqa: F401 - register the "whatsapp" and "chatbot" outbox channels

        register_periodic("channels.retention", timedelta(hours=6), services.purge_expired)
        register_periodic("faq.learn", timedelta(hours=6), learning.learn_from_labels)
