"""Reads of the referrals app.

Public reads (`nearest_services`, `public_places`) return only public data: active HSPs and
published, active directory services. Every other read takes the user and is scoped to what
their role may see.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from caminante.core.models import PartnerOrganisation, ServicePoint
from caminante.core.roles import SENSITIVE_READERS, Role
from caminante.core.scoping import NoScope, Scope, by_national_society

from .models import UNACKNOWLEDGED, UNVERIFIED_AFTER_DAYS, DirectoryService, Pathway, Referral

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = 111.32


@dataclass(frozen=True)
class NearbyService:
    """A place on the public map: an HSP or a directory service (contract 3)."""

    name: str
    kind: str  # "hsp" | "service"
    distance_km: float | None
    city: str
    address: str
    opening_hours: str
    phone: str
    latitude: float
    longitude: float
    services: list[str] = field(default_factory=list)
    map_url: str = ""
    # Extras for the public page.
    id: str = ""
    country: str = ""
    organisation: str = ""
    what_to_bring: str = ""
    eligibility: str = ""
    languages: list[str] = field(default_factory=list)
    free: bool = True
    email: str = ""
    website: str = ""


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(latitude: float, longitude: float, radius_km: float) -> Q | None:
    """A Q on latitude/longitude enclosing every point within radius_km (None: the whole world)."""
    if radius_km >= EARTH_RADIUS_KM * math.pi:
        return None
    dlat = radius_km / KM_PER_DEGREE_LAT
    lat_min, lat_max = latitude - dlat, latitude + dlat
    q = Q(
        latitude__gte=Decimal(str(round(max(lat_min, -90), 6))), latitude__lte=Decimal(str(round(min(lat_max, 90), 6)))
    )
    if lat_min <= -90 or lat_max >= 90:
        return q  # a pole is inside: every longitude
    # The widest longitude span is at the latitude furthest from the equator.
    cos_lat = math.cos(math.radians(max(abs(lat_min), abs(lat_max))))
    dlon = radius_km / (KM_PER_DEGREE_LAT * max(cos_lat, 1e-6))
    if dlon >= 180:
        return q
    lon_min, lon_max = longitude - dlon, longitude + dlon
    if lon_min < -180:  # wraps across the antimeridian
        return q & (
            Q(longitude__gte=Decimal(str(round(lon_min + 360, 6)))) | Q(longitude__lte=Decimal(str(round(lon_max, 6))))
        )
    if lon_max > 180:
        return q & (
            Q(longitude__gte=Decimal(str(round(lon_min, 6)))) | Q(longitude__lte=Decimal(str(round(lon_max - 360, 6))))
        )
    return q & Q(longitude__gte=Decimal(str(round(lon_min, 6))), longitude__lte=Decimal(str(round(lon_max, 6))))


def map_url(country: str = "", latitude: float | None = None, longitude: float | None = None, anchor: str = "") -> str:
    params = {}
    if country:
        params["country"] = country
    if latitude is not None and longitude is not None:
        params["lat"] = f"{latitude:.5f}"
        params["lon"] = f"{longitude:.5f}"
    url = reverse("service-map") + ("?" + urlencode(params) if params else "")
    return url + (f"#{anchor}" if anchor else "")


def public_hsps(country: str | None = None, service_type: str | None = None) -> QuerySet:
    qs = ServicePoint.objects.filter(status=ServicePoint.Status.ACTIVE).select_related("national_society")
    if country:
        qs = qs.filter(national_society__country=country.upper())
    if service_type:
        qs = qs.filter(services__code=service_type)
    return qs.prefetch_related("services").distinct()


def public_directory(country: str | None = None, service_type: str | None = None) -> QuerySet:
    qs = DirectoryService.objects.filter(published=True, active=True, organisation__active=True).select_related(
        "national_society", "organisation"
    )
    if country:
        qs = qs.filter(national_society__country=country.upper())
    if service_type:
        qs = qs.filter(service_type=service_type)
    return qs


def _from_hsp(point: ServicePoint, distance: float | None) -> NearbyService:
    lat, lon = float(point.latitude), float(point.longitude)
    country = point.national_society.country.code
    anchor = f"hsp-{point.code}"
    return NearbyService(
        name=point.name,
        kind="hsp",
        distance_km=None if distance is None else round(distance, 2),
        city=point.city,
        address=", ".join(p for p in (point.city, point.admin_area) if p),
        opening_hours=point.opening_hours,
        phone="",
        latitude=lat,
        longitude=lon,
        services=[s.code for s in point.services.all()],
        map_url=map_url(country, lat, lon, anchor),
        id=anchor,
        country=country,
        organisation=point.national_society.name,
    )


def _from_service(service: DirectoryService, distance: float | None) -> NearbyService:
    lat, lon = float(service.latitude), float(service.longitude)
    country = service.national_society.country.code
    anchor = f"s-{service.pk}"
    return NearbyService(
        name=service.name,
        kind="service",
        distance_km=None if distance is None else round(distance, 2),
        city=service.city,
        address=service.address,
        opening_hours=service.opening_hours,
        phone=service.phone or service.organisation.phone,
        latitude=lat,
        longitude=lon,
        services=[service.service_type],
        map_url=map_url(country, lat, lon, anchor),
        id=anchor,
        country=country,
        organisation=service.organisation.name,
        what_to_bring=service.what_to_bring,
        eligibility=service.eligibility,
        languages=service.language_codes,
        free=service.free,
        email=service.email,
        website=service.website,
    )


def _nearest(querysets, latitude: float, longitude: float, limit: int) -> list[tuple[float, object]]:
    """The `limit` rows nearest to the point across the querysets, as (distance in km, row).

    A bounding box in SQL (indexed latitude/longitude) keeps the rows read small, and only their
    ids and coordinates are read; the exact haversine distance is computed in Python, so it runs
    the same on SQLite and PostgreSQL. The box grows until it holds `limit` rows within its
    inscribed circle (only those are certainly nearer than anything outside the box), or covers
    the whole world. Then the winners are fetched whole.
    """
    radius = 5.0
    while True:
        box = bounding_box(latitude, longitude, radius)
        found: list[tuple[float, int, object]] = []
        for index, qs in enumerate(querysets):
            rows = qs.filter(box) if box is not None else qs
            for pk, lat, lon in rows.order_by().values_list("pk", "latitude", "longitude"):
                found.append((haversine_km(latitude, longitude, float(lat), float(lon)), index, pk))
        found.sort(key=lambda item: item[0])
        within = found if box is None else [item for item in found if item[0] <= radius]
        if box is None or len(within) >= limit:
            chosen = within[:limit]
            break
        radius *= 4
    fetched = {}
    for index, qs in enumerate(querysets):
        pks = [pk for _d, i, pk in chosen if i == index]
        if pks:
            fetched[index] = {row.pk: row for row in qs.filter(pk__in=pks)}
    return [(d, fetched[i][pk]) for d, i, pk in chosen]


def nearest_services(
    *,
    latitude: float,
    longitude: float,
    country: str | None = None,
    service_type: str | None = None,
    limit: int = 3,
) -> list[NearbyService]:
    """Active HSPs and published directory services nearest to a point (contract 3), nearest first.

    Public data only. `country` is an ISO 3166 alpha-2 code; `service_type` a service-type code
    (the HSP catalogue or the directory's extra types).
    """
    latitude, longitude = float(latitude), float(longitude)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or limit <= 0:
        return []

    pairs = _nearest(
        [public_hsps(country, service_type), public_directory(country, service_type)], latitude, longitude, limit
    )
    return [_from_hsp(row, d) if isinstance(row, ServicePoint) else _from_service(row, d) for d, row in pairs]


def public_places(
    *,
    country: str | None = None,
    city: str | None = None,
    service_type: str | None = None,
    near: tuple[float, float] | None = None,
    limit: int = 200,
) -> list[NearbyService]:
    """What the public map lists: HSPs first then services by country and city, or nearest first."""
    hsps, services = public_hsps(country, service_type), public_directory(country, service_type)
    if city:
        hsps, services = hsps.filter(city__iexact=city), services.filter(city__iexact=city)
    if near is not None:
        lat, lon = near
        if city:
            rows = [*hsps, *services]
            pairs = sorted(
                ((haversine_km(lat, lon, float(r.latitude), float(r.longitude)), r) for r in rows),
                key=lambda pair: pair[0],
            )[:limit]
        else:
            pairs = _nearest([hsps, services], lat, lon, limit)
        return [_from_hsp(r, d) if isinstance(r, ServicePoint) else _from_service(r, d) for d, r in pairs]
    places = [_from_hsp(p, None) for p in hsps.order_by("national_society__country", "city", "name")[:limit]]
    rest = limit - len(places)
    if rest > 0:
        places += [
            _from_service(s, None) for s in services.order_by("national_society__country", "city", "name")[:rest]
        ]
    return places


def public_cities(country: str | None = None) -> list[str]:
    hsp_cities = public_hsps(country).values_list("city", flat=True)
    service_cities = public_directory(country).values_list("city", flat=True)
    return sorted({*hsp_cities, *service_cities}, key=str.lower)


# ---- scoped reads for staff and partners -------------------------------------------------------

DIRECTORY_MANAGERS = frozenset({Role.DATA_MANAGER, Role.OFFICER, Role.ADMIN})
REFERRERS = frozenset({Role.VOLUNTEER, Role.COORDINATOR, Role.OFFICER, Role.PROTECTION, Role.DATA_MANAGER, Role.ADMIN})


def directory_for(user, *, only_stale: bool = False, country: str | None = None) -> QuerySet:
    scope = Scope.of(user).require(DIRECTORY_MANAGERS | {Role.PROTECTION, Role.COORDINATOR, Role.VOLUNTEER})
    qs = by_national_society(DirectoryService.objects.select_related("organisation", "national_society"), scope)
    if country:
        qs = qs.filter(national_society__country=country.upper())
    if only_stale:
        qs = qs.filter(stale_q())
    return qs.order_by("city", "name")


def stale_q(today=None) -> Q:
    today = today or timezone.now().date()
    cutoff = today - timezone.timedelta(days=UNVERIFIED_AFTER_DAYS)
    return Q(last_verified__isnull=True) | Q(last_verified__lt=cutoff)


def organisations_for(user) -> QuerySet:
    scope = Scope.of(user).require(DIRECTORY_MANAGERS)
    return by_national_society(PartnerOrganisation.objects.all(), scope)


def pathways_for(user) -> QuerySet:
    scope = Scope.of(user).require(REFERRERS)
    return by_national_society(Pathway.objects.all(), scope).prefetch_related("steps__service")


def referrals_for(user) -> QuerySet:
    """Referrals the user may see.

    HSP roles: those made from their service point; National Society roles: their National
    Society's; partners: those addressed to their organisation. Urgent referrals (a child alone,
    a survivor) only for protection roles (and the partner they are addressed to).
    """
    scope = Scope.of(user)
    qs = Referral.objects.select_related("service", "organisation", "service_point", "national_society")
    if scope.role == Role.PARTNER:
        if not user.partner_organisation_id:
            raise NoScope("partner user without an organisation")
        return qs.filter(organisation_id=user.partner_organisation_id, national_society_id=scope.national_society_id)
    scope.require(REFERRERS)
    qs = by_national_society(qs, scope)
    if scope.service_point_id and scope.role in (Role.VOLUNTEER, Role.COORDINATOR):
        qs = qs.filter(service_point_id=scope.service_point_id)
    if scope.role not in SENSITIVE_READERS:
        qs = qs.filter(urgent=False)
    return qs


def overdue_referrals(now=None) -> QuerySet:
    now = now or timezone.now()
    return Referral.objects.filter(status__in=UNACKNOWLEDGED, due_by__lt=now, overdue_alerted_at__isnull=True)


@dataclass
class Candidate:
    service: DirectoryService
    distance_km: float | None


@dataclass
class Step:
    position: int
    service_type: str
    label: str
    note: str
    candidates: list[Candidate]


def referral_candidates(user, person, need: str, per_step: int = 3) -> list[Step]:
    """For a need, the steps of the country's pathway, each with the services to choose from,
    nearest to the user's HSP first (the agreed service when the step names one)."""
    from .catalogue import NEED_SERVICE_TYPES, service_type_label

    Scope.of(user).require(REFERRERS)
    origin = user.service_point or person.service_point
    lat, lon = float(origin.latitude), float(origin.longitude)
    available = DirectoryService.objects.filter(
        national_society_id=person.national_society_id, active=True, accepts_referrals=True
    ).select_related("organisation", "national_society")
    pathway = Pathway.objects.filter(national_society_id=person.national_society_id, need=need, active=True).first()
    if pathway is not None:
        plan = [(s.position, s.service_type, s.service, s.note) for s in pathway.steps.select_related("service")]
    else:
        plan = [(i, t, None, "") for i, t in enumerate(NEED_SERVICE_TYPES.get(need, []), start=1)]
    steps = []
    for position, service_type, agreed, note in plan:
        if agreed is not None and agreed.active and agreed.accepts_referrals:
            rows = [agreed]
        else:
            rows = list(available.filter(service_type=service_type))
        ranked = sorted(
            (Candidate(s, round(haversine_km(lat, lon, float(s.latitude), float(s.longitude)), 1)) for s in rows),
            key=lambda c: c.distance_km,
        )[:per_step]
        steps.append(Step(position, service_type, service_type_label(service_type), note, ranked))
    return steps
