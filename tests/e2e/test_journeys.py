"""The volunteer's main journeys in a real browser, in Spanish (the default) and the language switch."""

import re

import pytest
from playwright.sync_api import expect

from caminante.assistance.models import ServiceDelivery
from caminante.assistance.selectors import day_summary
from caminante.assistance.services import record_delivery
from caminante.core.roles import Role
from caminante.registry import services
from caminante.registry.models import Household, Person
from tests.conftest import PASSWORD, make_service_point, make_user

from .conftest import PHONE

pytestmark = pytest.mark.e2e


@pytest.fixture
def volunteer(catalogue):
    sp = make_service_point("CO", "co-cucuta", "Cúcuta – Puente Simón Bolívar")
    return make_user(Role.VOLUNTEER, sp, username="volunteer.co")


def log_in(page, live_server, user):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator("h1")).to_have_text("Iniciar sesión")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_contain_text(user.service_point.name)


def fill_member(page, prefix, *, given, family1, family2="", sex="female", age=None, birth_date=None):
    page.fill(f"#id_{prefix}-given_names", given)
    page.fill(f"#id_{prefix}-family_name_1", family1)
    page.fill(f"#id_{prefix}-family_name_2", family2)
    page.select_option(f"#id_{prefix}-sex", sex)
    if birth_date:
        page.fill(f"#id_{prefix}-birth_date", birth_date)
    if age is not None:
        page.fill(f"#id_{prefix}-estimated_age", str(age))


def test_volunteer_journey_in_spanish(live_server, page, volunteer):
    # 1. Log in and land on the HSP's day page, in Spanish.
    log_in(page, live_server, volunteer)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#people-served")).to_have_text("0")
    expect(page.locator("#services-given")).to_have_text("0")
    expect(page.locator("main")).to_contain_text("Todavía no se ha registrado nada hoy.")

    # 2. Register a household of two: start with one person, add a member, fill both.
    page.click("main a.button >> text=Registrar una persona")
    expect(page.locator("h1")).to_have_text("Registrar una persona")
    fill_member(page, "m0", given="Yolimar Andreína", family1="Castillo", family2="Rondón", birth_date="1991-04-12")
    page.fill("#id_m0-phone", "+58 412 555 0101")
    page.click("button[value=add_member]")
    expect(page.locator("h1")).to_have_text("Registrar un hogar")
    expect(page.locator("legend")).to_have_text(["Integrante 1", "Integrante 2"])
    expect(page.locator("#id_m0-given_names")).to_have_value("Yolimar Andreína")  # kept while adding
    fill_member(page, "m1", given="Santiago", family1="Castillo", family2="Rondón", sex="male", age=7)
    expect(page.locator("#id_m0-relationship")).to_have_value("head")  # the first person is the head
    expect(page.locator("#id_m1-relationship")).to_have_value("")  # the others are chosen, not assumed
    page.select_option("#id_m1-relationship", "child")
    page.click("button[value=save]")
    expect(page.locator("h1")).to_contain_text("Hogar")
    expect(page.locator(".msg")).to_contain_text("quedó registrado")
    household = Household.objects.get()
    assert household.members.count() == 2
    expect(page.locator("h1 .code")).to_have_text(household.code)

    # 3. One tap each: a hygiene kit for the household, a SIM card for the mother.
    page.click("button[data-service=hygiene-kit]")
    expect(page.locator(".msg")).to_contain_text("Registrado: Kit de higiene")
    page.click("table a >> text=Yolimar Andreína Castillo Rondón")
    expect(page.locator("h1")).to_contain_text("Yolimar Andreína Castillo Rondón")
    page.click("button[data-service=sim-card]")
    expect(page.locator(".msg")).to_contain_text("Registrado: Tarjeta SIM × 1 tarjeta")
    expect(page.locator("main table")).to_contain_text("Tarjeta SIM")

    mother = Person.objects.get(given_names="Yolimar Andreína")
    deliveries = ServiceDelivery.objects.order_by("delivered_at")
    assert [(d.service_type.code, d.household_id, d.person_id) for d in deliveries] == [
        ("hygiene-kit", household.pk, None),
        ("sim-card", None, mother.pk),
    ]
    assert all(d.service_point_id == volunteer.service_point_id for d in deliveries)

    # The day page counts what was just given.
    page.click("nav >> text=Hoy")
    summary = day_summary(volunteer, volunteer.service_point)
    assert summary["services_given"] == 2
    expect(page.locator("#services-given")).to_have_text("2")
    expect(page.locator("#people-served")).to_have_text(str(summary["people_served"]))
    assert summary["people_served"] >= 1
    expect(page.locator("main table")).to_contain_text("Kit de higiene")

    # 4. Find the mother by a misspelled name.
    page.click("nav >> text=Buscar una persona")
    page.fill("#q", "yolimar castiyo rondon")
    page.click("main button[type=submit]")
    expect(page.locator("main h2")).to_contain_text("resultado")
    page.click("main table a >> text=Yolimar Andreína Castillo Rondón")
    expect(page).to_have_url(re.compile(rf"/people/{mother.pk}/"))

    # 5. Log out: back to the login page, and the day page is closed again.
    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator("h1")).to_have_text("Iniciar sesión")
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/"))


