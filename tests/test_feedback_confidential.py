"""An abuse report logged by a volunteer is visible to the designated focal point and to nobody
else: every role, every page, the API, the export and the dashboards (which show a count only)."""

import csv
import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from caminante.core.models import AuditEvent
from caminante.core.roles import Role
from caminante.feedback.models import FeedbackItem
from caminante.feedback.selectors import confidential_for, items_for, receipts_for
from caminante.feedback.services import designate_focal_point, receive_feedback
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


WORDS = "El voluntario Pedro me pidió sexo a cambio de ponerme en la lista del bono"


@pytest.fixture
def report(users, sp_co):
    designate_focal_point(users["datamanager.co"], users["protection.co"])
    item = receive_feedback(users["volunteer.co"], national_society=sp_co.national_society, channel="hsp", text=WORDS)
    # enough ordinary items that the dashboards show their cells
    for _n in range(6):
        receive_feedback(users["volunteer.co"], national_society=sp_co.national_society, channel="hsp", text="Gracias")
    return item


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_report_is_sealed_and_routed(report):
    assert report.is_confidential and report.text == ""
    assert WORDS not in report.sealed_text and report.words == WORDS


def test_only_the_designated_focal_point_reads_it(users, report, sp_co):
    focal = _client(users["protection.co"])
    page = focal.get(reverse("feedback-confidential-item", kwargs={"confidential_id": report.pk}))
    assert page.status_code == 200 and WORDS in page.content.decode()
    assert report.code in focal.get(reverse("feedback-confidential")).content.decode()
    undesignated = make_user(Role.PROTECTION, national_society=sp_co.national_society, username="protection2.co")
    other_pe = users["protection.pe"]
    designate_focal_point(users["datamanager.pe"], other_pe)
    for user in (undesignated, other_pe):
        client = _client(user)
        url = reverse("feedback-confidential-item", kwargs={"confidential_id": report.pk})
        assert client.get(url).status_code == 404
        assert report.code not in client.get(reverse("feedback-confidential")).content.decode()


@pytest.mark.parametrize(
    "username",
    [
        "volunteer.co",
        "coordinator.co",
        "officer.co",
        "datamanager.co",
        "analyst",
        "admin",
        "volunteer.pe",
        "officer.pe",
        "vendor.co",
        "partner.co",
    ],
)
def test_nobody_else_reads_it_on_any_page_or_the_api(users, report, username):
    user = users[username]
    client = _client(user)
    pk = report.pk
    # the confidential page: 403 for roles that never open it, 404 for everyone else
    status = client.get(reverse("feedback-confidential-item", kwargs={"confidential_id": pk})).status_code
    assert status in (403, 404)
    # the ordinary item page and its actions
    assert client.get(reverse("feedback-item", kwargs={"feedback_id": pk})).status_code in (403, 404)
    post = client.post(reverse("feedback-act", kwargs={"feedback_id": pk}), {"action": "move", "status": "closed"})
    assert post.status_code in (403, 404)
    # lists and search
    for name in ("feedback-list", "feedback-logged", "feedback-confidential", "feedback-dashboard", "feedback-trends"):
        response = client.get(reverse(name), {"q": "sexo"})
        body = response.content.decode() if response.status_code == 200 else ""
        assert WORDS not in body
        if username != "volunteer.co" or name != "feedback-logged":
            assert report.code not in body, (username, name)
    # the API
    token_client = client
    assert token_client.get(f"/api/v1/feedback/items/{pk}/").status_code in (403, 404)
    listing = token_client.get("/api/v1/feedback/items/")
    assert str(pk) not in listing.content.decode() and report.code not in listing.content.decode()
    # the exports
    for kind in ("csv", "xlsx"):
        response = client.get(reverse("feedback-export"), {"as": kind})
        if response.status_code != 200:
            continue
        content = response.content
        if kind == "xlsx":
            content = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
        assert b"sexo" not in content and report.code.encode() not in content
    assert FeedbackItem.objects.get(pk=pk).status == "received"


