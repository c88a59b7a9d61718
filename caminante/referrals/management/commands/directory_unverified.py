"""List the referral directory entries not verified for 90 days and alert the data managers.

    caminante directory_unverified [--dry-run]

The worker runs the same alert once a day ("referrals.unverified"); this command runs it now.
"""

from django.core.management.base import BaseCommand

from caminante.referrals.models import DirectoryService
from caminante.referrals.selectors import stale_q
from caminante.referrals.services import alert_unverified


class Command(BaseCommand):
    help = "Alert data managers (through the outbox) about directory entries unverified for more than 90 days."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only list the entries")

    def handle(self, *args, dry_run=False, **options):
        for entry in DirectoryService.objects.filter(stale_q(), active=True).select_related("national_society"):
            verified = entry.last_verified.isoformat() if entry.last_verified else "never"
            self.stdout.write(f"{entry.national_society.country.code}\t{entry.pk}\t{verified}\t{entry.name}")
        if not dry_run:
            self.stdout.write(alert_unverified())
