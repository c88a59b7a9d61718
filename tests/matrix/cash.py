"""Cash objects for the permission matrix: a programme with an approved cycle (and its
post-distribution survey round), a voucher, a vendor (Colombia's linked to the matrix's vendor
user) and a vendor statement, in each country. The PDM pages (`cash-programme-pdm`,
`cash-cycle-pdm-send`, `cash-pdm-entry`) and the XLSX statement take the same parameters."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from caminante.cash import pdm, services
from caminante.cash.models import PdmResponse, PdmRound, Voucher
from caminante.core.roles import Role
from caminante.registry.services import register_household
from tests.builders import person_input
from tests.conftest import make_user

PARAM_KINDS = {
    "programme_id": "cash_programme",
    "cycle_id": "cash_cycle",
    "voucher_id": "cash_voucher",
    "vendor_id": "cash_vendor",
    "settlement_id": "cash_settlement",
    "code": "cash_voucher_code",
    "report_id": "cash_report",
}
PK_ROUTE_PREFIXES = {"cash-voucher-": "cash_voucher"}


def build(country, writer, point, users) -> dict:
    ns = point.national_society
    if country == "co":
        officer, vendor_user = users[Role.OFFICER], users[Role.VENDOR]
    else:
        officer = make_user(Role.OFFICER, national_society=ns, username="pm-cash-officer.pe")
        vendor_user = make_user(Role.VENDOR, national_society=ns, username="pm-cash-vendor.pe")
    approver = make_user(Role.OFFICER, national_society=ns, username=f"pm-cash-approver.{country}")
    today = date.today()
    programme = services.create_programme(
        officer,
        ns,
        services.ProgrammeInput(
            name=f"Matriz {country}",
            kind="value_voucher",
            currency="COP" if country == "co" else "PEN",
            budget_ceiling=Decimal("10000"),
            fixed_amount=Decimal("100"),
        ),
        cycles=[(today, today + timedelta(days=30))],
    )
    household = register_household(writer, [person_input("Bono", "Matriz", country.upper(), relationship="head")])
    cycle = programme.cycles.get()
    dlist = services.prepare_distribution_list(officer, cycle, household_ids=[household.pk])
    services.approve_distribution_list(approver, dlist)
    vendor = services.onboard_vendor(officer, ns, name=f"Tienda {country}", programmes=[programme])
    services.add_vendor_user(officer, vendor, vendor_user)
    voucher = Voucher.objects.get(programme=programme)
    services.redeem(vendor_user, code=voucher.code, amount="10", idempotency_key=f"matrix-{country}")
    (settlement,) = services.create_settlement(officer, vendor, today - timedelta(days=1), today + timedelta(days=1))
    # The cycle's survey round (as if sent) with one answer entered at the HSP, so the PDM pages
    # have something to show; sending again is refused (a redirect with a message).
    pdm_round = PdmRound.objects.create(
        national_society=ns,
        survey=pdm.survey_of(programme),
        cycle=cycle,
        sample_percent=100,
        seed=f"matrix-{country}",
        closes_at=timezone.now() + timedelta(days=14),
    )
    PdmResponse.objects.create(
        national_society=ns,
        round=pdm_round,
        entitlement=voucher.entitlement,
        via=PdmResponse.Via.IN_PERSON,
        status=PdmResponse.Status.COMPLETED,
        step=6,
        answers={"received": "full", "uses": ["food"], "exchange": "no", "safe": "yes", "satisfaction": 5},
    )
    report = services.import_provider_report(
        officer, ns, "simulator", b"reference,amount,currency,status\nCT-NOPE,5.00,COP,paid\n", file_name="r.csv"
    )
    return {
        "cash_report": report.pk,
        "cash_programme": programme.pk,
        "cash_cycle": cycle.pk,
        "cash_voucher": voucher.pk,
        "cash_vendor": vendor.pk,
        "cash_settlement": settlement.pk,
        "cash_voucher_code": voucher.code,
    }
