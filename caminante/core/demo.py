"""Demo and load data: real service points on the route, plausible Venezuelan households.

Used by `caminante seed-demo` (a few thousand people, demo users) and `caminante seed-load`
(up to millions of people, for benchmarks). People are generated as plain rows by a seeded
`random.Random` (the same seed gives the same names, ages and services) and written in large
batches: `COPY` on PostgreSQL, `executemany` on SQLite. Every column the registry services
would fill is filled here too (name keys, normalised document and phone, disability flag, codes,
consent rows, service point links), so search and duplicate check work on generated people.
"""

import importlib
import itertools
import operator
import random
import time
import uuid
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from caminante.core.catalogue import load_catalogue
from caminante.core.codes import ALPHABET, check_character
from caminante.core.crypto import encrypt_json
from caminante.core.models import NationalSociety, ServicePoint, ServiceType, User
from caminante.core.roles import HSP_ROLES, Role
from caminante.matching.normalize import normalize_document

DEMO_PASSWORD = "caminante-demo"  # noqa: S105 - the published demo password, demo mode only
DEMO_SEED = 20240501

# ---------------------------------------------------------------------------------------------
# Service points: real places on the route, approximate real coordinates.
# ---------------------------------------------------------------------------------------------

CORE = ("hygiene-kit", "water", "information-session", "rfl-call", "sim-card", "first-aid-phc", "referral")
PROFILES = {
    # Border crossings: people arrive tired and in need of everything at once.
    "border": CORE
    + (
        "basic-needs-kit",
        "food",
        "showers-toilets",
        "child-safe-space",
        "hygiene-promotion",
        "psychosocial-support",
        "covid-hygiene-kit",
    ),
    # Points on the road (bus terminals, walking route): short stops.
    "transit": CORE + ("food", "psychosocial-support", "hygiene-promotion", "basic-needs-kit"),
    # Cities where people settle: cash, vouchers, rent, livelihoods.
    "city": CORE
    + (
        "psychosocial-support",
        "multipurpose-cash",
        "voucher",
        "shelter-rent",
        "livelihoods",
        "in-kind",
        "covid-vaccination-support",
    ),
    # Mobile units along highways.
    "mobile": ("hygiene-kit", "water", "food", "first-aid-phc", "information-session", "rfl-call", "sim-card"),
}
HOURS = {
    "border": "Lun–Dom 6:00–20:00",
    "transit": "Lun–Sáb 7:00–18:00",
    "city": "Lun–Vie 8:00–16:00",
    "mobile": "Mar, Jue y Sáb 8:00–14:00 (según ruta)",
}


@dataclass(frozen=True)
class PlaceSpec:
    code: str
    country: str
    name: str
    city: str
    admin_area: str
    latitude: float
    longitude: float
    corridor: str
    profile: str  # border / transit / city / mobile
    weight: int  # share of demo people registered here
    time_zone: str = ""  # only where it differs from the National Society's

    @property
    def kind(self) -> str:
        return ServicePoint.Kind.MOBILE if self.profile == "mobile" else ServicePoint.Kind.STATIC


ANDEAN = "Corredor andino (Cúcuta – Bogotá – Ipiales – Lima – Santiago)"
CARIBBEAN = "Corredor Caribe (La Guajira)"
LLANOS = "Corredor de los Llanos (Arauca)"
AMAZON = "Corredor amazónico (Pacaraima – Boa Vista – Manaos)"
ALTIPLANO = "Corredor altiplánico (Desaguadero – Pisiga – Colchane)"
NORTH = "Ruta hacia el norte (Darién – Centroamérica – México)"
ISLANDS = "Ruta marítima (islas del Caribe)"
SOUTHERN = "Cono sur"

