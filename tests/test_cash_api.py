"""The vendor redemption API and the officers' voucher list."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from caminante.cash import services
from caminante.cash.models import Redemption, Voucher
from tests.builders import fast_hashing  # noqa: F401
from tests.conftest import PASSWORD
from tests.test_cash_helpers import programme, vendor, voucher_world

pytestmark = pytest.mark.django_db
URL = "/api/v1/cash/redemptions/"


def _api(username):
    token = APIClient().post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


def _redeem(client, code, amount, key):
    return client.post(URL, {"voucher_code": code, "amount": amount}, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_redeem_partly_then_fully_with_replay(users, sp_co):
    _prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    client = _api("vendor.co")
    first = _redeem(client, voucher.code, "25.00", "a1")
    assert first.status_code == 201, first.content
    body = first.json()
    assert set(body) == {"id", "voucher_code", "amount", "balance", "currency", "status"}
    assert body["balance"] == "75.00" and body["currency"] == "COP" and body["status"] == "active"
    replay = _redeem(client, voucher.code, "25.00", "a1")
    assert replay.json()["id"] == body["id"] and replay.json()["balance"] == "75.00"
    assert Redemption.objects.count() == 1
    over = _redeem(client, voucher.code, "75.01", "a2")
    assert over.status_code == 409 and over.json()["code"] == "insufficient_balance" and over.json()["message"]
    full = _redeem(client, voucher.code, "75", "a3")
    assert full.status_code == 201 and full.json()["status"] == "redeemed" and full.json()["balance"] == "0.00"
    used = _redeem(client, voucher.code, "1", "a4")
    assert used.status_code == 409 and used.json()["code"] == "used_up"
    listed = client.get(URL).json()
    assert listed["count"] == 2


def test_errors(users, sp_co):
    prog, shop, (voucher, other) = voucher_world(users, sp_co)
    client = _api("vendor.co")
    from caminante.cash.codes import new_voucher_code

    assert _redeem(client, new_voucher_code(), "1", "e1").status_code == 404
    typo = voucher.code[:-1] + ("0" if voucher.code[-1] != "0" else "1")
    bad = _redeem(client, typo, "1", "e2")
    assert bad.status_code == 400 and bad.json()["code"] == "check_character"
    assert _redeem(client, voucher.code, "1", "").json()["code"] == "idempotency_key_missing"
    assert client.post(URL, {"voucher_code": voucher.code, "amount": "1", "x": 1}, format="json").status_code == 400
    services.reissue_voucher(users["officer.co"], voucher, reason="lost phone")
    gone = _redeem(client, voucher.code, "1", "e3")
    assert gone.status_code == 410 and gone.json()["code"] == "cancelled"
    Voucher.objects.filter(pk=other.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert _redeem(client, other.code, "1", "e4").status_code == 410
    prog.vendors.remove(shop)
    new = Voucher.objects.get(replaces=voucher)
    forbidden = _redeem(client, new.code, "1", "e5")
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "vendor_not_allowed"
    # only vendors redeem
    assert _redeem(_api("officer.co"), new.code, "1", "e6").status_code == 403
    assert APIClient().post(URL, {"voucher_code": new.code, "amount": "1"}, format="json").status_code in (401, 403)


def test_vendor_lookup_and_scoping(users, sp_co, sp_pe):
    _prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    got = _api("vendor.co").get(f"/api/v1/cash/vendor/vouchers/{voucher.code.lower()}/")
    assert (
        got.status_code == 200
        and got.json()["balance"] == "100.00"
        and got.json()["first_name"] == voucher.entitlement.person.given_names
    )
    assert "family" not in str(got.json()).lower()
    prog_pe = programme(users["officer.pe"], currency="PEN")
    vendor(users["officer.pe"], prog_pe, users["vendor.pe"], name="Bodega")
    pe = _api("vendor.pe")
    assert pe.get(f"/api/v1/cash/vendor/vouchers/{voucher.code}/").status_code == 404
    assert _redeem(pe, voucher.code, "1", "p1").status_code == 404
    assert Redemption.objects.count() == 0


def test_officers_list_vouchers(users, sp_co):
    prog, _shop, vouchers = voucher_world(users, sp_co)
    services.redeem(users["vendor.co"], code=vouchers[0].code, amount="100", idempotency_key="z")
    client = _api("officer.co")
    body = client.get(f"/api/v1/cash/vouchers/?programme={prog.pk}&status=active").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["code"] == vouchers[1].code and Decimal(row["value"]) == Decimal("100") and row["currency"] == "COP"
    assert {"code", "value", "balance", "currency", "status", "expires_at"} <= set(row)
    # Filters are validated: a malformed programme id or an unknown status is a 400, not an empty page.
    assert client.get("/api/v1/cash/vouchers/?programme=nonsense").json()["errors"]["programme"]
    assert client.get("/api/v1/cash/vouchers/?status=spent-ish").status_code == 400
    assert _api("officer.pe").get("/api/v1/cash/vouchers/").json()["count"] == 0
    assert _api("officer.pe").get(f"/api/v1/cash/vouchers/{vouchers[0].pk}/").status_code == 404
    assert _api("vendor.co").get("/api/v1/cash/vouchers/").status_code == 403
    assert _api("volunteer.co").get("/api/v1/cash/vouchers/").status_code == 403


def test_schema_documents_the_cash_api(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/cash/redemptions/" in schema["paths"]
    post = schema["paths"]["/api/v1/cash/redemptions/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post["parameters"])
    assert "/api/v1/cash/vouchers/" in schema["paths"]
