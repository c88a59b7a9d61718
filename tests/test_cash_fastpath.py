"""The redemption hot path (caminante/cash/fastpath.py): few queries, the same rows as the ORM wrote,
token authentication with the shop in one query, and no overspend from several shops at once."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import OperationalError, connection
from django.db.models import Sum
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from caminante.cash import services
from caminante.cash.ledger import violations
from caminante.cash.models import LedgerEntry, Redemption, Vendor, Voucher
from caminante.cash.services import RedemptionError, redeem
from caminante.core.roles import Role
from tests.builders import fast_hashing  # noqa: F401
from tests.conftest import make_user
from tests.test_cash_helpers import voucher_world

URL = "/api/v1/cash/redemptions/"


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _post(client, code, amount, key):
    return client.post(URL, {"voucher_code": code, "amount": amount}, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_one_redemption_over_the_api_takes_at_most_seven_queries(users, sp_co, django_assert_max_num_queries):
    """Token + user + shop (1), begin, locked voucher (1), spend (1), redemption and ledger (1 on
    PostgreSQL, 2 on SQLite), commit. It was 8 ORM queries before the token and the shop."""
    _prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    client = _token_client(users["vendor.co"])
    with django_assert_max_num_queries(7):
        response = _post(client, voucher.code, "30.00", "q-1")
    assert response.status_code == 201, response.content
    assert response.json()["balance"] == "70.00"
    # a replay is found by the lock query: no spend, one look-up of the first result
    with django_assert_max_num_queries(7):
        again = _post(client, voucher.code, "30.00", "q-1")
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("70.00")


@pytest.mark.django_db
def test_the_rows_written_are_those_of_a_balanced_redemption(users, sp_co):
    _prog, shop, (voucher, _other) = voucher_world(users, sp_co)
    result = redeem(users["vendor.co"], code=voucher.code, amount="100", idempotency_key="rows")
    assert result.as_dict()["status"] == "redeemed" and result.as_dict()["balance"] == "0.00"
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("0.00") and voucher.status == Voucher.Status.REDEEMED
    r = Redemption.objects.get()
    assert (r.pk, r.voucher_id, r.vendor_id, r.amount, r.balance_after) == (
        result.redemption.pk,
        voucher.pk,
        shop.pk,
        Decimal("100.00"),
        Decimal("0.00"),
    )
    assert r.national_society_id == shop.national_society_id and r.redeemed_by_id == users["vendor.co"].pk
    assert r.idempotency_key == "rows" and r.settlement_id is None
    legs = list(LedgerEntry.objects.filter(redemption=r).order_by("amount"))
    assert [(leg.account, leg.amount, leg.voucher_id, leg.vendor_id) for leg in legs] == [
        (f"voucher:{voucher.pk}", Decimal("-100.00"), voucher.pk, shop.pk),
        (f"vendor:{shop.pk}", Decimal("100.00"), None, shop.pk),
    ]
    assert {leg.kind for leg in legs} == {LedgerEntry.Kind.REDEMPTION}
    assert {leg.txn for leg in legs} == {legs[0].txn}
    assert {(leg.currency, leg.programme_id, leg.national_society_id) for leg in legs} == {
        (voucher.currency, voucher.programme_id, voucher.national_society_id)
    }
    assert {leg.at for leg in legs} == {r.redeemed_at}
    assert list(violations()) == []


@pytest.mark.django_db
def test_token_authentication_refuses_as_drf_does(users, sp_co):
    _prog, shop, (voucher, _other) = voucher_world(users, sp_co)
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    refused = _post(bad, voucher.code, "1", "a-1")
    assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"
    vendor_user = users["vendor.co"]
    client = _token_client(vendor_user)
    vendor_user.is_active = False
    vendor_user.save(update_fields=["is_active"])
    assert _post(client, voucher.code, "1", "a-2").status_code == 401
    vendor_user.is_active = True
    vendor_user.save(update_fields=["is_active"])
    Vendor.objects.filter(pk=shop.pk).update(active=False)  # a closed shop: the token still authenticates
    closed = _post(client, voucher.code, "1", "a-3")
    assert closed.status_code == 403
    Vendor.objects.filter(pk=shop.pk).update(active=True)
    assert _post(client, voucher.code, "1", "a-4").status_code == 201
    assert not Redemption.objects.filter(idempotency_key__in=["a-1", "a-2", "a-3"]).exists()


@pytest.mark.django_db
def test_a_token_without_a_shop_and_a_session_still_behave(users, sp_co, client):
    _prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    loner = make_user(Role.VENDOR, national_society=sp_co.national_society, username="vendor.loner")
    assert _post(_token_client(loner), voucher.code, "1", "s-1").status_code == 403
    officer = _token_client(users["officer.co"])
    assert _post(officer, voucher.code, "1", "s-2").status_code == 403
    client.force_login(users["vendor.co"])  # the session still authenticates the API
    done = client.post(
        URL, {"voucher_code": voucher.code, "amount": "1"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="s-3"
    )
    assert done.status_code == 201 and done.json()["balance"] == "99.00"


@pytest.mark.django_db
def test_a_key_reused_for_another_voucher_or_amount_is_a_conflict_even_when_used_up(users, sp_co):
    _prog, _shop, (voucher, other) = voucher_world(users, sp_co)
    first = redeem(users["vendor.co"], code=voucher.code, amount="100", idempotency_key="k")
    # the voucher is used up now: a replay still returns the first result, not "used_up"
    assert redeem(users["vendor.co"], code=voucher.code, amount="100", idempotency_key="k").replayed
    for code, amount in ((voucher.code, "99"), (other.code, "100")):
        with pytest.raises(RedemptionError) as exc:
            redeem(users["vendor.co"], code=code, amount=amount, idempotency_key="k")
        assert exc.value.code == "idempotency_conflict"
    assert Redemption.objects.get().pk == first.redemption.pk
    other.refresh_from_db()
    assert other.balance == Decimal("100.00")


@pytest.mark.django_db(transaction=True)
def test_bursts_from_several_shops_on_one_voucher_never_overspend(users, sp_co):
    """Four shops spend the whole voucher at the same moment, twice each: one wins."""
    prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    shop_users = [users["vendor.co"]]
    for i in range(3):
        shop_user = make_user(Role.VENDOR, national_society=sp_co.national_society, username=f"vendor.burst{i}")
        shop = services.onboard_vendor(users["officer.co"], sp_co.national_society, name=f"Shop {i}", programmes=[prog])
        services.add_vendor_user(users["officer.co"], shop, shop_user)
        shop_users.append(shop_user)
    outcomes, errors = [], []
    start = threading.Barrier(8)

    def work(i):
        try:
            start.wait()
            for _attempt in range(200):
                try:
                    redeem(shop_users[i % 4], code=voucher.code, amount="100.00", idempotency_key=f"b{i}")
                    outcomes.append("ok")
                    return
                except RedemptionError as exc:
                    outcomes.append(exc.code)
                    return
                except OperationalError:  # SQLite's test database: locked, retry like a client
                    time.sleep(0.005)
            errors.append("gave up")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "used_up", "insufficient_balance"}
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("0.00") and voucher.status == Voucher.Status.REDEEMED
    assert Redemption.objects.aggregate(t=Sum("amount"))["t"] == Decimal("100.00")
    assert list(violations()) == []
