from django.core.management.base import CommandError

from caminante.core.models import NationalSociety


def national_societies(code: str | None) -> list[NationalSociety]:
    """One National Society by country code (CO, PE, ...), or all of them."""
    if not code:
        return list(NationalSociety.objects.order_by("country"))
    found = NationalSociety.objects.filter(country=code.upper()).first()
    if found is None:
        raise CommandError(f"no National Society for country {code!r}")
    return [found]
