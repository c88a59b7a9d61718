"""Cash and voucher assistance: programmes, cycles, lists, entitlements, vouchers, vendors, ledger.

Money is Decimal with the programme's ISO 4217 currency. Every movement of value is a balanced
transaction in `LedgerEntry` (append-only); a voucher's `balance` column is a cache of its ledger
account that the conditional UPDATE of a redemption decrements, so two redemptions can never
overspend, and `caminante cash verify` checks that both agree.
"""

import hashlib
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caminante.core.models import NationalSociety, Tracked
from caminante.registry.models import Household, Person

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class ProgrammeKind(models.TextChoices):
    MULTIPURPOSE_CASH = "mpc", _("Multipurpose cash")
    VALUE_VOUCHER = "value_voucher", _("Value voucher")
    COMMODITY_VOUCHER = "commodity_voucher", _("Commodity voucher")
    RENT_SUPPORT = "rent", _("Rent support")
    LIVELIHOOD = "livelihood", _("Livelihood seed capital")


class Delivery(models.TextChoices):
    VOUCHER = "voucher", _("E-voucher")
    TRANSFER = "transfer", _("Cash transfer (mobile money or bank)")


class TransferRule(models.TextChoices):
    FIXED = "fixed", _("Fixed amount per household")
    HOUSEHOLD_SIZE = "household_size", _("By household size (table)")


class CheckQuestion(models.TextChoices):
    NONE = "", _("No check question")
    BIRTH_YEAR = "birth_year", _("Year of birth of the person")


class Vendor(Tracked):
    """A shop that redeems vouchers. Bank details for settlement are kept encrypted."""

    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("shop name"), max_length=200)
    city = models.CharField(_("city"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    bank_details = models.TextField(blank=True, editable=False)  # crypto.encrypt_json
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VendorUser(models.Model):
    """A vendor (shop) user account: one user belongs to one vendor."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cash_vendor")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="users")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.vendor_id}"


class Programme(Tracked):
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=ProgrammeKind.choices)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.VOUCHER)
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3)
    transfer_rule = models.CharField(
        _("transfer value rule"), max_length=20, choices=TransferRule.choices, default=TransferRule.FIXED
    )
    fixed_amount = models.DecimalField(_("amount per household"), **MONEY, null=True, blank=True)
    # [[max household size, "amount"], ...]; the last row covers larger households.
    size_table = models.JSONField(default=list, blank=True)
    eligibility = models.JSONField(default=dict, blank=True)  # rules.evaluate
    budget_ceiling = models.DecimalField(_("budget ceiling"), **MONEY)
    voucher_validity_days = models.PositiveIntegerField(_("voucher validity (days)"), default=30)
    check_question = models.CharField(max_length=20, choices=CheckQuestion.choices, blank=True, default="")
    vendors = models.ManyToManyField(Vendor, blank=True, related_name="programmes")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(budget_ceiling__gte=0), name="cash_programme_budget_positive"),
            models.CheckConstraint(
                condition=~Q(transfer_rule="fixed") | Q(fixed_amount__gt=0), name="cash_programme_fixed_amount"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Cycle(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="cycles")
    number = models.PositiveSmallIntegerField()
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="cash_cycle_number_unique"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="cash_cycle_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} #{self.number}"


class DistributionList(models.Model):
    """A cycle's list: prepared by one user, approved (frozen) by another."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Prepared, waiting for approval")
        APPROVED = "approved", _("Approved")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="distribution_list")
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Maker-checker at the database too.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="cash_list_maker_checker",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_by__isnull=False), name="cash_list_approved_has_approver"
            ),
        ]

    def __str__(self) -> str:
        return f"list {self.cycle}"


class ListLine(models.Model):
    """One household considered for a list, with the rules' explanation and duplicate flags."""

    id = models.BigAutoField(primary_key=True)
    distribution_list = models.ForeignKey(DistributionList, on_delete=models.CASCADE, related_name="lines")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    household_size = models.PositiveSmallIntegerField(default=1)
    included = models.BooleanField(default=False)
    amount = models.DecimalField(**MONEY, default=ZERO)
    explanation = models.JSONField(default=list)
    facts = models.JSONField(default=dict)
    possible_duplicates = models.JSONField(default=list)  # [{"person_id", "score", "reasons"}]

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["distribution_list", "person"], name="cash_line_unique")]

    def __str__(self) -> str:
        return f"{self.person_id} ({'in' if self.included else 'out'})"


