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

        from .services import find_all_duplicates, improve_all_models

        # The matching model learns from the day's "same person" / "not the same" answers, then
        # the night's batch deduplication fills the data managers' review queue.
        register_periodic("registry.improve_matching", timedelta(days=1), improve_all_models)
        register_periodic("registry.find_duplicates", timedelta(days=1), find_all_duplicates)
