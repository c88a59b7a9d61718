"""Officer and vendor pages."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from caminante.cash.models import DistributionList, Programme, Redemption, Voucher
from caminante.core.models import AuditEvent
from tests.builders import fast_hashing  # noqa: F401
from tests.test_cash_helpers import household, second_officer, voucher_world

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_officer_creates_prepares_and_another_approves(users, sp_co):
    officer = _client(users["officer.co"])
    household(users["volunteer.co"], "Ana", "Niña", child_age=2)
    household(users["volunteer.co"], "Bea", "Sola")
    today = date.today()
    response = officer.post(
        reverse("cash-programme-new"),
        {
            "name": "Bonos niñez",
            "kind": "value_voucher",
            "delivery": "voucher",
            "currency": "cop",
            "transfer_rule": "fixed",
            "fixed_amount": "80.00",
            "budget_ceiling": "5000",
            "voucher_validity_days": "30",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=13)).isoformat(),
            "cycles": "2",
            "child_under_5": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    prog = Programme.objects.get(name="Bonos niñez")
    assert prog.currency == "COP" and prog.eligibility == {"any": [{"fact": "child_under_5"}]}
    assert prog.cycles.count() == 2 and prog.cycles.get(number=2).starts_on == today + timedelta(days=14)
    cycle = prog.cycles.get(number=1)
    officer.post(reverse("cash-cycle-prepare", args=[cycle.pk]))
    page = officer.get(reverse("cash-cycle", args=[cycle.pk])).content.decode()
    rows = page[page.find("<tbody>", page.find("Ana Niña") - 300) :]
    assert rows.index("Ana Niña") < rows.index("✓") < rows.index("Bea Sola") < rows.index("✗")
    assert 'id="approve"' not in page
    officer.post(reverse("cash-cycle-approve", args=[cycle.pk]))
    assert DistributionList.objects.get(cycle=cycle).status == "draft"
    other = _client(second_officer(sp_co.national_society))
    assert 'id="approve"' in other.get(reverse("cash-cycle", args=[cycle.pk])).content.decode()
    other.post(reverse("cash-cycle-approve", args=[cycle.pk]))
    assert DistributionList.objects.get(cycle=cycle).status == "approved"
    assert Voucher.objects.filter(programme=prog).count() == 1


def test_vendor_page_look_up_and_redeem(users, sp_co):
    _prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    vendor = _client(users["vendor.co"])
    page = vendor.get(reverse("vendor-home"))
    assert page.status_code == 200 and 'id="id_code"' in page.content.decode()
    found = vendor.post(reverse("vendor-home"), {"code": voucher.code.lower(), "action": "lookup"}).content.decode()
    person = voucher.entitlement.person
    assert person.given_names in found and ("100,00" in found or "100.00" in found)
    assert person.family_name_1 not in found
    assert 'max="100.00"' in found
    typo = voucher.code[:-1] + ("0" if voucher.code[-1] != "0" else "1")
    wrong = vendor.post(reverse("vendor-home"), {"code": typo, "action": "lookup"}).content.decode()
    assert 'id="redeem-error"' in wrong
    done = vendor.post(
        reverse("vendor-home"), {"code": voucher.code, "amount": "40", "key": "k-1", "action": "redeem"}
    ).content.decode()
    assert 'id="redeem-done"' in done and "60.00" in done
    # a double tap of "confirm" sends the same key: nothing is spent twice
    vendor.post(reverse("vendor-home"), {"code": voucher.code, "amount": "40", "key": "k-1", "action": "redeem"})
    assert Redemption.objects.count() == 1
    over = vendor.post(
        reverse("vendor-home"), {"code": voucher.code, "amount": "61", "key": "k-2", "action": "redeem"}
    ).content.decode()
    assert 'id="redeem-error"' in over


def test_voucher_page_qr_reissue_and_audit(users, sp_co):
    _prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    officer = _client(users["officer.co"])
    page = officer.get(reverse("cash-voucher", args=[voucher.pk])).content.decode()
    assert voucher.code in page and "data:image/svg+xml" in page
    assert AuditEvent.objects.filter(action="cash.voucher.view", object_id=str(voucher.pk)).exists()
    qr = officer.get(reverse("cash-voucher-qr", args=[voucher.pk]))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    response = officer.post(reverse("cash-voucher-reissue", args=[voucher.pk]), {"reason": "lost"})
    new = Voucher.objects.get(replaces=voucher)
    assert response["Location"] == reverse("cash-voucher", args=[new.pk])
    assert _client(users["officer.pe"]).get(reverse("cash-voucher", args=[new.pk])).status_code == 404
    assert _client(users["volunteer.co"]).get(reverse("cash-voucher", args=[new.pk])).status_code == 403


def test_statement_export_and_reconciliation_pages(users, sp_co):
    from caminante.cash import services

    _prog, shop, (voucher, _other) = voucher_world(users, sp_co)
    services.redeem(users["vendor.co"], code=voucher.code, amount="12.34", idempotency_key="s")
    officer = _client(users["officer.co"])
    today = date.today()
    officer.post(
        reverse("cash-vendor", args=[shop.pk]),
        {"action": "settle", "start": today.isoformat(), "end": today.isoformat()},
    )
    settlement = shop.settlements.get()
    csv = officer.get(reverse("cash-settlement-export", args=[settlement.pk])).content.decode()
    assert "12.34" in csv and voucher.code not in csv and voucher.entitlement.person.given_names not in csv
    officer.post(reverse("cash-settlement-paid", args=[settlement.pk]), {"reference": "TRF-9"})
    settlement.refresh_from_db()
    assert settlement.status == "paid" and settlement.paid_reference == "TRF-9"
    page = officer.get(reverse("cash-reconciliation")).content.decode()
    assert 'id="all-match"' in page and ("12,34" in page or "12.34" in page)
    token_page = officer.post(reverse("cash-vendor", args=[shop.pk]), {"action": "token", "username": "vendor.co"})
    assert 'id="api-token"' in token_page.content.decode()


def test_volunteer_sees_no_cash_on_the_person_page(users, sp_co):
    _prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    person = voucher.entitlement.person
    page = _client(users["volunteer.co"]).get(reverse("person", args=[person.pk])).content.decode()
    assert voucher.code not in page
    assert _client(users["volunteer.co"]).get(reverse("cash-programmes")).status_code == 403


def test_cycle_dashboard_reach_and_chart(users, sp_co):
    from caminante.cash import services

    prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    services.redeem(users["vendor.co"], code=voucher.code, amount="10", idempotency_key="d")
    page = _client(users["datamanager.co"]).get(reverse("cash-cycle", args=[prog.cycles.get().pk])).content.decode()
    reach = page[page.index('id="reach"') :]
    assert "<td>2</td>" in reach[: reach.index("</table>")]
    assert 'id="by-day"' in page and "width:100%" in page
