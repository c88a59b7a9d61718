"""Two relatives looking for each other: open requests of the same National Society in which each
enquirer is the person the other looks for. The names are compared after the matching engine's
normalisation and phonetic keys (a first given name and, when given, a family name in common),
so "María Gabriela Urdaneta" looking for "Luis" finds "Luis Alberto Urdaneta Rojas" looking for
"María Gabriela". The officer decides; nothing is shared between the two enquirers by this."""

from caminante.matching.normalize import name_tokens, phonetic_key

from .models import Status, TracingRequest
from .services import may_work_on, record_read

#: How many other requests are compared (decrypted) at most.
SCAN_LIMIT = 500


def _keys(text: str) -> set[str]:
    return {phonetic_key(t) for t in name_tokens(text)}


def names_agree(sought: dict, name: str) -> bool:
    """The name is the sought person's: their first given name and, when given, one family name."""
    given = name_tokens(sought.get("given_names", ""))
    family = _keys(sought.get("family_names", ""))
    keys = _keys(name)
    return bool(given) and phonetic_key(given[0]) in keys and (not family or bool(family & keys))


def each_other(user, tracing: TracingRequest) -> list[TracingRequest]:
    """The other open requests whose enquirer is the person this one seeks, and who seek this enquirer."""
    may_work_on(user, tracing)
    if tracing.is_closed:
        return []
    sought, enquirer = tracing.sought, tracing.enquirer.get("name", "")
    others = (
        TracingRequest.objects.filter(national_society_id=tracing.national_society_id)
        .exclude(pk=tracing.pk)
        .exclude(status=Status.CLOSED)
        .order_by("-created_at")[:SCAN_LIMIT]
    )
    found = [
        other
        for other in others
        if names_agree(sought, other.enquirer.get("name", "")) and names_agree(other.sought, enquirer)
    ]
    if found:
        record_read(user, tracing, "reciprocal")
    return found
