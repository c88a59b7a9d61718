"""A shop redeems a voucher from a phone: log in, type the code (a typo first), see what is left, pay part."""

import re

import pytest
from playwright.sync_api import expect

from caminante.cash.models import Redemption
from tests.conftest import PASSWORD
from tests.test_cash_helpers import voucher_world

from .conftest import PHONE

pytestmark = pytest.mark.e2e


def test_vendor_redeems_a_voucher_on_a_phone(live_server, new_page, users, sp_co, artifacts):
    _prog, shop, (voucher, _other) = voucher_world(users, sp_co)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "vendor.co")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/cash/vendor/$"))
    expect(page.locator("h1")).to_have_text(shop.name)

    typo = voucher.code[:-1] + ("0" if voucher.code[-1] != "0" else "1")
    page.fill("#id_code", typo)
    page.click("button[value=lookup]")
    expect(page.locator("#redeem-error")).to_contain_text("error de digitación")

    page.fill("#id_code", voucher.code.lower().replace("-", " "))
    page.click("button[value=lookup]")
    expect(page.locator("#first-name")).to_have_text(voucher.entitlement.person.given_names)
    expect(page.locator("#balance")).to_have_text("100,00 COP")
    page.fill("#id_amount", "30")
    page.screenshot(path=str(artifacts / "cash-vendor-phone.png"), full_page=True)
    page.click("#confirm")
    expect(page.locator("#redeem-done")).to_contain_text("70.00")
    assert Redemption.objects.get().amount == 30

    # Over the balance: a clear error, nothing spent.
    page.fill("#id_code", voucher.code)
    page.click("button[value=lookup]")
    page.fill("#id_amount", "70.01")
    page.evaluate("document.querySelector('#id_amount').removeAttribute('max')")
    page.click("#confirm")
    expect(page.locator("#redeem-error")).to_contain_text("70.00 COP")
    assert Redemption.objects.count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page fits the phone's width"
