"""Contract 3: nearest_services over public data, ordered by great-circle distance."""

import random
from datetime import date

import pytest

from caminante.core.models import NationalSociety, PartnerOrganisation, ServicePoint
from caminante.referrals.models import DirectoryService
from caminante.referrals.selectors import NearbyService, bounding_box, haversine_km, nearest_services
from tests.conftest import make_service_point

pytestmark = pytest.mark.django_db


def add_service(country="CO", name="Legal aid", service_type="legal-aid", lat=7.89, lon=-72.50, **extra):
    ns = NationalSociety.objects.get(country=country)
    org = (
        extra.pop("organisation", None)
        or PartnerOrganisation.objects.get_or_create(national_society=ns, name=f"Org {country}")[0]
    )
    return DirectoryService.objects.create(
        national_society=ns,
        organisation=org,
        name=name,
        service_type=service_type,
        city=extra.pop("city", "Cúcuta"),
        latitude=lat,
        longitude=lon,
        last_verified=date.today(),
        **extra,
    )


def test_haversine_known_distance():
    # Bogotá to Lima is about 1,880 km.
    assert 1850 < haversine_km(4.711, -74.072, -12.046, -77.043) < 1910
    assert haversine_km(1, 1, 1, 1) == 0


def test_nearest_orders_by_distance_and_mixes_kinds(sp_co, sp_co_other, sp_pe):
    far = add_service(name="Far legal aid", lat=10.96, lon=-74.80, city="Barranquilla")
    near = add_service(name="Near legal aid", lat=7.91, lon=-72.51)
    result = nearest_services(latitude=7.90, longitude=-72.50, limit=4)
    assert all(isinstance(r, NearbyService) for r in result)
    assert [r.name for r in result] == [sp_co.name, near.name, sp_co_other.name, far.name]
    assert [r.kind for r in result] == ["hsp", "service", "hsp", "service"]
    distances = [r.distance_km for r in result]
    assert distances == sorted(distances)
    assert result[1].services == ["legal-aid"]
    assert result[0].map_url.startswith("/map/")
    assert "food" in result[0].services


def test_filters_country_type_and_public_only(sp_co, sp_pe):
    add_service(name="Unpublished", published=False, lat=7.9, lon=-72.5)
    add_service(name="Inactive", active=False, lat=7.9, lon=-72.5)
    sp_closed = make_service_point("CO", "co-closed", "Closed HSP", status=ServicePoint.Status.CLOSED)
    add_service(country="PE", name="Peru legal", lat=-3.56, lon=-80.44, city="Tumbes")
    names = [r.name for r in nearest_services(latitude=7.9, longitude=-72.5, limit=10)]
    assert "Unpublished" not in names and "Inactive" not in names and sp_closed.name not in names
    assert set(names[-2:]) == {"Peru legal", sp_pe.name}
    only_pe = nearest_services(latitude=7.9, longitude=-72.5, country="PE", limit=10)
    assert {r.name for r in only_pe} == {sp_pe.name, "Peru legal"}
    legal = nearest_services(latitude=7.9, longitude=-72.5, service_type="legal-aid", limit=10)
    assert [r.name for r in legal] == ["Peru legal"]
    assert nearest_services(latitude=7.9, longitude=-72.5, service_type="nothing-of-this-kind") == []


def test_limit_and_far_away_point_still_finds(catalogue):
    add_service(name="Only one", lat=-33.45, lon=-70.66, city="Santiago", country="CL")
    # From Caracas, the only service is 4,900 km away: the search box grows until it finds it.
    result = nearest_services(latitude=10.5, longitude=-66.9, limit=3)
    assert [r.name for r in result] == ["Only one"]
    assert 4800 < result[0].distance_km < 5100
    assert nearest_services(latitude=10.5, longitude=-66.9, limit=0) == []
    assert nearest_services(latitude=95, longitude=0) == []


def test_matches_brute_force_on_random_points(catalogue):
    rng = random.Random(7)
    for i in range(300):
        add_service(name=f"S{i}", lat=round(rng.uniform(-40, 12), 5), lon=round(rng.uniform(-82, -34), 5))
    for _ in range(25):
        lat, lon = rng.uniform(-40, 12), rng.uniform(-82, -34)
        got = nearest_services(latitude=lat, longitude=lon, limit=5)
        expected = sorted(
            DirectoryService.objects.all(), key=lambda s: haversine_km(lat, lon, float(s.latitude), float(s.longitude))
        )[:5]
        assert [g.name for g in got] == [s.name for s in expected]


def test_bounding_box_across_antimeridian():
    box = bounding_box(0, 179.9, 50)
    assert "OR" in str(box)
    assert bounding_box(89.9, 0, 100) is not None
    assert bounding_box(0, 0, 30000) is None
