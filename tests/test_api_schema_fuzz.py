"""Property-based tests of the REST API against its own OpenAPI schema (schemathesis).

Every operation is called with generated input (schema-valid and schema-violating) by a
volunteer, a programme officer and a vendor, with all of schemathesis' checks: no server
error, every status code and content type documented, every response body as the schema says,
schema-violating input refused (unknown fields, wrong types, out-of-range filters and limits).

One check is replaced, not dropped: `positive_data_acceptance` expects every schema-valid
request to succeed, but domain rules that a schema cannot express (at least one family name, a
birth date that agrees with the estimated age, a voucher code's check character, credentials
that exist) refuse some on purpose. `rejection_is_explained` asserts instead that such a refusal
is a 4xx in the API's error format that names the problem: a stable `code`, a message and, for
invalid data, the fields at fault.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import positive_data_acceptance

from caminante.core.roles import Role
from caminante.wsgi import application
from tests.builders import fast_hashing  # noqa: F401
from tests.conftest import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
ROLES = [Role.VOLUNTEER, Role.OFFICER, Role.VENDOR]


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Called straight through WSGI (not Django's test client), each request would close the
    database connection at its end (close_old_connections), which ends the test's transaction
    on PostgreSQL. Django's test client disconnects these handlers the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=ROLES, ids=lambda r: r.value)
def token(request, catalogue, sp_co):
    user = make_user(request.param, sp_co, username=f"fuzz.{request.param.value}")
    return Token.objects.create(user=user).key


def rejection_is_explained(ctx, response, case):
    """A refused schema-valid request carries the API's error: code, message, fields at fault."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not 400 <= response.status_code < 500:
        return None
    body = response.json()
    assert isinstance(body, dict) and body.get("code") and body.get("message"), f"unexplained refusal: {body}"
    if body["code"] == "invalid":
        assert body.get("errors"), f"invalid data refused without naming the fields: {body}"
    return None


@schema.parametrize()
# derandomize: the same examples on every run, so CI never fails on a lucky draw (vary it locally
# with --hypothesis-seed).
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        excluded_checks=[positive_data_acceptance],
        additional_checks=[rejection_is_explained],
    )
