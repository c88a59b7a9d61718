"""REST API v1 routes of the feedback app (included under /api/v1/ from caminante/api_urls.py)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .api import FeedbackItemViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("feedback/items", FeedbackItemViewSet, basename="feedback-item")

urlpatterns = [path("", include(router.urls))]
