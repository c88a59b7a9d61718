"""Demo referral directory for Colombia, Peru, Ecuador, Brazil and Chile, pathways, the partner
user `partner.co` and a few referrals. Invented data: every organisation is marked "(demo)".
Idempotent: run by `caminante seed-demo` every time."""

from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from caminante.core.demo import DEMO_PASSWORD
from caminante.core.models import NationalSociety, PartnerOrganisation, User
from caminante.core.roles import Role

from .models import DirectoryService, Pathway, PathwayStep, Referral

ORGANISATIONS = {
    # key: (country, name, kind, email, phone)
    "acnur-co": ("CO", "ACNUR Colombia (demo)", "UN agency", "referencias.co@acnur.demo", "+576075550100"),
    "oim-co": ("CO", "OIM Colombia (demo)", "UN agency", "remisiones.co@oim.demo", "+576015550101"),
    "icbf-cucuta": ("CO", "ICBF – Centro Zonal Cúcuta (demo)", "child protection", "cz.cucuta@icbf.demo", "141"),
    "clinica-co": (
        "CO",
        "Consultorio Jurídico Migrantes Cúcuta (demo)",
        "legal aid clinic",
        "consultorio@ujuridica.demo",
        "+576075550102",
    ),
    "casa-paso-co": ("CO", "Casa de Paso Divina Providencia (demo)", "shelter", "casa@divina.demo", "+576075550103"),
    "salud-co": ("CO", "Red de Salud Sexual y Reproductiva (demo)", "health", "atencion@ssr.demo", "+576075550104"),
    "empleo-co": ("CO", "Servicio Público de Empleo (demo)", "employment", "empleo@spe.demo", "+576015550105"),
    "acnur-pe": ("PE", "ACNUR Perú (demo)", "UN agency", "referencias.pe@acnur.demo", "+5115550200"),
    "sjm-pe": ("PE", "Encuentros – Servicio Jesuita (demo)", "legal aid", "legal@encuentros.demo", "+5115550201"),
    "demuna-tumbes": ("PE", "DEMUNA Tumbes (demo)", "child protection", "demuna@tumbes.demo", "+51725550202"),
    "cem-tumbes": ("PE", "Centro Emergencia Mujer Tumbes (demo)", "GBV response", "cem@tumbes.demo", "100"),
    "acnur-ec": ("EC", "ACNUR Ecuador (demo)", "UN agency", "referencias.ec@acnur.demo", "+59325550300"),
    "hias-ec": ("EC", "HIAS Ecuador (demo)", "legal aid", "proteccion@hias.demo", "+59325550301"),
    "junta-quito": ("EC", "Junta de Protección de Derechos Quito (demo)", "child protection", "junta@quito.demo", ""),
    "acogida-ec": ("EC", "Casa de Acogida San Juan (demo)", "shelter", "acogida@sanjuan.demo", "+59325550303"),
    "acnur-br": ("BR", "ACNUR Brasil (demo)", "UN agency", "encaminhamentos@acnur.demo", "+559535550400"),
    "acolhida-br": ("BR", "Posto de Interiorização e Triagem (demo)", "government", "ptrig@acolhida.demo", ""),
    "conselho-pacaraima": ("BR", "Conselho Tutelar Pacaraima (demo)", "child protection", "ct@pacaraima.demo", ""),
    "dpu-rr": ("BR", "Defensoria Pública – Roraima (demo)", "legal aid", "dpu.rr@defensoria.demo", "+559535550403"),
    "caritas-manaus": ("BR", "Cáritas Manaus (demo)", "shelter", "acolhida@caritas.demo", "+559235550404"),
    "acnur-cl": ("CL", "ACNUR Chile (demo)", "UN agency", "referencias.cl@acnur.demo", "+56225550500"),
    "clinica-cl": ("CL", "Clínica Jurídica de Migrantes (demo)", "legal aid clinic", "clinica@udp.demo", ""),
    "opd-arica": ("CL", "Oficina de Protección de Derechos Arica (demo)", "child protection", "opd@arica.demo", ""),
    "sjm-cl": ("CL", "Servicio Jesuita a Migrantes Chile (demo)", "NGO", "atencion@sjm.demo", "+56225550503"),
}

