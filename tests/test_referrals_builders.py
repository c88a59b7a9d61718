"""Builders and fixtures shared by the referrals tests (imported by the other test_referrals_* modules)."""

from datetime import date

import pytest

from caminante.core.models import NationalSociety, PartnerOrganisation
from caminante.core.roles import Role
from caminante.referrals.models import DirectoryService
from tests.builders import register
from tests.conftest import make_user


def add_service(country="CO", name="Legal aid", service_type="legal-aid", lat=7.89, lon=-72.50, **extra):
    ns = NationalSociety.objects.get(country=country)
    org = (
        extra.pop("organisation", None)
        or PartnerOrganisation.objects.get_or_create(
            national_society=ns, name=f"Org {country}", defaults={"email": f"org.{country.lower()}@example.org"}
        )[0]
    )
    extra.setdefault("email", org.email)
    extra.setdefault("last_verified", date.today())
    return DirectoryService.objects.create(
        national_society=ns,
        organisation=org,
        name=name,
        service_type=service_type,
        city=extra.pop("city", "Cúcuta"),
        latitude=lat,
        longitude=lon,
        **extra,
    )


@pytest.fixture
def clinic(catalogue):
    ns = NationalSociety.objects.get(country="CO")
    return PartnerOrganisation.objects.create(national_society=ns, name="Clínica jurídica", email="clinic@example.org")


@pytest.fixture
def legal_aid(clinic):
    return add_service(name="Asesoría jurídica", organisation=clinic, email="legal@example.org")


@pytest.fixture
def partner(clinic):
    user = make_user(Role.PARTNER, national_society=clinic.national_society, username="partner.clinic")
    user.partner_organisation = clinic
    user.save()
    return user


@pytest.fixture
def person(users):
    return register(users["volunteer.co"], given="Yusmary", phone="+57 300 123 4567")


def not_collected():
    """This module holds no tests of its own."""


def test_builders_make_a_published_service(catalogue):
    service = add_service()
    assert service.published and service.accepts_referrals and not service.is_stale()
