"""Every state change of cash and voucher assistance, one function per action.

create_programme, add_cycle, onboard_vendor, add_vendor_user, prepare_distribution_list,
approve_distribution_list (maker-checker; issues vouchers or transfers, all-or-nothing, within
the budget ceiling, and sends the vouchers), reissue_voucher, redeem, expire_vouchers,
create_settlement, mark_settlement_paid, send_transfer (through a provider adapter).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from caminante.core import audit, crypto, outbox
from caminante.core.models import User
from caminante.core.roles import Role
from caminante.core.scoping import Scope
from caminante.core.text import clean_name
from caminante.registry.models import ConsentPurpose, Membership, MigrationSituation, Person

from . import fastpath, rules
from .codes import CodeError, new_voucher_code, parse
from .models import (
    ZERO,
    CashTransfer,
    Cycle,
    Delivery,
    DistributionList,
    Entitlement,
    LedgerEntry,
    ListLine,
    Programme,
    Redemption,
    Settlement,
    TransferRule,
    Vendor,
    VendorUser,
    Voucher,
    transfer_reference,
)
from .providers import ProviderAdapter, TransferRequest

# Who runs programmes (prepare, approve, reissue, settle) and who may read programme data.
MANAGERS = frozenset({Role.OFFICER, Role.ADMIN})
READERS = frozenset({Role.OFFICER, Role.DATA_MANAGER, Role.ADMIN, Role.ANALYST})
CENT = Decimal("0.01")


def money(value) -> Decimal:
    """A Decimal rounded to cents; refuses floats so no binary fraction ever reaches a balance."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"amount": [_("Enter an amount such as 25.00.")]}) from exc


def _scope_ns(user, roles, national_society_id) -> Scope:
    scope = Scope.of(user).require(roles)
    if not scope.is_global and scope.national_society_id != national_society_id:
        raise PermissionDenied("another National Society")
    return scope


def _ledger(kind, national_society_id, programme_id, currency, legs, *, voucher=None, vendor=None, redemption=None):
    """Write one balanced transaction: legs are (account, amount, voucher, vendor)."""
    txn = uuid.uuid4()
    total = sum((amount for _a, amount, *_rest in legs), ZERO)
    if total != ZERO:
        raise ValueError(f"unbalanced ledger transaction {legs}")
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            txn=txn,
            kind=kind,
            account=account,
            amount=amount,
            currency=currency,
            national_society_id=national_society_id,
            programme_id=programme_id,
            voucher=leg_voucher,
            vendor=leg_vendor,
            redemption=redemption,
        )
        for account, amount, leg_voucher, leg_vendor in legs
    )
    return txn


# ---- programmes, cycles, vendors ------------------------------------------------------------


@dataclass
class ProgrammeInput:
    name: str
    kind: str
    currency: str
    budget_ceiling: Decimal
    transfer_rule: str = TransferRule.FIXED
    fixed_amount: Decimal | None = None
    size_table: list | None = None
    eligibility: dict | None = None
    voucher_validity_days: int = 30
    delivery: str = Delivery.VOUCHER
    check_question: str = ""


