"""Cash services: targeting, maker-checker, budget, vouchers, reissue, redemption, expiry, settlement, transfers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from caminante.cash import selectors, services
from caminante.cash.ledger import violations
from caminante.cash.models import (
    CashTransfer,
    DistributionList,
    Entitlement,
    LedgerEntry,
    Redemption,
    Voucher,
)
from caminante.cash.providers import SimulatorAdapter
from caminante.cash.services import RedemptionError, redeem
from caminante.core.models import AuditEvent, OutboxMessage
from tests.builders import fast_hashing  # noqa: F401
from tests.test_cash_helpers import approved, household, programme, second_officer, vendor, voucher_world

pytestmark = pytest.mark.django_db

VULNERABLE = {"any": [{"fact": "child_under_5"}, {"fact": "pregnant_member"}]}


def test_targeting_explains_each_household(users, sp_co):
    officer = users["officer.co"]
    prog = programme(officer, eligibility=VULNERABLE)
    with_child = household(users["volunteer.co"], "Ana", "Uno", child_age=2)
    pregnant = household(users["volunteer.co"], "Bea", "Dos", pregnant=True)
    neither = household(users["volunteer.co"], "Carla", "Tres", child_age=10)
    dlist = services.prepare_distribution_list(
        officer, prog.cycles.get(), household_ids=[with_child.pk, pregnant.pk, neither.pk]
    )
    lines = {line.household_id: line for line in dlist.lines.all()}
    assert lines[with_child.pk].included and lines[with_child.pk].amount == Decimal("100.00")
    assert [r["fact"] for r in lines[with_child.pk].explanation] == ["child_under_5"]
    assert lines[pregnant.pk].included
    assert not lines[neither.pk].included and lines[neither.pk].amount == 0
    assert {r["fact"] for r in lines[neither.pk].explanation} == {"child_under_5", "pregnant_member"}
    assert lines[with_child.pk].household_size == 2


def test_amount_by_household_size(users, sp_co):
    officer = users["officer.co"]
    prog = programme(officer, transfer_rule="household_size", fixed_amount=None, size_table=[[1, "50"], [3, "90.5"]])
    small = household(users["volunteer.co"], "Ana", "Uno")
    big = household(users["volunteer.co"], "Bea", "Dos", child_age=3)
    dlist = services.prepare_distribution_list(officer, prog.cycles.get(), household_ids=[small.pk, big.pk])
    amounts = {line.household_id: line.amount for line in dlist.lines.all()}
    assert amounts == {small.pk: Decimal("50.00"), big.pk: Decimal("90.50")}


def test_money_is_never_float():
    with pytest.raises(TypeError):
        services.money(0.1)
    assert services.money("0.105") == Decimal("0.11")


def test_maker_checker(users, sp_co):
    officer = users["officer.co"]
    prog = programme(officer)
    home = household(users["volunteer.co"])
    dlist = services.prepare_distribution_list(officer, prog.cycles.get(), household_ids=[home.pk])
    with pytest.raises(PermissionDenied):
        services.approve_distribution_list(officer, dlist)
    assert Entitlement.objects.count() == 0
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        DistributionList.objects.filter(pk=dlist.pk).update(approved_by=officer, status="approved")
    # A volunteer cannot approve; another officer of Peru cannot either.
    with pytest.raises(PermissionDenied):
        services.approve_distribution_list(users["volunteer.co"], dlist)
    with pytest.raises(PermissionDenied):
        services.approve_distribution_list(users["officer.pe"], dlist)
    other = second_officer(sp_co.national_society)
    services.approve_distribution_list(other, dlist)
    dlist.refresh_from_db()
    assert dlist.status == "approved" and dlist.approved_by == other
    assert Entitlement.objects.count() == 1 and Voucher.objects.count() == 1
    with pytest.raises(ValidationError):
        services.approve_distribution_list(other, dlist)
    with pytest.raises(ValidationError):  # frozen
        services.prepare_distribution_list(officer, prog.cycles.get())
    assert AuditEvent.objects.filter(action="cash.list.approve").count() == 1


def test_one_entitlement_per_person_and_cycle(users, sp_co):
    prog, _shop, vouchers = voucher_world(users, sp_co, n=1)
    entitlement = Entitlement.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Entitlement.objects.create(
            national_society=entitlement.national_society,
            programme=prog,
            cycle=entitlement.cycle,
            person=entitlement.person,
            amount=Decimal("5.00"),
            currency="COP",
        )


def test_budget_ceiling_all_or_nothing(users, sp_co):
    officer = users["officer.co"]
    prog = programme(officer, budget_ceiling=Decimal("250.00"))
    homes = [household(users["volunteer.co"], f"Ana{i}", f"Fam{i}") for i in range(3)]
    dlist = services.prepare_distribution_list(officer, prog.cycles.get(), household_ids=[h.pk for h in homes])
    with pytest.raises(ValidationError, match="300.00"):
        services.approve_distribution_list(second_officer(sp_co.national_society), dlist)
    assert Entitlement.objects.count() == 0 and Voucher.objects.count() == 0 and LedgerEntry.objects.count() == 0
    dlist.refresh_from_db()
    assert dlist.status == "draft"


def test_vouchers_are_sent_or_printed(users, sp_co):
    officer = users["officer.co"]
    prog = programme(officer)
    phone = household(users["volunteer.co"], "Ana", "Fono", phone="+57 300 123 4567")
    nophone = household(users["volunteer.co"], "Bea", "Papel")
    approved(officer, second_officer(sp_co.national_society), prog, [phone, nophone])
    sent = Voucher.objects.get(entitlement__household=phone)
    printed = Voucher.objects.get(entitlement__household=nophone)
    assert sent.sent == "message" and printed.sent == "print"
    message = OutboxMessage.objects.get(idempotency_key=f"cash-voucher-{sent.pk}")
    assert message.to == "+573001234567" and sent.code in message.payload["text"]
    assert not OutboxMessage.objects.filter(idempotency_key=f"cash-voucher-{printed.pk}").exists()
    assert sent.value == sent.balance == Decimal("100.00") and sent.expires_at > timezone.now()


def test_partial_then_full_redemption_and_errors(users, sp_co):
    prog, shop, (voucher, other) = voucher_world(users, sp_co)
    vendor_user = users["vendor.co"]
    first = redeem(vendor_user, code=voucher.code, amount="30.00", idempotency_key="k1")
    assert first.as_dict()["balance"] == "70.00" and first.as_dict()["status"] == "active"
    with pytest.raises(RedemptionError) as exc:
        redeem(vendor_user, code=voucher.code, amount="70.01", idempotency_key="k2")
    assert exc.value.code == "insufficient_balance" and exc.value.status == 409
    last = redeem(vendor_user, code=voucher.code, amount="70", idempotency_key="k3")
    assert last.as_dict()["balance"] == "0.00" and last.as_dict()["status"] == "redeemed"
    with pytest.raises(RedemptionError) as exc:
        redeem(vendor_user, code=voucher.code, amount="1", idempotency_key="k4")
    assert exc.value.code == "used_up" and exc.value.status == 409
    # replay: same key, same result, nothing spent
    again = redeem(vendor_user, code=voucher.code, amount="30.00", idempotency_key="k1")
    assert again.replayed and again.redemption.pk == first.redemption.pk
    with pytest.raises(RedemptionError) as exc:
        redeem(vendor_user, code=other.code, amount="5", idempotency_key="k1")
    assert exc.value.code == "idempotency_conflict"
    typo = other.code[:-1] + ("0" if other.code[-1] != "0" else "1")
    with pytest.raises(RedemptionError) as exc:
        redeem(vendor_user, code=typo, amount="5", idempotency_key="k5")
    assert exc.value.code == "check_character" and exc.value.status == 400
    assert Redemption.objects.count() == 2
    assert list(violations()) == []


def test_expired_cancelled_and_vendor_not_allowed(users, sp_co):
    prog, shop, (voucher, other) = voucher_world(users, sp_co)
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(RedemptionError) as exc:
        redeem(users["vendor.co"], code=voucher.code, amount="1", idempotency_key="a")
    assert (exc.value.code, exc.value.status) == ("expired", 410)
    prog.vendors.remove(shop)
    with pytest.raises(RedemptionError) as exc:
        redeem(users["vendor.co"], code=other.code, amount="1", idempotency_key="b")
    assert (exc.value.code, exc.value.status) == ("vendor_not_allowed", 403)


def test_vendor_of_peru_never_finds_colombian_vouchers(users, sp_co, sp_pe):
    _prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    officer_pe = users["officer.pe"]
    prog_pe = programme(officer_pe, currency="PEN")
    vendor(officer_pe, prog_pe, users["vendor.pe"], name="Bodega Tumbes")
    with pytest.raises(RedemptionError) as exc:
        redeem(users["vendor.pe"], code=voucher.code, amount="1", idempotency_key="x")
    assert (exc.value.code, exc.value.status) == ("not_found", 404)
    with pytest.raises(RedemptionError):
        services.find_voucher_for_vendor(users["vendor.pe"], voucher.code)
    assert not selectors.vouchers_for(users["vendor.pe"]).filter(pk=voucher.pk).exists()
    assert not selectors.vouchers_for(users["officer.pe"]).filter(pk=voucher.pk).exists()


def test_reissue_moves_the_balance_and_kills_the_old_code(users, sp_co):
    _prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    redeem(users["vendor.co"], code=voucher.code, amount="40", idempotency_key="r1")
    with pytest.raises(ValidationError):
        services.reissue_voucher(users["officer.co"], voucher, reason="  ")  # a reason is required
    with pytest.raises(ValidationError):
        services.reissue_voucher(users["officer.co"], voucher, reason="x" * 201)
    new = services.reissue_voucher(users["officer.co"], voucher, reason="lost phone")
    voucher.refresh_from_db()
    assert voucher.status == "cancelled" and voucher.balance == 0
    assert new.value == new.balance == Decimal("60.00") and new.replaces_id == voucher.pk and new.code != voucher.code
    with pytest.raises(RedemptionError) as exc:
        redeem(users["vendor.co"], code=voucher.code, amount="1", idempotency_key="r2")
    assert (exc.value.code, exc.value.status) == ("cancelled", 410)
    assert redeem(users["vendor.co"], code=new.code, amount="60", idempotency_key="r3").as_dict()["balance"] == "0.00"
    legs = LedgerEntry.objects.filter(kind="reissue").values_list("account", "amount")
    assert set(legs) == {(f"voucher:{voucher.pk}", Decimal("-60.00")), (f"voucher:{new.pk}", Decimal("60.00"))}
    with pytest.raises(ValidationError):
        services.reissue_voucher(users["officer.co"], voucher, reason="lost again")  # already cancelled
    with pytest.raises(PermissionDenied):
        services.reissue_voucher(users["volunteer.co"], new)
    assert list(violations()) == []


def test_expiry_returns_the_balance_to_the_programme(users, sp_co):
    prog, _shop, (voucher, other) = voucher_world(users, sp_co)
    redeem(users["vendor.co"], code=voucher.code, amount="25", idempotency_key="e1")
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.expire_vouchers() == 1
    voucher.refresh_from_db()
    assert voucher.status == "expired" and voucher.balance == 0
    returned = LedgerEntry.objects.get(kind="expiry", account=f"programme:{prog.pk}")
    assert returned.amount == Decimal("75.00")
    assert services.expire_vouchers() == 0
    figures = selectors.cycle_figures(users["officer.co"], prog.cycles.get())
    assert figures.issued == Decimal("200.00") and figures.redeemed == Decimal("25.00")
    assert figures.expired == Decimal("75.00") and figures.balance == Decimal("100.00")
    call_command("cash", "verify")


def test_settlement_and_reconciliation_to_the_cent(users, sp_co):
    prog, shop, (voucher, other) = voucher_world(users, sp_co)
    for key, (v, amount) in enumerate([(voucher, "10.10"), (voucher, "0.01"), (other, "33.33")]):
        redeem(users["vendor.co"], code=v.code, amount=amount, idempotency_key=str(key))
    today = timezone.localdate()
    rows = selectors.reconciliation(users["officer.co"], today, today)
    assert len(rows) == 1 and rows[0].redeemed == Decimal("43.44") and rows[0].ledger == Decimal("43.44")
    assert rows[0].matches and rows[0].owed == Decimal("43.44")
    (statement,) = services.create_settlement(users["officer.co"], shop, today, today)
    assert statement.amount == Decimal("43.44") and statement.redemptions.count() == 3
    with pytest.raises(ValidationError):
        services.create_settlement(users["officer.co"], shop, today, today)
    services.mark_settlement_paid(users["officer.co"], statement, "TRF-0001")
    rows = selectors.reconciliation(users["officer.co"], today, today)
    assert rows[0].settled == Decimal("43.44") and rows[0].owed == 0
    assert selectors.reconciliation(users["officer.pe"], today, today) == []
    assert list(violations()) == []


def test_verify_finds_a_tampered_balance(users, sp_co):
    _prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    call_command("cash", "verify")
    Voucher.objects.filter(pk=voucher.pk).update(balance=Decimal("99.00"))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="differs from its ledger"):
        call_command("cash", "verify")


def test_cash_transfers_are_idempotent_by_reference(users, sp_co):
    officer = users["officer.co"]
    prog = programme(officer, kind="mpc", delivery="transfer")
    homes = [household(users["volunteer.co"], f"Ana{i}", f"Cash{i}", phone="+573001112233") for i in range(2)]
    approved(officer, second_officer(sp_co.national_society), prog, homes)
    transfers = list(CashTransfer.objects.order_by("reference"))
    assert len(transfers) == 2 and Voucher.objects.count() == 0
    adapter = SimulatorAdapter(timeouts=1)
    first = services.send_transfer(officer, transfers[0], adapter)
    assert first.status == "pending"  # timed out after paying: outcome unknown
    again = services.send_transfer(officer, first, adapter)  # retry with the same reference
    assert again.status == "paid" and again.reference == first.reference
    assert adapter.paid_count == 1
    assert services.send_transfer(officer, again, adapter).status == "paid"
    assert adapter.paid_count == 1 and adapter.calls == 2
    # A refused account fails; the next attempt gets a new reference.
    adapter.fail_accounts.add("+573001112233")
    failed = services.send_transfer(officer, transfers[1], adapter)
    assert failed.status == "failed"
    adapter.fail_accounts.clear()
    retry = services.send_transfer(officer, failed, adapter)
    assert retry.attempt == 2 and retry.reference != failed.reference and retry.status == "paid"
    assert LedgerEntry.objects.filter(kind="transfer", amount__gt=0).count() == 2
    assert list(violations()) == []


def test_provider_report_import_is_idempotent_and_lists_mismatches(users, sp_co):
    officer = users["officer.co"]
    prog = programme(officer, kind="mpc", delivery="transfer")
    homes = [household(users["volunteer.co"], f"Ana{i}", f"Rep{i}", phone="+573001112233") for i in range(3)]
    approved(officer, second_officer(sp_co.national_society), prog, homes)
    a, b, c = CashTransfer.objects.order_by("reference")
    services.send_transfer(officer, c, SimulatorAdapter())  # paid on our side
    ns = sp_co.national_society
    report_csv = (
        "reference,amount,currency,status,provider_reference\n"
        f"{a.reference},100.00,COP,paid,MM-1\n"  # confirms a pending transfer: marks it paid
        f"{b.reference},99.00,COP,paid,MM-2\n"  # amount differs
        f"{c.reference},100.00,COP,failed,MM-3\n"  # we think it is paid
        "CT-UNKNOWN,10.00,COP,paid,MM-4\n"
    ).encode()
    report = services.import_provider_report(officer, ns, "mpesa", report_csv, file_name="day1.csv")
    a.refresh_from_db()
    assert a.status == "paid" and a.provider_reference == "MM-1"
    mismatches = dict(report.report_lines.exclude(mismatch="").values_list("reference", "mismatch"))
    assert mismatches == {
        b.reference: "amount_differs",
        c.reference: "status_differs",
        "CT-UNKNOWN": "unknown_reference",
    }
    before = (LedgerEntry.objects.count(), report.report_lines.count())
    assert services.import_provider_report(officer, ns, "mpesa", report_csv, file_name="again.csv").pk == report.pk
    # A later file repeating a line imports only the new one.
    later = services.import_provider_report(
        officer, ns, "mpesa", report_csv + f"{b.reference},100.00,COP,paid,MM-5\n".encode(), file_name="day2.csv"
    )
    assert later.pk != report.pk and later.lines == 5 and later.new_lines == 1
    b.refresh_from_db()
    assert b.status == "paid"
    assert LedgerEntry.objects.count() == before[0] + 2
    line = report.report_lines.get(reference="CT-UNKNOWN")
    with pytest.raises(ValidationError):
        services.resolve_mismatch(officer, line, "")
    services.resolve_mismatch(officer, line, "not ours, told the provider")
    line.refresh_from_db()
    assert line.resolved_by == officer
    with pytest.raises(PermissionDenied):
        services.import_provider_report(users["officer.pe"], ns, "mpesa", b"x")
    with pytest.raises(ValidationError):
        services.import_provider_report(officer, ns, "mpesa", b"foo,bar\n1,2\n")
    assert list(violations()) == []


def test_possible_duplicates_are_flagged_before_approval(users, sp_co):
    officer = users["officer.co"]
    prog = programme(officer)
    one = household(
        users["volunteer.co"], "Yusmary", "González", document_type="ve_cedula", document_number="V12345678"
    )
    two = household(users["volunteer.co"], "Yusmari", "Gonzales")
    other = household(users["volunteer.co"], "Pedro", "Ramírez")
    dlist = services.prepare_distribution_list(officer, prog.cycles.get(), household_ids=[one.pk, two.pk, other.pk])
    flagged = {line.household_id: line.possible_duplicates for line in dlist.lines.all()}
    assert flagged[one.pk] and flagged[two.pk] and not flagged[other.pk]
    assert flagged[one.pk][0]["score"] > 0


def test_check_question_at_the_shop(users, sp_co):
    prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    prog.check_question = "birth_year"
    prog.save()
    with pytest.raises(RedemptionError) as exc:
        redeem(users["vendor.co"], code=voucher.code, amount="5", idempotency_key="q1", check_answer="1991")
    assert exc.value.code == "check_failed"
    assert redeem(users["vendor.co"], code=voucher.code, amount="5", idempotency_key="q2", check_answer="1990")


def test_the_ledger_is_append_only(users, sp_co):
    voucher_world(users, sp_co, n=1)
    entry = LedgerEntry.objects.first()
    entry.amount = Decimal("1.00")
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    assert list(violations()) == []
