"""Property-based tests of the REST API against its own OpenAPI schema (schemathesis).

Every operation is called with generated input by an authenticated programme officer: no server
error, and each response's status, content type and body match what the schema documents.
Not checked: that every schema-valid input is accepted (domain rules such as "no future birth
date" reject some on purpose) and that every schema-violating one is refused (unknown query
parameters are ignored, as HTTP APIs usually do).
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from caminante.core.roles import Role
from caminante.wsgi import application
from tests.builders import fast_hashing  # noqa: F401
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


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


@pytest.fixture
def token(catalogue, sp_co):
    return Token.objects.create(user=make_user(Role.OFFICER, sp_co, username="fuzz.officer")).key


@schema.parametrize()
# derandomize: the same examples on every run, so CI never fails on a lucky draw (vary it locally
# with --hypothesis-seed).
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )
