"""Feedback in a real browser: a volunteer logs a complaint on a phone, an officer codes it and
answers it through WhatsApp, and an abuse report reaches the focal point only."""

import re

import pytest
from playwright.sync_api import expect

from caminante.core.models import OutboxMessage
from caminante.core.roles import Role
from caminante.feedback.models import FeedbackItem
from caminante.feedback.services import designate_focal_point
from tests.conftest import PASSWORD, make_service_point, make_user

from .conftest import PHONE

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(catalogue):
    sp = make_service_point("CO", "co-cucuta", "Cúcuta – Puente Simón Bolívar")
    ns = sp.national_society
    result = {
        "volunteer": make_user(Role.VOLUNTEER, sp, username="volunteer.co"),
        "officer": make_user(Role.OFFICER, national_society=ns, username="officer.co"),
        "protection": make_user(Role.PROTECTION, national_society=ns, username="protection.co"),
        "datamanager": make_user(Role.DATA_MANAGER, national_society=ns, username="datamanager.co"),
    }
    designate_focal_point(result["datamanager"], result["protection"])
    return result


def log_in(page, live_server, user, path="/"):
    page.goto(live_server.url + path)
    expect(page).to_have_url(re.compile(r"/login/"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_volunteer_logs_and_officer_answers_through_whatsapp(live_server, new_page, people, artifacts):
    # 1. On a phone, the volunteer logs a complaint with the person's WhatsApp number.
    phone = new_page(viewport=PHONE)
    log_in(phone, live_server, people["volunteer"], "/feedback/new/")
    expect(phone.locator("h1")).to_have_text("Retroalimentación en el punto de atención")
    phone.fill("#id_text", "Esperé todo el día y al final no me atendieron")
    phone.check("#id_wants_answer")
    phone.check("#id_contact_consent")
    phone.fill("#id_contact_phone", "+573001234567")
    phone.screenshot(path=str(artifacts / "feedback-quick-form-phone.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.click("#feedback-form button[type=submit]")
    expect(phone.locator("h1")).to_contain_text("Retroalimentación recibida")
    code = phone.locator("#feedback-code").inner_text()
    expect(phone.locator("#receipt-status")).to_have_text("Recibido")
    item = FeedbackItem.objects.get(code=code)
    assert item.suggested_category == "c_service_quality" and item.contact_phone == "+573001234567"

    # 2. The officer finds it in the queue, confirms the coding and answers.
    desk = new_page()
    log_in(desk, live_server, people["officer"], "/feedback/")
    desk.click(f"#feedback-list a >> text={code}")
    expect(desk.locator("#item-words")).to_have_text("Esperé todo el día y al final no me atendieron")
    desk.select_option("#id_code_key", "c_quality_waiting")
    desk.select_option("#coding-form #id_criticality", "action")
    desk.click("#coding-form button[type=submit]")
    expect(desk.locator("#item-coding")).to_contain_text("Espera, servicio negado o no recibido")
    desk.fill("#id_answer", "Lo sentimos. Mañana a las 8 le atendemos primero; traiga este código.")
    desk.select_option("#id_via", "channel")
    desk.click("#answer-form button[type=submit]")
    expect(desk.locator("#item-status")).to_have_text("Respondido")
    sent = OutboxMessage.objects.filter(to__contains="3001234567").get()
    assert "Mañana a las 8" in str(sent.payload)

    # 3. ...and closes it, within its target.
    desk.select_option("#move-form #id_status", "closed")
    desk.click("#move-form button[type=submit]")
    expect(desk.locator("#item-status")).to_have_text("Cerrado")
    expect(desk.locator("main")).to_contain_text("dentro del plazo")
    desk.screenshot(path=str(artifacts / "feedback-officer-item.png"), full_page=True)


def test_abuse_report_reaches_the_focal_point_only(live_server, new_page, people):
    phone = new_page(viewport=PHONE)
    log_in(phone, live_server, people["volunteer"], "/feedback/new/")
    phone.fill("#id_text", "El muchacho que reparte los kits me pidió sexo a cambio de la comida")
    phone.click("#feedback-form button[type=submit]")
    code = phone.locator("#feedback-code").inner_text()
    expect(phone.locator("#receipt-status")).to_have_text("Recibido. Se ha pasado al equipo responsable.")
    expect(phone.locator("main")).not_to_contain_text("sexo")

    officer = new_page()
    log_in(officer, live_server, people["officer"], "/feedback/")
    expect(officer.locator("main")).not_to_contain_text(code)

    focal = new_page()
    log_in(focal, live_server, people["protection"], "/feedback/confidential/")
    focal.click(f"#confidential-list a >> text={code}")
    expect(focal.locator("#item-words")).to_contain_text("me pidió sexo a cambio")
    expect(focal.locator("p.sensitive")).to_contain_text("Confidencial")
