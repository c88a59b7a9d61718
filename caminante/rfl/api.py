"""REST API v1 for tracing requests: list, open, read one, and its status changes (GET the history,
POST a move). Only RFL and protection officers, of the case's National Society; every read is
audited. `enquirer_may_know` carries a location only when the found person agreed to it."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from caminante.core.api import ScopedViewSet, StrictSerializer
from caminante.core.fields import ApiDateField
from caminante.core.models import ServicePoint
from caminante.core.roles import RFL_ROLES
from caminante.registry.models import Sex

from . import candidates, children, selectors, services
from .models import (
    Circumstance,
    ClosureReason,
    DisclosureKind,
    FoundConsent,
    SoughtRelationship,
    Status,
    StatusChange,
    TracingRequest,
)


class EnquirerSerializer(serializers.Serializer):
    name = serializers.CharField()
    contact = serializers.CharField()


class SoughtSerializer(serializers.Serializer):
    given_names = serializers.CharField()
    family_names = serializers.CharField()
    nicknames = serializers.CharField()
    place_of_origin = serializers.CharField()
    last_known_place = serializers.CharField()


class DisclosureSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=DisclosureKind.choices,
        help_text="What the enquirer may be told, as the found person decided.",
    )
    location = serializers.CharField(
        allow_null=True, help_text="Where the found person is; null unless they agreed that the enquirer may know."
    )
    message = serializers.CharField(
        allow_null=True,
        help_text="The safe-and-well message for the enquirer (no location); null for the other kinds.",
    )


class TracingRequestSerializer(serializers.ModelSerializer):
    national_society = serializers.CharField(source="national_society.country.code", read_only=True)
    service_point = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assigned_to = serializers.SlugRelatedField(slug_field="username", read_only=True)
    enquirer = serializers.SerializerMethodField()
    sought = serializers.SerializerMethodField()
    enquirer_may_know = serializers.SerializerMethodField()

    class Meta:
        model = TracingRequest
        fields = [
            "id",
            "code",
            "national_society",
            "service_point",
            "status",
            "closure_reason",
            "assigned_to",
            "enquirer",
            "sought",
            "sought_sex",
            "sought_birth_year",
            "sought_birth_year_estimated",
            "last_known_date",
            "circumstance",
            "relationship",
            "unaccompanied_child",
            "older_person",
            "disability",
            "matched_person",
            "found_consent",
            "enquirer_may_know",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(EnquirerSerializer)
    def get_enquirer(self, tracing) -> dict:
        enquirer = tracing.enquirer
        return {"name": enquirer.get("name", ""), "contact": enquirer.get("contact", "")}

    @extend_schema_field(SoughtSerializer)
    def get_sought(self, tracing) -> dict:
        sought = tracing.sought
        return {name: sought.get(name, "") for name in SoughtSerializer().fields}

    @extend_schema_field(DisclosureSerializer)
    def get_enquirer_may_know(self, tracing) -> dict:
        return candidates.for_enquirer(self.context["request"].user, tracing)


class TracingRequestInputSerializer(StrictSerializer):
    enquirer_name = serializers.CharField(max_length=services.LENGTHS["enquirer_name"])
    enquirer_contact = serializers.CharField(max_length=services.LENGTHS["enquirer_contact"])
    enquirer_consent = serializers.BooleanField(help_text="The enquirer agrees to the use of this information.")
    given_names = serializers.CharField(max_length=services.LENGTHS["given_names"])
    family_names = serializers.CharField(
        max_length=services.LENGTHS["family_names"], required=False, allow_blank=True, default=""
    )
    nicknames = serializers.CharField(
        max_length=services.LENGTHS["nicknames"],
        required=False,
        allow_blank=True,
        default="",
        help_text="Comma-separated.",
    )
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, default=Sex.UNKNOWN)
    birth_year = serializers.IntegerField(min_value=1900, max_value=2100, required=False, allow_null=True, default=None)
    age = serializers.IntegerField(
        min_value=0, max_value=services.MAX_AGE, required=False, allow_null=True, default=None,
        help_text="When the year of birth is unknown.",
    )  # fmt: skip
    place_of_origin = serializers.CharField(
        max_length=services.LENGTHS["place_of_origin"], required=False, allow_blank=True, default=""
    )
    last_known_place = serializers.CharField(
        max_length=services.LENGTHS["last_known_place"], required=False, allow_blank=True, default=""
    )
    last_known_date = ApiDateField(required=False, allow_null=True, default=None)
    circumstance = serializers.ChoiceField(choices=Circumstance.choices)
    relationship = serializers.ChoiceField(
        choices=SoughtRelationship.choices, help_text="What the sought person is to the enquirer."
    )
    unaccompanied_child = serializers.BooleanField(required=False, default=False)
    older_person = serializers.BooleanField(required=False, default=False)
    disability = serializers.BooleanField(required=False, default=False)
    service_point = serializers.SlugRelatedField(
        slug_field="code", queryset=ServicePoint.objects.all(), required=False, allow_null=True, default=None
    )


class StatusChangeSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "closure_reason", "at", "by"]
        read_only_fields = fields


STATUS_TARGETS = [(s.value, s.label) for s in Status if s in services.PLAIN_TARGETS or s == Status.LOCATED]


class StatusChangeInputSerializer(StrictSerializer):
    status = serializers.ChoiceField(
        choices=STATUS_TARGETS,
        help_text=(
            "`located` needs `found_consent`, `closed` needs `closure_reason`. A possible match is recorded by "
            "confirming a candidate (on the web page)."
        ),
    )
    closure_reason = serializers.ChoiceField(
        choices=ClosureReason.choices, required=False, allow_blank=True, default=""
    )
    found_consent = serializers.ChoiceField(choices=FoundConsent.choices, required=False, allow_blank=True, default="")


class TracingRequestViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Tracing requests of the caller's National Society (RFL and protection officers only)."""

    serializer_class = TracingRequestSerializer
    queryset = TracingRequest.objects.none()
    access_roles = RFL_ROLES

    def get_queryset(self):
        return (
            selectors.requests_for(self.request.user)
            .select_related("national_society", "service_point", "assigned_to", "matched_person")
            .order_by("-created_at")
        )

    def filter_queryset(self, queryset):
        # Child cases first among the open ones (priority tracing); the detail lookups are unaffected.
        queryset = super().filter_queryset(queryset)
        return children.prioritised(queryset) if self.action == "list" else queryset

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        services.record_list_read(request.user, len(response.data.get("results", [])), "api")
        return response

    def retrieve(self, request, *args, **kwargs):
        tracing = self.get_object()
        services.record_read(request.user, tracing, "api")
        return Response(TracingRequestSerializer(tracing, context={"request": request}).data)

    @extend_schema(request=TracingRequestInputSerializer, responses={201: TracingRequestSerializer})
    def create(self, request):
        serializer = TracingRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tracing = services.open_request(request.user, services.TracingInput(**serializer.validated_data))
        tracing = self.get_queryset().get(pk=tracing.pk)
        return Response(
            TracingRequestSerializer(tracing, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(methods=["GET"], request=None, responses={200: StatusChangeSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=StatusChangeInputSerializer,
        responses={201: OpenApiResponse(StatusChangeSerializer, description="The move made.")},
    )
    @action(detail=True, methods=["get", "post"], url_path="status-changes", pagination_class=None)
    def status_changes(self, request, pk=None, format=None):  # noqa: A002 - DRF's suffix argument
        """GET: the case's status history. POST: move it one step (the same rules as the web page)."""
        tracing = self.get_object()
        if request.method == "GET":
            services.record_read(request.user, tracing, "api-history")
            return Response(StatusChangeSerializer(tracing.status_changes.select_related("by"), many=True).data)
        serializer = StatusChangeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["status"] == Status.LOCATED:
            if data["closure_reason"]:
                raise serializers.ValidationError(
                    {"closure_reason": [_("A reason is given only when the case is closed.")]}
                )
            candidates.record_located(request.user, tracing, data["found_consent"])
        else:
            if data["found_consent"]:
                raise serializers.ValidationError(
                    {"found_consent": [_("The found person's decision goes with the status “located”.")]}
                )
            services.change_status(request.user, tracing, data["status"], closure_reason=data["closure_reason"])
        change = tracing.status_changes.select_related("by").order_by("-at").first()
        return Response(StatusChangeSerializer(change).data, status=status.HTTP_201_CREATED)
