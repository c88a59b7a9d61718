"""Demo feedback: a few hundred items from the labelled set across channels, service points and
the last eight weeks (a couple of sensitive reports among them), coded and answered in part;
rumour clusters with their agreed answers; the protection officers designated as focal points.
Idempotent: items are made once (marked by their reference), the rest is ensured every run."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from caminante.core.models import NationalSociety

from . import labelled, services
from .models import Criticality, FeedbackItem, FocalPoint, RumourCluster, Sensitivity, Status

# country -> (language of the words, how many items, sensitive reports kept)
PLAN = {"CO": ("es", 150, 2), "EC": ("es", 45, 1), "PE": ("es", 45, 1), "BR": ("pt", 50, 1), "TT": ("en", 25, 1)}
CHANNEL_WEIGHTS = [
    ("hsp", 40),
    ("whatsapp", 25),
    ("suggestion_box", 15),
    ("hotline", 10),
    ("webchat", 5),
    ("survey", 5),
]
CLUSTERS = {
    "es": [
        (
            "La vacuna esteriliza",
            "vacuna, esteril, chip",
            "Las vacunas que ofrece la Cruz Roja están aprobadas por el Ministerio de Salud, son seguras y no "
            "causan esterilidad. Pregunte al personal de salud en cualquier punto de atención.",
        ),
        (
            "La Cruz Roja entrega datos a migración",
            "datos, migracion, policia",
            "La Cruz Roja no entrega sus datos a migración ni a la policía. Sus datos se usan solo para darle "
            "asistencia, con su consentimiento.",
        ),
        (
            "Cierre de la frontera",
            "frontera, deportar",
            "No hay un anuncio oficial de cierre de la frontera. Consulte la información oficial en el punto de "
            "atención antes de viajar.",
        ),
    ],
    "pt": [
        (
            "A vacina esteriliza",
            "vacina, esteril, chip",
            "As vacinas são aprovadas pelo Ministério da Saúde, são seguras e não causam esterilidade.",
        ),
        (
            "A Cruz Vermelha entrega dados à polícia",
            "dados, policia, migracao",
            "A Cruz Vermelha não entrega seus dados à polícia nem à migração.",
        ),
    ],
    "en": [
        (
            "Vaccine makes people sterile",
            "vaccine, sterile, chip",
            "The vaccines are approved by the Ministry of Health, are safe and do not cause sterility.",
        ),
        (
            "Red Cross gives data to migration",
            "data, migration, police",
            "The Red Cross does not give your data to migration or the police.",
        ),
    ],
}
ANSWERS = {
    "es": "Gracias por escribirnos. Revisamos su caso y le esperamos en el punto de atención para resolverlo.",
    "pt": "Obrigado por nos escrever. Revisamos seu caso e esperamos você no posto para resolver.",
    "en": "Thank you for writing. We looked into it and will sort it out with you at the service point.",
}


def _designate_focal_points(users) -> int:
    made = 0
    for username, user in users.items():
        if username.startswith("protection.") and user.national_society_id:
            if not user.email:
                user.email = f"{username}@demo.caminante.invalid"
                user.save(update_fields=["email"])
            _focal, created = FocalPoint.objects.get_or_create(
                national_society_id=user.national_society_id, user=user, defaults={"active": True}
            )
            made += created
    return made


def _items(points, users, rng: random.Random) -> int:
    examples = {lang: labelled.load((lang,)) for lang in ("es", "pt", "en")}
    now = timezone.now()
    channels = [c for c, w in CHANNEL_WEIGHTS for _ in range(w)]
    made = 0
    for country, (language, count, sensitive_kept) in PLAN.items():
        ns = NationalSociety.objects.filter(country=country).first()
        country_points = [p for code, p in points.items() if code.startswith(country.lower() + "-")]
        volunteer = users.get(f"volunteer.{country.lower()}")
        officer = users.get(f"officer.{country.lower()}")
        if ns is None or not country_points or volunteer is None or officer is None:
            continue
        ordinary = [e for e in examples[language] if e.sensitivity == "not_sensitive" and e.category != "i_unclear"]
        sensitive = [e for e in examples[language] if e.sensitivity != "not_sensitive"]
        rumours = [e for e in ordinary if e.type == "observation"]
        chosen = [rng.choice(sensitive) for _ in range(sensitive_kept)]
        while len(chosen) < count:
            # Rumours come in waves: a third of the items, most of them recent.
            chosen.append(rng.choice(rumours) if rng.random() < 0.3 else rng.choice(ordinary))
        for n, example in enumerate(chosen):
            channel = rng.choice(channels)
            recent = example.type == "observation" and rng.random() < 0.6
            received_at = now - timedelta(days=rng.uniform(0, 6) if recent else rng.uniform(0, 56))
            point = volunteer.service_point if channel == "hsp" else rng.choice(country_points)
            user = {"hsp": volunteer, "whatsapp": None, "webchat": None}.get(channel, officer)
            phone = f"+{rng.randint(10**10, 10**11 - 1)}" if channel in ("whatsapp", "webchat", "hotline") else ""
            item = services.receive_feedback(
                user,
                national_society=ns,
                channel=channel,
                text=example.text,
                language=language,
                service_point=point if channel != "whatsapp" else None,
                place=point.city,
                contact_phone_e164=phone,
                contact_consent=bool(phone),
                wants_answer=example.type in ("question", "concern", "request") and rng.random() < 0.7,
                sex=rng.choice(["female", "female", "male", "", "other"]),
                age_group=rng.choice(["18-59", "18-59", "18-59", "0-17", "60+", ""]),
                reference=f"demo:{country}:{n}",
                received_at=received_at,
            )
            made += 1
            if item.is_confidential:
                continue
            _progress(item, officer, rng, language)
    return made


def _progress(item: FeedbackItem, officer, rng: random.Random, language: str) -> None:
    """Code most items as suggested, and move part of them along the loop (with realistic dates)."""
    age = timezone.now() - item.received_at
    if rng.random() < 0.15 and age < timedelta(days=3):
        return  # still to code
    criticality = Criticality.ACTION if item.suggested_type == "concern" else Criticality.MONITOR
    services.code_item(
        officer,
        item,
        type_key=item.suggested_type,
        category_key=item.suggested_category,
        sensitivity=Sensitivity.NOT_SENSITIVE,
        criticality=criticality,
    )
    item.refresh_from_db()
    if not item.wants_answer:
        if age > timedelta(days=7):
            services.move_item(officer, item, Status.NO_ACTION)
            services.move_item(officer, item, Status.CLOSED)
        return
    if age < timedelta(hours=12) or rng.random() < 0.2:
        return
    services.move_item(officer, item, Status.ACKNOWLEDGED)
    via = "channel" if item.contact_consent else rng.choice(["hsp_message", "call_note"])
    if via == "hsp_message" and item.service_point_id is None:
        return
    services.answer_item(officer, FeedbackItem.objects.get(pk=item.pk), answer=ANSWERS[language], via=via)
    hours = rng.choice([2, 6, 20, 30, 50, 90, 200])
    answered_at = min(item.received_at + timedelta(hours=hours), timezone.now())
    FeedbackItem.objects.filter(pk=item.pk).update(answered_at=answered_at, acknowledged_at=answered_at)
    if age > timedelta(days=5):
        services.move_item(officer, FeedbackItem.objects.get(pk=item.pk), Status.CLOSED)


def _clusters(users) -> int:
    made = 0
    for country, (language, _count, _sensitive) in PLAN.items():
        ns = NationalSociety.objects.filter(country=country).first()
        officer = users.get(f"officer.{country.lower()}")
        if ns is None or officer is None:
            continue
        for name, keywords, answer in CLUSTERS[language]:
            existing = RumourCluster.objects.filter(national_society=ns, name=name).first()
            if existing is None:
                services.save_cluster(
                    officer, national_society=ns, name=name, keywords=keywords, response_message=answer
                )
                made += 1
            else:
                services.assign_to_cluster(existing)
    return made


def seed(points, users) -> str | None:
    rng = random.Random(6)
    with transaction.atomic():
        focal = _designate_focal_points(users)
        items = 0
        if not FeedbackItem.objects.filter(reference__startswith="demo:").exists():
            items = _items(points, users, rng)
        clusters = _clusters(users)
    if not (focal or items or clusters):
        return None
    return f"feedback: {items} items, {clusters} rumour clusters, {focal} focal points"
