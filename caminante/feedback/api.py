"""REST API v1 for feedback: intake from other systems (surveys, a partner's hotline, a chatbot
running elsewhere) and the ordinary queue. Confidential items are never listed or returned here:
the API answers 404 for them, whoever asks."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from caminante.core.api import ScopedViewSet, StrictSerializer
from caminante.core.fields import ApiDateTimeField
from caminante.core.models import NationalSociety, ServicePoint
from caminante.core.roles import HSP_ROLES
from caminante.core.scoping import Scope

from . import selectors, services
from .models import AgeGroup, Channel, FeedbackItem, SexGiven


class FeedbackItemSerializer(serializers.ModelSerializer):
    national_society = serializers.CharField(source="national_society.country.code", read_only=True)
    service_point = serializers.SlugRelatedField(slug_field="code", read_only=True)
    text = serializers.CharField(read_only=True)
    type = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()

    class Meta:
        model = FeedbackItem
        fields = [
            "id",
            "code",
            "national_society",
            "service_point",
            "place",
            "channel",
            "received_at",
            "language",
            "text",
            "wants_answer",
            "sex",
            "age_group",
            "type",
            "category",
            "code_key",
            "criticality",
            "status",
            "due_at",
            "answered_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_type(self, item) -> str:
        return item.type_key or item.suggested_type

    def get_category(self, item) -> str:
        return item.category_key or item.suggested_category


class FeedbackReceiptSerializer(serializers.Serializer):
    """What the caller gets back after intake: no words, no coding (the item may be confidential)."""

    id = serializers.UUIDField()
    code = serializers.CharField()
    status = serializers.CharField()
    received_at = ApiDateTimeField()


class FeedbackInputSerializer(StrictSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    text = serializers.CharField(max_length=5000)
    language = serializers.ChoiceField(choices=["es", "pt", "en"], default="es")
    national_society = serializers.SlugRelatedField(
        slug_field="country", queryset=NationalSociety.objects.all(), required=False, allow_null=True, default=None
    )
    service_point = serializers.SlugRelatedField(
        slug_field="code", queryset=ServicePoint.objects.all(), required=False, allow_null=True, default=None
    )
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_phone_e164 = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    contact_consent = serializers.BooleanField(required=False, allow_null=True, default=None)
    wants_answer = serializers.BooleanField(required=False, default=False)
    sex = serializers.ChoiceField(choices=SexGiven.choices, required=False, allow_blank=True, default="")
    age_group = serializers.ChoiceField(choices=AgeGroup.choices, required=False, allow_blank=True, default="")
    reference = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    received_at = ApiDateTimeField(required=False, allow_null=True, default=None)


class FeedbackItemViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """GET: the ordinary queue of the caller's scope. POST: log one item (as `receive_feedback`)."""

    serializer_class = FeedbackItemSerializer
    queryset = FeedbackItem.objects.none()
    access_roles = services.HANDLERS

    def get_queryset(self):
        return selectors.items_for(self.request.user).select_related("national_society", "service_point")

    @extend_schema(request=FeedbackInputSerializer, responses={201: FeedbackReceiptSerializer})
    def create(self, request):
        scope = Scope.of(request.user).require(services.INTAKE_ROLES)
        serializer = FeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        service_point = data["service_point"]
        national_society = data.pop("national_society")
        if scope.role in HSP_ROLES or not scope.is_global:
            national_society = request.user.national_society
        elif service_point is not None:
            national_society = service_point.national_society
        if national_society is None:
            raise serializers.ValidationError(
                {"national_society": [serializers.Field.default_error_messages["required"]]}
            )
        item = services.receive_feedback(request.user, national_society=national_society, **data)
        return Response(FeedbackReceiptSerializer(item).data, status=status.HTTP_201_CREATED)
