"""`caminante cash verify`: check every ledger invariant; exit non-zero on the first violation.
`caminante cash expire`: expire the vouchers past their date (also a periodic job)."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Cash and vouchers: 'verify' checks the ledger's invariants, 'expire' expires due vouchers."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "expire"])

    def handle(self, *args, action, **options):
        if action == "expire":
            from caminante.cash.services import expire_vouchers

            self.stdout.write(f"expired {expire_vouchers()} vouchers")
            return
        from caminante.cash.ledger import violations
        from caminante.cash.models import LedgerEntry, Redemption, Voucher

        for problem in violations():
            raise CommandError(f"cash ledger: {problem}")
        self.stdout.write(
            f"cash ledger OK: {LedgerEntry.objects.count()} entries, {Voucher.objects.count()} vouchers, "
            f"{Redemption.objects.count()} redemptions"
        )
