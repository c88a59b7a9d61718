"""Shared fixtures: reference data, service points and one user per role."""

import os
import signal

os.environ.setdefault("CAMINANTE_TESTING", "1")

import pytest  # noqa: E402

from caminante.core.catalogue import load_catalogue  # noqa: E402
from caminante.core.models import NationalSociety, ServicePoint, ServiceType, User  # noqa: E402
from caminante.core.roles import GLOBAL_ROLES, HSP_ROLES, Role  # noqa: E402

PASSWORD = "a-long-test-password-123"


@pytest.fixture
def catalogue(db):
    """National Societies and service types (a flushed transactional test loses the migration's copy)."""
    load_catalogue()


def make_service_point(country: str, code: str, name: str = "", **extra) -> ServicePoint:
    ns = NationalSociety.objects.get(country=country)
    sp = ServicePoint.objects.create(
        national_society=ns,
        code=code,
        name=name or code,
        city=extra.pop("city", "Cúcuta"),
        latitude=extra.pop("latitude", 7.9),
        longitude=extra.pop("longitude", -72.5),
        time_zone=ns.time_zone,
        **extra,
    )
    sp.services.set(ServiceType.objects.all())
    return sp


def make_user(
    role: Role, service_point: ServicePoint | None = None, national_society=None, username: str | None = None
) -> User:
    if service_point is not None and (role in HSP_ROLES or national_society is None):
        national_society = service_point.national_society
    if role not in HSP_ROLES:
        service_point = None
    if role in GLOBAL_ROLES:
        national_society = None
    ns_code = national_society.country.code.lower() if national_society else "x"
    user = User(
        username=username or f"{role}.{ns_code}",
        role=role,
        national_society=national_society,
        service_point=service_point,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def sp_co(catalogue):
    return make_service_point("CO", "co-cucuta", "Cúcuta – Puente Simón Bolívar")


@pytest.fixture
def sp_co_other(catalogue):
    return make_service_point("CO", "co-maicao", "Maicao", city="Maicao", latitude=11.38, longitude=-72.24)


@pytest.fixture
def sp_pe(catalogue):
    return make_service_point("PE", "pe-tumbes", "Tumbes – CEBAF", city="Tumbes", latitude=-3.57, longitude=-80.45)


@pytest.fixture
def users(sp_co, sp_pe):
    """One user per role in Colombia (HSP roles at Cúcuta), the same in Peru, plus global roles."""
    result = {}
    for country, sp in (("co", sp_co), ("pe", sp_pe)):
        for role in Role:
            if role in (Role.ANALYST, Role.ADMIN):
                continue
            result[f"{role.value}.{country}"] = make_user(role, sp, sp.national_society)
    result["analyst"] = make_user(Role.ANALYST, username="analyst.regional")
    result["admin"] = make_user(Role.ADMIN, username="admin")
    return result


@pytest.fixture
def keep_signal_handlers():
    """The worker command installs SIGINT/SIGTERM handlers; give the test session its own back."""
    saved = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGINT, saved[0])
    signal.signal(signal.SIGTERM, saved[1])
