"""Reference data every installation needs: the National Societies and the service catalogue.

Loaded by a data migration (so tests and production have it) and kept up to date by
`caminante seed-demo`. Names of service types are in Spanish, Portuguese and English.
"""

from django.utils.translation import pgettext_lazy

NATIONAL_SOCIETIES = [
    # ISO 3166 alpha-2, name, short name, time zone
    ("VE", "Cruz Roja Venezolana", "CRV", "America/Caracas"),
    ("CO", "Cruz Roja Colombiana", "CRC", "America/Bogota"),
    ("EC", "Cruz Roja Ecuatoriana", "CRE", "America/Guayaquil"),
    ("PE", "Cruz Roja Peruana", "CRP", "America/Lima"),
    ("CL", "Cruz Roja Chilena", "CRCh", "America/Santiago"),
    ("BO", "Cruz Roja Boliviana", "CRB", "America/La_Paz"),
    ("AR", "Cruz Roja Argentina", "CRA", "America/Argentina/Buenos_Aires"),
    ("UY", "Cruz Roja Uruguaya", "CRU", "America/Montevideo"),
    ("PY", "Cruz Roja Paraguaya", "CRPy", "America/Asuncion"),
    ("BR", "Cruz Vermelha Brasileira", "CVB", "America/Sao_Paulo"),
    ("PA", "Cruz Roja Panameña", "CRPa", "America/Panama"),
    ("CR", "Cruz Roja Costarricense", "CRCR", "America/Costa_Rica"),
    ("MX", "Cruz Roja Mexicana", "CRM", "America/Mexico_City"),
    ("DO", "Cruz Roja Dominicana", "CRD", "America/Santo_Domingo"),
    ("TT", "Trinidad and Tobago Red Cross Society", "TTRCS", "America/Port_of_Spain"),
    ("GY", "Guyana Red Cross Society", "GRCS", "America/Guyana"),
    ("AW", "Cruz Roja Aruba", "CRAw", "America/Aruba"),
    ("CW", "Rode Kruis Curaçao", "RKC", "America/Curacao"),
    ("BQ", "Rode Kruis Bonaire", "RKB", "America/Kralendijk"),
    ("SX", "Sint Maarten Red Cross", "SMRC", "America/Lower_Princes"),
]

SERVICE_TYPES = [
    # code, category, Spanish, Portuguese, English, default unit
    (
        "basic-needs-kit",
        "in_kind",
        "Kit de necesidades básicas",
        "Kit de necessidades básicas",
        "Basic-needs kit",
        "kit",
    ),
    ("hygiene-kit", "wash", "Kit de higiene", "Kit de higiene", "Hygiene kit", "kit"),
    (
        "covid-hygiene-kit",
        "wash",
        "Kit de higiene adaptado COVID-19",
        "Kit de higiene adaptado à COVID-19",
        "COVID-adapted hygiene kit",
        "kit",
    ),
    ("food", "in_kind", "Alimentos", "Alimentos", "Food", "ration"),
    ("in-kind", "in_kind", "Ayuda en especie", "Ajuda em espécie", "In-kind aid", "item"),
    ("multipurpose-cash", "cash", "Efectivo multipropósito", "Dinheiro multiuso", "Multipurpose cash", "transfer"),
    ("voucher", "cash", "Bono / cupón", "Vale", "Voucher", "voucher"),
    ("psychosocial-support", "health", "Apoyo psicosocial", "Apoio psicossocial", "Psychosocial support", "session"),
    (
        "first-aid-phc",
        "health",
        "Primeros auxilios / atención primaria",
        "Primeiros socorros / atenção primária",
        "First aid / primary health care",
        "consultation",
    ),
    ("water", "wash", "Agua", "Água", "Water", "litre"),
    ("showers-toilets", "wash", "Duchas y baños", "Chuveiros e banheiros", "Showers and toilets", "use"),
    ("hygiene-promotion", "wash", "Promoción de la higiene", "Promoção da higiene", "Hygiene promotion", "session"),
    ("sim-card", "connectivity", "Tarjeta SIM", "Cartão SIM", "SIM card", "card"),
    (
        "rfl-call",
        "rfl",
        "Llamada a familiares (RCF)",
        "Ligação para a família (RLF)",
        "Phone call to family (RFL)",
        "call",
    ),
    (
        "child-safe-space",
        "protection",
        "Espacio seguro para niñas y niños",
        "Espaço seguro para crianças",
        "Safe space for children",
        "session",
    ),
    (
        "information-session",
        "information",
        "Sesión informativa",
        "Sessão informativa",
        "Information session",
        "session",
    ),
    ("referral", "protection", "Remisión", "Encaminhamento", "Referral", "referral"),
    (
        "covid-vaccination-support",
        "health",
        "Apoyo a la vacunación COVID-19",
        "Apoio à vacinação COVID-19",
        "COVID-19 vaccination support",
        "person",
    ),
    (
        "shelter-rent",
        "shelter",
        "Alojamiento / apoyo para arriendo",
        "Abrigo / apoio para aluguel",
        "Shelter / rent support",
        "month",
    ),
    ("livelihoods", "livelihoods", "Apoyo a medios de vida", "Apoio a meios de vida", "Livelihoods support", "grant"),
]


# The units above, marked for translation: pages show a delivery's unit with
# {% translate d.unit context "unit of service" %} (a unit typed by hand is shown as typed).
UNIT_LABELS = [
    pgettext_lazy("unit of service", "unit"),
    pgettext_lazy("unit of service", "kit"),
    pgettext_lazy("unit of service", "ration"),
    pgettext_lazy("unit of service", "item"),
    pgettext_lazy("unit of service", "transfer"),
    pgettext_lazy("unit of service", "voucher"),
    pgettext_lazy("unit of service", "session"),
    pgettext_lazy("unit of service", "consultation"),
    pgettext_lazy("unit of service", "litre"),
    pgettext_lazy("unit of service", "use"),
    pgettext_lazy("unit of service", "card"),
    pgettext_lazy("unit of service", "call"),
    pgettext_lazy("unit of service", "referral"),
    pgettext_lazy("unit of service", "person"),
    pgettext_lazy("unit of service", "month"),
    pgettext_lazy("unit of service", "grant"),
]


def load_catalogue(apps=None) -> None:
    """Create or update the National Societies and service types (idempotent)."""
    if apps is None:
        from django.apps import apps as django_apps

        apps = django_apps
    national_society = apps.get_model("core", "NationalSociety")
    service_type = apps.get_model("core", "ServiceType")
    for code, name, short, tz in NATIONAL_SOCIETIES:
        national_society.objects.update_or_create(
            country=code, defaults={"name": name, "short_name": short, "time_zone": tz}
        )
    for order, (code, category, es, pt, en, unit) in enumerate(SERVICE_TYPES, start=1):
        service_type.objects.update_or_create(
            code=code,
            defaults={
                "category": category,
                "name_es": es,
                "name_pt": pt,
                "name_en": en,
                "default_unit": unit,
                "sort_order": order * 10,
            },
        )
