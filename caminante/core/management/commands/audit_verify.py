from django.core.management.base import BaseCommand, CommandError

from caminante.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; report the first broken link."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"audit chain BROKEN at entry #{report.broken_at}: {report.reason} "
                f"({report.checked} entries verified before it)"
            )
        self.stdout.write(f"audit chain OK: {report.checked} entries verified")
