"""Every route, pages and API, walked with hostile input as anonymous, a volunteer and an officer.

The routes come from the URL configuration (as in the permission matrix), so a new route is
walked without anyone adding it here. For each route and role: GET with hostile query strings
(huge, negative and non-numeric limits and offsets, impossible dates, NUL bytes, 1 MB strings),
POST and PATCH with hostile form and JSON bodies (a list, a string, a number, null, nesting
thousands of levels deep, NUL characters, 1 MB strings, invalid UTF-8, huge numbers, dates in
year 1 and 9999). Asserted: no response is a server error, and the bodies that are invalid
whatever the form (wrong shapes, NULs, over-long text) write no row of any table (sessions,
login attempts and the audit log of refused reads aside). Odd values that some form may
accept (a shop named "0001-01-01") are only checked for server errors.
"""

import json

import pytest
from django.apps import apps
from django.test import Client

from caminante.core.roles import Role
from tests.test_permission_matrix import ROUTES, _url, world  # noqa: F401 - world is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

HUGE = "99999999999999999999"
MEGABYTE = "x" * 1_000_000
# Query parameters the views of this project read (and some they might one day).
QUERY_NAMES = [
    "limit", "offset", "page", "q", "after", "before", "start", "end", "date", "day", "from", "to",
    "status", "queue", "programme", "cycle", "country", "lat", "lng", "lon", "service", "period",
    "kind", "national_society", "service_point", "month", "year", "id", "code", "next", "sort",
    "ordering", "search", "type", "category", "topic", "language", "threshold", "page_size",
]  # fmt: skip
# Form and JSON field names of this project's forms and serializers.
BODY_NAMES = QUERY_NAMES + [
    "text", "amount", "voucher_code", "name", "given_names", "family_name_1", "family_name_2", "sex",
    "birth_date", "estimated_age", "reason", "note", "answer", "phone", "email", "quantity", "count",
    "service_type", "relationship", "consents", "members", "title", "body", "message", "username",
    "password", "button", "delivered_at", "received_at", "person", "household", "action", "channel",
]  # fmt: skip
# The free-text fields: each over any length limit in the hostile bodies.
TEXT_NAMES = ["q", "text", "name", "given_names", "family_name_1", "reason", "note", "message", "body", "title"]

QUERY_VARIANTS = [
    {"limit": HUGE},
    {"limit": "9223372036854775808"},
    {"limit": "-1", "offset": "-5"},
    {"limit": "abc", "offset": "1e309"},
    {"offset": HUGE},
    {"start": "0001-01-01", "end": "9999-12-31"},
    {"after": "2020-13-45T00:00:00", "before": "2020-02-30"},
    {name: HUGE for name in QUERY_NAMES},
    {name: "-1" for name in QUERY_NAMES},
    {name: "9999-12-31T23:59:59+14:00" for name in QUERY_NAMES},
    {name: "0001-01-01" for name in QUERY_NAMES},
    {name: "nul\x00byte" for name in QUERY_NAMES},
    {name: "' OR 1=1 --%_\\" for name in QUERY_NAMES},
    {"q": MEGABYTE, "search": MEGABYTE},
    {"lat": "NaN", "lng": "Infinity", "lon": "-1e400"},
]

DEEP_LIST = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000
# Invalid in every field whatever the form: nothing may be written.
INVALID_JSON_BODIES = [
    "[]",
    '"a string"',
    "42",
    "null",
    "true",
    DEEP_LIST,
    DEEP_OBJECT,
    "{not json",
    json.dumps({name: "nul\u0000byte" for name in BODY_NAMES}),
    json.dumps({name: "x" * 150_000 for name in TEXT_NAMES}),
]
INVALID_FORM_BODIES = [
    {name: "nul\x00byte" for name in BODY_NAMES},
    {name: "x" * 150_000 for name in TEXT_NAMES},
    {"text": MEGABYTE},
]
# Odd but possibly valid somewhere (a shop may be called "0001-01-01"): only no server error.
ODD_JSON_BODIES = [
    json.dumps({name: int(HUGE) for name in BODY_NAMES}),
    json.dumps({name: -1 for name in BODY_NAMES}),
    json.dumps({name: "9999-12-31" for name in BODY_NAMES}),
    json.dumps({name: [] for name in BODY_NAMES}),
    json.dumps({name: {"nested": [1, {"x": None}]} for name in BODY_NAMES}),
    json.dumps({"members": [{"given_names": "A", "relationship": "head"}] * 300}),
]
ODD_FORM_BODIES = [
    {name: HUGE for name in BODY_NAMES},
    {name: "-1" for name in BODY_NAMES},
    {name: "0001-01-01" for name in BODY_NAMES},
    {name: "9999-12-31" for name in BODY_NAMES},
]

# Written by any request, refused or not: not the data the walk protects.
BOOKKEEPING = {"sessions.session", "axes.accessattempt", "axes.accessfailurelog", "axes.accesslog", "core.auditevent"}
WALKED = [r for r in ROUTES if not r.id.endswith(".fmt")]
ROLES = [None, Role.VOLUNTEER, Role.OFFICER]


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.label_lower not in BOOKKEEPING and model._meta.managed
    }


def _check(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize("route", WALKED, ids=lambda r: r.id)
def test_hostile_input_never_reaches_a_server_error(route, role, world):  # noqa: F811
    client = Client(raise_request_exception=False)
    if role:
        client.force_login(world["users"][role])
    url = _url(route, world["objects"]["co"])

    def post_all(json_bodies, form_bodies):
        for body in json_bodies:
            _check(client.post(url, body, content_type="application/json"), f"POST {url} JSON {body[:40]!r}")
            if route.is_api:
                _check(client.patch(url, body, content_type="application/json"), f"PATCH {url} JSON {body[:40]!r}")
        for form in form_bodies:
            _check(client.post(url, form), f"POST {url} form {next(iter(form.values()))[:20]!r}")

    before = _row_counts()
    for query in QUERY_VARIANTS:
        _check(client.get(url, query), f"GET {url} {sorted(query)[:3]}")
    _check(client.post(url, b"\xff\xfe\x00", content_type="application/json"), f"POST {url} invalid UTF-8")
    post_all(INVALID_JSON_BODIES, INVALID_FORM_BODIES)
    after = _row_counts()
    written = {label: after[label] - before[label] for label in after if after[label] != before[label]}
    assert not written, f"{role} {url}: invalid input wrote rows: {written}"
    post_all(ODD_JSON_BODIES, ODD_FORM_BODIES)


def test_the_walk_covers_pages_and_api():
    assert any(r.is_api for r in WALKED) and any(not r.is_api for r in WALKED)
    assert {"webchat-messages", "cash-reconciliation", "person-list", "api-token"} <= {r.name for r in WALKED}