WEEKDAYS = "Lun–Vie 8:00–17:00"
# org key, name, type, city, admin area, address, lat, lon, hours, what to bring, eligibility, channel, languages,
# days since verified
SERVICES = [
    (
        "acnur-co",
        "Orientación sobre protección internacional",
        "asylum",
        "Cúcuta",
        "Norte de Santander",
        "Av. 0 # 11-23, Centro",
        7.8891,
        -72.4967,
        WEEKDAYS,
        "Documento de identidad si lo tiene",
        "Personas que temen volver a su país",
        "email",
        "es,en",
        20,
    ),
    (
        "oim-co",
        "Información para regularización (PPT)",
        "regularisation-info",
        "Cúcuta",
        "Norte de Santander",
        "Calle 10 # 4-50",
        7.8850,
        -72.5020,
        WEEKDAYS,
        "Pasaporte o cédula venezolana",
        "Personas venezolanas",
        "email",
        "es",
        40,
    ),
    (
        "icbf-cucuta",
        "Restablecimiento de derechos de niñas, niños y adolescentes",
        "child-protection",
        "Cúcuta",
        "Norte de Santander",
        "Av. Libertadores, Centro Zonal",
        7.9006,
        -72.4900,
        "24 horas (línea 141)",
        "Nada",
        "Niñas, niños y adolescentes no acompañados o en riesgo",
        "email",
        "es",
        10,
    ),
    (
        "clinica-co",
        "Asesoría jurídica gratuita para migrantes",
        "legal-aid",
        "Cúcuta",
        "Norte de Santander",
        "Calle 13 # 3-13, Consultorio Jurídico",
        7.8930,
        -72.5050,
        "Lun–Jue 8:00–12:00",
        "Documentos del caso",
        "Personas migrantes y refugiadas",
        "account",
        "es",
        30,
    ),
    (
        "casa-paso-co",
        "Albergue temporal para caminantes",
        "shelter",
        "Villa del Rosario",
        "Norte de Santander",
        "La Parada, sector puente",
        7.8330,
        -72.4700,
        "Ingreso 16:00–20:00",
        "Nada",
        "Familias con niñas y niños, mujeres solas",
        "phone",
        "es",
        120,
    ),
    (
        "salud-co",
        "Atención a sobrevivientes de violencia basada en género",
        "gbv-response",
        "Cúcuta",
        "Norte de Santander",
        "Av. 4 # 15-30",
        7.8870,
        -72.4990,
        WEEKDAYS,
        "Nada",
        "Mujeres, niñas y personas LGBTIQ+",
        "email",
        "es",
        15,
    ),
    (
        "salud-co",
        "Atención en salud mental",
        "mental-health",
        "Cúcuta",
        "Norte de Santander",
        "Av. 4 # 15-30",
        7.8871,
        -72.4991,
        WEEKDAYS,
        "Nada",
        "Todas las personas",
        "email",
        "es",
        200,
    ),
    (
        "empleo-co",
        "Orientación laboral y registro de hoja de vida",
        "employment",
        "Bogotá",
        "Bogotá D.C.",
        "Cra. 13 # 65-10",
        4.6540,
        -74.0610,
        WEEKDAYS,
        "PPT y hoja de vida",
        "Personas con PPT",
        "email",
        "es",
        60,
    ),
    (
        "acnur-co",
        "Orientación sobre protección internacional – Maicao",
        "asylum",
        "Maicao",
        "La Guajira",
        "Centro de Atención Integral",
        11.3790,
        -72.2380,
        WEEKDAYS,
        "Documento de identidad si lo tiene",
        "Personas que temen volver a su país",
        "email",
        "es,wayuu",
        45,
    ),
    (
        "clinica-co",
        "Asesoría jurídica – Ipiales",
        "legal-aid",
        "Ipiales",
        "Nariño",
        "Carrera 6 # 12-40",
        0.8300,
        -77.6440,
        "Mar y Jue 9:00–13:00",
        "Documentos del caso",
        "Personas migrantes",
        "account",
        "es",
        75,
    ),
    (
        "acnur-pe",
        "Orientación sobre refugio",
        "asylum",
        "Lima",
        "Lima",
        "Av. José Pardo 138, Miraflores",
        -12.1190,
        -77.0300,
        WEEKDAYS,
        "Pasaporte o cédula si los tiene",
        "Personas solicitantes de refugio",
        "email",
        "es",
        30,
    ),
    (
        "sjm-pe",
        "Asesoría legal migratoria",
        "legal-aid",
        "Lima",
        "Lima",
        "Jr. Washington 1234, Cercado",
        -12.0560,
        -77.0420,
        "Lun–Vie 9:00–16:00",
        "Documentos migratorios",
        "Personas migrantes y refugiadas",
        "email",
        "es",
        20,
    ),
    (
        "sjm-pe",
        "Asesoría legal – Tumbes",
        "legal-aid",
        "Tumbes",
        "Tumbes",
        "Av. Tumbes Norte 560",
        -3.5670,
        -80.4510,
        "Lun–Vie 9:00–13:00",
        "Documentos migratorios",
        "Personas migrantes",
        "email",
        "es",
        100,
    ),
    (
        "demuna-tumbes",
        "Defensoría de la niña, niño y adolescente",
        "child-protection",
        "Tumbes",
        "Tumbes",
        "Municipalidad Provincial",
        -3.5700,
        -80.4590,
        WEEKDAYS,
        "Nada",
        "Niñas, niños y adolescentes",
        "email",
        "es",
        50,
    ),
    (
        "cem-tumbes",
        "Atención a violencia contra la mujer",
        "gbv-response",
        "Tumbes",
        "Tumbes",
        "Jr. Bolognesi 210",
        -3.5660,
        -80.4540,
        "24 horas (línea 100)",
        "Nada",
        "Mujeres y familias",
        "email",
        "es",
        35,
    ),
    (
        "acnur-ec",
        "Orientación sobre protección internacional",
        "asylum",
        "Quito",
        "Pichincha",
        "Av. Amazonas y Patria",
        -0.2070,
        -78.4960,
        WEEKDAYS,
        "Documento de identidad si lo tiene",
        "Personas con necesidad de protección",
        "email",
        "es",
        25,
    ),
    (
        "hias-ec",
        "Asistencia legal y regularización",
        "legal-aid",
        "Quito",
        "Pichincha",
        "Av. 6 de Diciembre N33",
        -0.1900,
        -78.4800,
        WEEKDAYS,
        "Cédula o pasaporte",
        "Personas migrantes y refugiadas",
        "email",
        "es",
        15,
    ),
    (
        "hias-ec",
        "Asistencia legal – Tulcán",
        "legal-aid",
        "Tulcán",
        "Carchi",
        "Calle Sucre y Boyacá",
        0.8120,
        -77.7170,
        "Lun–Vie 8:30–16:30",
        "Cédula o pasaporte",
        "Personas migrantes",
        "email",
        "es",
        95,
    ),
    (
        "junta-quito",
        "Medidas de protección para niñas y niños",
        "child-protection",
        "Quito",
        "Pichincha",
        "Calle Venezuela y Chile",
        -0.2200,
        -78.5120,
        WEEKDAYS,
        "Nada",
        "Niñas, niños y adolescentes",
        "email",
        "es",
        60,
    ),
    (
        "acogida-ec",
        "Casa de acogida temporal",
        "shelter",
        "Huaquillas",
        "El Oro",
        "Barrio Central",
        -3.4760,
        -80.2300,
        "Ingreso 15:00–19:00",
        "Nada",
        "Familias y mujeres solas",
        "phone",
        "es",
        30,
    ),
    (
        "acnur-br",
        "Orientação sobre refúgio",
        "asylum",
        "Boa Vista",
        "Roraima",
        "Av. Ville Roy 5000",
        2.8200,
        -60.6720,
        "Seg–Sex 8:00–17:00",
        "Documento se tiver",
        "Pessoas solicitantes de refúgio",
        "email",
        "pt,es",
        20,
    ),
    (
        "acolhida-br",
        "Documentação e regularização migratória",
        "regularisation-info",
        "Pacaraima",
        "Roraima",
        "Posto de Triagem, BR-174",
        4.4780,
        -61.1460,
        "Todos os dias 8:00–18:00",
        "Documento de identidade venezuelano",
        "Pessoas venezuelanas",
        "email",
        "pt,es",
        10,
    ),
    (
        "conselho-pacaraima",
        "Proteção de crianças e adolescentes",
        "child-protection",
        "Pacaraima",
        "Roraima",
        "Rua Suapi, Centro",
        4.4800,
        -61.1480,
        "24 horas (plantão)",
        "Nada",
        "Crianças e adolescentes desacompanhados",
        "email",
        "pt,es",
        40,
    ),
    (
        "dpu-rr",
        "Assistência jurídica gratuita",
        "legal-aid",
        "Boa Vista",
        "Roraima",
        "Av. Getúlio Vargas 3999",
        2.8190,
        -60.6740,
        "Seg–Sex 8:00–14:00",
        "Documentos do caso",
        "Pessoas sem recursos",
        "email",
        "pt,es",
        30,
    ),
    (
        "caritas-manaus",
        "Abrigo e apoio a migrantes",
        "shelter",
        "Manaus",
        "Amazonas",
        "Rua Dr. Moreira 100, Centro",
        -3.1310,
        -60.0230,
        "Seg–Sex 8:00–17:00",
        "Nada",
        "Famílias migrantes",
        "email",
        "pt,es",
        140,
    ),
    (
        "acnur-cl",
        "Orientación sobre refugio",
        "asylum",
        "Santiago",
        "Región Metropolitana",
        "Av. Providencia 1234",
        -33.4290,
        -70.6190,
        WEEKDAYS,
        "Documento si lo tiene",
        "Personas solicitantes de refugio",
        "email",
        "es",
        25,
    ),
    (
        "clinica-cl",
        "Clínica jurídica gratuita",
        "legal-aid",
        "Santiago",
        "Región Metropolitana",
        "República 105",
        -33.4480,
        -70.6690,
        "Mar y Jue 15:00–18:00",
        "Documentos del caso",
        "Personas migrantes",
        "email",
        "es",
        50,
    ),
    (
        "opd-arica",
        "Protección de derechos de la infancia",
        "child-protection",
        "Arica",
        "Arica y Parinacota",
        "Calle 18 de Septiembre 450",
        -18.4780,
        -70.3120,
        WEEKDAYS,
        "Nada",
        "Niñas, niños y adolescentes",
        "email",
        "es",
        20,
    ),
    (
        "sjm-cl",
        "Orientación laboral para migrantes",
        "employment",
        "Arica",
        "Arica y Parinacota",
        "Av. Santa María 2120",
        -18.4700,
        -70.3000,
        WEEKDAYS,
        "Cédula o pasaporte",
        "Personas migrantes",
        "email",
        "es",
        110,
    ),
]

