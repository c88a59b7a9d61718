"""Demo data for the duplicates review: a few people registered a second time at another service
point, re-typed as a volunteer there would (accents dropped, a letter changed, family names in
the other order, the phone written another way, no document), then the engine's batch
deduplication over the demo people fills the review queue. Idempotent: copies already made and
pairs already queued or decided are left as they are."""

import phonenumbers

from caminante.core.models import ServicePoint, User

from . import services
from .models import ConsentPurpose, Person

#: Heads of household registered a second time, per National Society.
COPIES_PER_COUNTRY = 2

_ACCENTS = str.maketrans("áéíóúÁÉÍÓÚ", "aeiouAEIOU")


def _respelt(name: str) -> str:
    """One spelling change a volunteer makes: Yusmary / Yusmari, González / Gonzales, Villegas / Bilegas."""
    for a, b in (("y", "i"), ("z", "s"), ("v", "b"), ("ll", "y"), ("i", "y"), ("s", "z")):
        if a in name:
            return name.replace(a, b, 1)
    return name


def _retyped(person: Person, kind: int) -> services.PersonInput:
    given, f1, f2 = person.given_names, person.family_name_1, person.family_name_2
    if kind == 0:  # accents dropped, one letter changed, same phone
        given, f1, f2 = _respelt(given.translate(_ACCENTS)), f1.translate(_ACCENTS), f2.translate(_ACCENTS)
        phone = person.phone_e164
    else:  # first given name only, family names in the other order, the phone written another way
        given, f1, f2 = given.split()[0], (f2 or f1), (f1 if f2 else "")
        phone = phonenumbers.format_number(
            phonenumbers.parse(person.phone_e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    return services.PersonInput(
        given_names=given,
        family_name_1=f1,
        family_name_2=f2,
        sex=person.sex,
        birth_date=person.birth_date,
        nationality=str(person.nationality or ""),
        phone=phone,
        migration_situation=person.migration_situation,
        consents=[ConsentPurpose.ASSISTANCE],
    )


def make_copies(users: dict[str, User]) -> int:
    """Register the demo's second registrations (those not made yet); return how many were made."""
    made = 0
    for username, user in sorted(users.items()):
        if not username.startswith("officer.") or user.national_society_id is None:
            continue
        originals = (
            Person.objects.filter(
                national_society_id=user.national_society_id,
                merged_into__isnull=True,
                memberships__relationship="head",
                memberships__ended_at__isnull=True,
                birth_date__isnull=False,
                birth_date_estimated=False,
            )
            .exclude(phone_e164="")
            .order_by("code")[:COPIES_PER_COUNTRY]
        )
        for kind, original in enumerate(originals):
            data = _retyped(original, kind)
            if Person.objects.filter(
                national_society_id=original.national_society_id,
                given_names=data.given_names,
                family_name_1=data.family_name_1,
                birth_date=data.birth_date,
            ).exists():
                continue
            elsewhere = (
                ServicePoint.objects.filter(national_society_id=original.national_society_id)
                .exclude(pk=original.service_point_id)
                .order_by("code")
                .first()
            )
            services.register_person(user, data, elsewhere or original.service_point)
            made += 1
    return made


def seed(points: dict[str, ServicePoint], users: dict[str, User]) -> str | None:
    made = make_copies(users)
    summary = services.find_all_duplicates()
    if not made and summary.startswith("0 "):
        return None
    return f"registry: {made} people registered a second time, {summary} to review"