def test_language_switch(live_server, page, volunteer):
    log_in(page, live_server, volunteer)
    nav = page.locator("header nav")
    expect(nav).to_contain_text("Buscar una persona")

    page.click("form.lang button[value=pt]")
    expect(page.locator("html")).to_have_attribute("lang", "pt")
    expect(nav).to_contain_text("Buscar uma pessoa")
    expect(nav).to_contain_text("Cadastrar")
    expect(page.locator("main")).to_contain_text("pessoas atendidas hoje")
    expect(page.locator("#logout")).to_have_text("Sair")

    page.click("form.lang button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav).to_contain_text("Find a person")
    expect(page.locator("main")).to_contain_text("people served today")
    expect(page.locator("#logout")).to_have_text("Log out")

    # The choice sticks on other pages, and Spanish comes back the same way.
    page.click("nav >> text=Register")
    expect(page.locator("h1")).to_have_text("Register a person")
    page.click("form.lang button[value=es]")
    expect(page).to_have_url(re.compile(r"/people/register/"))
    expect(page.locator("h1")).to_have_text("Registrar una persona")


def test_duplicate_check_same_person(live_server, new_page, volunteer, artifacts):
    """On a phone: "Yusmari Gonzales" is proposed as the registered "Yusmary González Pérez"; same person."""
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    existing = services.register_person(
        volunteer,
        services.PersonInput(
            given_names="Yusmary",
            family_name_1="González",
            family_name_2="Pérez",
            sex="female",
            estimated_age=34,
            consents=["assistance"],
        ),
    )
    log_in(page, live_server, volunteer)
    page.goto(live_server.url + "/people/register/")
    fill_member(page, "m0", given="Yusmari", family1="Gonzales", age=34)
    page.click("button[value=save]")

    candidates = page.locator(".candidates")
    expect(page.locator("[role=alert]")).to_contain_text("Se encontraron posibles registros existentes")
    expect(candidates).to_contain_text("Yusmary González Pérez")
    expect(candidates).to_contain_text(existing.code)
    expect(page.locator("button[value=save]")).to_have_text("Confirmar y guardar")
    page.screenshot(path=str(artifacts / "phone-duplicate-check.png"), full_page=True)
    page.check(f".candidates input[value='{existing.pk}']")
    page.click("button[value=save]")

    expect(page).to_have_url(re.compile(rf"/people/{existing.pk}/$"))
    expect(page.locator("h1")).to_contain_text("Yusmary González Pérez")
    assert Person.objects.count() == 1


def test_phone_screenshots(live_server, new_page, volunteer, artifacts):
    """The main pages on a phone: no sideways scrolling; screenshots in test-artifacts/ for a human to look at."""
    person = services.register_person(
        volunteer,
        services.PersonInput(
            given_names="Yusmary",
            family_name_1="González",
            family_name_2="Pérez",
            sex="female",
            estimated_age=34,
            consents=["assistance", "whatsapp"],
            phone="+58 412 555 0199",
            phone_is_whatsapp=True,
            pregnant_or_lactating=True,
        ),
    )
    record_delivery(volunteer, service_type="hygiene-kit", person=person)
    record_delivery(volunteer, service_type="sim-card", person=person)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    log_in(page, live_server, volunteer)
    pages = [
        ("day", "/"),
        ("register", "/people/register/"),
        ("register-household", "/people/register/?members=2"),
        ("person", person.get_absolute_url()),
        ("search", "/people/?q=yusmari+gonzales"),
        ("tally", "/tally/"),
    ]
    for name, path in pages:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(artifacts / f"phone-{name}.png"), full_page=True)
        assert width <= PHONE["width"], f"{path} is {width}px wide on a {PHONE['width']}px phone"
    assert (artifacts / "phone-day.png").stat().st_size > 0
