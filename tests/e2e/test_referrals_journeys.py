"""Referrals in a real browser: a migrant on a phone finds help on the public map (filters, language,
"near me", the map with its tiles blocked, no JavaScript at all), and a volunteer refers a person
whom the partner accepts through the secure link."""

import re

import pytest
from playwright.sync_api import expect

from caminante.core.models import OutboxMessage
from caminante.core.roles import Role
from caminante.referrals.models import Referral, Status
from tests.builders import register
from tests.conftest import PASSWORD, make_service_point, make_user
from tests.test_referrals_builders import add_service

from .conftest import PHONE

pytestmark = pytest.mark.e2e


@pytest.fixture
def route(catalogue, settings):
    """Two HSPs and a few services along the route; map tiles from a server that does not exist."""
    settings.MAP_TILE_URL = "http://tiles.invalid/{z}/{x}/{y}.png"
    cucuta = make_service_point("CO", "co-cucuta", "Cúcuta – Puente Simón Bolívar", opening_hours="Lun–Dom 7:00–19:00")
    make_service_point("PE", "pe-tumbes", "Tumbes – CEBAF", city="Tumbes", latitude=-3.49, longitude=-80.26)
    add_service(name="Consultorio jurídico para migrantes", lat=7.893, lon=-72.505, what_to_bring="Cédula o pasaporte")
    add_service(name="Albergue temporal", service_type="shelter", city="Villa del Rosario", lat=7.833, lon=-72.47)
    add_service(country="PE", name="Asesoría legal Tumbes", city="Tumbes", lat=-3.567, lon=-80.451)
    return cucuta


def test_migrant_finds_help_on_a_phone(live_server, new_page, route, artifacts):
    page = new_page(viewport=PHONE, geolocation={"latitude": 7.89, "longitude": -72.50}, permissions=["geolocation"])
    blocked = []
    page.route(re.compile(r"tiles\.invalid"), lambda r: (blocked.append(r.request.url), r.abort()))
    page.goto(live_server.url + "/map/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Dónde encontrar ayuda en el camino")
    places = page.locator("#places > li")
    expect(places).to_have_count(5)

    # filter: legal aid only
    page.select_option("select[name=service]", "legal-aid")
    page.click("#filters button[type=submit]")
    expect(places).to_have_count(2)
    expect(page.locator("#places")).to_contain_text("Consultorio jurídico para migrantes")
    expect(page.locator("#places")).not_to_contain_text("Albergue temporal")

    # near me: the browser's location, nearest first
    page.click("#near-me")
    expect(page).to_have_url(re.compile(r"lat=7\.89"))
    expect(places.first).to_contain_text("Consultorio jurídico para migrantes")
    expect(places.first).to_contain_text("km")
    expect(places.nth(1)).to_contain_text("Asesoría legal Tumbes")

    # the map: Leaflet is loaded only now; tiles fail, the page says so and the list stays
    assert page.evaluate("typeof window.L") == "undefined"
    page.click("#show-map")
    expect(page.locator("#map")).to_be_visible()
    page.wait_for_function("typeof window.L !== 'undefined'")
    expect(page.locator("#map path.leaflet-interactive")).to_have_count(2)
    expect(page.locator("#map-status")).to_contain_text("No se pudieron cargar las imágenes del mapa")
    assert blocked, "the map asked the (blocked) tile server for tiles"
    expect(places).to_have_count(2)
    page.screenshot(path=str(artifacts / "referrals-public-map-phone.png"), full_page=True)

    # language switch: Portuguese, then English, keeping the filters
    page.click("header .lang button[value=pt]")
    expect(page.locator("h1")).to_have_text("Onde encontrar ajuda no caminho")
    expect(places).to_have_count(2)
    page.click("header .lang button[value=en]")
    expect(page.locator("h1")).to_have_text("Where to get help on the way")


def test_map_list_works_without_javascript(live_server, new_page, route, artifacts):
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto(live_server.url + "/map/")
    expect(page.locator("#places > li")).to_have_count(5)
    expect(page.locator("#show-map")).to_be_hidden()  # nothing that needs a script is offered
    page.select_option("select[name=country]", "PE")
    page.click("#filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"country=PE"))
    expect(page.locator("#places > li")).to_have_count(2)
    expect(page.locator("#places")).to_contain_text("Tumbes – CEBAF")
    page.screenshot(path=str(artifacts / "referrals-public-map-no-js.png"), full_page=True)


def test_volunteer_refers_and_partner_accepts_by_link(live_server, new_page, route, artifacts):
    volunteer = make_user(Role.VOLUNTEER, route, username="volunteer.co")
    person = register(volunteer, given="Yolimar", family1="Castillo", phone="+57 300 555 0101")

    # the volunteer: need, service (nearest first), what is shared, consent, send
    page = new_page(viewport=PHONE)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", volunteer.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/people/{person.pk}/refer/")
    page.select_option("#need-select", "legal-help")
    page.click("text=Ver servicios")
    expect(page.locator("#shared-preview")).to_contain_text("Yolimar Castillo")
    page.check("input[name=service] >> nth=0")
    page.fill("#id_note", "Necesita orientación para el PPT")
    page.click("#send-referral")
    expect(page.locator(".errors")).to_contain_text("La persona debe aceptar")  # consent first
    page.check("input[name=service] >> nth=0")
    page.check("#id_consent")
    page.click("#send-referral")
    expect(page.locator(".msg").first).to_contain_text("enviada")
    referral = Referral.objects.get()
    expect(page.locator("#referral-status")).to_have_text("Enviada")
    page.screenshot(path=str(artifacts / "referrals-sent-phone.png"), full_page=True)

    # the partner opens the secure link from the e-mail and accepts
    message = OutboxMessage.objects.get(idempotency_key=f"referral-sent-{referral.pk}")
    link = re.search(r"https?://\S+/r/[\w-]+/", message.payload["text"]).group(0)
    partner_page = new_page(viewport=PHONE)
    partner_page.goto(link)
    expect(partner_page.locator("h1")).to_contain_text(referral.code)
    expect(partner_page.locator("main")).to_contain_text("Necesita orientación para el PPT")
    partner_page.screenshot(path=str(artifacts / "referrals-partner-link-phone.png"), full_page=True)
    partner_page.click("#accept")
    expect(partner_page.locator("#referral-status")).to_have_text("Aceptada")

    # the status comes back to the volunteer
    page.reload()
    expect(page.locator("#referral-status")).to_have_text("Aceptada")
    assert Referral.objects.get().status == Status.ACCEPTED
