from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "caminante.channels"
    label = "channels"
    verbose_name = _("Chat channels")
    default_auto_field = "django.db.models.BigAutoField"
