"""Demo tracing cases for Colombia (the `rfl.co` officer): a mother looking for her daughter who
is registered, with consent to family tracing, at another service point (the engine proposes
her), an unaccompanied boy looking for his father, a man detained on the route, an older woman
lost in the Darién, a sister and a brother looking for each other (two open requests that match
each other), and one deceased-migrant record. Made once: a second run finds the cases and leaves
them as they are."""

from datetime import date, timedelta

from django.db import transaction

from caminante.core.demo import main_service_points
from caminante.registry.models import ConsentPurpose, Person

from . import candidates, deceased, services
from .models import TracingRequest

COUNTRY = "co"

OTHER_REQUESTS = [
    {
        "enquirer_name": "Wilmer José Parra",
        "enquirer_contact": "WhatsApp +58 414 555 0192",
        "given_names": "Keiber Alexander",
        "family_names": "Parra Linares",
        "nicknames": "Keibercito",
        "sex": "male",
        "age": 14,
        "place_of_origin": "Barquisimeto, Lara",
        "last_known_place": "Pamplona, trocha de La Don Juana",
        "circumstance": "route",
        "relationship": "child",
        "unaccompanied_child": True,
        "days_ago": 12,
    },
    {
        "enquirer_name": "Yelitza Mendoza",
        "enquirer_contact": "+57 320 555 0147",
        "given_names": "Freddy",
        "family_names": "Mendoza Arias",
        "sex": "male",
        "birth_year": 1989,
        "place_of_origin": "Valencia, Carabobo",
        "last_known_place": "Ipiales",
        "circumstance": "detention",
        "relationship": "sibling",
        "days_ago": 30,
    },
    {
        "enquirer_name": "Rosmary Colmenares",
        "enquirer_contact": "+57 315 555 0110, barrio La Parada",
        "given_names": "Hilda",
        "family_names": "Colmenares",
        "sex": "female",
        "age": 71,
        "place_of_origin": "Maturín, Monagas",
        "last_known_place": "Necoclí (hacia el Darién)",
        "circumstance": "disaster",
        "relationship": "parent",
        "older_person": True,
        "disability": True,
        "days_ago": 45,
    },
]


# A sister and a brother separated at the border, each asking at a different time.
EACH_OTHER = [
    {
        "enquirer_name": "María Gabriela Urdaneta Pérez",
        "enquirer_contact": "WhatsApp +58 424 555 0178",
        "given_names": "Luis Alberto",
        "family_names": "Urdaneta Pérez",
        "sex": "male",
        "birth_year": 1995,
        "place_of_origin": "Cabimas, Zulia",
        "last_known_place": "San Antonio del Táchira",
        "circumstance": "route",
        "relationship": "sibling",
        "days_ago": 25,
    },
    {
        "enquirer_name": "Luis Alberto Urdaneta Pérez",
        "enquirer_contact": "+57 311 555 0164",
        "given_names": "María Gabriela",
        "family_names": "Urdaneta Pérez",
        "sex": "female",
        "birth_year": 1992,
        "place_of_origin": "Cabimas, Zulia",
        "last_known_place": "Puente Simón Bolívar",
        "circumstance": "route",
        "relationship": "sibling",
        "days_ago": 9,
    },
]

DECEASED = {
    "place_found": "Orilla del río Táchira, trocha cercana a Villa del Rosario",
    "sex": "male",
    "estimated_age": 30,
    "description": "Hombre de complexión delgada, 1,70 m aprox., cicatriz en la ceja derecha.",
    "belongings": "Rosario de madera, una foto de dos niñas, billetes de bolívares.",
    "burial_place": "Cementerio Central de Cúcuta, sector de personas no identificadas",
    "authority": "Instituto Nacional de Medicina Legal, Cúcuta",
    "days_ago": 20,
}


def _sought_registered(officer, main_point) -> Person | None:
    """A person of the officer's National Society registered at another service point, with a
    date of birth and consent to family tracing (the first by code: the same on every run)."""
    return (
        Person.objects.filter(
            national_society_id=officer.national_society_id,
            merged_into__isnull=True,
            birth_date__isnull=False,
            birth_date_estimated=False,
            consents__purpose=ConsentPurpose.TRACING,
            consents__granted=True,
            consents__withdrawn_at__isnull=True,
        )
        .exclude(service_point=main_point)
        .exclude(family_name_1="")
        .order_by("code")
        .first()
    )


def seed(points, users) -> str | None:
    officer = users.get(f"rfl.{COUNTRY}")
    if officer is None or TracingRequest.objects.filter(national_society_id=officer.national_society_id).exists():
        return None
    main_point = main_service_points(points)[COUNTRY.upper()]
    today = date.today()
    made, proposed = 0, 0
    with transaction.atomic():
        person = _sought_registered(officer, main_point)
        if person is not None:
            case = services.open_request(
                officer,
                services.TracingInput(
                    enquirer_name="Carmen Rosa " + person.family_name_1,
                    enquirer_contact="+57 301 555 0133",
                    enquirer_consent=True,
                    given_names=person.given_names.split()[0],
                    family_names=f"{person.family_name_1} {person.family_name_2}".strip(),
                    sex=person.sex if person.sex in ("female", "male") else "unknown",
                    birth_year=person.birth_date.year,
                    place_of_origin="Maracaibo, Zulia",
                    last_known_place="Cúcuta, terminal de transporte",
                    last_known_date=today - timedelta(days=60),
                    circumstance="route",
                    relationship="child" if person.sex == "female" else "sibling",
                    service_point=main_point,
                ),
            )
            services.add_task(officer, case, title="Revisar los candidatos y llamar a la madre", due_on=today)
            proposed = len(candidates.find(officer, case))
            made += 1
        for spec in OTHER_REQUESTS:
            values = dict(spec)
            days_ago = values.pop("days_ago")
            case = services.open_request(
                officer,
                services.TracingInput(
                    enquirer_consent=True,
                    last_known_date=today - timedelta(days=days_ago),
                    service_point=main_point,
                    **values,
                ),
            )
            services.add_note(officer, case, "Quien busca volverá a llamar la próxima semana.")
            made += 1
        for spec in EACH_OTHER:
            values = dict(spec)
            days_ago = values.pop("days_ago")
            services.open_request(
                officer,
                services.TracingInput(
                    enquirer_consent=True, last_known_date=today - timedelta(days=days_ago), **values
                ),
            )
            made += 1
        values = dict(DECEASED)
        days_ago = values.pop("days_ago")
        deceased.record_deceased(officer, deceased.DeceasedInput(found_on=today - timedelta(days=days_ago), **values))
    return (
        f"RFL: {made} tracing requests for {officer.username} ({proposed} candidates proposed for the first), "
        "1 deceased-migrant record."
    )
