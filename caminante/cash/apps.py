from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CashConfig(AppConfig):
    name = "caminante.cash"
    label = "cash"
    verbose_name = _("Cash and vouchers")
    default_auto_field = "django.db.models.BigAutoField"
