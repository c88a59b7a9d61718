"""Pages: the public map (no login, no JavaScript needed, three languages, light), the referral
page, the partner's secure link and account, the directory pages."""
# ruff: noqa: F811 - pytest fixtures imported from tests/test_referrals_builders.py

import gzip
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from caminante.core.models import AuditEvent, OutboxMessage
from caminante.referrals import services
from caminante.referrals.models import DirectoryService, Referral, Status
from tests.test_referrals_builders import add_service, clinic, legal_aid, partner, person  # noqa: F401

pytestmark = pytest.mark.django_db
PAGE_BUDGET = 150 * 1024


def send(user, person, service, need="legal-help"):
    return services.send_referral(
        user, person=person, need=need, service=service, consent=True, base_url="http://testserver"
    )


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


# ---- public map ---------------------------------------------------------------------------------


@pytest.fixture
def places(sp_co, sp_pe):
    add_service(name="Clínica jurídica Cúcuta", lat=7.89, lon=-72.50, what_to_bring="Cédula", opening_hours="Lun 8-12")
    add_service(name="Albergue Maicao", service_type="shelter", city="Maicao", lat=11.38, lon=-72.24)
    add_service(country="PE", name="Asesoría Lima", city="Lima", lat=-12.05, lon=-77.04)
    add_service(name="Oculto", published=False)


