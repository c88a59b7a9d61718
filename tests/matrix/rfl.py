"""RFL objects for the permission matrix: one tracing request (a child case) and one
deceased-migrant record per country, made by that country's RFL officer (the Colombian one from
the matrix's users; a Peruvian one made here)."""

from datetime import date

from caminante.core.roles import Role
from caminante.rfl.deceased import DeceasedInput, record_deceased
from caminante.rfl.services import TracingInput, open_request
from tests.conftest import make_user

PARAM_KINDS = {"tracing_id": "tracing_request", "deceased_id": "deceased"}
PK_ROUTE_PREFIXES = {"rfl-tracing-request-": "tracing_request"}


def build(country, writer, point, users):
    officer = users[Role.RFL] if country == "co" else make_user(Role.RFL, point, username="pm-rfl.pe")
    tracing = open_request(
        officer,
        TracingInput(
            enquirer_name="Matriz Enquirer",
            enquirer_contact="+573001112233",
            enquirer_consent=True,
            given_names="Buscada",
            family_names="Matriz",
            circumstance="route",
            relationship="sibling",
            age=12,
            unaccompanied_child=True,
        ),
    )
    record = record_deceased(officer, DeceasedInput(found_on=date(2024, 3, 1), place_found="Matriz", sex="male"))
    return {"tracing_request": tracing.pk, "deceased": record.pk}
