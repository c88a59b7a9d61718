"""Invariants of the ledger, checked by `caminante cash verify`."""

from collections.abc import Iterator

from django.db.models import Count, F, Q, Sum

from .models import ZERO, LedgerEntry, Redemption, Voucher


def violations() -> Iterator[str]:
    """Yield one line per broken invariant (the command stops at the first)."""
    unbalanced = LedgerEntry.objects.values("txn").annotate(total=Sum("amount")).exclude(total=0)
    for row in unbalanced[:20]:
        yield f"ledger transaction {row['txn']} does not balance (sum {row['total']})"
    for voucher in Voucher.objects.filter(Q(balance__lt=0) | Q(balance__gt=F("value")))[:20]:
        yield f"voucher {voucher.pk} balance {voucher.balance} outside 0..{voucher.value}"
    sums = dict(
        LedgerEntry.objects.filter(voucher__isnull=False, account__startswith="voucher:")
        .values_list("voucher_id")
        .annotate(total=Sum("amount"))
    )
    for pk, balance in Voucher.objects.values_list("pk", "balance").iterator(chunk_size=5000):
        if sums.get(pk, ZERO) != balance:
            yield f"voucher {pk} balance {balance} differs from its ledger {sums.get(pk, ZERO)}"
            return
    redeemed = dict(Voucher.objects.annotate(r=Sum("redemptions__amount")).values_list("pk", "r").exclude(r=None))
    spent = dict(
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REDEMPTION, account__startswith="voucher:")
        .values_list("voucher_id")
        .annotate(total=Sum("amount"))
    )
    for pk, total in redeemed.items():
        if -spent.get(pk, ZERO) != total:
            yield f"voucher {pk} redemptions {total} differ from the ledger's {-spent.get(pk, ZERO)}"
            return
    entries = (
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REDEMPTION)
        .values("redemption_id")
        .annotate(n=Count("id"), vouchers=Count("voucher_id"), vendors=Count("vendor_id", distinct=True))
    )
    by_redemption = {row["redemption_id"]: row for row in entries}
    for pk, voucher_id, vendor_id in Redemption.objects.values_list("pk", "voucher_id", "vendor_id").iterator(
        chunk_size=5000
    ):
        row = by_redemption.get(pk)
        if row is None or row["n"] != 2 or row["vouchers"] != 1 or row["vendors"] != 1:
            yield f"redemption {pk} is not tied to exactly one voucher and one vendor in the ledger"
            return
        if voucher_id is None or vendor_id is None:
            yield f"redemption {pk} has no voucher or vendor"
            return
