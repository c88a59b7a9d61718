from django.core.management.base import BaseCommand, CommandError

from caminante.matching import DEFAULT_THRESHOLD
from caminante.registry import services

from ._common import national_societies


class Command(BaseCommand):
    help = (
        "Run the matching engine's batch deduplication over a National Society's people and queue the pairs at "
        "or above the threshold for the data managers' review (pairs already decided are not queued again)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--national-society", help="country code, e.g. CO (default: all)")
        parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="match probability (0-1)")

    def handle(self, *args, **options):
        threshold = options["threshold"]
        if not 0.0 < threshold <= 1.0:
            raise CommandError("--threshold must be a probability between 0 and 1")
        for ns in national_societies(options["national_society"]):
            report = services.find_duplicates(ns, threshold)
            self.stdout.write(
                f"{ns.country.code}: {report.people} people, {report.found} pairs at or above {threshold}, "
                f"{report.new} new in the review queue ({report.seconds} s)"
            )