PATHWAYS = {
    "unaccompanied-child": ("Niña, niño o adolescente no acompañado", ["child-protection", "shelter", "legal-aid"]),
    "gbv-survivor": ("Sobreviviente de violencia basada en género", ["gbv-response", "mental-health", "shelter"]),
    "asylum-seeker": ("Solicitud de protección internacional", ["asylum", "legal-aid"]),
    "legal-help": ("Asesoría jurídica", ["legal-aid", "regularisation-info"]),
    "regularisation": ("Regularización migratoria", ["regularisation-info", "legal-aid"]),
}


def _organisations(societies) -> dict[str, PartnerOrganisation]:
    result = {}
    for key, (country, name, kind, email, phone) in ORGANISATIONS.items():
        org, _ = PartnerOrganisation.objects.update_or_create(
            national_society=societies[country],
            name=name,
            defaults={"kind": kind, "email": email, "phone": phone, "active": True},
        )
        result[key] = org
    return result


def _services(organisations) -> int:
    today = timezone.now().date()
    created = 0
    for (
        org_key,
        name,
        service_type,
        city,
        area,
        address,
        lat,
        lon,
        hours,
        bring,
        eligibility,
        channel,
        languages,
        days,
    ) in SERVICES:
        org = organisations[org_key]
        _, made = DirectoryService.objects.update_or_create(
            national_society=org.national_society,
            organisation=org,
            name=name,
            defaults={
                "service_type": service_type,
                "description": "Entrada de demostración: datos inventados.",
                "eligibility": eligibility,
                "languages": languages,
                "free": True,
                "opening_hours": hours,
                "what_to_bring": bring,
                "address": address,
                "city": city,
                "admin_area": area,
                "latitude": lat,
                "longitude": lon,
                "phone": org.phone,
                "email": org.email,
                "accepts_referrals": True,
                "referral_channel": channel,
                "last_verified": today - timedelta(days=days),
                "published": True,
                "active": True,
            },
        )
        created += made
    return created


