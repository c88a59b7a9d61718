from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "caminante.referrals"
    label = "referrals"
    verbose_name = _("Referrals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from caminante.core.jobs import register_periodic

        from . import services

        # Partners that have not accepted or declined in time; directory entries not checked for 90 days.
        register_periodic("referrals.overdue", timedelta(minutes=30), services.send_overdue_alerts)
        register_periodic("referrals.unverified", timedelta(days=1), services.alert_unverified)
