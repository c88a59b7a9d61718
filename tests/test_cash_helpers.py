"""Builders for the cash tests (no tests here): a programme, households, an approved list, a vendor."""

from datetime import date, timedelta
from decimal import Decimal

from caminante.cash import services
from caminante.cash.models import Programme, Voucher
from caminante.core.roles import Role
from caminante.registry.services import register_household
from tests.builders import person_input
from tests.conftest import make_user

TODAY = date.today()


def programme(officer, ns=None, **extra) -> Programme:
    ns = ns or officer.national_society
    data = services.ProgrammeInput(
        name=extra.pop("name", "Bonos Cúcuta"),
        kind=extra.pop("kind", "value_voucher"),
        currency=extra.pop("currency", "COP"),
        budget_ceiling=extra.pop("budget_ceiling", Decimal("1000000.00")),
        fixed_amount=extra.pop("fixed_amount", Decimal("100.00")),
        **extra,
    )
    return services.create_programme(officer, ns, data, cycles=[(TODAY, TODAY + timedelta(days=30))])


def household(writer, given="Ana", family="Pérez", child_age=None, pregnant=False, phone="", whatsapp=False, **kw):
    members = [
        person_input(
            given,
            family,
            "Díaz",
            relationship="head",
            birth_date=date(1990, 5, 17),
            pregnant_or_lactating=pregnant,
            phone=phone,
            phone_is_whatsapp=whatsapp,
            **kw,
        )
    ]
    if child_age is not None:
        members.append(
            person_input(
                "Niño" + given,
                family,
                "Díaz",
                relationship="child",
                birth_date=TODAY - timedelta(days=365 * child_age + 30),
            )
        )
    return register_household(writer, members)


def approved(officer, approver, prog, households=None):
    cycle = prog.cycles.get(number=1)
    ids = [h.pk for h in households] if households is not None else None
    dlist = services.prepare_distribution_list(officer, cycle, household_ids=ids)
    return services.approve_distribution_list(approver, dlist)


def second_officer(ns, username="officer2"):
    return make_user(Role.OFFICER, national_society=ns, username=username)


def vendor(officer, prog, vendor_user, name="Tienda La Esquina"):
    shop = services.onboard_vendor(officer, prog.national_society, name=name, city="Cúcuta", programmes=[prog])
    services.add_vendor_user(officer, shop, vendor_user)
    return shop


def voucher_world(users, sp_co, n=2, amount="100.00"):
    """A Colombian programme with n approved households' vouchers and a linked vendor."""
    officer, approver = users["officer.co"], second_officer(sp_co.national_society)
    prog = programme(officer, fixed_amount=Decimal(amount))
    homes = [household(users["volunteer.co"], f"Ana{i}", f"Pérez{i}", phone="+573001234567") for i in range(n)]
    approved(officer, approver, prog, homes)
    shop = vendor(officer, prog, users["vendor.co"])
    vouchers = list(Voucher.objects.filter(programme=prog).order_by("code"))
    return prog, shop, vouchers
