"""Demo data: each National Society gets a WhatsApp number whose phone_number_id is demo-<iso2>."""

from caminante.core.models import NationalSociety

from .models import WhatsAppNumber


def seed(points, users) -> str | None:
    created = 0
    for ns in NationalSociety.objects.all():
        _, made = WhatsAppNumber.objects.get_or_create(
            national_society=ns,
            defaults={"phone_number_id": f"demo-{ns.country.code.lower()}", "display_phone": ""},
        )
        created += made
    return f"channels: {created} WhatsApp numbers" if created else None