class Entitlement(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="entitlements")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="entitlements")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    household_size = models.PositiveSmallIntegerField(default=1)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # A person appears in one programme cycle only once.
            models.UniqueConstraint(fields=["cycle", "person"], name="cash_entitlement_once_per_cycle"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="cash_entitlement_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.amount} {self.currency}"


class Voucher(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REDEEMED = "redeemed", _("Fully redeemed")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    class Sent(models.TextChoices):
        WHATSAPP_OR_SMS = "message", _("Sent by WhatsApp or SMS")
        PRINTED = "print", _("Printed, to collect at the HSP")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=24, unique=True)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="vouchers")
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="vouchers")
    value = models.DecimalField(**MONEY)
    balance = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    sent = models.CharField(max_length=10, choices=Sent.choices, blank=True)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="cash_voucher_balance_not_negative"),
            models.CheckConstraint(condition=Q(balance__lte=F("value")), name="cash_voucher_balance_le_value"),
            models.UniqueConstraint(
                fields=["entitlement"], condition=Q(status="active"), name="cash_voucher_one_active_per_entitlement"
            ),
        ]
        indexes = [models.Index(fields=["programme", "status"], name="cash_voucher_prog_status_idx")]

    def __str__(self) -> str:
        return self.code


class Redemption(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="redemptions")
    amount = models.DecimalField(**MONEY)
    balance_after = models.DecimalField(**MONEY)
    idempotency_key = models.CharField(max_length=100)
    redeemed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    redeemed_at = models.DateTimeField(default=timezone.now, db_index=True)
    settlement = models.ForeignKey(
        "Settlement", null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions"
    )

    class Meta:
        ordering = ["-redeemed_at"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "idempotency_key"], name="cash_redemption_idempotent"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="cash_redemption_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} at {self.vendor_id}"


