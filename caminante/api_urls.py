"""REST API v1 and its OpenAPI 3 schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from caminante.assistance.api import ServiceDeliveryViewSet
from caminante.core.api import ServicePointViewSet, TokenView
from caminante.core.scoping import public
from caminante.registry.api import HouseholdViewSet, PersonViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("service-points", ServicePointViewSet, basename="service-point")
router.register("people", PersonViewSet, basename="person")
router.register("households", HouseholdViewSet, basename="household")
router.register("service-deliveries", ServiceDeliveryViewSet, basename="service-delivery")

urlpatterns = [
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/", include(router.urls)),
    path("api/v1/", include("caminante.channels.api_urls")),
    path("api/v1/", include("caminante.cash.api_urls")),
    path("api/v1/", include("caminante.feedback.api_urls")),
    path("api/v1/", include("caminante.referrals.api_urls")),
    path("api/v1/", include("caminante.rfl.api_urls")),
    path("api/schema/", public(SpectacularAPIView.as_view()), name="api-schema"),
    path("api/docs/", public(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
]
