from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from caminante.core.api import ScopedViewSet, StrictSerializer
from caminante.core.fields import ApiDateTimeField
from caminante.core.models import ServicePoint, ServiceType
from caminante.core.roles import FIELD_WRITERS, PERSON_READERS
from caminante.core.scoping import get_or_404
from caminante.registry.selectors import households_for, people_for

from . import selectors, services
from .models import ServiceDelivery


class ServiceDeliverySerializer(serializers.ModelSerializer):
    service_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service_point = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ServiceDelivery
        fields = [
            "id",
            "service_type",
            "service_point",
            "person",
            "household",
            "quantity",
            "unit",
            "delivered_at",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class ServiceDeliveryInputSerializer(StrictSerializer):
    service_type = serializers.SlugRelatedField(slug_field="code", queryset=ServiceType.objects.filter(active=True))
    person = serializers.UUIDField(required=False, allow_null=True, default=None)
    household = serializers.UUIDField(required=False, allow_null=True, default=None)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, default=1)
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    delivered_at = ApiDateTimeField(required=False, allow_null=True, default=None)
    service_point = serializers.SlugRelatedField(
        slug_field="code", queryset=ServicePoint.objects.all(), required=False, allow_null=True, default=None
    )


class ServiceDeliveryViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = ServiceDeliverySerializer
    queryset = ServiceDelivery.objects.none()
    access_roles = PERSON_READERS

    def get_queryset(self):
        return selectors.deliveries_for(self.request.user).order_by("-delivered_at")

    @extend_schema(request=ServiceDeliveryInputSerializer, responses={201: ServiceDeliverySerializer})
    def create(self, request):
        self.check_role(FIELD_WRITERS)
        serializer = ServiceDeliveryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        person_id, household_id = data.pop("person"), data.pop("household")
        person = get_or_404(people_for(request.user), request.user, pk=person_id) if person_id else None
        household = get_or_404(households_for(request.user), request.user, pk=household_id) if household_id else None
        delivery = services.record_delivery(request.user, person=person, household=household, **data)
        return Response(ServiceDeliverySerializer(delivery).data, status=status.HTTP_201_CREATED)
