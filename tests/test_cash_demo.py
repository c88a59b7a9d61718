"""The cash demo: a running voucher programme in Colombia, vendor.co can redeem, idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from caminante.cash.ledger import violations
from caminante.cash.models import DistributionList, Programme, Redemption, Voucher
from caminante.core.demo import DEMO_PASSWORD
from tests.builders import fast_hashing  # noqa: F401

pytestmark = pytest.mark.django_db


def test_demo_voucher_programme_and_vendor(settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", people=300, stdout=StringIO())
    programme = Programme.objects.get(national_society__country="CO")
    assert DistributionList.objects.get(cycle__programme=programme, cycle__number=1).status == "approved"
    active = Voucher.objects.filter(programme=programme, status="active")
    assert active.count() >= 3
    assert Redemption.objects.filter(vendor__programmes=programme).count() >= 1
    counts = (Programme.objects.count(), Voucher.objects.count(), Redemption.objects.count())
    from caminante.cash import demo
    from caminante.core.demo import ensure_demo_users, ensure_service_points

    points = ensure_service_points()
    assert demo.seed(points, ensure_demo_users(points)) is None
    assert (Programme.objects.count(), Voucher.objects.count(), Redemption.objects.count()) == counts
    assert list(violations()) == []
    client = Client()
    response = client.post("/login/", {"username": "vendor.co", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"].endswith("/cash/vendor/")
    voucher = active.first()
    page = client.post("/cash/vendor/", {"code": voucher.code, "action": "lookup"}).content.decode()
    assert 'id="voucher-found"' in page
