"""The public web chat in a real browser on a phone: a question, the menu, a staff reply, the language."""

import pytest
from playwright.sync_api import expect

from caminante.channels import services
from caminante.channels.models import Conversation
from caminante.core.roles import Role
from tests.conftest import make_service_point, make_user

from .conftest import PHONE

pytestmark = pytest.mark.e2e


@pytest.fixture
def point(catalogue):
    return make_service_point("CO", "co-cucuta", "Cúcuta – Puente Simón Bolívar")


def test_web_chat_on_a_phone(live_server, new_page, point, artifacts):
    page = new_page(viewport=PHONE)
    page.goto(live_server.url + "/chat/?country=CO")
    expect(page.locator("h1")).to_have_text("Chatea con la Cruz Roja")
    page.fill("#chat-text", "Hola, ¿tienen kits de higiene?")
    page.click("#chat-form button[type=submit]")
    expect(page.locator("#chat-log li.bot").first).to_contain_text("jabón")
    # the menu, by tapping
    page.locator("#chat-log li.bot .choices button", has_text="Menú").first.click()
    menu = page.locator("#chat-log li.bot").last
    expect(menu).to_contain_text("¿En qué te puedo ayudar?")
    assert menu.locator(".choices button").count() <= 10
    menu.locator(".choices button", has_text="Servicios del PSH").click()
    expect(page.locator("#chat-log li.bot").last).to_contain_text("Punto de Servicio Humanitario")
    # a person takes over and answers; the page shows it without reloading
    page.fill("#chat-text", "Quiero hablar con una persona")
    page.click("#chat-form button[type=submit]")
    expect(page.locator("#chat-log li.bot").last).to_contain_text("Te paso con una persona")
    conversation = Conversation.objects.get()
    officer = make_user(Role.OFFICER, national_society=point.national_society, username="officer.co")
    services.staff_reply(officer, conversation, "Hola, soy Marta de la Cruz Roja. ¿En qué ciudad estás?")
    expect(page.locator("#chat-log li.staff")).to_contain_text("soy Marta", timeout=20_000)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts / "channels-webchat-phone.png"), full_page=True)


def test_web_chat_in_portuguese_and_sensitive_escalation(live_server, new_page, point):
    page = new_page(locale="pt-BR", viewport=PHONE)
    page.goto(live_server.url + "/chat/?country=CO")
    expect(page.locator("h1")).to_have_text("Converse com a Cruz Vermelha")
    page.fill("#chat-text", "Meu marido me bate e tenho medo")
    page.click("#chat-form button[type=submit]")
    expect(page.locator("#chat-log li.bot").first).to_contain_text("Não é sua culpa")
    conversation = Conversation.objects.get()
    assert conversation.sensitive and conversation.queue == "protection"
