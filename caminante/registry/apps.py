from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "caminante.registry"
    label = "registry"
    verbose_name = _("Registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from caminante.core.jobs import register_periodic

        from .services import improve_all_models

        # The matching model learns from the day's "same person" / "not the same" answers.
        register_periodic("registry.improve_matching", timedelta(days=1), improve_all_models)
