"""Run inside `caminante shell -c` by tests/test_crash_safety.py (never imported by pytest itself).

`build(out)` creates the crash test's world in a freshly migrated database through the product's
services: a Colombian service point, a volunteer (API token), two programme officers, a vendor
user (API token) linked to a shop, a WhatsApp number, and a voucher programme whose approved list
issued vouchers (half of the voucher messages go out by WhatsApp, half by SMS, through the outbox).

`snapshot(out)` writes what the test checks after the kills, as JSON: households and their
members, people without a household, vouchers with their redemptions, outbox rows, chatbot
messages. It reads the database only.
"""

import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

PHONE_NUMBER_ID = "crash-co"


def build(out: str, vouchers: int) -> None:
    from rest_framework.authtoken.models import Token

    from caminante.cash import services as cash
    from caminante.cash.models import Voucher
    from caminante.channels.models import WhatsAppNumber
    from caminante.core.models import NationalSociety, OutboxMessage, ServicePoint, ServiceType, User
    from caminante.core.roles import Role
    from caminante.registry import services as registry
    from caminante.registry.models import ConsentPurpose

    ns = NationalSociety.objects.get(country="CO")
    sp = ServicePoint.objects.create(
        national_society=ns,
        code="co-crash",
        name="Cúcuta – crash test",
        city="Cúcuta",
        latitude=7.9,
        longitude=-72.5,
        time_zone=ns.time_zone,
    )
    sp.services.set(ServiceType.objects.all())

    def user(username, role, service_point=None):
        made = User(username=username, role=role, national_society=ns, service_point=service_point)
        made.set_unusable_password()
        made.save()
        return made

    volunteer = user("volunteer.crash", Role.VOLUNTEER, sp)
    officer = user("officer.crash", Role.OFFICER)
    approver = user("officer2.crash", Role.OFFICER)
    vendor_user = user("vendor.crash", Role.VENDOR)
    WhatsAppNumber.objects.create(national_society=ns, phone_number_id=PHONE_NUMBER_ID, display_phone="+57 1")

    homes = []
    for i in range(vouchers):
        head = registry.PersonInput(
            given_names=f"Beneficiaria{i}",
            family_name_1="Setup",
            family_name_2=f"Voucher{i}",
            sex="female",
            birth_date=date(1985, 1, 1) + timedelta(days=37 * i),
            phone=f"+57 300 {1000000 + i}",
            phone_is_whatsapp=i % 2 == 0,  # even: WhatsApp template, odd: SMS
            consents=[ConsentPurpose.ASSISTANCE, ConsentPurpose.WHATSAPP],
            relationship="head",
        )
        homes.append(registry.register_household(volunteer, [head]).pk)
    today = date.today()
    programme = cash.create_programme(
        officer,
        ns,
        cash.ProgrammeInput(
            name="Bonos crash test",
            kind="value_voucher",
            currency="COP",
            budget_ceiling=Decimal("1000000.00"),
            fixed_amount=Decimal("100.00"),
        ),
        cycles=[(today, today + timedelta(days=30))],
    )
    dlist = cash.prepare_distribution_list(officer, programme.cycles.get(number=1), household_ids=homes)
    cash.approve_distribution_list(approver, dlist)
    shop = cash.onboard_vendor(officer, ns, name="Tienda crash", city="Cúcuta", programmes=[programme])
    cash.add_vendor_user(officer, shop, vendor_user)
    result = {
        "vendor_token": cash.vendor_api_token(officer, vendor_user),
        "volunteer_token": Token.objects.get_or_create(user=volunteer)[0].key,
        "service_point": sp.code,
        "vouchers": [
            {"code": v.code, "value": str(v.value)}
            for v in Voucher.objects.filter(programme=programme).order_by("code")
        ],
        "outbox": OutboxMessage.objects.count(),
    }
    with open(out, "w") as handle:
        json.dump(result, handle)


def _current(memberships):
    """Current memberships (the registry may record people leaving a household)."""
    from caminante.registry.models import Membership

    names = {f.name for f in Membership._meta.get_fields()}
    for name in ("left_at", "ended_at", "left_on", "ended_on", "until"):
        if name in names:
            return memberships.filter(**{f"{name}__isnull": True})
    for name in ("current", "active", "is_current"):
        if name in names:
            return memberships.filter(**{name: True})
    return memberships


def snapshot(out: str) -> None:
    from caminante.cash.models import Redemption, Voucher
    from caminante.channels.models import Message
    from caminante.core.models import OutboxMessage
    from caminante.registry.models import Household, Membership, Person

    members = defaultdict(list)
    for household_id, family_1, family_2, relationship in _current(Membership.objects.all()).values_list(
        "household_id", "person__family_name_1", "person__family_name_2", "relationship"
    ):
        members[str(household_id)].append([family_1, family_2, relationship])
    households = {str(pk): members.get(str(pk), []) for pk in Household.objects.values_list("pk", flat=True)}
    in_household = set(_current(Membership.objects.all()).values_list("person_id", flat=True))
    orphans = [str(pk) for pk in Person.objects.values_list("pk", flat=True) if pk not in in_household]
    redemptions = defaultdict(list)
    for code, key, amount, balance_after, pk in Redemption.objects.values_list(
        "voucher__code", "idempotency_key", "amount", "balance_after", "pk"
    ):
        redemptions[code].append(
            {"key": key, "amount": str(amount), "balance_after": str(balance_after), "id": str(pk)}
        )
    vouchers = {
        code: {"value": str(value), "balance": str(balance), "status": status, "redemptions": redemptions.get(code, [])}
        for code, value, balance, status in Voucher.objects.values_list("code", "value", "balance", "status")
    }
    outbox = [
        {
            "id": str(row.id),
            "channel": row.channel,
            "to": row.to,
            "status": row.status,
            "attempts": row.attempts,
            "payload": row.payload,
            "provider_message_id": row.provider_message_id,
            "last_error": row.last_error,
        }
        for row in OutboxMessage.objects.order_by("created_at", "id")
    ]
    inbound = {}
    replies = defaultdict(int)
    for message in Message.objects.select_related("conversation"):
        if message.direction == Message.Direction.IN:
            inbound[message.external_id] = {
                "conversation": str(message.conversation_id),
                "processed": message.processed,
            }
        else:
            replies[str(message.conversation_id)] += 1
    result = {
        "households": households,
        "people": Person.objects.count(),
        "orphans": orphans,
        "vouchers": vouchers,
        "outbox": outbox,
        "inbound": inbound,
        "replies": replies,
    }
    with open(out, "w") as handle:
        json.dump(result, handle, default=str)
