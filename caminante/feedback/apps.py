from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "caminante.feedback"
    label = "feedback"
    verbose_name = _("Feedback")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from caminante.core.jobs import register_periodic

        from . import services

        register_periodic("feedback.overdue", timedelta(minutes=15), services.send_overdue_alerts)
        register_periodic("feedback.learn", services.MODEL_REFRESH, services.learn_from_corrections)
