"""A data manager reviews possible duplicates in a real browser (Spanish): merge, then undo the merge."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from caminante.core.roles import Role
from caminante.registry import services
from caminante.registry.models import DuplicateCandidate, MergeRecord, Person
from tests.builders import register
from tests.conftest import PASSWORD, make_service_point, make_user

pytestmark = pytest.mark.e2e


@pytest.fixture
def setup(catalogue):
    sp = make_service_point("CO", "co-cucuta", "Cúcuta – Puente Simón Bolívar")
    volunteer = make_user(Role.VOLUNTEER, sp, username="volunteer.co")
    manager = make_user(Role.DATA_MANAGER, national_society=sp.national_society, username="datamanager.co")
    first = register(volunteer, "Yusmary", "González", "Pérez", birth_date=date(1992, 3, 14), phone="0412-1234567")
    second = register(volunteer, "Yusmari", "Gonzales", "Pérez", birth_date=date(1992, 3, 14), phone="04121234567")
    services.find_duplicates(sp.national_society)
    return {"manager": manager, "first": first, "second": second}


def test_merge_then_undo(live_server, page, setup, artifacts):
    first, second = setup["first"], setup["second"]
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "datamanager.co")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.click("nav >> text=Duplicados")
    expect(page.locator("h1")).to_have_text("Posibles duplicados")
    queue = page.locator("#duplicate-queue")
    expect(queue).to_contain_text(first.code)
    expect(queue).to_contain_text(second.code)
    expect(queue).to_contain_text("mismo número de teléfono")

    queue.locator("a").first.click()
    expect(page.locator("h1")).to_have_text("¿La misma persona?")
    expect(page.locator(".side")).to_have_count(2)
    page.screenshot(path=str(artifacts / "duplicates-side-by-side.png"), full_page=True)
    page.click("#merge")

    expect(page.locator("h1")).to_have_text("Posibles duplicados")
    expect(page.locator("main")).to_contain_text(f"{second.code} se fusionó con {first.code}")
    expect(page.locator("#queue-empty")).to_be_visible()
    second.refresh_from_db()
    assert second.merged_into_id == first.pk

    page.locator("#merges button").click()
    expect(page.locator("main")).to_contain_text("La fusión se deshizo")
    expect(page.locator("#duplicate-queue")).to_contain_text(second.code)
    second.refresh_from_db()
    assert second.merged_into_id is None
    assert MergeRecord.objects.get().unmerged_at is not None
    assert DuplicateCandidate.objects.get().status == "open"
    assert Person.objects.filter(merged_into__isnull=True).count() == 2
    expect(page).to_have_url(re.compile(r"/people/duplicates/$"))