def _pathways(societies) -> None:
    for country in ("CO", "PE", "EC", "BR", "CL"):
        ns = societies[country]
        for need, (name, types) in PATHWAYS.items():
            pathway, _ = Pathway.objects.update_or_create(national_society=ns, need=need, defaults={"name": name})
            if pathway.steps.exists():
                continue
            PathwayStep.objects.bulk_create(
                PathwayStep(pathway=pathway, position=i, service_type=t) for i, t in enumerate(types, start=1)
            )


def _partner_user(org: PartnerOrganisation) -> User:
    user = User.objects.filter(username="partner.co").first()
    if user is None:
        user = User(username="partner.co", password=make_password(DEMO_PASSWORD))
    user.role = Role.PARTNER
    user.national_society = org.national_society
    user.service_point = None
    user.partner_organisation = org
    user.save()
    return user


def _referrals(org: PartnerOrganisation, users) -> int:
    """Three referrals from Cúcuta to the legal aid clinic: one waiting, one accepted, one done."""
    from caminante.registry.selectors import people_for

    from . import services

    if Referral.objects.filter(organisation=org).exists():
        return 0
    volunteer = users.get("volunteer.co")
    if volunteer is None:
        return 0
    service = DirectoryService.objects.filter(organisation=org, city="Cúcuta").first()
    people = list(people_for(volunteer).filter(birth_date__isnull=False).order_by("code")[:3])
    partner = User.objects.get(username="partner.co")
    made = 0
    for i, person in enumerate(people):
        sent = services.send_referral(
            volunteer,
            person=person,
            need="legal-help",
            service=service,
            consent=True,
            note="Necesita asesoría para solicitar el PPT.",
        )
        if i >= 1:
            services.accept(sent.referral, partner)
        if i >= 2:
            services.report_service_given(sent.referral, partner, note="Asesoría dada; cita de seguimiento.")
        made += 1
    return made


def seed(points, users) -> str | None:
    societies = {ns.country.code: ns for ns in NationalSociety.objects.all()}
    organisations = _organisations(societies)
    created = _services(organisations)
    _pathways(societies)
    _partner_user(organisations["clinica-co"])
    referrals = _referrals(organisations["clinica-co"], users)
    if created or referrals:
        return f"referrals: {created} directory services, {referrals} referrals, partner.co"
    return None