def test_public_map_lists_without_login(client, places, sp_co):
    response = client.get(reverse("service-map"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("Clínica jurídica Cúcuta", "Albergue Maicao", "Asesoría Lima", sp_co.name):
        assert name in html
    assert "Oculto" not in html
    assert "Cédula" in html and "Lun 8-12" in html
    # the list and the filters are plain HTML: a GET form, no script needed
    assert '<form method="get" class="filters"' in html
    assert "leaflet.js" not in re.findall(r"<script[^>]*>", html)[0] if re.findall(r"<script[^>]*>", html) else True


def test_filters_by_country_city_and_service(client, places, sp_co, sp_pe):
    html = client.get(reverse("service-map"), {"country": "PE"}).content.decode()
    assert "Asesoría Lima" in html and "Clínica jurídica Cúcuta" not in html and sp_pe.name in html
    html = client.get(reverse("service-map"), {"country": "CO", "city": "Maicao"}).content.decode()
    assert "Albergue Maicao" in html and "Clínica jurídica Cúcuta" not in html
    html = client.get(reverse("service-map"), {"service": "legal-aid"}).content.decode()
    assert "Clínica jurídica Cúcuta" in html and "Asesoría Lima" in html and "Albergue Maicao" not in html
    assert sp_co.name not in html  # the test HSP offers the catalogue's services, not legal aid
    # nonsense parameters are ignored, never an error
    assert client.get(reverse("service-map"), {"country": "ZZ", "lat": "abc", "service": "<x>"}).status_code == 200


def test_near_me_orders_by_distance(client, places):
    html = client.get(reverse("service-map"), {"lat": "11.37", "lon": "-72.23"}).content.decode()
    assert html.index("Albergue Maicao") < html.index("Clínica jurídica Cúcuta") < html.index("Asesoría Lima")
    assert " km" in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [("es", "Dónde encontrar ayuda"), ("pt", "Onde encontrar ajuda"), ("en", "Where to get help")],
)
def test_map_in_three_languages(client, places, language, expected):
    response = client.get(reverse("service-map"), HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert expected in html


def first_load_bytes(html: str) -> dict[str, int]:
    """gzip sizes of the HTML and of every stylesheet and script it loads (what a first visit transfers)."""
    sizes = {"html": len(gzip.compress(html.encode(), 6))}
    for url in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(r'<script src="([^"]+)"', html):
        path = finders.find(url.removeprefix("/static/"))
        assert path, url
        sizes[url] = len(gzip.compress(Path(path).read_bytes(), 6))
    return sizes


def test_first_load_is_under_150_kb_and_leaflet_is_lazy(client, places):
    for i in range(60):  # a country's worth of places
        add_service(name=f"Servicio {i}", lat=7 + i / 100, lon=-72.5)
    html = client.get(reverse("service-map"), {"country": "CO"}).content.decode()
    sizes = first_load_bytes(html)
    assert not any("leaflet" in url for url in sizes)  # loaded only when the map is opened
    assert sum(sizes.values()) < PAGE_BUDGET, sizes
    # even with the map opened, Leaflet keeps it under the budget
    leaflet = sum(
        len(gzip.compress(Path(finders.find(f"referrals/vendor/leaflet/{f}")).read_bytes(), 6))
        for f in ("leaflet.js", "leaflet.css")
    )
    assert sum(sizes.values()) + leaflet < PAGE_BUDGET


def test_map_carries_the_tile_url_setting(client, places, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = client.get(reverse("service-map")).content.decode()
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in html


# ---- refer a person -----------------------------------------------------------------------------


def test_refer_page_shows_services_and_what_is_sent(client, users, person, legal_aid):
    client.force_login(users["volunteer.co"])
    url = reverse("person-refer", kwargs={"person_id": person.pk})
    html = client.get(url, {"need": "legal-help"}).content.decode()
    assert legal_aid.name in html and "km" in html
    assert person.full_name in html and 'id="shared-preview"' in html
    response = client.post(url, {"need": "legal-help", "service": str(legal_aid.pk), "note": "x"})
    assert response.status_code == 200 and not Referral.objects.exists()  # no consent, nothing sent
    response = client.post(url, {"need": "legal-help", "service": str(legal_aid.pk), "note": "x", "consent": "on"})
    referral = Referral.objects.get()
    assert response.status_code == 302 and response.url == reverse("referral", kwargs={"referral_id": referral.pk})
    assert referral.status == Status.SENT and referral.service == legal_aid


def test_refer_page_refuses_other_country(client, users, person):
    client.force_login(users["volunteer.pe"])
    assert client.get(reverse("person-refer", kwargs={"person_id": person.pk})).status_code == 404


def test_staff_detail_is_audited_and_urgent_only_for_protection(client, users, person, catalogue):
    child = add_service(name="ICBF", service_type="child-protection")
    referral = send(users["volunteer.co"], person, child, need="unaccompanied-child").referral
    url = reverse("referral", kwargs={"referral_id": referral.pk})
    for name in ("volunteer.co", "officer.co", "admin"):
        client.force_login(users[name])
        assert client.get(url).status_code == 404, name
    client.force_login(users["protection.co"])
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(
        action="referral.viewed", object_id=str(referral.pk), actor_username="protection.co"
    ).exists()


# ---- the partner's secure link ----------------------------------------------------------------------


def test_link_shows_only_its_referral_and_expires(client, users, person, legal_aid, catalogue):
    first = send(users["volunteer.co"], person, legal_aid)
    second = send(users["volunteer.co"], person, add_service(name="Otro servicio", organisation=None))
    response = client.get(reverse("referral-link", kwargs={"token": token_of(first.link)}))
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert first.referral.code in html and second.referral.code not in html and person.full_name in html
    assert Referral.objects.get(pk=first.referral.pk).status == Status.RECEIVED
    assert AuditEvent.objects.filter(
        action="referral.viewed", object_id=str(first.referral.pk), data__via="link"
    ).exists()
    # a made-up or tampered token is a 404, and one referral's token never opens another
    token = token_of(first.link)
    tampered = token[:-1] + ("B" if token[-1] == "A" else "A")  # always a different last character
    assert client.get(reverse("referral-link", kwargs={"token": tampered})).status_code == 404
    assert client.get(reverse("referral-link", kwargs={"token": "x" * 43})).status_code == 404
    # expired
    Referral.objects.filter(pk=first.referral.pk).update(token_expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(reverse("referral-link", kwargs={"token": token_of(first.link)})).status_code == 404
    assert (
        client.post(reverse("referral-link", kwargs={"token": token_of(first.link)}), {"action": "accept"}).status_code
        == 404
    )
    assert Referral.objects.get(pk=first.referral.pk).status == Status.RECEIVED


def test_partner_answers_through_the_link(client, users, person, legal_aid):
    sent = send(users["volunteer.co"], person, legal_aid)
    url = reverse("referral-link", kwargs={"token": token_of(sent.link)})
    assert client.post(url, {"action": "decline", "reason": ""}).status_code == 302
    assert Referral.objects.get().status == Status.SENT  # a reason is required
    client.post(url, {"action": "accept"})
    assert Referral.objects.get().status == Status.ACCEPTED
    client.post(url, {"action": "given", "note": "Asesoría dada"})
    referral = Referral.objects.get()
    assert referral.status == Status.SERVICE_GIVEN and referral.outcome_note == "Asesoría dada"
    # the referring volunteer sees it on the referral's page
    client.force_login(users["volunteer.co"])
    html = client.get(reverse("referral", kwargs={"referral_id": referral.pk})).content.decode()
    assert "Asesoría dada" in html


# ---- partner account ------------------------------------------------------------------------------------


def test_partner_account_sees_only_its_organisation(client, users, person, legal_aid, partner, catalogue):
    mine = send(users["volunteer.co"], person, legal_aid).referral
    other = send(users["volunteer.co"], person, add_service(name="Otro", organisation=None)).referral
    client.force_login(partner)
    html = client.get(reverse("partner-home")).content.decode()
    assert mine.code in html and other.code not in html
    assert client.get(reverse("partner-referral", kwargs={"referral_id": other.pk})).status_code == 404
    assert client.get(reverse("partner-referral", kwargs={"referral_id": mine.pk})).status_code == 200
    client.post(reverse("partner-referral", kwargs={"referral_id": mine.pk}), {"action": "accept"})
    assert Referral.objects.get(pk=mine.pk).status == Status.ACCEPTED
    client.post(reverse("partner-referral", kwargs={"referral_id": other.pk}), {"action": "accept"})
    assert Referral.objects.get(pk=other.pk).status == Status.SENT
    # partners never reach the registry or staff pages
    assert client.get(reverse("referrals")).status_code == 403
    assert client.get(reverse("person", kwargs={"person_id": person.pk})).status_code in (403, 404)


def test_partner_login_lands_on_partner_home(client, partner):
    from tests.conftest import PASSWORD

    response = client.post(reverse("login"), {"username": partner.username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("partner-home")


# ---- directory management -------------------------------------------------------------------------------


def test_directory_pages_flag_unverified_entries(client, users, catalogue):
    add_service(name="Vieja", last_verified=timezone.now().date() - timedelta(days=120))
    add_service(name="Nueva")
    client.force_login(users["datamanager.co"])
    html = client.get(reverse("directory")).content.decode()
    assert 'id="stale-warning"' in html and "Vieja" in html and "Nueva" in html
    html = client.get(reverse("directory"), {"stale": "1"}).content.decode()
    assert "Vieja" in html and "Nueva" not in html
    old = DirectoryService.objects.get(name="Vieja")
    client.post(reverse("directory-service-verify", kwargs={"service_id": old.pk}))
    assert not DirectoryService.objects.get(pk=old.pk).is_stale()
    client.force_login(users["volunteer.co"])
    assert client.get(reverse("directory")).status_code == 403


def test_directory_form_creates_an_entry(client, users, clinic):
    client.force_login(users["officer.co"])
    response = client.post(
        reverse("directory-service-new"),
        {
            "organisation": str(clinic.pk),
            "name": "Nueva asesoría",
            "service_type": "legal-aid",
            "languages": ["es"],
            "city": "Cúcuta",
            "latitude": "7.9",
            "longitude": "-72.5",
            "email": "n@example.org",
            "referral_channel": "email",
            "accepts_referrals": "on",
            "published": "on",
            "active": "on",
            "free": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DirectoryService.objects.get(name="Nueva asesoría").created_by == users["officer.co"]


def test_import_page_shows_line_errors_and_export_downloads(client, users, catalogue):
    from django.core.files.uploadedfile import SimpleUploadedFile

    add_service(name="Existente")
    client.force_login(users["datamanager.co"])
    bad = (
        "Org,Servicio,Tipo,Ciudad,Lat,Lon\n"
        "#org+name,#service+name,#service+type,#adm2+name,#geo+lat,#geo+lon\n"
        "A,B,legal-aid,Cúcuta,999,1\n"
    )
    response = client.post(
        reverse("directory-import"), {"file": SimpleUploadedFile("m.csv", bad.encode())}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert 'id="import-errors"' in html and "Line 3" in html
    assert DirectoryService.objects.count() == 1
    response = client.get(reverse("directory-export-csv"))
    assert response.status_code == 200 and b"#service+name" in response.content and b"Existente" in response.content
    response = client.get(reverse("directory-export-xlsx"))
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_pathway_page_saves_steps(client, users, catalogue, legal_aid):
    from caminante.referrals.models import Pathway

    client.force_login(users["officer.co"])
    data = {"need": "legal-help", "name": "Asesoría", "type_1": "legal-aid", "service_1": str(legal_aid.pk)}
    response = client.post(reverse("pathway-new"), {**data, "type_2": "asylum"})
    assert response.status_code == 302
    pathway = Pathway.objects.get(need="legal-help")
    steps = [(s.service_type, s.service_id) for s in pathway.steps.all()]
    assert steps == [("legal-aid", legal_aid.pk), ("asylum", None)]
    # editing keeps one pathway per need; another country's officer cannot open it
    client.post(reverse("pathway", kwargs={"pathway_id": pathway.pk}), {"name": "Asesoría 2", "type_1": "asylum"})
    assert [s.service_type for s in Pathway.objects.get().steps.all()] == ["asylum"]
    client.force_login(users["officer.pe"])
    assert client.get(reverse("pathway", kwargs={"pathway_id": pathway.pk})).status_code == 404


def test_admin_chooses_the_country_first(client, users, catalogue):
    client.force_login(users["admin"])
    html = client.get(reverse("directory-service-new")).content.decode()
    assert "?country=CO" in html
    assert client.get(reverse("directory-service-new"), {"country": "CO"}).status_code == 200


def test_outbox_link_is_absolute(client, users, person, legal_aid):
    client.force_login(users["volunteer.co"])
    client.post(
        reverse("person-refer", kwargs={"person_id": person.pk}),
        {"need": "legal-help", "service": str(legal_aid.pk), "consent": "on"},
    )
    message = OutboxMessage.objects.get(idempotency_key__startswith="referral-sent-")
    assert "http://testserver/r/" in message.payload["text"]
