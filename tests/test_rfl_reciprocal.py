"""Two relatives looking for each other: each request finds the other (and only when both ways
agree), within the National Society, never a closed request."""

import pytest
from django.core.exceptions import PermissionDenied

from caminante.rfl import reciprocal, services
from caminante.rfl.models import ClosureReason, Status
from tests.test_rfl_services import tracing_input

pytestmark = pytest.mark.django_db


def _pair(officer, **second):
    a = services.open_request(
        officer,
        tracing_input(
            enquirer_name="María Gabriela Urdaneta Pérez",
            given_names="Luis Alberto",
            family_names="Urdaneta Pérez",
            sex="male",
            birth_year=1995,
            relationship="sibling",
        ),
    )
    values = {
        "enquirer_name": "Luís Alberto Urdaneta",
        "given_names": "Maria Gabriela",
        "family_names": "Urdaneta",
        "sex": "female",
        "birth_year": 1992,
        "relationship": "sibling",
    }
    values.update(second)
    return a, services.open_request(officer, tracing_input(**values))


def test_two_requests_that_look_for_each_other_find_each_other(users):
    officer = users["rfl.co"]
    a, b = _pair(officer)
    services.open_request(officer, tracing_input())  # unrelated
    assert reciprocal.each_other(officer, a) == [b]
    assert reciprocal.each_other(officer, b) == [a]


def test_one_way_is_not_enough(users):
    officer = users["rfl.co"]
    a, b = _pair(officer, given_names="Yusmary")
    assert reciprocal.each_other(officer, a) == [] and reciprocal.each_other(officer, b) == []


def test_closed_requests_and_other_national_societies_are_not_compared(users):
    officer = users["rfl.co"]
    a, b = _pair(officer)
    services.change_status(users["rfl.co"], b, Status.CLOSED, closure_reason=ClosureReason.WITHDRAWN)
    assert reciprocal.each_other(officer, a) == []
    with pytest.raises(PermissionDenied):
        reciprocal.each_other(users["rfl.pe"], a)


def test_names_agree_needs_the_first_given_name_and_a_family_name():
    sought = {"given_names": "Luis Alberto", "family_names": "Urdaneta Pérez"}
    assert reciprocal.names_agree(sought, "LUIS urdaneta")
    assert not reciprocal.names_agree(sought, "Alberto Urdaneta")
    assert not reciprocal.names_agree(sought, "Luis Rojas")
    assert reciprocal.names_agree({"given_names": "Luis"}, "Luis Rojas")
    assert not reciprocal.names_agree({"given_names": ""}, "Luis Rojas")
