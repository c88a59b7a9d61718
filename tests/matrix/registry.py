"""Registry objects for the permission matrix: a pair in the duplicates queue and a merge."""

from caminante.core.roles import Role
from caminante.registry.models import DuplicateCandidate
from caminante.registry.services import merge_people
from tests.builders import register

PARAM_KINDS = {"candidate_id": "duplicate_candidate", "merge_id": "merge"}


def build(country, writer, point, users) -> dict:
    a = register(writer, "Dúplica", "Matriz", country.upper())
    b = register(writer, "Duplica", "Matriz", country.upper())
    candidate = DuplicateCandidate.objects.create(
        national_society=point.national_society, person_a=a, person_b=b, score=0.9, reasons=[]
    )
    c = register(writer, "Fusión", "Matriz", country.upper())
    d = register(writer, "Fusion", "Matriz", country.upper())
    reviewer = users[Role.DATA_MANAGER] if country == "co" else users[Role.ADMIN]
    merge = merge_people(reviewer, person_a_id=c.pk, person_b_id=d.pk)
    return {"duplicate_candidate": candidate.pk, "merge": merge.pk}
