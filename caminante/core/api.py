"""Shared API plumbing: strict serializers, role permission, JSON errors, token login."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, parsers, permissions, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .inputs import BoundedJSONParser
from .models import ServicePoint
from .roles import STAFF_ROLES
from .scoping import NoScope, Scope, get_or_404
from .selectors import service_points_for

# JSON types a strict serializer's fields take, as the OpenAPI schema says (DRF would turn 0
# into "0" for a text field and "yes" into true for a boolean one).
JSON_TYPES = [
    (serializers.BooleanField, (bool,), gettext_lazy("Enter true or false.")),
    (serializers.CharField, (str,), gettext_lazy("Enter text.")),
    (serializers.IntegerField, (int,), gettext_lazy("Enter a whole number.")),
]


def _type_error(field, value) -> str | None:
    if value is None:
        return None
    for kind, types, message in JSON_TYPES:
        if isinstance(field, kind):
            wrong = not isinstance(value, types) or (kind is serializers.IntegerField and isinstance(value, bool))
            return str(message) if wrong else None
    return None


class StrictSerializer(serializers.Serializer):
    """Rejects fields it does not know, so a typo never silently drops data, and values of
    the wrong JSON type, so what is stored is what the client meant."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown field.")] for name in unknown}, code="unknown_field"
                )
            wrong = {
                name: [message]
                for name, field in self.fields.items()
                if name in data and (message := _type_error(field, data[name]))
            }
            if wrong:
                raise serializers.ValidationError(wrong, code="wrong_type")
        return super().to_internal_value(data)


def query_params(request, serializer_class) -> dict:
    """A list's filters, validated by a serializer (also its OpenAPI parameters): an unknown
    choice or a malformed id is a 400 in the API's error format, never an empty page or a 500."""
    # A plain dict: in a QueryDict DRF reads "?status=" as "not given", which the schema does not say.
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class HasRole(permissions.BasePermission):
    """Allows the roles the view declares in `access_roles`."""

    def has_permission(self, request, view):
        roles = getattr(view, "access_roles", None)
        if roles is None:
            return False
        if roles == "public":
            return True
        try:
            Scope.of(request.user).require(roles)
        except DjangoPermissionDenied:
            return False
        return True


class ScopedViewSet(viewsets.GenericViewSet):
    """A viewset whose queryset comes from a scoped selector; misses are 404 and logged."""

    permission_classes = [permissions.IsAuthenticated, HasRole]
    lookup_field = "pk"

    def check_role(self, roles) -> None:
        Scope.of(self.request.user).require(roles)

    def get_object(self):
        obj = get_or_404(self.get_queryset(), self.request.user, pk=self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, obj)
        return obj


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    return {"non_field_errors": [str(m) for m in (detail if isinstance(detail, list) else [detail])]}


def exception_handler(exc, context):
    """Errors as JSON: {"code": ..., "message": ..., "errors": {field: [messages]}}, translated."""
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"code": "invalid", "message": _("The data is not valid."), "errors": errors}, status=400)
    if isinstance(exc, NoScope):
        exc = (
            exceptions.NotAuthenticated()
            if not context["request"].user.is_authenticated
            else exceptions.PermissionDenied()
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid", "message": _("The data is not valid."), "errors": _flatten(exc.detail)}
    else:
        detail = getattr(exc, "detail", "")
        response.data = {
            "code": getattr(detail, "code", None) or getattr(exc, "default_code", "error"),
            "message": str(detail),
        }
    return response


class CaminanteAutoSchema(AutoSchema):
    """The OpenAPI schema says exactly what the API accepts: a strict serializer's request
    body has no additional properties, and an optional related field takes "" as none."""

    def _map_basic_serializer(self, serializer, direction):
        result = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            result["additionalProperties"] = False
        return result

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        result = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and isinstance(field, serializers.RelatedField) and field.allow_null:
            result.pop("minLength", None)
        return result


class TokenRequest(StrictSerializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenView(ObtainAuthToken):
    """POST {"username", "password"} → {"token"}. Failed attempts count towards the lockout."""

    access_roles = "public"
    permission_classes = [HasRole]
    # JSON through the bounded parser, and forms as ObtainAuthToken always took them.
    parser_classes = [BoundedJSONParser, parsers.FormParser, parsers.MultiPartParser]

    @extend_schema(request=TokenRequest, responses=inline_serializer("Token", {"token": serializers.CharField()}))
    def post(self, request, *args, **kwargs):
        TokenRequest(data=request.data).is_valid(raise_exception=True)
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError as exc:
            # Well-formed but wrong (or locked) credentials: 401, as for any failed authentication.
            raise exceptions.AuthenticationFailed(
                _("Unable to log in with the username and password given."), code="invalid_credentials"
            ) from exc


class ServicePointSerializer(serializers.ModelSerializer):
    national_society = serializers.CharField(source="national_society.country.code", read_only=True)
    services = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = ServicePoint
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "national_society",
            "city",
            "admin_area",
            "latitude",
            "longitude",
            "corridor",
            "time_zone",
            "opening_hours",
            "services",
            "status",
        ]


class ServicePointViewSet(ScopedViewSet, viewsets.mixins.ListModelMixin, viewsets.mixins.RetrieveModelMixin):
    serializer_class = ServicePointSerializer
    queryset = ServicePoint.objects.none()
    access_roles = STAFF_ROLES

    def get_queryset(self):
        return service_points_for(self.request.user).prefetch_related("services").order_by("code")


ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: a stable code, a translated message and, for invalid data, the messages per field.",
    "properties": {
        "code": {"type": "string", "example": "invalid"},
        "message": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["code", "message"],
}
ERROR_RESPONSES = {
    "400": "The request is not valid (see `errors`).",
    "401": "No valid credentials.",
    "403": "The credentials do not allow this.",
    "404": "Not found, or outside what the caller may see.",
    "405": "Method not allowed.",
    "429": "Too many requests.",
}
BODY_ERROR_RESPONSES = {  # for operations that take a request body
    "413": "The request body is too big.",
    "415": "The request body's media type is not one the operation takes (or it is missing).",
}


def document_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation may answer the JSON errors of
    `exception_handler`; say so in the schema, so clients (and schemathesis) know their shape."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            errors = {**ERROR_RESPONSES, **(BODY_ERROR_RESPONSES if "requestBody" in operation else {})}
            for status, description in errors.items():
                responses.setdefault(status, {"description": description, "content": ref})
            for status, response in responses.items():  # an error documented by a view without a body
                if str(status).startswith("4") and not response.get("content"):
                    response["content"] = ref
    return result
