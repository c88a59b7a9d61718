from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RflConfig(AppConfig):
    name = "caminante.rfl"
    label = "rfl"
    verbose_name = _("Restoring Family Links")
    default_auto_field = "django.db.models.BigAutoField"
