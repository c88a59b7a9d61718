"""The RFL demo: `rfl.co` logs in with the demo password and finds open requests, one of which
the engine matches with a person registered at another service point."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from caminante.core.demo import DEMO_PASSWORD
from caminante.core.models import User
from caminante.rfl import reciprocal
from caminante.rfl.models import DeceasedRecord, Status, TracingCandidate, TracingRequest
from tests.builders import fast_hashing  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_rfl_demo(settings):
    settings.DEMO_MODE = True
    out = StringIO()
    call_command("seed_demo", people=300, stdout=out)
    assert "RFL: 6 tracing requests for rfl.co" in out.getvalue()
    officer = User.objects.get(username="rfl.co")
    cases = TracingRequest.objects.filter(national_society_id=officer.national_society_id)
    assert cases.count() == 6 and cases.filter(status=Status.OPEN).count() == 5
    matched = cases.get(status=Status.SEARCHING)
    best = TracingCandidate.objects.filter(tracing_request=matched).order_by("-score").first()
    assert best is not None and best.person.service_point_id != matched.service_point_id
    assert best.person.given_names.split()[0] == matched.sought["given_names"]
    # A second run changes nothing.
    call_command("seed_demo", people=300, stdout=StringIO())
    assert TracingRequest.objects.count() == 6 and DeceasedRecord.objects.count() == 1
    logins = StringIO()
    call_command("print_demo_logins", stdout=logins)
    assert "rfl.co" in logins.getvalue()
    client = Client()
    assert client.post(reverse("login"), {"username": "rfl.co", "password": DEMO_PASSWORD}).status_code == 302
    page = client.get(reverse("rfl-list")).content.decode()
    assert matched.code in page
    # The sister and the brother looking for each other: each request finds the other, and only it.
    pairs = {case.code: [o.code for o in reciprocal.each_other(officer, case)] for case in cases}
    linked = {code: others for code, others in pairs.items() if others}
    assert len(linked) == 2
    (a, [b]), (c, [d]) = linked.items()
    assert (a, b) == (d, c)
    detail = client.get(reverse("rfl-request", kwargs={"tracing_id": cases.get(code=a).pk})).content.decode()
    assert 'id="each-other"' in detail and b in detail
    # The deceased-migrant record, on its page, with the rule that a person tells the family.
    record = DeceasedRecord.objects.get(national_society_id=officer.national_society_id)
    assert "Medicina Legal" not in record.sealed
    page = client.get(reverse("rfl-deceased", kwargs={"deceased_id": record.pk})).content.decode()
    assert 'id="told-by-a-person"' in page and "Medicina Legal" in page