def test_the_volunteer_who_logged_it_sees_only_that_it_was_received(users, report):
    client = _client(users["volunteer.co"])
    assert report in receipts_for(users["volunteer.co"])
    page = client.get(reverse("feedback-receipt", kwargs={"feedback_id": report.pk})).content.decode()
    assert report.code in page and WORDS not in page
    assert "Received. It has been passed on" in page or "Recibido. Se ha pasado" in page
    logged = client.get(reverse("feedback-logged")).content.decode()
    assert report.code in logged and WORDS not in logged


def test_the_staff_member_involved_never_sees_it_even_as_focal_point(users, report, sp_co):
    accused = make_user(Role.PROTECTION, national_society=sp_co.national_society, username="accused.co")
    designate_focal_point(users["datamanager.co"], accused)
    assert report in confidential_for(accused)
    report.involved_user = accused
    report.save()
    assert report not in confidential_for(accused) and report in confidential_for(users["protection.co"])
    assert (
        _client(accused).get(reverse("feedback-confidential-item", kwargs={"confidential_id": report.pk})).status_code
        == 404
    )


def test_every_read_is_audited(users, report):
    focal = _client(users["protection.co"])
    url = reverse("feedback-confidential-item", kwargs={"confidential_id": report.pk})
    before = AuditEvent.objects.filter(action="feedback.confidential.read", object_id=str(report.pk)).count()
    focal.get(url)
    focal.get(url)
    reads = AuditEvent.objects.filter(action="feedback.confidential.read", object_id=str(report.pk))
    assert reads.count() == before + 2 and reads.last().actor_username == "protection.co"
    focal.get(reverse("feedback-confidential"))
    assert AuditEvent.objects.filter(action="feedback.confidential.list", actor_username="protection.co").exists()
    # a protection officer who is not designated is refused, and the attempt is on the record
    undesignated = make_user(Role.PROTECTION, national_society=report.national_society, username="protection3.co")
    assert _client(undesignated).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor_username="protection3.co").exists()


def test_dashboards_count_it_and_nothing_more(users, report, sp_co):
    for _n in range(5):
        receive_feedback(
            users["volunteer.co"],
            national_society=sp_co.national_society,
            channel="hsp",
            text="Me amenazaron de muerte en la trocha",
        )
    page = _client(users["analyst"]).get(reverse("feedback-dashboard")).content.decode()
    assert 'id="confidential-count">6<' in page
    assert "amenaz" not in page and WORDS not in page
    rows = list(csv.reader(io.StringIO(_client(users["analyst"]).get(reverse("feedback-export")).content.decode())))
    assert rows[1][0] == "#date+week"
    confidential = [row for row in rows[2:] if row[2] == "confidential"]
    assert confidential and all(row[3] == "" and row[4] == "" for row in confidential)
    assert sum(int(row[5]) for row in confidential if row[5].isdigit()) == 6


def test_the_focal_point_handles_it_through_its_own_procedure(users, report):
    focal = _client(users["protection.co"])
    url = reverse("feedback-confidential-item", kwargs={"confidential_id": report.pk})
    response = focal.post(
        url,
        {
            "action": "code",
            "type_key": "concern",
            "category_key": "c_sea",
            "code_key": "c_sea_exploitation",
            "sensitivity": "sensitive",
            "criticality": "urgent",
            "involved_user": str(users["volunteer.co"].pk),
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.category_key == "c_sea" and report.involved_user == users["volunteer.co"]
    focal.post(url, {"action": "move", "status": "acknowledged"})
    focal.post(url, {"action": "move", "status": "referred_internal", "note": "Investigación PSEA"})
    report.refresh_from_db()
    assert report.status == "referred_internal"
    # still out of the ordinary queue while it follows its own procedure
    assert report.pk not in items_for(users["officer.co"]).values_list("pk", flat=True)


def test_only_the_person_who_logged_it_sees_its_receipt(users, report):
    url = reverse("feedback-receipt", kwargs={"feedback_id": report.pk})
    for username in ("coordinator.co", "officer.co", "admin"):
        assert _client(users[username]).get(url).status_code == 404, username
    assert report not in receipts_for(users["officer.co"])
