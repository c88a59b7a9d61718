"""Demo data: in each country with demo officers, a running voucher programme with an approved
cycle, active vouchers, a demo shop with its vendor user (`vendor.<country>`, the demo password)
and a few redemptions. Idempotent: a second run changes nothing."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from caminante.core.demo import DEMO_PASSWORD
from caminante.core.models import User
from caminante.core.roles import Role
from caminante.registry.models import Household

from . import services
from .models import Programme, Redemption, Vendor, VendorUser, Voucher

COUNTRIES = ("CO", "PE")
NAME = "Bonos de alimentación (demo)"
CURRENCIES = {"CO": ("COP", "150000"), "PE": ("PEN", "150"), "EC": ("USD", "40"), "BR": ("BRL", "200")}
ELIGIBILITY = {
    "any": [
        {"fact": "child_under_5"},
        {"fact": "pregnant_member"},
        {"fact": "member_with_disability"},
        {"fact": "days_in_transit", "op": "<", "value": 30},
        {"fact": "household_size", "op": ">=", "value": 3},
    ]
}


def _vendor_user(ns, username: str, hashed: list) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        hashed[0] = hashed[0] or make_password(DEMO_PASSWORD)
        user = User.objects.create(username=username, password=hashed[0], role=Role.VENDOR, national_society=ns)
    return user


def seed(points, users) -> str | None:
    admin = users.get("admin")
    made, hashed = [], [None]
    for username, officer in sorted(users.items()):
        if not username.startswith("officer.") or admin is None or officer.national_society is None:
            continue
        ns = officer.national_society
        country = ns.country.code
        if country not in COUNTRIES:
            continue
        # One demo shop user, vendor.co (the contract's demo login); Peru's shop has none.
        vendor_user = _vendor_user(ns, "vendor.co", hashed) if country == "CO" else None
        if Programme.objects.filter(national_society=ns, name=NAME).exists():
            continue
        currency, amount = CURRENCIES.get(country, ("USD", "40"))
        households = list(
            Household.objects.filter(national_society=ns).order_by("code").values_list("pk", flat=True)[:40]
        )
        if not households:
            continue
        with transaction.atomic():
            today = timezone.localdate()
            programme = services.create_programme(
                officer,
                ns,
                services.ProgrammeInput(
                    name=NAME,
                    kind="value_voucher",
                    currency=currency,
                    budget_ceiling=Decimal(amount) * 200,
                    fixed_amount=Decimal(amount),
                    eligibility=ELIGIBILITY,
                    voucher_validity_days=60,
                ),
                cycles=[
                    (today - timedelta(days=3), today + timedelta(days=27)),
                    (today + timedelta(days=28), today + timedelta(days=58)),
                ],
            )
            dlist = services.prepare_distribution_list(
                officer, programme.cycles.get(number=1), household_ids=households
            )
            services.approve_distribution_list(admin, dlist)
            shop = Vendor.objects.filter(national_society=ns, name="Tienda La Esperanza (demo)").first()
            if shop is None:
                shop = services.onboard_vendor(
                    officer,
                    ns,
                    name="Tienda La Esperanza (demo)",
                    city=next((p.city for p in points.values() if p.national_society_id == ns.pk), ""),
                    contact_phone="",
                    bank_details={"account": "DEMO-0000"},
                )
            programme.vendors.add(shop)
            if vendor_user is None:
                made.append(f"{country}: {Voucher.objects.filter(programme=programme).count()} vouchers")
                continue
            if not VendorUser.objects.filter(user=vendor_user).exists():
                services.add_vendor_user(officer, shop, vendor_user)
            for i, voucher in enumerate(Voucher.objects.filter(programme=programme).order_by("code")[:4]):
                part = (voucher.balance * Decimal("0.4")).quantize(Decimal("0.01"))
                services.redeem(vendor_user, code=voucher.code, amount=part, idempotency_key=f"demo-{voucher.pk}-{i}")
        made.append(f"{country}: {Voucher.objects.filter(programme=programme).count()} vouchers")
    if not made:
        return None
    return f"cash: voucher programmes ({', '.join(made)}), {Redemption.objects.count()} redemptions"