SERVICE_POINTS = [
    # The first point of each country is its main one: HSP demo users work there.
    PlaceSpec("co-cucuta-simon-bolivar", "CO", "Cúcuta – Puente Internacional Simón Bolívar", "Cúcuta",
              "Norte de Santander", 7.8201, -72.4569, ANDEAN, "border", 60),
    PlaceSpec("co-villa-del-rosario", "CO", "Villa del Rosario – La Parada", "Villa del Rosario",
              "Norte de Santander", 7.8336, -72.4740, ANDEAN, "border", 30),
    PlaceSpec("co-pamplona", "CO", "Pamplona – Unidad móvil caminantes", "Pamplona",
              "Norte de Santander", 7.3758, -72.6476, ANDEAN, "mobile", 12),
    PlaceSpec("co-maicao", "CO", "Maicao", "Maicao", "La Guajira", 11.3776, -72.2396, CARIBBEAN, "border", 25),
    PlaceSpec("co-paraguachon", "CO", "Paraguachón – Unidad móvil", "Paraguachón", "La Guajira",
              11.3638, -72.1290, CARIBBEAN, "mobile", 8),
    PlaceSpec("co-arauca", "CO", "Arauca – Puente José Antonio Páez", "Arauca", "Arauca",
              7.0847, -70.7591, LLANOS, "border", 12),
    PlaceSpec("co-bogota-terminal", "CO", "Bogotá – Terminal de Transporte Salitre", "Bogotá",
              "Bogotá D.C.", 4.6583, -74.1152, ANDEAN, "city", 20),
    PlaceSpec("co-pasto", "CO", "Pasto", "Pasto", "Nariño", 1.2136, -77.2811, ANDEAN, "transit", 8),
    PlaceSpec("co-ipiales-rumichaca", "CO", "Ipiales – Puente de Rumichaca", "Ipiales", "Nariño",
              0.8115, -77.6631, ANDEAN, "border", 15),
    PlaceSpec("ec-tulcan-rumichaca", "EC", "Tulcán – CENAF Rumichaca", "Tulcán", "Carchi",
              0.8171, -77.6617, ANDEAN, "border", 20),
    PlaceSpec("ec-quito", "EC", "Quito – Terminal Quitumbe", "Quito", "Pichincha", -0.2960, -78.5560, ANDEAN,
              "city", 12),
    PlaceSpec("ec-huaquillas", "EC", "Huaquillas – CEBAF", "Huaquillas", "El Oro", -3.4772, -80.2319, ANDEAN,
              "border", 15),
    PlaceSpec("ec-guayaquil", "EC", "Guayaquil", "Guayaquil", "Guayas", -2.1700, -79.9224, ANDEAN, "city", 8),
    PlaceSpec("pe-tumbes-cebaf", "PE", "Tumbes – CEBAF", "Tumbes", "Tumbes", -3.4907, -80.2593, ANDEAN,
              "border", 25),
    PlaceSpec("pe-lima", "PE", "Lima – Terminal Plaza Norte", "Lima", "Lima", -12.0067, -77.0587, ANDEAN,
              "city", 20),
    PlaceSpec("pe-tacna", "PE", "Tacna – Complejo Fronterizo Santa Rosa", "Tacna", "Tacna",
              -18.1722, -70.3250, ANDEAN, "border", 10),
    PlaceSpec("pe-desaguadero", "PE", "Desaguadero (Perú)", "Desaguadero", "Puno", -16.5657, -69.0405,
              ALTIPLANO, "border", 6),
    PlaceSpec("pe-puno", "PE", "Puno", "Puno", "Puno", -15.8402, -70.0219, ALTIPLANO, "transit", 4),
    PlaceSpec("bo-desaguadero", "BO", "Desaguadero (Bolivia)", "Desaguadero", "La Paz", -16.5683, -69.0378,
              ALTIPLANO, "border", 5),
    PlaceSpec("bo-la-paz", "BO", "La Paz", "La Paz", "La Paz", -16.4897, -68.1193, ALTIPLANO, "city", 5),
    PlaceSpec("bo-pisiga", "BO", "Pisiga Bolívar", "Pisiga", "Oruro", -19.2456, -68.6330, ALTIPLANO,
              "border", 5),
    PlaceSpec("cl-colchane", "CL", "Colchane", "Colchane", "Tarapacá", -19.2767, -68.6383, ALTIPLANO,
              "border", 12),
    PlaceSpec("cl-arica", "CL", "Arica – Chacalluta", "Arica", "Arica y Parinacota", -18.3530, -70.3380,
              ANDEAN, "border", 8),
    PlaceSpec("cl-iquique", "CL", "Iquique", "Iquique", "Tarapacá", -20.2307, -70.1357, ALTIPLANO, "transit", 6),
    PlaceSpec("cl-santiago", "CL", "Santiago", "Santiago", "Región Metropolitana", -33.4489, -70.6693, ANDEAN,
              "city", 8),
    PlaceSpec("br-pacaraima", "BR", "Pacaraima – Posto de Triagem", "Pacaraima", "Roraima", 4.4790, -61.1470,
              AMAZON, "border", 20, "America/Boa_Vista"),
    PlaceSpec("br-boa-vista", "BR", "Boa Vista – Rodoviária", "Boa Vista", "Roraima", 2.8235, -60.6758, AMAZON,
              "transit", 12, "America/Boa_Vista"),
    PlaceSpec("br-manaus", "BR", "Manaus", "Manaus", "Amazonas", -3.1190, -60.0217, AMAZON, "city", 6,
              "America/Manaus"),
    PlaceSpec("pa-lajas-blancas", "PA", "Darién – ERM Lajas Blancas", "Lajas Blancas", "Darién",
              8.2667, -77.8347, NORTH, "border", 8),
    PlaceSpec("pa-panama", "PA", "Ciudad de Panamá", "Panamá", "Panamá", 8.9824, -79.5199, NORTH, "city", 3),
    PlaceSpec("cr-paso-canoas", "CR", "Paso Canoas", "Paso Canoas", "Puntarenas", 8.5333, -82.8333, NORTH,
              "border", 5),
    PlaceSpec("mx-tapachula", "MX", "Tapachula", "Tapachula", "Chiapas", 14.9039, -92.2575, NORTH, "city", 5),
    PlaceSpec("do-santo-domingo", "DO", "Santo Domingo", "Santo Domingo", "Distrito Nacional",
              18.4861, -69.9312, ISLANDS, "city", 3),
    PlaceSpec("tt-port-of-spain", "TT", "Port of Spain", "Port of Spain", "Port of Spain", 10.6549, -61.5019,
              ISLANDS, "city", 3),
    PlaceSpec("gy-georgetown", "GY", "Georgetown", "Georgetown", "Demerara-Mahaica", 6.8013, -58.1551,
              ISLANDS, "city", 2),
    PlaceSpec("aw-oranjestad", "AW", "Oranjestad", "Oranjestad", "Aruba", 12.5240, -70.0270, ISLANDS, "city", 2),
    PlaceSpec("cw-willemstad", "CW", "Willemstad", "Willemstad", "Curaçao", 12.1091, -68.9316, ISLANDS,
              "city", 2),
    PlaceSpec("ve-san-antonio", "VE", "San Antonio del Táchira", "San Antonio del Táchira", "Táchira",
              7.8146, -72.4431, ANDEAN, "border", 10),
    PlaceSpec("ve-caracas", "VE", "Caracas", "Caracas", "Distrito Capital", 10.4806, -66.9036, ANDEAN,
              "city", 4),
    PlaceSpec("ar-buenos-aires", "AR", "Buenos Aires", "Buenos Aires", "CABA", -34.6037, -58.3816, SOUTHERN,
              "city", 4),
    PlaceSpec("uy-montevideo", "UY", "Montevideo", "Montevideo", "Montevideo", -34.9011, -56.1645, SOUTHERN,
              "city", 2),
    PlaceSpec("py-asuncion", "PY", "Asunción", "Asunción", "Central", -25.2637, -57.5759, SOUTHERN, "city", 2),
]  # fmt: skip

