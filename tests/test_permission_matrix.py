"""Each role × each route (pages and API) × own / other National Society.

Generated from the URL configuration: a new route without a declared permission
(`access_roles` on the view, or on the DRF view class) fails here.
"""

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from caminante.assistance.services import record_delivery
from caminante.core.catalogue import load_catalogue
from caminante.core.roles import GLOBAL_ROLES, Role
from caminante.registry.services import register_household
from tests.builders import person_input, register
from tests.conftest import make_service_point, make_user


@dataclass(frozen=True)
class Route:
    id: str
    name: str
    params: tuple[str, ...]
    access_roles: object  # frozenset of roles, "public", or None when undeclared
    is_api: bool


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _declared_roles(callback):
    roles = getattr(callback, "access_roles", None)
    if roles is None:
        roles = getattr(getattr(callback, "cls", None), "access_roles", None)
    return roles


def _routes() -> list[Route]:
    routes = []
    for text, pattern in _walk(get_resolver().url_patterns):
        params = tuple(pattern.pattern.regex.groupindex)
        route_id = f"{pattern.name or text}" + (".fmt" if "format" in params else "")
        routes.append(
            Route(route_id, pattern.name, params, _declared_roles(pattern.callback), text.startswith(("api/", "^api")))
        )
    return routes


ROUTES = _routes()
# Each app adds its objects and URL parameters in a module of tests/matrix/ (see its __init__).
EXTENSIONS = [
    importlib.import_module(f"tests.matrix.{info.name}")
    for info in pkgutil.iter_modules([str(Path(__file__).parent / "matrix")])
]
ROLES = [*Role, None]  # None: anonymous


def test_the_matrix_sees_the_routes():
    names = {r.name for r in ROUTES}
    for name in ("home", "register", "person", "person-list", "person-detail", "household-detail", "api-token"):
        assert name in names
    assert len(ROUTES) >= 25


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_every_route_declares_its_permission(route):
    assert route.access_roles is not None, f"new route without a declared permission: {route.id}"
    assert route.access_roles in ("public", "signed") or (
        isinstance(route.access_roles, frozenset) and route.access_roles <= set(Role)
    ), f"{route.id}: access_roles must be 'public' or a set of roles"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One person, household and delivery in Colombia and in Peru, and a user per role (built once)."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        load_catalogue()
        points = {"co": make_service_point("CO", "pm-co"), "pe": make_service_point("PE", "pm-pe")}
        users = {}
        for role in Role:
            if role in GLOBAL_ROLES:
                users[role] = make_user(role, username=f"pm-{role.value}")
            else:
                users[role] = make_user(
                    role, points["co"], points["co"].national_society, username=f"pm-{role.value}.co"
                )
        objects = {}
        for country in ("co", "pe"):
            writer = make_user(Role.VOLUNTEER, points[country], username=f"pm-writer.{country}")
            person = register(writer, "Persona", country.upper())
            household = register_household(writer, [person_input("Jefa", country.upper(), relationship="head")])
            delivery = record_delivery(writer, service_type="food", person=person)
            objects[country] = {
                "person": person.pk,
                "household": household.pk,
                "delivery": delivery.pk,
                "service_point": points[country].pk,
            }
            for extension in EXTENSIONS:
                objects[country].update(extension.build(country, writer, points[country], users))
        yield {"users": users, "objects": objects}
        transaction.set_rollback(True)


PARAM_KINDS = {"person_id": "person", "household_id": "household"}
PK_ROUTE_PREFIXES = {
    "person-": "person",
    "household-": "household",
    "service-delivery-": "delivery",
    "service-point-": "service_point",
}
for _extension in EXTENSIONS:
    PARAM_KINDS.update(getattr(_extension, "PARAM_KINDS", {}))
    PK_ROUTE_PREFIXES.update(getattr(_extension, "PK_ROUTE_PREFIXES", {}))


def _object_kind(route: Route, param: str) -> str:
    if param in PARAM_KINDS:
        return PARAM_KINDS[param]
    if param == "pk":
        for prefix, kind in PK_ROUTE_PREFIXES.items():
            if route.name.startswith(prefix):
                return kind
    raise AssertionError(f"{route.id}: teach the permission matrix what the '{param}' parameter refers to")


def _url(route: Route, objects: dict) -> str:
    kwargs = {}
    for param in route.params:
        kwargs[param] = "json" if param == "format" else objects[_object_kind(route, param)]
    return reverse(route.name, kwargs=kwargs)


def _request(client: Client, url: str):
    """GET the route; a POST-only route (405 to GET) is sent an empty POST instead."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_permission_matrix(route, role, world):
    assert route.access_roles is not None, f"new route without a declared permission: {route.id}"
    user = world["users"][role] if role else AnonymousUser()
    client = Client()
    if role:
        client.force_login(user)
    has_object = any(p != "format" for p in route.params)
    targets = ("co", "pe") if has_object else ("co",)
    for target in targets:
        url = _url(route, world["objects"][target])
        response = _request(client, url)
        where = f"{role.value if role else 'anonymous'} GET {url} ({route.id}, {target} object)"
        status = response.status_code
        if route.access_roles == "signed":
            # The request carries no signature or token: refused, whoever is logged in.
            assert status in (403, 404), f"{where}: request without credentials answered {status}"
        elif route.access_roles == "public":
            assert status < 400 or status in (400, 405), f"{where}: public route answered {status}"
            assert status not in (401, 403, 404), f"{where}: public route answered {status}"
        elif role is None:
            if route.is_api:
                assert status in (401, 403), f"{where}: anonymous API call answered {status}"
            else:
                assert status == 302 and response["Location"].startswith(reverse("login")), (
                    f"{where}: anonymous page answered {status}"
                )
        elif role not in route.access_roles:
            assert status == 403, f"{where}: role not allowed, expected 403, got {status}"
        elif target == "co" or role in GLOBAL_ROLES:
            if response.request["REQUEST_METHOD"] == "GET":
                assert status == 200, f"{where}: expected 200, got {status}"
            else:
                assert status < 400, f"{where}: expected success, got {status}"
        else:
            assert status == 404, f"{where}: another National Society's object, expected 404, got {status}"
