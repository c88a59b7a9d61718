"""REST API v1 routes of the RFL app (included under /api/v1/ from caminante/api_urls.py)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .api import TracingRequestViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("rfl/tracing-requests", TracingRequestViewSet, basename="rfl-tracing-request")

urlpatterns = [path("", include(router.urls))]