def create_programme(user, national_society, data: ProgrammeInput, cycles: list[tuple[date, date]] = ()) -> Programme:
    _scope_ns(user, MANAGERS, national_society.pk)
    errors = {}
    currency = (data.currency or "").upper()
    if len(currency) != 3 or not currency.isalpha():
        errors["currency"] = [_("Enter a three-letter ISO 4217 currency code, such as COP or PEN.")]
    if data.transfer_rule == TransferRule.FIXED and not (data.fixed_amount and money(data.fixed_amount) > 0):
        errors["fixed_amount"] = [_("Enter the amount each household receives.")]
    table = [[int(size), str(money(amount))] for size, amount in (data.size_table or [])]
    if data.transfer_rule == TransferRule.HOUSEHOLD_SIZE and not table:
        errors["size_table"] = [_("Enter the amount for each household size.")]
    try:
        rules.validate(data.eligibility) if data.eligibility else None
    except rules.RuleError as exc:
        errors["eligibility"] = [_("The eligibility rules are not valid: %(error)s") % {"error": exc}]
    if money(data.budget_ceiling) <= 0:
        errors["budget_ceiling"] = [_("Enter the programme's budget ceiling.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        programme = Programme.objects.create(
            national_society=national_society,
            name=data.name,
            kind=data.kind,
            delivery=data.delivery,
            currency=currency,
            transfer_rule=data.transfer_rule,
            fixed_amount=money(data.fixed_amount) if data.fixed_amount else None,
            size_table=table,
            eligibility=data.eligibility or {},
            budget_ceiling=money(data.budget_ceiling),
            voucher_validity_days=data.voucher_validity_days,
            check_question=data.check_question,
            created_by=user,
        )
        for starts_on, ends_on in cycles:
            add_cycle(user, programme, starts_on, ends_on)
        audit.record(user, "cash.programme.create", programme, data={"name": programme.name})
    return programme


def add_cycle(user, programme: Programme, starts_on: date, ends_on: date) -> Cycle:
    _scope_ns(user, MANAGERS, programme.national_society_id)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("A cycle cannot end before it starts.")]})
    number = (programme.cycles.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return Cycle.objects.create(programme=programme, number=number, starts_on=starts_on, ends_on=ends_on)


def onboard_vendor(
    user, national_society, *, name, city="", address="", contact_phone="", bank_details=None, programmes=()
) -> Vendor:
    _scope_ns(user, MANAGERS, national_society.pk)
    with transaction.atomic():
        vendor = Vendor.objects.create(
            national_society=national_society,
            name=name,
            city=city,
            address=address,
            contact_phone=contact_phone,
            bank_details=crypto.encrypt_json(bank_details or {}),
            created_by=user,
        )
        for programme in programmes:
            if programme.national_society_id != national_society.pk:
                raise ValidationError(_("A vendor can only join its own National Society's programmes."))
            programme.vendors.add(vendor)
        audit.record(user, "cash.vendor.onboard", vendor, data={"name": name})
    return vendor


def add_vendor_user(user, vendor: Vendor, vendor_user: User) -> VendorUser:
    _scope_ns(user, MANAGERS, vendor.national_society_id)
    if vendor_user.role != Role.VENDOR or vendor_user.national_society_id != vendor.national_society_id:
        raise ValidationError(_("Only a vendor user of the same National Society can be linked to a shop."))
    with transaction.atomic():
        link, _created = VendorUser.objects.update_or_create(user=vendor_user, defaults={"vendor": vendor})
        audit.record(user, "cash.vendor.user", vendor, data={"user": vendor_user.username})
    return link


def vendor_api_token(user, vendor_user: User) -> str:
    """Create (or return) the REST API token of a vendor user."""
    from rest_framework.authtoken.models import Token

    link = VendorUser.objects.select_related("vendor").get(user=vendor_user)
    _scope_ns(user, MANAGERS, link.vendor.national_society_id)
    with transaction.atomic():
        token, _created = Token.objects.get_or_create(user=vendor_user)
        audit.record(user, "cash.vendor.token", link.vendor, data={"user": vendor_user.username})
    return token.key


# ---- targeting and the distribution list ----------------------------------------------------


def _age(person: Person, day: date) -> int | None:
    return person.age_on(day) if person.birth_date else None


def household_facts(members: list[Person], day: date) -> dict:
    """The facts the eligibility rules read, from the members of one household."""
    ages = [a for a in (_age(p, day) for p in members) if a is not None]
    in_transit = [p for p in members if p.migration_situation == MigrationSituation.IN_TRANSIT]
    days_in_transit = None
    if in_transit:
        first = min(timezone.localdate(p.created_at) for p in in_transit)
        days_in_transit = max((day - first).days, 0)
    return {
        "household_size": len(members),
        "child_under_5": any(a < 5 for a in ages),
        "child_under_18": any(a < 18 for a in ages),
        "older_person": any(a >= 60 for a in ages),
        "pregnant_member": any(p.pregnant_or_lactating for p in members),
        "member_with_disability": any(p.has_disability for p in members),
        "chronic_illness": any(p.chronic_illness for p in members),
        "unaccompanied_child": any(p.unaccompanied_or_separated_child for p in members),
        "days_in_transit": days_in_transit,
        "in_transit": bool(in_transit),
        "host_community": any(p.migration_situation == MigrationSituation.HOST_COMMUNITY for p in members),
    }


def amount_for(programme: Programme, household_size: int) -> Decimal:
    if programme.transfer_rule == TransferRule.HOUSEHOLD_SIZE:
        return money(rules.amount_for_size(programme.size_table, household_size) or "0")
    return money(programme.fixed_amount or 0)


def _candidates(national_society_id, household_ids=None, person_ids=None):
    """(household, recipient, members) for each household, and each person in no household.

    Current memberships only, and each person counted once even if the data were inconsistent
    (the database allows one current household per person; should a person still be a current
    member of two, they count in the one they joined last)."""
    memberships = (
        Membership.objects.current()
        .filter(household__national_society_id=national_society_id, person__merged_into__isnull=True)
        .select_related("person", "household")
    )
    if household_ids is not None:
        memberships = memberships.filter(household_id__in=household_ids)
    by_household: dict = {}
    placed: set = set()
    for m in memberships.order_by("-joined_at", "-pk"):  # newest first: a person's last household wins
        if m.person_id in placed:
            continue
        placed.add(m.person_id)
        entry = by_household.setdefault(m.household_id, {"household": m.household, "head": None, "members": []})
        entry["members"].append(m)
        if m.relationship == "head" and entry["head"] is None:
            entry["head"] = m.person
    result = []
    for household_id in sorted(by_household, key=str):
        entry = by_household[household_id]
        members = [m.person for m in sorted(entry["members"], key=lambda m: (m.joined_at, m.pk))]
        result.append((entry["household"], entry["head"] or members[0], members))
    if household_ids is None or person_ids is not None:
        singles = Person.objects.filter(national_society_id=national_society_id, merged_into__isnull=True).exclude(
            pk__in=Membership.objects.current().values("person_id")
        )
        if person_ids is not None:
            singles = singles.filter(pk__in=person_ids)
        result += [(None, p, [p]) for p in singles if p.pk not in placed]
    return result


def _once_per_person(lines: list[ListLine]) -> list[ListLine]:
    """A person is at most once in a list: a repeated recipient's later lines are dropped."""
    seen: set = set()
    out = []
    for line in lines:
        if line.person_id in seen:
            continue
        seen.add(line.person_id)
        out.append(line)
    return out


def prepare_distribution_list(user, cycle: Cycle, *, household_ids=None, person_ids=None) -> DistributionList:
    """Target the National Society's households with the programme's rules; record, for each,
    whether it is included and why, and flag possible duplicates. Re-preparing a draft replaces it."""
    programme = cycle.programme
    _scope_ns(user, MANAGERS, programme.national_society_id)
    existing = DistributionList.objects.filter(cycle=cycle).first()
    if existing and existing.status == DistributionList.Status.APPROVED:
        raise ValidationError(_("This cycle's list is approved and frozen; it cannot be prepared again."))
    candidates = _candidates(programme.national_society_id, household_ids, person_ids)
    lines = []
    for household, recipient, members in candidates:
        facts = household_facts(members, cycle.starts_on)
        decision = rules.evaluate(programme.eligibility, facts)
        amount = amount_for(programme, len(members)) if decision.eligible else ZERO
        lines.append(
            ListLine(
                household=household,
                person=recipient,
                household_size=len(members),
                included=decision.eligible and amount > 0,
                amount=amount,
                explanation=[
                    {"fact": c.fact, "op": c.op, "value": c.value, "actual": c.actual, "held": c.held, "not": c.negated}
                    for c in decision.reasons
                ],
                facts=facts,
            )
        )
    lines = _once_per_person(lines)
    _flag_duplicates(user, lines)
    try:
        dlist = _store_list(user, cycle, existing, lines)
    except IntegrityError as exc:
        # Never a server error: the lines are unique by person above, so this is a concurrent
        # preparation of the same cycle's list.
        raise ValidationError(
            _("The list could not be prepared because the data changed meanwhile. Nothing was saved; try again.")
        ) from exc
    return dlist


def _store_list(user, cycle: Cycle, existing, lines: list[ListLine]) -> DistributionList:
    programme = cycle.programme
    with transaction.atomic():
        if existing:
            existing.lines.all().delete()
            existing.prepared_by, existing.prepared_at = user, timezone.now()
            existing.save(update_fields=["prepared_by", "prepared_at"])
            dlist = existing
        else:
            dlist = DistributionList.objects.create(
                cycle=cycle, national_society_id=programme.national_society_id, prepared_by=user
            )
        for line in lines:
            line.distribution_list = dlist
        ListLine.objects.bulk_create(lines, batch_size=1000)
        included = [line for line in lines if line.included]
        audit.record(
            user,
            "cash.list.prepare",
            dlist,
            data={"cycle": str(cycle.pk), "considered": len(lines), "included": len(included)},
        )
    return dlist


def _flag_duplicates(user, lines: list[ListLine]) -> None:
    """Mark included recipients that the registry's matching thinks may be the same person."""
    try:
        from caminante.registry.selectors import duplicate_pairs
    except ImportError:  # the registry's contract is not there yet
        return
    by_person = {line.person_id: line for line in lines if line.included}
    if len(by_person) < 2:
        return
    for pair in duplicate_pairs(user, list(by_person)):
        for mine, other in ((pair.person_a_id, pair.person_b_id), (pair.person_b_id, pair.person_a_id)):
            if mine in by_person:
                by_person[mine].possible_duplicates.append(
                    {"person_id": str(other), "score": round(pair.score, 3), "reasons": list(pair.reasons)}
                )


def committed_amount(programme: Programme) -> Decimal:
    return money(Entitlement.objects.filter(programme=programme).aggregate(total=Sum("amount"))["total"] or ZERO)


def approve_distribution_list(user, dlist: DistributionList) -> DistributionList:
    """Maker-checker: another user than the preparer approves. Approval freezes the list, creates
    the entitlements, and issues a voucher (sent to the person) or a pending cash transfer for
    each, within the budget ceiling. All or nothing."""
    _scope_ns(user, MANAGERS, dlist.national_society_id)
    with transaction.atomic():
        dlist = DistributionList.objects.select_for_update().select_related("cycle__programme").get(pk=dlist.pk)
        if dlist.status != DistributionList.Status.DRAFT:
            raise ValidationError(_("This list is already approved."))
        if dlist.prepared_by_id == user.pk:
            raise PermissionDenied(_("The person who prepared a list cannot approve it; ask another officer."))
        cycle, programme = dlist.cycle, dlist.cycle.programme
        Programme.objects.select_for_update().filter(pk=programme.pk).first()  # one approval at a time per budget
        lines = list(dlist.lines.filter(included=True).select_related("person"))
        total = sum((line.amount for line in lines), ZERO)
        available = programme.budget_ceiling - committed_amount(programme)
        if total > available:
            raise ValidationError(
                _("The list needs %(total)s %(currency)s but only %(available)s %(currency)s of the budget is left.")
                % {"total": total, "currency": programme.currency, "available": available}
            )
        now = timezone.now()
        dlist.status, dlist.approved_by, dlist.approved_at = DistributionList.Status.APPROVED, user, now
        dlist.save(update_fields=["status", "approved_by", "approved_at"])
        entitlements = [
            Entitlement(
                national_society_id=programme.national_society_id,
                programme=programme,
                cycle=cycle,
                person=line.person,
                household_id=line.household_id,
                household_size=line.household_size,
                amount=line.amount,
                currency=programme.currency,
                created_at=now,
            )
            for line in lines
        ]
        try:
            with transaction.atomic():
                Entitlement.objects.bulk_create(entitlements, batch_size=1000)
        except IntegrityError as exc:
            raise ValidationError(_("A person on this list already has an entitlement in this cycle.")) from exc
        people = {line.person_id: line.person for line in lines}
        if programme.delivery == Delivery.VOUCHER:
            _issue_vouchers(programme, cycle, entitlements, people, now)
        else:
            CashTransfer.objects.bulk_create(
                [
                    CashTransfer(
                        national_society_id=programme.national_society_id,
                        entitlement=e,
                        attempt=1,
                        reference=transfer_reference(e.pk, 1),
                        amount=e.amount,
                        currency=e.currency,
                        provider="",
                    )
                    for e in entitlements
                ],
                batch_size=1000,
            )
        audit.record(user, "cash.list.approve", dlist, data={"entitlements": len(entitlements), "total": str(total)})
    return dlist


def _expiry(programme: Programme, cycle: Cycle, now: datetime) -> datetime:
    start = max(now, timezone.make_aware(datetime.combine(cycle.starts_on, time.min)))
    return start + timedelta(days=programme.voucher_validity_days)


def _issue_vouchers(programme, cycle, entitlements, people, now) -> list[Voucher]:
    expires_at = _expiry(programme, cycle, now)
    vouchers = [
        Voucher(
            code=new_voucher_code(),
            national_society_id=programme.national_society_id,
            programme=programme,
            entitlement=e,
            value=e.amount,
            balance=e.amount,
            currency=e.currency,
            issued_at=now,
            expires_at=expires_at,
        )
        for e in entitlements
    ]
    consenting = _consenting_people(list(people))
    for voucher, entitlement in zip(vouchers, entitlements, strict=True):
        voucher.sent = _way(people[entitlement.person_id], consenting)
    Voucher.objects.bulk_create(vouchers, batch_size=1000)
    entries = []
    for v in vouchers:
        txn = uuid.uuid4()
        for account, amount, voucher in (
            (f"programme:{programme.pk}", -v.value, None),
            (f"voucher:{v.pk}", v.value, v),
        ):
            entries.append(
                LedgerEntry(
                    txn=txn,
                    kind=LedgerEntry.Kind.ISSUE,
                    account=account,
                    amount=amount,
                    currency=v.currency,
                    national_society_id=programme.national_society_id,
                    programme_id=programme.pk,
                    voucher=voucher,
                    at=now,
                )
            )
    LedgerEntry.objects.bulk_create(entries, batch_size=2000)
    national_society = _ns(programme.national_society_id)
    for voucher, entitlement in zip(vouchers, entitlements, strict=True):
        if voucher.sent == Voucher.Sent.WHATSAPP_OR_SMS:
            _message(voucher, people[entitlement.person_id], national_society)
    return vouchers


def _consenting_people(person_ids) -> set:
    from caminante.registry.models import Consent

    ids = set()
    for start in range(0, len(person_ids), 500):
        ids |= set(
            Consent.objects.filter(
                person_id__in=person_ids[start : start + 500],
                purpose__in=[ConsentPurpose.ASSISTANCE, ConsentPurpose.WHATSAPP],
                granted=True,
                withdrawn_at__isnull=True,
            ).values_list("person_id", flat=True)
        )
    return ids


def send_voucher(voucher: Voucher, person: Person, consenting: set | None = None) -> str:
    """Send the code to the person's consented phone (WhatsApp, else SMS) through the outbox, or
    mark it for printing at the HSP. Returns the way it went."""
    if consenting is None:
        consenting = _consenting_people([person.pk])
    sent = _way(person, consenting)
    if sent == Voucher.Sent.WHATSAPP_OR_SMS:
        _message(voucher, person, _ns(voucher.national_society_id))
    Voucher.objects.filter(pk=voucher.pk).update(sent=sent)
    voucher.sent = sent
    return sent


def _way(person: Person, consenting: set) -> str:
    if person.phone_e164 and person.pk in consenting:
        return Voucher.Sent.WHATSAPP_OR_SMS
    return Voucher.Sent.PRINTED


def _message(voucher: Voucher, person: Person, national_society, language: str | None = None) -> None:
    """The voucher message through the channels app's notify (WhatsApp template or free text,
    SMS when the National Society has no WhatsApp number), or an SMS when the person does not use
    WhatsApp; written in the caller's transaction."""
    first_name = (person.given_names or "").split(" ")[0]
    amount = f"{voucher.value} {voucher.currency}"
    expiry = timezone.localdate(voucher.expires_at).isoformat()
    language = language or ("pt" if national_society.country.code == "BR" else "es")
    from django.utils import translation

    with translation.override(language):
        text = _(
            "Hello %(name)s, the Red Cross sends you a voucher for %(amount)s. Code: %(code)s. "
            "Valid until %(date)s. Show it at an authorised shop."
        ) % {"name": first_name, "amount": amount, "code": voucher.code, "date": expiry}
    key = f"cash-voucher-{voucher.pk}"
    notify = None
    if person.phone_is_whatsapp:
        try:
            from caminante.channels.services import notify
        except ImportError:  # the channels app's contract is not there: SMS through the outbox
            notify = None
    if notify is not None:
        notify(
            national_society=national_society,
            phone_e164=person.phone_e164,
            text=text,
            template="voucher_issued",
            template_params=[first_name, amount, voucher.code, expiry],
            language=language,
            idempotency_key=key,
        )
    else:
        outbox.enqueue("sms", person.phone_e164, {"text": text}, national_society=national_society, idempotency_key=key)


def _ns(national_society_id):
    from caminante.core.models import NationalSociety

    return NationalSociety.objects.get(pk=national_society_id)


# ---- lost vouchers --------------------------------------------------------------------------


def reissue_voucher(user, voucher: Voucher, reason: str = "") -> Voucher:
    """Cancel a lost or stolen voucher and issue a new code for its unspent balance, in one step:
    the old code dies at once, and the ledger moves the balance from the old to the new. The reason
    (lost, stolen, ...) is required: it is what the audit log says of a code that was killed."""
    _scope_ns(user, MANAGERS, voucher.national_society_id)
    reason = clean_name(reason, field="reason", max_length=200)
    if not reason:
        raise ValidationError({"reason": _("Say why the voucher is reissued (lost, stolen, ...).")})
    with transaction.atomic():
        old = Voucher.objects.select_for_update().select_related("entitlement__person").get(pk=voucher.pk)
        if old.status != Voucher.Status.ACTIVE:
            raise ValidationError(_("Only an active voucher can be cancelled and reissued."))
        balance = old.balance
        if balance <= 0:
            raise ValidationError(_("This voucher has nothing left to reissue."))
        now = timezone.now()
        killed = Voucher.objects.filter(pk=old.pk, status=Voucher.Status.ACTIVE, balance=balance).update(
            status=Voucher.Status.CANCELLED, balance=ZERO, cancelled_at=now
        )
        if not killed:
            raise ValidationError(_("The voucher changed while you were reissuing it; try again."))
        new = Voucher.objects.create(
            code=new_voucher_code(),
            national_society_id=old.national_society_id,
            programme_id=old.programme_id,
            entitlement_id=old.entitlement_id,
            value=balance,
            balance=balance,
            currency=old.currency,
            issued_at=now,
            expires_at=old.expires_at,
            replaces=old,
        )
        _ledger(
            LedgerEntry.Kind.REISSUE,
            old.national_society_id,
            old.programme_id,
            old.currency,
            [(f"voucher:{old.pk}", -balance, old, None), (f"voucher:{new.pk}", balance, new, None)],
        )
        send_voucher(new, old.entitlement.person)
        audit.record(
            user, "cash.voucher.reissue", new, data={"old": old.code[-4:], "balance": str(balance), "reason": reason}
        )
    return new


# ---- redemption -----------------------------------------------------------------------------


class RedemptionError(Exception):
    """A refused redemption: a stable `code`, the HTTP status the API answers, a translated message."""

    def __init__(self, code: str, status: int, message: str):
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


@dataclass(frozen=True)
class RedemptionResult:
    redemption: Redemption
    replayed: bool = False

    def as_dict(self) -> dict:
        r = self.redemption
        return {
            "id": str(r.pk),
            "voucher_code": r.voucher.code,
            "amount": str(r.amount),
            "balance": str(r.balance_after),
            "currency": r.voucher.currency,
            "status": Voucher.Status.REDEEMED if r.balance_after == 0 else Voucher.Status.ACTIVE,
        }


def vendor_of(user) -> Vendor:
    scope = Scope.of(user).require([Role.VENDOR])
    if hasattr(user, "cash_vendor_loaded"):  # api.VendorTokenAuthentication read it with the token
        vendor = user.cash_vendor_loaded
    else:
        link = VendorUser.objects.select_related("vendor").filter(user_id=scope.user.pk).first()
        vendor = link.vendor if link else None
    if vendor is None or not vendor.active or vendor.national_society_id != scope.national_society_id:
        raise PermissionDenied(_("Your account is not linked to an active shop."))
    return vendor


def code_or_error(code: str) -> str:
    try:
        return parse(code)
    except CodeError as exc:
        if exc.reason == "check":
            raise RedemptionError(
                "check_character", 400, _("This code has a typo: check each character and type it again.")
            ) from exc
        raise RedemptionError("invalid_code", 400, _("This is not a voucher code.")) from exc


def voucher_refusal(voucher: Voucher | None, vendor: Vendor, now=None) -> RedemptionError | None:
    """Why this vendor may not redeem this voucher now (None: it may)."""
    now = now or timezone.now()
    if voucher is None:
        return RedemptionError("not_found", 404, _("No voucher has this code."))
    if voucher.status == Voucher.Status.CANCELLED:
        return RedemptionError("cancelled", 410, _("This voucher was cancelled and cannot be used."))
    if voucher.status == Voucher.Status.EXPIRED or voucher.expires_at <= now:
        return RedemptionError("expired", 410, _("This voucher has expired."))
    allowed = getattr(voucher, "vendor_allowed", None)
    if allowed is None:
        allowed = Programme.vendors.through.objects.filter(
            programme_id=voucher.programme_id, vendor_id=vendor.pk
        ).exists()
    if not allowed:
        return RedemptionError("vendor_not_allowed", 403, _("This shop is not allowed to accept this voucher."))
    if voucher.status == Voucher.Status.REDEEMED or voucher.balance <= 0:
        return RedemptionError("used_up", 409, _("This voucher has been used up."))
    return None


def find_voucher_for_vendor(user, code: str) -> Voucher:
    """The voucher a vendor typed or scanned, or a RedemptionError saying why not."""
    vendor = vendor_of(user)
    voucher = (
        Voucher.objects.select_related("programme", "entitlement__person")
        .filter(code=code_or_error(code), national_society_id=vendor.national_society_id)
        .first()
    )
    refusal = voucher_refusal(voucher, vendor)
    if refusal:
        raise refusal
    return voucher


def _check_answer(voucher: Voucher, answer) -> None:
    if voucher.programme.check_question == "birth_year":
        birth = voucher.entitlement.person.birth_date
        if birth is None:
            return
        if str(answer or "").strip() != str(birth.year):
            raise RedemptionError("check_failed", 403, _("The answer to the check question does not match."))


def redeem(user, *, code: str, amount, idempotency_key: str, check_answer=None) -> RedemptionResult:
    """A vendor takes `amount` from a voucher. Partial redemption is allowed; never more than the
    balance. The balance is decremented by a conditional UPDATE (balance >= amount) under a row
    lock, so simultaneous redemptions cannot overspend on PostgreSQL or SQLite. The same
    idempotency key from the same vendor returns the first result without spending again."""
    vendor = vendor_of(user)
    key = (idempotency_key or "").strip()[:100]
    if not key:
        raise RedemptionError("idempotency_key_missing", 400, _("An Idempotency-Key is required."))
    canonical = code_or_error(code)
    try:
        value = money(amount)
    except (ValidationError, TypeError) as exc:
        raise RedemptionError("invalid_amount", 400, _("Enter an amount such as 25.00.")) from exc
    if value <= 0:
        raise RedemptionError("invalid_amount", 400, _("The amount must be more than zero."))
    # A replayed key is found by the unique (vendor, key) constraint at the insert (the spend then
    # rolls back) or, when the voucher is refused by now, by looking the key up: no extra query
    # on the common path. The statements are hand-written (fastpath): lock, spend, record.
    now = timezone.now()
    try:
        with transaction.atomic():
            voucher = fastpath.lock_voucher(canonical, vendor, key)
            if voucher is not None and voucher.key_used:  # a replay: nothing to spend, the lock is let go
                raise _KeyUsed
            refusal = voucher_refusal(voucher, vendor, now)
            if refusal:
                raise refusal
            _check_answer(voucher, check_answer)
            if value > voucher.balance:
                raise RedemptionError(
                    "insufficient_balance",
                    409,
                    _("Only %(balance)s %(currency)s is left on this voucher.")
                    % {"balance": voucher.balance, "currency": voucher.currency},
                )
            spent = fastpath.spend(voucher.pk, value)
            if spent is None:
                raise RedemptionError("insufficient_balance", 409, _("The balance changed; look the voucher up again."))
            redemption = fastpath.record_redemption(
                voucher=voucher, vendor=vendor, user=user, value=value, balance_after=spent[0], key=key, now=now
            )
    except (IntegrityError, RedemptionError, _KeyUsed):
        previous = _replay(vendor, key, canonical, value)
        if previous:
            return previous
        raise
    return RedemptionResult(redemption)


class _KeyUsed(Exception):
    """The idempotency key already has a committed redemption: roll back and replay it."""


def _replay(vendor, key, code, value) -> RedemptionResult | None:
    previous = fastpath.previous_redemption(vendor, key)
    if previous is None:
        return None
    if previous.voucher.code != code or previous.amount != value:
        raise RedemptionError(
            "idempotency_conflict", 409, _("This Idempotency-Key was already used for another redemption.")
        )
    return RedemptionResult(previous, replayed=True)


# ---- expiry ---------------------------------------------------------------------------------


def expire_vouchers(now=None) -> int:
    """Expire the active vouchers past their date; their balance goes back to the programme."""
    now = now or timezone.now()
    count = 0
    due = Voucher.objects.filter(status=Voucher.Status.ACTIVE, expires_at__lte=now).values_list("pk", flat=True)
    for pk in list(due[:5000]):
        with transaction.atomic():
            voucher = Voucher.objects.select_for_update().filter(pk=pk, status=Voucher.Status.ACTIVE).first()
            if voucher is None:
                continue
            balance = voucher.balance
            done = Voucher.objects.filter(pk=pk, status=Voucher.Status.ACTIVE, balance=balance).update(
                status=Voucher.Status.EXPIRED, balance=ZERO
            )
            if done and balance > 0:
                _ledger(
                    LedgerEntry.Kind.EXPIRY,
                    voucher.national_society_id,
                    voucher.programme_id,
                    voucher.currency,
                    [
                        (f"voucher:{pk}", -balance, voucher, None),
                        (f"programme:{voucher.programme_id}", balance, None, None),
                    ],
                )
            count += bool(done)
    return count


# ---- settlement -----------------------------------------------------------------------------


def _period_bounds(national_society, start: date, end: date) -> tuple[datetime, datetime]:
    import zoneinfo

    tz = zoneinfo.ZoneInfo(national_society.time_zone)
    return datetime.combine(start, time.min, tz), datetime.combine(end + timedelta(days=1), time.min, tz)


def create_settlement(user, vendor: Vendor, period_start: date, period_end: date) -> list[Settlement]:
    """A statement of what we owe the vendor for the period's unsettled redemptions (one per currency)."""
    _scope_ns(user, MANAGERS, vendor.national_society_id)
    if period_end < period_start:
        raise ValidationError({"period_end": [_("The period cannot end before it starts.")]})
    low, high = _period_bounds(vendor.national_society, period_start, period_end)
    with transaction.atomic():
        Vendor.objects.select_for_update().filter(pk=vendor.pk).first()
        pending = Redemption.objects.filter(
            vendor=vendor, settlement__isnull=True, redeemed_at__gte=low, redeemed_at__lt=high
        )
        settlements = []
        for row in pending.values("voucher__currency").annotate(total=Sum("amount")).order_by("voucher__currency"):
            settlement = Settlement.objects.create(
                national_society_id=vendor.national_society_id,
                vendor=vendor,
                currency=row["voucher__currency"],
                period_start=period_start,
                period_end=period_end,
                amount=money(row["total"]),
                created_by=user,
            )
            pending.filter(voucher__currency=row["voucher__currency"]).update(settlement=settlement)
            audit.record(user, "cash.settlement.create", settlement, data={"amount": str(settlement.amount)})
            settlements.append(settlement)
        if not settlements:
            raise ValidationError(_("This vendor has no unsettled redemptions in that period."))
    return settlements


def mark_settlement_paid(user, settlement: Settlement, reference: str) -> Settlement:
    _scope_ns(user, MANAGERS, settlement.national_society_id)
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": [_("Enter the payment reference.")]})
    with transaction.atomic():
        settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if settlement.status == Settlement.Status.PAID:
            raise ValidationError(_("This statement is already paid."))
        settlement.status, settlement.paid_reference, settlement.paid_at = (
            Settlement.Status.PAID,
            reference,
            timezone.now(),
        )
        settlement.save(update_fields=["status", "paid_reference", "paid_at"])
        vendor = settlement.vendor
        _ledger(
            LedgerEntry.Kind.SETTLEMENT,
            settlement.national_society_id,
            None,
            settlement.currency,
            [
                (f"vendor:{vendor.pk}", -settlement.amount, None, vendor),
                (f"settled:{vendor.pk}", settlement.amount, None, vendor),
            ],
        )
        audit.record(user, "cash.settlement.paid", settlement, data={"reference": reference})
    return settlement


# ---- cash transfers -------------------------------------------------------------------------


def send_transfer(user, transfer: CashTransfer, adapter: ProviderAdapter) -> CashTransfer:
    """Send (or resend) a pending transfer through a provider. The provider is called with the
    transfer's reference, derived from entitlement and attempt, so a retry never pays twice.
    A failed transfer is retried as a new attempt with a new reference."""
    _scope_ns(user, MANAGERS, transfer.national_society_id)
    with transaction.atomic():
        transfer = CashTransfer.objects.select_for_update().select_related("entitlement__person").get(pk=transfer.pk)
        if transfer.status == CashTransfer.Status.PAID:
            return transfer
        if transfer.status == CashTransfer.Status.FAILED:
            transfer = CashTransfer.objects.create(
                national_society_id=transfer.national_society_id,
                entitlement=transfer.entitlement,
                attempt=transfer.attempt + 1,
                reference=transfer_reference(transfer.entitlement_id, transfer.attempt + 1),
                amount=transfer.amount,
                currency=transfer.currency,
                provider=adapter.name,
            )
        elif transfer.provider != adapter.name:
            transfer.provider = adapter.name
            transfer.save(update_fields=["provider"])
    person = transfer.entitlement.person
    result = adapter.pay(
        TransferRequest(
            reference=transfer.reference,
            amount=transfer.amount,
            currency=transfer.currency,
            account=person.phone_e164,
            name=person.full_name,
        )
    )
    with transaction.atomic():
        transfer = CashTransfer.objects.select_for_update().get(pk=transfer.pk)
        if transfer.status != CashTransfer.Status.PENDING:
            return transfer
        if result.ok:
            _mark_transfer_paid(transfer, adapter.name, result.provider_reference)
        elif result.final:
            transfer.status, transfer.error = CashTransfer.Status.FAILED, result.error[:300]
            transfer.save(update_fields=["status", "error"])
        audit.record(user, "cash.transfer.send", transfer, data={"status": transfer.status})
    return transfer


def periodic_expiry() -> int:
    return expire_vouchers()


# ---- provider reports -----------------------------------------------------------------------

REPORT_COLUMNS = ("reference", "amount", "currency", "status", "provider_reference")
PAID_WORDS = {"paid", "success", "completed", "ok"}


def import_provider_report(user, national_society, provider: str, content: bytes, file_name: str = ""):
    """Import a provider's CSV report (reference, amount, currency, status, provider_reference).

    Importing the same file again changes nothing (file hash); a line already imported from another
    file is skipped (line hash). A line that confirms the payment of a pending transfer marks it
    paid; every line that does not match our records is kept as a mismatch for a person to resolve."""
    import csv
    import hashlib
    import io

    from .models import ProviderReport, ProviderReportLine

    _scope_ns(user, MANAGERS, national_society.pk)
    provider = (provider or "").strip()[:40]
    if not provider:
        raise ValidationError({"provider": [_("Name the provider.")]})
    digest = hashlib.sha256(content).hexdigest()
    existing = ProviderReport.objects.filter(
        national_society=national_society, provider=provider, file_hash=digest
    ).first()
    if existing:
        return existing
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("The file is not UTF-8 text.")) from exc
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not set(REPORT_COLUMNS[:4]) <= {f.strip().lower() for f in reader.fieldnames}:
        raise ValidationError(_("The file needs the columns: %(columns)s.") % {"columns": ", ".join(REPORT_COLUMNS)})
    rows = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        try:
            amount = money(row["amount"])
        except ValidationError as exc:
            raise ValidationError(_("Line %(n)s: the amount is not valid.") % {"n": number}) from exc
        normalized = "|".join(
            [
                row["reference"],
                str(amount),
                row["currency"].upper(),
                row["status"].lower(),
                row.get("provider_reference", ""),
            ]
        )
        rows.append((hashlib.sha256(normalized.encode()).hexdigest(), row, amount))
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = ProviderReport.objects.create(
                    national_society=national_society,
                    provider=provider,
                    file_name=file_name[:200],
                    file_hash=digest,
                    lines=len(rows),
                    imported_by=user,
                )
        except IntegrityError:  # the same file imported at the same moment by someone else
            return ProviderReport.objects.get(national_society=national_society, provider=provider, file_hash=digest)
        seen = set(
            ProviderReportLine.objects.filter(
                national_society=national_society, provider=provider, line_hash__in=[h for h, _r, _a in rows]
            ).values_list("line_hash", flat=True)
        )
        new = 0
        for line_hash, row, amount in rows:
            if line_hash in seen:
                continue
            seen.add(line_hash)
            new += 1
            transfer = (
                CashTransfer.objects.select_for_update()
                .filter(national_society=national_society, reference=row["reference"])
                .first()
            )
            provider_paid = row["status"].lower() in PAID_WORDS
            mismatch = ""
            if transfer is None:
                mismatch = "unknown_reference"
            elif transfer.amount != amount or transfer.currency != row["currency"].upper():
                mismatch = "amount_differs"
            elif provider_paid and transfer.status == CashTransfer.Status.PENDING:
                _mark_transfer_paid(transfer, provider, row.get("provider_reference", ""))
            elif provider_paid != (transfer.status == CashTransfer.Status.PAID):
                mismatch = "status_differs"
            ProviderReportLine.objects.create(
                report=report,
                national_society=national_society,
                provider=provider,
                line_hash=line_hash,
                reference=row["reference"][:60],
                amount=amount,
                currency=row["currency"].upper()[:3],
                status=row["status"][:20],
                provider_reference=row.get("provider_reference", "")[:120],
                transfer=transfer,
                mismatch=mismatch,
            )
        report.new_lines = new
        report.save(update_fields=["new_lines"])
        audit.record(user, "cash.provider_report.import", report, data={"lines": len(rows), "new": new})
    return report


def _mark_transfer_paid(transfer: CashTransfer, provider: str, provider_reference: str) -> None:
    transfer.status, transfer.provider_reference = CashTransfer.Status.PAID, provider_reference[:120]
    transfer.provider = transfer.provider or provider
    transfer.save(update_fields=["status", "provider_reference", "provider"])
    _ledger(
        LedgerEntry.Kind.TRANSFER,
        transfer.national_society_id,
        transfer.entitlement.programme_id,
        transfer.currency,
        [
            (f"programme:{transfer.entitlement.programme_id}", -transfer.amount, None, None),
            (f"provider:{transfer.provider}", transfer.amount, None, None),
        ],
    )


def resolve_mismatch(user, line, note: str):
    """A person looked at a provider line that did not match and says what was done."""
    _scope_ns(user, MANAGERS, line.national_society_id)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"resolution": [_("Say how the difference was resolved.")]})
    with transaction.atomic():
        line.resolved_by, line.resolved_at, line.resolution = user, timezone.now(), note[:300]
        line.save(update_fields=["resolved_by", "resolved_at", "resolution"])
        audit.record(user, "cash.provider_report.resolve", line.report, data={"line": line.pk, "note": note[:300]})
    return line
