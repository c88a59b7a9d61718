"""Simultaneous redemptions of one voucher can never overspend (SQLite and PostgreSQL)."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import OperationalError, connection
from django.db.models import F, Sum

from caminante.cash import services
from caminante.cash.ledger import violations
from caminante.cash.models import Redemption, Voucher
from caminante.cash.services import RedemptionError, redeem
from tests.builders import fast_hashing  # noqa: F401
from tests.test_cash_helpers import voucher_world


@pytest.mark.django_db
def test_the_conditional_update_refuses_a_stale_read(users, sp_co, monkeypatch):
    """Another redemption commits between our read and our update: the guarded UPDATE refuses."""
    _prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    real_check = services._check_answer

    def someone_else_spends_first(v, answer):
        real_check(v, answer)
        Voucher.objects.filter(pk=v.pk).update(balance=F("balance") - Decimal("70.00"))

    monkeypatch.setattr(services, "_check_answer", someone_else_spends_first)
    with pytest.raises(RedemptionError) as exc:
        redeem(users["vendor.co"], code=voucher.code, amount="70.00", idempotency_key="stale")
    assert exc.value.code == "insufficient_balance"
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("100.00")  # everything rolled back
    assert not Redemption.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_redemptions_never_overspend(users, sp_co):
    _prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    vendor_user = users["vendor.co"]
    outcomes, errors = [], []
    start = threading.Barrier(8)

    def work(i):
        try:
            start.wait()
            for _attempt in range(200):
                try:
                    result = redeem(vendor_user, code=voucher.code, amount="30.00", idempotency_key=f"t{i}")
                    outcomes.append(("ok", result.as_dict()["balance"]))
                    return
                except RedemptionError as exc:
                    outcomes.append((exc.code, None))
                    return
                except OperationalError:  # SQLite's in-memory test database: locked, retry like a client
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
    assert sorted(code for code, _b in outcomes).count("ok") == 3
    assert {code for code, _b in outcomes} <= {"ok", "insufficient_balance"}
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("10.00")
    assert Redemption.objects.aggregate(t=Sum("amount"))["t"] == Decimal("90.00")
    assert list(violations()) == []


@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_twice_at_once_spends_once(users, sp_co):
    _prog, _shop, (voucher, _other) = voucher_world(users, sp_co)
    results, errors = [], []
    start = threading.Barrier(4)

    def work():
        try:
            start.wait()
            for _attempt in range(200):
                try:
                    results.append(redeem(users["vendor.co"], code=voucher.code, amount="40", idempotency_key="same"))
                    return
                except OperationalError:
                    time.sleep(0.005)
            errors.append("gave up")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len({r.redemption.pk for r in results}) == 1
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("60.00")
