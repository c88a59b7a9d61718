from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CashConfig(AppConfig):
    name = "caminante.cash"
    label = "cash"
    verbose_name = _("Cash and vouchers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from datetime import timedelta

        from caminante.core.jobs import register_periodic

        from .services import periodic_expiry

        register_periodic("cash.expire_vouchers", timedelta(hours=1), periodic_expiry)
        from .pdm import send_due

        register_periodic("cash.pdm_send", timedelta(hours=6), send_due)