class Settlement(models.Model):
    """What we owe one vendor for one period's redemptions; marked paid with a reference."""

    class Status(models.TextChoices):
        OPEN = "open", _("To pay")
        PAID = "paid", _("Paid")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="settlements")
    currency = models.CharField(max_length=3)
    period_start = models.DateField()
    period_end = models.DateField()
    amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    paid_reference = models.CharField(max_length=120, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-period_end"]

    def __str__(self) -> str:
        return f"{self.vendor_id} {self.period_start}..{self.period_end}"


def transfer_reference(entitlement_id, attempt: int) -> str:
    """The idempotency reference sent to the provider: the same entitlement and attempt always
    give the same reference, so a retried request can never pay twice."""
    return "CT-" + hashlib.sha256(f"{entitlement_id}:{attempt}".encode()).hexdigest()[:24].upper()


class CashTransfer(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Sent to the provider")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="transfers")
    attempt = models.PositiveSmallIntegerField(default=1)
    reference = models.CharField(max_length=40, unique=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    provider = models.CharField(max_length=40)
    provider_reference = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entitlement", "attempt"], name="cash_transfer_attempt_unique"),
            models.UniqueConstraint(fields=["entitlement"], condition=Q(status="paid"), name="cash_transfer_paid_once"),
        ]

    def __str__(self) -> str:
        return self.reference


class LedgerEntry(models.Model):
    """Append-only double-entry ledger. Each `txn` is a set of entries summing to zero.

    Accounts: "programme:<id>" (the budget: issuing spends it, expiry gives it back),
    "voucher:<id>", "vendor:<id>" (what we owe a shop), "settled:<id>" (paid to a shop),
    "provider:<name>" (cash sent through a financial service provider).
    """

    class Kind(models.TextChoices):
        ISSUE = "issue", _("Issue")
        REDEMPTION = "redemption", _("Redemption")
        CANCELLATION = "cancellation", _("Cancellation")
        REISSUE = "reissue", _("Reissue")
        EXPIRY = "expiry", _("Expiry")
        SETTLEMENT = "settlement", _("Settlement")
        TRANSFER = "transfer", _("Cash transfer")

    id = models.BigAutoField(primary_key=True)
    txn = models.UUIDField(db_index=True)
    kind = models.CharField(max_length=14, choices=Kind.choices)
    account = models.CharField(max_length=60, db_index=True)
    amount = models.DecimalField(**MONEY)  # debit positive, credit negative
    currency = models.CharField(max_length=3)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, null=True, on_delete=models.PROTECT, related_name="+")
    voucher = models.ForeignKey(Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    vendor = models.ForeignKey(Vendor, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    redemption = models.ForeignKey(Redemption, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.account} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("the ledger is append-only: post a correcting transaction instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("the ledger is append-only: post a correcting transaction instead")


class ProviderReport(models.Model):
    """A financial service provider's report file, imported once (by its hash)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=40)
    file_name = models.CharField(max_length=200, blank=True)
    file_hash = models.CharField(max_length=64)
    lines = models.PositiveIntegerField(default=0)
    new_lines = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["national_society", "provider", "file_hash"], name="cash_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.file_name}"


class ProviderReportLine(models.Model):
    """One line of a provider's report; the same line in a later file is not imported again."""

    id = models.BigAutoField(primary_key=True)
    report = models.ForeignKey(ProviderReport, on_delete=models.CASCADE, related_name="report_lines")
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=40)
    line_hash = models.CharField(max_length=64)
    reference = models.CharField(max_length=60)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)
    provider_reference = models.CharField(max_length=120, blank=True)
    transfer = models.ForeignKey(CashTransfer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # "" when it matches; otherwise why, for a person to resolve.
    mismatch = models.CharField(max_length=30, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["national_society", "provider", "line_hash"], name="cash_report_line_once")
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.status}"


# ---- post-distribution monitoring (cash/pdm.py) ----------------------------------------------


class PdmSurvey(models.Model):
    """A programme's post-distribution monitoring survey: the standard questionnaire (by version,
    the questions live in `cash/pdm.py` as data), the share of recipients to sample, and whether
    the worker sends it by itself once a cycle has ended."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="pdm_survey")
    questionnaire = models.CharField(max_length=20, default="standard-1")
    sample_percent = models.PositiveSmallIntegerField(_("share of recipients asked (%)"), default=100)
    auto_send = models.BooleanField(_("send by itself when a cycle ends"), default=False)
    open_days = models.PositiveSmallIntegerField(_("days to answer"), default=14)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(sample_percent__gte=1) & Q(sample_percent__lte=100), name="cash_pdm_sample_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"PDM {self.programme_id}"


class PdmRound(models.Model):
    """The survey sent after one cycle: to a reproducible random sample of its recipients."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    survey = models.ForeignKey(PdmSurvey, on_delete=models.CASCADE, related_name="rounds")
    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="pdm_round")
    sample_percent = models.PositiveSmallIntegerField()
    seed = models.CharField(max_length=64)
    eligible = models.PositiveIntegerField(default=0)  # recipients who consented to WhatsApp contact
    sent = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    closes_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"PDM {self.cycle_id}"


class PdmResponse(models.Model):
    """One recipient's answers, linked to the entitlement (no personal data copied). The free
    comment is encrypted; it goes when the person asks for their data to be deleted."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent, no answer yet")
        ANSWERING = "answering", _("Answering")
        COMPLETED = "completed", _("Completed")

    class Via(models.TextChoices):
        WHATSAPP = "whatsapp", _("WhatsApp")
        IN_PERSON = "in_person", _("In person at the HSP")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(PdmRound, on_delete=models.CASCADE, related_name="responses")
    entitlement = models.ForeignKey(Entitlement, on_delete=models.CASCADE, related_name="pdm_responses")
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.WHATSAPP)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    step = models.PositiveSmallIntegerField(default=0)  # index of the next question
    answers = models.JSONField(default=dict, blank=True)
    comment_encrypted = models.TextField(blank=True)
    feedback_code = models.CharField(max_length=20, blank=True)  # the confidential item, if any
    sent_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "entitlement"], name="cash_pdm_response_once"),
        ]
        indexes = [models.Index(fields=["status", "sent_at"], name="cash_pdm_status_idx")]

    def __str__(self) -> str:
        return f"PDM {self.entitlement_id} {self.status}"

    @property
    def comment(self) -> str:
        from caminante.core import crypto

        return crypto.decrypt_json(self.comment_encrypted).get("t", "") if self.comment_encrypted else ""

    @comment.setter
    def comment(self, value: str) -> None:
        from caminante.core import crypto

        self.comment_encrypted = crypto.encrypt_json({"t": value}) if value else ""
