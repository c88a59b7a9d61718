"""The one place where malformed input becomes a clear, translated 4xx instead of a 500.

- `InputGuardMiddleware` refuses what no view can use (NUL bytes in the query string or a form
  field, an undecodable query) before any view runs, and turns input-class errors that escape
  a view (a number too large for the database, a string with a NUL, JSON nested too deep, a
  request body too big) into a 400 page, or the API's JSON error under /api/.
- `read_json` reads a JSON body with a size and depth limit and checks its top-level shape, for
  the views that read JSON by hand (web chat, webhooks); `BoundedJSONParser` does the same for
  the REST API.
- `BoundedPagination` caps `limit` and refuses a non-numeric, negative or huge `limit`/`offset`.
"""

import json
import logging

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import HttpResponseBadRequest, JsonResponse
from django.http.request import RawPostDataException
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.parsers import JSONParser

log = logging.getLogger(__name__)

MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 1024 * 1024
MAX_PAGE_SIZE = 500
MAX_OFFSET = 10_000_000


class InvalidInput(BadRequest):
    """A request the server cannot use; `message` is shown to the user, translated."""

    def __init__(self, message: str, code: str = "invalid_input"):
        super().__init__(message)
        self.message = message
        self.code = code


def check_json_value(value, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than `max_depth` or holding a NUL character (which
    PostgreSQL cannot store), walking iteratively so no input can exhaust the stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise InvalidInput(_("The text contains a NUL character."), "nul_character")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > max_depth:
            raise InvalidInput(
                _("The JSON is nested too deeply (at most %(max)s levels).") % {"max": max_depth}, "too_deep"
            )
        children = list(item.items()) if isinstance(item, dict) else [(None, v) for v in item]
        for key, child in children:
            if key is not None and "\x00" in key:
                raise InvalidInput(_("The text contains a NUL character."), "nul_character")
            stack.append((child, depth + 1))


def parse_json(raw: bytes, *, max_bytes: int = MAX_JSON_BYTES):
    if len(raw) > max_bytes:
        raise InvalidInput(
            _("The request body is too big (at most %(max)s kB).") % {"max": max_bytes // 1024}, "too_big"
        )
    try:
        value = json.loads(raw or b"null")
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise InvalidInput(_("The request body is not valid JSON."), "invalid_json") from exc
    check_json_value(value)
    return value


def read_json(request, *, max_bytes: int = MAX_JSON_BYTES, empty: object = None) -> dict:
    """The request's JSON body as a dict (an empty body gives `empty` or {}); anything else
    (a list, a string, a number, null, too deep, too big) raises InvalidInput."""
    declared = request.headers.get("Content-Length", "0")
    if declared.isdigit() and int(declared) > max_bytes:
        raise InvalidInput(
            _("The request body is too big (at most %(max)s kB).") % {"max": max_bytes // 1024}, "too_big"
        )
    raw = request.body
    if not raw.strip():
        return dict(empty or {})
    value = parse_json(raw, max_bytes=max_bytes)
    if not isinstance(value, dict):
        raise InvalidInput(_("The request body must be a JSON object."), "not_an_object")
    return value


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with the same size, depth and NUL limits as `read_json`."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(MAX_JSON_BYTES + 1) if stream is not None else b""
        try:
            return parse_json(raw)
        except InvalidInput as exc:
            raise exceptions.ParseError(exc.message, code=exc.code) from exc


class BoundedPagination(pagination.LimitOffsetPagination):
    """?limit= is capped at MAX_PAGE_SIZE; a limit or offset that is not a whole number in range
    is refused with a 400 rather than silently replaced (the caller has a bug to know about)."""

    default_limit = 50
    max_limit = MAX_PAGE_SIZE

    def _whole_number(self, request, name: str, default: int, message: str) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 40):
            raise exceptions.ValidationError({name: [message]})
        return int(raw)

    def get_limit(self, request):
        message = _("Enter a whole number (at most %(max)s results are returned).") % {"max": self.max_limit}
        limit = self._whole_number(request, self.limit_query_param, self.default_limit, message)
        return min(limit, self.max_limit) or self.default_limit

    def get_offset(self, request):
        message = _("Enter a whole number from 0 to %(max)s.") % {"max": MAX_OFFSET}
        offset = self._whole_number(request, self.offset_query_param, 0, message)
        if offset > MAX_OFFSET:
            raise exceptions.ValidationError({self.offset_query_param: [message]})
        return offset

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 0}
                parameter["description"] = (
                    f"Results per page (default {self.default_limit}; a limit above {self.max_limit} is capped)."
                )
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}
        return parameters


def safe_next(request, default: str) -> str:
    """The ?next= / POST next= to go back to, if it is a path on this site; else `default`
    (never an open redirect to another host, never a view name to resolve)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# ---- the middleware ---------------------------------------------------------------------------

# Errors that only bad input causes: a value out of the database's range or with a NUL
# (DataError, ValueError from the driver), a too large integer (OverflowError), a body too big.
INPUT_ERRORS = (
    InvalidInput,
    BadRequest,
    SuspiciousOperation,
    DataError,
    OverflowError,
    RecursionError,
    RawPostDataException,
)


def wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def error_response(request, message: str, code: str = "invalid_input", status: int = 400):
    if wants_json(request):
        return JsonResponse({"code": code, "message": message, "errors": {}}, status=status)
    try:
        html = loader.render_to_string("400.html", {"message": message}, request=request)
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return HttpResponseBadRequest(html)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _buffer_small_body(request) -> None:
    """Read a body that fits in memory before parsing the form, so a view that needs the raw
    bytes (a signed webhook, a JSON endpoint) can still read them; an upload bigger than that
    is streamed to the form parser as Django does."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        request.body  # noqa: B018 - buffers the body


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in vals) for key, vals in values.lists())


MAX_QUERY_VALUE = 2000  # characters in one query-string value


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = self._refuse(request)
        if refused is not None:
            return refused
        return self.get_response(request)

    def _refuse(self, request):
        try:
            if _has_nul(request.GET) or "\x00" in request.path:
                return error_response(request, _("The address contains a NUL character."), "nul_character")
            if any(len(value) > MAX_QUERY_VALUE for values in request.GET.lists() for value in values[1]):
                # No search or filter needs more; SQLite refuses a LIKE pattern over 50,000 bytes.
                return error_response(request, _("A value in the address is too long."), "too_long")
            if request.method == "POST" and request.content_type in FORM_TYPES:
                _buffer_small_body(request)
                if _has_nul(request.POST):
                    return error_response(request, _("The form contains a NUL character."), "nul_character")
        except RequestDataTooBig:
            return error_response(request, _("The request is too big."), "too_big", status=413)
        except (SuspiciousOperation, ValueError) as exc:  # malformed multipart, too many fields
            log.info("refused a malformed request: %s", exc)
            return error_response(request, _("The request is malformed."), "malformed")
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return error_response(request, _("The request is too big."), "too_big", status=413)
        if isinstance(exception, InvalidInput):
            return error_response(request, exception.message, exception.code)
        if isinstance(exception, INPUT_ERRORS) or _is_driver_input_error(exception):
            log.warning("input error reached %s: %r", request.path, exception)
            return error_response(request, _("Some of the data is not valid. Check it and try again."))
        return None


def _is_driver_input_error(exception) -> bool:
    """psycopg refuses a NUL in a string with a ValueError before anything is sent."""
    return isinstance(exception, ValueError) and "NUL" in str(exception)
