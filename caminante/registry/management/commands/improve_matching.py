from django.core.management.base import BaseCommand

from caminante.registry import services

from ._common import national_societies


class Command(BaseCommand):
    help = (
        "Re-estimate each National Society's matching model from the answers given at registration and in "
        "the duplicates review, and store it (the duplicate check uses it from then on). The worker runs it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--national-society", help="country code, e.g. CO (default: all)")

    def handle(self, *args, **options):
        for ns in national_societies(options["national_society"]):
            stored = services.improve_model(ns)
            if stored is None:
                self.stdout.write(f"{ns.country.code}: no decisions yet, default model kept")
            else:
                calibration = stored.parameters["calibration"]
                self.stdout.write(
                    f"{ns.country.code}: model improved from {stored.decisions_used} decisions "
                    f"(calibration {calibration[0]:.3f}, {calibration[1]:.3f})"
                )