DEMO_ROLE_PREFIXES = (Role.VOLUNTEER, Role.COORDINATOR, Role.OFFICER, Role.PROTECTION, Role.RFL, Role.DATA_MANAGER)


def seed_app_demos(points: dict[str, ServicePoint], users: dict[str, User]) -> list[str]:
    """Run every Caminante app's `demo.seed(points, users)` (after the people are loaded).

    It runs on every `seed-demo`, so each must be idempotent; it returns a one-line summary or None."""
    summaries = []
    for config in apps.get_app_configs():
        if not config.name.startswith("caminante.") or config.name == "caminante.core":
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as error:
            if error.name == f"{config.name}.demo":
                continue
            raise
        summary = module.seed(points, users)
        if summary:
            summaries.append(summary)
    return summaries


def ensure_service_points() -> dict[str, ServicePoint]:
    """Create or update the route's service points (idempotent); return them by code."""
    load_catalogue()
    societies = {ns.country.code: ns for ns in NationalSociety.objects.all()}
    types = {t.code: t for t in ServiceType.objects.all()}
    existing = {sp.code: sp for sp in ServicePoint.objects.filter(code__in=[p.code for p in SERVICE_POINTS])}
    result = {}
    for spec in SERVICE_POINTS:
        ns = societies[spec.country]
        values = {
            "national_society": ns,
            "name": spec.name,
            "kind": spec.kind,
            "city": spec.city,
            "admin_area": spec.admin_area,
            "latitude": Decimal(f"{spec.latitude:.6f}"),
            "longitude": Decimal(f"{spec.longitude:.6f}"),
            "corridor": spec.corridor,
            "time_zone": spec.time_zone or ns.time_zone,
            "opening_hours": HOURS[spec.profile],
        }
        sp = existing.get(spec.code)
        if sp is None:
            sp = ServicePoint.objects.create(code=spec.code, **values)
            sp.services.set([types[c] for c in PROFILES[spec.profile]])
        elif any(getattr(sp, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(sp, k, v)
            sp.save()
        result[spec.code] = sp
    return result


def main_service_points(points: dict[str, ServicePoint]) -> dict[str, ServicePoint]:
    """The first listed service point of each country (where its HSP demo users work)."""
    main: dict[str, ServicePoint] = {}
    for spec in SERVICE_POINTS:
        main.setdefault(spec.country, points[spec.code])
    return main


def demo_usernames(points: dict[str, ServicePoint] | None = None) -> dict[str, list[str]]:
    """Demo usernames grouped by role, in a stable order."""
    countries = list(dict.fromkeys(spec.country for spec in SERVICE_POINTS))
    grouped = {role.value: [f"{role.value}.{c.lower()}" for c in countries] for role in DEMO_ROLE_PREFIXES}
    grouped[Role.ANALYST.value] = ["analyst.regional"]
    grouped[Role.ADMIN.value] = ["admin"]
    return grouped


def ensure_demo_users(points: dict[str, ServicePoint]) -> dict[str, User]:
    """One user per role and country with service points, plus analyst.regional and admin.

    All share the demo password. It is hashed once (Argon2 is slow on purpose); users that
    already exist keep their password."""
    main = main_service_points(points)
    wanted: dict[str, dict] = {}
    for country, sp in main.items():
        for role in DEMO_ROLE_PREFIXES:
            wanted[f"{role.value}.{country.lower()}"] = {
                "role": role,
                "national_society": sp.national_society,
                "service_point": sp if role in HSP_ROLES else None,
                "is_staff": False,
                "is_superuser": False,
            }
    wanted["analyst.regional"] = {"role": Role.ANALYST, "national_society": None, "service_point": None}
    wanted["admin"] = {
        "role": Role.ADMIN,
        "national_society": None,
        "service_point": None,
        "is_staff": True,
        "is_superuser": True,
    }
    existing = {u.username: u for u in User.objects.filter(username__in=wanted)}
    hashed = None
    result = {}
    for username, values in wanted.items():
        user = existing.get(username)
        if user is None:
            hashed = hashed or make_password(DEMO_PASSWORD)
            user = User(username=username, password=hashed, **values)
            user.save()
        elif any(getattr(user, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(user, k, v)
            user.save()
        result[username] = user
    return result


# ---------------------------------------------------------------------------------------------
# Names and people
# ---------------------------------------------------------------------------------------------

FEMALE = (
    "María Ana Carmen Rosa Luisa Yusmary Yorgelis Yelitza Yuleisy Marisol Carolina Daniela Gabriela Andrea "
    "Valentina Mariana Alejandra Fernanda Patricia Beatriz Teresa Isabel Josefina Dolores Mercedes Yolanda "
    "Yenny Johana Dayana Yesenia Milagros Nohemí Xiomara Zuleima Yaneth Génesis Nairobi Oriana Rosmary "
    "Eglee Yajaira Yamileth Maritza Lisbeth Coromoto Elizabeth Virginia Natalia Victoria Fabiola Graciela "
    "Consuelo Lucía Sofía Paola Karla Kimberly Stefany Yurimar Yohana Yuliana Nathaly Dulce Esther Ruth "
    "Yoselin Mayerlin Keila Yuraima Arelis Neida Migdalia Omaira Betzabeth Rosángela Francys Dubraska "
    "Yanitza Greisy Marbelis Leidy Yulimar Katherine Wendy Zoraida Nelly Isbelia Zulay Hilda Ingrid"
).split()
MALE = (
    "José Luis Carlos Juan Jesús Miguel Pedro Antonio Manuel Francisco Jorge Rafael Alejandro Daniel "
    "David Gabriel Ángel Eduardo Ricardo Fernando Javier Andrés Oscar Víctor Alexander Jhonny Maikel Wilmer "
    "Yorman Deivis Keiber Yonathan Richard Wilson Freddy Nelson Henry Edgar Ramón Gregorio Héctor Orlando "
    "Rubén Alberto Roberto Humberto Enrique Gustavo Sebastián Santiago Samuel Moisés Jonás Elías Yeferson "
    "Anderson Jefferson Brayan Kevin Cristian Eliezer Leonardo Simón Rómulo Omar Darwin Robert Jhoan "
    "Yonder Wilfredo Ender Nerio Argenis Yordy Jonathan Endrick Leomar Deiby Frank Alirio Gerardo Reinaldo "
    "Yoel Alí Douglas Eleazar Ramiro Nixon Jairo Luisangel Osmel Franklin Yhonatan Kelvin Wuilmer Arnaldo"
).split()
COMPOUND_F = (
    "María José",
    "María Alejandra",
    "María Fernanda",
    "María Gabriela",
    "María del Valle",
    "María Eugenia",
    "María Teresa",
    "Ana María",
    "Rosa María",
    "María de los Ángeles",
    "María Victoria",
    "María Isabel",
    "Luisa Fernanda",
    "María Laura",
)
COMPOUND_M = (
    "José Luis",
    "José Gregorio",
    "Juan Carlos",
    "José Manuel",
    "Juan José",
    "Luis Alberto",
    "Carlos Eduardo",
    "José Ángel",
    "Juan Pablo",
    "Miguel Ángel",
    "Jesús Alberto",
    "José Antonio",
    "Luis Enrique",
    "Carlos Alberto",
)
FAMILY = (
    "González Rodríguez Pérez Hernández García Martínez López Díaz Sánchez Ramírez Torres Rojas Flores Gómez "
    "Morales Vásquez Castillo Mendoza Suárez Romero Gutiérrez Rivas Moreno Silva Contreras Medina Marcano "
    "Villegas Quintero Llanos Blanco Herrera Ramos Chacón Jiménez Fernández Salazar Guerrero Álvarez Acosta "
    "Delgado Mora Peña Colmenares Briceño Parra Aguilar Márquez Barrios Bolívar Carrillo Ortiz Ruiz Vargas "
    "Zambrano Camacho Cordero Montilla Escalona Urdaneta Azuaje Yépez Pacheco Sequera Arteaga Linares Rangel "
    "Lugo Mujica Oropeza Figueroa Padrón Infante Tovar Guzmán Palacios Uzcátegui Villalobos Cedeño Bracho "
    "Nava Fuenmayor Chirinos Atencio Añez Paz Ferrer Petit Leal Sulbarán Moncada Valero Rondón Terán Hurtado "
    "Bastidas Lozada Duque Salas Navas Ochoa Olivares Rincón Montero Marín Mejías Cova Brito Quijada Malavé "
    "Gil Guevara Lara Campos Zerpa Piña Carvajal Sarmiento Tremont Landaeta Garcés Castro Aponte Istúriz "
    "Pineda Alvarado Mata Osorio Requena Velásquez Arias Toro Soto Meza Ledezma Graterol Perdomo Giménez"
).split()
# Host-community names (Colombian, Peruvian, Ecuadorian and Brazilian hosts look much alike here).
HOST_FAMILY = "Cárdenas Quispe Mamani Restrepo Ospina Montoya Cárdenas Zapata Valencia Silva Santos Oliveira".split()

VE_MOBILE = ("412", "414", "424", "416", "426")
CO_MOBILE = ("300", "301", "304", "310", "311", "313", "315", "316", "317", "318", "320", "321", "350")


def _zipf_cum_weights(n: int, s: float = 0.8) -> list[float]:
    """Cumulative weights (for `random.choices`) of a Zipf-like law: few very common names."""
    return list(itertools.accumulate(1 / (rank**s) for rank in range(1, n + 1)))


@dataclass
class Batch:
    """Rows for one write: plain dicts keyed by attribute name (``national_society_id``...)."""

    households: list[dict] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    memberships: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    consents: list[dict] = field(default_factory=list)
    deliveries: list[dict] = field(default_factory=list)


@dataclass
class PointInfo:
    """What the generator needs to know about a service point, without ORM lookups per row."""

    id: uuid.UUID
    national_society_id: uuid.UUID
    country: str
    services: list[tuple[uuid.UUID, str, str]]  # (id, code, default unit)
    tz: zoneinfo.ZoneInfo = zoneinfo.ZoneInfo("UTC")
    created_by_id: uuid.UUID | None = None
    today_share: float = 0.0  # chance that a household was also served today


QUANTITY = {
    "water": (5, 20),
    "food": (1, 3),
    "showers-toilets": (1, 2),
    "multipurpose-cash": (1, 1),
    "voucher": (1, 2),
    "shelter-rent": (1, 2),
}
HOUSEHOLD_SERVICES = {"basic-needs-kit", "food", "multipurpose-cash", "voucher", "shelter-rent", "in-kind"}
SIZE_WEIGHTS = (30, 20, 20, 15, 10, 5)  # households of 1 to 6


class PeopleGenerator:
    """Plausible Venezuelan households, their consents and the services given to them."""

    def __init__(self, seed: int, points: list[PointInfo], weights: list[float], *, days: int = 120):
        self.rng = random.Random(seed)
        self.id_rng = random.Random()  # ids must never repeat across runs: not seeded
        self.points, self.point_weights = points, weights
        self.now = timezone.now()
        self.days = days
        self.codes: set[str] = set()
        self.documents: set[tuple] = set()
        self._keys: dict[tuple[str, str, str], dict] = {}
        self.female_w = _zipf_cum_weights(len(FEMALE))
        self.male_w = _zipf_cum_weights(len(MALE))
        self.family_w = _zipf_cum_weights(len(FAMILY), 0.7)
        self.point_cum = list(itertools.accumulate(weights))
        self._survivor_blob = encrypt_json({"survivor_of_violence": True})

    # -- small draws -------------------------------------------------------------------------

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.id_rng.getrandbits(128), version=4)

    def code(self, prefix: str) -> str:
        """A short human code like `codes.new_code` makes, drawn from the seeded generator
        (reproducible, and five times faster than `secrets` for a million people)."""
        while True:
            payload = "".join(self.rng.choices(ALPHABET, k=6))
            body = payload + check_character(payload)
            code = f"{prefix}-{body[:4]}-{body[4:]}"
            if code not in self.codes:
                self.codes.add(code)
                return code

    def given(self, sex: str) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return rng.choice(COMPOUND_F if sex == "female" else COMPOUND_M)
        names, weights = (FEMALE, self.female_w) if sex == "female" else (MALE, self.male_w)
        first = rng.choices(names, cum_weights=weights)[0]
        if rng.random() < 0.35:
            second = rng.choices(names, cum_weights=weights)[0]
            if second != first:
                return f"{first} {second}"
        return first

    def family(self) -> str:
        return self.rng.choices(FAMILY, cum_weights=self.family_w)[0]

    def keys(self, given: str, f1: str, f2: str) -> dict:
        from caminante.registry.services import name_keys

        cache_key = (given, f1, f2)
        keys = self._keys.get(cache_key)
        if keys is None:
            if len(self._keys) > 500_000:
                self._keys.clear()
            keys = self._keys[cache_key] = name_keys(given, f1, f2)
        return keys

    def phone(self, country: str) -> tuple[str, str]:
        """(as the person gave it, E.164)."""
        rng = self.rng
        if country == "CO" and rng.random() < 0.3:
            prefix, rest = rng.choice(CO_MOBILE), f"{rng.randrange(10**7):07d}"
            e164 = f"+57{prefix}{rest}"
            return rng.choice((f"{prefix} {rest[:3]} {rest[3:]}", f"+57 {prefix} {rest}")), e164
        prefix, rest = rng.choice(VE_MOBILE), f"{rng.randrange(10**7):07d}"
        e164 = f"+58{prefix}{rest}"
        shown = rng.choice(
            (f"+58 {prefix} {rest}", f"0{prefix}-{rest}", f"0{prefix} {rest[:3]} {rest[3:5]} {rest[5:]}", e164)
        )
        return shown, e164

    def document(self, ns_id, age: int, nationality: str) -> tuple[str, str, str]:
        """(type, as written, normalised), unique per National Society and type."""
        rng = self.rng
        roll = rng.random()
        if age >= 18 and nationality == "VE" and roll < 0.45:
            # Cédula numbers grow with the year they were issued: older people, lower numbers.
            for _attempt in range(20):
                low = max(3_000_000, 32_000_000 - age * 520_000)
                number = rng.randrange(low, low + 4_000_000)
                normalized = str(number)
                if (ns_id, "ve_cedula", normalized) not in self.documents:
                    break
            else:
                return "", "", ""
            self.documents.add((ns_id, "ve_cedula", normalized))
            dotted = f"{number:,}".replace(",", ".")
            shown = rng.choice((f"V-{dotted}", f"V{number}", str(number), f"V-{number}"))
            return "ve_cedula", shown, normalize_document(shown)
        if roll < 0.55 or (age < 18 and roll < 0.6):
            kind = "passport" if age >= 18 and roll < 0.5 else ("birth_certificate" if age < 18 else "permit")
            for _attempt in range(20):
                number = f"{rng.randrange(10**8, 10**9)}"
                if (ns_id, kind, number) not in self.documents:
                    self.documents.add((ns_id, kind, number))
                    return kind, number, number
        return "", "", ""

    def moment(self, after: datetime | None = None) -> datetime:
        """A time in the past `days` days (after `after`), during the day."""
        start = after or (self.now - timedelta(days=self.days))
        span = max((self.now - start).total_seconds() - 60, 1)
        return start + timedelta(seconds=self.rng.random() * span)

    def today_moment(self, tz: zoneinfo.ZoneInfo) -> datetime:
        """A time earlier today in the service point's local day."""
        local_midnight = self.now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        start = max(self.now - timedelta(hours=8), local_midnight)
        span = max((self.now - start).total_seconds() - 60, 1)
        return start + timedelta(seconds=self.rng.random() * span)

    # -- a household ---------------------------------------------------------------------------

    def household(self, batch: Batch, size: int | None = None) -> int:
        rng = self.rng
        point = rng.choices(self.points, cum_weights=self.point_cum)[0]
        size = size or rng.choices(range(1, 7), SIZE_WEIGHTS)[0]
        registered = self.moment()
        host = rng.random() < 0.06  # a host-community family in need
        nationality = point.country if host else ("CO" if rng.random() < 0.04 else "VE")
        situation = (
            "host"
            if host
            else rng.choices(("in_transit", "arriving", "settled", "pendular", "returning"), (40, 25, 20, 10, 5))[0]
        )
        if nationality == "CO" and not host:
            situation = "returning"
        prefix = point.country
        household_id = self.uuid()
        common = {
            "created_at": registered,
            "updated_at": registered,
            "created_by_id": point.created_by_id,
            "updated_by_id": point.created_by_id,
            "created_at_point_id": point.id,
        }
        batch.households.append(
            {
                "id": household_id,
                "national_society_id": point.national_society_id,
                "service_point_id": point.id,
                "code": self.code(prefix),
                **common,
            }
        )
        # Members: head, maybe a partner, children, sometimes a parent or a sibling.
        head_sex = "female" if rng.random() < 0.55 else "male"
        lone_minor = size == 1 and rng.random() < 0.02
        head_age = rng.randint(15, 17) if lone_minor else min(int(rng.triangular(18, 75, 30)), 90)
        family_pool = HOST_FAMILY if host else None
        head_f1 = rng.choice(family_pool) if family_pool else self.family()
        head_f2 = self.family() if rng.random() < 0.93 else ""
        members = [("head", head_sex, head_age, head_f1, head_f2)]
        partner_f1 = None
        if size >= 2 and head_age >= 20 and rng.random() < 0.6:
            sex = "male" if head_sex == "female" else "female"
            partner_f1 = self.family()
            members.append(("spouse", sex, max(18, head_age + rng.randint(-6, 6)), partner_f1, self.family()))
        while len(members) < size:
            roll = rng.random()
            if roll < 0.8 and head_age >= 17:
                max_age = min(17, head_age - 16)
                age = rng.randint(0, max(0, max_age))
                father, mother = (head_f1, partner_f1) if head_sex == "male" else (partner_f1, head_f1)
                f1, f2 = (father, mother) if father else (mother, "")
                if father is None and rng.random() < 0.5:
                    f1, f2 = self.family(), mother
                members.append(("child", rng.choice(("female", "male")), age, f1, f2 or ""))
            elif roll < 0.9:
                members.append(("parent", rng.choice(("female", "male")), min(head_age + rng.randint(18, 30), 95),
                                self.family(), head_f1))  # fmt: skip
            else:
                members.append(("sibling", rng.choice(("female", "male")), max(0, head_age + rng.randint(-8, 8)),
                                head_f1, head_f2))  # fmt: skip
        today = self.now.date()
        people = []
        for relationship, sex, age, f1, f2 in members:
            person_id = self.uuid()
            people.append(person_id)
            given = self.given(sex)
            estimated = rng.random() < 0.25
            if estimated:
                birth = date(today.year - age, 1, 1)
            else:
                birth = today - timedelta(days=age * 365 + rng.randint(0, 364) + age // 4)
                if birth > today:
                    birth = today
            if age < 2 and rng.random() < 0.3:
                f2 = f2 or ""
            phone, e164 = ("", "")
            if age >= 16 and rng.random() < (0.75 if relationship == "head" else 0.4):
                phone, e164 = self.phone(point.country)
            whatsapp = bool(e164) and rng.random() < 0.85
            doc_type, doc_shown, doc_norm = self.document(point.national_society_id, age, nationality)
            wg = dict.fromkeys(("wg_seeing", "wg_hearing", "wg_walking", "wg_cognition", "wg_selfcare",
                                "wg_communication"), "no" if age >= 5 else "")  # fmt: skip
            disability = False
            if age >= 5:
                if rng.random() < 0.04 + (0.15 if age >= 60 else 0):
                    wg[rng.choice(list(wg))] = "some"
                if rng.random() < 0.015 + (0.05 if age >= 60 else 0):
                    wg[rng.choice(list(wg))] = rng.choice(("a_lot", "a_lot", "cannot"))
                    disability = True
            survivor = age >= 12 and rng.random() < 0.01
            row = {
                "id": person_id,
                "national_society_id": point.national_society_id,
                "service_point_id": point.id,
                "code": self.code(prefix),
                "given_names": given,
                "family_name_1": f1,
                "family_name_2": f2,
                "sex": sex,
                "birth_date": birth,
                "birth_date_estimated": estimated,
                "nationality": nationality,
                "document_type": doc_type,
                "document_number": doc_shown,
                "document_number_normalized": doc_norm,
                "phone": phone,
                "phone_e164": e164,
                "phone_is_whatsapp": whatsapp,
                "migration_situation": situation,
                **wg,
                "has_disability": disability,
                "pregnant_or_lactating": sex == "female" and 15 <= age <= 44 and rng.random() < 0.1,
                "unaccompanied_or_separated_child": lone_minor,
                "older_person_alone": size == 1 and age >= 60,
                "chronic_illness": rng.random() < (0.15 if age >= 50 else 0.03),
                "protection_data": self._survivor_blob if survivor else "",
                **self.keys(given, f1, f2),
                "merged_into_id": None,
                **common,
            }
            batch.people.append(row)
            batch.memberships.append(
                {
                    "household_id": household_id,
                    "person_id": person_id,
                    "relationship": relationship,
                    "joined_at": registered,
                }  # fmt: skip
            )
            batch.links.append(
                {"person_id": person_id, "service_point_id": point.id, "linked_at": registered}  # fmt: skip
            )
            channel = "guardian" if age < 18 and not lone_minor else "in_person"
            purposes = ["assistance"]
            if whatsapp and rng.random() < 0.9:
                purposes.append("whatsapp")
            if rng.random() < 0.3:
                purposes.append("referrals")
            if rng.random() < 0.1:
                purposes.append("tracing")
            for purpose in purposes:
                batch.consents.append(
                    {
                        "person_id": person_id,
                        "purpose": purpose,
                        "granted": True,
                        "channel": channel,
                        "recorded_at": registered,
                        "recorded_by_id": point.created_by_id,
                        "service_point_id": point.id,
                        "withdrawn_at": None,
                    }
                )
        # Services: on the day of registration and on later visits; some today.
        visits = [registered]
        if situation in ("settled", "arriving", "host", "pendular"):
            visits += sorted(self.moment(registered) for _ in range(rng.choice((0, 1, 1, 2, 3))))
        if rng.random() < point.today_share:
            visits.append(self.today_moment(point.tz))
        for when in visits:
            count = min(len(point.services), rng.choice((1, 1, 2, 2, 3)))
            for service_id, service_code, unit in rng.sample(point.services, count):
                low, high = QUANTITY.get(service_code, (1, 1))
                if service_code in HOUSEHOLD_SERVICES and size > 1:
                    targets = [(None, household_id)]
                elif service_code in ("child-safe-space",):
                    targets = [(p, None) for p, m in zip(people, members, strict=True) if m[2] < 12][:3]
                else:
                    targets = [(people[0], None)] if rng.random() < 0.6 else [(p, None) for p in people]
                for person_id, hh_id in targets:
                    batch.deliveries.append(
                        {
                            "id": self.uuid(),
                            "national_society_id": point.national_society_id,
                            "service_point_id": point.id,
                            "service_type_id": service_id,
                            "person_id": person_id,
                            "household_id": hh_id,
                            "quantity": Decimal(rng.randint(low, high)),
                            "unit": unit,
                            "delivered_at": when,
                            "note": "",
                            "created_at": when,
                            "updated_at": when,
                            "created_by_id": point.created_by_id,
                            "updated_by_id": point.created_by_id,
                            "created_at_point_id": point.id,
                        }
                    )
        return len(members)

    def batches(self, people: int, batch_size: int) -> Iterator[Batch]:
        batch, in_batch, made = Batch(), 0, 0
        while made < people:
            remaining = people - made
            size = self.rng.choices(range(1, 7), SIZE_WEIGHTS)[0]
            count = self.household(batch, size=min(size, remaining))
            made += count
            in_batch += count
            if in_batch >= batch_size:
                yield batch
                batch, in_batch = Batch(), 0
        if in_batch:
            yield batch


def point_infos(points: Iterable[ServicePoint], created_by: dict | None = None, today_share=None) -> list[PointInfo]:
    infos = []
    for sp in points:
        services = [(t.pk, t.code, t.default_unit) for t in sp.services.all()]
        if not services:
            services = [(t.pk, t.code, t.default_unit) for t in ServiceType.objects.all()]
        infos.append(
            PointInfo(
                id=sp.pk,
                national_society_id=sp.national_society_id,
                country=sp.national_society.country.code,
                services=services,
                tz=sp.tz,
                created_by_id=(created_by or {}).get(sp.pk),
                today_share=(today_share or {}).get(sp.pk, 0.0),
            )
        )
    return infos


# ---------------------------------------------------------------------------------------------
# Fast writing: COPY on PostgreSQL, executemany on SQLite.
# ---------------------------------------------------------------------------------------------


class RowWriter:
    """Writes dict rows of a model straight to its table, converting values per column once."""

    def __init__(self):
        self.vendor = connection.vendor
        self._plans: dict[type, tuple] = {}
        self._memo: dict = {}
        self.fk_checks_skippable: bool | None = None

    def skip_foreign_key_checks(self) -> None:
        """On PostgreSQL, skip the per-row foreign key triggers for this transaction when the
        role may (superuser): each generated row refers only to rows that exist, and the checks
        (a locking look-up of the National Society, service point... per row) cost more than
        the load itself. Without the privilege the checks simply run."""
        if self.vendor != "postgresql" or self.fk_checks_skippable is False:
            return
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            self.fk_checks_skippable = True
        except DatabaseError:
            self.fk_checks_skippable = False

    def _plan(self, model):
        plan = self._plans.get(model)
        if plan is None:
            fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
            converters = []
            for f in fields:
                target = f.target_field if f.is_relation else f
                converters.append(self._converter(target))
            defaults = {}
            for f in fields:
                if f.has_default() and callable(f.default):
                    continue
                defaults[f.attname] = f.get_default()
            plan = self._plans[model] = (fields, converters, defaults)
        return plan

    def _converter(self, f):
        if self.vendor != "sqlite":
            return None  # psycopg adapts UUID, datetime, date, Decimal and bool itself
        ops = connection.ops
        if isinstance(f, models.UUIDField):
            convert = operator.attrgetter("hex")
        elif isinstance(f, models.DateTimeField):
            convert = ops.adapt_datetimefield_value
        elif isinstance(f, models.DateField):
            convert = date.isoformat
        elif isinstance(f, models.DecimalField):
            convert = str
        else:
            return None  # sqlite3 binds str, int, bool and None as they are
        # Ids and times repeat across a batch's rows (a person's id in its membership, link,
        # consents and services): convert each distinct value once.
        memo = self._memo

        def cached(value):
            if value is None:
                return None
            try:
                return memo[value]
            except KeyError:
                result = memo[value] = convert(value)
                return result

        return cached

    def write(self, model, rows: list[dict]) -> int:
        if not rows:
            return 0
        if len(self._memo) > 2_000_000:
            self._memo.clear()
        fields, converters, defaults = self._plan(model)
        names = [f.attname for f in fields]
        missing = [n for n in names if n not in rows[0]]
        fill = {n: defaults[n] for n in missing}
        pairs = list(zip(names, converters, strict=True))
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)

        def tuples():
            for row in rows:
                if fill:
                    row = {**fill, **row}
                yield tuple(conv(row[n]) if conv else row[n] for n, conv in pairs)

        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for values in tuples():
                        copy.write_row(values)
            else:
                placeholders = ", ".join(["%s"] * len(fields))
                # Table and column names come from the model, never from input.
                sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
                cursor.executemany(sql, list(tuples()))
        return len(rows)


def write_batch(writer: RowWriter, batch: Batch) -> None:
    from caminante.assistance.models import ServiceDelivery
    from caminante.registry.keys import key_rows
    from caminante.registry.models import Consent, Household, Membership, Person, PersonBlockingKey, PersonServicePoint

    with transaction.atomic():
        writer.skip_foreign_key_checks()
        writer.write(Household, batch.households)
        writer.write(Person, batch.people)
        writer.write(PersonBlockingKey, key_rows(batch.people))
        writer.write(Membership, batch.memberships)
        writer.write(PersonServicePoint, batch.links)
        writer.write(Consent, batch.consents)
        writer.write(ServiceDelivery, batch.deliveries)


@dataclass
class LoadReport:
    people: int = 0
    households: int = 0
    deliveries: int = 0
    consents: int = 0
    seconds: float = 0.0


def load_people(
    generator: PeopleGenerator, people: int, batch_size: int = 10_000, progress=None
) -> LoadReport:  # fmt: skip
    """Generate and write `people` people in batches, each batch in its own transaction."""
    from caminante.registry.models import Household, Person

    # Codes and document numbers already in the database must not be drawn again.
    generator.codes.update(Person.objects.values_list("code", flat=True).iterator(chunk_size=50_000))
    generator.codes.update(Household.objects.values_list("code", flat=True).iterator(chunk_size=50_000))
    generator.documents.update(
        Person.objects.exclude(document_number_normalized="")
        .values_list("national_society_id", "document_type", "document_number_normalized")
        .iterator(chunk_size=50_000)
    )
    writer, report, started = RowWriter(), LoadReport(), time.monotonic()
    for batch in generator.batches(people, batch_size):
        write_batch(writer, batch)
        report.people += len(batch.people)
        report.households += len(batch.households)
        report.deliveries += len(batch.deliveries)
        report.consents += len(batch.consents)
        if progress:
            progress(report, time.monotonic() - started)
    report.seconds = time.monotonic() - started
    return report


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load (both databases need them to pick
    the name-key indexes over a scan of the whole National Society). On PostgreSQL the blocking
    keys are vacuumed too, so the duplicate check reads them from the index alone."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM registry_personblockingkey")
        cursor.execute("ANALYZE")


def make_tallies(points: list[ServicePoint], seed: int, days: int = 30, created_by: dict | None = None) -> int:
    """People served without registration at each point over the past days (today included)."""
    from caminante.assistance.models import AnonymousTally

    rng = random.Random(seed)
    now = timezone.now()
    rows = []
    for sp in points:
        services = list(sp.services.all())
        ns_id, today = sp.national_society_id, sp.local_today()
        for back in range(days):
            if back and rng.random() < 0.6:
                continue  # tallies are not written every day
            day = today - timedelta(days=back)
            for service in rng.sample(services, min(2, len(services))):
                for sex in ("female", "male"):
                    for group in ("0-4", "5-11", "12-17", "18-59", "60+"):
                        if rng.random() < 0.5:
                            continue
                        rows.append(
                            AnonymousTally(
                                national_society_id=ns_id,
                                service_point=sp,
                                service_type=service,
                                day=day,
                                sex=sex,
                                age_group=group,
                                count=rng.randint(1, 25 if group == "18-59" else 8),
                                created_at=now,
                                created_by_id=(created_by or {}).get(sp.pk),
                                created_at_point=sp,
                            )
                        )
    AnonymousTally.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
